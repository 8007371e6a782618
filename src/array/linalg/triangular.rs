//! Triangular systems and the Cholesky factor's side: `solve_triangular` (scipy's and dask's
//! `solve_triangular(a, b, lower)`) and `cholesky_with(a, lower)` (dask's `cholesky(a, lower)`;
//! NumPy's `cholesky` is the lower factor, scipy's default the upper).
//!
//! Both gather the matrix into one block and call faer, as `solve` and `cholesky` do: the
//! matrix must fit in memory; `b` may be a vector or a matrix of right-hand sides.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::linalg;
//! let a = ChunkedArray::from_array(ndarray::array![[2.0, 0.0], [1.0, 4.0]], [1, 1]).unwrap();
//! let b = ChunkedArray::from_array(ndarray::array![2.0, 9.0], [1]).unwrap();
//! let x = linalg::solve_triangular(&a, &b, true).unwrap().compute().unwrap();
//! assert_eq!(x.as_slice().unwrap(), &[1.0, 2.0]);
//! let u = linalg::cholesky_with(&ChunkedArray::from_array(ndarray::array![[4.0, 2.0], [2.0, 5.0]], [2, 2]).unwrap(), false)
//!     .unwrap()
//!     .compute()
//!     .unwrap();
//! assert_eq!(u, ndarray::array![[2.0, 1.0], [0.0, 2.0]].into_dyn());
//! ```

use super::{adjoint, cholesky, dense, one_block, square};
use crate::array::ChunkedArray;
use crate::error::{Error, Result};
use crate::ops::linalg::factor::{from_faer, pick, to_faer, LinalgScalar};

/// Solve `a · x = b` for triangular `a` (`lower`: use the lower triangle, else the upper; the
/// other triangle is ignored, as scipy does). A zero on the diagonal is
/// `Error::LinAlg("singular matrix")` (scipy's LinAlgError).
pub fn solve_triangular<T: LinalgScalar>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    lower: bool,
) -> Result<ChunkedArray<T>> {
    let n = square(a, "solve_triangular")?;
    if b.ndim() == 0 || b.ndim() > 2 || b.shape()[0] != n {
        return Err(Error::Shape(format!(
            "solve_triangular: b of shape {:?} does not match a of shape {:?}",
            b.shape(),
            a.shape()
        )));
    }
    let b2 = if b.ndim() == 1 { b.expand_dims(1)? } else { b.clone() };
    let k = b2.shape()[1];
    let node = dense::<T, _>(vec![one_block(a)?, one_block(&b2)?], "solve_triangular", move |v| {
        let a = to_faer(&v[0]);
        let n = a.nrows();
        // LAPACK's trtrs (and so scipy) refuses exact zeros on the diagonal only
        if let Some(i) = (0..n).find(|&i| a[(i, i)] == <T as crate::element::Element>::zero()) {
            return Err(Error::LinAlg(format!("singular matrix: resolution failed at diagonal {i}")));
        }
        let mut x = to_faer(&v[1]);
        if lower {
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(a.as_ref(), x.as_mut(), faer::Par::Seq);
        } else {
            faer::linalg::triangular_solve::solve_upper_triangular_in_place(a.as_ref(), x.as_mut(), faer::Par::Seq);
        }
        Ok(vec![from_faer(x.as_ref())])
    });
    let x = ChunkedArray::<T>::from_node(pick::<T>(&node, 0, "solve_triangular-x", vec![n, k]));
    if b.ndim() == 1 {
        x.squeeze(Some(&[1]))
    } else {
        Ok(x)
    }
}

/// Cholesky factor of a symmetric (complex: Hermitian) positive-definite matrix: lower `l` with
/// `a = l · lᴴ` (`lower = true`, NumPy's) or upper `u = lᴴ` with `a = uᴴ · u` (`lower = false`,
/// scipy's default, dask's `lower=False`).
pub fn cholesky_with<T: LinalgScalar>(a: &ChunkedArray<T>, lower: bool) -> Result<ChunkedArray<T>> {
    let l = cholesky(a)?;
    if lower {
        Ok(l)
    } else {
        Ok(adjoint(&l))
    }
}
