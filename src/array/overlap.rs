//! Neighbourhoods: `overlap`, `trim_internal` and `map_overlap` (dask's `dask.array.overlap`).
//!
//! A stencil, a filter or a local extremum needs, at the edge of each block, elements of the
//! neighbouring blocks. `overlap` gives every block a halo of `depth` elements per axis taken
//! from its neighbours, and at the array's outer edges from a [`Boundary`] rule; the function
//! runs on each haloed block; `trim_internal` cuts the halos off again, so the result has the
//! input's chunks. `map_overlap` is the three in a row.
//!
//! How it is planned, and where it departs from dask:
//! - The boundary is a lazy [`pad`] of the whole array (`Reflect` is NumPy's `symmetric`, as in
//!   dask and `scipy.ndimage`'s default `reflect`; `Periodic` is `wrap`, `Nearest` is `edge`),
//!   then each haloed block is one box of the padded array (`regions_node`): a box inside one
//!   block is a zero-copy view, others are assembled from every block they touch. So a depth
//!   larger than the neighbouring blocks works without the rechunk dask needs (dask raises or
//!   rechunks when `depth` exceeds a chunk), and the halos are read from the blocks, not copied
//!   into separate halo tasks.
//! - `Boundary::None` adds no halo at the outer edges: the blocks there are smaller by `depth`
//!   on their outer side, and trimming leaves that side alone (dask's `boundary="none"`, its
//!   default since 2021).
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::Boundary;
//! use ndarray::{s, ArrayD};
//! // a 3-point moving sum, each block seeing one element of its neighbours
//! let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [4]).unwrap();
//! let y = x
//!     .map_overlap(1, Boundary::Constant(0.0), |b| {
//!         let n = b.len();
//!         let mut out = ArrayD::zeros(b.raw_dim());
//!         for i in 1..n - 1 {
//!             out[i] = b[i - 1] + b[i] + b[i + 1];
//!         }
//!         out
//!     })
//!     .unwrap();
//! let v = y.compute().unwrap();
//! assert_eq!(v.slice(s![..4]).to_vec(), vec![1.0, 3.0, 6.0, 9.0]);
//! assert_eq!(v[9], 17.0);
//! ```

use ndarray::{ArrayD, ArrayViewD};

use std::sync::Arc;

use crate::array::map_blocks::{map_blocks_nodes, BlockArgs, BlockElems, BlockInfo, MapBlocksOptions, ViewsOf};
use crate::array::pad::{pad, PadMode};
use crate::array::selection::unify_chunks;
use crate::array::ChunkedArray;
use crate::element::{Element, Number};
use crate::error::{Error, Result};
use crate::graph::Node;
use crate::ops::rechunk::regions_node;

/// What lies beyond the array's outer edges for the halos of the edge blocks (dask's
/// `boundary=`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary<T> {
    /// No halo at the outer edges (dask's `"none"`): edge blocks are smaller.
    None,
    /// The mirror image, repeating the edge element (dask's `"reflect"`, NumPy's `pad` mode
    /// `symmetric`, `scipy.ndimage`'s `reflect`).
    Reflect,
    /// The other end of the axis (dask's `"periodic"`, NumPy's `wrap`).
    Periodic,
    /// The edge element repeated (dask's `"nearest"`, NumPy's `edge`).
    Nearest,
    /// This value (dask's `boundary=value`).
    Constant(T),
}

/// Halo width per axis (dask's `depth=`): one number for every axis, one per axis, or
/// `(axis, depth)` pairs (dask's dict; axes not named get 0; negative axes count from the end).
#[derive(Clone, Debug, PartialEq)]
pub enum Depth {
    /// The same depth on every axis.
    All(usize),
    /// One depth per axis.
    PerAxis(Vec<usize>),
    /// Depths of the named axes.
    Axes(Vec<(isize, usize)>),
}

impl From<usize> for Depth {
    fn from(d: usize) -> Depth {
        Depth::All(d)
    }
}

impl From<Vec<usize>> for Depth {
    fn from(d: Vec<usize>) -> Depth {
        Depth::PerAxis(d)
    }
}

