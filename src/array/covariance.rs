//! Covariance and correlation matrices: `cov` and `corrcoef`, as NumPy computes them.
//!
//! Why compositions: NumPy's `cov` is a weighted mean per variable, the centred data, and
//! one product `X · (X w)ᵀ` divided by the normalisation `fact`; here each step is the
//! lazy equivalent (a reduction over the observations axis, an elementwise centring, the
//! blocked `dot`), so a tall array of observations is reduced block by block and the
//! `(k, k)` result comes from the block GEMM. The normalisation depends on the weights' sums
//! and stays lazy too. Everything is computed in `f64` (NumPy's result type for integer
//! input; `float32` input also gives `f64` here, where NumPy keeps `float32`).
//!
//! NumPy semantics: variables are rows (`rowvar`, else columns); a 1-D input is one variable;
//! `ddof` defaults to 1, or 0 with `bias`; `fweights` (integer repeat counts) and `aweights`
//! (relative weights) multiply; `fact <= 0` gives infinities and NaNs (NumPy warns); the
//! result is squeezed (one variable gives a 0-d array). `corrcoef` divides by the outer
//! product of the standard deviations and clips to `[-1, 1]`.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr2(&[[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), [1, 2])?;
//! let c = ndchunk::cov(&x, None, true, false, None, None, None)?.compute()?;
//! assert_eq!(c, ndarray::arr2(&[[1.0, -1.0], [-1.0, 1.0]]).into_dyn());
//! let r = ndchunk::corrcoef(&x, None, true)?.compute()?;
//! assert_eq!(r, ndarray::arr2(&[[1.0, -1.0], [-1.0, 1.0]]).into_dyn());
//! # Ok::<(), ndchunk::Error>(())
//! ```

use crate::array::selection::zip_aligned;
use crate::array::shape::concatenate;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::as_array;

/// `m` as a 2-D `f64` array with variables in rows (NumPy's `array(m, ndmin=2)` and the
/// transpose for `rowvar=False`).
fn observations<T: Element>(m: &ChunkedArray<T>, rowvar: bool, what: &str) -> Result<ChunkedArray<f64>> {
    let x = m.astype::<f64>();
    let x = match m.ndim() {
        0 => x.reshape(&[1usize, 1][..])?,
        1 => x.reshape(&[1usize, m.shape()[0]][..])?,
        2 => x,
        _ => return Err(Error::Value(format!("{what} has more than 2 dimensions"))),
    };
    if !rowvar && x.shape()[0] != 1 {
        return Ok(x.t());
    }
    Ok(x)
}

/// 1-D weights of length `n`, checked non-negative when computed.
fn checked_weights(w: ChunkedArray<f64>, n: usize, what: &'static str) -> Result<ChunkedArray<f64>> {
    if w.ndim() != 1 {
        return Err(Error::Shape(format!("cannot handle multidimensional {what}")));
    }
    if w.shape()[0] != n {
        return Err(Error::Shape(format!("incompatible numbers of samples and {what}")));
    }
    zip_aligned::<f64, _>("cov-weights", vec![w.node().clone()], move |b| {
        let a = as_array::<f64>(&b[0])?;
        if a.iter().any(|&v| v < 0.0) {
            return Err(Error::Value(format!("{what} cannot be negative")));
        }
        Ok(a.to_owned())
    })
}

/// A 0-d array as an operand broadcasting against anything.
fn scalar_like(v: f64) -> Result<ChunkedArray<f64>> {
    crate::array::creation::full(&[], v, [0usize; 0])
}

