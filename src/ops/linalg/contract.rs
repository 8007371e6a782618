//! Blocked tensor contraction: the planner behind `dot`, `matmul` and `tensordot`.
//!
//! Operands arrive in canonical axis order, `a: [batch…, free_a…, contracted…]` and
//! `b: [batch…, contracted…, free_b…]`; the result is `[batch…, free_a…, free_b…]`. Batch axes
//! are matched (and broadcast where one side has length 1), contracted axes are summed.
//!
//! Per output block, the contracted block combinations `p = 0 … P−1` form a **chain** of
//! tasks: task `p` adds `A(o, q) · B(q, o)` into the running sum of task `p − 1`, where
//! `q = (p + i) mod P` for an output block in row `i` (each chain starts on the diagonal:
//! see `operand_blocks`). The scheduler
//! hands the running sum to its only consumer, so it is updated in place: a task holds one
//! block of each operand plus the accumulator, whatever `P` is (dask materialised every partial
//! product before summing until several PRs fixed it). Output blocks are independent chains,
//! which is where the parallelism comes from; each block product is one sequential faer GEMM.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, CowArray, Ix2, IxDyn};
use ndchunk_kernels::gemm::Gemm;

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, unravel_into, Block, Dep, Node, Op, Value, SELF_INPUT};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// Axis counts of the canonical layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub batch: usize,
    pub free_a: usize,
    pub contracted: usize,
    pub free_b: usize,
}

struct Accumulate<T> {
    l: Layout,
    c_grid: Vec<usize>,
    a_bcast: Vec<bool>,
    b_bcast: Vec<bool>,
    out_chunks: Chunks,
    _t: PhantomData<fn() -> T>,
}

fn as_matrix<'a, T: Clone>(v: ArrayViewD<'a, T>, rows: usize, cols: usize) -> CowArray<'a, T, Ix2> {
    if v.ndim() == 2 && v.shape() == [rows, cols] {
        return CowArray::from(v.into_dimensionality::<Ix2>().expect("2-D"));
    }
    if v.is_standard_layout() {
        return CowArray::from(v.into_shape_with_order((rows, cols)).expect("contiguous"));
    }
    let owned = v.as_standard_layout().into_owned();
    CowArray::from(owned.into_shape_with_order((rows, cols)).expect("contiguous"))
}

impl<T: Gemm> Accumulate<T> {
    /// The operand blocks of link `p` of output block `o`'s chain. The chain starts at the
    /// contracted block whose index is `o`'s first free row-block index (mod the number of
    /// contracted blocks) and goes round: output block `(i, j)` of a matrix product sums
    /// `A(i, i)·B(i, j)` first. On one process the order only changes the last bits; on MPI
    /// ranks that own rows of blocks, it makes the first product of every chain local (`A`'s
    /// row `i` and `B`'s row `i` live with output row `i`), so each rank starts multiplying in
    /// the first round instead of waiting a round for remote operands.
    fn operand_blocks(&self, o: &[usize], p: usize) -> (Vec<usize>, Vec<usize>) {
        let l = self.l;
        // (the planner checked that this product fits; 0 only for an empty contraction)
        let links = self.c_grid.iter().try_fold(1usize, |a, &g| a.checked_mul(g)).unwrap_or(0);
        let start = if l.free_a > 0 { o[l.batch] } else { 0 };
        let q = if links > 0 { (p % links + start % links) % links } else { p };
        let mut cidx = Vec::new();
        unravel_into(&self.c_grid, q, &mut cidx);
        let batch = |bc: &[bool]| -> Vec<usize> { (0..l.batch).map(|i| if bc[i] { 0 } else { o[i] }).collect() };
        let mut ia = batch(&self.a_bcast);
        ia.extend_from_slice(&o[l.batch..l.batch + l.free_a]);
        ia.extend_from_slice(&cidx);
        let mut ib = batch(&self.b_bcast);
        ib.extend_from_slice(&cidx);
        ib.extend_from_slice(&o[l.batch + l.free_a..]);
        (ia, ib)
    }
}

