//! Cumulative sums and products along an axis (a blocked scan).
//!
//! ```text
//!  carry[0]  = 0;  carry[i] = carry[i-1] + x[i-1][0] + x[i-1][1] + …   (a chain of folds)
//!  out[i][j] = carry[i] + x[i][0] + … + x[i][j]                       (parallel)
//! ```
//! Every output element is the same left-to-right sequence of operations NumPy's scan does,
//! so results agree with NumPy exactly, overflow and 0 × inf cases included. The carries are
//! sequential along the axis (a streaming fold per block, no allocation beyond one slice);
//! the scans of the blocks then run in parallel.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, Slice};

use crate::chunks::Chunks;
use crate::element::{Arith, Element};
use crate::error::Result;
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, SELF_INPUT};

fn combine<A: Arith, const PROD: bool>(a: A, b: A) -> A {
    if PROD {
        a.num_mul(b)
    } else {
        a.num_add(b)
    }
}

fn identity<A: Arith, const PROD: bool>() -> A {
    if PROD {
        A::one()
    } else {
        A::zero()
    }
}

/// Running total of the blocks before block i along the axis (shape of a block with the axis
/// of length 1): carry[0] is the identity, carry[i] folds block i-1's elements, in order, into
/// carry[i-1]. Folding the elements one by one (rather than combining with a block's own scan
/// total) is what NumPy's sequential scan computes, so the edge cases agree: a running product
/// that is 0 stays 0 after a block whose own product overflows to inf (NumPy: 0, not 0 × inf =
/// NaN), and sums round exactly as NumPy's.
struct CumCarry<T, const PROD: bool> {
    axis: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element, const PROD: bool> Op for CumCarry<T, PROD> {
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
            return Ok(Arc::new(
                crate::memory::try_full(&shape, identity::<T::SumOut, PROD>(), "a scan carry")?.into_shared(),
            ));
        }
        let ax = Axis(self.axis);
        let mut c = as_array::<T::SumOut>(&inputs[0])?.to_owned();
        let x = as_array::<T>(&inputs[1])?;
        if c.len() == 1 {
            // one lane (1-d scans, axis=None): a scalar fold in the lane's order
            let first = c.iter_mut().next().expect("one element");
            *first = x.iter().fold(*first, |a, &v| combine::<_, PROD>(a, v.to_acc().cast::<T::SumOut>()));
            return Ok(Arc::new(c.into_shared()));
        }
        for j in 0..x.len_of(ax) {
            let lane = x.slice_axis(ax, Slice::from(j..j + 1));
            c.zip_mut_with(&lane, |a, &v| *a = combine::<_, PROD>(*a, v.to_acc().cast::<T::SumOut>()));
        }
        Ok(Arc::new(c.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}{}", self.axis, PROD))
    }
}

/// A block's scan along the axis, seeded with its carry: `y[j] = carry ⊗ x[0] ⊗ … ⊗ x[j]`.
struct CumApply<T, const PROD: bool> {
    axis: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element, const PROD: bool> Op for CumApply<T, PROD> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: ravel(&node.inputs[1].grid, b) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let carry = as_array::<T::SumOut>(&inputs[1])?;
        let ax = Axis(self.axis);
        let mut y: ArrayD<T::SumOut> = x.mapv(|v| v.to_acc().cast::<T::SumOut>());
        if y.len_of(ax) > 0 {
            y.slice_axis_mut(ax, Slice::from(0..1)).zip_mut_with(carry, |v, &c| *v = combine::<_, PROD>(c, *v));
        }
        y.accumulate_axis_inplace(ax, |&prev, cur| *cur = combine::<_, PROD>(prev, *cur));
        Ok(Arc::new(y.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}{}", self.axis, PROD))
    }
}

/// `cumsum` (`PROD = false`) or `cumprod` of `x` along `axis`.
pub fn cumulate<T: Element, const PROD: bool>(x: &Arc<Node>, axis: usize) -> Arc<Node> {
    let m = x.meta();
    let name = if PROD { "cumprod" } else { "cumsum" };
    let mut cshape = m.shape.clone();
    cshape[axis] = x.grid[axis];
    let mut cch: Vec<Vec<usize>> = m.chunks.as_slices().to_vec();
    cch[axis] = vec![1; x.grid[axis]];
    let carry = Node::array::<T::SumOut>(
        format!("{name}-carry"),
        vec![x.clone()],
        cshape,
        Chunks::explicit(cch),
        CumCarry::<T, PROD> { axis, _t: PhantomData },
    );
    Node::array::<T::SumOut>(
        name,
        vec![x.clone(), carry],
        m.shape.clone(),
        m.chunks.clone(),
        CumApply::<T, PROD> { axis, _t: PhantomData },
    )
}
