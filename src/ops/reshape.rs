//! Reshape to any shape of the same size (C order), in bounded memory.
//!
//! dask only reshapes when axes merge or split evenly; NumPy reshapes anything. ndchunk does
//! what NumPy does, with two plans:
//!
//! * **unit axes only** (adding or removing length-1 axes): block for block, no copy;
//! * **general**: a C-order reshape preserves the flat element order, so if every block of
//!   the input is a contiguous *flat range* (blocks span whole trailing axes: chunks like
//!   `(1, …, 1, c, whole, …, whole)`), and the output is cut the same way, each output block is
//!   a flat range covered by a few consecutive input blocks. The input is rechunked to such
//!   "flat" chunks when it is not already (with the planned rechunk), keeping the block size;
//!   an output block inside one input block is a zero-copy view, others copy their pieces.
//!
//! **Memory bound.** With `L` the larger of the input's and output's block sizes, flat blocks
//! hold between `L − row` and `L` elements (`row` the product of the whole trailing axes,
//! at most `L`), so an output block overlaps at most three input blocks: a reshape task holds
//! at most **4·L** elements (its output plus its inputs). The rechunk to flat chunks is bounded
//! as documented in `ops::rechunk`.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::chunks::{uniform_axis, Chunks};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op};
use crate::ops::rechunk::{rechunk_planned, RechunkOptions};

/// Resolve a requested shape (one `-1` allowed) against `size` elements.
pub fn resolve_shape(req: &[isize], size: usize, from: &[usize]) -> Result<Vec<usize>> {
    let unknown: Vec<usize> = (0..req.len()).filter(|&i| req[i] == -1).collect();
    if unknown.len() > 1 {
        return Err(Error::Value("can only specify one unknown dimension (-1)".into()));
    }
    if let Some(&bad) = req.iter().find(|&&v| v < -1) {
        return Err(Error::Value(format!("negative dimension {bad} in reshape")));
    }
    let too_big =
        || Error::Value(format!("cannot reshape array of size {size} into shape {req:?}: the shape's size overflows"));
    let known =
        req.iter().filter(|&&v| v >= 0).try_fold(1usize, |a, &v| a.checked_mul(v as usize)).ok_or_else(too_big)?;
    let mut out: Vec<usize> = req.iter().map(|&v| v.max(0) as usize).collect();
    if let Some(&u) = unknown.first() {
        if known == 0 || !size.is_multiple_of(known) {
            return Err(Error::Shape(format!("cannot reshape array of shape {from:?} into shape {req:?}")));
        }
        out[u] = size / known;
    }
    if out.iter().try_fold(1usize, |a, &v| a.checked_mul(v)).ok_or_else(too_big)? != size {
        return Err(Error::Shape(format!("cannot reshape array of size {size} (shape {from:?}) into shape {req:?}")));
    }
    Ok(out)
}

/// Flat chunks of `shape` with about `elems` elements per block.
pub fn flat_chunks(shape: &[usize], elems: usize) -> Result<Chunks> {
    let nd = shape.len();
    let elems = elems.max(1);
    // first axis whose trailing product fits
    let mut k = nd.saturating_sub(1);
    for a in 0..nd {
        let trailing: usize = shape[a + 1..].iter().product();
        if trailing <= elems {
            k = a;
            break;
        }
    }
    let trailing: usize = shape.get(k + 1..).map(|s| s.iter().product()).unwrap_or(1);
    Chunks::checked(
        (0..nd)
            .map(|a| {
                if a < k {
                    uniform_axis(shape[a], 1)
                } else if a == k {
                    uniform_axis(shape[a], (elems / trailing.max(1)).max(1))
                } else {
                    Ok(vec![shape[a]])
                }
            })
            .collect::<Result<_>>()?,
    )
}

/// Whether every block of `c` is a contiguous flat range of the array.
pub fn is_flat(c: &Chunks) -> bool {
    let g = c.numblocks();
    let shape = c.shape();
    match (0..g.len()).rev().find(|&a| g[a] > 1) {
        None => true,
        Some(k) => (0..k).all(|a| shape[a] == 0 || c.axis(a).iter().all(|&l| l == 1)),
    }
}

