//! Sorted-set kernels: per-block unique values (with first positions and counts), the merge
//! of two sorted uniques, and binary searches in NumPy's sort order.
//!
//! NumPy sorts NaN after every other value and `unique` (NumPy 2, `equal_nan=True`) collapses
//! all NaNs into one entry at the end; [`total_cmp`] is that order, and every function here
//! uses it, so `unique`, `isin`, `searchsorted` and `digitize` agree on where NaN goes.
//! Set membership (`isin`, `intersect1d`) uses `==`, under which NaN is never a member, as
//! NumPy's does.

use std::cmp::Ordering;

use crate::element::{Element, Scalar};

/// NumPy's sort order: the usual order, with NaN after everything (and equal to NaN).
#[inline]
pub fn total_cmp<T: Element + PartialOrd>(a: &T, b: &T) -> Ordering {
    match a.partial_cmp(b) {
        Some(o) => o,
        None => a.is_nan().cmp(&b.is_nan()),
    }
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

/// A key equal for values equal in NumPy's sort order (`-0.0` and `0.0`; every NaN), distinct
/// otherwise.
#[inline]
fn key<T: Element + PartialOrd>(v: T) -> u64 {
    match v.to_scalar() {
        // (complex types are not `PartialOrd` and never get here)
        Scalar::Complex(f, _) if f.is_nan() => f64::NAN.to_bits(),
        Scalar::Complex(f, _) => f.to_bits(),
        Scalar::Bool(b) => b as u64,
        Scalar::Int(i) => i as u64,
        Scalar::UInt(u) => u,
        Scalar::Float(f) if f.is_nan() => f64::NAN.to_bits(),
        Scalar::Float(0.0) => 0, // and -0.0 (float patterns compare with ==)
        Scalar::Float(f) => f.to_bits(),
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
        self.0 = x;
    }
}

/// Distinct values by hashing, in order of first appearance, with first positions and
/// counts, then sorted; `None` when there are too many distinct values for hashing to beat
/// sorting the block.
fn unique_hashed<T: Element + PartialOrd>(values: &[T], positions: Option<&[i64]>, counts: bool) -> Option<Uniq<T>> {
    let limit = (values.len() / 16).max(1 << 12);
    let mut map: std::collections::HashMap<u64, usize, std::hash::BuildHasherDefault<Mix>> = Default::default();
    let mut out = Vec::new();
    let mut first = positions.map(|_| Vec::new());
    let mut c = counts.then(Vec::new);
    for (i, &v) in values.iter().enumerate() {
        let k = *map.entry(key(v)).or_insert_with(|| {
            out.push(v);
            if let (Some(f), Some(p)) = (first.as_mut(), positions) {
                f.push(p[i]);
            }
            if let Some(c) = c.as_mut() {
                c.push(0);
            }
            out.len() - 1
        });
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
pub fn unique_block<T: Element + PartialOrd>(
    values: &[T],
    positions: Option<Vec<i64>>,
    counts: bool,
    dedup: bool,
) -> Uniq<T> {
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
                    Some(l) if total_cmp(l, &x) == Ordering::Equal => {
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
                    Some(l) if dedup && total_cmp(l, &x) == Ordering::Equal => {
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
pub fn merge<T: Element + PartialOrd>(a: Uniq<T>, b: Uniq<T>, dedup: bool) -> Uniq<T> {
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
        match total_cmp(&a.values[i], &b.values[j]) {
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
pub fn search<T: Element + PartialOrd>(sorted: &[T], v: &T, right: bool) -> usize {
    if right {
        sorted.partition_point(|e| total_cmp(e, v) != Ordering::Greater)
    } else {
        sorted.partition_point(|e| total_cmp(e, v) == Ordering::Less)
    }
}

/// Whether `v` is in the sorted slice, by `==` (NaN is never a member).
#[inline]
pub fn contains<T: Element + PartialOrd>(sorted: &[T], v: &T) -> bool {
    if v.is_nan() {
        return false;
    }
    let i = search(sorted, v, false);
    i < sorted.len() && sorted[i] == *v
}

/// Values of the sorted `a` that are (`keep == true`) or are not in the sorted `b`, by `==`.
pub fn filter_sorted<T: Element + PartialOrd>(a: &[T], b: &[T], keep: bool) -> Vec<T> {
    a.iter().filter(|v| contains(b, v) == keep).copied().collect()
}

/// NumPy's `intersect1d(assume_unique=True)` of sorted (not deduplicated) `a` and `b`: in the
/// merged sequence `aux`, every `aux[i]` with `aux[i] == aux[i + 1]`.
pub fn intersect_runs<T: Element + PartialOrd>(a: &[T], b: &[T]) -> Vec<T> {
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