impl From<&[usize]> for Depth {
    fn from(d: &[usize]) -> Depth {
        Depth::PerAxis(d.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for Depth {
    fn from(d: [usize; N]) -> Depth {
        Depth::PerAxis(d.to_vec())
    }
}

impl From<&[(isize, usize)]> for Depth {
    fn from(d: &[(isize, usize)]) -> Depth {
        Depth::Axes(d.to_vec())
    }
}

impl<const N: usize> From<[(isize, usize); N]> for Depth {
    fn from(d: [(isize, usize); N]) -> Depth {
        Depth::Axes(d.to_vec())
    }
}

impl Depth {
    /// The depth of each of `ndim` axes, or an error naming a bad axis or count.
    pub fn per_axis(&self, ndim: usize) -> Result<Vec<usize>> {
        match self {
            Depth::All(d) => Ok(vec![*d; ndim]),
            Depth::PerAxis(v) if v.len() == ndim => Ok(v.clone()),
            Depth::PerAxis(v) => {
                Err(Error::Value(format!("depth has {} entries for an array of {ndim} dimensions", v.len())))
            }
            Depth::Axes(pairs) => {
                let mut out = vec![0; ndim];
                for &(axis, d) in pairs {
                    let a = crate::array::structure::resolve_axis(axis, ndim)?;
                    out[a] = d;
                }
                Ok(out)
            }
        }
    }
}

/// The `(before, after)` halo of every block, per axis.
pub(crate) type Halos = Vec<Vec<(usize, usize)>>;

impl Boundary<f64> {
    /// The same rule for element type `T` (a constant converted as `T::from_f64`).
    fn cast<T: Element>(self) -> Boundary<T> {
        match self {
            Boundary::None => Boundary::None,
            Boundary::Reflect => Boundary::Reflect,
            Boundary::Periodic => Boundary::Periodic,
            Boundary::Nearest => Boundary::Nearest,
            Boundary::Constant(v) => Boundary::Constant(T::from_f64(v)),
        }
    }
}

/// Element types whose arrays `map_overlap` can give halos to (numbers: the boundary rules
/// pad them).
pub trait OverlapElems: BlockElems {
    /// The haloed nodes of `nodes` (one shape and chunking) and the halos they received.
    fn overlap_nodes(nodes: &[Arc<Node>], depth: &[usize], boundary: Boundary<f64>) -> Result<(Vec<Arc<Node>>, Halos)>;
}

macro_rules! overlap_elems {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Number),+> OverlapElems for ($($name,)+) {
            fn overlap_nodes(nodes: &[Arc<Node>], depth: &[usize], boundary: Boundary<f64>) -> Result<(Vec<Arc<Node>>, Halos)> {
                let mut out = Vec::with_capacity(nodes.len());
                let mut halos: Vec<Halos> = Vec::with_capacity(nodes.len());
                $(
                    let (o, h) = ChunkedArray::<$name>::from_node(nodes[$idx].clone())
                        .overlap_with_halos(Depth::PerAxis(depth.to_vec()), boundary.cast::<$name>())?;
                    out.push(o.node);
                    halos.push(h);
                )+
                // one shape and chunking: every input received the same halos
                Ok((out, halos.swap_remove(0)))
            }
        }
    };
}

overlap_elems!(A 0);
overlap_elems!(A 0, B 1);
overlap_elems!(A 0, B 1, C 2);
overlap_elems!(A 0, B 1, C 2, D 3);

/// `map_overlap` over several arrays of one shape (dask's `da.map_overlap(f, a, b, ...)`):
/// the arrays are rechunked to common chunks, each gets the same halos (`boundary`'s constant
/// converted to each element type), `f` receives one haloed view per array and the block's
/// [`BlockInfo`] (in the haloed array), and the halos are trimmed off its result.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::{map_overlap, Boundary, BlockInfo};
/// let x = ndchunk::arange::<f64>(0.0, 8.0, 1.0, [3]).unwrap();
/// let w = ndchunk::ones::<i64>(&[8], [4]).unwrap();
/// // a weighted difference with the left neighbour
/// let d = map_overlap((&x, &w), 1, Boundary::Nearest, |(x, w), _: &BlockInfo| {
///     let mut o = x.to_owned();
///     for i in 1..x.len() {
///         o[i] = (x[i] - x[i - 1]) * w[i] as f64;
///     }
///     o
/// })
/// .unwrap();
/// assert_eq!(d.compute().unwrap().as_slice().unwrap(), &[0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
/// ```
pub fn map_overlap<I, U, F>(
    inputs: I,
    depth: impl Into<Depth>,
    boundary: Boundary<f64>,
    f: F,
) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    I::Elems: OverlapElems,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>, &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
{
    let nodes = inputs.nodes();
    let shape = nodes[0].meta().shape.clone();
    if let Some(n) = nodes.iter().find(|n| n.meta().shape != shape) {
        return Err(Error::Shape(format!(
            "map_overlap: arrays of shapes {shape:?} and {:?}: give arrays of one shape",
            n.meta().shape
        )));
    }
    let depth = depth.into().per_axis(shape.len())?;
    let nodes = unify_chunks(nodes)?;
    let (haloed, halos) = <I::Elems as OverlapElems>::overlap_nodes(&nodes, &depth, boundary)?;
    let mapped =
        map_blocks_nodes::<I::Elems, U, _>(haloed, &MapBlocksOptions::default(), move |v, info| Ok(f(v, info)))?;
    trim_halos(&mapped, &halos)
}

/// The `(before, after)` halo of block `i` of `n` blocks with depth `d`.
fn halo(i: usize, n: usize, d: usize, none: bool) -> (usize, usize) {
    let before = if none && i == 0 { 0 } else { d };
    let after = if none && i + 1 == n { 0 } else { d };
    (before, after)
}

impl<T: Number> ChunkedArray<T> {
    /// Every block with a halo of `depth` elements per axis from its neighbours, and from
    /// `boundary` at the outer edges (dask's `da.overlap.overlap`); block `i` along an axis
    /// grows from `c` to `c + 2 * depth` elements (less at the outer edges for
    /// `Boundary::None`). The result's shape is the sum of the grown blocks.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// use ndchunk::Boundary;
    /// let x = ndchunk::arange::<i64>(0, 6, 1, [3]).unwrap();
    /// let o = x.overlap(1, Boundary::Periodic).unwrap();
    /// assert_eq!(o.chunks().axis(0), &[5, 5]);
    /// assert_eq!(o.compute().unwrap().as_slice().unwrap(), &[5, 0, 1, 2, 3, 2, 3, 4, 5, 0]);
    /// ```
    pub fn overlap(&self, depth: impl Into<Depth>, boundary: Boundary<T>) -> Result<ChunkedArray<T>> {
        Ok(self.overlap_with_halos(depth.into(), boundary)?.0)
    }

