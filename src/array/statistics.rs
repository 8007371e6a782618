//! Statistics built on the tree reductions: `ptp`, `count_nonzero`, `average`, `moment`,
//! `nancumsum`/`nancumprod`, and reductions and scans with an explicit accumulation dtype
//! (`sum_as`, `prod_as`, `mean_as`, `cumsum_as`, `cumprod_as`: NumPy's `dtype=` argument).
//!
//! Why compositions: each of these is a small expression of existing lazy reductions and
//! elementwise nodes (`ptp = max - min`, `count_nonzero = sum(x != 0)`, `moment = mean((x -
//! mean)^k)`), so they inherit the tree reduction, `keepdims` and `split_every` (set through
//! [`ChunkedArray::reduce_with`]), unknown-chunk support and graph sharing (`max` and `min` of
//! the same array in one `compute_all` share their input blocks) without new kernels.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ndchunk::arange::<i64>(0, 12, 1, [5]).unwrap().reshape(&[3, 4]).unwrap();
//! assert_eq!(x.ptp(1).unwrap().compute().unwrap().as_slice().unwrap(), &[3, 3, 3]);
//! assert_eq!(x.count_nonzero(None).unwrap().item().unwrap(), 11);
//! let w = ChunkedArray::from_array(ndarray::arr1(&[1.0, 0.0, 0.0, 1.0]), [2]).unwrap();
//! let (avg, wsum) = x.average(1, Some(&w), true).unwrap();
//! assert_eq!(avg.compute().unwrap().as_slice().unwrap(), &[1.5, 5.5, 9.5]);
//! assert_eq!(wsum.unwrap().compute().unwrap().as_slice().unwrap(), &[2.0, 2.0, 2.0]);
//! ```

use ndarray::ArrayD;

use crate::array::axes::Axes;
use crate::array::selection::zip_aligned;
use crate::array::{ChunkedArray, Reducer};
use crate::element::{Arith, Element, Float, Ordered};
use crate::error::{Error, Result};
use crate::graph::as_array;
use crate::ops::reduce::ReduceOptions;

impl<'a, T: Ordered + Arith> Reducer<'a, T> {
    /// Peak to peak, `max - min` (NumPy's `ptp`); result `ChunkedArray<T>`, wrapping for
    /// integers as NumPy does, complex in NumPy's lexicographic order; an error for an empty
    /// reduced axis.
    pub fn ptp(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>> {
        let axis = axis.into();
        let hi = self.max(axis.clone())?;
        let lo = self.min(axis)?;
        hi.sub(&lo)
    }
}

impl<'a, T: Element> Reducer<'a, T> {
    /// Number of non-zero elements (NumPy's `count_nonzero`; NaN counts as non-zero); result
    /// `ChunkedArray<i64>`.
    pub fn count_nonzero(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>> {
        let nz = self.x.map_unary::<bool, _>("count_nonzero-ne", Some("ne0".into()), |v: T| v != T::zero());
        nz.reduce_with(self.opts).sum(axis)
    }

    /// Sum accumulated in the element type `U` (NumPy's `sum(dtype=U)`): every element is
    /// converted to `U` first, integer sums wrap at `U`'s width as NumPy's do, and `bool` gives
    /// a logical or. Result `ChunkedArray<U>`.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::from_array(ndarray::arr1(&[100i8, 100, 100]), [2]).unwrap();
    /// assert_eq!(x.sum(None).unwrap().item().unwrap(), 300i64); // NumPy: int8 sums in int64
    /// assert_eq!(x.sum_as::<i8>(None).unwrap().item().unwrap(), 44i8); // np.sum(x, dtype=np.int8)
    /// ```
    pub fn sum_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        let y = self.x.astype::<U>();
        Ok(y.reduce_with(self.opts).sum(axis)?.astype::<U>())
    }

