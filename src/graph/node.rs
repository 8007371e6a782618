//! Expression nodes: the lazy graph a `ChunkedArray` stands for.
//!
//! A [`Node`] is one operation over a grid of blocks (one layer, in dask's terms). It knows
//! its inputs, its grid, and — for array-valued nodes — shape, chunks and dtype. What a node
//! computes is its [`Op`]: for each block of the grid, which input blocks it needs (`deps`) and
//! how to turn them into its block (`run`). Operations are planners that only implement `Op`;
//! lowering, optimisation and scheduling are generic over it, so new operations never touch the
//! scheduler.
//!
//! Blocks are type-erased ([`Block`]) because one graph mixes element types and intermediate
//! values (partial moments of a variance, say). Array blocks are `ArcArray<T, IxDyn>`: cloning
//! is a reference-count increment and slicing or transposing one is free, so zero-copy views of
//! a source array, transposes and rechunk splits cost no memory traffic.

use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ndarray::{ArcArray, ArrayD, IxDyn};

use crate::chunks::Chunks;
use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::graph::window::OutWindow;

/// A computed block: an array block or an intermediate value.
pub type Block = Arc<dyn BlockData>;

/// What a block must tell the scheduler: its size, for the memory cap.
pub trait BlockData: Any + Send + Sync {
    /// Bytes held (an estimate for composite values).
    fn nbytes(&self) -> usize;
    /// The shape, for array blocks.
    fn array_shape(&self) -> Option<&[usize]> {
        None
    }
}

/// An array block.
pub type ArrayBlock<T> = ArcArray<T, IxDyn>;

impl<T: Element> BlockData for ArcArray<T, IxDyn> {
    fn nbytes(&self) -> usize {
        self.len() * std::mem::size_of::<T>()
    }
    fn array_shape(&self) -> Option<&[usize]> {
        Some(self.shape())
    }
}

/// An intermediate value stored as a block (reduction partials and the like).
pub struct Value<V>(pub V);

impl<V: Send + Sync + 'static> BlockData for Value<ArrayD<V>> {
    fn nbytes(&self) -> usize {
        self.0.len() * std::mem::size_of::<V>()
    }
}

/// Downcast a block to an array block of `T`.
pub fn as_array<T: Element>(b: &Block) -> Result<&ArrayBlock<T>> {
    (b.as_ref() as &dyn Any)
        .downcast_ref::<ArrayBlock<T>>()
        .ok_or_else(|| Error::DType(format!("internal: block is not an array of {}", T::DTYPE)))
}

/// Downcast a block to an intermediate value.
pub fn as_value<V: Send + Sync + 'static>(b: &Block) -> Result<&V>
where
    Value<V>: BlockData,
{
    (b.as_ref() as &dyn Any)
        .downcast_ref::<Value<V>>()
        .map(|v| &v.0)
        .ok_or_else(|| Error::DType("internal: block holds an unexpected value type".into()))
}

/// Shape, chunks and dtype of an array-valued node.
#[derive(Clone, Debug)]
pub struct ArrayMeta {
    pub shape: Vec<usize>,
    pub chunks: Chunks,
    pub dtype: DType,
}

/// `Dep::input` value meaning "an earlier block of this same node" (sequential scans such as
/// the carries of `cumsum`). Ops must only point at blocks that do not depend on the asking
/// block.
pub const SELF_INPUT: u32 = u32::MAX;

/// A dependency of a block: input slot and flat block index in that input's grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dep {
    pub input: u32,
    pub block: usize,
}

