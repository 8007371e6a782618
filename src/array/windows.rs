//! Windows: `coarsen` (a reduction over non-overlapping windows, dask's `da.coarsen`) and
//! `sliding_window_view` (NumPy's and dask's, every window of a given shape).
//!
//! Both are block-local once the blocks are cut right, so they are planned as a rechunk (or a
//! haloed box per block) followed by a per-block function:
//! - `coarsen` rounds every block length along a coarsened axis to a multiple of the factor
//!   (dask's `aligned_coarsen_chunks`), then reduces each block's windows (`exact_chunks`);
//! - `sliding_window_view` gives output block `i` the input box `[start_i, end_i + w - 1)`
//!   (the next `w - 1` elements of the following blocks, read in place as `overlap` reads its
//!   halos) and copies its windows out. NumPy returns a strided view; blocks here are owned,
//!   so each output block holds its windows (`w` times the input along each windowed axis).
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[2, 6]).unwrap();
//! // mean of 1×3 windows (dask: da.coarsen(np.mean, x, {1: 3}))
//! let c = ndchunk::coarsen(&x, &[(1, 3)], false, |w| w.mean().unwrap()).unwrap();
//! assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[1.0, 4.0, 7.0, 10.0]);
//! // windows of 3 along axis 1: shape (2, 4, 3)
//! let v = ndchunk::sliding_window_view(&x, &[3], &[1]).unwrap();
//! assert_eq!(v.shape(), &[2, 4, 3]);
//! assert_eq!(v.compute().unwrap()[[1, 2, 0]], 8.0);
//! ```

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};

use crate::array::getitem::Idx;
use crate::array::map_blocks::{map_blocks_with, BlockInfo, MapBlocksOptions};
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::rechunk::regions_node;

/// Reduce every non-overlapping window of `factors` elements (`(axis, factor)` pairs; other
/// axes factor 1) with `f`, which receives the window as a view of the window's shape (dask's
/// `da.coarsen(reduction, x, axes, trim_excess)`). An axis whose length is not a multiple of
/// its factor is an `Error::Value` unless `trim_excess`, which drops the excess at the end.
pub fn coarsen<T: Element, U: Element, F>(
    x: &ChunkedArray<T>,
    factors: &[(isize, usize)],
    trim_excess: bool,
    f: F,
) -> Result<ChunkedArray<U>>
where
    F: Fn(ArrayViewD<'_, T>) -> U + Send + Sync + 'static,
{
    let nd = x.ndim();
    let mut fac = vec![1usize; nd];
    for &(axis, k) in factors {
        let a = resolve_axis(axis, nd)?;
        if k == 0 {
            return Err(Error::Value(format!("coarsen: factor 0 for axis {axis}")));
        }
        fac[a] = k;
    }
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "coarsen".into() });
    }
    let shape = x.shape().to_vec();
    let mut x = x.clone();
    if shape.iter().zip(&fac).any(|(&n, &k)| n % k != 0) {
        if !trim_excess {
            let (a, (n, k)) =
                shape.iter().zip(&fac).enumerate().find(|(_, (&n, &k))| n % k != 0).expect("checked above");
            return Err(Error::Value(format!(
                "coarsening factor {k} does not divide the length {n} of axis {a} (use trim_excess)"
            )));
        }
        let keep: Vec<Idx> = shape.iter().zip(&fac).map(|(&n, &k)| Idx::slice(0, (n - n % k) as isize, 1)).collect();
        x = x.getitem(&keep)?;
    }
    // block lengths rounded to multiples of the factors
    let cut: Vec<Vec<usize>> = (0..nd).map(|a| aligned_chunks(x.chunks().axis(a), fac[a])).collect();
    let x = x.rechunk(Chunks::explicit(cut.clone()))?;
    let out_chunks: Vec<Vec<usize>> = cut.iter().zip(&fac).map(|(c, &k)| c.iter().map(|&n| n / k).collect()).collect();
    let opts = MapBlocksOptions { chunks: Some(out_chunks), ..Default::default() };
    map_blocks_with((&x,), &opts, move |(b,), _: &BlockInfo| {
        let out: Vec<usize> = b.shape().iter().zip(&fac).map(|(&n, &k)| n / k).collect();
        let vals: Vec<U> = b.exact_chunks(IxDyn(&fac)).into_iter().map(&f).collect();
        ArrayD::from_shape_vec(IxDyn(&out), vals).expect("one value per window")
    })
}

