//! Products: `einsum` (a table of ≥ 25 subscripts), `outer`, `inner`, `vdot` and `kron`
//! against NumPy (fixtures/products.txt, written by fixtures/generate_products.py) over several
//! chunkings per operand, plus bad-subscript tests asserting the `Error` variant and property
//! tests of `"ij,jk->ik"` and `"i,i->"` against ndarray.

use crate::common::{self, Fixture};

use std::collections::HashMap;

use ndarray::{Array1, Array2, ArrayD, Dimension, IxDyn};
use ndchunk::prelude::*;
use ndchunk::Error;
use proptest::prelude::*;

fn load() -> Fixture {
    common::load_fixture("products.txt")
}

/// The operands of a record, chunked with chunking `variant + k` of the list for operand `k`.
fn operands<T: Element + std::str::FromStr>(fx: &Fixture, names: &str, variant: usize) -> Vec<ChunkedArray<T>>
where
    T::Err: std::fmt::Debug,
{
    names
        .split(',')
        .enumerate()
        .map(|(k, n)| {
            let (_, shape, vals) = &fx.inputs[n];
            let a =
                ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| v.parse::<T>().unwrap()).collect()).unwrap();
            let ch = common::chunkings(shape);
            ChunkedArray::from_array(a, ch[(variant + k) % ch.len()].clone()).unwrap()
        })
        .collect()
}

fn apply<T>(op: &str, subs: &str, xs: &[ChunkedArray<T>]) -> Result<ArrayD<T::SumOut>, Error>
where
    T: Number + ndchunk_kernels::gemm::Gemm,
    T::SumOut: ndchunk_kernels::gemm::Gemm<SumOut = T::SumOut>,
{
    let refs: Vec<&ChunkedArray<T>> = xs.iter().collect();
    match op {
        "einsum" => ndchunk::einsum(subs, &refs)?.compute(),
        "inner" => ndchunk::inner(refs[0], refs[1])?.compute(),
        "vdot" => ndchunk::vdot(refs[0], refs[1])?.compute(),
        // outer and kron keep T; for f64/i64 T::SumOut is T
        "outer" => Ok(ndchunk::outer(refs[0], refs[1])?.compute()?.mapv(|v| v.cast::<T::SumOut>())),
        "kron" => Ok(ndchunk::kron(refs[0], refs[1])?.compute()?.mapv(|v| v.cast::<T::SumOut>())),
        _ => panic!("unknown op {op}"),
    }
}

