//! Factorizations on block grids: TSQR and SFQR, and single-block dense solvers.
//!
//! **TSQR** (tall-skinny QR, one column block): each row block `A_i = Q_i R_i` is factored
//! in its own task; the stacked `R_i` (small: blocks × n × n) are factored once, `[R_i] = Q₂ R`
//! (by [`stacked_triangles_qr`], which skips the triangles' zeros); then `Q = diag(Q_i) · Q₂`
//! block by block. One level of reduction, as in dask's `tsqr` for
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
use ndarray::{s, Array2, ArrayD, IxDyn};

use crate::chunks::Chunks;
use crate::element::Float;
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, Block, Dep, Node, Op, Value};
use crate::ops::linalg::stacked_qr::stacked_triangles_qr;

/// Real floats with faer support (f32, f64).
pub trait LinalgFloat: Float + faer::traits::RealField + ndchunk_kernels::gemm::Gemm<SumOut = Self> {}
impl LinalgFloat for f32 {}
impl LinalgFloat for f64 {}

/// ndarray view → faer matrix (copy).
pub fn to_faer<T: LinalgFloat>(a: &ndarray::ArrayView2<'_, T>) -> Mat<T> {
    let mut m = Mat::zeros(a.nrows(), a.ncols());
    copy_into(m.as_mut(), a);
    m
}

/// Copy `src` into `dst` (same shape; faer matrices are column-major). Column-major sources
/// copy column by column; others in bands of 64 rows, so the source rows being read stay in
/// cache while every column of the band is written (a per-element copy of a row-major
/// 10000×1000 block took 95 ms, the banded one 55 ms).
fn copy_into<T: LinalgFloat>(mut dst: faer::MatMut<'_, T>, src: &ndarray::ArrayView2<'_, T>) {
    use faer::prelude::ReborrowMut;
    let m = src.nrows();
    if m <= 1 || src.strides()[0] == 1 {
        for (j, col) in src.columns().into_iter().enumerate() {
            let mut d = dst.rb_mut().col_mut(j);
            for (i, &v) in col.iter().enumerate() {
                d[i] = v;
            }
        }
        return;
    }
    const B: usize = 64;
    for i0 in (0..m).step_by(B) {
        let band = src.slice(s![i0..(i0 + B).min(m), ..]);
        for (j, col) in band.columns().into_iter().enumerate() {
            let mut d = dst.rb_mut().col_mut(j);
            for (i, &v) in col.iter().enumerate() {
                d[i0 + i] = v;
            }
        }
    }
}

/// faer matrix → ndarray (copy), in column-major (Fortran) layout like faer's, so columns copy
/// whole; every consumer takes blocks of any layout.
pub fn from_faer<T: LinalgFloat>(m: faer::MatRef<'_, T>) -> Array2<T> {
    use ndarray::ShapeBuilder;
    let (r, c) = (m.nrows(), m.ncols());
    let mut v = Vec::with_capacity(r * c);
    for j in 0..c {
        match m.col(j).try_as_col_major() {
            Some(col) => v.extend_from_slice(col.as_slice()),
            None => v.extend((0..r).map(|i| m[(i, j)])),
        }
    }
    Array2::from_shape_vec((r, c).f(), v).expect("r * c elements")
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
        let n = rs.first().map_or(0, |r| r.ncols());
        if let Some(r) = rs.iter().find(|r| r.ncols() != n) {
            return Err(Error::Shape(format!("stacked R factors have {} and {n} columns", r.ncols())));
        }
        // faer splits its work with rayon joins in this pool: idle workers help, busy ones are not
        // oversubscribed
        let (q2, r) = stacked_triangles_qr(&rs, n, faer::Par::rayon(0));
        Ok(store_mats(vec![q2, r]))
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
        T::gemm_set(&mut out.view_mut(), &q_i.view(), &part);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faer_round_trips_any_layout() {
        let a = Array2::from_shape_fn((130, 7), |(i, j)| (i * 10 + j) as f64);
        let f_order = a.t().as_standard_layout().reversed_axes().to_owned();
        assert_eq!(f_order.strides(), &[1, 130]);
        let wide = Array2::from_shape_fn((300, 20), |(i, j)| (i * 100 + j) as f64);
        let window = wide.slice(s![10..140, 3..10]);
        let wide_window_want = window.to_owned();
        let row = Array2::from_shape_fn((1, 9), |(_, j)| j as f64);
        for (src, want) in [
            (a.view(), a.clone()),
            (f_order.view(), a.clone()),
            (window, wide_window_want),
            (row.view(), row.clone()),
            (a.slice(s![..;-3, ..;2]), a.slice(s![..;-3, ..;2]).to_owned()),
        ] {
            let m = to_faer(&src);
            assert!((0..want.nrows()).all(|i| (0..want.ncols()).all(|j| m[(i, j)] == want[[i, j]])));
            let back = from_faer(m.as_ref());
            assert_eq!(back, want);
            assert_eq!(back.strides()[0], 1, "column-major result");
            // a transposed faer view (non-unit row stride) converts too
            assert_eq!(from_faer(m.as_ref().transpose()), want.t());
        }
    }
}
