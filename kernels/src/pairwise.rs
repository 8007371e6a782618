//! Pairwise summation, NumPy's algorithm.
//!
//! Summing n values left to right has an error that grows like O(n·ε); splitting the run in
//! halves recursively bounds it by O(log n·ε) at the same speed, because the leaves (up to 128
//! values) are summed with eight independent accumulators that the compiler vectorises. This is
//! exactly the scheme of NumPy's `pairwise_sum` (blocks of 128, eight-way unrolled), so a
//! contiguous block sums to the same bits NumPy produces for the same values.
//!
//! # Reading memory at full speed
//!
//! Walked one leaf at a time, the recursion reads one stream of memory, and one stream is not
//! enough to saturate the memory bus: on the reference machine a core reading one stream gets
//! ~9 GB/s, one reading four or more far-apart streams ~12 GB/s (two threads: 17 against 24 GB/s;
//! measured with a 1000 MB array). So a long run is split three levels down, exactly where the
//! recursion splits it, into eight sub-runs, and those eight are walked in lockstep: the same
//! recursion, applied to eight slices at once, which sums one leaf of each slice in turn. Every
//! leaf still adds its values in NumPy's order and every node still adds its two children, so
//! the bits do not change (tested against the one-stream walk); only the order in which
//! independent leaves are visited does.
//!
//! Each leaf is summed on its own, its eight accumulators in registers. An earlier version
//! advanced the eight leaves' accumulators in one loop (`[[A; 8]; 8]`): LLVM kept that array on
//! the stack, every add became a load and a store, and the loop ran at half the bus speed
//! (measured on 2026-12-01, 1000 MB: 61 ms on one thread against 28 ms leaf by leaf; two
//! threads 28 against 23 ms, where a plain eight-stream read of the same memory takes 18–21 ms).
//!
//! # Instruction set
//!
//! Long runs (the streamed ones) are summed by a copy of the recursion compiled for x86-64-v3
//! (AVX2) when the CPU has it. Measured on the Zen 5 host of 2026-12-02, 1000 MB in 8 blocks on
//! two threads, against a plain eight-stream read of the same memory in the same process:
//! 13.4–13.5 ms against 12.8 with the AVX2 copy, 14.8–15.0 against 12.8 compiled for SSE2. (perf
//! shows LLVM still vectorising the leaf loop as 2-wide adds with shuffles in both copies, the
//! same code as the plain read's; the difference is around the loop, not in it.) An AVX-512 copy
//! measured the same as AVX2 (13.4), so there is none. A recursion cannot be
//! inlined into one `#[target_feature]` function as [`crate::isa::with_avx2`] does for loops, so
//! the copy carries the attribute on each of its functions. The bits do not change: the same
//! IEEE additions per accumulator in the same order, and Rust never contracts to FMA.

use crate::element::Arith;

const BLOCK: usize = 128;

/// Runs at least this long are walked as eight lockstep streams (each sub-run then has 1024
/// values, eight leaves, or more).
const STREAMED: usize = 8 * 1024;

/// Sum `f(x)` over `s` pairwise.
#[inline]
pub fn pairwise_sum<T: Copy, A: Arith, F: Fn(T) -> A>(s: &[T], f: &F) -> A {
    if s.len() < STREAMED {
        return baseline::one_stream(s, f);
    }
    #[cfg(target_arch = "x86_64")]
    if crate::isa::has_avx2() {
        // SAFETY: `has_avx2` has checked at run time every feature `avx2::streamed` enables
        // (std's `is_x86_feature_detected!`), the only precondition of calling a
        // `#[target_feature]` function.
        return unsafe { avx2::streamed(s, f) };
    }
    baseline::streamed(s, f)
}

