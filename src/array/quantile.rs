//! `quantile`, `percentile`, `median` and their `nan` forms, with NumPy 2's 13 methods.
//!
//! * **Over the whole array** (`axis=None`, or every axis) the result is *exact* for any number
//!   of blocks, in bounded memory: the blocks are never gathered or sorted; a few counting
//!   passes over them narrow onto the ranks NumPy reads (`ops::select`: radix narrowing on
//!   order-preserving keys). dask's `percentile` is approximate here.
//! * **Along some axes** those axes are moved last and rechunked to one block (as dask
//!   does), then every lane is selected in place (`select_nth_unstable`, not a full sort) by
//!   `ndchunk_kernels::select`.
//!
//! NumPy semantics: `q` is an `f64` (result: the reduced shape) or a slice (a leading axis of
//! `q.len()`); `q` outside `[0, 1]` (`[0, 100]` for `percentile`) or NaN is an
//! [`Error::Value`]. The positions and interpolation weights are NumPy's formulas evaluated in
//! the same order, so order-statistic methods (`inverted_cdf`, `closest_observation`, `lower`,
//! `higher`, `nearest`) equal NumPy bit for bit and interpolating ones to NumPy's rounding
//! (`_lerp`). Any NaN in a reduced slice makes its result NaN; the `nan` forms ignore NaN and
//! give NaN for an all-NaN slice. `median` is NumPy's `median` (the mean of the middle two),
//! not `quantile(0.5)`. Results are `f64` for every element type (NumPy keeps an integer
//! dtype for the non-interpolating methods, and `float32` for `float32` data with a scalar `q`:
//! that case interpolates in `float32` as NumPy does, then widens). No elements: `quantile` is an [`Error::Index`] (NumPy's `IndexError`); `median` and
//! the nan forms give NaN.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::QuantileMethod;
//! let x = ChunkedArray::from_array(ndarray::arr1(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]), [3])?;
//! assert_eq!(x.median(None)?.item()?, 3.5);
//! assert_eq!(x.quantile(0.25, None, QuantileMethod::Lower)?.item()?, 1.0);
//! let p = x.percentile(&[5.0, 50.0, 95.0][..], None, QuantileMethod::Linear)?.compute()?;
//! assert_eq!(p.shape(), &[3]);
//! let m = x.reshape(&[2, 4])?.nanquantile(0.5, 1, QuantileMethod::Linear)?.compute()?;
//! assert_eq!(m.as_slice().unwrap(), &[2.0, 5.5]);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::select::{lane_stat, Stat};

pub use ndchunk_kernels::select::QuantileMethod;

use crate::array::axes::Axes;
use crate::array::chunks::{AxisSpec, Chunks, UNKNOWN};
use crate::array::{ChunkedArray, Reducer};
use crate::element::Number;
use crate::error::{Error, Result};
use crate::ops::reduce::ReduceOptions;
use crate::ops::select::exact_stat;

/// The `q` of a quantile: one value (no leading axis) or several (a leading axis).
#[derive(Clone, Debug, PartialEq)]
pub enum Quantiles {
    One(f64),
    Many(Vec<f64>),
}

impl From<f64> for Quantiles {
    fn from(q: f64) -> Self {
        Quantiles::One(q)
    }
}

impl From<&[f64]> for Quantiles {
    fn from(q: &[f64]) -> Self {
        Quantiles::Many(q.to_vec())
    }
}

impl From<Vec<f64>> for Quantiles {
    fn from(q: Vec<f64>) -> Self {
        Quantiles::Many(q)
    }
}

impl<const N: usize> From<[f64; N]> for Quantiles {
    fn from(q: [f64; N]) -> Self {
        Quantiles::Many(q.to_vec())
    }
}

impl<const N: usize> From<&[f64; N]> for Quantiles {
    fn from(q: &[f64; N]) -> Self {
        Quantiles::Many(q.to_vec())
    }
}

