//! Tree reductions: partial per block, combine in groups of `split_every`, aggregate.
//!
//! ```text
//!   x blocks ──partial──▶ accumulators per block ──combine (fan-in k)──▶ … ──aggregate──▶ result blocks
//! ```
//!
//! * **partial**: each block is folded over the reduced axes into an array of accumulators
//!   (the block's shape with reduced axes of length 1) by `ndchunk_kernels::reduce_axes`;
//!   arg-reductions relabel their local positions to global ones here.
//! * **combine**: groups of up to `split_every` neighbouring blocks along the reduced axes are
//!   merged elementwise (`Accumulator::merge`: Chan's formula for moments); the tree depth is
//!   ⌈log_k(blocks)⌉, as in dask.
//! * **aggregate**: the last group is merged and finalised into output elements.
//!
//! Partial and combine nodes are named and keyed by the *accumulator* (not the final
//! statistic), so `var` and `std` of the same array share them when computed together.

pub mod cumulative;
pub mod kinds;

use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::reduce::{merge_into, reduce_axes, Accumulator};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, ravel, Block, Dep, Node, Op, Value};

/// A reduction: which accumulator folds the elements and how it becomes an output element.
pub trait Reduction: Send + Sync + 'static {
    type In: Element;
    type Acc: Accumulator<Self::In> + crate::graph::node::MaybeWire;
    type Out: Element;
    /// Name of the accumulator (names and keys the shared partial/combine nodes).
    fn acc_name(&self) -> &'static str;
    /// Name of the result (`"sum"`, `"var"`, ...).
    fn name(&self) -> String;
    /// The output element of an accumulator.
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out>;
    /// Arg-reductions: replace local positions with global ones.
    fn relabel(&self, _acc: &mut Self::Acc, _global: &dyn Fn(usize) -> usize) {}
    /// Whether the result is the same whatever the order the accumulators are merged in
    /// (integer sums and products, extremes, arg-extremes, any/all; not float sums or
    /// moments): such reductions may merge per MPI rank first without changing the result.
    fn order_independent(&self) -> bool {
        false
    }
    /// Whether `relabel` does anything.
    fn needs_positions(&self) -> bool {
        false
    }
    /// Whether positions only order ties (complex `min`/`max`): with unknown chunk sizes they
    /// stay local to the block instead of being an error.
    fn positions_optional(&self) -> bool {
        false
    }
}

/// Options every reduction takes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReduceOptions {
    /// Keep reduced axes with length 1 (NumPy's `keepdims`).
    pub keepdims: bool,
    /// Fan-in of the combine tree (default 4, split evenly over the reduced axes as in dask).
    pub split_every: Option<usize>,
}

impl ReduceOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// Builder for `keepdims`.
    pub fn keepdims(mut self, k: bool) -> Self {
        self.keepdims = k;
        self
    }
    /// Builder for `split_every` (at least 2).
    pub fn split_every(mut self, k: usize) -> Self {
        self.split_every = Some(k);
        self
    }
}

struct Partial<R: Reduction> {
    r: Arc<R>,
    axes: Vec<usize>,
}

impl<R: Reduction> Op for Partial<R> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<R::In>(&inputs[0])?;
        let mut acc: ArrayD<R::Acc> = reduce_axes::<R::In, R::Acc>(&x.view(), &self.axes);
        self.relabel_all(&node.inputs[0], b, x.shape(), &mut acc)?;
        Ok(Arc::new(Value(acc)))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.axes))
    }
    fn tile_consumer(&self) -> Option<&dyn crate::graph::TileConsumer> {
        Some(self)
    }
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::ValueCodec::<R::Acc>::boxed())
    }
    #[cfg(feature = "mpi")]
    fn reads_whole_blocks(&self) -> bool {
        true
    }
}

