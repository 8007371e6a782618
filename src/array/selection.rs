//! Selection by value: `nonzero`, `argwhere`, `flatnonzero`, `where_one`, `compress`,
//! `extract`, `choose`, `select`, `piecewise`, lazy assignment (`set`, `put`), and
//! `ravel_multi_index` / `unravel_index`.
//!
//! Why this shape: which elements are selected depends on the data, so `nonzero`, `argwhere`,
//! `flatnonzero` and `extract` return arrays whose block lengths are unknown until computed
//! (as dask's, see [`ChunkedArray::compute_chunk_sizes`]); each output block holds the hits of
//! one input block, in C order (the input is regrouped into blocks of whole rows first, as
//! boolean masking does). Operations whose output has the input's shape (`choose`, `select`,
//! `piecewise`, `set`, `put`) stay elementwise and lazy: assignment builds a new array with
//! `where_` instead of mutating, as dask's `__setitem__`. Index checks that depend on values
//! (`choose` in raise mode, `ravel_multi_index`, `unravel_index`) are errors when computed.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr2(&[[0, 3], [4, 0]]), [1, 2]).unwrap();
//! let nz = x.nonzero().unwrap();
//! assert_eq!(nz[0].compute().unwrap().as_slice().unwrap(), &[0, 1]);
//! assert_eq!(nz[1].compute().unwrap().as_slice().unwrap(), &[1, 0]);
//! let y = x.set(&x.eq(0).unwrap(), -1).unwrap();
//! assert_eq!(y.compute().unwrap(), ndarray::arr2(&[[-1, 3], [4, -1]]).into_dyn());
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn, SliceInfoElem};

use crate::array::elementwise::{where_, Operand};
use crate::array::ChunkedArray;
use crate::chunks::{Chunks, UNKNOWN};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op};
use crate::ops::elementwise::{broadcast_shapes, refine};

/// `f` on the blocks at the same grid position of its inputs (equal shapes and chunks).
struct ZipBlocks<U, F> {
    f: F,
    _t: PhantomData<fn() -> U>,
}

impl<U: Element, F> Op for ZipBlocks<U, F>
where
    F: Fn(&[Block]) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        for (i, inp) in node.inputs.iter().enumerate() {
            out.push(Dep { input: i as u32, block: ravel(&inp.grid, b) });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        // blocks of arrays whose lengths were unknown need not agree: an error, not a panic
        let first = inputs[0].array_shape();
        if let Some(b) = inputs.iter().find(|b| b.array_shape() != first) {
            return Err(Error::Shape(format!(
                "operands could not be combined: blocks of shapes {:?} and {:?}",
                first.unwrap_or_default(),
                b.array_shape().unwrap_or_default()
            )));
        }
        Ok(Arc::new((self.f)(inputs)?.into_shared()))
    }
}

/// Nodes of one shape rechunked to their common refinement.
pub(crate) fn unify_chunks(nodes: Vec<Arc<Node>>) -> Result<Vec<Arc<Node>>> {
    let first = nodes[0].meta().chunks.clone();
    if nodes.iter().all(|n| n.meta().chunks == first) {
        return Ok(nodes);
    }
    if nodes.iter().any(|n| !n.meta().chunks.is_known()) {
        return Err(Error::UnknownChunkSizes { op: "combining differently chunked arrays".into() });
    }
    let nd = nodes[0].meta().shape.len();
    let unified = Chunks::explicit(
        (0..nd).map(|a| refine(&nodes.iter().map(|n| n.meta().chunks.axis(a)).collect::<Vec<_>>())).collect(),
    );
    nodes
        .into_iter()
        .map(
            |n| if n.meta().chunks == unified { Ok(n) } else { crate::ops::rechunk::rechunk_node(&n, unified.clone()) },
        )
        .collect()
}

/// A lazy array of element type `U` computed block by block from `inputs` (array nodes of
/// one shape; rechunked to common chunks first) by a fallible `f`, which receives the input
/// blocks in order and must return a block of their shape.
pub(crate) fn zip_aligned<U: Element, F>(name: &'static str, inputs: Vec<Arc<Node>>, f: F) -> Result<ChunkedArray<U>>
where
    F: Fn(&[Block]) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let shape = inputs[0].meta().shape.clone();
    if inputs.iter().any(|n| n.meta().shape != shape) {
        return Err(Error::Shape(format!("{name}: internal: operands of different shapes")));
    }
    let inputs = unify_chunks(inputs)?;
    let chunks = inputs[0].meta().chunks.clone();
    let op = ZipBlocks::<U, F> { f, _t: PhantomData };
    Ok(ChunkedArray::from_node(Node::array::<U>(name, inputs, shape, chunks, op)))
}

