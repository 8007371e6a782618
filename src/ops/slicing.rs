//! Basic slicing (`s![..]`) and `take`.
//!
//! **Slicing** never copies: every output block is a strided view of exactly one input block.
//! Along each sliced axis the selected positions are grouped by the input block they fall in
//! (in output order, so negative steps walk the blocks backwards); integer indices pick one
//! block and drop the axis; `NewAxis` adds a length-1 axis. Blocks outside the selection are
//! never computed (the graph is culled from the outputs).
//!
//! **take** gathers positions along one axis in any order, with repeats: output blocks hold
//! up to one input block's worth of positions and depend on the input blocks those positions
//! fall in.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn, Slice, SliceInfoElem};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op};

/// A piece of one input block along one axis.
#[derive(Clone, Debug)]
struct Piece {
    block: usize,
    /// ndarray slice within the block (negative step: taken from the end of `start..end`).
    slice: Slice,
    len: usize,
}

#[derive(Clone, Debug)]
enum AxisSel {
    Index {
        block: usize,
        local: usize,
    },
    /// Output blocks along this axis; empty means the selection is empty (one block of 0).
    Pieces(Vec<Piece>),
    NewAxis,
}

/// Python's `slice.indices(n)` followed by the selected positions, grouped by block.
fn plan_axis(start: isize, end: Option<isize>, step: isize, offsets: &[usize]) -> Result<Vec<Piece>> {
    let n = *offsets.last().unwrap_or(&0) as isize;
    if step == 0 {
        return Err(Error::Value("slice step cannot be zero".into()));
    }
    let norm = |v: isize, lo: isize, hi: isize| if v < 0 { (v + n).max(lo) } else { v.min(hi) };
    // ndarray's s! uses Rust ranges: `start..end` in index order, then the step is applied
    // from the end when negative (ndarray semantics).
    let s = norm(start, 0, n);
    let e = match end {
        Some(e) => norm(e, 0, n),
        None => n,
    };
    let mut pieces = Vec::new();
    if e <= s {
        return Ok(pieces);
    }
    let a = step.unsigned_abs();
    // selected positions: s, s+a, ... < e (forward), or e-1, e-1-a, ... >= s (backward)
    let nblocks = offsets.len() - 1;
    let order: Vec<usize> = if step > 0 { (0..nblocks).collect() } else { (0..nblocks).rev().collect() };
    for b in order {
        let (bs, be) = (offsets[b] as isize, offsets[b + 1] as isize);
        let (lo, hi) = (bs.max(s), be.min(e)); // positions in [lo, hi)
        if lo >= hi {
            continue;
        }
        if step > 0 {
            let first = s + ((lo - s) as usize).div_ceil(a) as isize * a as isize;
            if first >= hi {
                continue;
            }
            let len = ((hi - 1 - first) as usize) / a + 1;
            let last = first + ((len - 1) * a) as isize;
            pieces.push(Piece { block: b, slice: Slice::new(first - bs, Some(last - bs + 1), step), len });
        } else {
            let top = e - 1;
            let first = top - ((top - (hi - 1)) as usize).div_ceil(a) as isize * a as isize; // largest <= hi-1
            if first < lo {
                continue;
            }
            let len = ((first - lo) as usize) / a + 1;
            let last = first - ((len - 1) * a) as isize;
            pieces.push(Piece { block: b, slice: Slice::new(last - bs, Some(first - bs + 1), step), len });
        }
    }
    Ok(pieces)
}

