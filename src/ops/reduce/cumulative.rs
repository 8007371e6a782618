//! Cumulative sums and products along an axis (a blocked scan).
//!
//! ```text
//!  local[i]  = cumsum of block i along the axis           (parallel)
//!  carry[0]  = 0;  carry[i] = carry[i-1] + last(local[i-1])  (a chain of tiny tasks)
//!  out[i]    = local[i] + carry[i]                         (parallel)
//! ```
//! Only the carries are sequential, and each is one slice of the block, so the scan runs at
//! the speed of the parallel parts.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, Slice};

use crate::array::chunks::Chunks;
use crate::element::{Element, Number};
use crate::error::Result;
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, SELF_INPUT};

fn combine<A: Number, const PROD: bool>(a: A, b: A) -> A {
    if PROD {
        a.num_mul(b)
    } else {
        a.num_add(b)
    }
}

fn identity<A: Number, const PROD: bool>() -> A {
    if PROD {
        A::one()
    } else {
        A::zero()
    }
}

struct CumLocal<T, const PROD: bool> {
    axis: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element, const PROD: bool> Op for CumLocal<T, PROD> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let mut y: ArrayD<T::SumOut> = x.mapv(|v| v.to_acc().cast::<T::SumOut>());
        y.accumulate_axis_inplace(Axis(self.axis), |&prev, cur| *cur = combine::<_, PROD>(prev, *cur));
        Ok(Arc::new(y.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}{}", self.axis, PROD))
    }
}

/// Running total of the blocks before block i (shape of a block with the axis of length 1).
struct CumCarry<A, const PROD: bool> {
    axis: usize,
    _t: PhantomData<fn() -> A>,
}

impl<A: Number, const PROD: bool> Op for CumCarry<A, PROD> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let local_grid = &node.inputs[0].grid;
        if b[self.axis] == 0 {
            out.push(Dep { input: 0, block: ravel(local_grid, b) });
        } else {
            let mut p = b.to_vec();
            p[self.axis] -= 1;
            out.push(Dep { input: SELF_INPUT, block: ravel(&node.grid, &p) });
            out.push(Dep { input: 0, block: ravel(local_grid, &p) });
        }
    }
    fn run(&self, _: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let ax = Axis(self.axis);
        if b[self.axis] == 0 {
            let local = as_array::<A>(&inputs[0])?;
            let mut shape = local.shape().to_vec();
            shape[self.axis] = 1;
            return Ok(Arc::new(ArrayD::from_elem(shape, identity::<A, PROD>()).into_shared()));
        }
        let prev = as_array::<A>(&inputs[0])?;
        let local = as_array::<A>(&inputs[1])?;
        let n = local.len_of(ax);
        let mut c = prev.to_owned();
        if n > 0 {
            let last = local.slice_axis(ax, Slice::from(n - 1..n));
            c.zip_mut_with(&last, |a, &l| *a = combine::<A, PROD>(*a, l));
        }
        Ok(Arc::new(c.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}{}", self.axis, PROD))
    }
}

struct CumApply<A, const PROD: bool> {
    _t: PhantomData<fn() -> A>,
}

impl<A: Number, const PROD: bool> Op for CumApply<A, PROD> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
        out.push(Dep { input: 1, block: ravel(&node.inputs[1].grid, b) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let local = as_array::<A>(&inputs[0])?;
        let carry = as_array::<A>(&inputs[1])?;
        let mut y = local.to_owned();
        y.zip_mut_with(carry, |v, &c| *v = combine::<A, PROD>(c, *v));
        Ok(Arc::new(y.into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{PROD}"))
    }
}

/// `cumsum` (`PROD = false`) or `cumprod` of `x` along `axis`.
pub fn cumulate<T: Element, const PROD: bool>(x: &Arc<Node>, axis: usize) -> Arc<Node> {
    let m = x.meta();
    let name = if PROD { "cumprod" } else { "cumsum" };
    let local = Node::array::<T::SumOut>(
        format!("{name}-local"),
        vec![x.clone()],
        m.shape.clone(),
        m.chunks.clone(),
        CumLocal::<T, PROD> { axis, _t: PhantomData },
    );
    let mut cshape = m.shape.clone();
    cshape[axis] = x.grid[axis];
    let mut cch: Vec<Vec<usize>> = m.chunks.as_slices().to_vec();
    cch[axis] = vec![1; x.grid[axis]];
    let carry = Node::array::<T::SumOut>(
        format!("{name}-carry"),
        vec![local.clone()],
        cshape,
        Chunks::explicit(cch),
        CumCarry::<T::SumOut, PROD> { axis, _t: PhantomData },
    );
    Node::array::<T::SumOut>(
        name,
        vec![local, carry],
        m.shape.clone(),
        m.chunks.clone(),
        CumApply::<T::SumOut, PROD> { _t: PhantomData },
    )
}
