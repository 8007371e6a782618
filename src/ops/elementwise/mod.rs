//! Elementwise planner: broadcasting, chunk unification, and the fusable map operations.
//!
//! An elementwise node maps block `b` of its output to the block of each input at the same grid
//! position (or block 0 along axes the input broadcasts). Before the node is built, operands
//! are broadcast-checked (NumPy rules) and rechunked to the common refinement of their chunk
//! boundaries (dask's `unify_chunks`), so that position-for-position blocks line up.
//!
//! Every map node implements [`Elementwise`]: given tiles for its inputs it builds its own
//! tile. The lowering pass (`graph::plan`) strings single-consumer elementwise nodes together
//! into one task per block, evaluated tile by tile (see [`tile`]).

pub mod tile;

use std::any::Any;
use std::sync::Arc;

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, Dep, Node, Op, OutWindow};
use crate::ops::rechunk::rechunk_node;

pub use tile::{BoxTile, Leaf, Map1, Map2, Map3, Tile};

/// The fusion interface of elementwise operations.
pub trait Elementwise: Send + Sync {
    /// Build this operation's tile for block `block` (of `shape`) of `node` from one tile per
    /// input slot (each a `Box<BoxTile<A>>` for the slot's element type `A`). Sources (no
    /// inputs) build their tile from the block index alone.
    fn build(&self, node: &Node, block: &[usize], children: Vec<Box<dyn Any>>, shape: &[usize])
        -> Result<Box<dyn Any>>;
    /// Evaluate a tile built by `build` into a block.
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block>;
    /// Evaluate a tile built by `build` straight into a result window of `shape`.
    fn finish_into(&self, tile: Box<dyn Any>, shape: &[usize], dst: &mut OutWindow) -> Result<()> {
        dst.copy_from(&self.finish(tile, shape)?)
    }
}

/// Tile reader for array blocks of `T` (stored in each array node as its `leaf`).
pub fn leaf_fn<T: Element>(block: &Block, shape: &[usize]) -> Result<Box<dyn Any>> {
    let arr = as_array::<T>(block)?.clone();
    let have = arr.shape().to_vec();
    let leaf = Leaf::new(arr, shape).ok_or_else(|| Error::Broadcast { a: have, b: shape.to_vec() })?;
    let tile: BoxTile<T> = Box::new(leaf);
    Ok(Box::new(tile))
}

pub fn take_tile<A: Element>(b: Box<dyn Any>) -> Result<BoxTile<A>> {
    b.downcast::<BoxTile<A>>()
        .map(|b| *b)
        .map_err(|_| Error::DType(format!("internal: elementwise input is not a tile of {}", A::DTYPE)))
}

pub fn finish_tile<T: Element>(tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
    let mut t = take_tile::<T>(tile)?;
    Ok(Arc::new(tile::try_materialize(t.as_mut(), shape)?))
}

/// [`finish_tile`] into a result window.
pub fn finish_tile_into<T: Element>(tile: Box<dyn Any>, dst: &mut OutWindow) -> Result<()> {
    let mut t = take_tile::<T>(tile)?;
    let write =
        |view: ndarray::ArrayViewMutD<'_, std::mem::MaybeUninit<T>>| tile::try_materialize_into(t.as_mut(), view);
    // SAFETY: `try_materialize_into` stores a value into every element of the view before it
    // returns `Ok` (and only values).
    unsafe { dst.write_uninit::<T>(write) }
        .ok_or_else(|| Error::DType(format!("internal: result window is not of {}", T::DTYPE)))?
}

/// Input block of slot `slot` for output block `b` of an elementwise node.
pub fn input_block(node: &Node, slot: usize, b: &[usize], out: &mut Vec<usize>) {
    let in_shape = &node.inputs[slot].meta().shape;
    let out_shape = &node.meta().shape;
    let off = out_shape.len() - in_shape.len();
    out.clear();
    for (j, &n) in in_shape.iter().enumerate() {
        out.push(if n == 1 && out_shape[j + off] != 1 { 0 } else { b[j + off] });
    }
}

fn elementwise_deps(node: &Node, b: &[usize], out: &mut Vec<Dep>) {
    let mut ib = Vec::with_capacity(b.len());
    for slot in 0..node.inputs.len() {
        input_block(node, slot, b, &mut ib);
        out.push(Dep { input: slot as u32, block: crate::graph::ravel(&node.inputs[slot].grid, &ib) });
    }
}

/// Shape of block `b` of an elementwise node; with unknown chunk lengths (all operands then
/// share one grid and shape), the shape of the first input block.
pub fn ew_block_shape(node: &Node, b: &[usize], first_input: Option<&Block>) -> Vec<usize> {
    let chunks = &node.meta().chunks;
    if chunks.is_known() {
        chunks.block_shape(b)
    } else {
        first_input.and_then(|blk| blk.array_shape()).map(|s| s.to_vec()).unwrap_or_default()
    }
}

