//! The subscript grammar of NumPy's `einsum`, turned into label lists.
//!
//! A subscript string is `term,term,...` optionally followed by `->output`. A term is a run of
//! ASCII letters with at most one `...` (the ellipsis stands for the axes the letters do not
//! name; spaces are ignored). Letters become labels `0..52` ordered as NumPy sorts them in
//! implicit mode (`A`–`Z` before `a`–`z`); the axes under an ellipsis become labels `52..`,
//! right-aligned across operands so that they broadcast as NumPy's ellipsis axes do.
//!
//! Implicit output (no `->`): the ellipsis axes, then the letters that appear exactly once, in
//! sorted order. Explicit output: each letter at most once and present in some input; an
//! ellipsis that covers any axis must appear in the output (NumPy raises otherwise).

use crate::error::{Error, Result};

/// The first label used for ellipsis axes; letters are `0..ELLIPSIS`.
pub const ELLIPSIS: usize = 52;

/// Parsed subscripts: one label list per operand (its axes in order) and the output's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub inputs: Vec<Vec<usize>>,
    pub output: Vec<usize>,
}

/// The subscript character of a label, for messages (`…` for an ellipsis axis).
pub fn label_char(l: usize) -> char {
    match l {
        0..=25 => (b'A' + l as u8) as char,
        26..=51 => (b'a' + (l - 26) as u8) as char,
        _ => '…',
    }
}

fn letter(c: char) -> Option<usize> {
    match c {
        'A'..='Z' => Some(c as usize - 'A' as usize),
        'a'..='z' => Some(c as usize - 'a' as usize + 26),
        _ => None,
    }
}

/// One term: its letters and where the ellipsis sits among them (if any).
struct Term {
    letters: Vec<usize>,
    ellipsis_at: Option<usize>,
}

fn parse_term(s: &str, what: &str) -> Result<Term> {
    let mut letters = Vec::new();
    let mut ellipsis_at = None;
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '.' {
            if b.get(i + 1) != Some(&'.') || b.get(i + 2) != Some(&'.') {
                return Err(Error::Value(format!("einsum: {what} contains a '.' that is not part of an ellipsis")));
            }
            if ellipsis_at.is_some() {
                return Err(Error::Value(format!("einsum: {what} contains more than one ellipsis")));
            }
            ellipsis_at = Some(letters.len());
            i += 3;
            continue;
        }
        let l = letter(b[i]).ok_or_else(|| {
            Error::Value(format!(
                "einsum: invalid subscript {:?} in the subscripts string, subscripts must be letters",
                b[i]
            ))
        })?;
        letters.push(l);
        i += 1;
    }
    Ok(Term { letters, ellipsis_at })
}