/// The recursion, compiled once per instruction set: `$attr` (nothing, or a
/// `#[target_feature]`) goes on each function, so that the whole recursion, with [`leaf`] and
/// `f` inlined into it, is compiled with those features.
macro_rules! recursion {
    ($(#[$attr:meta])*) => {
        use super::{halves, leaf, BLOCK};
        use crate::element::Arith;

        /// A run of at least `STREAMED` values: split three levels down, exactly where the
        /// recursion splits it, into eight sub-runs walked in lockstep.
        $(#[$attr])*
        pub(super) fn streamed<T: Copy, A: Arith, F: Fn(T) -> A>(s: &[T], f: &F) -> A {
            let (l, r) = halves(s);
            let (a, b) = halves(l);
            let (c, d) = halves(r);
            let (a0, a1) = halves(a);
            let (b0, b1) = halves(b);
            let (c0, c1) = halves(c);
            let (d0, d1) = halves(d);
            let x = lockstep([a0, a1, b0, b1, c0, c1, d0, d1], f);
            let ab = (x[0].num_add(x[1])).num_add(x[2].num_add(x[3]));
            let cd = (x[4].num_add(x[5])).num_add(x[6].num_add(x[7]));
            ab.num_add(cd)
        }

        /// [`one_stream`] of each of `Q` runs, walked together: while all are longer than a
        /// leaf they are split alike; then each run is finished on its own, one after another
        /// (at the bottom of the recursion that is one leaf, or a few, per run: the streams
        /// advance a leaf at a time).
        $(#[$attr])*
        fn lockstep<const Q: usize, T: Copy, A: Arith, F: Fn(T) -> A>(p: [&[T]; Q], f: &F) -> [A; Q] {
            if p.iter().all(|s| s.len() > BLOCK) {
                let a = lockstep(p.map(|s| halves(s).0), f);
                let b = lockstep(p.map(|s| halves(s).1), f);
                std::array::from_fn(|i| a[i].num_add(b[i]))
            } else {
                // at the bottom most runs are one leaf: summed inline, not through a call of
                // the recursion (a call per kilobyte cost 7-10% against a plain read)
                p.map(|s| if s.len() <= BLOCK { leaf(s, f) } else { one_stream(s, f) })
            }
        }

        /// NumPy's `pairwise_sum`, one leaf after another.
        $(#[$attr])*
        pub(super) fn one_stream<T: Copy, A: Arith, F: Fn(T) -> A>(s: &[T], f: &F) -> A {
            if s.len() <= BLOCK {
                leaf(s, f)
            } else {
                let (a, b) = halves(s);
                one_stream(a, f).num_add(one_stream(b, f))
            }
        }
    };
}

mod baseline {
    recursion!();
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    recursion!(#[target_feature(enable = "avx,avx2,fma,bmi1,bmi2,lzcnt,popcnt,f16c,movbe,sse3,ssse3,sse4.1,sse4.2")]);
}

/// Where the recursion splits a run longer than one leaf: the first half rounded down to a
/// multiple of 8, as NumPy does.
#[inline(always)]
fn halves<T>(s: &[T]) -> (&[T], &[T]) {
    let mut n2 = s.len() / 2;
    n2 -= n2 % 8;
    s.split_at(n2)
}

/// One leaf of NumPy's `pairwise_sum` (`s.len() <= BLOCK`): eight accumulators, each taking
/// every eighth value, added in a fixed tree, then the remainder in order; fewer than eight
/// values are added in order.
#[inline(always)]
fn leaf<T: Copy, A: Arith, F: Fn(T) -> A>(s: &[T], f: &F) -> A {
    if s.len() < 8 {
        let mut r = A::zero();
        for &x in s {
            r = r.num_add(f(x));
        }
        return r;
    }
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
    fn lockstep_streams_give_the_one_stream_bits() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let v: Vec<f64> = (0..300_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e6
            })
            .collect();
        // lengths around the streaming threshold, uneven splits, and leaves of unequal length
        for len in [8191, 8192, 8193, 8200, 9000, 10_007, 65_536, 100_003, 131_071, 300_000] {
            let s = &v[..len];
            let streamed = pairwise_sum(s, &|x| x);
            assert_eq!(streamed.to_bits(), baseline::one_stream(s, &|x| x).to_bits(), "len {len}");
            let nan_skipping = |x: f64| if x > 4e5 { 0.0 } else { x };
            assert_eq!(
                pairwise_sum(s, &nan_skipping).to_bits(),
                baseline::one_stream(s, &nan_skipping).to_bits(),
                "len {len}"
            );
        }
    }

    #[test]
    fn the_avx2_copy_gives_the_baseline_bits_for_every_accumulator() {
        // the streamed path runs the AVX2 copy where the CPU has it; the one-stream walk is
        // the baseline copy
        let n = 200_003;
        let f32s: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.618).sin() * 1e3).collect();
        let i32s: Vec<i32> = (0..n).map(|i| (i as i32).wrapping_mul(-1_640_531_527)).collect();
        for len in [8192, 65_537, n] {
            let widen = |x: f32| x as f64;
            let a = pairwise_sum(&f32s[..len], &widen);
            assert_eq!(a.to_bits(), baseline::one_stream(&f32s[..len], &widen).to_bits(), "f32 -> f64, len {len}");
            let same = |x: f32| x;
            let b = pairwise_sum(&f32s[..len], &same);
            assert_eq!(b.to_bits(), baseline::one_stream(&f32s[..len], &same).to_bits(), "f32, len {len}");
            let to_i64 = |x: i32| x as i64;
            assert_eq!(pairwise_sum(&i32s[..len], &to_i64), baseline::one_stream(&i32s[..len], &to_i64), "len {len}");
            let wrapping = |x: i32| x;
            assert_eq!(pairwise_sum(&i32s[..len], &wrapping), baseline::one_stream(&i32s[..len], &wrapping));
        }
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
