//! Set planners: per-block sorted uniques, a tree merge of them (as dask's `unique`), and the
//! operations that read the merged set (`isin`, the inverse of `unique`, `intersect1d`,
//! `setdiff1d`), plus `searchsorted` against a lazy sorted array.
//!
//! The merged set is one intermediate value (a [`Uniq`]) at the root of the tree: every
//! block of the input is sorted and deduplicated on its own (in parallel), then sorted uniques
//! are merged `split_every` at a time, so no task ever sorts more than one block, and a task
//! holds at most `split_every` partial sets. Results read from the root are single blocks of
//! unknown length (the number of distinct values is only known once computed).

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::sets::{contains, entry_of, filter_sorted, intersect_runs, merge, search, unique_block, Uniq};

use crate::chunks::{Chunks, UNKNOWN};
use crate::element::{Element, Ordered};
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, unravel_into, Block, BlockData, Dep, Node, Op};

/// A partial or merged set as a block.
pub struct UniqBlock<T>(pub Uniq<T>);

impl<T: Ordered> BlockData for UniqBlock<T> {
    fn nbytes(&self) -> usize {
        self.0.nbytes()
    }
}

/// Downcast a block to a set.
pub fn as_uniq<T: Ordered>(b: &Block) -> Result<&Uniq<T>> {
    (b.as_ref() as &dyn std::any::Any)
        .downcast_ref::<UniqBlock<T>>()
        .map(|u| &u.0)
        .ok_or_else(|| Error::DType("internal: block is not a set".into()))
}

/// What the sets carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetFlags {
    /// First flat positions (`return_index`; one input with known chunks only).
    pub index: bool,
    /// Occurrence counts (`return_counts`).
    pub counts: bool,
    /// Collapse equal values (false: a sorted multiset, for `assume_unique`).
    pub dedup: bool,
}

/// The sorted unique values of one block of one of several inputs (blocks numbered input by
/// input, each in C order).
struct Partial<T> {
    offsets: Vec<usize>,
    flags: SetFlags,
    _t: PhantomData<fn() -> T>,
}

impl<T> Partial<T> {
    fn locate(&self, f: usize) -> (usize, usize) {
        let i = self.offsets.partition_point(|&o| o <= f) - 1;
        (i, f - self.offsets[i])
    }
}

impl<T: Ordered> Op for Partial<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let (i, k) = self.locate(b[0]);
        out.push(Dep { input: i as u32, block: k });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let values: std::borrow::Cow<'_, [T]> = match x.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(x.iter().copied().collect()),
        };
        let positions = if self.flags.index {
            let (i, k) = self.locate(b[0]);
            let input = &node.inputs[i];
            let meta = input.meta();
            let nd = meta.shape.len();
            let mut pos = Vec::new();
            unravel_into(&input.grid, k, &mut pos);
            let starts: Vec<i64> = (0..nd).map(|a| meta.chunks.start(a, pos[a]) as i64).collect();
            // C-order strides of the whole array; flat positions fit i64 (the size was checked)
            let mut strides = vec![1i64; nd];
            for a in (0..nd.saturating_sub(1)).rev() {
                strides[a] = strides[a + 1] * meta.shape[a + 1] as i64;
            }
            let shape = x.shape();
            let mut out = Vec::with_capacity(values.len());
            let mut coord = vec![0usize; nd];
            for _ in 0..values.len() {
                out.push((0..nd).map(|a| (starts[a] + coord[a] as i64) * strides[a]).sum());
                for a in (0..nd).rev() {
                    coord[a] += 1;
                    if coord[a] < shape[a] {
                        break;
                    }
                    coord[a] = 0;
                }
            }
            Some(out)
        } else {
            None
        };
        Ok(Arc::new(UniqBlock(unique_block(&values, positions, self.flags.counts, self.flags.dedup))))
    }
}

/// Merge groups of `split` partial sets.
struct Merge<T> {
    split: usize,
    nin: usize,
    flags: SetFlags,
    _t: PhantomData<fn() -> T>,
}

impl<T: Ordered> Op for Merge<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let j = b[0];
        for i in j * self.split..((j + 1) * self.split).min(self.nin) {
            out.push(Dep { input: 0, block: i });
        }
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        self.run_owned(node, b, inputs.to_vec())
    }
    /// Partial sets whose last reader this is are merged without copying them first.
    fn run_owned(&self, _: &Node, _: &[usize], inputs: Vec<Block>) -> Result<Block> {
        let mut acc = Uniq {
            values: Vec::new(),
            first: self.flags.index.then(Vec::new),
            counts: self.flags.counts.then(Vec::new),
        };
        for inp in inputs {
            as_uniq::<T>(&inp)?; // the type check, with its error
            let any: Arc<dyn std::any::Any + Send + Sync> = inp;
            let part = match any.downcast::<UniqBlock<T>>() {
                Ok(a) => Arc::try_unwrap(a).map(|u| u.0).unwrap_or_else(|a| a.0.clone()),
                Err(_) => return Err(Error::DType("internal: block is not a set".into())),
            };
            acc = merge(acc, part, self.flags.dedup);
        }
        Ok(Arc::new(UniqBlock(acc)))
    }
}