/// Run an elementwise node on its own (unfused): every input is a leaf.
fn elementwise_run(ew: &dyn Elementwise, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
    let shape = ew_block_shape(node, b, inputs.first());
    let mut children = Vec::with_capacity(inputs.len());
    for (slot, blk) in inputs.iter().enumerate() {
        let leaf = node.inputs[slot].leaf.expect("array input");
        children.push(leaf(blk, &shape)?);
    }
    let t = ew.build(node, b, children, &shape)?;
    ew.finish(t, &shape)
}

macro_rules! elementwise_op_impl {
    () => {
        fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
            elementwise_deps(node, b, out)
        }
        fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
            elementwise_run(self, node, b, inputs)
        }
        fn key(&self) -> Option<String> {
            self.key.clone()
        }
        fn elementwise(&self) -> Option<&dyn Elementwise> {
            Some(self)
        }
        #[cfg(feature = "mpi")]
        fn cheap_to_recompute(&self) -> bool {
            true
        }
        #[cfg(feature = "mpi")]
        fn reads_whole_blocks(&self) -> bool {
            true
        }
    };
}

/// `f(a)` elementwise.
pub struct MapOp1<A, T, F> {
    pub f: Arc<F>,
    pub key: Option<String>,
    pub _t: std::marker::PhantomData<fn(A) -> T>,
}

impl<A: Element, T: Element, F: Fn(A) -> T + Send + Sync + 'static> Elementwise for MapOp1<A, T, F> {
    fn build(&self, _: &Node, _: &[usize], mut children: Vec<Box<dyn Any>>, shape: &[usize]) -> Result<Box<dyn Any>> {
        let a = take_tile::<A>(children.remove(0))?;
        let t: BoxTile<T> = Box::new(Map1::new(a, self.f.clone(), shape.iter().product()));
        Ok(Box::new(t))
    }
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
        finish_tile::<T>(tile, shape)
    }
    fn finish_into(&self, tile: Box<dyn Any>, _: &[usize], dst: &mut OutWindow) -> Result<()> {
        finish_tile_into::<T>(tile, dst)
    }
}

impl<A: Element, T: Element, F: Fn(A) -> T + Send + Sync + 'static> Op for MapOp1<A, T, F> {
    elementwise_op_impl!();
}

/// `f(a, b)` elementwise.
pub struct MapOp2<A, B, T, F> {
    pub f: Arc<F>,
    pub key: Option<String>,
    pub _t: std::marker::PhantomData<fn(A, B) -> T>,
}

impl<A: Element, B: Element, T: Element, F: Fn(A, B) -> T + Send + Sync + 'static> Elementwise for MapOp2<A, B, T, F> {
    fn build(&self, _: &Node, _: &[usize], mut children: Vec<Box<dyn Any>>, shape: &[usize]) -> Result<Box<dyn Any>> {
        let b = take_tile::<B>(children.pop().expect("two inputs"))?;
        let a = take_tile::<A>(children.pop().expect("two inputs"))?;
        let t: BoxTile<T> = Box::new(Map2::new(a, b, self.f.clone(), shape.iter().product()));
        Ok(Box::new(t))
    }
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
        finish_tile::<T>(tile, shape)
    }
    fn finish_into(&self, tile: Box<dyn Any>, _: &[usize], dst: &mut OutWindow) -> Result<()> {
        finish_tile_into::<T>(tile, dst)
    }
}

impl<A: Element, B: Element, T: Element, F: Fn(A, B) -> T + Send + Sync + 'static> Op for MapOp2<A, B, T, F> {
    elementwise_op_impl!();
}

/// `f(a, b, c)` elementwise.
pub struct MapOp3<A, B, C, T, F> {
    pub f: Arc<F>,
    pub key: Option<String>,
    pub _t: std::marker::PhantomData<fn(A, B, C) -> T>,
}

impl<A: Element, B: Element, C: Element, T: Element, F: Fn(A, B, C) -> T + Send + Sync + 'static> Elementwise
    for MapOp3<A, B, C, T, F>
{
    fn build(&self, _: &Node, _: &[usize], mut children: Vec<Box<dyn Any>>, shape: &[usize]) -> Result<Box<dyn Any>> {
        let c = take_tile::<C>(children.pop().expect("three inputs"))?;
        let b = take_tile::<B>(children.pop().expect("three inputs"))?;
        let a = take_tile::<A>(children.pop().expect("three inputs"))?;
        let t: BoxTile<T> = Box::new(Map3::new(a, b, c, self.f.clone(), shape.iter().product()));
        Ok(Box::new(t))
    }
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
        finish_tile::<T>(tile, shape)
    }
    fn finish_into(&self, tile: Box<dyn Any>, _: &[usize], dst: &mut OutWindow) -> Result<()> {
        finish_tile_into::<T>(tile, dst)
    }
}