/// Coordinates of the non-zero elements of each block, `(k, ndim)` `i64` blocks.
struct ArgwhereOp<T> {
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for ArgwhereOp<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let input = &node.inputs[0];
        let grid = &input.grid;
        let nd = grid.len();
        // the input block's grid position and its offsets
        let mut pos = vec![0usize; nd];
        let mut rem = b[0];
        for a in (0..nd).rev() {
            pos[a] = rem % grid[a].max(1);
            rem /= grid[a].max(1);
        }
        let starts: Vec<i64> = (0..nd).map(|a| input.meta().chunks.start(a, pos[a]) as i64).collect();
        let shape = x.shape();
        // count first, then fill an exact allocation; the coordinates are a C-order counter
        // over the block (no per-element index allocation)
        let count = x.iter().filter(|&&v| v != T::zero()).count();
        let mut out: Vec<i64> =
            Vec::with_capacity(count.checked_mul(nd).ok_or_else(|| Error::Memory("argwhere".into()))?);
        let mut coord = starts.clone();
        for &v in x.iter() {
            if v != T::zero() {
                out.extend_from_slice(&coord);
            }
            for a in (0..nd).rev() {
                coord[a] += 1;
                if coord[a] < starts[a] + shape[a] as i64 {
                    break;
                }
                coord[a] = starts[a];
            }
        }
        let arr = ArrayD::from_shape_vec(IxDyn(&[count, nd]), out).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(arr.into_shared()))
    }
}

/// One column of an argwhere block, as a 1-D block.
struct ColumnOp {
    col: usize,
}

impl Op for ColumnOp {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = as_array::<i64>(&inputs[0])?;
        Ok(Arc::new(a.index_axis(Axis(1), self.col).to_owned().into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.col.to_string())
    }
}

/// Positions selected along an axis of length `n` by one slice element (NumPy's clipping of
/// out-of-range bounds, ndarray's meaning of a negative step).
fn slice_positions(start: isize, end: Option<isize>, step: isize, n: usize) -> Result<Vec<usize>> {
    if step == 0 {
        return Err(Error::Value("slice step cannot be zero".into()));
    }
    let ni = n as isize;
    let clip = |v: isize| if v < 0 { (v + ni).max(0) } else { v.min(ni) } as usize;
    let (s, e) = (clip(start), clip(end.unwrap_or(ni)));
    if s >= e {
        return Ok(vec![]);
    }
    let k = step.unsigned_abs();
    Ok(if step > 0 { (s..e).step_by(k).collect() } else { (s..e).rev().step_by(k).collect() })
}

/// How [`choose`] treats indices outside `0..n` (NumPy's `mode='raise' | 'wrap' | 'clip'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChooseMode {
    /// An error ([`Error::Value`], when computed).
    #[default]
    Raise,
    /// Taken modulo `n`.
    Wrap,
    /// Clamped to `0..n`.
    Clip,
}

/// A piece of [`piecewise`] (an entry of NumPy's `funclist`): a function of the element or a
/// constant.
#[derive(Clone)]
pub enum Piece<T> {
    /// A constant value.
    Const(T),
    /// A function applied to the element.
    Func(Arc<dyn Fn(T) -> T + Send + Sync>),
}

impl<T: Element> Piece<T> {
    /// A function piece.
    pub fn func(f: impl Fn(T) -> T + Send + Sync + 'static) -> Self {
        Piece::Func(Arc::new(f))
    }
    fn apply(&self, x: &ChunkedArray<T>) -> ChunkedArray<T> {
        match self {
            Piece::Const(v) => {
                let v = *v;
                x.map_unary("piecewise-const", Some(format!("const({v:?})")), move |_| v)
            }
            Piece::Func(f) => {
                let f = f.clone();
                x.map_unary("piecewise-func", None, move |v| f(v))
            }
        }
    }
}

impl<T: Element> From<T> for Piece<T> {
    fn from(v: T) -> Self {
        Piece::Const(v)
    }
}

