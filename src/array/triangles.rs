//! Triangles and diagonals: `tri`, `tril`, `triu`, `diag`, `diagonal`, `trace`.
//!
//! The triangles are a generated boolean mask (one source node, chunked like the input's last
//! two axes, never materialised as a whole) fed to `where_`, so they fuse with neighbouring
//! elementwise work. `diagonal` moves the two axes last, slices out the square that holds the
//! diagonal, cuts it into square pieces that each lie in one block, and takes each piece's
//! diagonal by flattening it and keeping every `(L + 1)`-th element: slicing and block-local
//! reshapes only, a few small tasks per diagonal block, no gather of a full matrix.

use std::marker::PhantomData;

use crate::array::rearrange::{axis_range, known};
use crate::array::shape::concatenate;
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::creation::{source_node, FromIndex};
use ndarray::SliceInfoElem;

/// Whether `(i, j)` lies on or below the `k`-th diagonal (`j <= i + k`).
fn below(i: usize, j: usize, k: isize) -> bool {
    (j as i128) <= i as i128 + k as i128
}

/// A generated mask over blocks `rows × cols`: `f(i, j)` per element.
fn mask(
    rows: &[usize],
    cols: &[usize],
    key: String,
    f: impl Fn(usize, usize) -> bool + Send + Sync + 'static,
) -> Result<ChunkedArray<bool>> {
    let shape = vec![rows.iter().sum(), cols.iter().sum()];
    // rows × cols blocks: more than MAX_BLOCKS (a long, finely cut diag input) is Error::Memory
    let chunks = Chunks::checked(vec![rows.to_vec(), cols.to_vec()])?;
    let op = FromIndex { f: move |ix: &[usize]| f(ix[0], ix[1]), key, _t: PhantomData };
    Ok(ChunkedArray::from_node(source_node::<bool>("tri-mask", shape, chunks, op)))
}

/// An `n × m` array (`m` defaults to `n`) with ones on and below the `k`-th diagonal and
/// zeros elsewhere (NumPy's `tri`).
pub fn tri<T: Element>(
    n: usize,
    m: Option<usize>,
    k: isize,
    chunks: impl Into<crate::ChunkSpec>,
) -> Result<ChunkedArray<T>> {
    let shape = [n, m.unwrap_or(n)];
    let chunks = crate::array::creation::normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex {
        f: move |ix: &[usize]| if below(ix[0], ix[1], k) { T::one() } else { T::zero() },
        key: format!("tri({k})"),
        _t: PhantomData,
    };
    Ok(ChunkedArray::from_node(source_node::<T>("tri", shape.to_vec(), chunks, op)))
}

impl<T: Element> ChunkedArray<T> {
    fn triangle(&self, k: isize, lower: bool) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        if nd == 0 {
            return Err(Error::Value("tril/triu need an array of at least one dimension".into()));
        }
        if !self.chunks().is_known() {
            return Err(Error::UnknownChunkSizes { op: if lower { "tril" } else { "triu" }.into() });
        }
        // NumPy: the mask is tri(*shape[-2:]), so a 1-d array of length n is broadcast to n × n
        let c = self.chunks();
        let (rows, cols) = if nd == 1 { (c.axis(0), c.axis(0)) } else { (c.axis(nd - 2), c.axis(nd - 1)) };
        let m = if lower {
            mask(rows, cols, format!("tril({k})"), move |i, j| below(i, j, k))?
        } else {
            mask(rows, cols, format!("triu({k})"), move |i, j| !below(i, j, k.saturating_sub(1)))?
        };
        crate::where_(&m, self, T::zero())
    }

    /// The lower triangle: elements above the `k`-th diagonal of the last two axes set to zero
    /// (NumPy's `tril`; a 1-d array is first broadcast to a square).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::ones::<i32>(&[3, 3], [2, 2]).unwrap();
    /// let l = x.tril(0).unwrap().compute().unwrap();
    /// assert_eq!(l.as_slice().unwrap(), &[1, 0, 0, 1, 1, 0, 1, 1, 1]);
    /// ```
    pub fn tril(&self, k: isize) -> Result<ChunkedArray<T>> {
        self.triangle(k, true)
    }

    /// The upper triangle: elements below the `k`-th diagonal set to zero (NumPy's `triu`).
    pub fn triu(&self, k: isize) -> Result<ChunkedArray<T>> {
        self.triangle(k, false)
    }

    /// The diagonal at `offset` of the plane `(axis1, axis2)`: those two axes are removed and
    /// the diagonal becomes the last axis (NumPy's `diagonal`). Needs at least 2 dimensions
    /// and two different axes ([`Error::Value`]); an offset beyond the plane gives an empty
    /// diagonal.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i64>(0, 12, 1, [5]).unwrap().reshape(&[3, 4]).unwrap();
    /// assert_eq!(x.diagonal(1, 0, 1).unwrap().compute().unwrap().as_slice().unwrap(), &[1, 6, 11]);
    /// assert_eq!(x.trace(0).unwrap().item().unwrap(), 15);
    /// ```
    pub fn diagonal(&self, offset: isize, axis1: isize, axis2: isize) -> Result<ChunkedArray<T>> {
        known(self, "diagonal")?;
        let nd = self.ndim();
        if nd < 2 {
            return Err(Error::Value("diag requires an array of at least two dimensions".into()));
        }
        let (a1, a2) = (resolve_axis(axis1, nd)?, resolve_axis(axis2, nd)?);
        if a1 == a2 {
            return Err(Error::Value("axis1 and axis2 cannot be the same".into()));
        }
        let mut perm: Vec<usize> = (0..nd).filter(|&a| a != a1 && a != a2).collect();
        perm.extend([a1, a2]);
        let y = self.transpose(&perm)?;
        let (n1, n2) = (self.shape()[a1] as i128, self.shape()[a2] as i128);
        let off = offset as i128;
        let (r0, c0) = if off >= 0 { (0, off) } else { (-off, 0) };
        let len = (n1 - r0).min(n2 - c0).max(0);
        let l = len as usize; // at most min(n1, n2)
        let (r0, c0) = if l == 0 { (0, 0) } else { (r0 as usize, c0 as usize) };
        let y = axis_range(&y, nd - 2, r0, r0 + l)?;
        let y = axis_range(&y, nd - 1, c0, c0 + l)?;
        if l == 0 {
            return square_diagonal(&y);
        }
        // one square piece per run where both the row and the column block stay the same:
        // each piece's diagonal is a reshape and a strided slice inside one block
        let mut cuts: Vec<usize> = y.chunks().offsets(nd - 2);
        cuts.extend(y.chunks().offsets(nd - 1));
        cuts.sort_unstable();
        cuts.dedup();
        let mut parts = Vec::with_capacity(cuts.len());
        for w in cuts.windows(2) {
            let piece = axis_range(&axis_range(&y, nd - 2, w[0], w[1])?, nd - 1, w[0], w[1])?;
            parts.push(square_diagonal(&piece)?);
        }
        if parts.len() == 1 {
            return Ok(parts.pop().expect("one part"));
        }
        let refs: Vec<&ChunkedArray<T>> = parts.iter().collect();
        concatenate(&refs, -1)
    }

    /// Sum of the main diagonal shifted by `offset` (NumPy's `trace` over axes 0 and 1); for
    /// more than two dimensions, the sums for the remaining axes.
    pub fn trace(&self, offset: isize) -> Result<ChunkedArray<T::SumOut>> {
        self.trace_axes(offset, 0, 1)
    }

    /// [`trace`](Self::trace) in the plane `(axis1, axis2)`.
    pub fn trace_axes(&self, offset: isize, axis1: isize, axis2: isize) -> Result<ChunkedArray<T::SumOut>> {
        self.diagonal(offset, axis1, axis2)?.sum(-1)
    }
}

