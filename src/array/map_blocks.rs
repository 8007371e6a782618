//! User-defined block functions over several arrays: `ndchunk::map_blocks` (dask's
//! `da.map_blocks` with several arrays, `block_id`/`block_info`, `drop_axis`, `new_axis`,
//! `chunks=`).
//!
//! The inputs, of any element types, are aligned as dask aligns them: shapes broadcast from the
//! right as in NumPy, and along every axis where two inputs have the full length their chunks
//! are unified (rechunked to the common refinement). An input of length 1 along an axis (or
//! without the axis) hands its one block to every output block there, unbroadcast, as dask does.
//! The function receives one view per input and a [`BlockInfo`] (the block's position and
//! element ranges in the output and in each input) and returns the output block.
//!
//! `drop_axis` names axes the function reduces away: the inputs are first made one block along
//! them (dask concatenates the blocks there), so the function sees whole lanes. `new_axis`
//! inserts output axes (one block each, length 1 unless `chunks` says otherwise). A block of
//! another shape than declared is an `Error::Shape` at compute time.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::{map_blocks, BlockInfo};
//! let a = ndchunk::arange::<i64>(0, 6, 1, [4]).unwrap();
//! let b = ChunkedArray::from_array(ndarray::arr1(&[0.5; 6]), [3]).unwrap();
//! // a * b + the block's offset in the output
//! let y = map_blocks((&a, &b), |(x, w), info: &BlockInfo| {
//!     let off = info.location[0].start as f64;
//!     ndarray::Zip::from(&x).and(&w).map_collect(|&x, &w| x as f64 * w + off)
//! })
//! .unwrap();
//! assert_eq!(y.chunks().axis(0), &[3, 1, 2]); // the common refinement of [4, 2] and [3, 3]
//! assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[0.0, 0.5, 1.0, 4.5, 6.0, 6.5]);
//! ```

use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD};

use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// Where a block lies (dask's `block_id` and `block_info`).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockInfo {
    /// Grid position of the output block (dask's `block_id`).
    pub block_id: Vec<usize>,
    /// Blocks per axis of the output.
    pub num_blocks: Vec<usize>,
    /// Element ranges of the output block in the output array (dask's `array-location`).
    pub location: Vec<Range<usize>>,
    /// Shape of the output array.
    pub shape: Vec<usize>,
    /// Shape the output block must have (dask's `chunk-shape`).
    pub chunk_shape: Vec<usize>,
    /// The same for each input's block, in argument order.
    pub inputs: Vec<InputBlockInfo>,
}

/// Where an input's block lies in its array.
#[derive(Clone, Debug, PartialEq)]
pub struct InputBlockInfo {
    /// Grid position of the block in the (aligned) input.
    pub block_id: Vec<usize>,
    /// Blocks per axis of the (aligned) input.
    pub num_blocks: Vec<usize>,
    /// Element ranges of the block in the input array.
    pub location: Vec<Range<usize>>,
    /// Shape of the input array.
    pub shape: Vec<usize>,
}

/// Options of [`map_blocks_with`] (dask's keyword arguments of `map_blocks`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapBlocksOptions {
    /// Output block lengths per output axis (dask's `chunks=`); default: the aligned inputs'
    /// chunks without the dropped axes, with length-1 new axes.
    pub chunks: Option<Vec<Vec<usize>>>,
    /// Axes of the aligned inputs that the function removes (negative from the end).
    pub drop_axis: Vec<isize>,
    /// Positions of new axes in the output.
    pub new_axis: Vec<usize>,
}

/// A tuple of up to four `&ChunkedArray`s of any element types: the inputs of [`map_blocks`].
pub trait BlockArgs {
    /// The element types, as a tuple (`(A, B)` for `(&ChunkedArray<A>, &ChunkedArray<B>)`).
    type Elems: BlockElems;
    /// The inputs' graph nodes, in order.
    fn nodes(&self) -> Vec<Arc<Node>>;
}

/// A tuple of element types, and how one block of each is viewed.
pub trait BlockElems: 'static {
    /// The blocks as the function receives them: a tuple of `ArrayViewD`s.
    type Views<'a>;
    /// The typed views of one block of each input.
    fn views(blocks: &[Block]) -> Result<Self::Views<'_>>;
    /// Each view with its first `pos.len()` axes indexed at `pos` (the core of a gufunc call).
    fn at<'a>(v: &Self::Views<'a>, pos: &[usize]) -> Self::Views<'a>;
    /// Each node broadcast (NumPy's rules) to its shape in `shapes`.
    fn broadcast(nodes: &[Arc<Node>], shapes: &[Vec<usize>]) -> Result<Vec<Arc<Node>>>;
}

/// `v` with its first `pos.len()` axes indexed at `pos`.
fn index_leading<'a, T>(v: &ArrayViewD<'a, T>, pos: &[usize]) -> ArrayViewD<'a, T> {
    let mut v = v.clone();
    for &p in pos {
        v = v.index_axis_move(ndarray::Axis(0), p);
    }
    v
}