impl<R: Reduction> Partial<R> {
    /// Positions within the block become global positions (arg-reductions); `input` is the
    /// reduced array's node.
    fn relabel_all(&self, input: &Node, b: &[usize], block_shape: &[usize], acc: &mut ArrayD<R::Acc>) -> Result<()> {
        if !self.r.needs_positions() {
            return Ok(());
        }
        let m = input.meta();
        if !m.chunks.is_known() {
            if self.r.positions_optional() {
                return Ok(());
            }
            return Err(Error::UnknownChunkSizes { op: self.r.name() });
        }
        // per reduced axis: (block start, block length, array length)
        let axes: Vec<(usize, usize, usize)> =
            self.axes.iter().map(|&a| (m.chunks.start(a, b[a]), block_shape[a].max(1), m.shape[a])).collect();
        // the C-order position `i` within the block's reduced axes, as a flat position over the
        // array's reduced axes (unravel in the block, shift by its start, ravel in the array)
        let map = |i: usize| {
            let (mut rem, mut flat, mut stride) = (i, 0, 1);
            for &(start, local, global) in axes.iter().rev() {
                flat += (rem % local + start) * stride;
                rem /= local;
                // (after the first axis this is the reduced element count, never used: saturating
                // keeps it from overflowing where only the positions themselves must fit)
                stride = stride.saturating_mul(global);
            }
            flat
        };
        acc.iter_mut().for_each(|a| self.r.relabel(a, &map));
        Ok(())
    }
}

/// Accumulators of consecutive pieces merged as a balanced binary tree (a binary counter of
/// partial results), so that streaming tiles keeps pairwise summation's O(log n) error.
struct PairwiseStack<A> {
    levels: Vec<(u32, A)>,
}

impl<A> PairwiseStack<A> {
    fn new() -> Self {
        PairwiseStack { levels: Vec::new() }
    }
    fn push<T>(&mut self, a: A)
    where
        A: Accumulator<T>,
    {
        let mut cur = (0u32, a);
        while let Some(top) = self.levels.last() {
            if top.0 != cur.0 {
                break;
            }
            let (lvl, mut left) = self.levels.pop().expect("non-empty");
            left.merge(&cur.1);
            cur = (lvl + 1, left);
        }
        self.levels.push(cur);
    }
    fn finish<T>(mut self) -> A
    where
        A: Accumulator<T>,
    {
        let mut acc = match self.levels.pop() {
            Some((_, a)) => a,
            None => return A::identity(),
        };
        while let Some((_, mut left)) = self.levels.pop() {
            left.merge(&acc);
            acc = left;
        }
        acc
    }
}

impl<R: Reduction> crate::graph::TileConsumer for Partial<R> {
    fn accepts_tiles(&self, node: &Node) -> bool {
        let nd = node.inputs[0].meta().shape.len();
        // reduced axes must be the trailing axes: each output element is a contiguous run
        self.axes.iter().enumerate().all(|(k, &a)| a == nd - self.axes.len() + k)
    }

    fn sink(&self, node: &Node, b: &[usize], shape: &[usize]) -> Result<Box<dyn std::any::Any>> {
        let run: usize = self.axes.iter().map(|&a| shape[a]).product();
        let mut out_shape = shape.to_vec();
        for &a in &self.axes {
            out_shape[a] = 1;
        }
        let nout: usize = out_shape.iter().product();
        let sink: Box<dyn crate::graph::TileSink<R::In>> = Box::new(PartialSink::<R> {
            partial: Partial { r: self.r.clone(), axes: self.axes.clone() },
            input: node.inputs[0].clone(),
            block: b.to_vec(),
            shape: shape.to_vec(),
            out_shape,
            run,
            accs: Vec::with_capacity(nout),
            stack: PairwiseStack::new(),
        });
        Ok(Box::new(sink))
    }
}

/// A partial reduction fed tile by tile.
struct PartialSink<R: Reduction> {
    partial: Partial<R>,
    input: Arc<Node>,
    block: Vec<usize>,
    shape: Vec<usize>,
    out_shape: Vec<usize>,
    run: usize,
    accs: Vec<R::Acc>,
    stack: PairwiseStack<R::Acc>,
}