/// Flat start offset of every block of flat chunks `c` (grid C order), plus the total.
fn flat_starts(c: &Chunks) -> Vec<usize> {
    let shape = c.shape();
    let nd = shape.len();
    let mut starts = Vec::with_capacity(c.nblocks() + 1);
    for idx in crate::graph::grid_indices(&c.numblocks()) {
        let mut flat = 0;
        for a in 0..nd {
            flat = flat * shape[a] + c.start(a, idx[a]);
        }
        starts.push(flat);
    }
    starts.push(shape.iter().product());
    starts
}

/// General reshape between flat chunkings.
struct FlatReshape<T> {
    in_starts: Vec<usize>,
    out_starts: Vec<usize>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> FlatReshape<T> {
    fn overlapping(&self, f: usize) -> std::ops::Range<usize> {
        let (a, b) = (self.out_starts[f], self.out_starts[f + 1]);
        if a == b {
            return 0..0;
        }
        // input blocks with start < b and end > a
        let lo = self.in_starts.partition_point(|&s| s <= a).saturating_sub(1);
        let hi = self.in_starts.partition_point(|&s| s < b).min(self.in_starts.len() - 1);
        let mut lo = lo;
        while lo < hi && self.in_starts[lo + 1] <= a {
            lo += 1;
        }
        lo..hi
    }
}

impl<T: Element> Op for FlatReshape<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let f = ravel(&node.grid, b);
        for i in self.overlapping(f) {
            out.push(Dep { input: 0, block: i });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let f = ravel(&node.grid, b);
        let shape = node.meta().chunks.block_shape(b);
        let (a, e) = (self.out_starts[f], self.out_starts[f + 1]);
        let range = self.overlapping(f);
        if inputs.len() == 1 {
            let src = as_array::<T>(&inputs[0])?;
            if src.is_standard_layout() {
                // zero-copy: flatten, slice, reshape
                let s0 = self.in_starts[range.start];
                let n = src.len();
                let flat = src.clone().into_shape_with_order(IxDyn(&[n])).map_err(|e| Error::Shape(e.to_string()))?;
                let mut flat = flat;
                flat.slice_axis_inplace(Axis(0), Slice::from(a - s0..e - s0));
                let out = flat.into_shape_with_order(IxDyn(&shape)).map_err(|e| Error::Shape(e.to_string()))?;
                return Ok(Arc::new(out));
            }
        }
        let mut v: Vec<T> = Vec::with_capacity(e - a);
        for (k, i) in range.enumerate() {
            let src = as_array::<T>(&inputs[k])?;
            let s0 = self.in_starts[i];
            let (lo, hi) = (a.max(s0) - s0, e.min(self.in_starts[i + 1]) - s0);
            match src.as_slice() {
                Some(s) => v.extend_from_slice(&s[lo..hi]),
                None => v.extend(src.iter().skip(lo).take(hi - lo).copied()),
            }
        }
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| Error::Shape(e.to_string()))?.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.out_starts.len()))
    }
}

/// Add or remove length-1 axes, block for block.
struct UnitAxes<T> {
    in_shape: Vec<usize>,
    out_shape: Vec<usize>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for UnitAxes<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let pos: Vec<usize> = b.iter().zip(&self.out_shape).filter(|(_, &n)| n != 1).map(|(&i, _)| i).collect();
        let mut it = pos.into_iter();
        let ib: Vec<usize> = self.in_shape.iter().map(|&n| if n == 1 { 0 } else { it.next().unwrap_or(0) }).collect();
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &ib) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let mut a = as_array::<T>(&inputs[0])?.clone();
        for ax in (0..self.in_shape.len()).rev() {
            if self.in_shape[ax] == 1 {
                a = a.index_axis_move(Axis(ax), 0);
            }
        }
        for (ax, &n) in self.out_shape.iter().enumerate() {
            if n == 1 {
                a = a.insert_axis(Axis(ax));
            }
        }
        Ok(Arc::new(a))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.out_shape))
    }
}

fn non_unit(s: &[usize]) -> Vec<usize> {
    s.iter().copied().filter(|&n| n != 1).collect()
}

