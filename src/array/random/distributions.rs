//! The rest of NumPy's `Generator` distributions: gamma, beta, lognormal, chisquare,
//! standard_t, f, noncentral_chisquare, standard_exponential, standard_gamma, laplace,
//! logistic, gumbel, weibull, pareto, rayleigh, wald, triangular, vonmises (the integer-valued
//! ones are in `discrete.rs`).
//!
//! Samplers are rand_distr's where it has one; their rejection loops draw a variable number
//! of words, so each value reads its own window of the keystream ([`Variable`]: one seek per
//! value) and the values still do not depend on the chunking. Laplace, logistic and Rayleigh
//! (not in rand_distr) are one inverse-CDF draw each, two words per value ([`Fixed`]); von Mises
//! (not in rand_distr either) is NumPy's rejection sampler.
//! Parameters are checked as NumPy checks them (an [`Error::Value`] where NumPy raises
//! `ValueError`); degenerate parameters NumPy accepts (a zero scale or shape) give the constant
//! NumPy gives.
//!
//! ```
//! use ndchunk::random::Generator;
//! let g = Generator::new(3);
//! let b = g.beta(2.0, 5.0, &[1000], [300]).unwrap().compute().unwrap();
//! assert!(b.iter().all(|&v| (0.0..=1.0).contains(&v)));
//! assert!(g.gamma(-1.0, 1.0, &[3], [3]).is_err()); // NumPy: ValueError: shape < 0
//! ```

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

use super::{unit, Generator};
use crate::array::chunks::ChunkSpec;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::random::{Fixed, Variable};

/// A uniform value in the open interval (0, 1) (53 bits, never 0 or 1).
#[inline]
fn open01(rng: &mut ChaCha8Rng) -> f64 {
    unit(rng) + 0.5 / (1u64 << 53) as f64
}

/// `Err(Error::Value)` with NumPy's message unless `ok`.
pub(super) fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Value(msg()))
    }
}

/// Converts a rand_distr constructor error into [`Error::Value`].
pub(super) fn dist<D, E: std::fmt::Display>(name: &str, d: std::result::Result<D, E>) -> Result<D> {
    d.map_err(|e| Error::Value(format!("{name}: {e}")))
}

