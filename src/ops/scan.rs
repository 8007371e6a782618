//! A blocked scan with user functions (dask's `cumreduction`): each block is scanned on its own
//! (`func`), then every block is combined with the carry of the blocks before it.
//!
//! ```text
//!  scanned[i] = func(x[i])                                   (parallel)
//!  carry[0]   = ident;  carry[i] = carry[i-1] ⊕ last(scanned[i-1])    (a chain along the axis)
//!  out[i]     = carry[i] ⊕ scanned[i]                        (parallel, carry broadcast)
//! ```
//! The carries are one slice per block (the block's shape with the axis of length 1).

use std::sync::Arc;

use ndarray::{ArrayD, Axis, Slice};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::Result;
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, SELF_INPUT};

/// The binary operation of a scan, on elements.
pub type ScanOp<T> = Arc<dyn Fn(T, T) -> T + Send + Sync>;

struct Carry<T> {
    axis: usize,
    binop: ScanOp<T>,
    ident: T,
}

impl<T: Element> Op for Carry<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        if b[self.axis] > 0 {
            let mut p = b.to_vec();
            p[self.axis] -= 1;
            out.push(Dep { input: SELF_INPUT, block: ravel(&node.grid, &p) });
            out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &p) });
        }
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        if b[self.axis] == 0 {
            let shape = node.meta().chunks.block_shape(b);
            return Ok(Arc::new(crate::memory::try_full(&shape, self.ident, "a scan carry")?.into_shared()));
        }
        let mut c = as_array::<T>(&inputs[0])?.to_owned();
        let s = as_array::<T>(&inputs[1])?;
        let n = s.len_of(Axis(self.axis));
        if n > 0 {
            let last = s.slice_axis(Axis(self.axis), Slice::from(n - 1..n));
            c.zip_mut_with(&last, |a, &v| *a = (self.binop)(*a, v));
        }
        Ok(Arc::new(c.into_shared()))
    }
}

struct Apply<T> {
    axis: usize,
    binop: ScanOp<T>,
}

impl<T: Element> Op for Apply<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: ravel(&node.inputs[1].grid, b) });
    }
    fn run(&self, _: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let s = as_array::<T>(&inputs[0])?;
        if b[self.axis] == 0 {
            return Ok(inputs[0].clone()); // the carry is the identity
        }
        let carry = as_array::<T>(&inputs[1])?;
        let mut y: ArrayD<T> = s.to_owned();
        let binop = &self.binop;
        for mut lane in y.axis_iter_mut(Axis(self.axis)) {
            let c = carry.index_axis(Axis(self.axis), 0);
            lane.zip_mut_with(&c, |v, &c| *v = binop(c, *v));
        }
        Ok(Arc::new(y.into_shared()))
    }
}

/// `scanned` (each block already scanned along `axis`) combined with the carries of the blocks
/// before it.
pub fn scan_with_carries<T: Element>(scanned: &Arc<Node>, axis: usize, binop: ScanOp<T>, ident: T) -> Arc<Node> {
    let m = scanned.meta();
    let mut cshape = m.shape.clone();
    cshape[axis] = scanned.grid[axis];
    let mut cch: Vec<Vec<usize>> = m.chunks.as_slices().to_vec();
    cch[axis] = vec![1; scanned.grid[axis]];
    let carry = Node::array::<T>(
        "cumreduction-carry",
        vec![scanned.clone()],
        cshape,
        Chunks::explicit(cch),
        Carry { axis, binop: binop.clone(), ident },
    );
    Node::array::<T>(
        "cumreduction",
        vec![scanned.clone(), carry],
        m.shape.clone(),
        m.chunks.clone(),
        Apply { axis, binop },
    )
}
