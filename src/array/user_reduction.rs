//! User-defined tree reductions: `ndchunk::reduction(x, chunk, combine, aggregate, ..)`, dask's
//! `da.reduction`.
//!
//! The three functions work on whole blocks, with the reduced axes kept (length 1 after
//! `chunk`), as dask calls them with `keepdims=True`:
//!
//! ```text
//! blocks ──chunk──▶ partials (1 along the reduced axes) ──combine, k at a time──▶ … ──aggregate──▶ result
//! ```
//!
//! Each combine level is a rechunk that joins up to `split_every` neighbouring partials along
//! the reduced axes into one block (fan-in split evenly over the axes, as dask does) and a
//! per-block `combine`; the last level joins the rest and `aggregate`s. So the memory of a step
//! is `split_every` partials, whatever the number of blocks, and the partials may be any
//! element type (a sum and a count in two columns, say).
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndarray::{ArrayD, ArrayViewD, Axis};
//! // a mean as dask writes it: partial sums and counts in a trailing axis of 2
//! let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [3]).unwrap();
//! let chunk = |b: ArrayViewD<'_, f64>, _: &[usize]| ArrayD::from_shape_vec(vec![1, 2], vec![b.sum(), b.len() as f64]).unwrap();
//! let combine = |p: ArrayViewD<'_, f64>, _: &[usize]| p.sum_axis(Axis(0)).insert_axis(Axis(0));
//! let aggregate = |p: ArrayViewD<'_, f64>, _: &[usize]| {
//!     let s = p.sum_axis(Axis(0));
//!     ArrayD::from_elem(vec![1], s[0] / s[1])
//! };
//! let opts = ndchunk::ReductionOptions { partial_shape: Some(vec![1, 2]), ..Default::default() };
//! let m = ndchunk::reduction(&x, 0, &opts, chunk, combine, aggregate).unwrap();
//! assert_eq!(m.compute().unwrap()[[]], 4.5); // 0-d, as NumPy's mean of a 1-d array
//! ```

use ndarray::{ArrayD, ArrayViewD};

use crate::array::axes::Axes;
use crate::array::map_blocks::{map_blocks_with, BlockInfo, MapBlocksOptions};
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};

/// Options of [`reduction`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReductionOptions {
    /// Keep the reduced axes with length 1 (NumPy's `keepdims`).
    pub keepdims: bool,
    /// Partials joined per combine step (default 4, as dask's).
    pub split_every: Option<usize>,
    /// Shape of one block's partial when it is not the block's shape with the reduced axes of
    /// length 1: `chunk` may add trailing axes (a sum and a count). Its leading axes must be
    /// the input's, with 1 along the reduced axes and the block's length elsewhere; `None`
    /// (the default) means no extra axes.
    pub partial_shape: Option<Vec<usize>>,
}

