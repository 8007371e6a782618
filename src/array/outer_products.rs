//! NumPy's `outer`, `inner`, `vdot` and `kron` over chunked arrays.
//!
//! `outer` and `kron` multiply without summing, so they keep the element type `T` (as NumPy
//! keeps the dtype) and are one broadcasting multiply over expanded axes — every output block
//! is computed from one block of each input, nothing is materialised whole. `inner` and `vdot`
//! sum products, so they go through `tensordot`'s block GEMM and return `T::SumOut` like `dot`
//! (integers widened to 64 bits, wrapping on overflow like NumPy's int64). Elements are real,
//! so `vdot` conjugates nothing.

use ndchunk_kernels::gemm::Gemm;

use crate::array::products::tensordot;
use crate::array::ChunkedArray;
use crate::element::Number;
use crate::error::{Error, Result};

/// Outer product of the flattened inputs: `out[i, j] = a.flat[i] * b.flat[j]` (NumPy's `outer`).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::arange::<i64>(1, 4, 1, [2]).unwrap();
/// let b = ndchunk::arange::<i64>(0, 2, 1, [1]).unwrap();
/// let o = ndchunk::outer(&a, &b).unwrap();
/// assert_eq!(o.shape(), &[3, 2]);
/// assert_eq!(o.compute().unwrap().as_slice().unwrap(), &[0, 1, 0, 2, 0, 3]);
/// ```
pub fn outer<T: Number>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let a1 = a.ravel()?.expand_dims(1)?;
    let b1 = b.ravel()?.expand_dims(0)?;
    a1.mul(&b1)
}

/// Sum of products over the last axes (NumPy's `inner`): the result has `a`'s other axes, then
/// `b`'s; a 0-d operand multiplies the other. Last axes of different lengths are
/// [`Error::Shape`].
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::arange::<f64>(0.0, 6.0, 1.0, [4]).unwrap().reshape(&[2, 3]).unwrap();
/// let v = ndchunk::ones::<f64>(&[3], [2]).unwrap();
/// let r = ndchunk::inner(&a, &v).unwrap();
/// assert_eq!(r.compute().unwrap().as_slice().unwrap(), &[3.0, 12.0]);
/// assert_eq!(ndchunk::vdot(&a, &a).unwrap().item().unwrap(), 55.0);
/// ```
pub fn inner<T: Gemm>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T::SumOut>> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return tensordot(a, b, 0);
    }
    tensordot(a, b, ([-1], [-1]))
}

/// Dot product of the flattened inputs, a 0-d array (NumPy's `vdot`); different sizes are
/// [`Error::Value`].
pub fn vdot<T: Gemm>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T::SumOut>> {
    let (na, nb) = (a.size(), b.size());
    if na != nb {
        return Err(Error::Value(format!("vdot: the inputs have different sizes ({na} and {nb})")));
    }
    tensordot(&a.ravel()?, &b.ravel()?, 1)
}

/// Kronecker product (NumPy's `kron`): block `(i, j, …)` of the result is `a[i, j, …] * b`.
/// The operand with fewer axes gets leading length-1 axes; the result's length along each
/// axis is the product of the two.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::eye::<i64>(2, 1).unwrap();
/// let b = ndchunk::arange::<i64>(1, 5, 1, [3]).unwrap().reshape(&[2, 2]).unwrap();
/// let k = ndchunk::kron(&a, &b).unwrap();
/// assert_eq!(k.shape(), &[4, 4]);
/// assert_eq!(k.compute().unwrap().as_slice().unwrap()[4..8], [3, 4, 0, 0]);
/// ```
pub fn kron<T: Number>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let nd = a.ndim().max(b.ndim());
    let lead = |x: &ChunkedArray<T>| -> Result<ChunkedArray<T>> {
        let mut x = x.clone();
        while x.ndim() < nd {
            x = x.expand_dims(0)?;
        }
        Ok(x)
    };
    let (mut a2, mut b2) = (lead(a)?, lead(b)?);
    // a: [a0, 1, a1, 1, …], b: [1, b0, 1, b1, …]
    for k in 0..nd {
        a2 = a2.expand_dims((2 * k + 1) as isize)?;
        b2 = b2.expand_dims((2 * k) as isize)?;
    }
    let mut shape = Vec::with_capacity(nd);
    for k in 0..nd {
        let (x, y) = (a2.shape()[2 * k], b2.shape()[2 * k + 1]);
        shape.push(
            x.checked_mul(y)
                .ok_or_else(|| Error::Value(format!("kron: array is too big: axis {k} has {x}·{y} elements")))?,
        );
    }
    a2.mul(&b2)?.reshape(&shape[..])
}
