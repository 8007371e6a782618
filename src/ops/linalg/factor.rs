//! Factorizations on block grids: TSQR and SFQR, and single-block dense solvers.
//!
//! **TSQR** (tall-skinny QR, one column block): each row block `A_i = Q_i R_i` is factored
//! in its own task; the stacked `R_i` (small: blocks × n × n) are factored once, `[R_i] = Q₂ R`
//! (by [`stacked_triangles_qr`], which skips the triangles' zeros); then `Q = diag(Q_i) · Q₂`
//! block by block. One level of reduction, as in dask's `tsqr` for
//! moderate block counts. Q₂ is cut by the R_i's row counts as computed, so row lengths need not
//! be known when planned: a matrix whose rows were selected by a mask factors as it is (R then
//! declared n×n, dask's assumption m ≥ n, checked when computed), its column blocks joined in
//! each local QR since such an array cannot be rechunked.
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
use crate::element::{Complex, Float, Inexact};
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, Block, Dep, Node, Op, Value};
use crate::ops::linalg::stacked_qr::stacked_triangles_qr;

/// Real floats with faer support (f32, f64).
pub trait LinalgFloat: Float + faer::traits::RealField + ndchunk_kernels::gemm::Gemm<SumOut = Self> {}
impl LinalgFloat for f32 {}
impl LinalgFloat for f64 {}

/// The element types of the factorizations and solvers: the real floats ([`LinalgFloat`]) and
/// the complex types `Complex<f32>`, `Complex<f64>` (faer factors both). `Part` is the real
/// type of singular values, norms and residuals.
pub trait LinalgScalar:
    Inexact<Part: LinalgFloat> + faer::traits::ComplexField + num_traits::Zero + ndchunk_kernels::gemm::Gemm<SumOut = Self>
{
    /// `|x|` in the real type (the modulus for complex).
    fn modulus(self) -> Self::Part;
}

impl<T: LinalgFloat> LinalgScalar for T {
    #[inline]
    fn modulus(self) -> T {
        num_traits::Float::abs(self)
    }
}

macro_rules! linalg_complex {
    ($f:ty) => {
        impl LinalgScalar for Complex<$f> {
            #[inline]
            fn modulus(self) -> $f {
                self.norm()
            }
        }
    };
}
linalg_complex!(f32);
linalg_complex!(f64);

/// `c += aᴴ · b` (the conjugate transpose of `a`; for real types its transpose, without a copy).
pub fn gemm_adjoint_acc<T: LinalgScalar>(
    c: &mut ndarray::ArrayViewMut2<'_, T>,
    a: &ndarray::ArrayView2<'_, T>,
    b: &ndarray::ArrayView2<'_, T>,
) {
    if T::IS_COMPLEX {
        T::gemm_acc(c, &adjoint(a).view(), b);
    } else {
        T::gemm_acc(c, &a.t(), b);
    }
}

/// The conjugate transpose of a block (a copy).
pub fn adjoint<T: LinalgScalar>(a: &ndarray::ArrayView2<'_, T>) -> Array2<T> {
    a.t().mapv(|v| v.conj_value())
}

/// ndarray view → faer matrix (copy).
pub fn to_faer<T: LinalgScalar>(a: &ndarray::ArrayView2<'_, T>) -> Mat<T> {
    let mut m = Mat::zeros(a.nrows(), a.ncols());
    copy_into(m.as_mut(), a);
    m
}