/// The merged set of all elements of `inputs` (array nodes of element type `T`): a value
/// node with one block.
pub fn set_root<T: Ordered>(inputs: Vec<Arc<Node>>, flags: SetFlags, split_every: usize) -> Arc<Node> {
    let mut offsets = Vec::with_capacity(inputs.len());
    let mut total = 0usize;
    for n in &inputs {
        offsets.push(total);
        total += n.nblocks();
    }
    let mut node = Node::value("unique-block", inputs, vec![total], Partial::<T> { offsets, flags, _t: PhantomData });
    let split = split_every.max(2);
    let mut n = total;
    loop {
        if n == 1 {
            return node;
        }
        let next = if n <= split { 1 } else { n.div_ceil(split) };
        let op = Merge::<T> { split, nin: n, flags, _t: PhantomData };
        node = Node::value(if next == 1 { "unique-merge-root" } else { "unique-merge" }, vec![node], vec![next], op);
        n = next;
    }
}

/// Which part of the root set an array node shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Values,
    First,
    Counts,
}

/// One part of the root set as a 1-D array block.
struct Extract<T> {
    part: Part,
    _t: PhantomData<fn() -> T>,
}

fn vec_block<U: Element>(v: Vec<U>) -> Block {
    let n = v.len();
    Arc::new(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D").into_shared())
}

impl<T: Ordered> Op for Extract<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let u = as_uniq::<T>(&inputs[0])?;
        let missing = || Error::Value("internal: the set does not carry this part".into());
        Ok(match self.part {
            Part::Values => vec_block(u.values.clone()),
            Part::First => vec_block(u.first.clone().ok_or_else(missing)?),
            Part::Counts => vec_block(u.counts.clone().ok_or_else(missing)?),
        })
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.part))
    }
}

/// A 1-D array of unknown length in one block.
fn one_unknown_block<U: Element>(name: &'static str, inputs: Vec<Arc<Node>>, op: impl Op) -> Arc<Node> {
    Node::array::<U>(name, inputs, vec![UNKNOWN], Chunks::explicit(vec![vec![UNKNOWN]]), op)
}

/// A part of the root set (`T` values, or `i64` positions and counts) as an array node.
pub fn extract_node<T: Ordered>(root: &Arc<Node>, part: Part) -> Arc<Node> {
    let op = Extract::<T> { part, _t: PhantomData };
    match part {
        Part::Values => one_unknown_block::<T>("unique", vec![root.clone()], op),
        Part::First => one_unknown_block::<i64>("unique-index", vec![root.clone()], op),
        Part::Counts => one_unknown_block::<i64>("unique-counts", vec![root.clone()], op),
    }
}

/// Each element of `x`'s blocks looked up in the root set, block by block with `x`'s chunks.
struct Lookup<T, U, F> {
    f: F,
    key: String,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Ordered, U: Element, F> Op for Lookup<T, U, F>
where
    F: Fn(&[T], &T) -> U + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let set = &as_uniq::<T>(&inputs[1])?.values;
        Ok(Arc::new(x.map(|v| (self.f)(set, v)).into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.key.clone())
    }
}

/// `f(set, element)` for every element of `x`, as an array of `x`'s shape and chunks.
fn lookup_node<T: Ordered, U: Element, F>(
    name: &'static str,
    key: String,
    x: &Arc<Node>,
    root: &Arc<Node>,
    f: F,
) -> Arc<Node>
where
    F: Fn(&[T], &T) -> U + Send + Sync + 'static,
{
    let m = x.meta();
    let op = Lookup::<T, U, F> { f, key, _t: PhantomData };
    Node::array::<U>(name, vec![x.clone(), root.clone()], m.shape.clone(), m.chunks.clone(), op)
}

/// Position of each element of `x` in the root set (`unique`'s `return_inverse`).
pub fn inverse_node<T: Ordered>(x: &Arc<Node>, root: &Arc<Node>) -> Arc<Node> {
    lookup_node::<T, i64, _>("unique-inverse", "inverse".into(), x, root, |s, v| entry_of(s, v) as i64)
}

/// Whether each element of `x` is in the root set (`isin`, `invert` negates).
pub fn isin_node<T: Ordered>(x: &Arc<Node>, root: &Arc<Node>, invert: bool) -> Arc<Node> {
    lookup_node::<T, bool, _>("isin", format!("isin({invert})"), x, root, move |s, v| contains(s, v) != invert)
}

/// A binary operation on two root sets, giving a 1-D array.
struct Combine<T> {
    kind: Combination,
    _t: PhantomData<fn() -> T>,
}

/// How [`combine_node`] combines two sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combination {
    /// Values of the first that are in the second (deduplicated sets).
    Intersect,
    /// NumPy's `assume_unique` intersection of two sorted multisets.
    IntersectRuns,
    /// Values of the first that are not in the second.
    Difference,
}