/// The covariance matrix of the variables in `m` (and `y`, joined as more variables), as
/// NumPy's `cov(m, y, rowvar, bias, ddof, fweights, aweights)`; a `ChunkedArray<f64>` of
/// shape `(k, k)` for `k` variables, squeezed (0-d for one variable, `(0, 0)` for none).
///
/// Errors: more than two dimensions ([`Error::Value`]); `y` with another number of
/// observations, weights not 1-D or of the wrong length ([`Error::Shape`]); negative
/// weights, or weights summing to zero, are an [`Error::Value`] when computed.
#[allow(clippy::too_many_arguments)]
pub fn cov<T: Element>(
    m: &ChunkedArray<T>,
    y: Option<&ChunkedArray<T>>,
    rowvar: bool,
    bias: bool,
    ddof: Option<usize>,
    fweights: Option<&ChunkedArray<i64>>,
    aweights: Option<&ChunkedArray<f64>>,
) -> Result<ChunkedArray<f64>> {
    let mut x = observations(m, rowvar, "m")?;
    if x.shape()[0] == 0 {
        return crate::array::creation::zeros::<f64>(&[0, 0], [1, 1]);
    }
    if let Some(y) = y {
        let y = observations(y, rowvar, "y")?;
        if y.shape()[1] != x.shape()[1] {
            return Err(Error::Shape(format!(
                "all the input array dimensions except for the concatenation axis must match exactly: {} and {} observations",
                x.shape()[1],
                y.shape()[1]
            )));
        }
        x = concatenate(&[&x, &y], 0)?;
    }
    let (k, n) = (x.shape()[0], x.shape()[1]);
    let ddof = ddof.unwrap_or(if bias { 0 } else { 1 }) as f64;
    let fw = fweights.map(|f| checked_weights(f.astype::<f64>(), n, "fweights")).transpose()?;
    let aw = aweights.map(|a| checked_weights(a.clone(), n, "aweights")).transpose()?;
    let w = match (&fw, &aw) {
        (Some(f), Some(a)) => Some(f.mul(a)?),
        (Some(f), None) => Some(f.clone()),
        (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    };
    let (avg, fact) = match &w {
        None => (x.mean(1)?, scalar_like(n as f64 - ddof)?),
        Some(w) => {
            // NumPy's `average` raises for weights summing to zero
            let w_sum = zip_aligned::<f64, _>("cov-weight-sum", vec![w.sum(None)?.node().clone()], |b| {
                let s = as_array::<f64>(&b[0])?;
                if s.iter().any(|&v| v == 0.0) {
                    return Err(Error::Value("Weights sum to zero, can't be normalized".into()));
                }
                Ok(s.to_owned())
            })?;
            let avg = x.mul(w)?.sum(1)?.div(&w_sum)?;
            let fact = if ddof == 0.0 {
                w_sum
            } else if let Some(a) = &aw {
                // w_sum - ddof * sum(w * aweights) / w_sum
                w_sum.sub(&w.mul(a)?.sum(None)?.mul(ddof)?.div(&w_sum)?)?
            } else {
                w_sum.sub(ddof)?
            };
            (avg, fact)
        }
    };
    // NumPy: fact <= 0 warns and uses 0 (so the result holds infinities and NaNs)
    let fact = fact.mapv(|f| if f <= 0.0 { 0.0 } else { f });
    let xc = x.sub(&avg.reshape(&[k, 1usize][..])?)?;
    let xw = match &w {
        Some(w) => xc.mul(w)?,
        None => xc.clone(),
    };
    let c = xc.dot(&xw.t())?.div(&fact)?;
    squeeze_all(c)
}

/// NumPy's `squeeze()`: every length-1 axis removed.
fn squeeze_all(c: ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
    if c.shape().contains(&1) {
        c.squeeze(None)
    } else {
        Ok(c)
    }
}

/// Pearson correlation coefficients (NumPy's `corrcoef(x, y, rowvar)`): the covariance
/// matrix divided by the outer product of the standard deviations, clipped to `[-1, 1]`; a
/// `ChunkedArray<f64>` (0-d for one variable, where NumPy returns `c / c`). Errors as
/// [`cov`].
pub fn corrcoef<T: Element>(
    x: &ChunkedArray<T>,
    y: Option<&ChunkedArray<T>>,
    rowvar: bool,
) -> Result<ChunkedArray<f64>> {
    let c = cov(x, y, rowvar, false, None, None, None)?;
    if c.ndim() == 0 {
        return c.div(&c);
    }
    let k = c.shape()[0];
    let sd = c.diagonal(0, 0, 1)?.sqrt();
    let r = c.div(&sd.reshape(&[k, 1usize][..])?)?.div(&sd.reshape(&[1usize, k][..])?)?;
    // `clamp` keeps NaN, as NumPy's `clip`
    Ok(r.mapv(|v: f64| v.clamp(-1.0, 1.0)))
}
