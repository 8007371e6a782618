//! NumPy's joining and repeating helpers on top of `concatenate`: `hstack`, `vstack`,
//! `dstack`, `column_stack`, `tile`, `repeat`, `insert`, `delete`, `append`.
//!
//! They are thin compositions of lazy primitives, so they share `concatenate`'s and `take`'s
//! chunking: joined parts keep their blocks, a scalar `repeat` broadcasts (no index list), and
//! `delete`/`insert` with lists are one `take` over the joined array.

use crate::array::elementwise::Operand;
use crate::array::rearrange::{atleast_1d, atleast_2d, atleast_3d, axis_range, known, moveaxis};
use crate::array::shape::concatenate;
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::check_size;
use crate::element::Element;
use crate::error::{Error, Result};

fn refs<T: Element>(v: &[ChunkedArray<T>]) -> Vec<&ChunkedArray<T>> {
    v.iter().collect()
}

/// Join along the second axis, or the first for 1-d arrays (NumPy's `hstack`; 0-d parts
/// become 1-d).
pub fn hstack<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<ChunkedArray<T>> {
    let parts: Vec<ChunkedArray<T>> = arrays.iter().map(|a| atleast_1d(a)).collect::<Result<_>>()?;
    let axis = if parts.first().is_some_and(|p| p.ndim() == 1) { 0 } else { 1 };
    concatenate(&refs(&parts), axis)
}

/// Join along the first axis after making every part at least 2-d (NumPy's `vstack`).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::arange::<i64>(0, 3, 1, [2]).unwrap();
/// let v = ndchunk::vstack(&[&a, &a]).unwrap();
/// assert_eq!(v.shape(), &[2, 3]);
/// ```
pub fn vstack<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<ChunkedArray<T>> {
    let parts: Vec<ChunkedArray<T>> = arrays.iter().map(|a| atleast_2d(a)).collect::<Result<_>>()?;
    concatenate(&refs(&parts), 0)
}

/// Join along the third axis after making every part at least 3-d (NumPy's `dstack`).
pub fn dstack<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<ChunkedArray<T>> {
    let parts: Vec<ChunkedArray<T>> = arrays.iter().map(|a| atleast_3d(a)).collect::<Result<_>>()?;
    concatenate(&refs(&parts), 2)
}

/// Join 1-d arrays as columns of a 2-d array (2-d and larger parts are joined as they are,
/// along axis 1), as NumPy's `column_stack`.
pub fn column_stack<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<ChunkedArray<T>> {
    let parts: Vec<ChunkedArray<T>> = arrays
        .iter()
        .map(|a| match a.ndim() {
            0 => a.reshape(&[1isize, 1]),
            1 => a.expand_dims(1),
            _ => Ok((*a).clone()),
        })
        .collect::<Result<_>>()?;
    concatenate(&refs(&parts), 1)
}

/// The array repeated `reps[i]` times along axis `i` (NumPy's `tile`): with fewer reps than
/// dimensions, reps are padded with leading 1s; with more, the array gets leading length-1
/// axes. A rep of 0 gives an empty axis.
pub fn tile<T: Element>(x: &ChunkedArray<T>, reps: &[usize]) -> Result<ChunkedArray<T>> {
    known(x, "tile")?;
    let d = reps.len().max(x.ndim());
    let mut reps_full = vec![1usize; d - reps.len()];
    reps_full.extend_from_slice(reps);
    let mut out = x.clone();
    while out.ndim() < d {
        out = out.expand_dims(0)?;
    }
    let shape: Vec<usize> = out
        .shape()
        .iter()
        .zip(&reps_full)
        .map(|(&n, &r)| n.checked_mul(r).ok_or_else(|| too_big(out.shape())))
        .collect::<Result<_>>()?;
    check_size(&shape, std::mem::size_of::<T>())?;
    for (a, &r) in reps_full.iter().enumerate() {
        out = match r {
            1 => out,
            0 => axis_range(&out, a, 0, 0)?,
            // a few copies: joined as they are, keeping the blocks
            r if r <= 64 => {
                let copies = vec![&out; r];
                concatenate(&copies, a as isize)?
            }
            // many: a broadcast along a new axis before `a`, merged into it (no list of r parts)
            r => {
                let mut wide = out.shape().to_vec();
                wide.insert(a, r);
                let mut target: Vec<isize> = out.shape().iter().map(|&v| v as isize).collect();
                target[a] *= r as isize; // the checked size above fits isize
                out.expand_dims(a as isize)?.broadcast_to(&wide)?.reshape(&target)?
            }
        };
    }
    Ok(out)
}

