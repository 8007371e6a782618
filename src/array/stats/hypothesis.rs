//! Student's t-tests (one sample, independent, related) and the [`TestResult`] and
//! [`Alternative`] types the tests share (χ² tests are in `chisquare.rs`, ANOVA in
//! `anova.rs`).
//!
//! The statistics follow scipy 1.17's formulas step by step (Welch's degrees of freedom, the
//! centred sums of `f_oneway`, the constant-group rules), so they agree with scipy to rounding;
//! the p-values are the survival functions of `statrs` (regularised incomplete beta and gamma
//! functions, the same special functions scipy's Cephes code evaluates).

use std::str::FromStr;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};

use super::{along, zip_f64};

/// A test's statistic and p-value, lazy arrays of the input's shape without the test's axis.
#[derive(Clone)]
pub struct TestResult {
    /// The test statistic.
    pub statistic: ChunkedArray<f64>,
    /// Its p-value.
    pub pvalue: ChunkedArray<f64>,
}

/// The alternative hypothesis of a t-test (scipy's `alternative`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Alternative {
    /// `'two-sided'`: the means differ (scipy's default).
    #[default]
    TwoSided,
    /// `'less'`: the first mean is less.
    Less,
    /// `'greater'`: the first mean is greater.
    Greater,
}

impl FromStr for Alternative {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "two-sided" => Ok(Alternative::TwoSided),
            "less" => Ok(Alternative::Less),
            "greater" => Ok(Alternative::Greater),
            _ => Err(Error::Value(format!("alternative must be 'less', 'greater' or 'two-sided', got {s:?}"))),
        }
    }
}

/// p-value of Student's t statistic `t` with `df` degrees of freedom.
fn t_pvalue(t: f64, df: f64, alt: Alternative) -> f64 {
    let Ok(d) = StudentsT::new(0.0, 1.0, df) else { return f64::NAN };
    if t.is_nan() {
        return f64::NAN;
    }
    match alt {
        Alternative::TwoSided => 2.0 * d.sf(t.abs()),
        Alternative::Less => d.cdf(t),
        Alternative::Greater => d.sf(t),
    }
}

/// One-sample t-test (scipy's `ttest_1samp(a, popmean, axis, alternative)`): whether the
/// mean of `a` along `axis` is `popmean`; `t = (mean - popmean) / sqrt(var_1 / n)` with
/// `n - 1` degrees of freedom.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr2(&[[1.0, 4.0], [2.0, 5.0], [4.0, 9.0]]).into_dyn(), [2, 1]).unwrap();
/// let r = ndchunk::stats::ttest_1samp(&a, 3.0, 0, ndchunk::stats::Alternative::TwoSided).unwrap();
/// let t = r.statistic.compute().unwrap();
/// assert!((t[[0]] + 0.7559289460184544).abs() < 1e-12 && (t[[1]] - 1.963961012123931).abs() < 1e-12);
/// ```
pub fn ttest_1samp<T: Number>(
    a: &ChunkedArray<T>,
    popmean: f64,
    axis: impl Into<Axes>,
    alternative: Alternative,
) -> Result<TestResult> {
    let (x, ax, n) = along(a, axis.into(), "ttest_1samp")?;
    let (m, v) = (x.mean(ax)?, x.var(ax, 1)?);
    let nf = n as f64;
    let t = move |[m, v]: [f64; 2]| (m - popmean) / (v / nf).sqrt();
    let statistic = zip_f64("ttest_1samp", [&m, &v], t)?;
    let pvalue = zip_f64("ttest_1samp-p", [&m, &v], move |mv| t_pvalue(t(mv), nf - 1.0, alternative))?;
    Ok(TestResult { statistic, pvalue })
}