impl<A: Element, B: Element, C: Element, T: Element, F: Fn(A, B, C) -> T + Send + Sync + 'static> Op
    for MapOp3<A, B, C, T, F>
{
    elementwise_op_impl!();
}

/// NumPy's broadcast of several shapes.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    let nd = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; nd];
    for s in shapes {
        let off = nd - s.len();
        for (j, &n) in s.iter().enumerate() {
            let o = &mut out[j + off];
            if *o == 1 {
                *o = n;
            } else if n != 1 && n != *o {
                let first = shapes.iter().find(|x| {
                    let off2 = nd - x.len();
                    j + off >= off2 && x[j + off - off2] != 1 && x[j + off - off2] != n
                });
                return Err(Error::Broadcast { a: first.map(|f| f.to_vec()).unwrap_or_default(), b: s.to_vec() });
            }
        }
    }
    Ok(out)
}

/// The common refinement of block boundaries along one axis (union of the cut points).
pub fn refine(axes: &[&[usize]]) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::new();
    for a in axes {
        let mut acc = 0;
        for &l in *a {
            acc += l;
            cuts.push(acc);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::with_capacity(cuts.len());
    let mut prev = 0;
    for c in cuts {
        if c > prev {
            out.push(c - prev);
        }
        prev = c;
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// Broadcast-check `inputs`, rechunk them to common chunks, and build the elementwise node.
pub fn elementwise_node<T: Element>(name: &'static str, inputs: Vec<Arc<Node>>, op: impl Op) -> Result<Arc<Node>> {
    let shapes: Vec<&[usize]> = inputs.iter().map(|n| n.meta().shape.as_slice()).collect();
    if shapes.iter().any(|s| s.contains(&crate::chunks::UNKNOWN)) {
        return unknown_elementwise::<T>(name, inputs, op);
    }
    let out_shape = broadcast_shapes(&shapes)?;
    // broadcasting (n, 1) with (1, m) multiplies sizes: check the result like a created array
    crate::chunks::check_size(&out_shape, std::mem::size_of::<T>())?;
    let nd = out_shape.len();
    let mut out_chunks: Vec<Vec<usize>> = Vec::with_capacity(nd);
    for (ax, &n) in out_shape.iter().enumerate() {
        let lists: Vec<&[usize]> = inputs
            .iter()
            .filter_map(|inp| {
                let m = inp.meta();
                let off = nd - m.shape.len();
                if ax >= off && m.shape[ax - off] == n {
                    Some(m.chunks.axis(ax - off))
                } else {
                    None
                }
            })
            .collect();
        out_chunks.push(if lists.is_empty() { vec![n] } else { refine(&lists) });
    }
    let out_chunks = Chunks::checked(out_chunks)?;
    let out_chunks: Vec<Vec<usize>> = out_chunks.as_slices().to_vec();
    let mut unified = Vec::with_capacity(inputs.len());
    for inp in inputs {
        let m = inp.meta();
        let off = nd - m.shape.len();
        let want: Vec<Vec<usize>> = (0..m.shape.len())
            .map(|j| if m.shape[j] == out_shape[j + off] { out_chunks[j + off].clone() } else { vec![m.shape[j]] })
            .collect();
        if want.as_slice() == m.chunks.as_slices() {
            unified.push(inp);
        } else {
            unified.push(rechunk_node(&inp, Chunks::explicit(want))?);
        }
    }
    Ok(Node::array::<T>(name, unified, out_shape, Chunks::explicit(out_chunks), op))
}

/// Elementwise over operands with unknown block lengths: allowed when they share the same grid
/// and shape (e.g. `x[mask] * 2`, or two arrays masked alike); block shapes are checked when
/// the blocks exist.
fn unknown_elementwise<T: Element>(name: &'static str, inputs: Vec<Arc<Node>>, op: impl Op) -> Result<Arc<Node>> {
    let first = inputs[0].meta().clone();
    for inp in &inputs[1..] {
        let m = inp.meta();
        if m.shape != first.shape || m.chunks != first.chunks {
            return Err(Error::UnknownChunkSizes { op: format!("elementwise {name} of arrays whose chunks differ") });
        }
    }
    Ok(Node::array::<T>(name, inputs, first.shape, first.chunks, op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[&[3, 1], &[4]]).unwrap(), vec![3, 4]);
        assert_eq!(broadcast_shapes(&[&[], &[2, 2]]).unwrap(), vec![2, 2]);
        assert_eq!(broadcast_shapes(&[&[0, 1], &[1, 5]]).unwrap(), vec![0, 5]);
        let e = broadcast_shapes(&[&[3, 2], &[4]]).unwrap_err();
        assert!(matches!(e, Error::Broadcast { .. }), "{e}");
    }

    #[test]
    fn refinement_is_the_union_of_cuts() {
        assert_eq!(refine(&[&[4, 4, 2], &[5, 5]]), vec![4, 1, 3, 2]);
        assert_eq!(refine(&[&[0]]), vec![0]);
    }
}