/// How many times `repeat` repeats each element: one count for all, or one per element.
/// Counts are signed so that a negative one is reported as [`Error::Value`] (NumPy's
/// "negative dimensions are not allowed") rather than wrapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repeats {
    /// The same count for every element.
    Scalar(i64),
    /// A count per element along the axis (a list of one is used for every element).
    PerElement(Vec<i64>),
}

macro_rules! repeats_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Repeats {
            fn from(v: $t) -> Self {
                Repeats::Scalar(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        impl From<&[$t]> for Repeats {
            fn from(v: &[$t]) -> Self {
                Repeats::PerElement(v.iter().map(|&c| i64::try_from(c).unwrap_or(i64::MAX)).collect())
            }
        }
        impl From<Vec<$t>> for Repeats {
            fn from(v: Vec<$t>) -> Self {
                Repeats::from(v.as_slice())
            }
        }
        impl<const N: usize> From<[$t; N]> for Repeats {
            fn from(v: [$t; N]) -> Self {
                Repeats::from(v.as_slice())
            }
        }
    )*};
}

repeats_from!(usize, isize, i32, i64, u32);

fn too_big(shape: &[usize]) -> Error {
    Error::Value(format!("array is too big: a result with axes {shape:?} times the repeats overflows"))
}

fn count(c: i64) -> Result<usize> {
    usize::try_from(c).map_err(|_| Error::Value(format!("negative dimensions are not allowed (repeat count {c})")))
}

impl<T: Element> ChunkedArray<T> {
    /// Repeat each element along `axis` (NumPy's `repeat`; `None` repeats the flattened
    /// array). A scalar count is a broadcast and a reshape; per-element counts are a `take`.
    /// A negative count is [`Error::Value`], a list of counts of the wrong length
    /// [`Error::Shape`].
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i32>(0, 3, 1, [2]).unwrap();
    /// assert_eq!(x.repeat(2, None).unwrap().compute().unwrap().as_slice().unwrap(), &[0, 0, 1, 1, 2, 2]);
    /// assert_eq!(x.repeat([1, 0, 3], Some(0)).unwrap().compute().unwrap().as_slice().unwrap(), &[0, 2, 2, 2]);
    /// ```
    pub fn repeat(&self, repeats: impl Into<Repeats>, axis: Option<isize>) -> Result<ChunkedArray<T>> {
        known(self, "repeat")?;
        let (x, axis) = match axis {
            None => (self.ravel()?, 0usize),
            // NumPy repeats a 0-d array along "axis 0" of its flattened self
            Some(a) if self.ndim() == 0 => (self.ravel()?, resolve_axis(a, 1)?),
            Some(a) => (self.clone(), resolve_axis(a, self.ndim())?),
        };
        let n = x.shape()[axis];
        let counts: Vec<usize> = match repeats.into() {
            Repeats::Scalar(c) => {
                // as NumPy, a negative count is only an error when there is something to repeat
                let c = if n == 0 { 0 } else { count(c)? };
                let mut shape = x.shape().to_vec();
                shape[axis] = n.checked_mul(c).ok_or_else(|| too_big(x.shape()))?;
                check_size(&shape, std::mem::size_of::<T>())?;
                if c == 1 {
                    return Ok(x);
                }
                let mut wide = x.shape().to_vec();
                wide.insert(axis + 1, c);
                let target: Vec<isize> = shape.iter().map(|&v| v as isize).collect();
                return x.expand_dims(axis as isize + 1)?.broadcast_to(&wide)?.reshape(&target);
            }
            Repeats::PerElement(v) if v.len() == 1 && n == 0 => vec![],
            Repeats::PerElement(v) if v.len() == 1 => vec![count(v[0])?; n],
            Repeats::PerElement(v) => {
                if v.len() != n {
                    return Err(Error::Shape(format!(
                        "operands could not be broadcast together: {} repeat counts for an axis of length {n}",
                        v.len()
                    )));
                }
                v.into_iter().map(count).collect::<Result<_>>()?
            }
        };
        let total = counts.iter().try_fold(0usize, |a, &c| a.checked_add(c)).ok_or_else(|| too_big(x.shape()))?;
        let mut shape = x.shape().to_vec();
        shape[axis] = total;
        check_size(&shape, std::mem::size_of::<T>())?;
        let mut idx = crate::memory::try_vec::<usize>(total, "repeat's index list")?;
        idx.extend(counts.iter().enumerate().flat_map(|(i, &c)| std::iter::repeat_n(i, c)));
        x.take(&idx, axis as isize)
    }
}