/// The slicing operation.
pub struct SliceOp<T> {
    sels: Vec<AxisSel>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> SliceOp<T> {
    /// Map an output block index to (input block index, per-input-axis pieces); `None` for an
    /// empty output block.
    fn source(&self, b: &[usize]) -> Option<(Vec<usize>, Vec<Option<&Piece>>)> {
        let mut ib = Vec::new();
        let mut pieces = Vec::new();
        let mut k = 0;
        for sel in &self.sels {
            match sel {
                AxisSel::Index { block, .. } => {
                    ib.push(*block);
                    pieces.push(None);
                }
                AxisSel::Pieces(ps) => {
                    if ps.is_empty() {
                        return None;
                    }
                    let p = &ps[b[k]];
                    ib.push(p.block);
                    pieces.push(Some(p));
                    k += 1;
                }
                AxisSel::NewAxis => k += 1,
            }
        }
        Some((ib, pieces))
    }
}

impl<T: Element> Op for SliceOp<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        if let Some((ib, _)) = self.source(b) {
            out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &ib) });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let Some((_, pieces)) = self.source(b) else {
            let shape = node.meta().chunks.block_shape(b);
            return Ok(Arc::new(ArrayD::<T>::from_elem(IxDyn(&shape), T::default()).into_shared()));
        };
        let mut a = as_array::<T>(&inputs[0])?.clone();
        let mut in_axis = 0;
        let mut drop = Vec::new();
        for sel in &self.sels {
            match sel {
                AxisSel::Index { local, .. } => {
                    a.collapse_axis(Axis(in_axis), *local);
                    drop.push(in_axis);
                    in_axis += 1;
                }
                AxisSel::Pieces(_) => {
                    let p = pieces[in_axis].expect("piece for a sliced axis");
                    a.slice_axis_inplace(Axis(in_axis), p.slice);
                    in_axis += 1;
                }
                AxisSel::NewAxis => {}
            }
        }
        for &d in drop.iter().rev() {
            a = a.index_axis_move(Axis(d), 0);
        }
        // insert new axes at their output positions
        let mut out_axis = 0;
        for sel in &self.sels {
            match sel {
                AxisSel::Index { .. } => {}
                AxisSel::Pieces(_) => out_axis += 1,
                AxisSel::NewAxis => {
                    a = a.insert_axis(Axis(out_axis));
                    out_axis += 1;
                }
            }
        }
        Ok(Arc::new(a))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.sels))
    }
}

/// Plan `x[info]`: returns output shape, chunks and the op.
pub fn slice_node<T: Element>(x: &Arc<Node>, info: &[SliceInfoElem]) -> Result<Arc<Node>> {
    let m = x.meta();
    let nd = m.shape.len();
    let n_axes = info.iter().filter(|e| !matches!(e, SliceInfoElem::NewAxis)).count();
    if n_axes > nd {
        return Err(Error::Index { index: n_axes as isize, axis: nd, size: nd });
    }
    let mut elems: Vec<SliceInfoElem> = info.to_vec();
    for _ in n_axes..nd {
        elems.push(SliceInfoElem::Slice { start: 0, end: None, step: 1 });
    }
    let mut sels = Vec::new();
    let mut shape = Vec::new();
    let mut chunks = Vec::new();
    let mut axis = 0;
    for e in elems {
        match e {
            SliceInfoElem::NewAxis => {
                sels.push(AxisSel::NewAxis);
                shape.push(1);
                chunks.push(vec![1]);
            }
            SliceInfoElem::Index(i) => {
                if !m.chunks.axis_is_known(axis) {
                    return Err(Error::UnknownChunkSizes { op: "integer indexing".into() });
                }
                let n = m.shape[axis] as isize;
                let j = if i < 0 { i + n } else { i };
                if j < 0 || j >= n {
                    return Err(Error::Index { index: i, axis, size: n as usize });
                }
                let (block, local) = m.chunks.locate(axis, j as usize).expect("in range");
                sels.push(AxisSel::Index { block, local });
                axis += 1;
            }
            SliceInfoElem::Slice { start, end, step } => {
                if !m.chunks.axis_is_known(axis) {
                    if start == 0 && end.is_none() && step == 1 {
                        // the whole axis: blocks pass through unchanged
                        let ps = (0..x.grid[axis])
                            .map(|b| Piece { block: b, slice: Slice::new(0, None, 1), len: crate::UNKNOWN })
                            .collect::<Vec<_>>();
                        shape.push(crate::UNKNOWN);
                        chunks.push(ps.iter().map(|p| p.len).collect());
                        sels.push(AxisSel::Pieces(ps));
                        axis += 1;
                        continue;
                    }
                    return Err(Error::UnknownChunkSizes { op: "slicing".into() });
                }
                let ps = plan_axis(start, end, step, &m.chunks.offsets(axis))?;
                let lens: Vec<usize> = ps.iter().map(|p| p.len).collect();
                shape.push(lens.iter().sum());
                chunks.push(if lens.is_empty() { vec![0] } else { lens });
                sels.push(AxisSel::Pieces(ps));
                axis += 1;
            }
        }
    }
    let op = SliceOp::<T> { sels, _t: PhantomData };
    Ok(Node::array::<T>("getitem", vec![x.clone()], shape, Chunks::explicit(chunks), op))
}