#[test]
fn products_match_numpy_over_chunkings() {
    let fx = load();
    assert!(fx.results.iter().filter(|r| r[0] == "einsum" && r[3] != "ERR").count() >= 25);
    let mut checked = 0;
    for r in &fx.results {
        let (op, subs, names) = (&r[0], &r[1], &r[2]);
        let dtype = &fx.inputs[names.split(',').next().unwrap()].0;
        for variant in 0..4 {
            let what = format!("{op}({subs:?}, {names}) chunking {variant}");
            if dtype == "int64" {
                let got = apply(op, subs, &operands::<i64>(&fx, names, variant));
                if r[3] == "ERR" {
                    assert!(matches!(got, Err(Error::Value(_) | Error::Shape(_))), "{what}: {got:?}");
                    continue;
                }
                let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                let shape = common::parse_shape(&r[4]);
                let want: Vec<i64> =
                    if r[5].is_empty() { vec![] } else { r[5].split(',').map(|v| v.parse().unwrap()).collect() };
                assert_eq!(r[3], "int64", "{what}");
                assert_eq!(got, ArrayD::from_shape_vec(IxDyn(&shape), want).unwrap(), "{what}");
            } else {
                let got = apply(op, subs, &operands::<f64>(&fx, names, variant));
                if r[3] == "ERR" {
                    assert!(matches!(got, Err(Error::Value(_) | Error::Shape(_))), "{what}: {got:?}");
                    continue;
                }
                let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                let shape = common::parse_shape(&r[4]);
                let want: Vec<f64> =
                    if r[5].is_empty() { vec![] } else { r[5].split(',').map(|v| v.parse().unwrap()).collect() };
                common::assert_close(&got, &ArrayD::from_shape_vec(IxDyn(&shape), want).unwrap(), 1e-12, &what);
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

fn m(rows: usize, cols: usize, chunks: [usize; 2]) -> ChunkedArray<f64> {
    let a = Array2::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) as f64 * 0.5 - 3.0);
    ChunkedArray::from_array(a.into_dyn(), chunks).unwrap()
}

#[test]
fn bad_subscripts_are_typed_errors() {
    let a = m(3, 4, [2, 3]);
    let b = m(4, 2, [3, 1]);
    let sq = m(3, 3, [2, 2]);
    let v2 = m(1, 2, [1, 1]).ravel().unwrap();
    for (s, ops) in [
        ("ij,jk->ik", vec![&a]),     // too few operands
        ("ij", vec![&a, &b]),        // too many
        ("ij,jk->ii", vec![&a, &b]), // repeated output letter
        ("ij,jk->iz", vec![&a, &b]), // output letter not in the inputs
        ("i2", vec![&a]),            // invalid characters
        ("i$", vec![&a]),
        ("ij->i-", vec![&a]),
        ("i-j", vec![&a]),
        ("ij->i,j", vec![&a]),
        ("ijk", vec![&a]),     // too many letters for the operand
        ("i", vec![&a]),       // too few, no ellipsis
        ("...i->i", vec![&a]), // ellipsis axes with nowhere to go
        ("i..j", vec![&a]),
        ("......", vec![&a]),
        ("", vec![&a]),
    ] {
        let r = ndchunk::einsum(s, &ops);
        assert!(matches!(r, Err(Error::Value(_))), "{s:?}: {:?}", r.map(|x| x.shape().to_vec()));
    }
    assert!(matches!(ndchunk::einsum::<f64>("", &[]), Err(Error::Value(_))));
    for (s, ops) in [
        ("ij,jk->ik", vec![&a, &a]), // letter length mismatch (4 vs 3)
        ("ij,ij->", vec![&a, &b]),
        ("ii", vec![&a]),           // non-square diagonal
        ("ii,i->", vec![&sq, &v2]), // diagonal fine, then 3 vs 2
    ] {
        let r = ndchunk::einsum(s, &ops);
        assert!(matches!(r, Err(Error::Shape(_))), "{s:?}: {:?}", r.map(|x| x.shape().to_vec()));
    }
    assert!(matches!(ndchunk::inner(&a, &b), Err(Error::Shape(_))));
    assert!(matches!(ndchunk::vdot(&a, &b.t().slice(ndarray::s![.., ..1]).unwrap()), Err(Error::Value(_))));
}

/// A DOT graph with the node numbers in task names (`'dot-5'`) removed.
fn without_ids(dot: &str) -> String {
    let mut out = String::new();
    let mut chars = dot.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '-' {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
        }
    }
    out
}

#[test]
fn einsum_matmul_builds_dots_graph_and_result() {
    let a = m(7, 5, [3, 2]);
    let b = m(5, 6, [4, 5]);
    let e = ndchunk::einsum("ij,jk->ik", &[&a, &b]).unwrap();
    let d = a.dot(&b).unwrap();
    assert_eq!(e.chunks(), d.chunks());
    assert_eq!(without_ids(&e.to_dot()), without_ids(&d.to_dot()), "einsum lowers onto dot's block GEMM graph");
    assert_eq!(e.compute().unwrap(), d.compute().unwrap());
    // batched: the same planner with batch axes, equal to matmul
    let x = ChunkedArray::from_array(
        ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] + 2 * i[1]) as f64 - i[2] as f64),
        [2, 3, 2],
    )
    .unwrap();
    let y = ChunkedArray::from_array(
        ArrayD::from_shape_fn(IxDyn(&[3, 5, 2]), |i| (i[0] * i[1]) as f64 + i[2] as f64),
        [1, 2, 2],
    )
    .unwrap();
    assert_eq!(
        ndchunk::einsum("bij,bjk->bik", &[&x, &y]).unwrap().compute().unwrap(),
        x.matmul(&y).unwrap().compute().unwrap()
    );
}