/// An operation over a block grid.
pub trait Op: Any + Send + Sync + 'static {
    /// The input blocks block `block` (multi-index into the node's grid) needs, in the order
    /// `run` receives them.
    fn deps(&self, node: &Node, block: &[usize], out: &mut Vec<Dep>);

    /// Compute block `block` from its inputs.
    fn run(&self, node: &Node, block: &[usize], inputs: &[Block]) -> Result<Block>;

    /// Like `run`, owning the inputs: a block whose last consumer this is arrives with a
    /// reference count of 1, so ops that accumulate can update it in place
    /// (`Arc::get_mut`). The scheduler calls this; the default delegates to `run`.
    fn run_owned(&self, node: &Node, block: &[usize], inputs: Vec<Block>) -> Result<Block> {
        self.run(node, block, &inputs)
    }

    /// Compute block `block` straight into `dst`, its window of `compute()`'s result, when the
    /// operation can write its output in place (saving the block's own allocation and the copy
    /// into the result). `None` (the default): it cannot, and the block is computed by `run`
    /// and copied.
    fn run_into(&self, _node: &Node, _block: &[usize], _inputs: &[Block], _dst: &mut OutWindow) -> Option<Result<()>> {
        None
    }

    /// Whether [`Op::run_into`] writes this op's blocks in place (into windows in standard
    /// layout at least), so that a window costs no copy. `persist` gives the blocks of such ops
    /// their own allocations up front, advised onto huge pages as NumPy's arrays are
    /// (`array::persist`). `false` (the default): blocks are computed by `run`.
    fn writes_in_place(&self) -> bool {
        false
    }

    /// A structural key of the operation's parameters: two nodes with equal keys, grids and
    /// inputs compute the same thing and are merged (shared subexpressions). `None` (the
    /// default) merges only identical nodes.
    fn key(&self) -> Option<String> {
        None
    }

    /// For elementwise operations (and sources that can produce their blocks tile by tile),
    /// the tile-fusion interface.
    fn elementwise(&self) -> Option<&dyn crate::ops::elementwise::Elementwise> {
        None
    }

    /// For operations that can reduce their (single) input tile by tile, so that an
    /// elementwise input is never materialised.
    fn tile_consumer(&self) -> Option<&dyn TileConsumer> {
        None
    }

    /// For value nodes (not array blocks): how their blocks cross between MPI ranks. `None`
    /// (the default) keeps them on the ranks that consume them (`crate::distributed`).
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        None
    }

    /// For tasks that must run on one rank: sources whose blocks live there (a distributed
    /// `persist`), or writers of a file that one rank writes (HDF5): the rank of block `block`
    /// (flat index), where the planner runs its task. A pinned task with inputs is never fused
    /// with its producers (they run where the planner puts them, and their blocks are sent).
    #[cfg(feature = "mpi")]
    fn home(&self, _block: usize) -> Option<u32> {
        None
    }

    /// Whether a block of this op costs about as much to compute again as to receive: sources
    /// that every rank can produce without I/O (generators, in-memory arrays), elementwise
    /// maps, views. A chain of such ops is run on every rank that consumes its blocks in full
    /// (see [`Op::reads_whole_blocks`]) instead of being sent there a round later
    /// (`crate::distributed`). `false` (the default) for everything else, file reads included.
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        false
    }

    /// Whether this op reads each of its input blocks in full (elementwise maps, views,
    /// block products, reductions' partials), so that recomputing a cheap input where this op
    /// runs costs no more than receiving it. `false` (the default): it may read a part only
    /// (rechunk, slicing), and its inputs are sent rather than recomputed.
    #[cfg(feature = "mpi")]
    fn reads_whole_blocks(&self) -> bool {
        false
    }
}

/// An operation that consumes its single input's block as a stream of tiles.
pub trait TileConsumer: Send + Sync {
    /// Whether this node can take its input as tiles (e.g. a reduction over trailing axes).
    fn accepts_tiles(&self, node: &Node) -> bool;
    /// A sink for block `block` whose input block has `shape`: a `Box<Box<dyn TileSink<In>>>`
    /// for the input's element type `In`.
    fn sink(&self, node: &Node, block: &[usize], shape: &[usize]) -> Result<Box<dyn Any>>;
}

/// Receives an input block tile by tile (consecutive C-order pieces) and produces a block.
pub trait TileSink<T> {
    /// Elements `start .. start + tile.len()` of the input block.
    fn push(&mut self, start: usize, tile: &[T]);
    /// The block, once every tile was pushed.
    fn finish(self: Box<Self>) -> Result<Block>;
}

/// Builds a tile reader of an array block, typed by the node that produced it; used when an
/// elementwise node reads this node's blocks (`block`, broadcast to `shape`).
pub type LeafFn = fn(&Block, &[usize]) -> Result<Box<dyn Any>>;

/// One layer of the lazy graph.
pub struct Node {
    /// Unique id (also the identity used by culling and sharing).
    pub id: u64,
    /// Operation name shown in task keys, reprs and graph pictures.
    pub name: Cow<'static, str>,
    /// Blocks along each axis.
    pub grid: Vec<usize>,
    /// Inputs, referred to by slot in `Dep::input`.
    pub inputs: Vec<Arc<Node>>,
    /// What the node computes.
    pub op: Box<dyn Op>,
    /// Present for array-valued nodes.
    pub meta: Option<ArrayMeta>,
    /// Tile reader of this node's blocks (array nodes).
    pub leaf: Option<LeafFn>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Drop for Node {
    /// Drops the graph below this node with an explicit stack: the default drop glue recurses
    /// once per layer, and an iterative code's million-step chain of `y = &y + 1.0` would
    /// overflow the thread's stack. A node shared elsewhere (reference count above one) only
    /// loses a reference; `Arc::into_inner` guarantees exactly one owner takes its inputs.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.inputs);
        while let Some(n) = stack.pop() {
            if let Some(mut inner) = Arc::into_inner(n) {
                stack.append(&mut inner.inputs);
                // `inner` is dropped here with no inputs left: no recursion
            }
        }
    }
}

