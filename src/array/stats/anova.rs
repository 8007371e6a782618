//! One-way ANOVA, `f_oneway`: scipy 1.17's centred sums of squares and constant-group rules,
//! with the F distribution's survival function from statrs's regularised incomplete beta.

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};

use super::{along, zip_f64, TestResult};

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

/// `a` and `b` have the same number of axes and lengths except along `ax`.
fn same_but_axis(a: &ChunkedArray<f64>, b: &ChunkedArray<f64>, ax: usize, op: &str) -> Result<()> {
    let ok = a.ndim() == b.ndim() && (0..a.ndim()).all(|k| k == ax || a.shape()[k] == b.shape()[k]);
    if ok {
        Ok(())
    } else {
        Err(Error::Shape(format!("{op}: shapes {:?} and {:?} differ off axis {ax}", a.shape(), b.shape())))
    }
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