    /// [`overlap`](Self::overlap) and the `(before, after)` halo each block received, per axis
    /// (with `Boundary::None`, a halo is cut short where the array ends within `depth`).
    fn overlap_with_halos(&self, depth: Depth, boundary: Boundary<T>) -> Result<(ChunkedArray<T>, Halos)> {
        let nd = self.ndim();
        let depth = depth.per_axis(nd)?;
        let chunks = self.chunks().clone();
        if !chunks.is_known() {
            return Err(Error::UnknownChunkSizes { op: "overlap".into() });
        }
        let shape = self.shape().to_vec();
        let none = matches!(boundary, Boundary::None);
        // Zero-length axes and depth 0 need no halo (NumPy's pad refuses non-constant modes on
        // an empty axis), and `Boundary::None` pads nothing.
        let pad_depth: Vec<usize> = (0..nd).map(|a| if shape[a] == 0 || none { 0 } else { depth[a] }).collect();
        let padded = match boundary {
            _ if pad_depth.iter().all(|&d| d == 0) => self.clone(),
            Boundary::None => self.clone(),
            Boundary::Reflect | Boundary::Periodic | Boundary::Nearest | Boundary::Constant(_) => {
                let mode = match boundary {
                    Boundary::Reflect => PadMode::Symmetric,
                    Boundary::Periodic => PadMode::Wrap,
                    Boundary::Nearest => PadMode::Edge,
                    Boundary::Constant(v) => PadMode::Constant(v),
                    Boundary::None => PadMode::Edge, // not reached: matched above
                };
                let widths: Vec<(usize, usize)> = pad_depth.iter().map(|&d| (d, d)).collect();
                pad(self, widths, mode)?
            }
        };
        let mut regions = Vec::with_capacity(nd);
        let mut halos = Vec::with_capacity(nd);
        for a in 0..nd {
            let offs = chunks.offsets(a);
            let nb = offs.len() - 1;
            let padded_len = shape[a] + 2 * pad_depth[a];
            let (mut r, mut h) = (Vec::with_capacity(nb), Vec::with_capacity(nb));
            for i in 0..nb {
                // box of block i in the padded array's coordinates, cut at its ends
                let (s, e) = (offs[i] + pad_depth[a], offs[i + 1] + pad_depth[a]);
                let (before, after) = if shape[a] == 0 { (0, 0) } else { halo(i, nb, depth[a], none) };
                let lo = s.saturating_sub(before);
                let hi = e.saturating_add(after).min(padded_len);
                r.push((lo, hi));
                h.push((s - lo, hi - e));
            }
            regions.push(r);
            halos.push(h);
        }
        Ok((ChunkedArray::from_node(regions_node(&padded.node, "overlap", &regions)?), halos))
    }

