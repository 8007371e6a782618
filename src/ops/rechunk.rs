//! Rechunking: the same array cut into different blocks.
//!
//! The direct plan: each output block depends on the input blocks it overlaps; a block that
//! falls inside one input block is a zero-copy slice of it, others are assembled from pieces.
//! (The multi-stage planner that bounds graph size for transpose-like rechunks builds on this.)

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice};

use crate::array::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, Dep, Node, Op};
use crate::with_dtype;

/// Rechunk operation: output block → overlapping input blocks.
pub struct Rechunk<T> {
    /// Input block offsets per axis (with the total at the end).
    old_offsets: Vec<Vec<usize>>,
    /// Output block offsets per axis.
    new_offsets: Vec<Vec<usize>>,
    /// Per axis, per output block: the first and last+1 overlapping input block.
    overlaps: Vec<Vec<(usize, usize)>>,
    new_chunks: Chunks,
    _t: PhantomData<fn() -> T>,
}

fn overlaps(old: &[usize], new: &[usize]) -> Vec<(usize, usize)> {
    let mut res = Vec::with_capacity(new.len() - 1);
    let mut lo = 0;
    for w in new.windows(2) {
        let (s, e) = (w[0], w[1]);
        if s == e {
            res.push((0, 0));
            continue;
        }
        while old[lo + 1] <= s {
            lo += 1;
        }
        let mut hi = lo;
        while old[hi] < e {
            hi += 1;
        }
        res.push((lo, hi));
    }
    res
}

impl<T: Element> Rechunk<T> {
    fn new(old: &Chunks, new: &Chunks) -> Self {
        let nd = old.ndim();
        let old_offsets: Vec<Vec<usize>> = (0..nd).map(|a| old.offsets(a)).collect();
        let new_offsets: Vec<Vec<usize>> = (0..nd).map(|a| new.offsets(a)).collect();
        let overlaps = (0..nd).map(|a| overlaps(&old_offsets[a], &new_offsets[a])).collect();
        Rechunk { old_offsets, new_offsets, overlaps, new_chunks: new.clone(), _t: PhantomData }
    }
}

impl<T: Element> Op for Rechunk<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let ranges: Vec<(usize, usize)> = b.iter().enumerate().map(|(a, &i)| self.overlaps[a][i]).collect();
        if ranges.iter().any(|(lo, hi)| lo == hi) {
            return; // empty output block
        }
        let grid = &node.inputs[0].grid;
        let mut idx: Vec<usize> = ranges.iter().map(|r| r.0).collect();
        loop {
            out.push(Dep { input: 0, block: crate::graph::ravel(grid, &idx) });
            let mut d = idx.len();
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < ranges[d].1 {
                    break;
                }
                idx[d] = ranges[d].0;
            }
        }
    }

    fn run(&self, _node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape = self.new_chunks.block_shape(b);
        let starts: Vec<usize> = b.iter().enumerate().map(|(a, &i)| self.new_offsets[a][i]).collect();
        if inputs.is_empty() {
            return Ok(Arc::new(ArrayD::<T>::from_elem(IxDyn(&shape), T::default()).into_shared()));
        }
        let ranges: Vec<(usize, usize)> = b.iter().enumerate().map(|(a, &i)| self.overlaps[a][i]).collect();
        if inputs.len() == 1 {
            // Inside one input block: a zero-copy slice.
            let src = as_array::<T>(&inputs[0])?;
            let mut v = src.clone();
            for (a, &(lo, _)) in ranges.iter().enumerate() {
                let s = starts[a] - self.old_offsets[a][lo];
                v.slice_axis_inplace(ndarray::Axis(a), Slice::from(s..s + shape[a]));
            }
            return Ok(Arc::new(v));
        }
        let mut out = ArrayD::<T>::from_elem(IxDyn(&shape), T::default());
        let mut idx: Vec<usize> = ranges.iter().map(|r| r.0).collect();
        for inp in inputs {
            let src = as_array::<T>(inp)?;
            // Overlap of input block `idx` with the output block, in both frames.
            let mut sv = src.view();
            let mut ov = out.view_mut();
            for a in 0..shape.len() {
                let (is, ie) = (self.old_offsets[a][idx[a]], self.old_offsets[a][idx[a] + 1]);
                let (os, oe) = (starts[a], starts[a] + shape[a]);
                let (s, e) = (is.max(os), ie.min(oe));
                sv.slice_axis_inplace(ndarray::Axis(a), Slice::from(s - is..e - is));
                ov.slice_axis_inplace(ndarray::Axis(a), Slice::from(s - os..e - os));
            }
            ov.assign(&sv);
            // next input block in C order
            let mut d = idx.len();
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                if idx[d] < ranges[d].1 {
                    break;
                }
                idx[d] = ranges[d].0;
            }
        }
        Ok(Arc::new(out.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("rechunk{:?}", self.new_chunks.as_slices()))
    }
}

/// A node holding `inp` cut into `new` chunks (checked against the shape).
pub fn rechunk_node(inp: &Arc<Node>, new: Chunks) -> Result<Arc<Node>> {
    let m = inp.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
    }
    let new = crate::array::chunks::ChunkSpec::Explicit(new).normalize(&m.shape, m.dtype.itemsize(), usize::MAX)?;
    if new == m.chunks {
        return Ok(inp.clone());
    }
    with_dtype!(m.dtype, T => {
        let op = Rechunk::<T>::new(&m.chunks, &new);
        Ok(Node::array::<T>("rechunk", vec![inp.clone()], m.shape.clone(), new, op))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_ranges() {
        // old blocks [0,4) [4,8) [8,10); new [0,3) [3,9) [9,10)
        assert_eq!(overlaps(&[0, 4, 8, 10], &[0, 3, 9, 10]), vec![(0, 1), (0, 3), (2, 3)]);
    }
}
