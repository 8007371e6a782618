//! Axis permutations: block (i, j) of `x.t()` is block (j, i) of `x`, transposed in place
//! (a stride permutation of the shared block: no copy).

use std::sync::Arc;

use ndarray::IxDyn;

use crate::element::Element;
use crate::error::Result;
use crate::graph::{as_array, Block, Dep, Node, Op};

/// Permute axes: output axis `k` is input axis `perm[k]`.
pub struct Transpose<T> {
    pub perm: Vec<usize>,
    pub _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: Element> Op for Transpose<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let mut ib = vec![0; b.len()];
        for (k, &p) in self.perm.iter().enumerate() {
            ib[p] = b[k];
        }
        out.push(Dep { input: 0, block: crate::graph::ravel(&node.inputs[0].grid, &ib) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = as_array::<T>(&inputs[0])?.clone();
        Ok(Arc::new(a.permuted_axes(IxDyn(&self.perm))))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}", self.perm))
    }
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        true
    }
    #[cfg(feature = "mpi")]
    fn reads_whole_blocks(&self) -> bool {
        true
    }
}