/// The views a [`map_blocks`] function receives for inputs `I`.
pub type ViewsOf<'a, I> = <<I as BlockArgs>::Elems as BlockElems>::Views<'a>;

macro_rules! block_args {
    ($($name:ident $idx:tt),+) => {
        impl<'x, $($name: Element),+> BlockArgs for ($(&'x ChunkedArray<$name>,)+) {
            type Elems = ($($name,)+);
            fn nodes(&self) -> Vec<Arc<Node>> {
                vec![$(self.$idx.node.clone()),+]
            }
        }
        impl<$($name: Element),+> BlockElems for ($($name,)+) {
            type Views<'a> = ($(ArrayViewD<'a, $name>,)+);
            fn views(blocks: &[Block]) -> Result<Self::Views<'_>> {
                Ok(($(as_array::<$name>(&blocks[$idx])?.view(),)+))
            }
            fn at<'a>(v: &Self::Views<'a>, pos: &[usize]) -> Self::Views<'a> {
                ($(index_leading(&v.$idx, pos),)+)
            }
            fn broadcast(nodes: &[Arc<Node>], shapes: &[Vec<usize>]) -> Result<Vec<Arc<Node>>> {
                Ok(vec![$(ChunkedArray::<$name>::from_node(nodes[$idx].clone()).broadcast_to(&shapes[$idx])?.node),+])
            }
        }
    };
}

block_args!(A 0);
block_args!(A 0, B 1);
block_args!(A 0, B 1, C 2);
block_args!(A 0, B 1, C 2, D 3);

/// `f` applied to the aligned blocks of `inputs` (see the module docs); the result has the
/// aligned inputs' chunks.
pub fn map_blocks<I, U, F>(inputs: I, f: F) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>, &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
{
    map_blocks_with(inputs, &MapBlocksOptions::default(), f)
}

/// [`map_blocks`] with declared output chunks, dropped and new axes.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::{map_blocks_with, MapBlocksOptions};
/// let x = ndchunk::ones::<f64>(&[4, 6], [2, 3]).unwrap();
/// // row sums: axis 1 is dropped, so each call sees whole rows
/// let opts = MapBlocksOptions { drop_axis: vec![1], ..Default::default() };
/// let s = map_blocks_with((&x,), &opts, |(b,), _| b.sum_axis(ndarray::Axis(1))).unwrap();
/// assert_eq!(s.chunks().axis(0), &[2, 2]);
/// assert_eq!(s.compute().unwrap().as_slice().unwrap(), &[6.0; 4]);
/// ```
pub fn map_blocks_with<I, U, F>(inputs: I, opts: &MapBlocksOptions, f: F) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>, &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
{
    try_map_blocks_with(inputs, opts, move |v, info| Ok(f(v, info)))
}

/// [`map_blocks_with`] for a fallible function: its `Err` is the task's error.
pub(crate) fn try_map_blocks_with<I, U, F>(inputs: I, opts: &MapBlocksOptions, f: F) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    map_blocks_nodes::<I::Elems, U, F>(inputs.nodes(), opts, f)
}