impl<T: Element> ChunkedArray<T> {
    /// Coordinates of the non-zero elements, in C order (NumPy's `argwhere`): a
    /// `ChunkedArray<i64>` of shape `(n, ndim)` whose `n` is unknown until computed (its axis-0
    /// block lengths are [`UNKNOWN`]). A 0-d array gives `(1, 0)` or `(0, 0)`, as NumPy.
    pub fn argwhere(&self) -> Result<ChunkedArray<i64>> {
        let nd = self.ndim();
        let c = self.chunks();
        if !c.is_known() {
            return Err(Error::UnknownChunkSizes { op: "argwhere/nonzero".into() });
        }
        let mut x = self.node().clone();
        if nd > 1 && c.numblocks()[1..].iter().any(|&g| g != 1) {
            let elems: usize = c.chunksize().iter().product::<usize>().max(1);
            let rows = crate::ops::mask::row_chunks(self.shape(), elems)?;
            x = crate::ops::rechunk::rechunk_node(&x, rows)?;
        }
        let nb = x.nblocks();
        let op = ArgwhereOp::<T> { _t: PhantomData };
        Ok(ChunkedArray::from_node(Node::array::<i64>(
            "argwhere",
            vec![x],
            vec![UNKNOWN, nd],
            Chunks::explicit(vec![vec![UNKNOWN; nb], vec![nd]]),
            op,
        )))
    }

    /// Indices of the non-zero elements, one 1-D `ChunkedArray<i64>` per axis (NumPy's
    /// `nonzero`, dask's unknown block lengths). A 0-d array is an [`Error::Value`], as in
    /// NumPy 2.
    pub fn nonzero(&self) -> Result<Vec<ChunkedArray<i64>>> {
        if self.ndim() == 0 {
            return Err(Error::Value(
                "Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() instead.".into(),
            ));
        }
        let aw = self.argwhere()?;
        let nb = aw.node().grid[0];
        Ok((0..self.ndim())
            .map(|col| {
                ChunkedArray::from_node(Node::array::<i64>(
                    "nonzero",
                    vec![aw.node().clone()],
                    vec![UNKNOWN],
                    Chunks::explicit(vec![vec![UNKNOWN; nb]]),
                    ColumnOp { col },
                ))
            })
            .collect())
    }

    /// Flat (C-order) indices of the non-zero elements (NumPy's `flatnonzero`), a 1-D
    /// `ChunkedArray<i64>` of unknown length.
    pub fn flatnonzero(&self) -> Result<ChunkedArray<i64>> {
        let flat = if self.ndim() == 1 { self.clone() } else { self.ravel()? };
        Ok(flat.nonzero()?.pop().expect("one axis"))
    }

    /// Slices along `axis` (the flattened array for `None`) where `condition` is true (NumPy's
    /// `compress`); `condition` is a slice of bools (then the result's length is known) or a
    /// 1-D `ChunkedArray<bool>` (then, as dask, the block lengths along `axis` are unknown until
    /// computed). Result `ChunkedArray<T>`.
    ///
    /// A condition shorter than the axis selects among the first elements; in a longer one, a
    /// true entry past the axis is an [`Error::Index`] (NumPy's `IndexError`), raised when the
    /// graph is built for bools and when it is computed for a lazy condition. (For an array
    /// without elements NumPy checks nothing and counts those entries in the result's length;
    /// bools follow it, a lazy condition raises.)
    pub fn compress<C: Condition + ?Sized>(&self, condition: &C, axis: Option<isize>) -> Result<ChunkedArray<T>> {
        let (x, axis) = match axis {
            None => (if self.ndim() == 1 { self.clone() } else { self.ravel()? }, 0),
            Some(a) => (self.clone(), crate::array::structure::resolve_axis(a, self.ndim())?),
        };
        let n = x.shape()[axis];
        if n == UNKNOWN {
            return Err(Error::UnknownChunkSizes { op: "compress".into() });
        }
        condition.compress_axis(&x, axis)
    }

    /// A new array with the elements where `mask` is true replaced by `value` (NumPy's
    /// `x[mask] = value`, lazily, as dask's `__setitem__`). `mask` has the array's shape;
    /// `value` is a scalar or an array that broadcasts to it. Result `ChunkedArray<T>` with the
    /// array's chunks.
    pub fn set(&self, mask: &ChunkedArray<bool>, value: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        if mask.shape() != self.shape() {
            return Err(Error::Shape(format!(
                "boolean index did not match indexed array: shapes {:?} and {:?}",
                mask.shape(),
                self.shape()
            )));
        }
        let value = value.into();
        if let Operand::Array(v) = &value {
            self.check_fits(v.shape())?;
        }
        self.keep_chunks(where_(mask, value, self)?)
    }