/// Gather positions along one axis.
pub struct TakeOp<T> {
    axis: usize,
    /// Per output block along the axis: (input block, local position) for each element.
    groups: Vec<Vec<(usize, usize)>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> TakeOp<T> {
    fn blocks_of(&self, g: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.groups[g].iter().map(|p| p.0).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl<T: Element> Op for TakeOp<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let mut ib = b.to_vec();
        for blk in self.blocks_of(b[self.axis]) {
            ib[self.axis] = blk;
            out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &ib) });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape = node.meta().chunks.block_shape(b);
        let blocks = self.blocks_of(b[self.axis]);
        let mut out = ArrayD::<T>::from_elem(IxDyn(&shape), T::default());
        for (k, &(blk, local)) in self.groups[b[self.axis]].iter().enumerate() {
            let pos = blocks.binary_search(&blk).expect("dependency present");
            let src = as_array::<T>(&inputs[pos])?;
            out.index_axis_mut(Axis(self.axis), k).assign(&src.index_axis(Axis(self.axis), local));
        }
        Ok(Arc::new(out.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{}{:?}", self.axis, self.groups))
    }
}

/// Plan `take(indices, axis)` (indices already checked and made non-negative).
pub fn take_node<T: Element>(x: &Arc<Node>, indices: &[usize], axis: usize) -> Result<Arc<Node>> {
    let m = x.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "take".into() });
    }
    let per_block = m.chunks.chunksize()[axis].max(1);
    let groups: Vec<Vec<(usize, usize)>> = indices
        .chunks(per_block)
        .map(|g| g.iter().map(|&i| m.chunks.locate(axis, i).expect("index checked")).collect())
        .collect();
    let mut ch: Vec<Vec<usize>> = m.chunks.as_slices().to_vec();
    ch[axis] = if groups.is_empty() { vec![0] } else { groups.iter().map(|g| g.len()).collect() };
    let groups = if groups.is_empty() { vec![vec![]] } else { groups };
    let mut shape = m.shape.clone();
    shape[axis] = indices.len();
    let op = TakeOp::<T> { axis, groups, _t: PhantomData };
    Ok(Node::array::<T>("take", vec![x.clone()], shape, Chunks::explicit(ch), op))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(start: isize, end: Option<isize>, step: isize, offsets: &[usize]) -> Vec<usize> {
        plan_axis(start, end, step, offsets)
            .unwrap()
            .iter()
            .flat_map(|p| {
                let (bs, be) = (offsets[p.block], offsets[p.block + 1]);
                let idx: Vec<usize> = (bs..be).collect();
                let a = ndarray::Array1::from(idx);
                a.slice_axis(Axis(0), p.slice).to_vec()
            })
            .collect()
    }

    #[test]
    fn axis_plans_match_ndarray() {
        let offsets = [0, 3, 6, 7, 10];
        let all = ndarray::Array1::from((0..10).collect::<Vec<usize>>());
        for (s, e, st) in [
            (0, None, 1),
            (1, Some(9), 2),
            (-3, None, 1),
            (0, None, -1),
            (2, Some(8), -3),
            (0, Some(0), 1),
            (5, Some(2), 1),
        ] {
            let want = all.slice_axis(Axis(0), Slice::new(s, e, st)).to_vec();
            assert_eq!(positions(s, e, st, &offsets), want, "{s} {e:?} {st}");
        }
        // out-of-range bounds clamp, as in NumPy
        assert_eq!(positions(-100, Some(100), 4, &offsets), vec![0, 4, 8]);
    }
}