#[test]
fn integer_and_bool_operands_widen_like_dot() {
    let a32 = ChunkedArray::from_array(
        Array2::from_shape_fn((4, 3), |(i, j)| (i as i32 - j as i32).wrapping_mul(1_000_000_007)).into_dyn(),
        [3, 2],
    )
    .unwrap();
    let b32 = ChunkedArray::from_array(
        Array2::from_shape_fn((3, 2), |(i, j)| ((i + j) as i32).wrapping_mul(999_999_937)).into_dyn(),
        [2, 1],
    )
    .unwrap();
    let e: ChunkedArray<i64> = ndchunk::einsum("ij,jk->ik", &[&a32, &b32]).unwrap();
    assert_eq!(e.compute().unwrap(), a32.dot(&b32).unwrap().compute().unwrap());
    let a64 = a32.astype::<i64>();
    let b64 = b32.astype::<i64>();
    assert_eq!(e.compute().unwrap(), ndchunk::einsum("ij,jk", &[&a64, &b64]).unwrap().compute().unwrap());
    let t = ChunkedArray::from_array(Array1::from(vec![true, false, true, true]).into_dyn(), [3]).unwrap();
    assert_eq!(ndchunk::einsum("i,i->", &[&t, &t]).unwrap().item().unwrap(), 3i64);
}

#[test]
fn hostile_sizes_are_errors_not_panics() {
    let x = ndchunk::ones::<f64>(&[1 << 40], [1 << 24]).unwrap();
    let too_big = |r: Result<ChunkedArray<f64>, Error>| matches!(r, Err(Error::Value(_) | Error::Memory(_)));
    assert!(too_big(ndchunk::outer(&x, &x)));
    assert!(too_big(ndchunk::kron(&x.expand_dims(0).unwrap(), &x.expand_dims(1).unwrap())));
    assert!(too_big(ndchunk::einsum("i,j->ij", &[&x, &x])));
    assert!(too_big(ndchunk::einsum("i,j", &[&x, &x])));
    // lazily fine: a contraction over 2^40 elements is only planned here
    assert_eq!(ndchunk::einsum("i,i->", &[&x, &x]).unwrap().shape(), &[] as &[usize]);
    assert_eq!(ndchunk::vdot(&x, &x).unwrap().ndim(), 0);
}