impl<R: Reduction> crate::graph::TileSink<R::In> for PartialSink<R> {
    fn push(&mut self, start: usize, s: &[R::In]) {
        let run = self.run.max(1);
        let mut off = 0;
        while off < s.len() {
            let g = start + off;
            let in_run = g % run;
            let take = (s.len() - off).min(run - in_run);
            self.stack.push::<R::In>(R::Acc::from_run(&s[off..off + take], in_run));
            off += take;
            if in_run + take == run {
                let done = std::mem::replace(&mut self.stack, PairwiseStack::new());
                self.accs.push(done.finish::<R::In>());
            }
        }
    }

    fn finish(self: Box<Self>) -> Result<Block> {
        let mut me = *self;
        let nout: usize = me.out_shape.iter().product();
        while me.accs.len() < nout {
            me.accs.push(R::Acc::identity()); // empty runs
        }
        let mut acc = ArrayD::from_shape_vec(IxDyn(&me.out_shape), me.accs).map_err(|e| Error::Shape(e.to_string()))?;
        me.partial.relabel_all(&me.input, &me.block, &me.shape, &mut acc)?;
        Ok(Arc::new(Value(acc)))
    }
}

/// Merge a group of accumulator blocks; with `finalize`, produce output elements.
struct Combine<R: Reduction> {
    r: Arc<R>,
    /// Fan-in per input grid axis (1 for kept axes; the whole axis for the aggregate).
    split: Vec<usize>,
    /// For the aggregate: drop reduced axes (keepdims = false).
    drop_axes: Option<Vec<usize>>,
    finalize: bool,
}

impl<R: Reduction> Op for Combine<R> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let in_grid = &node.inputs[0].grid;
        let nd = in_grid.len().min(self.split.len());
        // The box of input blocks: `lo` (first `nd`) and `hi` (last `nd`) in one buffer. The
        // output block index on the input grid's axes is `b` with the dropped axes put back.
        let mut bounds = Vec::with_capacity(2 * nd);
        let mut kept = b.iter();
        for a in 0..nd {
            let i = match &self.drop_axes {
                Some(dropped) if dropped.contains(&a) => 0,
                Some(_) => *kept.next().unwrap_or(&0),
                None => match b.get(a) {
                    Some(&i) => i,
                    None => break,
                },
            };
            bounds.push(i * self.split[a]);
        }
        let nd = bounds.len();
        for a in 0..nd {
            bounds.push((bounds[a] + self.split[a]).min(in_grid[a]));
        }
        let (lo, hi) = bounds.split_at(nd);
        crate::graph::push_box_deps(0, in_grid, lo, hi, out);
    }

    fn run(&self, _node: &Node, _b: &[usize], inputs: &[Block]) -> Result<Block> {
        let mut acc: ArrayD<R::Acc> = as_value::<ArrayD<R::Acc>>(&inputs[0])?.clone();
        for inp in &inputs[1..] {
            merge_into(&mut acc, as_value::<ArrayD<R::Acc>>(inp)?);
        }
        if !self.finalize {
            return Ok(Arc::new(Value(acc)));
        }
        let mut vals = Vec::with_capacity(acc.len());
        for a in acc.iter() {
            vals.push(self.r.finalize(a)?);
        }
        let mut shape = acc.shape().to_vec();
        if let Some(dropped) = &self.drop_axes {
            shape = shape.iter().enumerate().filter(|(a, _)| !dropped.contains(a)).map(|(_, &n)| n).collect();
        }
        let out = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(out.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!(
            "{:?}{:?}{}",
            self.split,
            self.drop_axes,
            if self.finalize { self.r.name() } else { String::new() }
        ))
    }
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::ValueCodec::<R::Acc>::boxed())
    }
}