/// Add or remove length-1 axes only (`shape` equals `x`'s shape without/with unit axes).
/// Works with unknown block lengths on the other axes.
pub fn unit_axes_node<T: Element>(x: &Arc<Node>, shape: Vec<usize>) -> Result<Arc<Node>> {
    let m = x.meta();
    if non_unit(&m.shape) != non_unit(&shape) {
        return Err(Error::Shape(format!("{:?} and {shape:?} differ in more than length-1 axes", m.shape)));
    }
    let mut it = (0..m.shape.len()).filter(|&a| m.shape[a] != 1).map(|a| m.chunks.axis(a).to_vec());
    let chunks: Vec<Vec<usize>> =
        shape.iter().map(|&n| if n == 1 { vec![1] } else { it.next().expect("axis") }).collect();
    let op = UnitAxes::<T> { in_shape: m.shape.clone(), out_shape: shape.clone(), _t: PhantomData };
    Ok(Node::array::<T>("reshape", vec![x.clone()], shape, Chunks::explicit(chunks), op))
}

/// Plan `x.reshape(shape)`.
pub fn reshape_node<T: Element>(x: &Arc<Node>, shape: Vec<usize>) -> Result<Arc<Node>> {
    let m = x.meta();
    if shape == m.shape {
        return Ok(x.clone());
    }
    if non_unit(&m.shape) == non_unit(&shape) {
        return unit_axes_node::<T>(x, shape);
    }
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "reshape".into() });
    }
    let size: usize = shape.iter().product();
    if size == 0 {
        // no elements to move: one empty block per axis, with no dependency on the input
        let chunks = Chunks::explicit(shape.iter().map(|&n| vec![n]).collect());
        let fill = crate::ops::creation::Fill { value: T::zero() };
        return Ok(crate::ops::creation::source_node::<T>("reshape", shape, chunks, fill));
    }
    let block: usize = m.chunks.chunksize().iter().map(|&c| c.max(1)).product::<usize>().clamp(1, size.max(1));
    let input = if is_flat(&m.chunks) {
        x.clone()
    } else {
        rechunk_planned(x, flat_chunks(&m.shape, block)?, &RechunkOptions::default())?
    };
    let in_block = input.meta().chunks.chunksize().iter().map(|&c| c.max(1)).product::<usize>();
    let out_chunks = flat_chunks(&shape, in_block.max(block))?;
    let op = FlatReshape::<T> {
        in_starts: flat_starts(&input.meta().chunks),
        out_starts: flat_starts(&out_chunks),
        _t: PhantomData,
    };
    Ok(Node::array::<T>("reshape", vec![input], shape, out_chunks, op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_chunkings() {
        let c = flat_chunks(&[10, 6, 4], 50).unwrap();
        assert_eq!(c.as_slices(), &[vec![2, 2, 2, 2, 2], vec![6], vec![4]]);
        assert!(is_flat(&c));
        let c = flat_chunks(&[10, 6, 4], 10).unwrap();
        assert_eq!(c.as_slices()[1], vec![2, 2, 2]);
        assert!(is_flat(&c));
        assert!(!is_flat(&Chunks::uniform(&[10, 6], &[5, 3]).unwrap()));
        assert!(is_flat(&Chunks::uniform(&[10, 6], &[1, 3]).unwrap()));
        assert_eq!(flat_starts(&Chunks::uniform(&[4, 6], &[1, 3]).unwrap()), vec![0, 3, 6, 9, 12, 15, 18, 21, 24]);
    }

    #[test]
    fn shape_resolution() {
        assert_eq!(resolve_shape(&[-1, 4], 12, &[12]).unwrap(), vec![3, 4]);
        assert!(resolve_shape(&[-1, -1], 12, &[12]).is_err());
        assert!(resolve_shape(&[5, -1], 12, &[12]).is_err());
        assert!(resolve_shape(&[5, 3], 12, &[12]).is_err());
        assert!(resolve_shape(&[0, -1], 0, &[0]).is_err());
        assert_eq!(resolve_shape(&[0, 3], 0, &[0]).unwrap(), vec![0, 3]);
    }
}