impl Node {
    /// An array-valued node of element type `T`.
    pub fn array<T: Element>(
        name: impl Into<Cow<'static, str>>,
        inputs: Vec<Arc<Node>>,
        shape: Vec<usize>,
        chunks: Chunks,
        op: impl Op,
    ) -> Arc<Node> {
        Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            grid: chunks.numblocks(),
            inputs,
            op: Box::new(op),
            meta: Some(ArrayMeta { shape, chunks, dtype: T::DTYPE }),
            leaf: Some(crate::ops::elementwise::leaf_fn::<T>),
        })
    }

    /// A node of intermediate values over `grid`.
    pub fn value(
        name: impl Into<Cow<'static, str>>,
        inputs: Vec<Arc<Node>>,
        grid: Vec<usize>,
        op: impl Op,
    ) -> Arc<Node> {
        Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            grid,
            inputs,
            op: Box::new(op),
            meta: None,
            leaf: None,
        })
    }

    /// Array metadata; panics for value nodes (an internal invariant: only array nodes are
    /// wrapped in a `ChunkedArray`).
    pub fn meta(&self) -> &ArrayMeta {
        self.meta.as_ref().expect("array node")
    }

    /// Number of blocks.
    pub fn nblocks(&self) -> usize {
        self.grid.iter().product()
    }

    /// Short display name with id, as used in task keys (`add-17`).
    pub fn label(&self) -> String {
        format!("{}-{}", self.name, self.id)
    }
}

/// Flat index of a block multi-index in a grid (C order).
#[inline]
pub fn ravel(grid: &[usize], idx: &[usize]) -> usize {
    let mut f = 0;
    for (g, i) in grid.iter().zip(idx) {
        f = f * g + i;
    }
    f
}

/// Multi-index of a flat block index in a grid (C order).
#[inline]
pub fn unravel_into(grid: &[usize], mut flat: usize, out: &mut Vec<usize>) {
    out.clear();
    out.resize(grid.len(), 0);
    for (k, &g) in grid.iter().enumerate().rev() {
        if g > 0 {
            out[k] = flat % g;
            flat /= g;
        }
    }
}

/// Push, in C order, a dependency on every block of input `input` (grid `grid`) in the box
/// `lo[k] <= idx[k] < hi[k]`; nothing when the box is empty.
pub fn push_box_deps(input: u32, grid: &[usize], lo: &[usize], hi: &[usize], out: &mut Vec<Dep>) {
    if lo.iter().zip(hi).any(|(l, h)| l >= h) {
        return;
    }
    // the multi-index on the stack for up to 16 axes (every plan builds these per task)
    let mut small = [0usize; 16];
    let mut large = Vec::new();
    let idx: &mut [usize] = if lo.len() <= small.len() {
        &mut small[..lo.len()]
    } else {
        large.resize(lo.len(), 0);
        &mut large
    };
    idx.copy_from_slice(lo);
    loop {
        out.push(Dep { input, block: ravel(grid, idx) });
        let mut d = idx.len();
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < hi[d] {
                break;
            }
            idx[d] = lo[d];
        }
    }
}

/// All multi-indices of a grid in C order.
pub fn grid_indices(grid: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let n: usize = grid.iter().product();
    (0..n).map(move |f| {
        let mut v = Vec::new();
        unravel_into(grid, f, &mut v);
        v
    })
}

/// With feature `mpi`, the values that can cross between ranks ([`crate::distributed::Wire`]:
/// reduction accumulators must); without it, every type.
#[cfg(feature = "mpi")]
pub trait MaybeWire: crate::distributed::Wire {}
#[cfg(feature = "mpi")]
impl<T: crate::distributed::Wire> MaybeWire for T {}
/// With feature `mpi`, the values that can cross between ranks; without it, every type.
#[cfg(not(feature = "mpi"))]
pub trait MaybeWire {}
#[cfg(not(feature = "mpi"))]
impl<T> MaybeWire for T {}
