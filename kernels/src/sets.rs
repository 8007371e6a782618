//! Sorted-set kernels: per-block unique values (with first positions and counts), the merge
//! of two sorted uniques, and binary searches in NumPy's sort order.
//!
//! NumPy sorts NaN after every other value and `unique` (NumPy 2, `equal_nan=True`) collapses
//! all NaNs into one entry at the end; [`total_cmp`] is that order, and every function here
//! uses it, so `unique`, `isin`, `searchsorted` and `digitize` agree on where NaN goes.
//! Set membership (`isin`, `intersect1d`) uses `==`, under which NaN is never a member, as
//! NumPy's does.

use std::cmp::Ordering;

use crate::element::Ordered;

/// NumPy's sort order: the usual order, with NaN after everything (and equal to NaN); complex
/// values in NumPy's complex sort order ([`Ordered::sort_key`]).
#[inline]
pub fn total_cmp<T: Ordered>(a: &T, b: &T) -> Ordering {
    a.sort_cmp(b)
}

/// Whether `a` and `b` are one entry of `unique` (NumPy 2, `equal_nan=True`): equal in the sort
/// order, or both NaN (for complex: both with a NaN part, whatever the other part).
#[inline]
fn same_entry<T: Ordered>(a: &T, b: &T) -> bool {
    total_cmp(a, b) == Ordering::Equal || (T::DTYPE.is_complex() && a.is_nan() && b.is_nan())
}

/// Sorted distinct values, with optionally the smallest flat position of each and how often
/// each occurs (NumPy's `return_index` / `return_counts`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Uniq<T> {
    pub values: Vec<T>,
    pub first: Option<Vec<i64>>,
    pub counts: Option<Vec<i64>>,
}

impl<T> Uniq<T> {
    /// Bytes held (for the scheduler's memory accounting).
    pub fn nbytes(&self) -> usize {
        self.values.len() * std::mem::size_of::<T>()
            + self.first.as_ref().map_or(0, |v| v.len() * 8)
            + self.counts.as_ref().map_or(0, |v| v.len() * 8)
    }
}

/// Murmur3's 64-bit finaliser: a cheap hash whose every output bit depends on every input bit
/// (the hash table uses both the low and the high bits).
#[derive(Default)]
struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, x: u64) {
        // (one write, a real type's key, is the key itself; complex keys are three writes)
        self.0 = self.0.rotate_left(29) ^ x;
    }
}

/// Distinct values by hashing, in order of first appearance, with first positions and
/// counts, then sorted; `None` when there are too many distinct values for hashing to beat
/// sorting the block.
fn unique_hashed<T: Ordered>(values: &[T], positions: Option<&[i64]>, counts: bool) -> Option<Uniq<T>> {
    let limit = (values.len() / 16).max(1 << 12);
    let mut map: std::collections::HashMap<T::SortKey, usize, std::hash::BuildHasherDefault<Mix>> = Default::default();
    let mut out = Vec::new();
    let mut first = positions.map(|_| Vec::new());
    let mut c = counts.then(Vec::new);
    // complex values with a NaN part are one entry, shown as the smallest of them in the sort
    // order (NumPy's sorting `unique`), with that value's first position
    let nan_key = T::from_f64(f64::NAN).sort_key();
    for (i, &v) in values.iter().enumerate() {
        let complex_nan = T::DTYPE.is_complex() && v.is_nan();
        let key = if complex_nan { nan_key } else { v.sort_key() };
        let mut fresh = false;
        let k = *map.entry(key).or_insert_with(|| {
            fresh = true;
            out.push(v);
            if let (Some(f), Some(p)) = (first.as_mut(), positions) {
                f.push(p[i]);
            }
            if let Some(c) = c.as_mut() {
                c.push(0);
            }
            out.len() - 1
        });
        if complex_nan && !fresh && v.sort_cmp(&out[k]) == Ordering::Less {
            out[k] = v;
            if let (Some(f), Some(p)) = (first.as_mut(), positions) {
                f[k] = p[i];
            }
        }
        if let Some(c) = c.as_mut() {
            c[k] += 1;
        }
        if out.len() > limit {
            return None;
        }
    }
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_unstable_by(|&a, &b| total_cmp(&out[a], &out[b]));
    let pick = |v: &Vec<i64>| order.iter().map(|&k| v[k]).collect();
    Some(Uniq {
        values: order.iter().map(|&k| out[k]).collect(),
        first: first.as_ref().map(pick),
        counts: c.as_ref().map(pick),
    })
}