/// Free-function form of [`ChunkedArray::repeat`].
pub fn repeat<T: Element>(
    x: &ChunkedArray<T>,
    repeats: impl Into<Repeats>,
    axis: Option<isize>,
) -> Result<ChunkedArray<T>> {
    x.repeat(repeats, axis)
}

fn operand_array<T: Element>(v: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
    match v.into() {
        Operand::Array(a) => Ok(a),
        Operand::Scalar(s) => crate::array::creation::full(&[], s, Vec::<usize>::new()),
    }
}

/// Insert `values` before position `index` along `axis` (NumPy's `insert` with one index;
/// `None` flattens first). `values` is a scalar or an array; as in NumPy it is given the
/// array's number of dimensions by prepending length-1 axes, its first axis is moved to
/// `axis` (that is how many slices are inserted), and it is broadcast to the other axes.
/// `index` may be `-n..=n`; beyond that is [`Error::Index`].
pub fn insert<T: Element>(
    x: &ChunkedArray<T>,
    index: isize,
    values: impl Into<Operand<T>>,
    axis: Option<isize>,
) -> Result<ChunkedArray<T>> {
    known(x, "insert")?;
    let (x, axis) = match axis {
        None => (x.ravel()?, 0usize),
        Some(a) => (x.clone(), resolve_axis(a, x.ndim())?),
    };
    let n = x.shape()[axis];
    let i = if index < 0 { index + n as isize } else { index };
    if i < 0 || i > n as isize {
        return Err(Error::Index { index, axis, size: n });
    }
    let i = i as usize;
    let mut v = operand_array(values)?;
    if v.ndim() > x.ndim() {
        return Err(Error::Shape(format!(
            "could not broadcast values of shape {:?} into an array of {} dimensions",
            v.shape(),
            x.ndim()
        )));
    }
    while v.ndim() < x.ndim() {
        v = v.expand_dims(0)?;
    }
    let v = moveaxis(&v, 0, axis as isize)?;
    let mut shape = x.shape().to_vec();
    shape[axis] = v.shape()[axis];
    let v = v.broadcast_to(&shape)?;
    let head = axis_range(&x, axis, 0, i)?;
    let tail = axis_range(&x, axis, i, n)?;
    concatenate(&[&head, &v, &tail], axis as isize)
}

/// Remove the elements (or slices) at `indices` along `axis` (NumPy's `delete`; `None`
/// flattens first). Negative indices count from the end; repeats are removed once; an index
/// out of range is [`Error::Index`].
pub fn delete<T: Element>(x: &ChunkedArray<T>, indices: &[isize], axis: Option<isize>) -> Result<ChunkedArray<T>> {
    known(x, "delete")?;
    let (x, axis) = match axis {
        None => (x.ravel()?, 0usize),
        Some(a) => (x.clone(), resolve_axis(a, x.ndim())?),
    };
    let n = x.shape()[axis];
    let mut keep = crate::memory::try_vec::<bool>(n, "delete's index list")?;
    keep.resize(n, true);
    for &index in indices {
        let i = if index < 0 { index + n as isize } else { index };
        if i < 0 || i >= n as isize {
            return Err(Error::Index { index, axis, size: n });
        }
        keep[i as usize] = false;
    }
    if keep.iter().all(|&k| k) {
        return Ok(x);
    }
    let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    if idx.is_empty() {
        return axis_range(&x, axis, 0, 0);
    }
    x.take(&idx, axis as isize)
}