    /// A new array with the basic slice `info` (ndarray's `s![..]`, NumPy's clipping of range
    /// bounds) assigned `value`, a scalar or an array broadcasting to the slice's shape (NumPy's
    /// `x[s] = value`, lazily). Result `ChunkedArray<T>` with the array's chunks.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::zeros::<i32>(&[3, 4], [2, 3]).unwrap();
    /// let v = ChunkedArray::from_array(ndarray::arr1(&[1, 2]), [1]).unwrap();
    /// let y = x.put(s![1.., 1..;2], &v).unwrap(); // NumPy: x[1:, 1::2] = v
    /// assert_eq!(y.compute().unwrap(), ndarray::arr2(&[[0, 0, 0, 0], [0, 1, 0, 2], [0, 1, 0, 2]]).into_dyn());
    /// ```
    pub fn put<I: AsRef<[SliceInfoElem]>>(&self, info: I, value: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        if !self.chunks().is_known() {
            return Err(Error::UnknownChunkSizes { op: "put".into() });
        }
        let info = info.as_ref();
        let n_axes = info.iter().filter(|e| !matches!(e, SliceInfoElem::NewAxis)).count();
        if n_axes > nd {
            return Err(Error::Index { index: n_axes as isize, axis: nd, size: nd });
        }
        let mut elems = info.to_vec();
        elems.extend((n_axes..nd).map(|_| SliceInfoElem::Slice { start: 0, end: None, step: 1 }));
        let mut positions: Vec<Vec<usize>> = Vec::with_capacity(nd);
        let mut value_shape = Vec::new();
        for e in elems {
            let a = positions.len();
            match e {
                SliceInfoElem::NewAxis => value_shape.push(1),
                SliceInfoElem::Index(i) => {
                    let n = self.shape()[a];
                    let j = if i < 0 { i + n as isize } else { i };
                    if j < 0 || j >= n as isize {
                        return Err(Error::Index { index: i, axis: a, size: n });
                    }
                    positions.push(vec![j as usize]);
                }
                SliceInfoElem::Slice { start, end, step } => {
                    let p = slice_positions(start, end, step, self.shape()[a])?;
                    value_shape.push(p.len());
                    positions.push(p);
                }
            }
        }
        let region: Vec<usize> = positions.iter().map(|p| p.len()).collect();
        let value = match value.into() {
            Operand::Scalar(v) => Operand::Scalar(v),
            Operand::Array(v) => {
                // NumPy: the value must broadcast to the slice's shape
                let bs = broadcast_shapes(&[v.shape(), &value_shape])?;
                if bs != value_shape {
                    return Err(Error::Broadcast { a: v.shape().to_vec(), b: value_shape });
                }
                if region.contains(&0) {
                    return Ok(self.clone());
                }
                let mut y = v.broadcast_to(&value_shape)?.reshape(&region)?;
                for (a, p) in positions.iter().enumerate() {
                    if p.len() == self.shape()[a] && p.iter().enumerate().all(|(i, &q)| i == q) {
                        continue; // the whole axis in order
                    }
                    let mut inv = vec![0usize; self.shape()[a]];
                    for (i, &q) in p.iter().enumerate() {
                        inv[q] = i;
                    }
                    y = y.take(&inv, a as isize)?;
                }
                Operand::Array(y)
            }
        };
        if region.contains(&0) {
            return Ok(self.clone());
        }
        let selected: Arc<Vec<Vec<bool>>> = Arc::new(
            positions
                .iter()
                .enumerate()
                .map(|(a, p)| {
                    let mut s = vec![false; self.shape()[a]];
                    p.iter().for_each(|&q| s[q] = true);
                    s
                })
                .collect(),
        );
        let chunks = self.chunks().clone();
        let shape = self.shape().to_vec();
        let op = RegionMask { selected, key: format!("{info:?}") };
        let mask = ChunkedArray::<bool>::from_node(Node::array::<bool>(
            "put-region",
            vec![self.node().clone()],
            shape,
            chunks,
            op,
        ));
        self.keep_chunks(where_(&mask, value, self)?)
    }

    /// An error unless `shape` broadcasts to the array's shape.
    fn check_fits(&self, shape: &[usize]) -> Result<()> {
        let bs = broadcast_shapes(&[shape, self.shape()])?;
        if bs != self.shape() {
            return Err(Error::Broadcast { a: shape.to_vec(), b: self.shape().to_vec() });
        }
        Ok(())
    }

    /// `y` rechunked to this array's chunks when they differ.
    fn keep_chunks(&self, y: ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        if y.chunks() == self.chunks() || !self.chunks().is_known() {
            Ok(y)
        } else {
            y.rechunk(self.chunks())
        }
    }
}

/// A condition for [`ChunkedArray::compress`]: bools known now (`[bool]`, `Vec<bool>`,
/// `[bool; N]`) or a lazy 1-D `ChunkedArray<bool>`.
pub trait Condition {
    /// `x` (whose `axis` has known length) compressed along `axis`.
    fn compress_axis<T: Element>(&self, x: &ChunkedArray<T>, axis: usize) -> Result<ChunkedArray<T>>;
}

