//! NumPy's `x[...]`: [`ChunkedArray::getitem`] with [`Idx`] items (slices with NumPy's
//! meaning of a negative step, integers, `newaxis`, `...`, integer arrays and boolean masks
//! along an axis), and pointwise fancy indexing, [`ChunkedArray::vindex`].
//!
//! `slice(s![..])` keeps ndarray's meaning of a negative step (the range `a..b` walked from its
//! end), which trips every port of `x[a:b:-k]`: NumPy walks from `a` down to, not including,
//! `b`. [`Idx::slice`] takes NumPy's `start`, `stop`, `step` (each bound optional, negative
//! counting from the end, out-of-range bounds clipped as Python's `slice.indices`) and is
//! translated into ndarray's form for the axis length, so `getitem` is as lazy and copy-free as
//! `slice`.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::Idx;
//! let x = ndchunk::arange::<i64>(0, 24, 1, [5]).unwrap().reshape(&[4, 6]).unwrap();
//! // NumPy: x[..., 5:1:-2]  (columns 5 and 3)
//! let y = x.getitem(&[Idx::Ellipsis, Idx::slice(5, 1, -2)]).unwrap();
//! assert_eq!(y.compute().unwrap().iter().take(2).copied().collect::<Vec<_>>(), vec![5, 3]);
//! // NumPy: x[::-1, [0, -1]] and x[:, mask]
//! let z = x.getitem(&[Idx::slice(None, None, -1), Idx::take(vec![0, -1])]).unwrap();
//! assert_eq!(z.compute().unwrap().iter().take(2).copied().collect::<Vec<_>>(), vec![18, 23]);
//! let m = x.getitem(&[Idx::all(), Idx::mask(vec![true, false, false, false, false, true])]).unwrap();
//! assert_eq!(m.shape(), &[4, 2]);
//! // pointwise: NumPy's x[[0, 3], [1, 2]] / dask's x.vindex[[0, 3], [1, 2]]
//! let p = x.vindex(&[vec![0, 3], vec![1, 2]]).unwrap();
//! assert_eq!(p.compute().unwrap().iter().copied().collect::<Vec<_>>(), vec![1, 20]);
//! ```

use ndarray::SliceInfoElem;

use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};

/// One item of a NumPy index expression.
#[derive(Clone, Debug)]
pub enum Idx {
    /// `start:stop:step` with NumPy's semantics (see [`Idx::slice`]).
    Slice { start: Option<isize>, stop: Option<isize>, step: isize },
    /// An integer: selects one position and drops the axis (negative counts from the end).
    Index(isize),
    /// `np.newaxis` / `None`: a new axis of length 1.
    NewAxis,
    /// `...`: as many full slices as needed.
    Ellipsis,
    /// An integer array along this axis (NumPy's advanced indexing), any order, repeats allowed.
    Take(Vec<isize>),
    /// A boolean array along this axis (its length must be the axis length).
    Mask(Vec<bool>),
    /// A lazy 1-D boolean array along this axis (dask's `x[:, m]` with `m` a dask array): the
    /// selected length is unknown until computed, as in dask (the axis gets unknown chunk
    /// sizes). Its length must be the axis length; it cannot be combined with another array
    /// index (dask neither).
    LazyMask(ChunkedArray<bool>),
}

impl PartialEq for Idx {
    /// Structural equality; two [`Idx::LazyMask`] are equal when they are the same lazy array
    /// (the same graph node), as their values are not known.
    fn eq(&self, other: &Idx) -> bool {
        match (self, other) {
            (Idx::Slice { start: a, stop: b, step: c }, Idx::Slice { start: d, stop: e, step: f }) => {
                (a, b, c) == (d, e, f)
            }
            (Idx::Index(a), Idx::Index(b)) => a == b,
            (Idx::NewAxis, Idx::NewAxis) | (Idx::Ellipsis, Idx::Ellipsis) => true,
            (Idx::Take(a), Idx::Take(b)) => a == b,
            (Idx::Mask(a), Idx::Mask(b)) => a == b,
            (Idx::LazyMask(a), Idx::LazyMask(b)) => std::sync::Arc::ptr_eq(&a.node, &b.node),
            _ => false,
        }
    }
}