/// Block lengths along one axis rounded to multiples of `k` (dask's `aligned_coarsen_chunks`):
/// each block gives its excess to the next; zero-length blocks are dropped (one is kept for an
/// empty axis).
fn aligned_chunks(chunks: &[usize], k: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(chunks.len());
    let mut carry = 0;
    for &c in chunks {
        let n = c + carry;
        let keep = n - n % k;
        carry = n - keep;
        if keep > 0 {
            out.push(keep);
        }
    }
    if let Some(last) = out.last_mut() {
        *last += carry;
    } else {
        out.push(carry);
    }
    out
}

/// Every window of `window_shape` along `axes` (NumPy's
/// `sliding_window_view(x, window_shape, axis)`): the windowed axes shrink to `n - w + 1` and
/// the window axes are appended in `axes` order. A window longer than its axis is an
/// `Error::Value`, as in NumPy.
pub fn sliding_window_view<T: Element>(
    x: &ChunkedArray<T>,
    window_shape: &[usize],
    axes: &[isize],
) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    if window_shape.len() != axes.len() {
        return Err(Error::Value(format!(
            "sliding_window_view: {} window lengths for {} axes",
            window_shape.len(),
            axes.len()
        )));
    }
    let axes: Vec<usize> = axes.iter().map(|&a| resolve_axis(a, nd)).collect::<Result<_>>()?;
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "sliding_window_view".into() });
    }
    let shape = x.shape().to_vec();
    if axes.iter().collect::<std::collections::BTreeSet<_>>().len() != axes.len() {
        return Err(Error::Value(
            "sliding_window_view: an axis is named twice (NumPy allows it; ndchunk does not)".into(),
        ));
    }
    let mut win = vec![1usize; nd];
    for (&a, &w) in axes.iter().zip(window_shape) {
        if w == 0 || w > shape[a] {
            return Err(Error::Value(format!("window length {w} does not fit axis {a} of length {}", shape[a])));
        }
        win[a] = w;
    }
    // output blocks follow the input's blocks, the last ones shortened by w - 1
    let mut regions = Vec::with_capacity(nd);
    let mut out_chunks = Vec::with_capacity(nd + axes.len());
    for a in 0..nd {
        let offs = x.chunks().offsets(a);
        let w = win[a];
        let n_out = shape[a] + 1 - w;
        let (mut r, mut c) = (Vec::new(), Vec::new());
        for i in 0..offs.len() - 1 {
            let (s, e) = (offs[i], offs[i + 1].min(n_out));
            if s < e || (n_out == 0 && i == 0) {
                r.push((s, (e + w - 1).min(shape[a])));
                c.push(e.saturating_sub(s));
            }
        }
        regions.push(r);
        out_chunks.push(c);
    }
    for &w in window_shape {
        out_chunks.push(vec![w]);
    }
    let boxes = ChunkedArray::<T>::from_node(regions_node(&x.node, "windows", &regions)?);
    let window_axes = axes.clone();
    let opts =
        MapBlocksOptions { chunks: Some(out_chunks), new_axis: (nd..nd + axes.len()).collect(), ..Default::default() };
    map_blocks_with((&boxes,), &opts, move |(b,), info: &BlockInfo| {
        let out_shape = &info.chunk_shape;
        let mut out = Vec::with_capacity(out_shape.iter().product());
        for ix in ndarray::indices(IxDyn(out_shape)) {
            let mut src = ix.slice()[..nd].to_vec();
            for (k, &a) in window_axes.iter().enumerate() {
                src[a] += ix[nd + k];
            }
            out.push(b[IxDyn(&src)]);
        }
        ArrayD::from_shape_vec(IxDyn(out_shape), out).expect("one value per position")
    })
}
