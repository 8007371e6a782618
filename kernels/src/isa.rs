//! Run-time choice of the instruction set for hot loops (NumPy's CPU dispatch, in small).
//!
//! ndchunk is built for baseline x86-64 (SSE2), so one binary runs on every x86-64 machine.
//! NumPy instead compiles its loops several times and picks the widest the CPU has at run time;
//! on the same machine its comparisons, `rint` and min/max run on AVX2 or AVX-512 while ours
//! ran on SSE2, and a one-thread `np.round(x, 2)` or `(a > 0) & (b < 0)` beat ours.
//!
//! [`with_avx2`] is that dispatch for a [`Kernel`] (a loop and its operands): when the CPU has
//! x86-64-v3's instructions (AVX2, FMA, BMI1/2, ...), the kernel runs from a function compiled
//! with them enabled, into which LLVM inlines it, so its loops vectorise four `f64` wide and
//! `round_ties_even` becomes one `vroundpd`; when it also has x86-64-v4's AVX-512 (F, VL, BW,
//! DQ, CD), from one compiled with those, eight wide. Results do not change: Rust never
//! contracts `a * b + c` into an FMA on its own, the vector instructions are IEEE operations
//! with the same rounding, and the same libm is called for transcendental functions. Elsewhere
//! (other CPUs, other architectures) the kernel runs as compiled.
//!
//! ```
//! use ndchunk_kernels::isa::{with_avx2, Kernel};
//! struct Round2<'a>(&'a [f64], &'a mut [f64]);
//! impl Kernel for Round2<'_> {
//!     type Output = ();
//!     #[inline(always)]
//!     fn run(self) {
//!         for (o, &v) in self.1.iter_mut().zip(self.0) {
//!             *o = (v * 100.0).round_ties_even() / 100.0;
//!         }
//!     }
//! }
//! let x: Vec<f64> = (0..1000).map(|i| i as f64 * 0.37).collect();
//! let mut y = vec![0.0; 1000];
//! with_avx2(Round2(&x, &mut y));
//! assert_eq!(y[3], 1.11);
//! ```

/// Whether this CPU runs the x86-64-v3 instructions [`with_avx2`] enables (cached by std).
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("f16c")
            && std::arch::is_x86_feature_detected!("movbe")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A loop to run under [`with_avx2`]. Implement [`run`](Kernel::run) with `#[inline(always)]`:
/// LLVM then inlines it into the AVX2-enabled caller, which a closure does not guarantee (a
/// large closure called from both paths stayed out of line, compiled for SSE2).
pub trait Kernel {
    /// What the loop returns.
    type Output;
    /// Run the loop.
    fn run(self) -> Self::Output;
}

/// Whether this CPU runs x86-64-v4's AVX-512 subset (F, VL, BW, DQ, CD) besides
/// [`has_avx2`]'s, which [`with_avx2`] then uses.
#[inline]
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        has_avx2()
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512cd")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Run `k`, compiled for AVX2 and FMA when the CPU has them, and for AVX-512 (x86-64-v4)
/// when it has that too (see the module docs).
#[inline(always)]
pub fn with_avx2<K: Kernel>(k: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: as below; `has_avx512` has checked every feature `v4` enables (it includes
        // `has_avx2`'s checks).
        return unsafe { v4(k) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the only precondition of calling a `#[target_feature]` function is that the
        // CPU supports the enabled features; `has_avx2` has just checked each of them at run
        // time (std's `is_x86_feature_detected!`, which reads CPUID and the OS's XSAVE state).
        return unsafe { v3(k) };
    }
    k.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,avx2,fma,bmi1,bmi2,lzcnt,popcnt,f16c,movbe,sse3,ssse3,sse4.1,sse4.2")]
fn v3<K: Kernel>(k: K) -> K::Output {
    k.run()
}

/// x86-64-v4: v3 plus AVX-512 F/VL/BW/DQ/CD (eight `f64` per vector; NumPy's AVX512_SKX
/// loops). Measured on this machine's Sapphire Rapids: a NaN-checking `min` over a block in
/// cache 10–20% faster than the AVX2 build.
#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx,avx2,fma,bmi1,bmi2,lzcnt,popcnt,f16c,movbe,sse3,ssse3,sse4.1,sse4.2"
)]
fn v4<K: Kernel>(k: K) -> K::Output {
    k.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dispatched path (taken on this CPU when it has AVX2) gives the same bits as the
    /// baseline path for rounding, division, min/max with NaN and comparisons.
    #[test]
    fn dispatched_loops_match_the_baseline_bit_for_bit() {
        let x: Vec<f64> = (0..4099)
            .map(|i| match i % 97 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => -0.0,
                _ => (i as f64 - 2000.0) * 0.0137 + 0.005,
            })
            .collect();
        struct Body<'a>(&'a [f64]);
        impl Kernel for Body<'_> {
            type Output = (Vec<f64>, Vec<bool>);
            #[inline(always)]
            fn run(self) -> Self::Output {
                let x = self.0;
                let (mut out, mut mask) = (Vec::new(), Vec::new());
                for (i, &v) in x.iter().enumerate() {
                    let w = x[(i * 7) % x.len()];
                    out.push((v * 100.0).round_ties_even() / 100.0 + if v > w || v.is_nan() { v } else { w });
                    mask.push((v > 0.0) & (w < 0.0));
                }
                (out, mask)
            }
        }
        let (a, am) = Body(&x).run();
        let (b, bm) = with_avx2(Body(&x));
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        assert_eq!(am, bm);
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU has every feature `v3` enables (just checked)
            let (c, cm) = unsafe { v3(Body(&x)) };
            assert!(a.iter().zip(&c).all(|(p, q)| p.to_bits() == q.to_bits()));
            assert_eq!(am, cm);
        }
        let _ = has_avx512();
    }
}