/// The main diagonal of the last two (equal) axes of `y`, as the last axis: flatten them and
/// take every `(L + 1)`-th element.
fn square_diagonal<T: Element>(y: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let nd = y.ndim();
    let l = y.shape()[nd - 1];
    let mut shape: Vec<isize> = y.shape()[..nd - 2].iter().map(|&v| v as isize).collect();
    shape.push((l * l) as isize);
    let flat = y.reshape(&shape)?;
    if l <= 1 {
        return Ok(flat);
    }
    let info = crate::array::rearrange::on_axis(
        nd - 1,
        nd - 2,
        SliceInfoElem::Slice { start: 0, end: None, step: l as isize + 1 },
    );
    flat.slice(info)
}

/// Free-function form of [`ChunkedArray::tril`].
pub fn tril<T: Element>(x: &ChunkedArray<T>, k: isize) -> Result<ChunkedArray<T>> {
    x.tril(k)
}

/// Free-function form of [`ChunkedArray::triu`].
pub fn triu<T: Element>(x: &ChunkedArray<T>, k: isize) -> Result<ChunkedArray<T>> {
    x.triu(k)
}

/// NumPy's `diag`: a 1-d array becomes the `k`-th diagonal of a square 2-d array (zeros
/// elsewhere); a 2-d array gives its `k`-th diagonal. Other dimensions are [`Error::Value`].
///
/// ```
/// use ndchunk::prelude::*;
/// let v = ndchunk::arange::<i32>(1, 3, 1, [1]).unwrap();
/// let d = ndchunk::diag(&v, 1).unwrap().compute().unwrap();
/// assert_eq!(d.as_slice().unwrap(), &[0, 1, 0, 0, 0, 2, 0, 0, 0]);
/// ```
pub fn diag<T: Element>(v: &ChunkedArray<T>, k: isize) -> Result<ChunkedArray<T>> {
    known(v, "diag")?;
    match v.ndim() {
        1 => {
            let len = v.shape()[0];
            let ku = k.unsigned_abs();
            let n = len.checked_add(ku).ok_or_else(|| Error::Value("diagonal offset too large".into()))?;
            crate::chunks::check_size(&[n, n], std::mem::size_of::<T>())?;
            // w[j]: the value in column j of the k-th diagonal
            let w = if ku == 0 {
                v.clone()
            } else {
                let z = crate::array::creation::full(&[ku], T::zero(), [v.chunks().chunksize()[0].max(1)])?;
                if k > 0 {
                    concatenate(&[&z, v], 0)?
                } else {
                    concatenate(&[v, &z], 0)?
                }
            };
            let c = w.chunks().axis(0).to_vec();
            let m = mask(&c, &c, format!("diag({k})"), move |i, j| j as i128 - i as i128 == k as i128)?;
            crate::where_(&m, &w.expand_dims(0)?, T::zero())
        }
        2 => v.diagonal(k, 0, 1),
        _ => Err(Error::Value("Input must be 1- or 2-d.".into())),
    }
}

/// Free-function form of [`ChunkedArray::diagonal`].
pub fn diagonal<T: Element>(x: &ChunkedArray<T>, offset: isize, axis1: isize, axis2: isize) -> Result<ChunkedArray<T>> {
    x.diagonal(offset, axis1, axis2)
}

/// Free-function form of [`ChunkedArray::trace_axes`].
pub fn trace<T: Element>(
    x: &ChunkedArray<T>,
    offset: isize,
    axis1: isize,
    axis2: isize,
) -> Result<ChunkedArray<T::SumOut>> {
    x.trace_axes(offset, axis1, axis2)
}
