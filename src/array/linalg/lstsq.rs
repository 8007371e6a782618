//! Least squares as NumPy's `linalg.lstsq`: `(x, residuals, rank, s)`, minimum-norm solutions of
//! rank-deficient systems, `rcond`.
//!
//! **Plan.** One TSQR pass over the augmented matrix `[a | b]` (its row blocks factored in
//! parallel, their R factors stacked and factored once): `[a | b] = Q [R C; 0 E]`. Then
//! `a = Q₁ R` with `Q₁` orthonormal, `Q₁ᵀ b = C`, and the part of `b` outside the range of `Q₁`
//! has the norms of `E`'s columns. Q is never formed. The small `R` (min(M, N) × N) is
//! decomposed `R = U S Vᵀ`; its singular values are `a`'s (Q₁ has orthonormal columns, so
//! `a⁺ = R⁺ Q₁ᵀ`), and the minimum-norm solution is `x = V S⁺ Uᵀ C`, where `S⁺` inverts the
//! singular values above `rcond · s_max` and zeroes the others — LAPACK's `gelsd` rule, which
//! NumPy calls. This is the issue's `x = V S⁺ Uᵀ Qᵀ b` with `Qᵀ b` taken from the same pass.
//!
//! **NumPy's rules.** `rcond = None` is `eps · max(M, N)` (eps of the element type); a negative
//! `rcond` is machine precision (LAPACK's). `rank` counts the singular values above the cut.
//! `residuals` holds the squared 2-norm of `b − a·x` per column of `b` (one value for a 1-D `b`)
//! when `rank == N` and `M > N`, and is empty otherwise. Since that length depends on the
//! computed rank, `residuals` is a 1-D array of unknown length (one block) when `M > N`, and of
//! known length 0 when `M <= N`. A matrix with a NaN or an infinity is `Error::LinAlg` when
//! computed ("SVD did not converge", as NumPy's `LinAlgError`).
//!
//! **Departures.** `rank` is a lazy 0-d `ChunkedArray<i64>` (NumPy: an `int32` scalar). A `b`
//! whose length does not match `a`'s rows is `Error::Shape` (NumPy: `LinAlgError`). Each row
//! block of `[a | b]` holds all `N + K` columns.

use ndarray::{s, Array2};

use crate::array::chunks::{UNKNOWN, WHOLE};
use crate::array::ChunkedArray;
use crate::element::{Element, Inexact};
use crate::error::{Error, Result};
use crate::ops::linalg::factor::{from_faer, gemm_adjoint_acc, pick, to_faer, tsqr, LinalgScalar, Mats};

use super::{abs2, dense};

/// The four results of [`lstsq_with`] (NumPy's `lstsq` tuple, named).
#[derive(Clone, Debug)]
pub struct Lstsq<T: Inexact> {
    /// The minimum-norm least-squares solution: `(N,)` for a 1-D `b`, `(N, K)` for a 2-D one.
    pub x: ChunkedArray<T>,
    /// Squared residual norms per column of `b` (`(K,)`, or `(1,)` for a 1-D `b`) when
    /// `rank == N` and `M > N`; empty otherwise. Of unknown length when `M > N`.
    pub residuals: ChunkedArray<T::Part>,
    /// The effective rank of `a` (0-d).
    pub rank: ChunkedArray<i64>,
    /// The singular values of `a`, descending, `(min(M, N),)` (real for complex `a`).
    pub s: ChunkedArray<T::Part>,
}

/// `rcond` as LAPACK applies it: `None` → `eps · max(M, N)`, negative → `eps`.
fn cutoff_factor<T: LinalgScalar>(rcond: Option<f64>, m: usize, n: usize) -> Result<f64> {
    let eps = Element::to_f64(<T::Part as num_traits::Float>::epsilon());
    match rcond {
        None => Ok(eps * m.max(n) as f64),
        Some(r) if r.is_nan() => Err(Error::Value("lstsq: rcond is NaN".into())),
        Some(r) if r < 0.0 => Ok(eps),
        Some(r) => Ok(r),
    }
}

