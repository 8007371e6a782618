//! Rearranging elements without changing their values: `moveaxis`, `rollaxis`, `flip`
//! (`fliplr`, `flipud`), `rot90`, `roll`, `atleast_1d/2d/3d`, `broadcast_arrays`, and
//! `transpose_axes` (a `transpose` that takes negative axes).
//!
//! Everything here is a composition of the lazy primitives (`transpose`, `slice` with a negative
//! step, `concatenate`, `reshape`, `broadcast_to`): no block is copied until `compute`, and the
//! resulting graphs keep the input's chunking wherever the operation allows (a flip reverses the
//! block order, a roll cuts at most one block in two).

use ndarray::SliceInfoElem;

use crate::array::axes::Axes;
use crate::array::shape::concatenate;
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};

/// A full slice on every axis but `axis`, where `elem` is used.
pub(crate) fn on_axis(ndim: usize, axis: usize, elem: SliceInfoElem) -> Vec<SliceInfoElem> {
    (0..ndim).map(|a| if a == axis { elem } else { SliceInfoElem::Slice { start: 0, end: None, step: 1 } }).collect()
}

/// Elements `start..end` of `axis` (in-range, non-negative bounds).
pub(crate) fn axis_range<T: Element>(
    x: &ChunkedArray<T>,
    axis: usize,
    start: usize,
    end: usize,
) -> Result<ChunkedArray<T>> {
    if start == 0 && end == x.shape()[axis] {
        return Ok(x.clone());
    }
    let to = |v: usize| isize::try_from(v).map_err(|_| Error::Value(format!("index {v} is too large")));
    x.slice(on_axis(x.ndim(), axis, SliceInfoElem::Slice { start: to(start)?, end: Some(to(end)?), step: 1 }))
}

/// `Err(UnknownChunkSizes)` for an array whose axis lengths are not all known (after
/// boolean masking): positions along such an axis cannot be resolved.
pub(crate) fn known<T: Element>(x: &ChunkedArray<T>, op: &str) -> Result<()> {
    if x.chunks().is_known() {
        Ok(())
    } else {
        Err(Error::UnknownChunkSizes { op: op.into() })
    }
}

/// Axes in the order given (negative counting from the end), each at most once.
pub(crate) fn ordered_axes(axes: &Axes, ndim: usize, what: &str) -> Result<Vec<usize>> {
    match axes {
        Axes::All => Ok((0..ndim).collect()),
        Axes::Some(v) => {
            let mut out = Vec::with_capacity(v.len());
            for &a in v {
                let r = resolve_axis(a, ndim)?;
                if out.contains(&r) {
                    return Err(Error::Value(format!("repeated axis in `{what}` argument: {v:?}")));
                }
                out.push(r);
            }
            Ok(out)
        }
    }
}

impl<T: Element> ChunkedArray<T> {
    /// [`transpose`](Self::transpose) with NumPy's axis numbering: negative axes count from
    /// the end (`x.transpose_axes(&[-1, 0, 1])`). An axis out of range is [`Error::Axis`], a
    /// repeated one [`Error::Value`].
    pub fn transpose_axes(&self, axes: &[isize]) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        if axes.len() != nd {
            return Err(Error::Value(format!("axes {axes:?} don't match array of dimension {nd}")));
        }
        let perm = ordered_axes(&Axes::Some(axes.to_vec()), nd, "transpose")?;
        self.transpose(&perm)
    }

    /// Reverse the order of elements along `axes` (NumPy's `flip`; `None` flips every axis).
    /// Lazy: a slice with step -1, the block order reversed.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i32>(0, 6, 1, [4]).unwrap().reshape(&[2, 3]).unwrap();
    /// let y = x.flip(-1).unwrap().compute().unwrap();
    /// assert_eq!(y.as_slice().unwrap(), &[2, 1, 0, 5, 4, 3]);
    /// ```
    pub fn flip(&self, axes: impl Into<Axes>) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        let axes = ordered_axes(&axes.into(), nd, "flip")?;
        if axes.is_empty() {
            return Ok(self.clone());
        }
        let info: Vec<SliceInfoElem> = (0..nd)
            .map(|a| SliceInfoElem::Slice { start: 0, end: None, step: if axes.contains(&a) { -1 } else { 1 } })
            .collect();
        self.slice(info)
    }

    /// Roll elements along `axis` by `shift` (elements leaving one end come back at the other);
    /// `None` rolls the flattened array and restores the shape, as NumPy's `roll`.
    pub fn roll(&self, shift: isize, axis: Option<isize>) -> Result<ChunkedArray<T>> {
        match axis {
            None => {
                let shape: Vec<isize> = self.shape().iter().map(|&n| n as isize).collect();
                self.ravel()?.roll(shift, Some(0))?.reshape(&shape)
            }
            Some(a) => self.roll_axes(&[shift], &[a]),
        }
    }

    /// Roll by `shifts[i]` along `axes[i]` (NumPy's `roll` with tuples; one shift is used for
    /// every axis, and an axis given twice is rolled by the sum of its shifts).
    pub fn roll_axes(&self, shifts: &[isize], axes: &[isize]) -> Result<ChunkedArray<T>> {
        known(self, "roll")?;
        let nd = self.ndim();
        let resolved: Vec<usize> = axes.iter().map(|&a| resolve_axis(a, nd)).collect::<Result<_>>()?;
        if shifts.len() != axes.len() && shifts.len() != 1 {
            return Err(Error::Shape(format!(
                "shape mismatch: {} shifts given for {} axes in roll",
                shifts.len(),
                axes.len()
            )));
        }
        let mut total = vec![0i128; nd];
        for (i, &a) in resolved.iter().enumerate() {
            let s = if shifts.len() == 1 { shifts[0] } else { shifts[i] };
            total[a] += s as i128;
        }
        let mut out = self.clone();
        for (a, &s) in total.iter().enumerate() {
            let n = self.shape()[a];
            if n == 0 {
                continue;
            }
            let s = s.rem_euclid(n as i128) as usize; // in 0..n
            if s == 0 {
                continue;
            }
            let tail = axis_range(&out, a, n - s, n)?;
            let head = axis_range(&out, a, 0, n - s)?;
            out = concatenate(&[&tail, &head], a as isize)?;
        }
        Ok(out)
    }
}

