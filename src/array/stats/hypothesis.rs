//! The hypothesis tests: Student's t (one sample, independent, related), Cressie–Read power
//! divergence (χ² goodness of fit) and one-way ANOVA, each a [`TestResult`] of lazy arrays.
//!
//! The statistics follow scipy 1.17's formulas step by step (Welch's degrees of freedom, the
//! centred sums of `f_oneway`, the constant-group rules), so they agree with scipy to rounding;
//! the p-values are the survival functions of `statrs` (regularised incomplete beta and gamma
//! functions, the same special functions scipy's Cephes code evaluates).

use std::str::FromStr;

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};

use super::{along, try_zip_f64, zip_f64};

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

/// F survival function: `I_{d2/(d2 + d1 f)}(d2/2, d1/2)`. (statrs's `FisherSnedecor::sf`
/// evaluates the same incomplete beta at `1 - d1 f / (d1 f + d2)`, which loses the small
/// p-values of large `f` to cancellation.)
fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() || !(d1 > 0.0 && d2 > 0.0) {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    if f.is_infinite() {
        return 0.0;
    }
    statrs::function::beta::beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
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

/// `a` and `b` have the same number of axes and lengths except along `ax`.
fn same_but_axis(a: &ChunkedArray<f64>, b: &ChunkedArray<f64>, ax: usize, op: &str) -> Result<()> {
    let ok = a.ndim() == b.ndim() && (0..a.ndim()).all(|k| k == ax || a.shape()[k] == b.shape()[k]);
    if ok {
        Ok(())
    } else {
        Err(Error::Shape(format!("{op}: shapes {:?} and {:?} differ off axis {ax}", a.shape(), b.shape())))
    }
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

/// One-way ANOVA (scipy's `f_oneway(*samples, axis)`, `equal_var=True`): whether the samples'
/// means along `axis` are equal. Samples must have the same shape except along `axis`; at
/// least two are needed ([`Error::Value`], scipy's `TypeError`). As scipy: `F = inf`, `p = 0`
/// where every sample is constant; `F = NaN` where all samples are the same constant; NaN
/// where a sample is empty or every sample has one element.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]), [2]).unwrap();
/// let b = ChunkedArray::from_array(ndarray::arr1(&[2.0, 4.0, 6.0, 8.0]), [3]).unwrap();
/// let r = ndchunk::stats::f_oneway(&[&a, &b], 0).unwrap();
/// assert!((r.statistic.item().unwrap() - 3.5064935064935057).abs() < 1e-12);
/// ```
pub fn f_oneway<T: Number>(samples: &[&ChunkedArray<T>], axis: impl Into<Axes>) -> Result<TestResult> {
    if samples.len() < 2 {
        return Err(Error::Value(format!("At least two samples are required; got {}.", samples.len())));
    }
    let axis = axis.into();
    let xs = samples.iter().map(|s| along(*s, axis.clone(), "f_oneway")).collect::<Result<Vec<_>>>()?;
    let ax = xs[0].1;
    for x in &xs[1..] {
        same_but_axis(&xs[0].0, &x.0, ax, "f_oneway")?;
    }
    let refs: Vec<&ChunkedArray<f64>> = xs.iter().map(|x| &x.0).collect();
    let all = crate::array::shape::concatenate(&refs, ax as isize)?;
    let sizes: Vec<usize> = xs.iter().map(|x| x.2).collect();
    if sizes.contains(&0) || sizes.iter().all(|&n| n == 1) {
        let nan = all.sum(ax)?.map_unary::<f64, _>("f_oneway-nan", Some("nan".into()), |_| f64::NAN);
        return Ok(TestResult { statistic: nan.clone(), pvalue: nan });
    }
    let bign: usize = sizes.iter().sum();
    let keep = crate::ops::reduce::ReduceOptions { keepdims: true, ..Default::default() };
    let offset = all.reduce_with(keep).mean(ax)?;
    let c = all.sub(&offset)?;
    let (csum, c2) = (c.sum(ax)?, c.powi(2).sum(ax)?);
    // Σ_i (Σ (s_i - offset))² / n_i, and the number of non-constant samples
    let mut sb: Option<ChunkedArray<f64>> = None;
    let mut nonconst: Option<ChunkedArray<f64>> = None;
    for (x, _, ni) in &xs {
        let ni = *ni as f64;
        let s =
            x.sub(&offset)?.sum(ax)?.map_unary::<f64, _>("f_oneway-ss", Some(format!("sq/{ni}")), move |v| v * v / ni);
        let nc =
            x.ptp(ax)?.map_unary::<f64, _>("f_oneway-const", Some("ne0".into()), |p| if p == 0.0 { 0.0 } else { 1.0 });
        sb = Some(match sb {
            None => s,
            Some(acc) => acc.add(&s)?,
        });
        nonconst = Some(match nonconst {
            None => nc,
            Some(acc) => acc.add(&nc)?,
        });
    }
    let (sb, nonconst) = (sb.expect("two samples"), nonconst.expect("two samples"));
    let allptp = all.ptp(ax)?;
    let (k, bign) = (samples.len() as f64, bign as f64);
    let (dfbn, dfwn) = (k - 1.0, bign - k);
    let f = move |[csum, c2, sb, nonconst, allptp]: [f64; 5]| {
        if allptp == 0.0 {
            return f64::NAN;
        }
        if nonconst == 0.0 {
            return f64::INFINITY;
        }
        let normalized_ss = csum.powi(2) / bign;
        let sstot = c2 - normalized_ss;
        let ssbn = sb - normalized_ss;
        let sswn = sstot - ssbn;
        (ssbn / dfbn) / (sswn / dfwn)
    };
    let inputs = [&csum, &c2, &sb, &nonconst, &allptp];
    let statistic = zip_f64("f_oneway", inputs, f)?;
    let pvalue = zip_f64("f_oneway-p", inputs, move |v| f_sf(f(v), dfbn, dfwn))?;
    Ok(TestResult { statistic, pvalue })
}