impl Condition for [bool] {
    fn compress_axis<T: Element>(&self, x: &ChunkedArray<T>, axis: usize) -> Result<ChunkedArray<T>> {
        let n = x.shape()[axis];
        let mut idx: Vec<usize> = self.iter().enumerate().filter(|(_, &c)| c).map(|(i, _)| i).collect();
        if x.size() == 0 && n > 0 {
            // NumPy checks no bounds when taking from an array with no elements along a
            // non-empty axis (the result has no elements either): any position will do
            idx.iter_mut().for_each(|i| *i = (*i).min(n - 1));
        }
        if let Some(&i) = idx.iter().find(|&&i| i >= n) {
            return Err(Error::Index { index: i as isize, axis, size: n });
        }
        x.take(&idx, axis as isize)
    }
}

impl Condition for Vec<bool> {
    fn compress_axis<T: Element>(&self, x: &ChunkedArray<T>, axis: usize) -> Result<ChunkedArray<T>> {
        self.as_slice().compress_axis(x, axis)
    }
}

impl<const N: usize> Condition for [bool; N] {
    fn compress_axis<T: Element>(&self, x: &ChunkedArray<T>, axis: usize) -> Result<ChunkedArray<T>> {
        self.as_slice().compress_axis(x, axis)
    }
}

impl Condition for ChunkedArray<bool> {
    fn compress_axis<T: Element>(&self, x: &ChunkedArray<T>, axis: usize) -> Result<ChunkedArray<T>> {
        if self.ndim() != 1 {
            return Err(Error::Value("Condition must be one dimensional".into()));
        }
        let (n, k) = (x.shape()[axis], self.shape()[0]);
        if k == UNKNOWN || !x.chunks().axis_is_known(axis) {
            return Err(Error::UnknownChunkSizes { op: "compress".into() });
        }
        if k > n {
            // NumPy: an error only if one of the extra entries is true, so check them when
            // computed
            let head = self.slice(ndarray::s![..n as isize])?;
            let tail = self.slice(ndarray::s![n as isize..])?;
            let y = head.compress_axis(x, axis)?;
            return guard_tail(&y, &tail, axis, n);
        }
        let x = if k < n {
            let mut info = vec![SliceInfoElem::Slice { start: 0, end: None, step: 1 }; x.ndim()];
            info[axis] = SliceInfoElem::Slice { start: 0, end: Some(k as isize), step: 1 };
            x.slice(info)?
        } else {
            x.clone()
        };
        let cond =
            crate::ops::rechunk::rechunk_node(self.node(), Chunks::explicit(vec![x.chunks().axis(axis).to_vec()]))?;
        let mut shape = x.shape().to_vec();
        shape[axis] = UNKNOWN;
        let mut chunks = x.chunks().as_slices().to_vec();
        chunks[axis] = vec![UNKNOWN; chunks[axis].len()];
        let op = CompressOp::<T> { axis, _t: PhantomData };
        Ok(ChunkedArray::from_node(Node::array::<T>(
            "compress",
            vec![x.node().clone(), cond],
            shape,
            Chunks::explicit(chunks),
            op,
        )))
    }
}

/// `y` with a check attached: an [`Error::Index`] when computed if `tail` (the entries of a
/// condition past an axis of length `size`) has a true entry, as NumPy's `IndexError`.
fn guard_tail<T: Element>(
    y: &ChunkedArray<T>,
    tail: &ChunkedArray<bool>,
    axis: usize,
    size: usize,
) -> Result<ChunkedArray<T>> {
    let any = tail.any(None)?;
    let first = tail.argmax(None)?;
    let m = y.node().meta();
    let op = GuardOp { axis, size };
    Ok(ChunkedArray::from_node(Node::array::<T>(
        "check-condition",
        vec![y.node().clone(), any.node().clone(), first.node().clone()],
        m.shape.clone(),
        m.chunks.clone(),
        op,
    )))
}

/// Blocks passed through, or an error if the (0-d) flag is true.
struct GuardOp {
    axis: usize,
    size: usize,
}

impl Op for GuardOp {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: 0 });
        out.push(Dep { input: 2, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let flag = as_array::<bool>(&inputs[1])?.iter().any(|&f| f);
        if flag {
            let first = as_array::<i64>(&inputs[2])?.iter().next().copied().unwrap_or(0);
            let index = (self.size as i64).saturating_add(first);
            return Err(Error::Index { index: index as isize, axis: self.axis, size: self.size });
        }
        Ok(inputs[0].clone())
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}/{}", self.axis, self.size))
    }
}

/// The slices of an `x` block along `axis` where its condition block is true.
struct CompressOp<T> {
    axis: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for CompressOp<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: b[self.axis] });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let c = as_array::<bool>(&inputs[1])?;
        let idx: Vec<usize> = c.iter().enumerate().filter(|(_, &k)| k).map(|(i, _)| i).collect();
        Ok(Arc::new(x.select(Axis(self.axis), &idx).into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.axis.to_string())
    }
}

