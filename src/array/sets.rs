//! Set routines over the flattened array: `unique` (with `return_index`, `return_inverse`,
//! `return_counts`), `union1d`, `intersect1d`, `setdiff1d`, `isin`.
//!
//! Why this shape: as dask's `unique`, every block is sorted and deduplicated on its own and
//! the sorted uniques are merged in a tree (`split_every` at a time, default 8), so no task
//! sorts more than one block. The number of distinct values is only known once computed, so
//! the results of `unique`, `union1d`, `intersect1d` and `setdiff1d` are 1-D arrays in **one
//! block of unknown length** (as dask's; [`ChunkedArray::compute_chunk_sizes`] makes it
//! known; `rechunk` it to spread it out). `isin` and `unique`'s inverse keep the input's
//! shape and chunks, and read the merged set of the other operand once per block.
//!
//! NumPy 2 semantics: results are sorted, NaNs collapse into one NaN at the end
//! (`equal_nan=True`); `return_index` gives the first flat (C-order) position of each value,
//! `return_inverse` the position in the result of every element, in the input's shape (NumPy
//! 2's `unique_inverse`). `isin`, `intersect1d` and `setdiff1d` compare with `==`, so NaN is
//! never found in the other operand (NumPy does the same). Both operands have one element
//! type (NumPy would promote mixed types).
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr2(&[[3, 1], [1, 7]]), [1, 2])?;
//! assert_eq!(x.unique()?.compute()?.as_slice().unwrap(), &[1, 3, 7]);
//! let u = x.unique_with(ndchunk::UniqueOptions { return_counts: true, ..Default::default() })?;
//! assert_eq!(u.counts.unwrap().compute()?.as_slice().unwrap(), &[2, 1, 1]);
//! let t = ChunkedArray::from_array(ndarray::arr1(&[7, 8]), [1])?;
//! assert_eq!(ndchunk::isin(&x, &t)?.compute()?, ndarray::arr2(&[[false, false], [false, true]]).into_dyn());
//! assert_eq!(ndchunk::setdiff1d(&x, &t, false)?.compute()?.as_slice().unwrap(), &[1, 3]);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use crate::array::ChunkedArray;
use crate::element::Ordered;
use crate::error::{Error, Result};
use crate::ops::sets::{
    combine_node, extract_node, gather_node, inverse_node, isin_node, set_root, Combination, Part, SetFlags,
};

/// What [`ChunkedArray::unique_with`] returns besides the values (NumPy's `return_*`
/// arguments), and the fan-in of the merge tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UniqueOptions {
    /// The first flat (C-order) position of each unique value (needs known chunk sizes).
    pub return_index: bool,
    /// For every element, its position in the unique values (the input's shape).
    pub return_inverse: bool,
    /// How often each unique value occurs.
    pub return_counts: bool,
    /// Partial sets merged per task (default 8, at least 2).
    pub split_every: Option<usize>,
}

/// The results of [`ChunkedArray::unique_with`], named as the fields of NumPy 2's
/// `unique_all`: the requested ones are `Some`.
#[derive(Clone)]
pub struct Unique<T: Ordered> {
    /// Sorted unique values, 1-D, one block of unknown length.
    pub values: ChunkedArray<T>,
    /// First flat positions (`return_index`), `i64`, like `values`.
    pub indices: Option<ChunkedArray<i64>>,
    /// Positions in `values` of every element (`return_inverse`), `i64`, the input's shape
    /// and chunks.
    pub inverse_indices: Option<ChunkedArray<i64>>,
    /// Occurrence counts (`return_counts`), `i64`, like `values`.
    pub counts: Option<ChunkedArray<i64>>,
}

const SPLIT: usize = 8;

impl<T: Ordered> ChunkedArray<T> {
    /// The sorted unique elements of the flattened array (NumPy's `unique`): a 1-D
    /// `ChunkedArray<T>` in one block of unknown length; NaNs collapse into one at the end.
    pub fn unique(&self) -> Result<ChunkedArray<T>> {
        Ok(self.unique_with(UniqueOptions::default())?.values)
    }