impl Quantiles {
    /// The values scaled by `1/scale` and checked against `[0, 1]`, and whether there is a
    /// leading axis.
    fn checked(self, percent: bool) -> Result<(Vec<f64>, bool)> {
        let (v, many) = match self {
            Quantiles::One(q) => (vec![q], false),
            Quantiles::Many(v) => (v, true),
        };
        let v: Vec<f64> = if percent { v.iter().map(|q| q / 100.0).collect() } else { v };
        if !v.iter().all(|q| (0.0..=1.0).contains(q)) {
            return Err(Error::Value(if percent {
                "Percentiles must be in the range [0, 100]".into()
            } else {
                "Quantiles must be in the range [0, 1]".into()
            }));
        }
        Ok((v, many))
    }
}

impl<'a, T: Number> Reducer<'a, T> {
    /// NumPy's `quantile(x, q, axis, method=method)` (see the module docs); `ChunkedArray<f64>`.
    pub fn quantile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        let (q, many) = q.into().checked(false)?;
        self.order_stat(Stat::Quantile(method, q, !many), many, axis.into(), false)
    }

    /// NumPy's `nanquantile`: NaN ignored, NaN for all-NaN slices.
    pub fn nanquantile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        let (q, many) = q.into().checked(false)?;
        self.order_stat(Stat::Quantile(method, q, !many), many, axis.into(), true)
    }

    /// NumPy's `percentile` (`q` in `[0, 100]`).
    pub fn percentile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        let (q, many) = q.into().checked(true)?;
        self.order_stat(Stat::Quantile(method, q, !many), many, axis.into(), false)
    }

    /// NumPy's `nanpercentile`.
    pub fn nanpercentile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        let (q, many) = q.into().checked(true)?;
        self.order_stat(Stat::Quantile(method, q, !many), many, axis.into(), true)
    }

    /// NumPy's `median` (mean of the middle two for even counts; NaN for no elements).
    pub fn median(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        self.order_stat(Stat::Median, false, axis.into(), false)
    }

    /// NumPy's `nanmedian`.
    pub fn nanmedian(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        self.order_stat(Stat::Median, false, axis.into(), true)
    }

    fn order_stat(&self, stat: Stat, many: bool, axis: Axes, skip_nan: bool) -> Result<ChunkedArray<f64>> {
        let x = self.x;
        let nd = x.ndim();
        let axes = axis.resolve(nd)?;
        let nq = stat.len();
        let lead: Vec<usize> = if many { vec![nq] } else { vec![] };
        let error_if_empty = !skip_nan && matches!(stat, Stat::Quantile(..));
        // the result's shape without the q axis
        let kept: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
        let reduced_len = axes.iter().try_fold(1usize, |acc, &a| match x.shape()[a] {
            UNKNOWN => Ok(UNKNOWN),
            n if acc == UNKNOWN => Ok(if n == 0 { 0 } else { UNKNOWN }),
            n => acc.checked_mul(n).ok_or_else(|| Error::Value("array is too big".into())),
        })?;
        let out = if reduced_len == 0 || kept.iter().any(|&a| x.shape()[a] == 0) {
            // nothing to select: NumPy's IndexError for quantile of empty slices, else NaN
            let out_size = kept.iter().map(|&a| x.shape()[a]).product::<usize>() * nq;
            if reduced_len == 0 && error_if_empty && out_size > 0 {
                return Err(Error::Index { index: -1, axis: 0, size: 0 });
            }
            let mut shape = lead.clone();
            shape.extend(kept.iter().map(|&a| x.shape()[a]));
            let mut chunks: Vec<Vec<usize>> = lead.iter().map(|&n| vec![n]).collect();
            chunks.extend(kept.iter().map(|&a| x.chunks().axis(a).to_vec()));
            let z = crate::full::<f64>(&shape, f64::NAN, Chunks::explicit(chunks))?;
            return self.keep_dims(z, &axes, many);
        } else if kept.is_empty() {
            ChunkedArray::from_node(exact_stat::<T>(x.node().clone(), stat, skip_nan, !many)?)
        } else {
            self.along_axes(stat, many, &axes, &kept, skip_nan)?
        };
        self.keep_dims(out, &axes, many)
    }

    /// Move `axes` last, make them one block, and compute every lane.
    fn along_axes(
        &self,
        stat: Stat,
        many: bool,
        axes: &[usize],
        kept: &[usize],
        skip_nan: bool,
    ) -> Result<ChunkedArray<f64>> {
        let x = self.x;
        if axes.iter().any(|&a| x.chunks().axis(a).contains(&UNKNOWN)) {
            return Err(Error::UnknownChunkSizes { op: "quantile along an axis".into() });
        }
        let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
        let y = x.transpose(&perm)?;
        let spec: Vec<AxisSpec> = kept
            .iter()
            .map(|&a| AxisSpec::Explicit(x.chunks().axis(a).to_vec()))
            .chain(axes.iter().map(|_| AxisSpec::Whole))
            .collect();
        let y = y.rechunk(spec)?;
        let nk = kept.len();
        let nq = stat.len();
        let mut chunks: Vec<Vec<usize>> = if many { vec![vec![nq]] } else { vec![] };
        chunks.extend(kept.iter().map(|&a| x.chunks().axis(a).to_vec()));
        let f = move |v: ndarray::ArrayViewD<'_, T>| -> ArrayD<f64> {
            let rest: Vec<usize> = v.shape()[..nk].to_vec();
            let lanes: usize = rest.iter().product();
            let m: usize = v.shape()[nk..].iter().product();
            let std = v.as_standard_layout();
            let flat = std.as_slice().unwrap_or(&[]);
            let mut out = vec![0.0; lanes * nq];
            let mut scratch = Vec::with_capacity(m);
            let mut vals = vec![0.0; nq];
            for i in 0..lanes {
                lane_stat(flat[i * m..(i + 1) * m].iter().copied(), &stat, skip_nan, &mut scratch, &mut vals);
                for (k, &val) in vals.iter().enumerate() {
                    out[k * lanes + i] = val;
                }
            }
            let mut shape = if many { vec![nq] } else { vec![] };
            shape.extend(rest);
            ArrayD::from_shape_vec(IxDyn(&shape), out).expect("lanes × q values")
        };
        y.map_blocks_with_chunks(f, Chunks::explicit(chunks))
    }

    /// `keepdims`: length-1 axes where the reduced ones were (after the q axis).
    fn keep_dims(&self, r: ChunkedArray<f64>, axes: &[usize], many: bool) -> Result<ChunkedArray<f64>> {
        if !self.opts.keepdims {
            return Ok(r);
        }
        let off = usize::from(many);
        let mut r = r;
        for &a in axes {
            r = r.expand_dims((a + off) as isize)?;
        }
        Ok(r)
    }
}

impl<T: Number> ChunkedArray<T> {
    /// NumPy's `quantile(x, q, axis, method=...)` (see [`Reducer::quantile`]).
    pub fn quantile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).quantile(q, axis, method)
    }

    /// NumPy's `nanquantile` (see [`Reducer::nanquantile`]).
    pub fn nanquantile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).nanquantile(q, axis, method)
    }

    /// NumPy's `percentile` (see [`Reducer::percentile`]).
    pub fn percentile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).percentile(q, axis, method)
    }

    /// NumPy's `nanpercentile` (see [`Reducer::nanpercentile`]).
    pub fn nanpercentile(
        &self,
        q: impl Into<Quantiles>,
        axis: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).nanpercentile(q, axis, method)
    }

    /// NumPy's `median` (see [`Reducer::median`]).
    pub fn median(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).median(axis)
    }

    /// NumPy's `nanmedian` (see [`Reducer::nanmedian`]).
    pub fn nanmedian(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<f64>> {
        self.reduce_with(ReduceOptions::default()).nanmedian(axis)
    }
}
