//! Boolean masks (`x[mask]`) and arrays whose block lengths are unknown until computed.
//!
//! `x.mask(&m)` keeps the elements where `m` is true, as a 1-D array with one block per block
//! of `x` whose lengths are unknown ([`UNKNOWN`]). To return elements in NumPy's (C) order,
//! blocks must cover whole trailing axes; `x` and `m` are rechunked that way first when they do
//! not (rows are grouped so a block stays near its original size).
//!
//! Reductions and histograms work on unknown lengths directly; operations that need them
//! return `Error::UnknownChunkSizes` until `compute_chunk_sizes()` computes them.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Zip};

use crate::chunks::{Chunks, UNKNOWN};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, Value};

/// Elements of `x` where `m` is true, block by block.
pub struct MaskOp<T> {
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for MaskOp<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        // output block b[0] is the b[0]-th block (C order) of both inputs, which share a grid
        out.push(Dep { input: 0, block: b[0] });
        out.push(Dep { input: 1, block: b[0] });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let m = as_array::<bool>(&inputs[1])?;
        if x.shape() != m.shape() {
            return Err(Error::Shape(format!("mask block {:?} does not match data block {:?}", m.shape(), x.shape())));
        }
        let out: Vec<T> = match (x.as_slice(), m.as_slice()) {
            (Some(xs), Some(ms)) => {
                // count, then fill an exact allocation (no regrowth, no oversized buffer)
                let count = ms.iter().filter(|&&k| k).count();
                let mut out = Vec::with_capacity(count);
                out.extend(xs.iter().zip(ms).filter(|(_, &k)| k).map(|(&v, _)| v));
                out
            }
            _ => {
                let mut out = Vec::new();
                Zip::from(x).and(m).for_each(|&v, &keep| {
                    if keep {
                        out.push(v)
                    }
                });
                out
            }
        };
        let n = out.len();
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&[n]), out).expect("1-D").into_shared()))
    }
}

/// Chunks for `shape` whose blocks cover whole trailing axes, with about `elems` elements each.
pub fn row_chunks(shape: &[usize], elems: usize) -> Result<Chunks> {
    let row: usize = shape[1..].iter().product::<usize>().max(1);
    let rows = (elems / row).max(1);
    let mut axes = vec![crate::chunks::uniform_axis(shape[0], rows)?];
    for &n in &shape[1..] {
        axes.push(vec![n]);
    }
    Ok(Chunks::explicit(axes))
}

/// Plan `x[m]` (x and m of the same shape and chunks, blocks covering trailing axes).
pub fn mask_node<T: Element>(x: &Arc<Node>, m: &Arc<Node>) -> Result<Arc<Node>> {
    let nb = x.nblocks();
    let op = MaskOp::<T> { _t: PhantomData };
    Ok(Node::array::<T>(
        "getitem-mask",
        vec![x.clone(), m.clone()],
        vec![UNKNOWN],
        Chunks::explicit(vec![vec![UNKNOWN; nb]]),
        op,
    ))
}

/// Each block's shape, for `compute_chunk_sizes`.
pub struct ShapeProbe;

impl Op for ShapeProbe {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape = inputs[0].array_shape().map(|s| s.to_vec()).unwrap_or_default();
        Ok(Arc::new(Value(ArrayD::from_shape_vec(IxDyn(&[shape.len()]), shape).expect("1-D"))))
    }
}

/// The same blocks, with their lengths now known.
pub struct KnownChunks;

impl Op for KnownChunks {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        Ok(inputs[0].clone())
    }
}