    /// `f` applied to every haloed block (see [`overlap`](Self::overlap)), the halos trimmed
    /// off the results: the result has `self`'s shape and chunks (dask's `map_overlap` with
    /// `trim=True`). `f` must return a block of its input's shape.
    pub fn map_overlap<U: Element, F>(
        &self,
        depth: impl Into<Depth>,
        boundary: Boundary<T>,
        f: F,
    ) -> Result<ChunkedArray<U>>
    where
        F: Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        self.map_overlap_with(depth, boundary, true, f)
    }

    /// [`map_overlap`](Self::map_overlap) with dask's `trim=` choice: `false` returns the
    /// haloed results as they are (the shape of [`overlap`](Self::overlap)'s result).
    pub fn map_overlap_with<U: Element, F>(
        &self,
        depth: impl Into<Depth>,
        boundary: Boundary<T>,
        trim: bool,
        f: F,
    ) -> Result<ChunkedArray<U>>
    where
        F: Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let (o, halos) = self.overlap_with_halos(depth.into(), boundary)?;
        let mapped = o.map_blocks(f)?;
        if !trim {
            return Ok(mapped);
        }
        trim_halos(&mapped, &halos)
    }
}

/// Cut `depth` elements off both sides of every block (dask's `trim_internal`), undoing
/// [`ChunkedArray::overlap`]; with `boundary_none`, the outer sides of the edge blocks are
/// left alone, as `Boundary::None` added nothing there (a halo that `overlap` cut short because
/// the array ends within `depth` is not known here: `map_overlap` trims those exactly). A block
/// shorter than what is cut is an `Error::Chunks`.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::Boundary;
/// let x = ndchunk::arange::<i64>(0, 7, 1, [3]).unwrap();
/// let o = x.overlap(2, Boundary::Nearest).unwrap();
/// let back = ndchunk::trim_internal(&o, 2, false).unwrap();
/// assert_eq!(back.chunks(), x.chunks());
/// assert_eq!(back.compute().unwrap(), x.compute().unwrap());
/// ```
pub fn trim_internal<T: Element>(
    x: &ChunkedArray<T>,
    depth: impl Into<Depth>,
    boundary_none: bool,
) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    let depth = depth.into().per_axis(nd)?;
    let chunks = x.chunks().clone();
    if !chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "trim_internal".into() });
    }
    let halos: Vec<Vec<(usize, usize)>> = (0..nd)
        .map(|a| {
            let lens = chunks.axis(a);
            let nb = lens.len();
            lens.iter()
                .enumerate()
                .map(|(i, &len)| if len == 0 { (0, 0) } else { halo(i, nb, depth[a], boundary_none) })
                .collect()
        })
        .collect();
    trim_halos(x, &halos)
}

/// Each block of `x` without its `(before, after)` halo, per axis.
fn trim_halos<T: Element>(x: &ChunkedArray<T>, halos: &[Vec<(usize, usize)>]) -> Result<ChunkedArray<T>> {
    let chunks = x.chunks().clone();
    if !chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "trim_internal".into() });
    }
    let mut regions = Vec::with_capacity(halos.len());
    for (a, h) in halos.iter().enumerate() {
        let offs = chunks.offsets(a);
        let mut r = Vec::with_capacity(h.len());
        for (i, &(before, after)) in h.iter().enumerate() {
            let len = offs[i + 1] - offs[i];
            if before + after > len {
                return Err(Error::Chunks(format!(
                    "trim_internal: block {i} of axis {a} has {len} elements, fewer than the {} to trim",
                    before + after
                )));
            }
            r.push((offs[i] + before, offs[i + 1] - after));
        }
        regions.push(r);
    }
    Ok(ChunkedArray::from_node(regions_node(&x.node, "trim", &regions)?))
}