/// Move axis `source` to position `destination`, keeping the order of the others (NumPy's
/// `moveaxis`; both may be lists of equal length, negative axes count from the end).
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::zeros::<f32>(&[3, 4, 5], [2, 2, 2]).unwrap();
/// assert_eq!(ndchunk::moveaxis(&x, 0, -1).unwrap().shape(), &[4, 5, 3]);
/// assert_eq!(ndchunk::moveaxis(&x, [0, 1], [-1, -2]).unwrap().shape(), &[5, 4, 3]);
/// assert!(ndchunk::moveaxis(&x, 3, 0).is_err());
/// ```
pub fn moveaxis<T: Element>(
    x: &ChunkedArray<T>,
    source: impl Into<Axes>,
    destination: impl Into<Axes>,
) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    let (source, destination) = (source.into(), destination.into());
    if matches!(source, Axes::All) || matches!(destination, Axes::All) {
        return Err(Error::Value("moveaxis needs explicit source and destination axes".into()));
    }
    let src = ordered_axes(&source, nd, "source")?;
    let dst = ordered_axes(&destination, nd, "destination")?;
    if src.len() != dst.len() {
        return Err(Error::Value("`source` and `destination` arguments must have the same number of elements".into()));
    }
    let mut order: Vec<usize> = (0..nd).filter(|a| !src.contains(a)).collect();
    let mut pairs: Vec<(usize, usize)> = dst.into_iter().zip(src).collect();
    pairs.sort_unstable();
    for (d, s) in pairs {
        order.insert(d, s);
    }
    x.transpose(&order)
}

/// Roll axis `axis` backwards until it lies before position `start` (NumPy's legacy
/// `rollaxis`; `start` may be `-ndim..=ndim`).
pub fn rollaxis<T: Element>(x: &ChunkedArray<T>, axis: isize, start: isize) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    let axis = resolve_axis(axis, nd)?;
    let s = if start < 0 { start + nd as isize } else { start };
    if s < 0 || s > nd as isize {
        return Err(Error::Axis { axis: start, ndim: nd + 1 });
    }
    let mut s = s as usize;
    if axis < s {
        s -= 1;
    }
    if axis == s {
        return Ok(x.clone());
    }
    let mut order: Vec<usize> = (0..nd).filter(|&a| a != axis).collect();
    order.insert(s, axis);
    x.transpose(&order)
}

/// Free-function form of [`ChunkedArray::flip`].
pub fn flip<T: Element>(x: &ChunkedArray<T>, axes: impl Into<Axes>) -> Result<ChunkedArray<T>> {
    x.flip(axes)
}

/// Reverse the columns (axis 1); the array needs at least 2 dimensions.
pub fn fliplr<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    if x.ndim() < 2 {
        return Err(Error::Value("Input must be >= 2-d.".into()));
    }
    x.flip(1)
}

/// Reverse the rows (axis 0); the array needs at least 1 dimension.
pub fn flipud<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    if x.ndim() < 1 {
        return Err(Error::Value("Input must be >= 1-d.".into()));
    }
    x.flip(0)
}

