//! `ndchunk::random`: random arrays that do not depend on the chunking.
//!
//! ```
//! use ndchunk::random::Generator;
//! let a = Generator::new(42).random(&[6, 5], [2, 5]).unwrap().compute().unwrap();
//! let b = Generator::new(42).random(&[6, 5], [4, 1]).unwrap().compute().unwrap();
//! assert_eq!(a, b); // same seed and shape: same values, whatever the chunks
//! ```
//!
//! **Guarantee.** For a given seed, the n-th array drawn from a `Generator` (each method call
//! draws one array) has values determined by the seed, n, the shape and the element positions
//! only — never by the chunks or the number of threads. dask's values change with the
//! chunking (its issues #1684, #3537, #8547); NumPy's match neither.
//!
//! **How, and what it costs.** Element `i` reads its own words of a ChaCha8 keystream (see
//! `ops::random`): blocks seek once per row, so generation is as fast as a sequential stream
//! (ChaCha8 with SIMD) plus one O(1) seek per row. The price is a fixed number of draws per
//! element: `normal` uses Box–Muller, two uniforms for each pair of values (not the ziggurat,
//! whose rejection loop draws a variable number); `integers` maps one draw into the range by a
//! widening multiply — a 32-bit draw for ranges up to 4096 values (bias below range/2³²,
//! at most 2⁻²⁰ relative), a 64-bit draw otherwise (bias below range/2⁶⁴). `poisson` and
//! `binomial`, whose samplers loop, seek once per element, which costs about a ChaCha block
//! (≈100 ns) per value.
//!
//! The other distributions of NumPy's `Generator` (gamma, beta, chisquare, standard_t, ...) are
//! in `random/distributions.rs` and `random/discrete.rs`, following the same rules; the draws that involve every
//! position at once (`permutation`, `shuffle`, `choice` without replacement) and the
//! row-valued `multinomial` are in `random/permutation.rs`.

mod discrete;
mod distributions;
mod permutation;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

use crate::array::chunks::ChunkSpec;
use crate::array::creation::normalize;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::creation::source_node;
use crate::ops::random::{Fixed, Pairs, RandomOp, Sampler, Variable};

/// Integer ranges up to this size draw one 32-bit word per value.
const SMALL_RANGE: u128 = 1 << 12;

/// A seeded source of random arrays (NumPy's `default_rng(seed)`).
pub struct Generator {
    seed: u64,
    calls: AtomicU64,
}