/// Least squares as NumPy's `linalg.lstsq(a, b, rcond)`: the minimum-norm `x` minimizing
/// `‖b − a·x‖₂` for any shape and rank of `a` (M×N, chunked any way along rows; `b` of M rows,
/// 1-D or 2-D), with the residuals, the rank and the singular values of `a`. See the module
/// documentation for the plan and the rules.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::linalg;
/// // a rank-deficient system: the third column repeats the first
/// let a = ndarray::array![[1.0f64, 2.0, 1.0], [3.0, 4.0, 3.0], [5.0, 7.0, 5.0], [0.0, 1.0, 0.0]];
/// let b = ndarray::array![1.0f64, 2.0, 2.0, 5.0];
/// let r = linalg::lstsq_with(
///     &ChunkedArray::from_array(a, [2, 3]).unwrap(),
///     &ChunkedArray::from_array(b, [2]).unwrap(),
///     None,
/// )
/// .unwrap();
/// assert_eq!(r.rank.item().unwrap(), 2);
/// let x = r.x.compute().unwrap();
/// assert!((x[0] - x[2]).abs() < 1e-12); // the minimum-norm solution splits the weight evenly
/// assert_eq!(r.residuals.compute().unwrap().len(), 0); // rank < N: no residuals, as NumPy
/// assert_eq!(r.s.shape(), &[3]);
/// ```
pub fn lstsq_with<T: LinalgScalar>(a: &ChunkedArray<T>, b: &ChunkedArray<T>, rcond: Option<f64>) -> Result<Lstsq<T>> {
    let (m, n) = super::check_2d(a, "lstsq")?;
    if b.ndim() == 0 || b.ndim() > 2 || b.shape()[0] != m {
        return Err(Error::Shape(format!(
            "lstsq: b of shape {:?} does not match a of shape {:?}",
            b.shape(),
            a.shape()
        )));
    }
    if !b.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "lstsq".into() });
    }
    let factor = cutoff_factor::<T>(rcond, m, n)?;
    let vector = b.ndim() == 1;
    let b2 = if vector { b.expand_dims(1)? } else { b.clone() };
    let kb = b2.shape()[1];
    let p = m.min(n);
    let unvector = |x: ChunkedArray<T>| if vector { x.squeeze(Some(&[1])) } else { Ok(x) };
    if p == 0 {
        // no singular values: x = 0, rank 0; residuals (rank == N == 0 < M) are ‖b‖²
        let x = unvector(crate::zeros::<T>(&[n, kb], [n.max(1), kb.max(1)])?)?;
        let residuals = if m > n { abs2(&b2).sum(0)? } else { crate::zeros::<T::Part>(&[0], [1])? };
        return Ok(Lstsq {
            x,
            residuals,
            rank: crate::zeros::<i64>(&[], [0usize; 0])?,
            s: crate::zeros::<T::Part>(&[0], [1])?,
        });
    }
    let rows = a.chunks().chunksize()[0];
    let ab = crate::concatenate(&[&a.rechunk([rows, WHOLE])?, &b2.rechunk([rows, WHOLE])?], 1)?;
    let (_, r_aug) = tsqr::<T>(ab.node())?;
    let node = dense::<T, _>(vec![r_aug.clone()], "lstsq", move |v| solve_small::<T>(&v[0], m, n, factor));
    let x = unvector(ChunkedArray::from_node(pick::<T>(&node, 0, "lstsq-x", vec![n, kb])))?;
    let s = ChunkedArray::<T>::from_node(pick::<T>(&node, 1, "lstsq-s", vec![p])).mapv(|v| v.re_part());
    let rank = ChunkedArray::<T>::from_node(pick::<T>(&node, 2, "lstsq-rank", vec![1])).squeeze(None)?.astype::<i64>();
    let res_len = if m > n { UNKNOWN } else { 0 };
    let residuals =
        ChunkedArray::<T>::from_node(pick::<T>(&node, 3, "lstsq-residuals", vec![res_len])).mapv(|v| v.re_part());
    Ok(Lstsq { x, residuals, rank, s })
}

/// From the augmented `[R C; 0 E]` (at least min(M, N) rows): `[x, s, rank, residuals]`, the
/// last three as columns.
fn solve_small<T: LinalgScalar>(
    r_aug: &ndarray::ArrayView2<'_, T>,
    m: usize,
    n: usize,
    factor: f64,
) -> Result<Mats<T>> {
    let p = m.min(n);
    let kb = r_aug.ncols() - n;
    let r = r_aug.slice(s![..p, ..n]);
    let c = r_aug.slice(s![..p, n..]);
    if r.iter().any(|v| !Element::is_finite(*v)) {
        return Err(Error::LinAlg("SVD did not converge in Linear Least Squares".into()));
    }
    let svd = to_faer(&r)
        .thin_svd()
        .map_err(|e| Error::LinAlg(format!("SVD did not converge in Linear Least Squares: {e:?}")))?;
    let sv = svd.S().column_vector();
    let s: Vec<T::Part> = (0..p).map(|i| sv[i].re_part()).collect();
    let cut = s[0] * <T::Part as Element>::from_f64(factor);
    let rank = s.iter().take_while(|&&v| v > cut).count();
    let u = from_faer(svd.U());
    let v = from_faer(svd.V());
    // y = S⁺ Uᴴ C over the kept singular values, x = V y
    let mut y = Array2::<T>::zeros((rank, kb));
    let mut x = Array2::<T>::zeros((n, kb));
    if rank > 0 && kb > 0 {
        gemm_adjoint_acc(&mut y.view_mut(), &u.slice(s![.., ..rank]), &c);
        for (mut row, &si) in y.rows_mut().into_iter().zip(&s) {
            let si = T::from_f64(Element::to_f64(si));
            row.mapv_inplace(|e| e.num_div(si));
        }
        T::gemm_set(&mut x.view_mut(), &v.slice(s![.., ..rank]), &y.view());
    }
    let residuals: Vec<T> = if rank == n && m > n {
        let e = r_aug.slice(s![n.., n..]);
        e.columns()
            .into_iter()
            .map(|col| {
                let sq = col.iter().fold(<T::Part as Element>::zero(), |acc, &v| acc + v.modulus() * v.modulus());
                T::from_f64(Element::to_f64(sq))
            })
            .collect()
    } else {
        Vec::new()
    };
    let column = |v: Vec<T>| {
        let len = v.len();
        Array2::from_shape_vec((len, 1), v).expect("a column")
    };
    let s = s.iter().map(|&v| T::from_f64(Element::to_f64(v))).collect();
    Ok(vec![x, column(s), column(vec![T::from_f64(rank as f64)]), column(residuals)])
}
