//! Factorizations on block grids: TSQR and SFQR, and single-block dense solvers.
//!
//! **TSQR** (tall-skinny QR, one column block): each row block `A_i = Q_i R_i` is factored
//! in its own task; the stacked `R_i` (small: blocks × n × n) are factored once, `[R_i] = Q₂ R`;
//! then `Q = diag(Q_i) · Q₂` block by block. One level of reduction, as in dask's `tsqr` for
//! moderate block counts.
//!
//! **SFQR** (short-fat QR, one row block): `A_1 = Q R_1` on the first column block (which must
//! have at least as many columns as rows), then `R_j = Qᵀ A_j` for every other block.
//!
//! Dense single-block solvers (`solve`, `inv`, `cholesky`, `lu`) gather the matrix into one
//! block and call faer in one task.

use std::marker::PhantomData;
use std::sync::Arc;

use faer::Mat;
use ndarray::{concatenate, s, Array2, ArrayD, Axis, IxDyn};

use crate::array::chunks::Chunks;
use crate::element::Float;
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, Block, Dep, Node, Op, Value};

/// Real floats with faer support (f32, f64).
pub trait LinalgFloat: Float + faer::traits::RealField + ndchunk_kernels::gemm::Gemm<SumOut = Self> {}
impl LinalgFloat for f32 {}
impl LinalgFloat for f64 {}

/// ndarray view → faer matrix (copy).
pub fn to_faer<T: LinalgFloat>(a: &ndarray::ArrayView2<'_, T>) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// faer matrix → ndarray (copy).
pub fn from_faer<T: LinalgFloat>(m: faer::MatRef<'_, T>) -> Array2<T> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

fn block2<T: LinalgFloat>(b: &Block) -> Result<ndarray::ArrayView2<'_, T>> {
    as_array::<T>(b)?.view().into_dimensionality::<ndarray::Ix2>().map_err(|e| Error::Shape(e.to_string()))
}

/// Several matrices produced by one task: (Q, R), (U, S as a column, Vt), (P, L, U)...
pub type Mats<T> = Vec<Array2<T>>;

fn mats<T: LinalgFloat>(b: &Block) -> Result<&[Array2<T>]> {
    Ok(as_value::<ArrayD<Array2<T>>>(b)?.as_slice().expect("matrices are stored in a 1-D array"))
}

fn store_mats<T: LinalgFloat>(v: Mats<T>) -> Block {
    let n = v.len();
    Arc::new(Value(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D")))
}

/// QR of each row block: (Q_i, R_i), thin.
pub struct LocalQr<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgFloat> Op for LocalQr<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: crate::graph::ravel(&node.inputs[0].grid, &[b[0], 0]) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = block2::<T>(&inputs[0])?;
        let qr = to_faer(&a).qr();
        Ok(store_mats(vec![from_faer(qr.compute_thin_Q().as_ref()), from_faer(qr.thin_R())]))
    }
}

/// QR of the stacked R_i: (Q₂, R).
pub struct StackQr<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgFloat> Op for StackQr<T> {
    fn deps(&self, node: &Node, _: &[usize], out: &mut Vec<Dep>) {
        for i in 0..node.inputs[0].nblocks() {
            out.push(Dep { input: 0, block: i });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let rs: Vec<&Array2<T>> = inputs.iter().map(|b| mats::<T>(b).map(|m| &m[1])).collect::<Result<_>>()?;
        let views: Vec<_> = rs.iter().map(|r| r.view()).collect();
        let stacked = concatenate(Axis(0), &views).map_err(|e| Error::Shape(e.to_string()))?;
        let qr = to_faer(&stacked.view()).qr();
        Ok(store_mats(vec![from_faer(qr.compute_thin_Q().as_ref()), from_faer(qr.thin_R())]))
    }
}

/// Q block i = Q_i · Q₂[rows of block i].
pub struct TsqrQ<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgFloat> Op for TsqrQ<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let q_i = &mats::<T>(&inputs[0])?[0];
        let q2 = &mats::<T>(&inputs[1])?[0];
        // row offset of block i in the stacked R: sum of k_j = min(m_j, n) before it
        let local = &node.inputs[0];
        let a = &local.inputs[0];
        let n = a.meta().shape[1];
        let offset: usize = a.meta().chunks.axis(0)[..b[0]].iter().map(|&m| m.min(n)).sum();
        let k = q_i.ncols();
        let part = q2.slice(s![offset..offset + k, ..]);
        let mut out = Array2::<T>::zeros((q_i.nrows(), q2.ncols()));
        T::gemm_acc(&mut out.view_mut(), &q_i.view(), &part);
        Ok(Arc::new(out.into_dyn().into_shared()))
    }
}

