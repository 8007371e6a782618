//! Source operations: blocks that come from an in-memory array or are generated.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::Slice;

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::Result;
use crate::graph::{ArrayBlock, Block, Dep, Node, Op};
use crate::ops::elementwise::tile::{BoxTile, Tile, TILE};
use crate::ops::elementwise::{finish_tile, Elementwise};

/// Blocks are zero-copy slices of a shared in-memory array.
pub struct FromArray<T: Element> {
    pub src: ArrayBlock<T>,
}

impl<T: Element> Op for FromArray<T> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let ranges = node.meta().chunks.block_ranges(b);
        let mut v = self.src.clone();
        for (a, r) in ranges.into_iter().enumerate() {
            v.slice_axis_inplace(ndarray::Axis(a), Slice::from(r));
        }
        Ok(Arc::new(v))
    }
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        true
    }
}

/// Every element equal to one value.
pub struct Fill<T: Element> {
    pub value: T,
}

impl<T: Element> Op for Fill<T> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let shape = node.meta().chunks.block_shape(b);
        Ok(Arc::new(crate::memory::try_full(&shape, self.value, "a block of full()")?.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.value))
    }
    fn elementwise(&self) -> Option<&dyn Elementwise> {
        Some(self)
    }
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        true
    }
}

/// The value of a constant node (made by `full`/`zeros`/`ones`), if `node` is one.
pub fn fill_value<T: Element>(node: &Node) -> Option<T> {
    (node.op.as_ref() as &dyn Any).downcast_ref::<Fill<T>>().map(|f| f.value)
}

/// A constant tile: `x + ones(...)` fused into one pass never allocates the ones.
struct ConstTile<T>(Vec<T>);

impl<T: Element> Tile<T> for ConstTile<T> {
    fn eval(&mut self, _: usize, len: usize) -> &[T] {
        &self.0[..len]
    }
}

impl<T: Element> Elementwise for Fill<T> {
    fn build(&self, _: &Node, _: &[usize], _: Vec<Box<dyn Any>>, shape: &[usize]) -> Result<Box<dyn Any>> {
        let n: usize = shape.iter().product();
        let t: BoxTile<T> = Box::new(ConstTile(vec![self.value; n.clamp(1, TILE)]));
        Ok(Box::new(t))
    }
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
        finish_tile::<T>(tile, shape)
    }
}

/// Elements computed from their global index.
pub struct FromIndex<T: Element, F> {
    pub f: F,
    pub key: String,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element, F: Fn(&[usize]) -> T + Send + Sync + 'static> Op for FromIndex<T, F> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let ranges = node.meta().chunks.block_ranges(b);
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let start: Vec<usize> = ranges.iter().map(|r| r.start).collect();
        let mut g = start.clone();
        let mut a = crate::memory::try_full(&shape, T::zero(), "a generated block")?;
        for (ix, v) in a.indexed_iter_mut() {
            for (k, gi) in g.iter_mut().enumerate() {
                *gi = start[k] + ix[k];
            }
            *v = (self.f)(&g);
        }
        Ok(Arc::new(a.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.key.clone())
    }
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        true
    }
}

/// A source node with the given op.
pub fn source_node<T: Element>(name: &'static str, shape: Vec<usize>, chunks: Chunks, op: impl Op) -> Arc<Node> {
    Node::array::<T>(name, Vec::new(), shape, chunks, op)
}
