//! Shape changes: `reshape` (any shape), `ravel`/`flatten`, `squeeze`, `expand_dims`,
//! `broadcast_to`, and joining: `concatenate`, `stack`, `block`.

use crate::array::indexing::Indices;
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::join::{broadcast_node, concat_node};
use crate::ops::reshape::{reshape_node, resolve_shape, unit_axes_node};

impl<T: Element> ChunkedArray<T> {
    /// The same elements in another shape (C order), for **any** shape of the same size; one
    /// axis may be `-1` (inferred). Unlike dask, no reshape is refused: blocks are regrouped
    /// as contiguous runs of elements, each task holding at most about four blocks (see
    /// `ops::reshape` for the bound).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i32>(0, 120, 1, [7]).unwrap().reshape(&[6, 5, 4]).unwrap();
    /// let y = x.reshape(&[4, 5, -1]).unwrap();   // dask: NotImplementedError
    /// assert_eq!(y.shape(), &[4, 5, 6]);
    /// assert_eq!(y.compute().unwrap()[[3, 4, 5]], 119);
    /// ```
    pub fn reshape<I: Indices + ?Sized>(&self, shape: &I) -> Result<ChunkedArray<T>> {
        if self.shape().contains(&crate::UNKNOWN) {
            return Err(Error::UnknownChunkSizes { op: "reshape".into() });
        }
        let shape = resolve_shape(&shape.to_isize(), self.size(), self.shape())?;
        Ok(ChunkedArray::from_node(reshape_node::<T>(self.node(), shape)?))
    }

    /// A 1-D array of all elements in C order (NumPy's `ravel`).
    pub fn ravel(&self) -> Result<ChunkedArray<T>> {
        if self.ndim() == 1 {
            return Ok(self.clone());
        }
        self.reshape(&[-1isize])
    }

    /// Same as [`ravel`](Self::ravel) (a lazy array never aliases its input).
    pub fn flatten(&self) -> Result<ChunkedArray<T>> {
        self.ravel()
    }

    /// Remove length-1 axes: all of them for `None`, or the given ones (an error if one of
    /// them is not of length 1).
    pub fn squeeze(&self, axes: Option<&[isize]>) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        let drop: Vec<usize> = match axes {
            None => (0..nd).filter(|&a| self.shape()[a] == 1).collect(),
            Some(ax) => {
                let mut v = Vec::new();
                for &a in ax {
                    let r = resolve_axis(a, nd)?;
                    if self.shape()[r] != 1 {
                        return Err(Error::Value(format!(
                            "cannot select an axis to squeeze out which has size not equal to one (axis {r}, size {})",
                            self.shape()[r]
                        )));
                    }
                    v.push(r);
                }
                v
            }
        };
        let shape: Vec<usize> = (0..nd).filter(|a| !drop.contains(a)).map(|a| self.shape()[a]).collect();
        Ok(ChunkedArray::from_node(unit_axes_node::<T>(self.node(), shape)?))
    }

    /// Insert a length-1 axis at `axis` (of the result; negative counts from the end).
    pub fn expand_dims(&self, axis: isize) -> Result<ChunkedArray<T>> {
        let a = resolve_axis(axis, self.ndim() + 1)?;
        let mut shape = self.shape().to_vec();
        shape.insert(a, 1);
        Ok(ChunkedArray::from_node(unit_axes_node::<T>(self.node(), shape)?))
    }

    /// Repeat the array along new or length-1 axes to `shape` (NumPy broadcasting rules).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<ChunkedArray<T>> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let max_elems = (Config::global().chunk_target_bytes / std::mem::size_of::<T>().max(1)).max(1);
        Ok(ChunkedArray::from_node(broadcast_node::<T>(self.node(), shape, max_elems)?))
    }
}

/// Join arrays along an existing axis (negative counts from the end).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::ones::<f64>(&[2, 3], [1, 3]).unwrap();
/// let b = ndchunk::zeros::<f64>(&[4, 3], [2, 2]).unwrap();
/// let c = ndchunk::concatenate(&[&a, &b], 0).unwrap();
/// assert_eq!(c.shape(), &[6, 3]);
/// assert_eq!(c.sum(None).unwrap().item().unwrap(), 6.0);
/// ```
pub fn concatenate<T: Element>(arrays: &[&ChunkedArray<T>], axis: isize) -> Result<ChunkedArray<T>> {
    let first = arrays.first().ok_or_else(|| Error::Value("need at least one array to concatenate".into()))?;
    let axis = resolve_axis(axis, first.ndim().max(1))?;
    if first.ndim() == 0 {
        return Err(Error::Value("zero-dimensional arrays cannot be concatenated".into()));
    }
    let nodes: Vec<_> = arrays.iter().map(|a| a.node().clone()).collect();
    Ok(ChunkedArray::from_node(concat_node::<T>(&nodes, axis)?))
}