impl<T: Gemm> Op for Accumulate<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let n = b.len() - 1;
        let (o, p) = (&b[..n], b[n]);
        let (ia, ib) = self.operand_blocks(o, p);
        if p > 0 {
            let mut prev = b.to_vec();
            prev[n] -= 1;
            out.push(Dep { input: SELF_INPUT, block: ravel(&node.grid, &prev) });
        }
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &ia) });
        out.push(Dep { input: 1, block: ravel(&node.inputs[1].grid, &ib) });
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        self.run_owned(node, b, inputs.to_vec())
    }

    fn run_owned(&self, _: &Node, b: &[usize], mut inputs: Vec<Block>) -> Result<Block> {
        let n = b.len() - 1;
        let (o, p) = (&b[..n], b[n]);
        let (mut acc_block, ops): (ArrayD<T::SumOut>, &[Block]) = if p > 0 {
            let acc = take_value::<T::SumOut>(&mut inputs[0])?;
            (acc, &inputs[1..])
        } else {
            let shape = self.out_chunks.block_shape(o);
            (ArrayD::from_elem(IxDyn(&shape), <T::SumOut as Element>::zero()), &inputs)
        };
        let a = as_array::<T>(&ops[0])?;
        let bb = as_array::<T>(&ops[1])?;
        let l = self.l;
        let out_shape = acc_block.shape().to_vec();
        let fa: usize = out_shape[l.batch..l.batch + l.free_a].iter().product();
        let fb: usize = out_shape[l.batch + l.free_a..].iter().product();
        let cn: usize = a.shape()[l.batch + l.free_a..].iter().product();
        let batch_shape = out_shape[..l.batch].to_vec();
        for bi in ndarray::indices(IxDyn(&batch_shape)) {
            let mut av = a.view();
            let mut bv = bb.view();
            let mut cv = acc_block.view_mut();
            for i in (0..l.batch).rev() {
                av = av.index_axis_move(Axis(i), if self.a_bcast[i] { 0 } else { bi[i] });
                bv = bv.index_axis_move(Axis(i), if self.b_bcast[i] { 0 } else { bi[i] });
                cv = cv.index_axis_move(Axis(i), bi[i]);
            }
            let am = as_matrix(av, fa, cn);
            let bm = as_matrix(bv, cn, fb);
            let mut cm = cv.into_shape_with_order((fa, fb)).map_err(|e| Error::Shape(e.to_string()))?;
            if p == 0 {
                T::gemm_set(&mut cm, &am.view(), &bm.view());
            } else {
                T::gemm_acc(&mut cm, &am.view(), &bm.view());
            }
        }
        Ok(Arc::new(Value(acc_block)))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{:?}{:?}{:?}", self.l, self.a_bcast, self.b_bcast))
    }
    #[cfg(feature = "mpi")]
    fn reads_whole_blocks(&self) -> bool {
        true
    }
}

/// The array of a value block: moved out when this is its only reference, copied otherwise.
fn take_value<A: Element>(blk: &mut Block) -> Result<ArrayD<A>> {
    if let Some(v) = Arc::get_mut(blk).and_then(|m| (m as &mut dyn Any).downcast_mut::<Value<ArrayD<A>>>()) {
        return Ok(std::mem::take(&mut v.0));
    }
    Ok(crate::graph::as_value::<ArrayD<A>>(blk)?.clone())
}

/// The last link of each chain, as an array block.
struct Finish<A> {
    _t: PhantomData<fn() -> A>,
}

impl<A: Element> Op for Finish<A> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let in_grid = &node.inputs[0].grid;
        let mut ib = b.to_vec();
        ib.push(in_grid[in_grid.len() - 1] - 1);
        out.push(Dep { input: 0, block: ravel(in_grid, &ib) });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        self.run_owned(node, b, inputs.to_vec())
    }
    fn run_owned(&self, _: &Node, _: &[usize], mut inputs: Vec<Block>) -> Result<Block> {
        Ok(Arc::new(take_value::<A>(&mut inputs[0])?.into_shared()))
    }
}