impl From<&ChunkedArray<bool>> for Idx {
    fn from(m: &ChunkedArray<bool>) -> Idx {
        Idx::LazyMask(m.clone())
    }
}

impl Idx {
    /// NumPy's `start:stop:step`; `None` (or omitted) bounds as in Python.
    pub fn slice(start: impl Into<Option<isize>>, stop: impl Into<Option<isize>>, step: isize) -> Idx {
        Idx::Slice { start: start.into(), stop: stop.into(), step }
    }
    /// `:` (the whole axis).
    pub fn all() -> Idx {
        Idx::Slice { start: None, stop: None, step: 1 }
    }
    /// An integer array index along one axis.
    pub fn take(positions: Vec<isize>) -> Idx {
        Idx::Take(positions)
    }
    /// A lazy boolean index along one axis (see [`Idx::LazyMask`]).
    pub fn lazy_mask(mask: &ChunkedArray<bool>) -> Idx {
        Idx::LazyMask(mask.clone())
    }
    /// A boolean index along one axis.
    pub fn mask(mask: Vec<bool>) -> Idx {
        Idx::Mask(mask)
    }
}

impl From<isize> for Idx {
    fn from(i: isize) -> Idx {
        Idx::Index(i)
    }
}

/// Python's `slice.indices(n)` for a nonzero step, as ndarray's `Slice` (whose negative step
/// walks a range from its end): the same elements in the same order.
pub(crate) fn numpy_slice(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> Result<SliceInfoElem> {
    if step == 0 {
        return Err(Error::Value("slice step cannot be zero".into()));
    }
    let n = n as i128;
    let neg = step < 0;
    let adjust = |v: Option<isize>, default: i128| -> i128 {
        match v {
            None => default,
            Some(v) => {
                let mut v = v as i128;
                if v < 0 {
                    v += n;
                    if v < 0 {
                        v = if neg { -1 } else { 0 };
                    }
                } else if v >= n {
                    v = if neg { n - 1 } else { n };
                }
                v
            }
        }
    };
    let start = adjust(start, if neg { n - 1 } else { 0 });
    let stop = adjust(stop, if neg { -1 } else { n });
    let step_i = step as i128;
    let count = if neg {
        if stop < start {
            (start - stop - 1) / (-step_i) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step_i + 1
    } else {
        0
    };
    // every value is within [-1, n], so the casts are exact
    Ok(if count == 0 {
        SliceInfoElem::Slice { start: 0, end: Some(0), step: 1 }
    } else if neg {
        let last = start + (count - 1) * step_i;
        SliceInfoElem::Slice { start: last as isize, end: Some((start + 1) as isize), step }
    } else {
        SliceInfoElem::Slice { start: start as isize, end: Some(stop as isize), step }
    })
}

/// Positions of an integer index along an axis of length `n`, negative ones resolved.
fn resolve_positions(p: &[isize], axis: usize, n: usize) -> Result<Vec<isize>> {
    p.iter()
        .map(|&i| {
            let r = if i < 0 { i as i128 + n as i128 } else { i as i128 };
            if r < 0 || r >= n as i128 {
                Err(Error::Index { index: i, axis, size: n })
            } else {
                // 0 <= r < n, and an axis length fits in isize (array byte sizes are checked)
                Ok(r as isize)
            }
        })
        .collect()
}

impl<T: Element> ChunkedArray<T> {
    /// NumPy's `x[items]`, lazily: slices with NumPy's negative steps, integers, `newaxis`,
    /// `...`, and integer or boolean arrays along axes. One array index selects along its axis
    /// (NumPy's `x[:, [2, 0]]`, `x[:, mask]`); several are combined pointwise, as NumPy does,
    /// and the combined axis goes where NumPy puts it (in place when the array indices are
    /// adjacent, first otherwise). Errors: too many indices, two ellipses, a zero step, an
    /// integer out of range ([`Error::Index`]), a mask of the wrong length.
    pub fn getitem(&self, items: &[Idx]) -> Result<ChunkedArray<T>> {
        let shape = self.shape().to_vec();
        let consumed = items.iter().filter(|i| !matches!(i, Idx::NewAxis | Idx::Ellipsis)).count();
        let ellipses = items.iter().filter(|i| matches!(i, Idx::Ellipsis)).count();
        if ellipses > 1 {
            return Err(Error::Value("an index can only have a single ellipsis ('...')".into()));
        }
        if consumed > shape.len() {
            return Err(Error::Value(format!(
                "too many indices for array: array is {}-dimensional, but {consumed} were indexed",
                shape.len()
            )));
        }
        // expand the ellipsis (or pad at the end) with full slices
        let mut full: Vec<Idx> = Vec::with_capacity(items.len() + shape.len());
        let mut expanded = false;
        for it in items {
            if let Idx::Ellipsis = it {
                full.extend((0..shape.len() - consumed).map(|_| Idx::all()));
                expanded = true;
            } else {
                full.push(it.clone());
            }
        }
        if !expanded {
            full.extend((0..shape.len() - consumed).map(|_| Idx::all()));
        }
        // basic indexing first; array indices become full slices, remembered with the axis of
        // the sliced result they apply to
        let mut elems = Vec::with_capacity(full.len());
        let mut arrays: Vec<(usize, Vec<isize>)> = Vec::new();
        let mut lazy: Option<(usize, ChunkedArray<bool>)> = None;
        let (mut in_axis, mut out_axis) = (0usize, 0usize);
        for it in &full {
            match it {
                Idx::Slice { start, stop, step } => {
                    elems.push(numpy_slice(*start, *stop, *step, shape[in_axis])?);
                    in_axis += 1;
                    out_axis += 1;
                }
                Idx::Index(i) => {
                    let r = resolve_positions(&[*i], in_axis, shape[in_axis])?;
                    elems.push(SliceInfoElem::Index(r[0]));
                    in_axis += 1;
                }
                Idx::NewAxis => {
                    elems.push(SliceInfoElem::NewAxis);
                    out_axis += 1;
                }
                Idx::Ellipsis => unreachable!("expanded above"),
                Idx::Take(p) => {
                    arrays.push((out_axis, resolve_positions(p, in_axis, shape[in_axis])?));
                    elems.push(SliceInfoElem::Slice { start: 0, end: None, step: 1 });
                    in_axis += 1;
                    out_axis += 1;
                }
                Idx::Mask(m) => {
                    if m.len() != shape[in_axis] {
                        return Err(Error::Value(format!(
                            "boolean index did not match indexed array along axis {in_axis}; size of axis is {} but size of corresponding boolean axis is {}",
                            shape[in_axis],
                            m.len()
                        )));
                    }
                    let p: Vec<isize> = m.iter().enumerate().filter(|(_, &b)| b).map(|(i, _)| i as isize).collect();
                    arrays.push((out_axis, p));
                    elems.push(SliceInfoElem::Slice { start: 0, end: None, step: 1 });
                    in_axis += 1;
                    out_axis += 1;
                }
                Idx::LazyMask(m) => {
                    if m.ndim() != 1 {
                        return Err(Error::Value(format!(
                            "a lazy boolean index along one axis must be 1-D, got {} dimensions",
                            m.ndim()
                        )));
                    }
                    if m.shape()[0] != shape[in_axis] {
                        return Err(Error::Value(format!(
                            "boolean index did not match indexed array along axis {in_axis}; size of axis is {} but size of corresponding boolean axis is {}",
                            shape[in_axis],
                            m.shape()[0]
                        )));
                    }
                    if lazy.is_some() {
                        return Err(Error::Value(
                            "only one lazy boolean index is supported: compute one of them first".into(),
                        ));
                    }
                    lazy = Some((out_axis, m.clone()));
                    elems.push(SliceInfoElem::Slice { start: 0, end: None, step: 1 });
                    in_axis += 1;
                    out_axis += 1;
                }
            }
        }
        if lazy.is_some() && !arrays.is_empty() {
            return Err(Error::Value(
                "a lazy boolean index cannot be combined with another array index: compute it first".into(),
            ));
        }
        let basic = if elems.iter().all(|e| matches!(e, SliceInfoElem::Slice { start: 0, end: None, step: 1 })) {
            self.clone()
        } else {
            self.slice(elems)?
        };
        if let Some((axis, m)) = lazy {
            // an axis index is below the dimension count, the length of a Vec: <= isize::MAX
            return basic.compress(&m, Some(axis as isize));
        }
        match arrays.len() {
            0 => Ok(basic),
            1 => {
                let (axis, p) = arrays.pop().expect("one");
                basic.take(&p, axis as isize)
            }
            _ => {
                let axes: Vec<usize> = arrays.iter().map(|(a, _)| *a).collect();
                let adjacent = axes.windows(2).all(|w| w[1] == w[0] + 1);
                // move the indexed axes to the front, index pointwise, move the result back
                let nd = basic.ndim();
                let rest: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
                let order: Vec<usize> = axes.iter().chain(rest.iter()).copied().collect();
                let front = basic.transpose(&order)?;
                let positions: Vec<Vec<isize>> = arrays.into_iter().map(|(_, p)| p).collect();
                let picked = front.vindex(&positions)?;
                if adjacent && axes[0] > 0 {
                    // result axes: [picked, rest...]; put `picked` back before rest[axes[0]]
                    let k = axes[0];
                    let m = picked.ndim();
                    let mut back: Vec<usize> = (1..=k).collect();
                    back.push(0);
                    back.extend(k + 1..m);
                    picked.transpose(&back)
                } else {
                    Ok(picked)
                }
            }
        }
    }

    /// Pointwise (vectorised) indexing of the leading axes: element `k` of the result is
    /// `x[idx[0][k], idx[1][k], ...]`, followed by the remaining axes (dask's `x.vindex[...]`,
    /// NumPy's `x[i, j]` with integer arrays). The index arrays have one length, or length 1
    /// (broadcast); negative positions count from the end.
    pub fn vindex(&self, idx: &[Vec<isize>]) -> Result<ChunkedArray<T>> {
        let shape = self.shape().to_vec();
        if idx.is_empty() {
            return Ok(self.clone());
        }
        if idx.len() > shape.len() {
            return Err(Error::Value(format!(
                "too many indices for array: array is {}-dimensional, but {} were indexed",
                shape.len(),
                idx.len()
            )));
        }
        let len = idx.iter().map(Vec::len).max().unwrap_or(0);
        if idx.iter().any(|v| v.len() != len && v.len() != 1) {
            let lens: Vec<usize> = idx.iter().map(Vec::len).collect();
            return Err(Error::Value(format!(
                "shape mismatch: indexing arrays could not be broadcast together with lengths {lens:?}"
            )));
        }
        let resolved: Vec<Vec<isize>> =
            idx.iter().enumerate().map(|(a, v)| resolve_positions(v, a, shape[a])).collect::<Result<_>>()?;
        // flat positions over the leading axes (in range: each is below the product of lengths)
        let k = idx.len();
        let flat: Vec<isize> = (0..len)
            .map(|e| {
                let mut f: isize = 0;
                for (a, v) in resolved.iter().enumerate() {
                    let p = if v.len() == 1 { v[0] } else { v[e] };
                    f = f * shape[a] as isize + p;
                }
                f
            })
            .collect();
        let lead: usize = shape[..k].iter().product();
        let mut merged: Vec<isize> = vec![lead as isize];
        merged.extend(shape[k..].iter().map(|&n| n as isize));
        let flat_x = if k == 1 { self.clone() } else { self.reshape(&merged)? };
        flat_x.take(&flat, 0)
    }
}
