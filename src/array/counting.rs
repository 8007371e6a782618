//! Counting and searching: `bincount`, `digitize`, `searchsorted`, `histogram_bin_edges`.
//!
//! Why this shape: `bincount`'s length depends on the data (its largest value + 1), so each
//! block counts into a vector as long as its own largest value + 1 and the vectors are summed
//! in a tree, the longest setting the length: one pass, and the result is one block of
//! unknown length (as dask's `bincount` with unknown `minlength`). `digitize` needs only the
//! (in-memory) bins and is elementwise. `searchsorted` takes a lazy sorted 1-D `a`: since `a`
//! is sorted, the position of `v` in `a` is the sum of its positions in each block of `a`,
//! so every block of `v` reads the blocks of `a` and nothing is concatenated.
//! `histogram_bin_edges` reuses `histogram`'s edge rules (NumPy's `linspace` and its
//! handling of an empty range); without a range, the edges depend on the data's minimum and
//! maximum and are lazy.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr1(&[0i64, 1, 1, 3, 2, 1, 7]), [3])?;
//! assert_eq!(x.bincount_counts(0)?.compute()?.as_slice().unwrap(), &[1, 3, 1, 1, 0, 0, 0, 1]);
//! let w = ChunkedArray::from_array(ndarray::arr1(&[0.5, 1.0, 1.0, 2.0, 1.0, 1.0, 3.0]), [4])?;
//! assert_eq!(x.bincount(Some(&w), 9)?.compute()?.as_slice().unwrap(), &[0.5, 3.0, 1.0, 2.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
//! let v = ChunkedArray::from_array(ndarray::arr1(&[0.2, 6.4, 3.0, 1.6]), [2])?;
//! let d = ndchunk::digitize(&v, &[0.0, 1.0, 2.5, 4.0, 10.0], false)?;
//! assert_eq!(d.compute()?.as_slice().unwrap(), &[1, 4, 3, 2]);
//! let a = ChunkedArray::from_array(ndarray::arr1(&[1, 2, 3, 4, 5]), [2])?;
//! let s = ndchunk::searchsorted(&a, &ChunkedArray::from_array(ndarray::arr1(&[3, 9]), [1])?, ndchunk::Side::Right)?;
//! assert_eq!(s.compute()?.as_slice().unwrap(), &[3, 5]);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use std::sync::Arc;

use ndchunk_kernels::sets::search;

use crate::array::histogram::{spec, Bins};
use crate::array::map_blocks::{try_map_blocks_with, MapBlocksOptions};
use crate::array::selection::unify_chunks;
use crate::array::ChunkedArray;
use crate::element::Ordered;
use crate::error::{Error, Result};
use crate::ops::counting::{
    bincount_node, edges_from_data_node, estimated_edges_node, stone_counts, stone_upper, Estimator,
};
use crate::ops::sets::{searchsorted_node, sort_blocks_node};

/// Which of equal elements `searchsorted` goes before (NumPy's `side`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// The first suitable position (`a[i-1] < v <= a[i]`).
    #[default]
    Left,
    /// The last suitable position (`a[i-1] <= v < a[i]`).
    Right,
}

impl<T: Ordered + PartialOrd> ChunkedArray<T> {
    fn bincount_input(&self) -> Result<()> {
        if T::DTYPE.is_float() {
            return Err(Error::DType(format!(
                "Cannot cast array data from dtype('{}') to dtype('int64') according to the rule 'safe'",
                T::DTYPE
            )));
        }
        if self.ndim() != 1 {
            return Err(Error::Shape(format!("bincount takes a 1-D array, got shape {:?}", self.shape())));
        }
        Ok(())
    }

    /// Number of occurrences of each value `0..=max` of a 1-D array of non-negative integers
    /// (or bools), with `weights` summed instead of ones (NumPy's `bincount`). The result is
    /// `ChunkedArray<f64>` (NumPy's dtype with weights; see [`bincount_counts`](Self::bincount_counts)
    /// for `int64` counts), of length `max(x.max() + 1, minlength)`, in one block of unknown
    /// length. Errors: float input ([`Error::DType`]), not 1-D ([`Error::Shape`]), weights of
    /// another shape ([`Error::Shape`]); a negative element is an [`Error::Value`] when
    /// computed (NumPy's `ValueError`), a value needing more bins than memory holds an
    /// [`Error::Memory`].
    pub fn bincount(&self, weights: Option<&ChunkedArray<f64>>, minlength: usize) -> Result<ChunkedArray<f64>> {
        self.bincount_input()?;
        let Some(w) = weights else {
            return Ok(ChunkedArray::from_node(bincount_node::<T, f64>(self.node().clone(), None, minlength)));
        };
        if w.shape() != self.shape() {
            return Err(Error::Shape(format!(
                "The weights and list don't have the same length: {:?} and {:?}",
                w.shape(),
                self.shape()
            )));
        }
        // the same chunks for both (the per-block counts read a block of each)
        let mut nodes = unify_chunks(vec![self.node().clone(), w.node().clone()])?;
        let wn = nodes.pop().expect("two nodes");
        let xn = nodes.pop().expect("two nodes");
        Ok(ChunkedArray::from_node(bincount_node::<T, f64>(xn, Some(wn), minlength)))
    }