/// Join arrays of one shape along a new axis.
pub fn stack<T: Element>(arrays: &[&ChunkedArray<T>], axis: isize) -> Result<ChunkedArray<T>> {
    let first = arrays.first().ok_or_else(|| Error::Value("need at least one array to stack".into()))?;
    if arrays.iter().any(|a| a.shape() != first.shape()) {
        return Err(Error::Shape("all input arrays must have the same shape".into()));
    }
    let a = resolve_axis(axis, first.ndim() + 1)?;
    let expanded: Vec<ChunkedArray<T>> = arrays.iter().map(|x| x.expand_dims(a as isize)).collect::<Result<_>>()?;
    let refs: Vec<&ChunkedArray<T>> = expanded.iter().collect();
    concatenate(&refs, a as isize)
}

/// Assemble an array from a grid of arrays: NumPy's `block` with two levels of nesting,
/// `np.block([[a, b], [c, d]])`. Each part is first given at least two dimensions (and as
/// many as the largest part) by prepending length-1 axes, as NumPy does; each row is joined
/// along the last axis, then the rows along the second-to-last. Other depths of nesting (one
/// level, three levels, ...) go through [`block_nested`].
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::ones::<f64>(&[3], [2]).unwrap();              // 1-d parts become rows
/// let b = ndchunk::block(&[&[&a, &a], &[&a, &a]]).unwrap();
/// assert_eq!(b.shape(), &[2, 6]);
/// assert!(ndchunk::block::<f64>(&[]).is_err());                 // "Lists cannot be empty"
/// ```
pub fn block<T: Element>(rows: &[&[&ChunkedArray<T>]]) -> Result<ChunkedArray<T>> {
    let nested =
        Nested::List(rows.iter().map(|r| Nested::List(r.iter().map(|&a| Nested::Array(a)).collect())).collect());
    block_nested(&nested)
}

/// A nested list of arrays for [`block_nested`] (NumPy's nested lists).
#[derive(Clone, Debug)]
pub enum Nested<'a, T: Element> {
    /// A part.
    Array(&'a ChunkedArray<T>),
    /// A list of parts or of lists (all leaves at one depth).
    List(Vec<Nested<'a, T>>),
}

impl<'a, T: Element> From<&'a ChunkedArray<T>> for Nested<'a, T> {
    fn from(a: &'a ChunkedArray<T>) -> Self {
        Nested::Array(a)
    }
}

impl<'a, T: Element, X: Into<Nested<'a, T>>> From<Vec<X>> for Nested<'a, T> {
    fn from(v: Vec<X>) -> Self {
        Nested::List(v.into_iter().map(Into::into).collect())
    }
}

/// NumPy's `block` for any depth of nesting: with lists nested `d` deep, every part is given
/// `max(d, largest part's ndim)` dimensions by prepending length-1 axes; the innermost lists
/// are joined along the last axis, the next ones along the second-to-last, and so on.
/// Mismatched depths (`[a, [b]]`) and empty lists are [`Error::Value`] as in NumPy.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::Nested;
/// let a = ndchunk::ones::<i32>(&[2, 2], [1, 2]).unwrap();
/// // three levels: a (2, 2, 4)
/// let n: Nested<i32> = vec![vec![vec![&a, &a]], vec![vec![&a, &a]]].into();
/// assert_eq!(ndchunk::block_nested(&n).unwrap().shape(), &[2, 2, 4]);
/// ```
pub fn block_nested<T: Element>(parts: &Nested<'_, T>) -> Result<ChunkedArray<T>> {
    // depth of the lists and the largest part's ndim, checking that every leaf is equally deep
    let mut depth = None;
    let mut ndim = 0;
    let mut stack = vec![(parts, 0usize)];
    while let Some((n, d)) = stack.pop() {
        match n {
            Nested::Array(a) => {
                if *depth.get_or_insert(d) != d {
                    return Err(Error::Value(format!(
                        "List depths are mismatched: parts are nested {} and {d} lists deep",
                        depth.unwrap_or(d)
                    )));
                }
                ndim = ndim.max(a.ndim());
            }
            Nested::List(v) if v.is_empty() => return Err(Error::Value("Lists cannot be empty".into())),
            Nested::List(v) => stack.extend(v.iter().map(|c| (c, d + 1))),
        }
    }
    let depth = depth.unwrap_or(0);
    let ndim = ndim.max(depth);
    join_level(parts, 0, depth, ndim)
}

fn join_level<T: Element>(n: &Nested<'_, T>, level: usize, depth: usize, ndim: usize) -> Result<ChunkedArray<T>> {
    match n {
        Nested::Array(a) => {
            let mut a = (*a).clone();
            while a.ndim() < ndim {
                a = a.expand_dims(0)?;
            }
            Ok(a)
        }
        Nested::List(v) => {
            let parts: Vec<ChunkedArray<T>> =
                v.iter().map(|c| join_level(c, level + 1, depth, ndim)).collect::<Result<_>>()?;
            if parts.len() == 1 {
                return Ok(parts.into_iter().next().expect("one part"));
            }
            let refs: Vec<&ChunkedArray<T>> = parts.iter().collect();
            // the innermost lists (level depth - 1) join along the last axis
            concatenate(&refs, level as isize - depth as isize)
        }
    }
}