#[inline]
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    // 53 random bits in [0, 1), as NumPy's random()
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Generator {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Generator {
        Generator { seed, calls: AtomicU64::new(0) }
    }

    fn make<T: Element, S: Sampler<T>>(
        &self,
        name: &'static str,
        key: String,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
        sampler: S,
    ) -> Result<ChunkedArray<T>> {
        let chunks = normalize(chunks, shape, std::mem::size_of::<T>())?;
        let stream = self.calls.fetch_add(1, Ordering::Relaxed);
        let op = RandomOp { seed: self.seed, stream, sampler: std::sync::Arc::new(sampler), key, _t: PhantomData };
        Ok(ChunkedArray::from_node(source_node::<T>(name, shape.to_vec(), chunks, op)))
    }

    /// Uniform values in `[0, 1)`.
    pub fn random(&self, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        self.make("random", "random".into(), shape, chunks, Fixed(2, unit))
    }

    /// Uniform values in `[low, high)`.
    pub fn uniform(
        &self,
        low: f64,
        high: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        if !(low.is_finite() && high.is_finite()) || high < low {
            return Err(Error::Value(format!("uniform needs finite low <= high, got [{low}, {high})")));
        }
        let w = high - low;
        self.make(
            "uniform",
            format!("uniform({low},{high})"),
            shape,
            chunks,
            Fixed(2, move |r: &mut ChaCha8Rng| low + w * unit(r)),
        )
    }

    /// Standard normal values (Box–Muller, two uniforms per value).
    pub fn standard_normal(&self, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        self.normal(0.0, 1.0, shape, chunks)
    }

    /// Normal values with mean `loc` and standard deviation `scale`.
    pub fn normal(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        if !(scale >= 0.0 && scale.is_finite() && loc.is_finite()) {
            return Err(Error::Value(format!("normal needs finite loc and scale >= 0, got ({loc}, {scale})")));
        }
        let pair = move |r: &mut ChaCha8Rng| {
            let u1 = 1.0 - unit(r); // (0, 1]
            let u2 = unit(r);
            let rad = scale * (-2.0 * u1.ln()).sqrt();
            let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
            (loc + rad * c, loc + rad * s)
        };
        self.make("normal", format!("normal({loc},{scale})"), shape, chunks, Pairs(pair))
    }

    /// Integers uniform in `[low, high)` (NumPy's `integers`, `endpoint=False`).
    pub fn integers(
        &self,
        low: i64,
        high: i64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<i64>> {
        if high <= low {
            return Err(Error::Value(format!("integers needs low < high, got [{low}, {high})")));
        }
        let range = (high as i128 - low as i128) as u128;
        let key = format!("integers({low},{high})");
        if range <= SMALL_RANGE {
            // one 32-bit word per value: bias below range / 2^32 <= 2^-20
            let r32 = range as u64;
            return self.make(
                "integers",
                key,
                shape,
                chunks,
                Fixed(1, move |r: &mut ChaCha8Rng| low + ((r.next_u32() as u64 * r32) >> 32) as i64),
            );
        }
        self.make(
            "integers",
            key,
            shape,
            chunks,
            Fixed(2, move |r: &mut ChaCha8Rng| {
                let v = ((r.next_u64() as u128 * range) >> 64) as i128;
                (low as i128 + v) as i64
            }),
        )
    }

    /// Exponential values with mean `scale` (inverse CDF, one uniform per value).
    pub fn exponential(&self, scale: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        if !(scale >= 0.0 && scale.is_finite()) {
            return Err(Error::Value(format!("exponential needs a finite scale >= 0, got {scale}")));
        }
        self.make(
            "exponential",
            format!("exponential({scale})"),
            shape,
            chunks,
            Fixed(2, move |r: &mut ChaCha8Rng| -scale * (1.0 - unit(r)).ln()),
        )
    }

    /// Poisson counts with mean `lam` (rand_distr's sampler, one seek per value).
    pub fn poisson(&self, lam: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<i64>> {
        if lam == 0.0 {
            return crate::array::creation::zeros::<i64>(shape, chunks);
        }
        let d = rand_distr::Poisson::new(lam).map_err(|e| Error::Value(format!("poisson({lam}): {e}")))?;
        self.make(
            "poisson",
            format!("poisson({lam})"),
            shape,
            chunks,
            Variable(move |r: &mut ChaCha8Rng| d.sample(r) as i64),
        )
    }

    /// Binomial counts of `n` trials with success probability `p`.
    pub fn binomial(&self, n: u64, p: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<i64>> {
        let d = rand_distr::Binomial::new(n, p).map_err(|e| Error::Value(format!("binomial({n}, {p}): {e}")))?;
        self.make(
            "binomial",
            format!("binomial({n},{p})"),
            shape,
            chunks,
            Variable(move |r: &mut ChaCha8Rng| d.sample(r) as i64),
        )
    }

    /// Values drawn with replacement from `a`, uniformly or with probabilities `p` (NumPy's
    /// `choice(a, size, replace=True, p=p)`).
    pub fn choice<T: Element>(
        &self,
        a: &[T],
        p: Option<&[f64]>,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        if a.is_empty() {
            return Err(Error::Value("choice from an empty sequence".into()));
        }
        let values = a.to_vec();
        match p {
            None => {
                let k = values.len() as u128;
                self.make(
                    "choice",
                    format!("choice({:?})", values),
                    shape,
                    chunks,
                    Fixed(2, move |r: &mut ChaCha8Rng| values[((r.next_u64() as u128 * k) >> 64) as usize]),
                )
            }
            Some(p) => {
                if p.len() != a.len() || p.iter().any(|&q| q.is_nan() || q < 0.0) {
                    return Err(Error::Value("choice: p must be non-negative, one per value".into()));
                }
                let total: f64 = p.iter().sum();
                if (total - 1.0).abs() > 1e-8 {
                    return Err(Error::Value(format!("choice: probabilities sum to {total}, not 1")));
                }
                let mut cdf = Vec::with_capacity(p.len());
                let mut acc = 0.0;
                for &q in p {
                    acc += q / total;
                    cdf.push(acc);
                }
                self.make(
                    "choice",
                    format!("choice({values:?},{p:?})"),
                    shape,
                    chunks,
                    Fixed(2, move |r: &mut ChaCha8Rng| {
                        let u = unit(r);
                        let i = cdf.partition_point(|&c| c <= u).min(values.len() - 1);
                        values[i]
                    }),
                )
            }
        }
    }
}
