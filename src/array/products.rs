//! Matrix and tensor products: `dot`, `matmul`, `tensordot` (NumPy semantics).
//!
//! Results are `T::SumOut`: the float type for floats, `i64`/`u64` for integers (accumulated
//! in 64 bits). Contracted axes with different chunkings are rechunked to their common
//! refinement. See `ops::linalg::contract` for how products are planned.

use ndchunk_kernels::gemm::Gemm;

use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::error::{Error, Result};
use crate::ops::linalg::contract::{contract_node, Layout};

/// Which axes `tensordot` sums over.
#[derive(Clone, Debug, PartialEq)]
pub enum TensordotAxes {
    /// The last `n` axes of `a` with the first `n` of `b`.
    N(usize),
    /// Explicit pairs: `a`'s axes and `b`'s axes, in matching order.
    Pairs(Vec<isize>, Vec<isize>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::N(n)
    }
}

impl From<(Vec<isize>, Vec<isize>)> for TensordotAxes {
    fn from(p: (Vec<isize>, Vec<isize>)) -> Self {
        TensordotAxes::Pairs(p.0, p.1)
    }
}

impl<const N: usize> From<([isize; N], [isize; N])> for TensordotAxes {
    fn from(p: ([isize; N], [isize; N])) -> Self {
        TensordotAxes::Pairs(p.0.to_vec(), p.1.to_vec())
    }
}

fn tensordot_impl<T: Gemm>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    ax: &[usize],
    bx: &[usize],
) -> Result<ChunkedArray<T::SumOut>> {
    if ax.len() != bx.len() {
        return Err(Error::Value("tensordot: shape-mismatch for sum (different numbers of axes)".into()));
    }
    let free_a: Vec<usize> = (0..a.ndim()).filter(|i| !ax.contains(i)).collect();
    let free_b: Vec<usize> = (0..b.ndim()).filter(|i| !bx.contains(i)).collect();
    let pa: Vec<usize> = free_a.iter().chain(ax).copied().collect();
    let pb: Vec<usize> = bx.iter().chain(&free_b).copied().collect();
    let at = a.transpose(&pa)?;
    let bt = b.transpose(&pb)?;
    let l = Layout { batch: 0, free_a: free_a.len(), contracted: ax.len(), free_b: free_b.len() };
    Ok(ChunkedArray::from_node(contract_node::<T>(at.node(), bt.node(), l)?))
}

/// Sum products over the given axes (NumPy's `tensordot`); the result has `a`'s free axes,
/// then `b`'s.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::arange::<f64>(0.0, 24.0, 1.0, [5]).unwrap().reshape(&[2, 3, 4]).unwrap();
/// let b = ndchunk::ones::<f64>(&[4, 3], [2, 2]).unwrap();
/// let c = ndchunk::tensordot(&a, &b, ([1, 2], [1, 0])).unwrap();
/// assert_eq!(c.shape(), &[2]);
/// assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[66.0, 210.0]);
/// ```
pub fn tensordot<T: Gemm>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    axes: impl Into<TensordotAxes>,
) -> Result<ChunkedArray<T::SumOut>> {
    let (ax, bx): (Vec<usize>, Vec<usize>) = match axes.into() {
        TensordotAxes::N(n) => {
            if n > a.ndim() || n > b.ndim() {
                return Err(Error::Value(format!(
                    "tensordot over {n} axes of arrays with {} and {} axes",
                    a.ndim(),
                    b.ndim()
                )));
            }
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(pa, pb) => {
            let ax = pa.iter().map(|&x| resolve_axis(x, a.ndim())).collect::<Result<Vec<_>>>()?;
            let bx = pb.iter().map(|&x| resolve_axis(x, b.ndim())).collect::<Result<Vec<_>>>()?;
            (ax, bx)
        }
    };
    let mut seen_a = ax.clone();
    seen_a.sort_unstable();
    seen_a.dedup();
    let mut seen_b = bx.clone();
    seen_b.sort_unstable();
    seen_b.dedup();
    if seen_a.len() != ax.len() || seen_b.len() != bx.len() {
        return Err(Error::Value("tensordot: repeated axis".into()));
    }
    tensordot_impl(a, b, &ax, &bx)
}

impl<T: Gemm> ChunkedArray<T> {
    /// NumPy's `dot`: inner product of vectors, matrix product of matrices, and for N-d
    /// arrays a sum over the last axis of `self` and the second-to-last of `other`.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::ones::<f64>(&[15, 15], [5, 5]).unwrap();
    /// let y = x.dot(&(&x.t() + 1.0)).unwrap();
    /// assert_eq!(y.compute().unwrap()[[0, 0]], 30.0);
    /// ```
    pub fn dot(&self, other: &ChunkedArray<T>) -> Result<ChunkedArray<T::SumOut>> {
        let (na, nb) = (self.ndim(), other.ndim());
        if na == 0 || nb == 0 {
            return tensordot_impl(self, other, &[], &[]);
        }
        let bx = nb.saturating_sub(2);
        tensordot_impl(self, other, &[na - 1], &[bx])
    }

    /// NumPy's `matmul` (`@`): matrix products over the last two axes, broadcasting leading
    /// (batch) axes; 1-D operands are promoted to a row (left) or column (right) and the
    /// added axis is removed from the result.
    pub fn matmul(&self, other: &ChunkedArray<T>) -> Result<ChunkedArray<T::SumOut>> {
        if self.ndim() == 0 || other.ndim() == 0 {
            return Err(Error::Value(
                "matmul: input operand does not have enough dimensions (scalars are not allowed)".into(),
            ));
        }
        let a = if self.ndim() == 1 { self.expand_dims(0)? } else { self.clone() };
        let b = if other.ndim() == 1 { other.expand_dims(-1)? } else { other.clone() };
        let nb = a.ndim().max(b.ndim()) - 2;
        let mut a2 = a.clone();
        while a2.ndim() < nb + 2 {
            a2 = a2.expand_dims(0)?;
        }
        let mut b2 = b.clone();
        while b2.ndim() < nb + 2 {
            b2 = b2.expand_dims(0)?;
        }
        let l = Layout { batch: nb, free_a: 1, contracted: 1, free_b: 1 };
        let mut r = ChunkedArray::from_node(contract_node::<T>(a2.node(), b2.node(), l)?);
        if other.ndim() == 1 {
            r = r.squeeze(Some(&[-1]))?;
        }
        if self.ndim() == 1 {
            r = r.squeeze(Some(&[-1 - (other.ndim() != 1) as isize]))?;
        }
        Ok(r)
    }
}
