//! Cressie–Read power divergence tests: `power_divergence` with any [`Lambda`], and
//! `chisquare` (Pearson's χ²), scipy 1.17's formulas with statrs's χ² survival function.

use std::str::FromStr;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};

use super::{along, try_zip_f64, TestResult};

/// The power of a [`power_divergence`] statistic (scipy's `lambda_`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lambda {
    /// `"pearson"`, 1: Pearson's χ².
    Pearson,
    /// `"log-likelihood"`, 0: the G-test.
    LogLikelihood,
    /// `"freeman-tukey"`, -1/2.
    FreemanTukey,
    /// `"mod-log-likelihood"`, -1.
    ModLogLikelihood,
    /// `"neyman"`, -2.
    Neyman,
    /// `"cressie-read"`, 2/3.
    CressieRead,
    /// Any other power.
    Value(f64),
}

impl Lambda {
    /// The power as a number.
    pub fn value(self) -> f64 {
        match self {
            Lambda::Pearson => 1.0,
            Lambda::LogLikelihood => 0.0,
            Lambda::FreemanTukey => -0.5,
            Lambda::ModLogLikelihood => -1.0,
            Lambda::Neyman => -2.0,
            Lambda::CressieRead => 2.0 / 3.0,
            Lambda::Value(v) => v,
        }
    }
}

impl FromStr for Lambda {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "pearson" => Lambda::Pearson,
            "log-likelihood" => Lambda::LogLikelihood,
            "freeman-tukey" => Lambda::FreemanTukey,
            "mod-log-likelihood" => Lambda::ModLogLikelihood,
            "neyman" => Lambda::Neyman,
            "cressie-read" => Lambda::CressieRead,
            _ => return Err(Error::Value(format!("invalid string for lambda_: {s:?}"))),
        })
    }
}

/// χ² survival function (scipy's `chdtrc(df, x)`, including its `df = 0` case).
fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df < 0.0 {
        return f64::NAN;
    }
    if df == 0.0 {
        return if x > 0.0 { 0.0 } else { f64::NAN };
    }
    ChiSquared::new(df).map_or(f64::NAN, |d| d.sf(x))
}

/// `x log y`, 0 where `x` is 0 (scipy's `xlogy`).
fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 && !y.is_nan() {
        0.0
    } else {
        x * y.ln()
    }
}

/// Cressie–Read power divergence test (scipy's `power_divergence(f_obs, f_exp, ddof, axis,
/// lambda_)`): observed frequencies `f_obs` against expected `f_exp` (their mean along the
/// axis when `None`; broadcast to `f_obs`'s shape otherwise), with `n - 1 - ddof` degrees of
/// freedom. As scipy, the sums of `f_obs` and `f_exp` along the axis must agree to a relative
/// `sqrt(eps)`: otherwise computing the result is an [`Error::Value`].
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::stats::{power_divergence, Lambda};
/// let obs = ChunkedArray::from_array(ndarray::arr1(&[16.0, 18.0, 16.0, 14.0, 12.0, 12.0]), [4]).unwrap();
/// let r = power_divergence(&obs, None, 0, 0, Lambda::LogLikelihood).unwrap();
/// assert!((r.statistic.item().unwrap() - 2.006573162632538).abs() < 1e-12);
/// assert!((r.pvalue.item().unwrap() - 0.8482347677946377).abs() < 1e-10);
/// ```
pub fn power_divergence<T: Number>(
    f_obs: &ChunkedArray<T>,
    f_exp: Option<&ChunkedArray<f64>>,
    ddof: i64,
    axis: impl Into<Axes>,
    lambda: Lambda,
) -> Result<TestResult> {
    let axis = axis.into();
    let (obs, ax, n) = along(f_obs, axis.clone(), "power_divergence")?;
    let lam = lambda.value();
    let terms = |e: &ChunkedArray<f64>| -> Result<ChunkedArray<f64>> {
        let key = Some(format!("power_divergence({lam})"));
        obs.map_binary::<f64, f64, _>(e, "power_divergence-terms", key, move |o, e| {
            if lam == 1.0 {
                (o - e).powi(2) / e
            } else if lam == 0.0 {
                2.0 * xlogy(o, o / e)
            } else if lam == -1.0 {
                2.0 * xlogy(e, e / o)
            } else {
                o * ((o / e).powf(lam) - 1.0) / (0.5 * lam * (lam + 1.0))
            }
        })
    };
    let df = n as f64 - 1.0 - ddof as f64;
    let statistic = match f_exp {
        None => {
            let keep = crate::ops::reduce::ReduceOptions { keepdims: true, ..Default::default() };
            terms(&obs.reduce_with(keep).mean(ax)?)?.sum(ax)?
        }
        Some(e) => {
            let e = e.broadcast_to(f_obs.shape())?;
            let (e, _, _) = along(&e, axis, "power_divergence")?;
            let raw = terms(&e)?.sum(ax)?;
            let (os, es) = (obs.sum(ax)?, e.sum(ax)?);
            // scipy's check: the sums agree to sqrt(eps), relative to the smaller
            let rtol = f64::EPSILON.sqrt();
            try_zip_f64("power_divergence-check", [&raw, &os, &es], move |[s, o, e]| {
                let rel = (o - e).abs() / o.min(e);
                if rel > rtol {
                    return Err(Error::Value(format!(
                        "For each axis slice, the sum of the observed frequencies must agree with the sum of \
                         the expected frequencies to a relative tolerance of {rtol}, but the sums are {o} and {e}"
                    )));
                }
                Ok(s)
            })?
        }
    };
    let pvalue =
        statistic.map_unary::<f64, _>("power_divergence-p", Some(format!("chi2sf({df})")), move |s| chi2_sf(s, df));
    Ok(TestResult { statistic, pvalue })
}

/// Pearson's χ² goodness-of-fit test (scipy's `chisquare(f_obs, f_exp, ddof, axis)`):
/// [`power_divergence`] with [`Lambda::Pearson`].
///
/// ```
/// use ndchunk::prelude::*;
/// let obs = ChunkedArray::from_array(ndarray::arr1(&[16.0, 18.0, 16.0, 14.0, 12.0, 12.0]), [4]).unwrap();
/// let r = ndchunk::stats::chisquare(&obs, None, 0, 0).unwrap();
/// assert_eq!(r.statistic.item().unwrap(), 2.0);
/// assert!((r.pvalue.item().unwrap() - 0.8491450360846096).abs() < 1e-10);
/// ```
pub fn chisquare<T: Number>(
    f_obs: &ChunkedArray<T>,
    f_exp: Option<&ChunkedArray<f64>>,
    ddof: i64,
    axis: impl Into<Axes>,
) -> Result<TestResult> {
    power_divergence(f_obs, f_exp, ddof, axis, Lambda::Pearson)
}