/// Whether each element lies in the slice region (per-axis selected positions), block by
/// block with the input's chunks (the input block is only a dependency for its shape).
struct RegionMask {
    selected: Arc<Vec<Vec<bool>>>,
    key: String,
}

impl Op for RegionMask {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let chunks = &node.meta().chunks;
        let shape = chunks.block_shape(b);
        let starts: Vec<usize> = (0..shape.len()).map(|a| chunks.start(a, b[a])).collect();
        let out =
            ArrayD::from_shape_fn(IxDyn(&shape), |idx| (0..starts.len()).all(|a| self.selected[a][starts[a] + idx[a]]));
        Ok(Arc::new(out.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.key.clone())
    }
}

/// NumPy's one-argument `where(cond)`, which is `nonzero(cond)`: one 1-D `ChunkedArray<i64>`
/// of indices per axis.
pub fn where_one<T: Element>(cond: &ChunkedArray<T>) -> Result<Vec<ChunkedArray<i64>>> {
    cond.nonzero()
}

/// NumPy's `nonzero(x)`; see [`ChunkedArray::nonzero`].
pub fn nonzero<T: Element>(x: &ChunkedArray<T>) -> Result<Vec<ChunkedArray<i64>>> {
    x.nonzero()
}

/// NumPy's `argwhere(x)`, `(n, ndim)` `ChunkedArray<i64>`; see [`ChunkedArray::argwhere`].
pub fn argwhere<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<i64>> {
    x.argwhere()
}

/// NumPy's `flatnonzero(x)`, 1-D `ChunkedArray<i64>`; see [`ChunkedArray::flatnonzero`].
pub fn flatnonzero<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<i64>> {
    x.flatnonzero()
}

/// NumPy's `compress(condition, x, axis)`, a `ChunkedArray<T>`; see [`ChunkedArray::compress`].
pub fn compress<C: Condition + ?Sized, T: Element>(
    condition: &C,
    x: &ChunkedArray<T>,
    axis: Option<isize>,
) -> Result<ChunkedArray<T>> {
    x.compress(condition, axis)
}

/// The elements of `x` where `cond` is non-zero, flattened in C order (NumPy's `extract`):
/// a 1-D `ChunkedArray<T>` of unknown length. A `cond` with fewer elements than `x` considers
/// only the first elements of `x`; one with more is an [`Error::Index`] when computed if one
/// of the extra entries is true (NumPy's `IndexError`).
pub fn extract<C: Element, T: Element>(cond: &ChunkedArray<C>, x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let c = cond.map_unary::<bool, _>("extract-cond", Some("ne0".into()), |v: C| v != C::zero());
    if c.shape() == x.shape() {
        return x.mask(&c);
    }
    let (cs, xs) = (cond.size(), x.size());
    if cs == UNKNOWN || xs == UNKNOWN {
        return Err(Error::UnknownChunkSizes { op: "extract".into() });
    }
    let c = c.ravel()?;
    if cs > xs {
        // NumPy: an error only if one of the extra entries is true (checked when computed)
        let head = c.slice(ndarray::s![..xs as isize])?;
        let tail = c.slice(ndarray::s![xs as isize..])?;
        return guard_tail(&x.ravel()?.mask(&head)?, &tail, 0, xs);
    }
    let flat = x.ravel()?.slice(ndarray::s![..cs as isize])?;
    flat.mask(&c)
}