impl Generator {
    /// Values from a rand_distr sampler, one keystream window per value.
    fn sampled<T: Element, D: Distribution<T> + Send + Sync + 'static>(
        &self,
        name: &'static str,
        key: String,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
        d: D,
    ) -> Result<ChunkedArray<T>> {
        self.make(name, key, shape, chunks, Variable(move |r: &mut ChaCha8Rng| d.sample(r)))
    }

    /// A constant array that still takes its place in the generator's sequence of draws.
    pub(super) fn constant<T: Element>(
        &self,
        name: &'static str,
        v: T,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        self.make(name, format!("{name}-const({v:?})"), shape, chunks, Fixed(0, move |_: &mut ChaCha8Rng| v))
    }

    /// Standard exponential values (mean 1).
    pub fn standard_exponential(&self, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        self.exponential(1.0, shape, chunks)
    }

    /// Gamma values with shape `k` and scale `theta` (mean `k theta`); a zero shape or scale
    /// gives zeros, as NumPy.
    pub fn gamma(
        &self,
        k: f64,
        theta: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(k >= 0.0, || format!("shape < 0 (got {k})"))?;
        check(theta >= 0.0, || format!("scale < 0 (got {theta})"))?;
        if k == 0.0 || theta == 0.0 {
            return self.constant("gamma", 0.0, shape, chunks);
        }
        let d = dist("gamma", rand_distr::Gamma::new(k, theta))?;
        self.sampled("gamma", format!("gamma({k},{theta})"), shape, chunks, d)
    }

    /// Gamma values with scale 1.
    pub fn standard_gamma(&self, k: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        self.gamma(k, 1.0, shape, chunks)
    }

    /// Beta values on `[0, 1]` with parameters `a, b > 0`.
    pub fn beta(&self, a: f64, b: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        check(a > 0.0, || format!("a <= 0 (got {a})"))?;
        check(b > 0.0, || format!("b <= 0 (got {b})"))?;
        let d = dist("beta", rand_distr::Beta::new(a, b))?;
        self.sampled("beta", format!("beta({a},{b})"), shape, chunks, d)
    }

    /// Log-normal values: `exp` of normal values with mean `mean` and standard deviation
    /// `sigma >= 0`.
    pub fn lognormal(
        &self,
        mean: f64,
        sigma: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(sigma >= 0.0 && mean.is_finite(), || format!("sigma < 0 (got {sigma})"))?;
        Ok(self.normal(mean, sigma, shape, chunks)?.exp())
    }

    /// χ² values with `df > 0` degrees of freedom.
    pub fn chisquare(&self, df: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        check(df > 0.0, || format!("df <= 0 (got {df})"))?;
        let d = dist("chisquare", rand_distr::ChiSquared::new(df))?;
        self.sampled("chisquare", format!("chisquare({df})"), shape, chunks, d)
    }

    /// Noncentral χ² values (`df > 0`, noncentrality `nonc >= 0`), NumPy's construction: a
    /// central χ²(df − 1) plus a shifted normal squared for `df > 1`, a Poisson mixture of
    /// central χ² otherwise.
    pub fn noncentral_chisquare(
        &self,
        df: f64,
        nonc: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(df > 0.0, || format!("df <= 0 (got {df})"))?;
        check(nonc >= 0.0, || format!("nonc < 0 (got {nonc})"))?;
        if nonc == 0.0 {
            return self.chisquare(df, shape, chunks);
        }
        let key = format!("noncentral_chisquare({df},{nonc})");
        if df > 1.0 {
            let chi = dist("noncentral_chisquare", rand_distr::ChiSquared::new(df - 1.0))?;
            let shift = nonc.sqrt();
            let f = move |r: &mut ChaCha8Rng| {
                let z: f64 = r.sample(rand_distr::StandardNormal);
                chi.sample(r) + (z + shift).powi(2)
            };
            return self.make("noncentral_chisquare", key, shape, chunks, Variable(f));
        }
        let pois = dist("noncentral_chisquare", rand_distr::Poisson::new(nonc / 2.0))?;
        let f = move |r: &mut ChaCha8Rng| {
            let i: f64 = pois.sample(r);
            // df + 2i > 0: the χ² always exists
            rand_distr::ChiSquared::new(df + 2.0 * i).map_or(f64::NAN, |c| c.sample(r))
        };
        self.make("noncentral_chisquare", key, shape, chunks, Variable(f))
    }

    /// Student's t values with `df > 0` degrees of freedom.
    pub fn standard_t(&self, df: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        check(df > 0.0, || format!("df <= 0 (got {df})"))?;
        let d = dist("standard_t", rand_distr::StudentT::new(df))?;
        self.sampled("standard_t", format!("standard_t({df})"), shape, chunks, d)
    }

    /// F (Fisher–Snedecor) values with `dfnum, dfden > 0`.
    pub fn f(
        &self,
        dfnum: f64,
        dfden: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(dfnum > 0.0, || format!("dfnum <= 0 (got {dfnum})"))?;
        check(dfden > 0.0, || format!("dfden <= 0 (got {dfden})"))?;
        let d = dist("f", rand_distr::FisherF::new(dfnum, dfden))?;
        self.sampled("f", format!("f({dfnum},{dfden})"), shape, chunks, d)
    }

    /// One inverse-CDF draw per value, `loc + scale * q(u)`, after NumPy's scale check.
    fn location_scale(
        &self,
        name: &'static str,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
        q: fn(f64) -> f64,
    ) -> Result<ChunkedArray<f64>> {
        check(scale >= 0.0 && loc.is_finite() && scale.is_finite(), || format!("scale < 0 (got {scale})"))?;
        let f = move |r: &mut ChaCha8Rng| loc + scale * q(open01(r));
        self.make(name, format!("{name}({loc},{scale})"), shape, chunks, Fixed(2, f))
    }

    /// Laplace (double exponential) values with location `loc` and scale `scale >= 0`.
    pub fn laplace(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        let q = |u: f64| if u >= 0.5 { -(2.0 - 2.0 * u).ln() } else { (2.0 * u).ln() };
        self.location_scale("laplace", loc, scale, shape, chunks, q)
    }

    /// Logistic values with location `loc` and scale `scale >= 0`.
    pub fn logistic(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        self.location_scale("logistic", loc, scale, shape, chunks, |u| (u / (1.0 - u)).ln())
    }

    /// Gumbel (extreme value type I) values with location `loc` and scale `scale >= 0`.
    pub fn gumbel(
        &self,
        loc: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(scale >= 0.0 && loc.is_finite() && scale.is_finite(), || format!("scale < 0 (got {scale})"))?;
        if scale == 0.0 {
            return self.constant("gumbel", loc, shape, chunks);
        }
        let d = dist("gumbel", rand_distr::Gumbel::new(loc, scale))?;
        self.sampled("gumbel", format!("gumbel({loc},{scale})"), shape, chunks, d)
    }

    /// Rayleigh values with scale `scale >= 0`.
    pub fn rayleigh(&self, scale: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        self.location_scale("rayleigh", 0.0, scale, shape, chunks, |u| (-2.0 * u.ln()).sqrt())
    }

    /// Weibull values with shape `a >= 0` and scale 1 (`a = 0` gives zeros, as NumPy).
    pub fn weibull(&self, a: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        check(a >= 0.0, || format!("a < 0 (got {a})"))?;
        if a == 0.0 {
            return self.constant("weibull", 0.0, shape, chunks);
        }
        let d = dist("weibull", rand_distr::Weibull::new(1.0, a))?;
        self.sampled("weibull", format!("weibull({a})"), shape, chunks, d)
    }

    /// Pareto II (Lomax) values with shape `a > 0`, NumPy's `pareto`: a classical Pareto with
    /// minimum 1, minus 1.
    pub fn pareto(&self, a: f64, shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
        check(a > 0.0, || format!("a <= 0 (got {a})"))?;
        let d = dist("pareto", rand_distr::Pareto::new(1.0, a))?;
        let f = move |r: &mut ChaCha8Rng| d.sample(r) - 1.0;
        self.make("pareto", format!("pareto({a})"), shape, chunks, Variable(f))
    }

    /// Wald (inverse Gaussian) values with mean `mean > 0` and scale `scale > 0`.
    pub fn wald(
        &self,
        mean: f64,
        scale: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(mean > 0.0, || format!("mean <= 0 (got {mean})"))?;
        check(scale > 0.0, || format!("scale <= 0 (got {scale})"))?;
        let d = dist("wald", rand_distr::InverseGaussian::new(mean, scale))?;
        self.sampled("wald", format!("wald({mean},{scale})"), shape, chunks, d)
    }

    /// Triangular values on `[left, right]` with mode `mode` (`left <= mode <= right`,
    /// `left < right`).
    pub fn triangular(
        &self,
        left: f64,
        mode: f64,
        right: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(left <= mode, || "left > mode".into())?;
        check(mode <= right, || "mode > right".into())?;
        check(left < right, || "left == right".into())?;
        let d = dist("triangular", rand_distr::Triangular::new(left, right, mode))?;
        self.sampled("triangular", format!("triangular({left},{mode},{right})"), shape, chunks, d)
    }

    /// von Mises values on `[-pi, pi]` with mode `mu` and concentration `kappa >= 0` (NumPy's
    /// Best–Fisher rejection sampler; uniform for `kappa < 1e-8`, a wrapped normal above 1e6).
    pub fn vonmises(
        &self,
        mu: f64,
        kappa: f64,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<f64>> {
        check(kappa >= 0.0 && mu.is_finite(), || format!("kappa < 0 (got {kappa})"))?;
        let key = format!("vonmises({mu},{kappa})");
        self.make("vonmises", key, shape, chunks, Variable(move |r: &mut ChaCha8Rng| vonmises_one(r, mu, kappa)))
    }
}