/// Contract `a` and `b`, both already in canonical axis order with layout `l`.
pub fn contract_node<T: Gemm>(a: &Arc<Node>, b: &Arc<Node>, l: Layout) -> Result<Arc<Node>> {
    let (ma, mb) = (a.meta(), b.meta());
    if !ma.chunks.is_known() || !mb.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "dot".into() });
    }
    let (sa, sb) = (&ma.shape, &mb.shape);
    // batch axes: equal, or broadcast from length 1
    let mut a_bcast = Vec::new();
    let mut b_bcast = Vec::new();
    let mut a_ch: Vec<Vec<usize>> = ma.chunks.as_slices().to_vec();
    let mut b_ch: Vec<Vec<usize>> = mb.chunks.as_slices().to_vec();
    let mut out_shape = Vec::new();
    let mut out_ch = Vec::new();
    for i in 0..l.batch {
        let (na, nb) = (sa[i], sb[i]);
        if na != nb && na != 1 && nb != 1 {
            return Err(Error::Broadcast { a: sa.clone(), b: sb.clone() });
        }
        a_bcast.push(na == 1 && nb != 1);
        b_bcast.push(nb == 1 && na != 1);
        if na == nb {
            let r = refine(&[&a_ch[i], &b_ch[i]]);
            a_ch[i] = r.clone();
            b_ch[i] = r.clone();
            out_ch.push(r);
        } else {
            out_ch.push(if na == 1 { b_ch[i].clone() } else { a_ch[i].clone() });
        }
        out_shape.push(na.max(nb));
    }
    for i in 0..l.free_a {
        out_shape.push(sa[l.batch + i]);
        out_ch.push(a_ch[l.batch + i].clone());
    }
    let mut c_grid = Vec::new();
    for k in 0..l.contracted {
        let (ia, ib) = (l.batch + l.free_a + k, l.batch + k);
        if sa[ia] != sb[ib] {
            return Err(Error::Shape(format!(
                "shapes {sa:?} and {sb:?} not aligned: {} (contracted axis {k} of a) != {} (of b)",
                sa[ia], sb[ib]
            )));
        }
        let r = refine(&[&a_ch[ia], &b_ch[ib]]);
        c_grid.push(r.len());
        a_ch[ia] = r.clone();
        b_ch[ib] = r;
    }
    for i in 0..l.free_b {
        out_shape.push(sb[l.batch + l.contracted + i]);
        out_ch.push(b_ch[l.batch + l.contracted + i].clone());
    }
    let a2 = rechunk_node(a, Chunks::explicit(a_ch))?;
    let b2 = rechunk_node(b, Chunks::explicit(b_ch))?;
    crate::chunks::check_size(&out_shape, std::mem::size_of::<T::SumOut>())?;
    let out_chunks = Chunks::checked(out_ch)?;
    let p: usize = c_grid.iter().try_fold(1usize, |a, &g| a.checked_mul(g)).unwrap_or(usize::MAX);
    if out_chunks.nblocks().checked_mul(p.max(1)).is_none_or(|n| n > crate::chunks::MAX_BLOCKS) {
        return Err(Error::Memory(format!(
            "a product with {} output blocks and {p} contracted blocks each is too many tasks; use larger chunks",
            out_chunks.nblocks()
        )));
    }
    let mut grid = out_chunks.numblocks();
    grid.push(p.max(1));
    let op = Accumulate::<T> { l, c_grid, a_bcast, b_bcast, out_chunks: out_chunks.clone(), _t: PhantomData };
    let acc = Node::value("dot-accumulate", vec![a2, b2], grid, op);
    Ok(Node::array::<T::SumOut>("dot", vec![acc], out_shape, out_chunks, Finish::<T::SumOut> { _t: PhantomData }))
}