#[test]
fn unknown_chunk_sizes() {
    let x = m(4, 5, [3, 2]).ravel().unwrap();
    let pos = x.mask(&x.gt(0.0).unwrap()).unwrap();
    // no contraction: fine
    let s = ndchunk::einsum("i->", &[&pos]).unwrap().item().unwrap();
    let want: f64 = x.compute().unwrap().iter().filter(|&&v| v > 0.0).sum();
    assert_eq!(s, want);
    // a contraction needs known chunks: a typed error, not a panic
    assert!(matches!(ndchunk::einsum("i,i->", &[&pos, &pos]), Err(Error::UnknownChunkSizes { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn matmul_subscripts_match_ndarray(
        (n, k, p) in (0usize..7, 0usize..7, 0usize..7),
        (c0, c1, c2, c3) in (1usize..7, 1usize..7, 1usize..7, 1usize..7),
    ) {
        let a = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((k, p), |(i, j)| ((i * 5 + j) % 7) as f64 * 0.25);
        let ca = ChunkedArray::from_array(a.clone().into_dyn(), [c0, c1]).unwrap();
        let cb = ChunkedArray::from_array(b.clone().into_dyn(), [c2, c3]).unwrap();
        let got = ndchunk::einsum("ij,jk->ik", &[&ca, &cb]).unwrap().compute().unwrap();
        common::assert_close(&got, &a.dot(&b).into_dyn(), 1e-12, "ij,jk->ik");
        let va = Array1::from_shape_fn(k, |i| (i % 5) as f64 - 2.0);
        let vb = Array1::from_shape_fn(k, |i| (i % 3) as f64 + 0.5);
        let cva = ChunkedArray::from_array(va.clone().into_dyn(), [c0]).unwrap();
        let cvb = ChunkedArray::from_array(vb.clone().into_dyn(), [c2]).unwrap();
        let d = ndchunk::einsum("i,i->", &[&cva, &cvb]).unwrap().item().unwrap();
        prop_assert!((d - va.dot(&vb)).abs() <= 1e-12 * (1.0 + va.dot(&vb).abs()));
    }
}

/// NumPy's einsum rule written out: loop over every assignment of the letters, multiply the
/// operands' elements and add into the output element (the implicit output when `out` is None).
fn naive_einsum(terms: &[String], out: Option<&str>, xs: &[ArrayD<f64>], size: &HashMap<char, usize>) -> ArrayD<f64> {
    let out: Vec<char> = match out {
        Some(o) => o.chars().collect(),
        None => {
            let all: String = terms.concat();
            let mut once: Vec<char> = all.chars().filter(|&c| all.matches(c).count() == 1).collect();
            once.sort_unstable();
            once
        }
    };
    let mut letters: Vec<char> = terms.concat().chars().collect();
    letters.sort_unstable();
    letters.dedup();
    let out_shape: Vec<usize> = out.iter().map(|c| size[c]).collect();
    let mut r = ArrayD::<f64>::zeros(IxDyn(&out_shape));
    let dims: Vec<usize> = letters.iter().map(|c| size[c]).collect();
    for idx in ndarray::indices(IxDyn(&dims)) {
        let val = |c: char| idx[letters.iter().position(|&l| l == c).unwrap()];
        let mut p = 1.0;
        for (t, x) in terms.iter().zip(xs) {
            let ix: Vec<usize> = t.chars().map(val).collect();
            p *= x[IxDyn(&ix)];
        }
        let o: Vec<usize> = out.iter().map(|&c| val(c)).collect();
        r[IxDyn(&o)] += p;
    }
    r
}

/// Random subscripts over the letters i, j, k, l (repeats within an operand allowed), 1–3
/// operands, an explicit output (a random subset of the used letters in random order) or the
/// implicit one.
fn subscripts_case() -> impl Strategy<Value = (Vec<String>, Option<String>, [usize; 4], u64)> {
    let term = prop::collection::vec(0usize..4, 0..4);
    (prop::collection::vec(term, 1..4), prop::bool::ANY, [0usize..4, 1usize..4, 1usize..4, 1usize..4], any::<u64>())
        .prop_map(|(terms, implicit, sizes, seed)| {
            let letters = ['i', 'j', 'k', 'l'];
            let terms: Vec<String> = terms.iter().map(|t| t.iter().map(|&k| letters[k]).collect()).collect();
            let mut used: Vec<char> = terms.concat().chars().collect();
            used.sort_unstable();
            used.dedup();
            let out = (!implicit).then(|| {
                // a seeded subset and order of the used letters
                let mut v: Vec<(u64, char)> =
                    used.iter().map(|&c| (seed.rotate_left(c as u32).wrapping_mul(0x9E37_79B9_7F4A_7C15), c)).collect();
                v.sort_unstable();
                v.iter().filter(|(h, _)| h % 3 != 0).map(|&(_, c)| c).collect::<String>()
            });
            (terms, out, sizes, seed)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_subscripts_match_the_naive_rule((terms, out, sizes, seed) in subscripts_case()) {
        let size: HashMap<char, usize> = ['i', 'j', 'k', 'l'].into_iter().zip(sizes).collect();
        let xs: Vec<ArrayD<f64>> = terms
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let shape: Vec<usize> = t.chars().map(|c| size[&c]).collect();
                ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
                    let s: usize = ix.slice().iter().enumerate().map(|(a, &v)| (a + 2) * v).sum();
                    ((s + 3 * n) % 7) as f64 - 2.5
                })
            })
            .collect();
        let cs: Vec<ChunkedArray<f64>> = xs
            .iter()
            .enumerate()
            .map(|(n, x)| {
                let ch: Vec<usize> = x.shape().iter().enumerate()
                    .map(|(a, &len)| 1 + (seed as usize >> (4 * (n * 3 + a))) % len.max(1))
                    .collect();
                ChunkedArray::from_array(x.clone(), ch).unwrap()
            })
            .collect();
        let subs = match &out {
            Some(o) => format!("{}->{o}", terms.join(",")),
            None => terms.join(","),
        };
        let refs: Vec<&ChunkedArray<f64>> = cs.iter().collect();
        let got = ndchunk::einsum(&subs, &refs).unwrap().compute().unwrap();
        let want = naive_einsum(&terms, out.as_deref(), &xs, &size);
        common::assert_close(&got, &want, 1e-12, &subs);
    }
}