/// Elements chosen from `choices` by `index` (NumPy's `choose`): `out[i] =
/// choices[index[i]][i]`, all broadcast together; `mode` says what an index outside
/// `0..choices.len()` does ([`ChooseMode::Raise`]: [`Error::Value`] when computed). `index` is
/// an integer or bool array ([`Error::DType`] for floats). Result `ChunkedArray<T>`.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::ChooseMode;
/// let i = ChunkedArray::from_array(ndarray::arr1(&[0i64, 1, 2, 1]), [2]).unwrap();
/// let a = ndchunk::full::<f64>(&[4], 10.0, [3]).unwrap();
/// let b = ndchunk::arange::<f64>(0.0, 4.0, 1.0, [4]).unwrap();
/// let c = ndchunk::full::<f64>(&[], -1.0, [0usize; 0]).unwrap();
/// let y = ndchunk::choose(&i, &[&a, &b, &c], ChooseMode::Raise).unwrap();
/// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[10.0, 1.0, -1.0, 3.0]);
/// ```
pub fn choose<I: Element, T: Element>(
    index: &ChunkedArray<I>,
    choices: &[&ChunkedArray<T>],
    mode: ChooseMode,
) -> Result<ChunkedArray<T>> {
    if choices.is_empty() {
        return Err(Error::Value("choose needs at least one choice".into()));
    }
    if I::DTYPE.is_float() {
        return Err(Error::DType(format!(
            "Cannot cast array data from dtype('{}') to dtype('int64') according to the rule 'safe'",
            I::DTYPE
        )));
    }
    let mut shapes: Vec<&[usize]> = vec![index.shape()];
    shapes.extend(choices.iter().map(|c| c.shape()));
    let shape = broadcast_shapes(&shapes)?;
    let mut nodes = vec![index.broadcast_to(&shape)?.node().clone()];
    for c in choices {
        nodes.push(c.broadcast_to(&shape)?.node().clone());
    }
    let n = choices.len() as i64;
    zip_aligned::<T, _>("choose", nodes, move |blocks| {
        let idx = as_array::<I>(&blocks[0])?;
        let ch: Vec<_> = blocks[1..].iter().map(as_array::<T>).collect::<Result<_>>()?;
        // C-order views of the choices, indexed by the position in the block
        let ch: Vec<_> = ch.iter().map(|c| c.as_standard_layout()).collect();
        let ch: Vec<&[T]> = ch.iter().map(|c| c.as_slice().expect("standard layout")).collect();
        let mut out = Vec::with_capacity(idx.len());
        for (pos, &k) in idx.iter().enumerate() {
            let k: i64 = k.cast();
            let k = match mode {
                ChooseMode::Raise if k < 0 || k >= n => {
                    return Err(Error::Value(format!("invalid entry in choice array: {k} (with {n} choices)")))
                }
                ChooseMode::Raise => k,
                ChooseMode::Wrap => k.rem_euclid(n),
                ChooseMode::Clip => k.clamp(0, n - 1),
            };
            out.push(ch[k as usize][pos]);
        }
        ArrayD::from_shape_vec(idx.raw_dim(), out).map_err(|e| Error::Shape(e.to_string()))
    })
}

/// Elements from the choice of the first true condition, `default` where none is (NumPy's
/// `select`); everything broadcasts together. Result `ChunkedArray<T>`. Lists of different
/// lengths, or empty, are an [`Error::Value`].
pub fn select<T: Element>(
    condlist: &[&ChunkedArray<bool>],
    choicelist: &[&ChunkedArray<T>],
    default: impl Into<Operand<T>>,
) -> Result<ChunkedArray<T>> {
    if condlist.len() != choicelist.len() {
        return Err(Error::Value("list of cases must be same length as list of conditions".into()));
    }
    if condlist.is_empty() {
        return Err(Error::Value("select with an empty condition list is not possible".into()));
    }
    let mut shapes: Vec<&[usize]> = condlist.iter().map(|c| c.shape()).collect();
    shapes.extend(choicelist.iter().map(|c| c.shape()));
    let default = default.into();
    if let Operand::Array(d) = &default {
        shapes.push(d.shape());
    }
    let shape = broadcast_shapes(&shapes)?;
    let last = condlist.len() - 1;
    let mut y = where_(condlist[last], choicelist[last], default)?;
    for k in (0..last).rev() {
        y = where_(condlist[k], choicelist[k], &y)?;
    }
    y.broadcast_to(&shape)
}

/// `funclist[k]` applied where `condlist[k]` is true, later conditions taking precedence, 0
/// elsewhere, or `funclist[n]` where no condition holds when one more piece than conditions
/// is given (NumPy's `piecewise`). Conditions have `x`'s shape. Result `ChunkedArray<T>`.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::Piece;
/// let x = ndchunk::arange::<f64>(-2.0, 3.0, 1.0, [2]).unwrap();
/// let y = ndchunk::piecewise(&x, &[&x.lt(0.0).unwrap()], &[Piece::func(|v: f64| -v), Piece::func(|v: f64| v * 10.0)]).unwrap();
/// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[2.0, 1.0, 0.0, 10.0, 20.0]);
/// ```
pub fn piecewise<T: Element>(
    x: &ChunkedArray<T>,
    condlist: &[&ChunkedArray<bool>],
    funclist: &[Piece<T>],
) -> Result<ChunkedArray<T>> {
    let n = condlist.len();
    if funclist.len() != n && funclist.len() != n + 1 {
        return Err(Error::Value(format!("with {n} condition(s), either {n} or {} functions are expected", n + 1)));
    }
    if let Some(c) = condlist.iter().find(|c| c.shape() != x.shape()) {
        return Err(Error::Shape(format!(
            "piecewise condition of shape {:?} does not match the array's {:?}",
            c.shape(),
            x.shape()
        )));
    }
    let mut y = if funclist.len() == n + 1 { funclist[n].apply(x) } else { Piece::Const(T::zero()).apply(x) };
    for (c, f) in condlist.iter().zip(funclist) {
        y = where_(c, f.apply(x), &y)?;
    }
    Ok(y)
}

