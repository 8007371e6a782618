//! `svd_flip`: a deterministic sign for each singular pair (dask's `da.linalg.svd_flip`).
//!
//! An SVD determines each pair of singular vectors only up to a common sign. dask makes the
//! sign deterministic with a chunk-friendly rule: the sign of the *sum* of each column of `u`
//! (`u_based_decision`) or of each row of `v` (otherwise, dask's default), a sum of 0 counting as
//! positive; the column of `u` and the row of `v` are multiplied by it. (scikit-learn's rule, the
//! sign of the largest-magnitude entry, needs an arg-reduction and a gather; dask chose the sum.)
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::linalg;
//! let u = ChunkedArray::from_array(ndarray::array![[-1.0, 0.5], [-2.0, 0.5]], [1, 2]).unwrap();
//! let v = ChunkedArray::from_array(ndarray::array![[3.0, -1.0], [-0.5, -0.5]], [2, 1]).unwrap();
//! let (u2, v2) = linalg::svd_flip(&u, &v, true).unwrap();
//! assert_eq!(u2.compute().unwrap(), ndarray::array![[1.0, 0.5], [2.0, 0.5]].into_dyn());
//! assert_eq!(v2.compute().unwrap(), ndarray::array![[-3.0, 1.0], [-0.5, -0.5]].into_dyn());
//! ```

use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::linalg::factor::LinalgFloat;

/// `u` and `v` (the factors of `u · diag(s) · v`) with each singular pair's sign fixed as dask
/// fixes it (see the module docs): `u` is m×k and `v` k×n.
pub fn svd_flip<T: LinalgFloat>(
    u: &ChunkedArray<T>,
    v: &ChunkedArray<T>,
    u_based_decision: bool,
) -> Result<(ChunkedArray<T>, ChunkedArray<T>)> {
    if u.ndim() != 2 || v.ndim() != 2 || u.shape()[1] != v.shape()[0] {
        return Err(Error::Shape(format!(
            "svd_flip: u of shape {:?} and v of shape {:?} are not the factors of one SVD",
            u.shape(),
            v.shape()
        )));
    }
    // (1, k): the sums of u's columns, or of v's rows laid out as a row
    let sums = if u_based_decision { u.sum(0)? } else { v.sum(1)? };
    let one = <T as Element>::one();
    let signs = sums.ge(<T as Element>::zero())?.mapv(move |p| if p { one } else { -one });
    let row = signs.expand_dims(0)?; // (1, k): scales u's columns
    let col = signs.expand_dims(1)?; // (k, 1): scales v's rows
    Ok((u.mul(&row)?, v.mul(&col)?))
}