/// Parse `subscripts` for operands with `ndims` axes each.
pub fn parse(subscripts: &str, ndims: &[usize]) -> Result<Spec> {
    let s: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    if ndims.is_empty() {
        return Err(Error::Value("einsum: no input operands".into()));
    }
    let (lhs, rhs) = match s.find("->") {
        Some(p) => (&s[..p], Some(&s[p + 2..])),
        None => (&s[..], None),
    };
    if lhs.contains(['-', '>']) || rhs.is_some_and(|r| r.contains(['-', '>', ','])) {
        return Err(Error::Value("einsum: the subscripts string has a misplaced '-', '>' or ','".into()));
    }
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != ndims.len() {
        return Err(Error::Value(format!(
            "einsum: the subscripts string names {} operands but {} were given",
            terms.len(),
            ndims.len()
        )));
    }
    let parsed = terms
        .iter()
        .enumerate()
        .map(|(k, t)| parse_term(t, &format!("operand {k}'s subscripts")))
        .collect::<Result<Vec<_>>>()?;
    // axes under each ellipsis
    let mut ell = Vec::with_capacity(ndims.len());
    for (k, (t, &nd)) in parsed.iter().zip(ndims).enumerate() {
        let n = t.letters.len();
        let e = match t.ellipsis_at {
            None if n == nd => 0,
            Some(_) if n <= nd => nd - n,
            None if n < nd => {
                return Err(Error::Value(format!(
                    "einsum: operand {k} has {nd} dimensions but its subscripts name only {n} (and no ellipsis)"
                )))
            }
            _ => {
                return Err(Error::Value(format!(
                "einsum: the subscripts string contains too many subscripts ({n}) for operand {k} with {nd} dimensions"
            )))
            }
        };
        ell.push(e);
    }
    let max_ell = ell.iter().copied().max().unwrap_or(0);
    let ell_labels = |e: usize| (ELLIPSIS + max_ell - e..ELLIPSIS + max_ell).collect::<Vec<_>>();
    let inputs: Vec<Vec<usize>> = parsed
        .iter()
        .zip(&ell)
        .map(|(t, &e)| match t.ellipsis_at {
            None => t.letters.clone(),
            Some(p) => {
                let mut v = t.letters[..p].to_vec();
                v.extend(ell_labels(e));
                v.extend_from_slice(&t.letters[p..]);
                v
            }
        })
        .collect();
    let mut count = [0usize; ELLIPSIS];
    for t in &parsed {
        for &l in &t.letters {
            count[l] += 1;
        }
    }
    let output = match rhs {
        None => {
            let mut out = ell_labels(max_ell);
            out.extend((0..ELLIPSIS).filter(|&l| count[l] == 1));
            out
        }
        Some(r) => {
            let t = parse_term(r, "the output subscripts")?;
            let mut seen = [false; ELLIPSIS];
            for &l in &t.letters {
                if seen[l] {
                    return Err(Error::Value(format!(
                        "einsum: the output subscripts include {:?} more than once",
                        label_char(l)
                    )));
                }
                seen[l] = true;
                if count[l] == 0 {
                    return Err(Error::Value(format!(
                        "einsum: output subscript {:?} never appears in an input",
                        label_char(l)
                    )));
                }
            }
            match t.ellipsis_at {
                Some(p) => {
                    let mut v = t.letters[..p].to_vec();
                    v.extend(ell_labels(max_ell));
                    v.extend_from_slice(&t.letters[p..]);
                    v
                }
                None if max_ell > 0 => {
                    return Err(Error::Value(
                        "einsum: the inputs' ellipsis covers dimensions but the output has no '...' to place them"
                            .into(),
                    ))
                }
                None => t.letters,
            }
        }
    };
    Ok(Spec { inputs, output })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Vec<usize> {
        s.chars().map(|c| letter(c).unwrap()).collect()
    }

    #[test]
    fn implicit_output_is_sorted_single_letters() {
        let s = parse("ij,jk", &[2, 2]).unwrap();
        assert_eq!(s.output, l("ik"));
        assert_eq!(parse("Ba", &[2]).unwrap().output, l("Ba"));
        assert_eq!(parse("ii", &[2]).unwrap().output, Vec::<usize>::new());
    }

    #[test]
    fn ellipsis_labels_are_right_aligned() {
        let s = parse("...ij,j...->...i", &[4, 2]).unwrap();
        assert_eq!(s.inputs[0], vec![ELLIPSIS, ELLIPSIS + 1, 26 + 8, 26 + 9]);
        assert_eq!(s.inputs[1], vec![26 + 9, ELLIPSIS + 1]);
        assert_eq!(s.output, vec![ELLIPSIS, ELLIPSIS + 1, 26 + 8]);
    }

    #[test]
    fn grammar_errors() {
        for (s, nd) in [
            ("ij->ii", &[2][..]),
            ("ij->k", &[2]),
            ("ij", &[2, 2]),
            ("i2", &[2]),
            ("ijk", &[2]),
            ("i", &[2]),
            ("..i", &[2]),
            ("...i...", &[2]),
            ("...i->i", &[2]),
            ("i->->i", &[1]),
            ("i-i", &[1]),
            ("i->i,", &[1]),
        ] {
            assert!(matches!(parse(s, nd), Err(Error::Value(_))), "{s}");
        }
        assert!(matches!(parse("", &[]), Err(Error::Value(_))));
    }
}