/// Copy `src` into `dst` (same shape; faer matrices are column-major). Column-major sources
/// copy column by column; others in bands of 64 rows, so the source rows being read stay in
/// cache while every column of the band is written (a per-element copy of a row-major
/// 10000×1000 block took 95 ms, the banded one 55 ms).
fn copy_into<T: LinalgScalar>(mut dst: faer::MatMut<'_, T>, src: &ndarray::ArrayView2<'_, T>) {
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
pub fn from_faer<T: LinalgScalar>(m: faer::MatRef<'_, T>) -> Array2<T> {
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

fn block2<T: LinalgScalar>(b: &Block) -> Result<ndarray::ArrayView2<'_, T>> {
    as_array::<T>(b)?.view().into_dimensionality::<ndarray::Ix2>().map_err(|e| Error::Shape(e.to_string()))
}

/// Several matrices produced by one task: (Q, R), (U, S as a column, Vt), (P, L, U)...
pub type Mats<T> = Vec<Array2<T>>;

fn mats<T: LinalgScalar>(b: &Block) -> Result<&[Array2<T>]> {
    Ok(as_value::<ArrayD<Array2<T>>>(b)?.as_slice().expect("matrices are stored in a 1-D array"))
}

fn store_mats<T: LinalgScalar>(v: Mats<T>) -> Block {
    let n = v.len();
    Arc::new(Value(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D")))
}

/// QR of each row block: (Q_i, R_i), thin. The row block's column blocks are joined first
/// (one column block is the usual case; an array whose row lengths are unknown cannot be
/// rechunked, so its column blocks are joined here). A block without rows gives a 0×0 Q_i and a
/// 0×n R_i (masks leave empty blocks). `join: false` factors the first column block only (SFQR).
pub struct LocalQr<T> {
    pub join: bool,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: LinalgScalar> Op for LocalQr<T> {
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::MatsCodec::<T>::boxed())
    }
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let grid = &node.inputs[0].grid;
        let cols = if self.join { grid.get(1).copied().unwrap_or(1) } else { 1 };
        for j in 0..cols {
            out.push(Dep { input: 0, block: crate::graph::ravel(grid, &[b[0], j]) });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let joined;
        let a = if inputs.len() == 1 {
            block2::<T>(&inputs[0])?
        } else {
            let views: Vec<ndarray::ArrayView2<'_, T>> = inputs.iter().map(block2::<T>).collect::<Result<_>>()?;
            joined = ndarray::concatenate(ndarray::Axis(1), &views).map_err(|e| Error::Shape(e.to_string()))?;
            joined.view()
        };
        if a.nrows() == 0 || a.ncols() == 0 {
            let k = a.nrows().min(a.ncols());
            return Ok(store_mats::<T>(vec![Array2::zeros((a.nrows(), k)), Array2::zeros((k, a.ncols()))]));
        }
        let qr = to_faer(&a).qr();
        Ok(store_mats(vec![from_faer(qr.compute_thin_Q().as_ref()), from_faer(qr.thin_R())]))
    }
}

/// QR of the stacked R_i: `[R, Q₂ rows of block 0, Q₂ rows of block 1, ..]` (Q₂ cut by the
/// blocks' R_i row counts as found, so row lengths need not be known when planned). `k`: the
/// number of rows R was declared with; another count (an array with unknown row lengths and
/// fewer rows than columns, where TSQR assumed m ≥ n as dask does) is `Error::LinAlg`.
pub struct StackQr<T> {
    pub k: usize,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: LinalgScalar> Op for StackQr<T> {
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::MatsCodec::<T>::boxed())
    }
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
        let ksum: usize = rs.iter().map(|r| r.nrows()).sum();
        if ksum.min(n) != self.k {
            return Err(Error::LinAlg(format!(
                "QR of a matrix with unknown row lengths assumes at least as many rows as columns (dask's \
                 assumption): found {ksum} rows for {n} columns"
            )));
        }
        // faer splits its work with rayon joins in this pool: idle workers help, busy ones are not
        // oversubscribed
        let (q2, r) = if ksum == 0 || n == 0 {
            (Array2::zeros((ksum, ksum.min(n))), Array2::zeros((ksum.min(n), n)))
        } else {
            stacked_triangles_qr(&rs, n, faer::Par::rayon(0))
        };
        let mut out = Vec::with_capacity(rs.len() + 1);
        out.push(r);
        let mut offset = 0;
        for ri in &rs {
            out.push(q2.slice(s![offset..offset + ri.nrows(), ..]).to_owned());
            offset += ri.nrows();
        }
        Ok(store_mats(out))
    }
}

/// Q block i = Q_i · Q₂[rows of block i].
pub struct TsqrQ<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgScalar> Op for TsqrQ<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, _: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let q_i = &mats::<T>(&inputs[0])?[0];
        let part = &mats::<T>(&inputs[1])?[1 + b[0]];
        let mut out = Array2::<T>::zeros((q_i.nrows(), part.ncols()));
        if q_i.ncols() > 0 {
            T::gemm_set(&mut out.view_mut(), &q_i.view(), &part.view());
        }
        Ok(Arc::new(out.into_dyn().into_shared()))
    }
}

/// Row block i of `a` (one column block) times the one-block matrix `m`.
pub struct RightMul<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgScalar> Op for RightMul<T> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = block2::<T>(&inputs[0])?;
        let m = block2::<T>(&inputs[1])?;
        if a.ncols() != m.nrows() {
            return Err(Error::Shape(format!("{}×{} times {}×{}", a.nrows(), a.ncols(), m.nrows(), m.ncols())));
        }
        let mut out = Array2::<T>::zeros((a.nrows(), m.ncols()));
        if a.ncols() > 0 {
            T::gemm_set(&mut out.view_mut(), &a, &m);
        }
        Ok(Arc::new(out.into_dyn().into_shared()))
    }
}