/// Flat (C-order) indices into an array of shape `dims` from one index array per axis, all
/// broadcast together (NumPy's `ravel_multi_index`, mode raise). Result `ChunkedArray<i64>`.
/// A wrong number of arrays is an [`Error::Value`]; an index outside its axis is an
/// [`Error::Value`] when computed.
pub fn ravel_multi_index(multi_index: &[&ChunkedArray<i64>], dims: &[usize]) -> Result<ChunkedArray<i64>> {
    ravel_multi_index_with(multi_index, dims, ChooseMode::Raise)
}

/// [`ravel_multi_index`] with NumPy's `mode`: indices outside an axis raise ([`Error::Value`]
/// when computed), wrap around, or are clipped to the axis. Result `ChunkedArray<i64>`.
pub fn ravel_multi_index_with(
    multi_index: &[&ChunkedArray<i64>],
    dims: &[usize],
    mode: ChooseMode,
) -> Result<ChunkedArray<i64>> {
    if multi_index.len() != dims.len() || dims.is_empty() {
        return Err(Error::Value(format!("parameter multi_index must be a sequence of length {}", dims.len())));
    }
    let (strides, _) = strides_of(dims)?;
    if mode != ChooseMode::Raise && dims.contains(&0) {
        return Err(Error::Value(format!("cannot wrap or clip indices into an empty axis: dims {dims:?}")));
    }
    let shapes: Vec<&[usize]> = multi_index.iter().map(|c| c.shape()).collect();
    let shape = broadcast_shapes(&shapes)?;
    let nodes = multi_index.iter().map(|c| Ok(c.broadcast_to(&shape)?.node().clone())).collect::<Result<Vec<_>>>()?;
    let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    zip_aligned::<i64, _>("ravel_multi_index", nodes, move |blocks| {
        let arrs: Vec<_> = blocks.iter().map(as_array::<i64>).collect::<Result<_>>()?;
        let mut out = ArrayD::<i64>::zeros(arrs[0].raw_dim());
        for (k, a) in arrs.iter().enumerate() {
            let (d, st) = (dims[k], strides[k]);
            let mut bad = false;
            out.zip_mut_with(a, |o, &i| {
                let j = match mode {
                    ChooseMode::Raise => i,
                    ChooseMode::Wrap => i.rem_euclid(d),
                    ChooseMode::Clip => i.clamp(0, d - 1),
                };
                if j < 0 || j >= d {
                    bad = true;
                } else {
                    // j < d and sum of (d_k - 1) * stride_k < prod(dims), checked to fit i64
                    *o += j * st;
                }
            });
            if bad {
                return Err(Error::Value("invalid entry in coordinates array".into()));
            }
        }
        Ok(out)
    })
}

/// C-order strides of `dims` and their product, checked to fit `i64`.
fn strides_of(dims: &[usize]) -> Result<(Vec<i64>, i64)> {
    let too_big = || Error::Value(format!("dims {dims:?} are too large for int64 indices"));
    let mut strides = vec![1i64; dims.len()];
    let mut acc: i64 = 1;
    for k in (0..dims.len()).rev() {
        strides[k] = acc;
        acc = acc.checked_mul(i64::try_from(dims[k]).map_err(|_| too_big())?).ok_or_else(too_big)?;
    }
    Ok((strides, acc))
}

/// The coordinates in an array of shape `dims` of flat (C-order) `indices` (NumPy's
/// `unravel_index`): one `ChunkedArray<i64>` per axis, each of `indices`' shape. An index
/// outside `0..prod(dims)` is an [`Error::Value`] when computed.
pub fn unravel_index(indices: &ChunkedArray<i64>, dims: &[usize]) -> Result<Vec<ChunkedArray<i64>>> {
    let (strides, size) = strides_of(dims)?;
    (0..dims.len())
        .map(|k| {
            let (stride, dim) = (strides[k], dims[k] as i64);
            zip_aligned::<i64, _>("unravel_index", vec![indices.node().clone()], move |blocks| {
                let a = as_array::<i64>(&blocks[0])?;
                if let Some(&bad) = a.iter().find(|&&i| i < 0 || i >= size) {
                    return Err(Error::Value(format!("index {bad} is out of bounds for array with size {size}")));
                }
                Ok(a.mapv(|i| (i / stride) % dim))
            })
        })
        .collect()
}