    /// [`unique`](Self::unique) with NumPy's `return_index`, `return_inverse` and
    /// `return_counts` (fields of [`Unique`]). `return_index` of an array with unknown chunk
    /// sizes is [`Error::UnknownChunkSizes`].
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// use ndchunk::UniqueOptions;
    /// let x = ChunkedArray::from_array(ndarray::arr1(&[2.0, f64::NAN, 1.0, 2.0, f64::NAN]), [2])?;
    /// let opts = UniqueOptions { return_index: true, return_inverse: true, return_counts: true, split_every: None };
    /// let u = x.unique_with(opts)?;
    /// let (v, i, inv, c) = ndchunk::compute((&u.values, &u.indices.unwrap(), &u.inverse_indices.unwrap(), &u.counts.unwrap()))?;
    /// assert_eq!(v.len(), 3); // [1, 2, nan]
    /// assert!(v[2].is_nan());
    /// assert_eq!(i.as_slice().unwrap(), &[2, 0, 1]);
    /// assert_eq!(inv.as_slice().unwrap(), &[1, 2, 0, 1, 2]);
    /// assert_eq!(c.as_slice().unwrap(), &[1, 2, 2]);
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    pub fn unique_with(&self, opts: UniqueOptions) -> Result<Unique<T>> {
        if opts.return_index && !self.chunks().is_known() {
            return Err(Error::UnknownChunkSizes { op: "unique(return_index=True)".into() });
        }
        let flags = SetFlags { index: opts.return_index, counts: opts.return_counts, dedup: true };
        let root = set_root::<T>(vec![self.node().clone()], flags, opts.split_every.unwrap_or(SPLIT));
        let ints = |part| ChunkedArray::<i64>::from_node(extract_node::<T>(&root, part));
        Ok(Unique {
            values: ChunkedArray::from_node(extract_node::<T>(&root, Part::Values)),
            indices: opts.return_index.then(|| ints(Part::First)),
            inverse_indices: opts
                .return_inverse
                .then(|| ChunkedArray::from_node(inverse_node::<T>(self.node(), &root))),
            counts: opts.return_counts.then(|| ints(Part::Counts)),
        })
    }
}

/// The merged set of the arrays' elements.
fn root_of<T: Ordered>(arrays: &[&ChunkedArray<T>], dedup: bool) -> std::sync::Arc<crate::graph::Node> {
    let flags = SetFlags { index: false, counts: false, dedup };
    set_root::<T>(arrays.iter().map(|a| a.node().clone()).collect(), flags, SPLIT)
}

/// NumPy's `unique(x)`; see [`ChunkedArray::unique`].
pub fn unique<T: Ordered>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    x.unique()
}

/// The sorted unique elements of both arrays (NumPy's `union1d`), a 1-D `ChunkedArray<T>` in
/// one block of unknown length.
pub fn union1d<T: Ordered>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    Ok(ChunkedArray::from_node(extract_node::<T>(&root_of(&[a, b], true), Part::Values)))
}

/// The sorted unique elements found in both arrays (NumPy's `intersect1d`), a 1-D
/// `ChunkedArray<T>` in one block of unknown length. With `assume_unique`, the per-array
/// deduplication is skipped and NumPy's rule for that case is followed exactly (a value
/// present `k` times in the two arrays together appears `k - 1` times).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1, 3, 4, 3]), [2])?;
/// let b = ChunkedArray::from_array(ndarray::arr1(&[3, 1, 2, 1]), [3])?;
/// assert_eq!(ndchunk::intersect1d(&a, &b, false)?.compute()?.as_slice().unwrap(), &[1, 3]);
/// assert_eq!(ndchunk::union1d(&a, &b)?.compute()?.as_slice().unwrap(), &[1, 2, 3, 4]);
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn intersect1d<T: Ordered>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    assume_unique: bool,
) -> Result<ChunkedArray<T>> {
    let (ra, rb) = (root_of(&[a], !assume_unique), root_of(&[b], !assume_unique));
    let kind = if assume_unique { Combination::IntersectRuns } else { Combination::Intersect };
    Ok(ChunkedArray::from_node(combine_node::<T>(&ra, &rb, kind)))
}