/// `values` joined after `x` along `axis` (NumPy's `append`; `None` flattens both first).
pub fn append<T: Element>(
    x: &ChunkedArray<T>,
    values: impl Into<Operand<T>>,
    axis: Option<isize>,
) -> Result<ChunkedArray<T>> {
    let v = operand_array(values)?;
    match axis {
        None => concatenate(&[&x.ravel()?, &v.ravel()?], 0),
        Some(a) => {
            if v.ndim() != x.ndim() {
                return Err(Error::Value(format!(
                    "all the input arrays must have same number of dimensions, but the array has {} and the values {}",
                    x.ndim(),
                    v.ndim()
                )));
            }
            concatenate(&[x, &v], a)
        }
    }
}

/// Insert `values` before each of `indices` along `axis` (NumPy's `insert` with a list of
/// indices; `None` flattens first). Values go in the order of the indices, several at one
/// index keep their order (NumPy's stable sort), and `values` is broadcast to
/// `len(indices)` slices. A list of one index behaves as NumPy's: like [`insert`] except
/// that the values' first axis is not moved to `axis`. Indices may be `-n..=n`; beyond that
/// is [`Error::Index`].
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::arange::<i32>(0, 4, 1, [3]).unwrap();
/// let y = ndchunk::insert_at(&x, &[1, 3, 1], -1, None).unwrap();
/// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[0, -1, -1, 1, 2, -1, 3]);
/// ```
pub fn insert_at<T: Element>(
    x: &ChunkedArray<T>,
    indices: &[isize],
    values: impl Into<Operand<T>>,
    axis: Option<isize>,
) -> Result<ChunkedArray<T>> {
    known(x, "insert_at")?;
    let (x, axis) = match axis {
        None => (x.ravel()?, 0usize),
        Some(a) => (x.clone(), resolve_axis(a, x.ndim())?),
    };
    let n = x.shape()[axis];
    let mut pos = Vec::with_capacity(indices.len());
    for &index in indices {
        let i = if index < 0 { index + n as isize } else { index };
        if i < 0 || i > n as isize {
            return Err(Error::Index { index, axis, size: n });
        }
        pos.push(i as usize);
    }
    let mut v = operand_array(values)?;
    if v.ndim() > x.ndim() {
        return Err(Error::Shape(format!(
            "could not broadcast values of shape {:?} into an array of {} dimensions",
            v.shape(),
            x.ndim()
        )));
    }
    if pos.len() == 1 {
        while v.ndim() < x.ndim() {
            v = v.expand_dims(0)?;
        }
        let mut shape = x.shape().to_vec();
        shape[axis] = v.shape()[axis];
        let v = v.broadcast_to(&shape)?;
        let head = axis_range(&x, axis, 0, pos[0])?;
        let tail = axis_range(&x, axis, pos[0], n)?;
        return concatenate(&[&head, &v, &tail], axis as isize);
    }
    if pos.is_empty() {
        return Ok(x);
    }
    let m = pos.len();
    let mut shape = x.shape().to_vec();
    shape[axis] = m;
    let v = v.broadcast_to(&shape)?;
    let joined = concatenate(&[&x, &v], axis as isize)?;
    // where each inserted slice lands: the stable order of the indices, shifted by the
    // slices inserted before it
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by_key(|&k| pos[k]);
    let mut src = crate::memory::try_vec::<usize>(n + m, "insert's index list")?;
    src.resize(n + m, usize::MAX);
    for (j, &k) in order.iter().enumerate() {
        src[pos[k] + j] = n + k;
    }
    let mut old = 0..n;
    for s in src.iter_mut().filter(|s| **s == usize::MAX) {
        *s = old.next().expect("n old slices fill the other places");
    }
    joined.take(&src, axis as isize)
}