impl<T: Ordered> Op for Combine<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = &as_uniq::<T>(&inputs[0])?.values;
        let b = &as_uniq::<T>(&inputs[1])?.values;
        Ok(vec_block(match self.kind {
            Combination::Intersect => filter_sorted(a, b, true),
            Combination::IntersectRuns => intersect_runs(a, b),
            Combination::Difference => filter_sorted(a, b, false),
        }))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.kind))
    }
}

/// Two root sets combined into a 1-D array of unknown length.
pub fn combine_node<T: Ordered>(a: &Arc<Node>, b: &Arc<Node>, kind: Combination) -> Arc<Node> {
    let name = match kind {
        Combination::Intersect | Combination::IntersectRuns => "intersect1d",
        Combination::Difference => "setdiff1d",
    };
    one_unknown_block::<T>(name, vec![a.clone(), b.clone()], Combine::<T> { kind, _t: PhantomData })
}

/// `searchsorted(a, v)` for each block of `v`: the sum over `a`'s blocks of the positions in
/// each (`a` is sorted, so the elements before `v` in the whole of `a` are those before it in
/// every block).
struct SearchSorted<T> {
    right: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Ordered> Op for SearchSorted<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        for k in 0..node.inputs[1].nblocks() {
            out.push(Dep { input: 1, block: k });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let v = as_array::<T>(&inputs[0])?;
        let blocks: Vec<_> = inputs[1..].iter().map(as_array::<T>).collect::<Result<_>>()?;
        let blocks: Vec<std::borrow::Cow<'_, [T]>> = blocks
            .iter()
            .map(|a| match a.as_slice() {
                Some(s) => std::borrow::Cow::Borrowed(s),
                None => std::borrow::Cow::Owned(a.iter().copied().collect()),
            })
            .collect();
        Ok(Arc::new(v.map(|x| blocks.iter().map(|a| search(a, x, self.right)).sum::<usize>() as i64).into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("right={}", self.right))
    }
}

/// Plan `searchsorted(a, v, side)`: an `i64` array of `v`'s shape and chunks.
pub fn searchsorted_node<T: Ordered>(a: &Arc<Node>, v: &Arc<Node>, right: bool) -> Arc<Node> {
    let m = v.meta();
    let op = SearchSorted::<T> { right, _t: PhantomData };
    Node::array::<i64>("searchsorted", vec![v.clone(), a.clone()], m.shape.clone(), m.chunks.clone(), op)
}

/// `src[idx]` for a one-block 1-D `src` (each block of `idx`): the indices of `intersect1d`.
struct Gather<T> {
    _t: PhantomData<fn() -> T>,
}

impl<T: Ordered> Op for Gather<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
        out.push(Dep { input: 1, block: b[0] });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let src = as_array::<T>(&inputs[0])?;
        let idx = as_array::<i64>(&inputs[1])?;
        let src: std::borrow::Cow<'_, [T]> = match src.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(src.iter().copied().collect()),
        };
        let n = src.len();
        let out: Vec<T> = idx
            .iter()
            .map(|&i| {
                usize::try_from(i).ok().and_then(|i| src.get(i).copied()).ok_or(Error::Index {
                    index: isize::try_from(i).unwrap_or(isize::MAX),
                    axis: 0,
                    size: n,
                })
            })
            .collect::<Result<_>>()?;
        let len = out.len();
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&[len]), out).expect("1-D").into_shared()))
    }
}

/// Plan `src[idx]` (`src` 1-D in one block, `idx` 1-D): `idx`'s shape and chunks.
pub fn gather_node<T: Ordered>(src: &Arc<Node>, idx: &Arc<Node>) -> Arc<Node> {
    let m = idx.meta();
    Node::array::<T>(
        "take",
        vec![src.clone(), idx.clone()],
        m.shape.clone(),
        m.chunks.clone(),
        Gather::<T> { _t: PhantomData },
    )
}

/// Each block of `a` sorted (NaN last), after checking the matching block of `sorter` is in
/// `0..n` (NumPy's "Sorter index out of range."): a block-sorted `a` that [`searchsorted_node`]
/// searches as it searches a sorted one.
struct SortBlocks<T> {
    n: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Ordered> Op for SortBlocks<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
        out.push(Dep { input: 1, block: b[0] });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = as_array::<T>(&inputs[0])?;
        let sorter = as_array::<i64>(&inputs[1])?;
        if sorter.iter().any(|&i| usize::try_from(i).map_or(true, |i| i >= self.n)) {
            return Err(Error::Value("Sorter index out of range.".into()));
        }
        let mut v: Vec<T> = a.iter().copied().collect();
        v.sort_by(ndchunk_kernels::sets::total_cmp);
        let len = v.len();
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&[len]), v).expect("1-D").into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.n.to_string())
    }
}

/// Plan `a` (1-D, known length `n`) with each block sorted, checked against `sorter` (1-D, the
/// same chunks).
pub fn sort_blocks_node<T: Ordered>(a: &Arc<Node>, sorter: &Arc<Node>, n: usize) -> Arc<Node> {
    let m = a.meta();
    Node::array::<T>(
        "sort-blocks",
        vec![a.clone(), sorter.clone()],
        m.shape.clone(),
        m.chunks.clone(),
        SortBlocks::<T> { n, _t: PhantomData },
    )
}