/// [`intersect1d`] with NumPy's `return_indices=True`: `(values, indices_a, indices_b)`, where
/// `values` are the sorted common unique elements and `indices_a`/`indices_b` (`i64`) the
/// positions in the flattened `a` and `b` of their first occurrences (NumPy's rule without
/// `assume_unique`). All three are 1-D, one block of unknown length. Inputs of unknown length
/// are `Error::UnknownChunkSizes` (the positions need known offsets).
///
/// `assume_unique` is accepted for NumPy's signature; the indices are found through `unique`
/// either way, so arrays that are not unique give NumPy's results for `assume_unique=False`
/// (NumPy documents its own as incorrect then).
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[1, 3, 4, 3]), [2])?;
/// let b = ChunkedArray::from_array(ndarray::arr1(&[3, 1, 2, 1]), [3])?;
/// let (v, ia, ib) = ndchunk::intersect1d_with_indices(&a, &b, false)?;
/// assert_eq!(v.compute()?.as_slice().unwrap(), &[1, 3]);
/// assert_eq!(ia.compute()?.as_slice().unwrap(), &[0, 1]);
/// assert_eq!(ib.compute()?.as_slice().unwrap(), &[1, 0]);
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn intersect1d_with_indices<T: Ordered>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
    assume_unique: bool,
) -> Result<(ChunkedArray<T>, ChunkedArray<i64>, ChunkedArray<i64>)> {
    let _ = assume_unique;
    let opts = UniqueOptions { return_index: true, ..Default::default() };
    let (ua, ub) = (a.unique_with(opts)?, b.unique_with(opts)?);
    let values = intersect1d(&ua.values, &ub.values, true)?;
    let first = |u: &Unique<T>| -> Result<ChunkedArray<i64>> {
        let pos = crate::searchsorted(&u.values, &values, crate::Side::Left)?;
        let idx = u.indices.as_ref().expect("requested");
        Ok(ChunkedArray::from_node(gather_node::<i64>(idx.node(), pos.node())))
    };
    let (ia, ib) = (first(&ua)?, first(&ub)?);
    Ok((values, ia, ib))
}

/// The unique elements of `a` not in `b` (NumPy's `setdiff1d`), a 1-D `ChunkedArray<T>` of
/// unknown length: sorted, in one block; with `assume_unique`, `a`'s elements in their
/// flattened order (NumPy's rule: `a` is not deduplicated), one block per block of `a`.
pub fn setdiff1d<T: Ordered>(a: &ChunkedArray<T>, b: &ChunkedArray<T>, assume_unique: bool) -> Result<ChunkedArray<T>> {
    if assume_unique {
        let flat = if a.ndim() == 1 { a.clone() } else { a.ravel()? };
        let keep = isin_with(&flat, b, true)?;
        return flat.mask(&keep);
    }
    let (ra, rb) = (root_of(&[a], true), root_of(&[b], true));
    Ok(ChunkedArray::from_node(combine_node::<T>(&ra, &rb, Combination::Difference)))
}

/// Whether each element of `x` is in `test` (NumPy's `isin`): a `ChunkedArray<bool>` of
/// `x`'s shape and chunks. NaN is never in `test`.
pub fn isin<T: Ordered>(x: &ChunkedArray<T>, test: &ChunkedArray<T>) -> Result<ChunkedArray<bool>> {
    isin_with(x, test, false)
}

/// [`isin`] with NumPy's `invert` (true where the element is *not* in `test`).
pub fn isin_with<T: Ordered>(x: &ChunkedArray<T>, test: &ChunkedArray<T>, invert: bool) -> Result<ChunkedArray<bool>> {
    Ok(ChunkedArray::from_node(isin_node::<T>(x.node(), &root_of(&[test], true), invert)))
}