/// t-test for the means of two independent samples (scipy's `ttest_ind(a, b, axis,
/// equal_var, alternative)`): pooled variance with `n1 + n2 - 2` degrees of freedom, or
/// Welch's test (`equal_var = false`) with the Welch–Satterthwaite degrees of freedom. `a` and
/// `b` have the same number of axes ([`Error::Shape`] otherwise); off `axis` their lengths
/// broadcast, as scipy's ([`Error::Broadcast`] otherwise).
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::stats::{ttest_ind, Alternative};
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
/// let b = ChunkedArray::from_array(ndarray::arr1(&[3.0, 5.0, 6.0]), [2]).unwrap();
/// let r = ttest_ind(&a, &b, 0, false, Alternative::TwoSided).unwrap();
/// assert!((r.statistic.item().unwrap() + 0.514558296697487).abs() < 1e-12);
/// ```
pub fn ttest_ind<T: Number>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    axis: impl Into<Axes>,
    equal_var: bool,
    alternative: Alternative,
) -> Result<TestResult> {
    let axis = axis.into();
    let (x, ax, n1) = along(a, axis.clone(), "ttest_ind")?;
    let (y, _, n2) = along(b, axis, "ttest_ind")?;
    if x.ndim() != y.ndim() {
        return Err(Error::Shape(format!("ttest_ind: shapes {:?} and {:?} differ", x.shape(), y.shape())));
    }
    // the other axes broadcast, as scipy's
    let ms = broadcast_all([x.mean(ax)?, x.var(ax, 1)?, y.mean(ax)?, y.var(ax, 1)?])?;
    let (n1, n2) = (n1 as f64, n2 as f64);
    // (t, df) from the two means and variances
    let t = move |[m1, v1, m2, v2]: [f64; 4]| {
        let (denom, df) = if equal_var {
            let df = n1 + n2 - 2.0;
            let svar = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df;
            ((svar * (1.0 / n1 + 1.0 / n2)).sqrt(), df)
        } else {
            let (vn1, vn2) = (v1 / n1, v2 / n2);
            let df = (vn1 + vn2).powi(2) / (vn1.powi(2) / (n1 - 1.0) + vn2.powi(2) / (n2 - 1.0));
            ((vn1 + vn2).sqrt(), if df.is_nan() { 1.0 } else { df })
        };
        ((m1 - m2) / denom, df)
    };
    let [m1, v1, m2, v2] = &ms;
    let statistic = zip_f64("ttest_ind", [m1, v1, m2, v2], move |s| t(s).0)?;
    let pvalue = zip_f64("ttest_ind-p", [m1, v1, m2, v2], move |s| {
        let (t, df) = t(s);
        t_pvalue(t, df, alternative)
    })?;
    Ok(TestResult { statistic, pvalue })
}

/// t-test for the mean difference of paired samples (scipy's `ttest_rel(a, b, axis,
/// alternative)`): the one-sample test of `a - b` against 0. `a` and `b` have one length
/// along `axis` ([`Error::Shape`] otherwise); the other axes broadcast, as scipy's.
pub fn ttest_rel<T: Number>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    axis: impl Into<Axes>,
    alternative: Alternative,
) -> Result<TestResult> {
    let axis = axis.into();
    let len = |x: &ChunkedArray<T>| -> Result<usize> {
        Ok(match &axis {
            Axes::All => x.size(),
            Axes::Some(v) if v.len() == 1 && x.ndim() > 0 => {
                x.shape()[crate::array::structure::resolve_axis(v[0], x.ndim())?]
            }
            Axes::Some(_) => 1,
        })
    };
    if a.ndim() != b.ndim() || len(a)? != len(b)? {
        return Err(Error::Shape(format!("ttest_rel: unequal length arrays {:?} and {:?}", a.shape(), b.shape())));
    }
    let d = a.astype::<f64>().sub(b.astype::<f64>())?;
    ttest_1samp(&d, 0.0, axis, alternative)
}

/// The arrays broadcast to their common shape ([`Error::Broadcast`] if they do not).
fn broadcast_all<const N: usize>(arrays: [ChunkedArray<f64>; N]) -> Result<[ChunkedArray<f64>; N]> {
    let shapes: Vec<&[usize]> = arrays.iter().map(|a| a.shape()).collect();
    let shape = crate::array::rearrange::broadcast_shapes(&shapes)?;
    let mut out = arrays.clone();
    for (o, a) in out.iter_mut().zip(arrays.iter()) {
        if a.shape() != shape.as_slice() {
            *o = a.broadcast_to(&shape)?;
        }
    }
    Ok(out)
}