/// Matrix `idx` of a value block of matrices, as a one-block array.
pub struct PickMat<T> {
    pub idx: usize,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: LinalgFloat> Op for PickMat<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
    }
    fn run(&self, node: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let m = mats::<T>(&inputs[0])?[self.idx].clone();
        let want = &node.meta().shape;
        let a = if want.len() == 1 {
            m.into_shape_with_order(IxDyn(want)).map_err(|e| Error::Shape(e.to_string()))?
        } else {
            m.into_dyn()
        };
        Ok(Arc::new(a.into_shared()))
    }
}

/// A dense single-block factorization producing matrices.
pub struct Dense<T, F> {
    pub f: F,
    pub name: &'static str,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: LinalgFloat, F: Fn(&[ndarray::ArrayView2<'_, T>]) -> Result<Mats<T>> + Send + Sync + 'static> Op
    for Dense<T, F>
{
    fn deps(&self, node: &Node, _: &[usize], out: &mut Vec<Dep>) {
        for i in 0..node.inputs.len() {
            out.push(Dep { input: i as u32, block: 0 });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let views: Vec<ndarray::ArrayView2<'_, T>> = inputs.iter().map(block2::<T>).collect::<Result<_>>()?;
        Ok(store_mats((self.f)(&views)?))
    }
}

/// A one-block array node holding matrix `idx` of a value node (`shape` its shape).
pub fn pick<T: LinalgFloat>(src: &Arc<Node>, idx: usize, name: &'static str, shape: Vec<usize>) -> Arc<Node> {
    let chunks = Chunks::explicit(shape.iter().map(|&n| vec![n]).collect());
    Node::array::<T>(name, vec![src.clone()], shape, chunks, PickMat::<T> { idx, _t: PhantomData })
}

/// TSQR of a node with one column block: returns (Q node, R node).
pub fn tsqr<T: LinalgFloat>(a: &Arc<Node>) -> Result<(Arc<Node>, Arc<Node>)> {
    let m = a.meta();
    let (rows, n) = (m.shape[0], m.shape[1]);
    let nb = a.grid[0];
    let local = Node::value("qr-local", vec![a.clone()], vec![nb], LocalQr::<T>(PhantomData));
    let stack = Node::value("qr-stack", vec![local.clone()], vec![1], StackQr::<T>(PhantomData));
    let ksum: usize = m.chunks.axis(0).iter().map(|&r| r.min(n)).sum();
    let k = ksum.min(n);
    let q_chunks = Chunks::explicit(vec![m.chunks.axis(0).to_vec(), vec![k]]);
    let q = Node::array::<T>("qr-q", vec![local, stack.clone()], vec![rows, k], q_chunks, TsqrQ::<T>(PhantomData));
    let r = pick::<T>(&stack, 1, "qr-r", vec![k, n]);
    Ok((q, r))
}

/// R_j = Qᵀ A_j for SFQR.
pub struct SfqrR<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgFloat> Op for SfqrR<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
        if b[1] > 0 {
            out.push(Dep { input: 1, block: b[1] });
        }
    }
    fn run(&self, _: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let qr = mats::<T>(&inputs[0])?;
        if b[1] == 0 {
            return Ok(Arc::new(qr[1].clone().into_dyn().into_shared()));
        }
        let aj = block2::<T>(&inputs[1])?;
        let mut out = Array2::<T>::zeros((qr[0].ncols(), aj.ncols()));
        T::gemm_acc(&mut out.view_mut(), &qr[0].t(), &aj);
        Ok(Arc::new(out.into_dyn().into_shared()))
    }
}

/// SFQR of a node with one row block whose first column block has ≥ rows columns.
pub fn sfqr<T: LinalgFloat>(a: &Arc<Node>) -> Result<(Arc<Node>, Arc<Node>)> {
    let meta = a.meta();
    let (m, n) = (meta.shape[0], meta.shape[1]);
    let first = Node::value("sfqr-first", vec![a.clone()], vec![1], LocalQr::<T>(PhantomData));
    let q = pick::<T>(&first, 0, "qr-q", vec![m, m.min(meta.chunks.axis(1)[0])]);
    let k = m.min(meta.chunks.axis(1)[0]);
    let r_chunks = Chunks::explicit(vec![vec![k], meta.chunks.axis(1).to_vec()]);
    let r = Node::array::<T>("qr-r", vec![first, a.clone()], vec![k, n], r_chunks, SfqrR::<T>(PhantomData));
    Ok((q, r))
}