/// Rotate by 90 degrees `k` times in the plane of `axes`, from the first axis towards the
/// second (NumPy's `rot90`; `k` may be negative, `axes` are two different axes).
pub fn rot90<T: Element>(x: &ChunkedArray<T>, k: isize, axes: (isize, isize)) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    if nd < 2 {
        return Err(Error::Value(format!("rot90 needs an array of at least 2 dimensions, got {nd}")));
    }
    let (a0, a1) = (resolve_axis(axes.0, nd)?, resolve_axis(axes.1, nd)?);
    if a0 == a1 {
        return Err(Error::Value("Axes must be different.".into()));
    }
    match k.rem_euclid(4) {
        0 => Ok(x.clone()),
        2 => x.flip([a0, a1]),
        k => {
            let mut perm: Vec<usize> = (0..nd).collect();
            perm.swap(a0, a1);
            if k == 1 {
                x.flip(a1)?.transpose(&perm)
            } else {
                x.transpose(&perm)?.flip(a1)
            }
        }
    }
}

/// Free-function form of [`ChunkedArray::roll`].
pub fn roll<T: Element>(x: &ChunkedArray<T>, shift: isize, axis: Option<isize>) -> Result<ChunkedArray<T>> {
    x.roll(shift, axis)
}

/// The array with at least one dimension (a 0-d array becomes shape `(1,)`).
pub fn atleast_1d<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    match x.ndim() {
        0 => x.reshape(&[1isize]),
        _ => Ok(x.clone()),
    }
}

/// The array with at least two dimensions: `()` → `(1, 1)`, `(n,)` → `(1, n)`.
pub fn atleast_2d<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    match x.ndim() {
        0 => x.reshape(&[1isize, 1]),
        1 => x.expand_dims(0),
        _ => Ok(x.clone()),
    }
}

/// The array with at least three dimensions: `()` → `(1, 1, 1)`, `(n,)` → `(1, n, 1)`,
/// `(m, n)` → `(m, n, 1)` (NumPy's placement, not plain prepending).
pub fn atleast_3d<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    match x.ndim() {
        0 => x.reshape(&[1isize, 1, 1]),
        1 => x.expand_dims(0)?.expand_dims(2),
        2 => x.expand_dims(2),
        _ => Ok(x.clone()),
    }
}

/// [`atleast_1d`] of each array: NumPy's `atleast_1d(a, b, ...)` with several arrays, which
/// returns a list (arrays of one element type; convert with `astype` to mix types).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::zeros::<f64>(&[4], [2]).unwrap();
/// let b = ndchunk::zeros::<f64>(&[2, 3], [2, 2]).unwrap();
/// let r = ndchunk::atleast_3d_all(&[&a, &b]).unwrap();
/// assert_eq!((r[0].shape(), r[1].shape()), (&[1, 4, 1][..], &[2, 3, 1][..]));
/// ```
pub fn atleast_1d_all<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<Vec<ChunkedArray<T>>> {
    arrays.iter().map(|x| atleast_1d(x)).collect()
}

/// [`atleast_2d`] of each array (NumPy's `atleast_2d(a, b, ...)`).
pub fn atleast_2d_all<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<Vec<ChunkedArray<T>>> {
    arrays.iter().map(|x| atleast_2d(x)).collect()
}

/// [`atleast_3d`] of each array (NumPy's `atleast_3d(a, b, ...)`).
pub fn atleast_3d_all<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<Vec<ChunkedArray<T>>> {
    arrays.iter().map(|x| atleast_3d(x)).collect()
}

/// The arrays broadcast against each other to their common shape (NumPy's
/// `broadcast_arrays`); shapes that do not broadcast are [`Error::Broadcast`].
pub fn broadcast_arrays<T: Element>(arrays: &[&ChunkedArray<T>]) -> Result<Vec<ChunkedArray<T>>> {
    let shapes: Vec<&[usize]> = arrays.iter().map(|a| a.shape()).collect();
    let shape = crate::ops::elementwise::broadcast_shapes(&shapes)?;
    arrays.iter().map(|a| a.broadcast_to(&shape)).collect()
}

/// The shape that arrays of `shapes` broadcast to (NumPy's `broadcast_shapes`);
/// [`Error::Broadcast`] when they do not.
///
/// ```
/// assert_eq!(ndchunk::broadcast_shapes(&[&[3, 1], &[4], &[]]).unwrap(), vec![3, 4]);
/// assert!(ndchunk::broadcast_shapes(&[&[3], &[4]]).is_err());
/// ```
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    crate::ops::elementwise::broadcast_shapes(shapes)
}
