//! `apply_along_axis` and `apply_over_axes` (NumPy's and dask's).
//!
//! `apply_along_axis` makes the axis one block (dask does the same) and calls the function on
//! every 1-d lane of each block. dask learns the output's shape by calling the function on a
//! test lane; here the caller states it (`out_shape`: `[]` for a scalar, which removes the
//! axis; `[m]` replaces the axis by `m`; more dimensions are inserted in its place, as NumPy).
//! `apply_over_axes` is NumPy's loop: apply a lazy function axis by axis, re-inserting an axis
//! the function removed.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndarray::{ArrayD, IxDyn};
//! let x = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[3, 4]).unwrap();
//! // the range of every row (a scalar per lane: axis 1 is removed)
//! let r = ndchunk::apply_along_axis(&x, 1, &[], |lane| {
//!     let (lo, hi) = lane.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
//!     ArrayD::from_elem(IxDyn(&[]), hi - lo)
//! })
//! .unwrap();
//! assert_eq!(r.compute().unwrap().as_slice().unwrap(), &[3.0, 3.0, 3.0]);
//! // sums over axes 0 then 1, dimensions kept (NumPy's apply_over_axes)
//! let s = ndchunk::apply_over_axes(&x, &[0, 1], |a, ax| a.sum(ax as isize)).unwrap();
//! assert_eq!(s.shape(), &[1, 1]);
//! assert_eq!(s.compute().unwrap()[[0, 0]], 66.0);
//! ```

use ndarray::{ArrayD, ArrayView1, Axis, IxDyn};

use crate::array::map_blocks::{try_map_blocks_with, BlockInfo, MapBlocksOptions};
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};

/// `f` applied to every 1-d lane of `x` along `axis` (NumPy's `apply_along_axis`); `f`
/// returns an array of `out_shape`, which replaces the axis in the result. A lane result of
/// another shape is an `Error::Shape` at compute time.
pub fn apply_along_axis<T: Element, U: Element, F>(
    x: &ChunkedArray<T>,
    axis: isize,
    out_shape: &[usize],
    f: F,
) -> Result<ChunkedArray<U>>
where
    F: Fn(ArrayView1<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
{
    let nd = x.ndim();
    let a = resolve_axis(axis, nd)?;
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "apply_along_axis".into() });
    }
    let mut whole: Vec<Vec<usize>> = x.chunks().as_slices().to_vec();
    whole[a] = vec![x.shape()[a]];
    let x = x.rechunk(Chunks::explicit(whole.clone()))?;
    // output axes: those before `a`, the lane result's, those after `a`
    let mut chunks: Vec<Vec<usize>> = whole[..a].to_vec();
    chunks.extend(out_shape.iter().map(|&m| vec![m]));
    chunks.extend(whole[a + 1..].iter().cloned());
    // map_blocks sees the lane result's axes as: `a` (if any) replaced, the rest new
    let (drop_axis, new_axis): (Vec<isize>, Vec<usize>) = match out_shape.len() {
        0 => (vec![a as isize], vec![]),
        k => (vec![], (a + 1..a + k).collect()),
    };
    let opts = MapBlocksOptions { chunks: Some(chunks), drop_axis, new_axis };
    let out_shape = out_shape.to_vec();
    try_map_blocks_with((&x,), &opts, move |(b,), _: &BlockInfo| {
        let per_lane: usize = out_shape.iter().product();
        let mut vals: Vec<U> = Vec::new();
        for lane in b.lanes(Axis(a)) {
            let r = f(lane);
            if r.shape() != out_shape.as_slice() {
                return Err(Error::Shape(format!(
                    "apply_along_axis: the function returned shape {:?} where {out_shape:?} was declared",
                    r.shape()
                )));
            }
            vals.extend(r.iter().copied());
        }
        debug_assert_eq!(vals.len() % per_lane.max(1), 0);
        // lanes come in C order of the other axes: lay them out as (other axes, lane result)
        // and move the result's axes to where `axis` was
        let mut other: Vec<usize> = b.shape().to_vec();
        other.remove(a);
        let n = other.len();
        let mut shape = other;
        shape.extend(&out_shape);
        let arr = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
        let order: Vec<usize> = (0..a).chain(n..n + out_shape.len()).chain(a..n).collect();
        Ok(arr.permuted_axes(IxDyn(&order)).as_standard_layout().into_owned())
    })
}

/// NumPy's `apply_over_axes`: `f(x, axis)` for each axis in turn, each on the previous result;
/// when `f` removes the axis it is put back with length 1, so the result has `x`'s number of
/// dimensions. Any other change of the number of dimensions is an `Error::Shape`.
pub fn apply_over_axes<T: Element, F>(x: &ChunkedArray<T>, axes: &[isize], f: F) -> Result<ChunkedArray<T>>
where
    F: Fn(&ChunkedArray<T>, usize) -> Result<ChunkedArray<T>>,
{
    let nd = x.ndim();
    let mut cur = x.clone();
    for &axis in axes {
        let a = resolve_axis(axis, nd)?;
        let r = f(&cur, a)?;
        cur = if r.ndim() == nd {
            r
        } else if r.ndim() + 1 == nd {
            r.expand_dims(a as isize)?
        } else {
            return Err(Error::Shape(format!(
                "apply_over_axes: the function returned {} dimensions for an input of {nd}",
                r.ndim()
            )));
        };
    }
    Ok(cur)
}