/// The unique values of one block: `values` in any order; `positions`, when given, are their
/// flat positions (needed for `first`). `dedup == false` keeps duplicates (a plain sort, for
/// `assume_unique`).
///
/// Blocks with few distinct values (labels, categories) are hashed in one pass and only the
/// distinct values sorted; others are sorted whole.
pub fn unique_block<T: Ordered>(values: &[T], positions: Option<Vec<i64>>, counts: bool, dedup: bool) -> Uniq<T> {
    if dedup {
        if let Some(u) = unique_hashed(values, positions.as_deref(), counts) {
            return u;
        }
    }
    match positions {
        None => {
            let mut v = values.to_vec();
            v.sort_unstable_by(total_cmp);
            if !dedup {
                return Uniq { values: v, first: None, counts: None };
            }
            let mut c = counts.then(Vec::new);
            let mut out: Vec<T> = Vec::new();
            for x in v {
                match out.last() {
                    Some(l) if same_entry(l, &x) => {
                        if let Some(c) = c.as_mut() {
                            *c.last_mut().expect("a count per value") += 1;
                        }
                    }
                    _ => {
                        out.push(x);
                        if let Some(c) = c.as_mut() {
                            c.push(1);
                        }
                    }
                }
            }
            Uniq { values: out, first: None, counts: c }
        }
        Some(pos) => {
            let mut pairs: Vec<(T, i64)> = values.iter().copied().zip(pos).collect();
            pairs.sort_unstable_by(|a, b| total_cmp(&a.0, &b.0).then(a.1.cmp(&b.1)));
            let mut out = Vec::new();
            let mut first = Vec::new();
            let mut c = counts.then(Vec::new);
            for (x, p) in pairs {
                match out.last() {
                    Some(l) if dedup && same_entry(l, &x) => {
                        if let Some(c) = c.as_mut() {
                            *c.last_mut().expect("a count per value") += 1;
                        }
                    }
                    _ => {
                        out.push(x);
                        first.push(p);
                        if let Some(c) = c.as_mut() {
                            c.push(1);
                        }
                    }
                }
            }
            Uniq { values: out, first: Some(first), counts: c }
        }
    }
}

/// Merge two sorted uniques into one: equal values become one entry (the smaller first
/// position, the summed count); with `dedup == false` both copies are kept (`a`'s first).
pub fn merge<T: Ordered>(a: Uniq<T>, b: Uniq<T>, dedup: bool) -> Uniq<T> {
    let n = a.values.len() + b.values.len();
    let mut values = Vec::with_capacity(n);
    let mut first = a.first.as_ref().map(|_| Vec::with_capacity(n));
    let mut counts = a.counts.as_ref().map(|_| Vec::with_capacity(n));
    let (mut i, mut j) = (0, 0);
    let take =
        |src: &Uniq<T>, k: usize, values: &mut Vec<T>, first: &mut Option<Vec<i64>>, counts: &mut Option<Vec<i64>>| {
            values.push(src.values[k]);
            if let (Some(f), Some(s)) = (first.as_mut(), src.first.as_ref()) {
                f.push(s[k]);
            }
            if let (Some(c), Some(s)) = (counts.as_mut(), src.counts.as_ref()) {
                c.push(s[k]);
            }
        };
    while i < a.values.len() && j < b.values.len() {
        let (x, y) = (&a.values[i], &b.values[j]);
        let order = total_cmp(x, y);
        if T::DTYPE.is_complex() && dedup && order != Ordering::Equal && x.is_nan() && y.is_nan() {
            // complex values with a NaN part are one entry: the smaller, with its position,
            // stands for both
            let (src, k, other, ko) = if order == Ordering::Less { (&a, i, &b, j) } else { (&b, j, &a, i) };
            take(src, k, &mut values, &mut first, &mut counts);
            // (`take` has just pushed this entry's count)
            if let (Some(last), Some(s)) = (counts.as_mut().and_then(|c| c.last_mut()), other.counts.as_ref()) {
                *last += s[ko];
            }
            i += 1;
            j += 1;
            continue;
        }
        match order {
            Ordering::Less => {
                take(&a, i, &mut values, &mut first, &mut counts);
                i += 1;
            }
            Ordering::Greater => {
                take(&b, j, &mut values, &mut first, &mut counts);
                j += 1;
            }
            Ordering::Equal if dedup => {
                take(&a, i, &mut values, &mut first, &mut counts);
                if let (Some(f), Some(s)) = (first.as_mut(), b.first.as_ref()) {
                    let l = f.last_mut().expect("just pushed");
                    *l = (*l).min(s[j]);
                }
                if let (Some(c), Some(s)) = (counts.as_mut(), b.counts.as_ref()) {
                    *c.last_mut().expect("just pushed") += s[j];
                }
                i += 1;
                j += 1;
            }
            Ordering::Equal => {
                take(&a, i, &mut values, &mut first, &mut counts);
                i += 1;
            }
        }
    }
    for k in i..a.values.len() {
        take(&a, k, &mut values, &mut first, &mut counts);
    }
    for k in j..b.values.len() {
        take(&b, k, &mut values, &mut first, &mut counts);
    }
    Uniq { values, first, counts }
}