/// One von Mises value (numpy/random/src/distributions/distributions.c, `random_vonmises`).
fn vonmises_one(r: &mut ChaCha8Rng, mu: f64, kappa: f64) -> f64 {
    use std::f64::consts::PI;
    let wrap = |x: f64| {
        // into [-pi, pi], keeping the sign as NumPy does
        let m = (x.abs() + PI) % (2.0 * PI) - PI;
        if x < 0.0 {
            -m
        } else {
            m
        }
    };
    if kappa < 1e-8 {
        return PI * (2.0 * unit(r) - 1.0);
    }
    if kappa > 1e6 {
        let z: f64 = r.sample(rand_distr::StandardNormal);
        return wrap(mu + (1.0 / kappa).sqrt() * z);
    }
    let s = if kappa < 1e-5 {
        1.0 / kappa + kappa
    } else {
        let rr = 1.0 + (1.0 + 4.0 * kappa * kappa).sqrt();
        let rho = (rr - (2.0 * rr).sqrt()) / (2.0 * kappa);
        (1.0 + rho * rho) / (2.0 * rho)
    };
    let w = loop {
        let z = (PI * unit(r)).cos();
        let w = (1.0 + s * z) / (s + z);
        let y = kappa * (s - w);
        let v = unit(r);
        if y * (2.0 - y) - v >= 0.0 || (y / v).ln() + 1.0 - y >= 0.0 {
            break w;
        }
    };
    let x = w.clamp(-1.0, 1.0).acos();
    let x = if unit(r) < 0.5 { -x } else { x };
    wrap(x + mu)
}
