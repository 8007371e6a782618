//! `skew`, `kurtosis` and `moment` along one axis (scipy.stats' formulas, biased and
//! bias-corrected), from the central moments `mean((x - mean(x))^k)`.

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::Result;
use crate::ops::reduce::ReduceOptions;

use super::{along, zip_f64};

/// `(mean, m_2, m_k)` along `ax`: the mean without its axis and two central moments.
fn central(x: &ChunkedArray<f64>, ax: usize, k: i32) -> Result<[ChunkedArray<f64>; 3]> {
    let keep = ReduceOptions { keepdims: true, ..ReduceOptions::default() };
    let mu = x.reduce_with(keep).mean(ax)?;
    let d = x.sub(&mu)?;
    // the mean without its axis is the kept-dims mean squeezed: one reduction, not two
    Ok([mu.squeeze(Some(&[ax as isize]))?, d.powi(2).mean(ax)?, d.powi(k).mean(ax)?])
}

/// Central moment of order `order` along `axis` (scipy's `moment(a, order, axis)`, dask's
/// `moment`): `mean((x - mean(x))^order)`; orders 0 and 1 give 1 and 0 (NaN for a slice with a NaN). `axis` is one axis or
/// `None` (the flattened array).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
/// assert_eq!(ndchunk::stats::moment(&a, 2, 0).unwrap().item().unwrap(), 7.1875);
/// ```
pub fn moment<T: Number>(a: &ChunkedArray<T>, order: u32, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
    let (x, ax, n) = along(a, axis.into(), "moment")?;
    if order < 2 {
        // 1 and 0 without arithmetic; NaN for a slice holding a NaN (scipy's nan_policy) or
        // an empty one (scipy's SmallSampleWarning)
        let v = if n == 0 {
            f64::NAN
        } else if order == 0 {
            1.0
        } else {
            0.0
        };
        let nan = x.isnan().any(ax)?;
        return Ok(nan.map_unary::<f64, _>(
            "moment",
            Some(format!("moment({order})")),
            move |n| if n { f64::NAN } else { v },
        ));
    }
    x.moment(order, ax)
}

/// Sample skewness along `axis` (scipy's `skew(a, axis, bias)`): `m3 / m2^1.5`, NaN where
/// the variance is zero (`m2 <= (eps * mean)^2`, as scipy); without `bias`, the adjusted
/// Fisher–Pearson coefficient `sqrt(n (n - 1)) / (n - 2) * m3 / m2^1.5` where `n > 2`.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
/// let s = ndchunk::stats::skew(&a, None, false).unwrap().item().unwrap();
/// assert!((s - 1.1376243669576889).abs() < 1e-12); // scipy.stats.skew(a, bias=False)
/// ```
pub fn skew<T: Number>(a: &ChunkedArray<T>, axis: impl Into<Axes>, bias: bool) -> Result<ChunkedArray<f64>> {
    let (x, ax, n) = along(a, axis.into(), "skew")?;
    let [mean, m2, m3] = central(&x, ax, 3)?;
    let n = n as f64;
    zip_f64("skew", [&mean, &m2, &m3], move |[mu, m2, m3]| {
        if m2 <= (f64::EPSILON * mu).powi(2) {
            return f64::NAN;
        }
        let g = m3 / m2.powf(1.5);
        if !bias && n > 2.0 {
            ((n - 1.0) * n).sqrt() / (n - 2.0) * g
        } else {
            g
        }
    })
}

/// Sample kurtosis along `axis` (scipy's `kurtosis(a, axis, fisher, bias)`): `m4 / m2^2`,
/// minus 3 with `fisher` (excess kurtosis), NaN where the variance is zero; without `bias`,
/// the unbiased estimator `((n² - 1) m4 / m2² - 3 (n - 1)²) / ((n - 2)(n - 3)) + 3` where
/// `n > 3`.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
/// let k = ndchunk::stats::kurtosis(&a, 0, true, true).unwrap().item().unwrap();
/// assert!((k + 1.0989792060491494).abs() < 1e-12); // scipy.stats.kurtosis(a)
/// ```
pub fn kurtosis<T: Number>(
    a: &ChunkedArray<T>,
    axis: impl Into<Axes>,
    fisher: bool,
    bias: bool,
) -> Result<ChunkedArray<f64>> {
    let (x, ax, n) = along(a, axis.into(), "kurtosis")?;
    let [mean, m2, m4] = central(&x, ax, 4)?;
    let n = n as f64;
    let shift = if fisher { 3.0 } else { 0.0 };
    zip_f64("kurtosis", [&mean, &m2, &m4], move |[mu, m2, m4]| {
        if m2 <= (f64::EPSILON * mu).powi(2) {
            return f64::NAN;
        }
        let k = m4 / m2.powi(2);
        let k = if !bias && n > 3.0 {
            1.0 / (n - 2.0) / (n - 3.0) * ((n * n - 1.0) * m4 / m2.powi(2) - 3.0 * (n - 1.0).powi(2)) + 3.0
        } else {
            k
        };
        k - shift
    })
}