/// NumPy's `searchsorted` in a sorted slice (NumPy's order, NaN last): the number of elements
/// `< v` (`right == false`, side='left') or `<= v` (side='right').
#[inline]
pub fn search<T: Ordered>(sorted: &[T], v: &T, right: bool) -> usize {
    if right {
        sorted.partition_point(|e| total_cmp(e, v) != Ordering::Greater)
    } else {
        sorted.partition_point(|e| total_cmp(e, v) == Ordering::Less)
    }
}

/// The position of `v`'s entry in a sorted `unique` set (`return_inverse`): [`search`], and for
/// a complex value with a NaN part the set's one such entry.
#[inline]
pub fn entry_of<T: Ordered>(set: &[T], v: &T) -> usize {
    if T::DTYPE.is_complex() && v.is_nan() {
        set.partition_point(|e| !e.is_nan())
    } else {
        search(set, v, false)
    }
}

/// Whether `v` is in the sorted slice, by `==` (NaN is never a member).
#[inline]
pub fn contains<T: Ordered>(sorted: &[T], v: &T) -> bool {
    if v.is_nan() {
        return false;
    }
    let i = search(sorted, v, false);
    i < sorted.len() && sorted[i] == *v
}

/// Values of the sorted `a` that are (`keep == true`) or are not in the sorted `b`, by `==`.
pub fn filter_sorted<T: Ordered>(a: &[T], b: &[T], keep: bool) -> Vec<T> {
    a.iter().filter(|v| contains(b, v) == keep).copied().collect()
}

/// NumPy's `intersect1d(assume_unique=True)` of sorted (not deduplicated) `a` and `b`: in the
/// merged sequence `aux`, every `aux[i]` with `aux[i] == aux[i + 1]`.
pub fn intersect_runs<T: Ordered>(a: &[T], b: &[T]) -> Vec<T> {
    let merged = merge(
        Uniq { values: a.to_vec(), first: None, counts: None },
        Uniq { values: b.to_vec(), first: None, counts: None },
        false,
    )
    .values;
    merged.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_orders_nan_last_and_merges() {
        let u = unique_block(&[3.0, f64::NAN, 1.0, 3.0, f64::NAN], Some(vec![0, 1, 2, 3, 4]), true, true);
        assert_eq!(u.values[..2], [1.0, 3.0]);
        assert!(u.values[2].is_nan());
        assert_eq!(u.first, Some(vec![2, 0, 1]));
        assert_eq!(u.counts, Some(vec![1, 2, 2]));
        let v = unique_block(&[1.0, 2.0], Some(vec![5, 6]), true, true);
        let m = merge(u, v, true);
        assert_eq!(m.values[..3], [1.0, 2.0, 3.0]);
        assert_eq!(m.first, Some(vec![2, 6, 0, 1]));
        assert_eq!(m.counts, Some(vec![2, 1, 2, 2]));
    }

    #[test]
    fn searches_follow_numpy_sides() {
        let s = [1, 2, 2, 3];
        assert_eq!((search(&s, &2, false), search(&s, &2, true)), (1, 3));
        assert_eq!(search(&[1.0, f64::NAN], &f64::NAN, false), 1);
        assert!(!contains(&[f64::NAN], &f64::NAN));
        assert_eq!(intersect_runs(&[1, 2, 2], &[2, 5]), vec![2, 2]);
    }

    #[test]
    fn hashing_and_sorting_agree() {
        // many distinct values take the sorting path, few the hashing one: same results
        for distinct in [3u64, 100_000] {
            let v: Vec<f64> = (0..200_000u64).map(|i| ((i * 2654435761) % distinct) as f64 - 1.0).collect();
            let pos: Vec<i64> = (0..v.len() as i64).collect();
            let mut pairs: Vec<(f64, i64)> = v.iter().copied().zip(pos.iter().copied()).collect();
            pairs.sort_by(|a, b| total_cmp(&a.0, &b.0).then(a.1.cmp(&b.1)));
            let mut want: Vec<(f64, i64)> = pairs.clone();
            want.dedup_by(|b, a| a.0 == b.0);
            let u = unique_block(&v, Some(pos.clone()), true, true);
            assert_eq!(u.values, want.iter().map(|p| p.0).collect::<Vec<_>>());
            assert_eq!(u.first, Some(want.iter().map(|p| p.1).collect()));
            assert_eq!(u.counts.unwrap().iter().sum::<i64>(), v.len() as i64);
            assert_eq!(unique_hashed(&v, Some(&pos), true).is_some(), distinct == 3);
        }
        // -0.0 and 0.0 are one value; NaNs are one value
        let u = unique_block(&[0.0, -0.0, f64::NAN, f64::NAN], None, true, true);
        assert_eq!(u.counts, Some(vec![2, 2]));
    }
}
