//! Integer-valued distributions of NumPy's `Generator` beyond poisson and binomial:
//! geometric, negative_binomial, hypergeometric. rand_distr's samplers (a gamma–Poisson
//! mixture for the negative binomial, as NumPy), one keystream window per value, so values do
//! not depend on the chunking; NumPy's parameter checks and conventions (geometric counts
//! trials, from 1).
//!
//! ```
//! use ndchunk::random::Generator;
//! let v = Generator::new(3).geometric(0.5, &[100], [30]).unwrap().compute().unwrap();
//! assert!(v.iter().all(|&k| k >= 1));
//! ```

use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

use super::distributions::{check, dist};
use super::Generator;
use crate::array::chunks::ChunkSpec;
use crate::array::ChunkedArray;
use crate::error::{Error, Result};
use crate::ops::random::Variable;

impl Generator {
    /// Geometric values: the number of trials up to and including the first success, each
    /// with probability `p` in `(0, 1]` (NumPy's convention: values >= 1).
    pub fn geometric(&self, p: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<i64>> {
        check(p > 0.0 && p <= 1.0, || format!("p must be in (0, 1], got {p}"))?;
        let d = dist("geometric", rand_distr::Geometric::new(p))?;
        let f = move |r: &mut ChaCha8Rng| i64::try_from(d.sample(r)).unwrap_or(i64::MAX - 1) + 1;
        self.make("geometric", format!("geometric({p})"), shape, chunks, Variable(f))
    }

    /// Negative binomial values: failures before the `n`-th success, success probability `p`
    /// in `(0, 1]`, `n > 0` (NumPy's gamma–Poisson mixture, so `n` need not be an integer).
    pub fn negative_binomial(
        &self,
        n: f64,
        p: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<i64>> {
        check(n > 0.0, || format!("n <= 0 (got {n})"))?;
        check(p > 0.0 && p <= 1.0, || format!("p must be in (0, 1], got {p}"))?;
        if p == 1.0 {
            return self.constant("negative_binomial", 0i64, shape, chunks);
        }
        let g = dist("negative_binomial", rand_distr::Gamma::new(n, (1.0 - p) / p))?;
        let f = move |r: &mut ChaCha8Rng| {
            let lam = g.sample(r);
            if lam <= 0.0 {
                return 0;
            }
            rand_distr::Poisson::new(lam).map_or(i64::MAX, |d| d.sample(r) as i64)
        };
        self.make("negative_binomial", format!("negative_binomial({n},{p})"), shape, chunks, Variable(f))
    }

    /// Hypergeometric values: good items among `nsample` drawn without replacement from
    /// `ngood` good and `nbad` bad (`nsample <= ngood + nbad`).
    pub fn hypergeometric(
        &self,
        ngood: u64,
        nbad: u64,
        nsample: u64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<i64>> {
        let total = ngood.checked_add(nbad).ok_or_else(|| Error::Value("ngood + nbad overflows".into()))?;
        check(nsample <= total, || format!("ngood + nbad < nsample ({total} < {nsample})"))?;
        let d = dist("hypergeometric", rand_distr::Hypergeometric::new(total, ngood, nsample))?;
        let key = format!("hypergeometric({ngood},{nbad},{nsample})");
        self.make("hypergeometric", key, shape, chunks, Variable(move |r: &mut ChaCha8Rng| d.sample(r) as i64))
    }
}