    /// Product accumulated in `U` (NumPy's `prod(dtype=U)`, wrapping for integers); result
    /// `ChunkedArray<U>`.
    pub fn prod_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        let y = self.x.astype::<U>();
        Ok(y.reduce_with(self.opts).prod(axis)?.astype::<U>())
    }

    /// Mean with elements converted to the float type `U` (NumPy's `mean(dtype=U)`); result
    /// `ChunkedArray<U>`. (The sum is accumulated in `f64`, which is at least as accurate as
    /// NumPy's `U`-width pairwise sum.)
    pub fn mean_as<U: Float>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        let y = self.x.astype::<U>();
        Ok(y.reduce_with(self.opts).mean(axis)?.astype::<U>())
    }

    /// Weighted average (NumPy's `average`), result `ChunkedArray<f64>`; with `returned`, also
    /// the sum of the weights (broadcast to the result's shape, as NumPy's `returned=True`).
    ///
    /// `weights` has the shape of the array, or (NumPy's rule) the shape of the array along
    /// the given `axis` (a 1-D array for one axis). Errors: weights of another shape without an
    /// axis ([`Error::Value`]), weights that do not match the axis ([`Error::Shape`]); weights
    /// summing to zero along a reduced slice are an [`Error::Value`] when computed (NumPy's
    /// `ZeroDivisionError`).
    #[allow(clippy::type_complexity)]
    pub fn average(
        &self,
        axis: impl Into<Axes>,
        weights: Option<&ChunkedArray<f64>>,
        returned: bool,
    ) -> Result<(ChunkedArray<f64>, Option<ChunkedArray<f64>>)> {
        let axis = axis.into();
        let x = self.x.astype::<f64>();
        let Some(w) = weights else {
            let avg = x.reduce_with(self.opts).mean(axis.clone())?;
            if avg.size() == 0 {
                // NumPy computes `a.size / avg.size` here and raises ZeroDivisionError
                return Err(Error::Value("division by zero: average with an empty result".into()));
            }
            if !returned {
                return Ok((avg, None));
            }
            // the number of elements averaged, as f64, in the result's shape
            let n = self.x.count_along(&axis)? as f64;
            let scl = avg.map_unary::<f64, _>("average-count", Some(format!("count({n})")), move |_| n);
            return Ok((avg, Some(scl)));
        };
        let nd = self.x.ndim();
        let w = if w.shape() == self.x.shape() {
            w.clone()
        } else {
            let given: Vec<usize> = match &axis {
                Axes::All => {
                    return Err(Error::Value("Axis must be specified when shapes of a and weights differ.".into()))
                }
                Axes::Some(v) => {
                    v.iter().map(|&a| crate::array::structure::resolve_axis(a, nd)).collect::<Result<Vec<_>>>()?
                }
            };
            axis.resolve(nd)?; // duplicate axes
            let along: Vec<usize> = given.iter().map(|&a| self.x.shape()[a]).collect();
            if w.shape() != along.as_slice() {
                return Err(Error::Shape(format!(
                    "Shape of weights must be consistent with shape of a along specified axis: weights {:?}, a {:?} along axis {:?}",
                    w.shape(),
                    self.x.shape(),
                    given
                )));
            }
            // weights' axes into increasing order of the array's axes, then length-1 axes
            // elsewhere, then broadcast
            let mut order: Vec<usize> = (0..given.len()).collect();
            order.sort_by_key(|&k| given[k]);
            let wt = if order.iter().enumerate().all(|(i, &k)| i == k) { w.clone() } else { w.transpose(&order)? };
            let shape: Vec<usize> = (0..nd).map(|a| if given.contains(&a) { self.x.shape()[a] } else { 1 }).collect();
            wt.reshape(&shape)?.broadcast_to(self.x.shape())?
        };
        let num = x.mul(&w)?.reduce_with(self.opts).sum(axis.clone())?;
        let scl = w.broadcast_to(self.x.shape())?.reduce_with(self.opts).sum(axis)?;
        let avg = zip_aligned::<f64, _>("average", vec![num.node().clone(), scl.node().clone()], |blocks| {
            let n = as_array::<f64>(&blocks[0])?;
            let d = as_array::<f64>(&blocks[1])?;
            if d.iter().any(|&v| v == 0.0) {
                return Err(Error::Value("Weights sum to zero, can't be normalized".into()));
            }
            let mut out: ArrayD<f64> = n.to_owned();
            out.zip_mut_with(d, |a, &b| *a /= b);
            Ok(out)
        })?;
        if !returned {
            return Ok((avg, None));
        }
        // NumPy raises for zero weight sums with `returned` too
        let scl = zip_aligned::<f64, _>("average-weights", vec![scl.node().clone()], |blocks| {
            let d = as_array::<f64>(&blocks[0])?;
            if d.iter().any(|&v| v == 0.0) {
                return Err(Error::Value("Weights sum to zero, can't be normalized".into()));
            }
            Ok(d.to_owned())
        })?;
        Ok((avg, Some(scl)))
    }

    /// Central moment of order `order` (dask's `moment` with `ddof = 0`:
    /// `mean((x - mean(x))^order)`), result `ChunkedArray<f64>`. Orders 0 and 1 are exactly 1
    /// and 0, as in dask.
    pub fn moment(&self, order: u32, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        let axis = axis.into();
        let x = self.x.astype::<f64>();
        if order < 2 {
            let v = if order == 0 { 1.0 } else { 0.0 };
            let m = x.reduce_with(self.opts).sum(axis)?;
            return Ok(m.map_unary::<f64, _>("moment", Some(format!("moment({order})")), move |_| v));
        }
        self.deviation_powers(&x, order, &axis)?.reduce_with(self.opts).mean(axis)
    }

    /// `(x - mean(x, axis, keepdims))^order`, the terms of a central moment.
    fn deviation_powers(&self, x: &ChunkedArray<f64>, order: u32, axis: &Axes) -> Result<ChunkedArray<f64>> {
        let inner = ReduceOptions { keepdims: true, ..self.opts };
        let mu = x.reduce_with(inner).mean(axis.clone())?;
        let order = i32::try_from(order).map_err(|_| Error::Value(format!("moment order {order} is too large")))?;
        Ok(x.sub(&mu)?.powi(order))
    }

    /// Central moment with `ddof` (dask's `moment(a, order, axis, ddof=ddof)`):
    /// `sum((x - mean(x))^order) / (n - ddof)`, `n` the number of elements reduced. Orders 0
    /// and 1 are exactly 1 and 0, whatever `ddof`, as in dask. `n - ddof <= 0` divides by
    /// zero or a negative count, as NumPy does (inf, NaN or a negative value; NumPy warns).
    pub fn moment_ddof(&self, order: u32, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<f64>> {
        let axis = axis.into();
        if order < 2 || ddof == 0 {
            return self.moment(order, axis);
        }
        let n = self.x.count_along(&axis)?;
        let d = self.deviation_powers(&self.x.astype::<f64>(), order, &axis)?;
        // n and ddof as f64, as NumPy's `n - ddof` in float (exact below 2^53)
        let denom = n as f64 - ddof as f64;
        let total = d.reduce_with(self.opts).sum(axis)?;
        Ok(total.map_unary::<f64, _>("moment", Some(format!("moment_ddof({denom})")), move |v| v / denom))
    }
}

