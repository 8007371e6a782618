//! Pairwise summation, NumPy's algorithm.
//!
//! Summing n values left to right has an error that grows like O(n·ε); splitting the run in
//! halves recursively bounds it by O(log n·ε) at the same speed, because the leaves (up to 128
//! values) are summed with eight independent accumulators that the compiler vectorises. This is
//! exactly the scheme of NumPy's `pairwise_sum` (blocks of 128, eight-way unrolled), so a
//! contiguous block sums to the same bits NumPy produces for the same values.

use crate::element::Arith;

const BLOCK: usize = 128;

/// Sum `f(x)` over `s` pairwise.
#[inline]
pub fn pairwise_sum<T: Copy, A: Arith, F: Fn(T) -> A>(s: &[T], f: &F) -> A {
    let n = s.len();
    if n < 8 {
        let mut r = A::zero();
        for &x in s {
            r = r.num_add(f(x));
        }
        r
    } else if n <= BLOCK {
        let mut acc = [A::zero(); 8];
        let mut chunks = s.chunks_exact(8);
        for c in &mut chunks {
            for k in 0..8 {
                acc[k] = acc[k].num_add(f(c[k]));
            }
        }
        let mut r = (acc[0].num_add(acc[1])).num_add(acc[2].num_add(acc[3]));
        r = r.num_add((acc[4].num_add(acc[5])).num_add(acc[6].num_add(acc[7])));
        for &x in chunks.remainder() {
            r = r.num_add(f(x));
        }
        r
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&s[..n2], f).num_add(pairwise_sum(&s[n2..], f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_sum_for_integers() {
        let v: Vec<i64> = (0..1001).collect();
        assert_eq!(pairwise_sum(&v, &|x| x), 1000 * 1001 / 2);
    }

    #[test]
    fn is_more_accurate_than_naive_for_floats() {
        let v = vec![0.1f64; 1_000_000];
        let naive: f64 = v.iter().sum();
        let pw = pairwise_sum(&v, &|x| x);
        assert!((pw - 100_000.0).abs() < (naive - 100_000.0).abs());
        assert!((pw - 100_000.0).abs() < 1e-8);
    }
}
