//! `ndchunk::stats`: dask.array.stats — `skew`, `kurtosis`, `moment` and the hypothesis tests
//! `ttest_ind`, `ttest_rel`, `ttest_1samp`, `chisquare`, `power_divergence`, `f_oneway` — with
//! scipy.stats' semantics (scipy 1.17).
//!
//! Why compositions: every statistic is a few lazy reductions along one axis (`mean`, `var`,
//! `sum`, central powers) joined elementwise, so the results stay chunked, fuse with the
//! producer of the input and share its blocks when several are computed together (dask builds
//! them the same way). Only the final elementwise step — the formula and the distribution's
//! survival function (from the `statrs` crate: Student's t, χ², F) — is new.
//!
//! Semantics: `axis` is one axis, or `None` for the flattened array (scipy's `axis=None`);
//! NaN inputs propagate to NaN results (scipy's default `nan_policy='propagate'`); zero
//! variance gives NaN skewness and kurtosis as scipy (dask gives 0); p-values are two-sided
//! unless an [`Alternative`] says otherwise. Results are `f64`.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::stats;
//! let a = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 8.0]), [3]).unwrap();
//! let s = stats::skew(&a, 0, true).unwrap().item().unwrap();
//! assert!((s - 0.6568077344996993).abs() < 1e-12); // scipy.stats.skew([1, 2, 4, 8])
//! let r = stats::ttest_1samp(&a, 2.0, 0, stats::Alternative::TwoSided).unwrap();
//! assert!((r.pvalue.item().unwrap() - 0.34044169358612675).abs() < 1e-10);
//! ```

mod anova;
mod chisquare;
mod hypothesis;
mod moments;

pub use anova::f_oneway;
pub use chisquare::{chisquare, power_divergence, Lambda};
pub use hypothesis::{ttest_1samp, ttest_ind, ttest_rel, Alternative, TestResult};
pub use moments::{kurtosis, moment, skew};

use ndarray::{ArrayD, IxDyn};

use crate::array::axes::Axes;
use crate::array::selection::zip_aligned;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};
use crate::graph::as_array;

/// The input as `f64` (0-d as 1-d) with the statistic's axis resolved: the flattened array
/// and axis 0 for `Axes::All`. Returns the array, the axis and the number of elements along it.
pub(crate) fn along<T: Number>(a: &ChunkedArray<T>, axis: Axes, op: &str) -> Result<(ChunkedArray<f64>, usize, usize)> {
    // scipy treats a 0-d input as 1-d (its `atleast_1d`): axis 0 and None both work
    let x = if a.ndim() == 0 { a.astype::<f64>().reshape(&[1])? } else { a.astype::<f64>() };
    let (x, ax) = match axis {
        Axes::All => (x.ravel()?, 0),
        Axes::Some(v) if v.len() == 1 => {
            let ax = crate::array::structure::resolve_axis(v[0], x.ndim())?;
            (x, ax)
        }
        Axes::Some(v) => return Err(Error::Value(format!("{op}: axis must be one axis or None, got {v:?}"))),
    };
    let n = x.shape()[ax];
    if n == crate::UNKNOWN {
        return Err(Error::UnknownChunkSizes { op: op.into() });
    }
    Ok((x, ax, n))
}

/// `f` applied to the elements at the same position of arrays of one shape (block by block).
pub(crate) fn zip_f64<const N: usize, F>(
    name: &'static str,
    arrays: [&ChunkedArray<f64>; N],
    f: F,
) -> Result<ChunkedArray<f64>>
where
    F: Fn([f64; N]) -> f64 + Send + Sync + 'static,
{
    try_zip_f64(name, arrays, move |v| Ok(f(v)))
}

/// [`zip_f64`] with a fallible `f`: its error is the compute's error.
pub(crate) fn try_zip_f64<const N: usize, F>(
    name: &'static str,
    arrays: [&ChunkedArray<f64>; N],
    f: F,
) -> Result<ChunkedArray<f64>>
where
    F: Fn([f64; N]) -> Result<f64> + Send + Sync + 'static,
{
    let nodes = arrays.iter().map(|a| a.node().clone()).collect();
    zip_aligned::<f64, _>(name, nodes, move |blocks| {
        let views = blocks.iter().map(|b| as_array::<f64>(b)).collect::<Result<Vec<_>>>()?;
        let shape = views[0].shape().to_vec();
        let mut its: Vec<_> = views.iter().map(|v| v.iter()).collect();
        let mut out = Vec::with_capacity(views[0].len());
        for _ in 0..views[0].len() {
            let mut args = [0.0; N];
            for (arg, it) in args.iter_mut().zip(its.iter_mut()) {
                *arg = *it.next().expect("blocks of one shape");
            }
            out.push(f(args)?);
        }
        Ok(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("block shape"))
    })
}