impl<T: Element> ChunkedArray<T> {
    /// Number of elements along `axis` (checked).
    fn count_along(&self, axis: &Axes) -> Result<usize> {
        let axes = axis.resolve(self.ndim())?;
        axes.iter().try_fold(1usize, |acc, &a| {
            let n = self.shape()[a];
            if n == crate::UNKNOWN {
                return Err(Error::UnknownChunkSizes { op: "average".into() });
            }
            acc.checked_mul(n).ok_or_else(|| Error::Value("array is too big".into()))
        })
    }

    /// `count_nonzero` over `axis` (see [`Reducer::count_nonzero`]); `ChunkedArray<i64>`.
    pub fn count_nonzero(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>> {
        self.reduce_with(ReduceOptions::default()).count_nonzero(axis)
    }

    /// NumPy's `sum(dtype=U)` (see [`Reducer::sum_as`]); `ChunkedArray<U>`.
    pub fn sum_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        self.reduce_with(ReduceOptions::default()).sum_as::<U>(axis)
    }

    /// NumPy's `prod(dtype=U)` (see [`Reducer::prod_as`]); `ChunkedArray<U>`.
    pub fn prod_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        self.reduce_with(ReduceOptions::default()).prod_as::<U>(axis)
    }

    /// NumPy's `mean(dtype=U)` (see [`Reducer::mean_as`]); `ChunkedArray<U>`.
    pub fn mean_as<U: Float>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        self.reduce_with(ReduceOptions::default()).mean_as::<U>(axis)
    }

    /// NumPy's `average(a, axis, weights, returned)` (see [`Reducer::average`]);
    /// `(ChunkedArray<f64>, Option<ChunkedArray<f64>>)`.
    #[allow(clippy::type_complexity)]
    pub fn average(
        &self,
        axis: impl Into<Axes>,
        weights: Option<&ChunkedArray<f64>>,
        returned: bool,
    ) -> Result<(ChunkedArray<f64>, Option<ChunkedArray<f64>>)> {
        self.reduce_with(ReduceOptions::default()).average(axis, weights, returned)
    }

    /// Central moment (dask's `moment`, see [`Reducer::moment`]); `ChunkedArray<f64>`.
    pub fn moment(&self, order: u32, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).moment(order, axis)
    }

    /// Central moment divided by `n - ddof` (dask's `moment(.., ddof)`, see
    /// [`Reducer::moment_ddof`]); `ChunkedArray<f64>`.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
    /// // sum of squared deviations 28.75, over n - 1 = 3
    /// assert!((a.moment_ddof(2, None, 1).unwrap().item().unwrap() - 28.75 / 3.0).abs() < 1e-12);
    /// ```
    pub fn moment_ddof(&self, order: u32, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).moment_ddof(order, axis, ddof)
    }

    /// Cumulative sum accumulated in `U` (NumPy's `cumsum(dtype=U)`, wrapping for integers);
    /// `None` scans the flattened array. Result `ChunkedArray<U>`.
    pub fn cumsum_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        Ok(self.astype::<U>().cumsum(axis)?.astype::<U>())
    }

    /// Cumulative product accumulated in `U` (NumPy's `cumprod(dtype=U)`); result
    /// `ChunkedArray<U>`.
    pub fn cumprod_as<U: Element>(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<U>> {
        Ok(self.astype::<U>().cumprod(axis)?.astype::<U>())
    }

    /// Elements with NaN replaced by `v`.
    fn nan_to(&self, v: T) -> ChunkedArray<T> {
        if !T::DTYPE.is_float() {
            return self.clone();
        }
        self.map_unary("nan_to", Some(format!("nan_to({v:?})")), move |x: T| if x.is_nan() { v } else { x })
    }

    /// Cumulative sum treating NaN as 0 (NumPy's `nancumsum`); `None` scans the flattened
    /// array. Result `ChunkedArray<T::SumOut>`.
    pub fn nancumsum(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.nan_to(T::zero()).cumsum(axis)
    }

    /// Cumulative product treating NaN as 1 (NumPy's `nancumprod`); result
    /// `ChunkedArray<T::SumOut>`.
    pub fn nancumprod(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.nan_to(T::one()).cumprod(axis)
    }
}

impl<T: Ordered + Arith> ChunkedArray<T> {
    /// Peak to peak (NumPy's `ptp`, see [`Reducer::ptp`]); `ChunkedArray<T>`.
    pub fn ptp(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>> {
        self.reduce_with(ReduceOptions::default()).ptp(axis)
    }
}