/// A reduction over every axis built under the MPI executor on several ranks: the number of
/// ranks, when the array has more blocks than ranks (then, for reductions whose result does
/// not depend on the merge order, or for every reduction after
/// `distributed::set_reduce_per_rank(true)`, each rank first combines the partials of the
/// blocks it computes, and only one accumulator per rank crosses).
#[cfg(feature = "mpi")]
fn rank_combine_ranks(x: &Node, axes: &[usize]) -> Option<usize> {
    let nd = x.grid.len();
    if nd == 0 || axes.len() != nd {
        return None;
    }
    let (_, ranks) = crate::distributed::spmd_ranks()?;
    let nb = x.grid.iter().try_fold(1usize, |a, &g| a.checked_mul(g))?;
    (nb > ranks).then_some(ranks)
}

/// The first combine level of a distributed full reduction: block `r` merges the partials of
/// the blocks that rank `r` computes (the planner's contiguous range of C-order block indices,
/// `[⌈r·n/ranks⌉, ⌈(r+1)·n/ranks⌉)`), as a balanced pairwise tree. The tree's shape then
/// depends on the number of ranks: float sums and moments may differ in the last bits between
/// rank counts (as dask's do between chunkings; hence opt-in for them), never between the
/// ranks of one job.
#[cfg(feature = "mpi")]
struct RankCombine<R: Reduction> {
    ranks: usize,
    _r: std::marker::PhantomData<fn() -> R>,
}

#[cfg(feature = "mpi")]
impl<R: Reduction> RankCombine<R> {
    fn new(ranks: usize) -> Self {
        RankCombine { ranks, _r: std::marker::PhantomData }
    }
}

/// The pairwise merge of `inputs` (accumulator arrays of one shape), in order.
#[cfg(feature = "mpi")]
fn merge_pairwise<R: Reduction>(inputs: &[Block]) -> Result<ArrayD<R::Acc>> {
    match inputs {
        [] => Err(Error::Value("internal: an empty rank combine".into())),
        [one] => Ok(as_value::<ArrayD<R::Acc>>(one)?.clone()),
        _ => {
            let (l, r) = inputs.split_at(inputs.len() / 2);
            let mut acc = merge_pairwise::<R>(l)?;
            merge_into(&mut acc, &merge_pairwise::<R>(r)?);
            Ok(acc)
        }
    }
}

#[cfg(feature = "mpi")]
impl<R: Reduction> Op for RankCombine<R> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let n: usize = node.inputs[0].grid.iter().product();
        let r = b.first().copied().unwrap_or(0) as u128;
        let (ranks, n128) = (self.ranks as u128, n as u128);
        let (lo, hi) = ((r * n128).div_ceil(ranks) as usize, ((r + 1) * n128).div_ceil(ranks) as usize);
        out.extend((lo..hi.min(n)).map(|block| Dep { input: 0, block }));
    }
    fn run(&self, _node: &Node, _b: &[usize], inputs: &[Block]) -> Result<Block> {
        Ok(Arc::new(Value(merge_pairwise::<R>(inputs)?)))
    }
    fn key(&self) -> Option<String> {
        Some(format!("ranks={}", self.ranks))
    }
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::ValueCodec::<R::Acc>::boxed())
    }
}

/// Fan-in per reduced axis for a total fan-in of `split_every` (dask's rule).
fn per_axis_split(split_every: usize, naxes: usize) -> usize {
    let s = split_every.max(2) as f64;
    ((s.powf(1.0 / naxes.max(1) as f64)) as usize).max(2)
}