/// A tree reduction of `x` over `axis` with user functions (dask's `da.reduction`): `chunk`
/// maps each block to its partial (reduced axes of length 1), `combine` merges partials joined
/// along the reduced axes, `aggregate` turns the joined last partials into the result block
/// (reduced axes of length 1, dropped unless `keepdims`). Each function also receives the
/// reduced axes. A function returning another shape than described is an `Error::Shape` at
/// compute time.
pub fn reduction<T, A, U, C, M, G>(
    x: &ChunkedArray<T>,
    axis: impl Into<Axes>,
    opts: &ReductionOptions,
    chunk: C,
    combine: M,
    aggregate: G,
) -> Result<ChunkedArray<U>>
where
    T: Element,
    A: Element,
    U: Element,
    C: Fn(ArrayViewD<'_, T>, &[usize]) -> ArrayD<A> + Send + Sync + 'static,
    M: Fn(ArrayViewD<'_, A>, &[usize]) -> ArrayD<A> + Send + Sync + 'static,
    G: Fn(ArrayViewD<'_, A>, &[usize]) -> ArrayD<U> + Send + Sync + 'static,
{
    let nd = x.ndim();
    let axes = axis.into().resolve(nd)?;
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "reduction".into() });
    }
    let extra: Vec<usize> = match &opts.partial_shape {
        None => Vec::new(),
        Some(s) if s.len() >= nd => s[nd..].to_vec(),
        Some(s) => {
            return Err(Error::Shape(format!("reduction: partial shape {s:?} has fewer axes than the input's {nd}")));
        }
    };
    let k = opts.split_every.unwrap_or(4).max(2);
    // fan-in per reduced axis: k^(1/axes), at least 2
    let per_axis = if axes.is_empty() { k } else { ((k as f64).powf(1.0 / axes.len() as f64).floor() as usize).max(2) };
    let ax = axes.clone();
    let mut chunks: Vec<Vec<usize>> = x.chunks().as_slices().to_vec();
    for &a in &axes {
        chunks[a] = vec![1; chunks[a].len()];
    }
    chunks.extend(extra.iter().map(|&n| vec![n]));
    let new_axis: Vec<usize> = (nd..nd + extra.len()).collect();
    let o = MapBlocksOptions { chunks: Some(chunks), new_axis, ..Default::default() };
    let mut p = map_blocks_with((x,), &o, move |(b,), _: &BlockInfo| chunk(b, &ax))?;
    let combine = std::sync::Arc::new(combine);
    // combine levels until every reduced axis has at most `per_axis` partials
    while axes.iter().any(|&a| p.chunks().axis(a).len() > per_axis) {
        let mut grouped: Vec<Vec<usize>> = p.chunks().as_slices().to_vec();
        for &a in &axes {
            grouped[a] = group(p.chunks().axis(a).len(), per_axis);
        }
        let joined = p.rechunk(Chunks::explicit(grouped.clone()))?;
        let mut out: Vec<Vec<usize>> = grouped;
        for &a in &axes {
            out[a] = vec![1; out[a].len()];
        }
        let o = MapBlocksOptions { chunks: Some(out), ..Default::default() };
        let (ax, f) = (axes.clone(), combine.clone());
        p = map_blocks_with((&joined,), &o, move |(b,), _: &BlockInfo| f(b, &ax))?;
    }
    // aggregate: one block along every reduced axis, the extra axes dropped by `aggregate`
    let mut last: Vec<Vec<usize>> = p.chunks().as_slices().to_vec();
    for &a in &axes {
        last[a] = vec![p.shape()[a]];
    }
    let joined = p.rechunk(Chunks::explicit(last))?;
    let mut out: Vec<Vec<usize>> = x.chunks().as_slices().to_vec();
    for &a in &axes {
        out[a] = vec![1];
    }
    let drop_axis: Vec<isize> = (nd..nd + extra.len()).map(|a| a as isize).collect();
    let o = MapBlocksOptions { chunks: Some(out), drop_axis, ..Default::default() };
    let ax = axes.clone();
    let r = map_blocks_with((&joined,), &o, move |(b,), _: &BlockInfo| aggregate(b, &ax))?;
    if opts.keepdims || axes.is_empty() {
        return Ok(r);
    }
    let squeeze: Vec<isize> = axes.iter().map(|&a| a as isize).collect();
    r.squeeze(Some(&squeeze))
}

/// A blocked scan with user functions (dask's `da.reductions.cumreduction(func, binop, ident,
/// x, axis)`): `func(block, axis)` scans one block along `axis` (e.g. a running sum), `binop`
/// combines a carry with an element (`+`), `ident` is its identity (`0`). Block `i` is
/// `binop(carry_i, func(x_i))` with `carry_i` the fold of the last slices of the blocks before
/// it, so the scans of the blocks run in parallel and only the carries are sequential. `func`
/// must keep the block's shape (`Error::Shape` when computed otherwise).
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::arange::<i64>(1, 8, 1, [3]).unwrap();
/// // a running maximum of x * (-1)^x
/// let y = x.mapv(|v| if v % 2 == 0 { v } else { -v });
/// let scan = |b: ndarray::ArrayViewD<'_, i64>, ax: usize| {
///     let mut o = b.to_owned();
///     o.accumulate_axis_inplace(ndarray::Axis(ax), |&p, c| *c = (*c).max(p));
///     o
/// };
/// let m = ndchunk::cumreduction(&y, 0, scan, |a: i64, b: i64| a.max(b), i64::MIN).unwrap();
/// assert_eq!(m.compute().unwrap().as_slice().unwrap(), &[-1, 2, 2, 4, 4, 6, 6]);
/// ```
pub fn cumreduction<T, F, B>(x: &ChunkedArray<T>, axis: isize, func: F, binop: B, ident: T) -> Result<ChunkedArray<T>>
where
    T: Element,
    F: Fn(ArrayViewD<'_, T>, usize) -> ArrayD<T> + Send + Sync + 'static,
    B: Fn(T, T) -> T + Send + Sync + 'static,
{
    let a = crate::array::structure::resolve_axis(axis, x.ndim())?;
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "cumreduction".into() });
    }
    let scanned = x.map_blocks(move |b| func(b, a))?;
    let node = crate::ops::scan::scan_with_carries(&scanned.node, a, std::sync::Arc::new(binop), ident);
    Ok(ChunkedArray::from_node(node))
}

/// `n` blocks of length 1 joined `k` at a time.
fn group(n: usize, k: usize) -> Vec<usize> {
    let mut v = vec![k; n / k];
    if !n.is_multiple_of(k) {
        v.push(n % k);
    }
    v
}