    /// NumPy's `bincount(x, minlength=m)` without weights: `int64` counts (see
    /// [`bincount`](Self::bincount)).
    pub fn bincount_counts(&self, minlength: usize) -> Result<ChunkedArray<i64>> {
        self.bincount_input()?;
        Ok(ChunkedArray::from_node(bincount_node::<T, i64>(self.node().clone(), None, minlength)))
    }
}

/// NumPy's `bincount(x, weights, minlength)`; see [`ChunkedArray::bincount`] (`f64`) and
/// [`ChunkedArray::bincount_counts`] (`i64`, no weights).
pub fn bincount<T: Ordered + PartialOrd>(
    x: &ChunkedArray<T>,
    weights: Option<&ChunkedArray<f64>>,
    minlength: usize,
) -> Result<ChunkedArray<f64>> {
    x.bincount(weights, minlength)
}

/// The index of the bin of `bins` each element of `x` falls in (NumPy's `digitize`), a
/// `ChunkedArray<i64>` of `x`'s shape and chunks. `bins` is increasing or decreasing;
/// `right` says whether a bin includes its right edge. As NumPy: increasing bins give `i`
/// with `bins[i-1] <= x < bins[i]` (`right`: `bins[i-1] < x <= bins[i]`), values beyond
/// the bins `0` or `bins.len()`, NaN sorts after everything. Bins that are not monotonic,
/// or contain NaN, are an [`Error::Value`].
pub fn digitize<T: Ordered + PartialOrd>(x: &ChunkedArray<T>, bins: &[T], right: bool) -> Result<ChunkedArray<i64>> {
    let not_mono = || Error::Value("bins must be monotonically increasing or decreasing".into());
    if bins.iter().any(|b| b.is_nan()) {
        return Err(not_mono());
    }
    let inc = bins.windows(2).all(|w| w[0] <= w[1]);
    let dec = bins.windows(2).all(|w| w[0] >= w[1]);
    if !inc && !dec {
        return Err(not_mono());
    }
    // NumPy calls bins decreasing when the first pair that differs decreases
    let decreasing = !inc;
    let mut sorted = bins.to_vec();
    if decreasing {
        sorted.reverse();
    }
    let sorted = Arc::new(sorted);
    let n = bins.len() as i64;
    // side='left' when `right`, else 'right', for both directions (NumPy's code)
    let side_right = !right;
    Ok(x.map_unary::<i64, _>("digitize", None, move |v| {
        let i = search(&sorted, &v, side_right) as i64;
        if decreasing {
            n - i
        } else {
            i
        }
    }))
}

/// Positions in the sorted 1-D `a` where the elements of `v` would be inserted to keep it
/// sorted (NumPy's `searchsorted`; `a` may be lazy, chunked and of unknown length): an `i64`
/// array of `v`'s shape and chunks. NaN sorts after everything. `a` not 1-D is an
/// [`Error::Shape`]; that `a` is sorted is not checked (as NumPy).
pub fn searchsorted<T: Ordered>(a: &ChunkedArray<T>, v: &ChunkedArray<T>, side: Side) -> Result<ChunkedArray<i64>> {
    if a.ndim() != 1 {
        return Err(Error::Shape(format!("searchsorted needs a 1-D array to search, got shape {:?}", a.shape())));
    }
    Ok(ChunkedArray::from_node(searchsorted_node::<T>(a.node(), v.node(), side == Side::Right)))
}