/// [`try_map_blocks_with`] on graph nodes whose element types are `E`.
pub(crate) fn map_blocks_nodes<E, U, F>(nodes: Vec<Arc<Node>>, opts: &MapBlocksOptions, f: F) -> Result<ChunkedArray<U>>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let nd = nodes.iter().map(|n| n.meta().shape.len()).max().unwrap_or(0);
    // aligned (right-aligned, broadcast) length of every axis
    let mut length = vec![1usize; nd];
    for n in &nodes {
        let s = &n.meta().shape;
        for (k, &len) in s.iter().enumerate() {
            let a = nd - s.len() + k;
            if len != 1 {
                if length[a] != 1 && length[a] != len {
                    return Err(Error::Broadcast { a: length.clone(), b: s.clone() });
                }
                length[a] = len;
            }
        }
    }
    let mut drop: Vec<usize> = opts.drop_axis.iter().map(|&a| resolve_axis(a, nd)).collect::<Result<_>>()?;
    drop.sort_unstable();
    drop.dedup();
    // chunks along each aligned axis: the refinement of the full-length inputs' chunks, one
    // block along dropped axes
    let full = |n: &Node, a: usize| {
        let s = &n.meta().shape;
        a >= nd - s.len() && s[a - (nd - s.len())] == length[a]
    };
    let mut axis_chunks = Vec::with_capacity(nd);
    for (a, &len) in length.iter().enumerate() {
        let own: Vec<&[usize]> = nodes
            .iter()
            .filter(|n| full(n, a))
            .map(|n| {
                let s = &n.meta().shape;
                n.meta().chunks.axis(a - (nd - s.len()))
            })
            .collect();
        if drop.contains(&a) || own.is_empty() {
            axis_chunks.push(vec![len]);
        } else if own.iter().any(|c| c.contains(&crate::chunks::UNKNOWN)) {
            if own.windows(2).any(|w| w[0] != w[1]) {
                return Err(Error::UnknownChunkSizes { op: "map_blocks of differently chunked arrays".into() });
            }
            axis_chunks.push(own[0].to_vec());
        } else {
            axis_chunks.push(refine(&own));
        }
    }
    let mut aligned = Vec::with_capacity(nodes.len());
    for n in &nodes {
        let s = &n.meta().shape;
        let off = nd - s.len();
        let want = Chunks::explicit(
            (0..s.len()).map(|k| if full(n, k + off) { axis_chunks[k + off].clone() } else { vec![s[k]] }).collect(),
        );
        aligned.push(if want == n.meta().chunks { n.clone() } else { rechunk_node(n, want)? });
    }
    // output axes: aligned axes without the dropped ones, new axes inserted
    let kept: Vec<usize> = (0..nd).filter(|a| !drop.contains(a)).collect();
    let out_nd = kept.len() + opts.new_axis.len();
    let mut new_axis = opts.new_axis.clone();
    new_axis.sort_unstable();
    if new_axis.windows(2).any(|w| w[0] == w[1]) || new_axis.iter().any(|&a| a >= out_nd) {
        return Err(Error::Axis { axis: new_axis.last().map_or(0, |&a| a as isize), ndim: out_nd });
    }
    // for each output axis: `Some(aligned axis)` or `None` (a new axis)
    let mut source = Vec::with_capacity(out_nd);
    let mut it = kept.iter();
    for a in 0..out_nd {
        source.push(if new_axis.contains(&a) { None } else { it.next().copied() });
    }
    let default: Vec<Vec<usize>> = source.iter().map(|s| s.map_or(vec![1], |a| axis_chunks[a].clone())).collect();
    let out_chunks = match &opts.chunks {
        None => default,
        Some(c) => {
            let ok = c.len() == out_nd && c.iter().zip(&default).all(|(c, d)| c.len() == d.len());
            if !ok {
                return Err(Error::Chunks(format!(
                    "map_blocks: declared chunks {c:?} do not have the aligned inputs' {:?} blocks per axis",
                    default.iter().map(Vec::len).collect::<Vec<_>>()
                )));
            }
            c.clone()
        }
    };
    let chunks = Chunks::checked(out_chunks)?;
    let shape = chunks.shape();
    let op = MapBlocksN::<E, U, F> { f, source, nd, _t: PhantomData };
    Ok(ChunkedArray::from_node(Node::array::<U>("map_blocks", aligned, shape, chunks, op)))
}

struct MapBlocksN<I, U, F> {
    f: F,
    /// For each output axis, the aligned axis it comes from (`None`: a new axis).
    source: Vec<Option<usize>>,
    /// Number of aligned axes.
    nd: usize,
    _t: PhantomData<fn(I) -> U>,
}

impl<I, U, F> MapBlocksN<I, U, F> {
    /// The aligned block position of output block `b` (dropped axes: block 0).
    fn aligned(&self, b: &[usize]) -> Vec<usize> {
        let mut pos = vec![0; self.nd];
        for (s, &i) in self.source.iter().zip(b) {
            if let Some(a) = s {
                pos[*a] = i;
            }
        }
        pos
    }

    /// Block of `input` at aligned position `pos` (broadcast axes: block 0).
    fn input_block(&self, input: &Node, pos: &[usize]) -> Vec<usize> {
        let nd_in = input.grid.len();
        (0..nd_in).map(|k| if input.grid[k] == 1 { 0 } else { pos[self.nd - nd_in + k] }).collect()
    }
}

fn location(chunks: &Chunks, b: &[usize]) -> Vec<Range<usize>> {
    if chunks.is_known() {
        chunks.block_ranges(b)
    } else {
        b.iter().map(|_| 0..0).collect()
    }
}

impl<E, U, F> Op for MapBlocksN<E, U, F>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>, &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let pos = self.aligned(b);
        for (i, inp) in node.inputs.iter().enumerate() {
            out.push(Dep { input: i as u32, block: ravel(&inp.grid, &self.input_block(inp, &pos)) });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let meta = node.meta();
        let pos = self.aligned(b);
        let info = BlockInfo {
            block_id: b.to_vec(),
            num_blocks: node.grid.clone(),
            location: location(&meta.chunks, b),
            shape: meta.shape.clone(),
            chunk_shape: if meta.chunks.is_known() { meta.chunks.block_shape(b) } else { Vec::new() },
            inputs: node
                .inputs
                .iter()
                .map(|inp| {
                    let ib = self.input_block(inp, &pos);
                    InputBlockInfo {
                        location: location(&inp.meta().chunks, &ib),
                        block_id: ib,
                        num_blocks: inp.grid.clone(),
                        shape: inp.meta().shape.clone(),
                    }
                })
                .collect(),
        };
        let y = (self.f)(E::views(inputs)?, &info)?;
        if meta.chunks.is_known() && y.shape() != info.chunk_shape.as_slice() {
            return Err(Error::Shape(format!(
                "map_blocks function returned a block of shape {:?} where {:?} was declared",
                y.shape(),
                info.chunk_shape
            )));
        }
        Ok(Arc::new(y.into_shared()))
    }
}