/// `a · m` for `a` with one column block (row lengths may be unknown) and a one-block `m`.
pub fn right_mul<T: LinalgScalar>(a: &Arc<Node>, m: &Arc<Node>) -> Arc<Node> {
    let (am, mm) = (a.meta(), m.meta());
    let p = mm.shape[1];
    let chunks = Chunks::explicit(vec![am.chunks.axis(0).to_vec(), vec![p]]);
    Node::array::<T>("right-mul", vec![a.clone(), m.clone()], vec![am.shape[0], p], chunks, RightMul::<T>(PhantomData))
}

/// Matrix `idx` of a value block of matrices, as a one-block array.
pub struct PickMat<T> {
    pub idx: usize,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: LinalgScalar> Op for PickMat<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
    }
    fn run(&self, node: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let m = mats::<T>(&inputs[0])?[self.idx].clone();
        let want = &node.meta().shape;
        let a = if want.len() == 1 {
            // a column (or row) of values; its declared length may be unknown
            let len = m.len();
            m.into_shape_with_order(IxDyn(&[len])).map_err(|e| Error::Shape(e.to_string()))?
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

impl<T: LinalgScalar, F: Fn(&[ndarray::ArrayView2<'_, T>]) -> Result<Mats<T>> + Send + Sync + 'static> Op
    for Dense<T, F>
{
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::MatsCodec::<T>::boxed())
    }
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
pub fn pick<T: LinalgScalar>(src: &Arc<Node>, idx: usize, name: &'static str, shape: Vec<usize>) -> Arc<Node> {
    let chunks = Chunks::explicit(shape.iter().map(|&n| vec![n]).collect());
    Node::array::<T>(name, vec![src.clone()], shape, chunks, PickMat::<T> { idx, _t: PhantomData })
}

/// TSQR of a 2-d node: returns (Q node, R node). The row blocks' column blocks are joined in
/// the local QRs. Row lengths may be unknown ([`crate::chunks::UNKNOWN`]): Q then has unknown
/// row lengths too and R is declared n×n (dask's assumption m ≥ n, checked when computed).
pub fn tsqr<T: LinalgScalar>(a: &Arc<Node>) -> Result<(Arc<Node>, Arc<Node>)> {
    let m = a.meta();
    let (rows, n) = (m.shape[0], m.shape[1]);
    if !m.chunks.axis_is_known(1) {
        return Err(Error::UnknownChunkSizes { op: "qr of a matrix with unknown column lengths".into() });
    }
    let nb = a.grid[0];
    let k = if m.chunks.axis_is_known(0) {
        let ksum: usize = m.chunks.axis(0).iter().map(|&r| r.min(n)).sum();
        ksum.min(n)
    } else {
        n
    };
    let local = Node::value("qr-local", vec![a.clone()], vec![nb], LocalQr::<T> { join: true, _t: PhantomData });
    let stack = Node::value("qr-stack", vec![local.clone()], vec![1], StackQr::<T> { k, _t: PhantomData });
    let q_chunks = Chunks::explicit(vec![m.chunks.axis(0).to_vec(), vec![k]]);
    let q = Node::array::<T>("qr-q", vec![local, stack.clone()], vec![rows, k], q_chunks, TsqrQ::<T>(PhantomData));
    let r = pick::<T>(&stack, 0, "qr-r", vec![k, n]);
    Ok((q, r))
}

/// R_j = Qᴴ A_j for SFQR.
pub struct SfqrR<T>(pub PhantomData<fn() -> T>);

impl<T: LinalgScalar> Op for SfqrR<T> {
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
        gemm_adjoint_acc(&mut out.view_mut(), &qr[0].view(), &aj);
        Ok(Arc::new(out.into_dyn().into_shared()))
    }
}

/// SFQR of a node with one row block whose first column block has ≥ rows columns.
pub fn sfqr<T: LinalgScalar>(a: &Arc<Node>) -> Result<(Arc<Node>, Arc<Node>)> {
    let meta = a.meta();
    let (m, n) = (meta.shape[0], meta.shape[1]);
    let first = Node::value("sfqr-first", vec![a.clone()], vec![1], LocalQr::<T> { join: false, _t: PhantomData });
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