/// [`searchsorted`] with NumPy's `sorter`: `a` need not be sorted, `sorter` (1-D `i64` of
/// `a`'s length) holds the indices that sort it (`np.argsort(a)`), and positions are those in
/// `a[sorter]`. Since the count of elements before `v` in a sorted arrangement of `a` does not
/// depend on which sort it is, each block of `a` is sorted on its own and searched as
/// [`searchsorted`] searches; `sorter` is checked (NumPy's errors: a length other than `a`'s,
/// `Error::Value` now; an index outside `0..len`, `Error::Value` when computed) but never
/// gathered. Departure: when `a[sorter]` is not sorted NumPy's result is unspecified; here it
/// is the result for the sorted `a`.
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ChunkedArray::from_array(ndarray::arr1(&[30, 10, 20, 40]), [3])?;
/// let sorter = ChunkedArray::from_array(ndarray::arr1(&[1i64, 2, 0, 3]), [2])?;
/// let v = ChunkedArray::from_array(ndarray::arr1(&[25, 10]), [1])?;
/// let s = ndchunk::searchsorted_with(&a, &v, ndchunk::Side::Left, Some(&sorter))?;
/// assert_eq!(s.compute()?.as_slice().unwrap(), &[2, 0]);
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn searchsorted_with<T: Ordered>(
    a: &ChunkedArray<T>,
    v: &ChunkedArray<T>,
    side: Side,
    sorter: Option<&ChunkedArray<i64>>,
) -> Result<ChunkedArray<i64>> {
    let Some(sorter) = sorter else { return searchsorted(a, v, side) };
    if a.ndim() != 1 {
        return Err(Error::Shape(format!("searchsorted needs a 1-D array to search, got shape {:?}", a.shape())));
    }
    if sorter.ndim() != 1 || sorter.shape()[0] != a.shape()[0] {
        return Err(Error::Value("sorter.size must equal a.size".into()));
    }
    if !a.chunks().is_known() || !sorter.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "searchsorted with a sorter".into() });
    }
    let n = a.shape()[0];
    let sorter = sorter.rechunk(crate::ChunkSpec::Explicit(a.chunks().clone()))?;
    let blocks = ChunkedArray::<T>::from_node(sort_blocks_node::<T>(a.node(), sorter.node(), n));
    searchsorted(&blocks, v, side)
}

/// The bin edges [`crate::histogram()`] would use (NumPy's `histogram_bin_edges`): a 1-D
/// `ChunkedArray<f64>`. `bins` is a count or explicit edges (returned as they are, after
/// NumPy's check that they increase). With a count and no `range`, the range is the data's
/// `[min, max]` (lazy: computed with the edges; an empty array gives `[0, 1]`, a non-finite
/// minimum or maximum is an [`Error::Value`] when computed, as NumPy's `ValueError`).
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 5.0]), [2])?;
/// let e = ndchunk::histogram_bin_edges(&x, 4, None)?;
/// assert_eq!(e.compute()?.as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0, 5.0]);
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn histogram_bin_edges<T: Ordered + PartialOrd>(
    x: &ChunkedArray<T>,
    bins: impl Into<Bins>,
    range: Option<(f64, f64)>,
) -> Result<ChunkedArray<f64>> {
    let bins = bins.into();
    let n = match (&bins, range) {
        (Bins::Count(n), None) => *n,
        _ => {
            let s = spec(bins, range)?;
            let e = ndarray::Array1::from(s.edges().to_vec());
            let len = e.len();
            return ChunkedArray::from_array(e, [len.max(1)]);
        }
    };
    if x.size() == 0 {
        return histogram_bin_edges(x, n, Some((0.0, 1.0)));
    }
    // validate the count as `histogram` does (a placeholder range)
    spec(Bins::Count(n), Some((0.0, 1.0)))?;
    let (lo, hi) = (x.min(None)?, x.max(None)?);
    Ok(ChunkedArray::from_node(edges_from_data_node::<T>(lo.node().clone(), hi.node().clone(), n)))
}

/// A bin-width rule for [`histogram_bin_edges_estimated`] (NumPy's string `bins`): `'sqrt'`,
/// `'sturges'`, `'rice'`, `'scott'`, `'doane'`, `'fd'` (Freedman–Diaconis, from the exact
/// quartiles), `'auto'` (NumPy's minimum of Sturges and a relaxed FD) and `'stone'`.
pub type BinEstimator = Estimator;

impl std::str::FromStr for Estimator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "sqrt" => Estimator::Sqrt,
            "sturges" => Estimator::Sturges,
            "rice" => Estimator::Rice,
            "scott" => Estimator::Scott,
            "doane" => Estimator::Doane,
            "fd" => Estimator::Fd,
            "auto" => Estimator::Auto,
            "stone" => Estimator::Stone,
            _ => return Err(Error::Value(format!("{s:?} is not a valid estimator for `bins`"))),
        })
    }
}