/// Build the reduction of `x` (array node of `R::In`) over sorted, unique `axes`.
///
/// A gathering rechunk feeding the reduction is skipped (see
/// [`gathering_rechunk_input`](crate::ops::rechunk::gathering_rechunk_input)): the reduction
/// reads the rechunk's input, and only its (small) result is cut into the chunks the rechunked
/// array would have given it.
pub fn reduce<R: Reduction>(x: &Arc<Node>, r: R, axes: &[usize], opts: ReduceOptions) -> Result<Arc<Node>> {
    let mut src = x.clone();
    while let Some(inner) = crate::ops::rechunk::gathering_rechunk_input(&src) {
        src = inner;
    }
    if !Arc::ptr_eq(&src, x) {
        let out = reduce_direct(&src, r, axes, opts)?;
        let m = x.meta();
        let kept = (0..m.shape.len()).filter(|a| !axes.contains(a));
        let chunks: Vec<Vec<usize>> = if opts.keepdims {
            (0..m.shape.len()).map(|a| if axes.contains(&a) { vec![1] } else { m.chunks.axis(a).to_vec() }).collect()
        } else {
            kept.map(|a| m.chunks.axis(a).to_vec()).collect()
        };
        return crate::ops::rechunk::rechunk_node(&out, Chunks::explicit(chunks));
    }
    reduce_direct(x, r, axes, opts)
}

/// [`reduce`] of `x` as it is cut.
fn reduce_direct<R: Reduction>(x: &Arc<Node>, r: R, axes: &[usize], opts: ReduceOptions) -> Result<Arc<Node>> {
    let r = Arc::new(r);
    let m = x.meta();
    let nd = m.shape.len();
    let acc = r.acc_name();
    // partial
    let mut node = Node::value(
        format!("{acc}-partial"),
        vec![x.clone()],
        x.grid.clone(),
        Partial::<R> { r: r.clone(), axes: axes.to_vec() },
    );
    // combine levels
    let split = per_axis_split(opts.split_every.unwrap_or(4), axes.len());
    let mut grid = x.grid.clone();
    #[cfg(feature = "mpi")]
    if let Some(ranks) =
        rank_combine_ranks(x, axes).filter(|_| r.order_independent() || crate::distributed::reduce_per_rank())
    {
        grid = vec![1; nd];
        grid[0] = ranks;
        node = Node::value(format!("{acc}-rank-combine"), vec![node], grid.clone(), RankCombine::<R>::new(ranks));
    }
    loop {
        let too_many = axes.iter().any(|&a| grid[a] > split);
        if !too_many {
            break;
        }
        let sp: Vec<usize> = (0..nd).map(|a| if axes.contains(&a) { split } else { 1 }).collect();
        grid = grid.iter().zip(&sp).map(|(&g, &s)| g.div_ceil(s)).collect();
        node = Node::value(
            format!("{acc}-combine"),
            vec![node],
            grid.clone(),
            Combine::<R> { r: r.clone(), split: sp, drop_axes: None, finalize: false },
        );
    }
    // aggregate
    let sp: Vec<usize> = (0..nd).map(|a| if axes.contains(&a) { grid[a].max(1) } else { 1 }).collect();
    let kept = |a: usize| !axes.contains(&a);
    let (shape, chunks) = if opts.keepdims {
        let shape: Vec<usize> = (0..nd).map(|a| if kept(a) { m.shape[a] } else { 1 }).collect();
        let ch: Vec<Vec<usize>> = (0..nd).map(|a| if kept(a) { m.chunks.axis(a).to_vec() } else { vec![1] }).collect();
        (shape, ch)
    } else {
        let shape: Vec<usize> = (0..nd).filter(|&a| kept(a)).map(|a| m.shape[a]).collect();
        let ch: Vec<Vec<usize>> = (0..nd).filter(|&a| kept(a)).map(|a| m.chunks.axis(a).to_vec()).collect();
        (shape, ch)
    };
    let op = Combine::<R> {
        r: r.clone(),
        split: sp,
        drop_axes: if opts.keepdims { None } else { Some(axes.to_vec()) },
        finalize: true,
    };
    let name = r.name();
    Ok(Node::array::<R::Out>(name, vec![node], shape, Chunks::explicit(chunks), op))
}