/// NumPy's `histogram_bin_edges(x, bins='sturges', range)` and the other width rules of
/// [`BinEstimator`]: equal bins over the range (the data's `[min, max]`, or `range`), as many
/// as the rule's width of the data inside the range needs (at least one). A lazy 1-D
/// `ChunkedArray<f64>` in one block of unknown length. The statistics (count, extremes,
/// standard deviation, third moment) come from one set of tree reductions over the data;
/// `'fd'` and `'auto'` add the exact 25th and 75th percentiles of the data in the range
/// (NumPy's `percentile`, linear); `'stone'` counts every block into `nb` equal bins for each
/// `nb` in `1..=max(100, √n)` (as NumPy, which histograms the data that many times): time
/// `O(n·√n)` for large `n`, and a table of `u·(u+1)/2` counts per block, `u = max(100,
/// √size)` (`Error::Memory` when that does not fit). Integer data: a width below 1 is 1, as
/// NumPy.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::BinEstimator;
/// let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 2.0, 3.0, 10.0, 11.0]), [4])?;
/// let e = ndchunk::histogram_bin_edges_estimated(&x, "sturges".parse::<BinEstimator>()?, None)?;
/// assert_eq!(e.compute()?.as_slice().unwrap(), &[1.0, 3.5, 6.0, 8.5, 11.0]); // NumPy's edges
/// // Freedman–Diaconis: 2·IQR·n^(-1/3) = 2·(8.25 − 2)·6^(-1/3), so 2 bins (NumPy's `bins='fd'`)
/// let e = ndchunk::histogram_bin_edges_estimated(&x, BinEstimator::Fd, None)?;
/// assert_eq!(e.compute()?.as_slice().unwrap(), &[1.0, 6.0, 11.0]);
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn histogram_bin_edges_estimated<T: Ordered + PartialOrd>(
    x: &ChunkedArray<T>,
    estimator: BinEstimator,
    range: Option<(f64, f64)>,
) -> Result<ChunkedArray<f64>> {
    if let Some(r) = range {
        spec(Bins::Count(1), Some(r))?; // NumPy's checks of a range
    }
    if x.size() == 0 {
        // NumPy: one bin over the range, or over [0, 1]
        return histogram_bin_edges(x, 1, Some(range.unwrap_or((0.0, 1.0))));
    }
    let f = x.astype::<f64>();
    // the data inside the range (NumPy drops the rest before estimating), as sums over a mask
    let keep = match range {
        Some((lo, hi)) => f.mapv(move |v| v >= lo && v <= hi),
        None => f.mapv(|_| true),
    };
    let count = keep.astype::<i64>().sum(None)?;
    let inf = f64::INFINITY;
    let lo = crate::where_(&keep, &f, inf)?.min(None)?;
    let hi = crate::where_(&keep, &f, -inf)?.max(None)?;
    let n = count.astype::<f64>();
    let mean = crate::where_(&keep, &f, 0.0)?.sum(None)?.div(&n)?;
    let d = f.sub(&mean)?;
    let var = crate::where_(&keep, d.powi(2), 0.0)?.sum(None)?.div(&n)?;
    let m3 = crate::where_(&keep, d.powi(3), 0.0)?.sum(None)?.div(&n)?;
    let mut stats =
        vec![count.node().clone(), lo.node().clone(), hi.node().clone(), var.sqrt().node().clone(), m3.node().clone()];
    let inside = || -> Result<ChunkedArray<f64>> {
        match range {
            Some(_) => f.mask(&keep),
            None => f.ravel(),
        }
    };
    match estimator {
        Estimator::Fd | Estimator::Auto => {
            // nan form: no values in the range gives NaN, not an error (the width is not used)
            let q = inside()?.nanquantile(vec![0.75, 0.25], None, crate::QuantileMethod::Linear)?;
            stats.push(q.node().clone());
        }
        Estimator::Stone => stats.push(stone_table(&f, &lo, &hi, range)?.node().clone()),
        _ => {}
    }
    Ok(ChunkedArray::from_node(estimated_edges_node(stats, estimator, range, !T::DTYPE.is_float())))
}

/// Stone's table: per block the counts of every bin count `1..=u` over the histogram's range,
/// summed over the blocks.
fn stone_table(
    f: &ChunkedArray<f64>,
    lo: &ChunkedArray<f64>,
    hi: &ChunkedArray<f64>,
    range: Option<(f64, f64)>,
) -> Result<ChunkedArray<i64>> {
    let upper = stone_upper(f.size());
    let len =
        upper.checked_mul(upper + 1).map(|v| v / 2).ok_or_else(|| Error::Memory("stone: too many bins".into()))?;
    let flat = f.ravel()?;
    let (first, last) = match range {
        Some((a, b)) => (crate::full::<f64>(&[], a, [0usize; 0])?, crate::full::<f64>(&[], b, [0usize; 0])?),
        None => (lo.clone(), hi.clone()),
    };
    let nb = flat.numblocks()[0];
    let opts = MapBlocksOptions { chunks: Some(vec![vec![len; nb]]), ..Default::default() };
    let per_block = try_map_blocks_with((&flat, &first, &last), &opts, move |(v, a, b), _| {
        let (a, b) = (a.iter().next().copied().unwrap_or(f64::NAN), b.iter().next().copied().unwrap_or(f64::NAN));
        let t = stone_counts(&v, a, b, upper)?;
        Ok(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[len]), t).expect("1-D"))
    })?;
    per_block.reshape(&[nb, len])?.sum(0)
}
