//! `sort`, `argsort`, `partition` along an axis, and dask's `topk`/`argtopk`.
//!
//! * `sort`, `argsort`, `partition` rechunk the axis to one block (as dask does for its
//!   along-axis operations; dask itself has no `sort`) and work lane by lane. `axis=None`
//!   flattens first, as NumPy. NaN sorts last (NumPy's rule, any sign or payload). `argsort` is
//!   stable: it equals NumPy's `argsort(kind='stable')` exactly (equal values, `-0.0`/`+0.0`
//!   and NaNs keep their order). `partition` guarantees NumPy's contract only: the `kth`
//!   elements are in their sorted places, smaller ones before, larger ones after (the order
//!   within the parts is unspecified, as in NumPy).
//! * `topk(k, axis)`/`argtopk(k, axis)` follow dask: `k > 0` gives the `k` largest in
//!   decreasing order, `k < 0` the `|k|` smallest in increasing order (NaN counts as the
//!   largest, as in NumPy's partition); the axis keeps `min(|k|, n)` elements. Each block keeps
//!   its own top `|k|` and groups of blocks are merged as a tree (fan-in 8), so the axis need not
//!   be one block. Equal values are ordered by position (smaller index first) in `argtopk`.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr1(&[3.0, f64::NAN, 1.0, 5.0, 1.0]), [2])?;
//! let s = x.sort(0)?.compute()?;
//! assert_eq!(&s.as_slice().unwrap()[..4], &[1.0, 1.0, 3.0, 5.0]);
//! assert!(s[[4]].is_nan());
//! assert_eq!(x.argsort(0)?.compute()?.as_slice().unwrap(), &[2, 4, 0, 3, 1]);
//! let y = ChunkedArray::from_array(ndarray::arr1(&[3, 9, 1, 5, 7]), [2])?;
//! assert_eq!(y.topk(2, 0)?.compute()?.as_slice().unwrap(), &[9, 7]);
//! assert_eq!(y.topk(-2, 0)?.compute()?.as_slice().unwrap(), &[1, 3]);
//! assert_eq!(y.argtopk(2, 0)?.compute()?.as_slice().unwrap(), &[1, 4]);
//! let p = y.partition(2, 0)?.compute()?;
//! assert_eq!(p[[2]], 5);
//! # Ok::<(), ndchunk::Error>(())
//! ```
//!
//! Complex arrays are ordered as NumPy orders them ([`crate::Ordered`]): lexicographically,
//! with `R + nanj`, then `nan + Rj`, then `nan + nanj` sorted last; the comparisons, extremes
//! and sets follow the same rules.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::Complex;
//! let c = |re: f64, im: f64| Complex::new(re, im);
//! let z = ChunkedArray::from_array(ndarray::arr1(&[c(2.0, 0.0), c(f64::NAN, 1.0), c(1.0, 5.0), c(1.0, -1.0)]), [2])?;
//! assert_eq!(&z.sort(0)?.compute()?.as_slice().unwrap()[..3], &[c(1.0, -1.0), c(1.0, 5.0), c(2.0, 0.0)]);
//! assert_eq!(z.argsort(0)?.compute()?.as_slice().unwrap(), &[3, 2, 0, 1]);
//! assert_eq!(z.nanmax(None)?.compute()?.into_iter().next(), Some(c(2.0, 0.0)));
//! assert_eq!(z.argmax(None)?.compute()?.into_iter().next(), Some(1)); // the first NaN
//! assert_eq!(z.gt(c(1.0, 0.0))?.compute()?.as_slice().unwrap(), &[true, false, true, false]);
//! assert_eq!(z.unique()?.compute()?.len(), 4);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use ndarray::{ArrayView1, ArrayViewD, ArrayViewMut1, Axis};

use crate::array::axes::Axes;
use crate::array::chunks::{AxisSpec, UNKNOWN};
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::element::{Element, Ordered};
use crate::error::{Error, Result};
use crate::ops::topk::topk_node;

/// The `kth` of `partition`: one position or several (negative count from the end).
#[derive(Clone, Debug, PartialEq)]
pub struct Kth(pub Vec<isize>);

macro_rules! kth_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Kth {
            fn from(k: $t) -> Self {
                Kth(vec![isize::try_from(k).unwrap_or(isize::MAX)])
            }
        }
        impl From<&[$t]> for Kth {
            fn from(k: &[$t]) -> Self {
                Kth(k.iter().map(|&v| isize::try_from(v).unwrap_or(isize::MAX)).collect())
            }
        }
        impl From<Vec<$t>> for Kth {
            fn from(k: Vec<$t>) -> Self {
                Kth::from(k.as_slice())
            }
        }
    )*};
}

kth_from!(isize, i32, i64, usize);

impl<T: Ordered> ChunkedArray<T> {
    /// The one axis of `axis` (flattening for `None`): the array to work on and the axis.
    fn lane_axis(&self, axis: Axes, what: &str) -> Result<(ChunkedArray<T>, usize)> {
        match axis {
            Axes::All => Ok((if self.ndim() == 1 { self.clone() } else { self.ravel()? }, 0)),
            Axes::Some(v) if v.len() == 1 => {
                if self.ndim() == 0 {
                    return Err(Error::Axis { axis: v[0], ndim: 0 });
                }
                Ok((self.clone(), resolve_axis(v[0], self.ndim())?))
            }
            Axes::Some(v) => Err(Error::Value(format!("{what} takes one axis or None, got {v:?}"))),
        }
    }

    /// `axis` rechunked to one block, then `f` on every lane (input lane, output lane).
    fn map_lanes<U: Element, F>(&self, axis: usize, f: F) -> Result<ChunkedArray<U>>
    where
        F: Fn(ArrayView1<'_, T>, ArrayViewMut1<'_, U>) + Send + Sync + 'static,
    {
        if self.chunks().axis(axis).contains(&UNKNOWN) {
            return Err(Error::UnknownChunkSizes { op: "sorting along an axis".into() });
        }
        let spec: Vec<AxisSpec> = (0..self.ndim())
            .map(|a| if a == axis { AxisSpec::Whole } else { AxisSpec::Explicit(self.chunks().axis(a).to_vec()) })
            .collect();
        let y = if self.numblocks()[axis] <= 1 { self.clone() } else { self.rechunk(spec)? };
        y.map_blocks(move |v: ArrayViewD<'_, T>| {
            let mut out = ndarray::ArrayD::<U>::from_elem(v.raw_dim(), U::zero());
            for (a, b) in v.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
                f(a, b);
            }
            out
        })
    }

    /// NumPy's `sort(x, axis)` (NaN last; `None` sorts the flattened array); same shape.
    pub fn sort(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>> {
        let (x, a) = self.lane_axis(axis.into(), "sort")?;
        x.map_lanes::<T, _>(a, |src, mut dst| {
            let mut v: Vec<T> = src.iter().copied().collect();
            v.sort_unstable_by_key(|&e| e.sort_key());
            dst.iter_mut().zip(v).for_each(|(d, s)| *d = s);
        })
    }

    /// NumPy's `argsort(x, axis, kind='stable')` (`i64` positions along the axis; flat
    /// positions for `None`).
    pub fn argsort(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>> {
        let (x, a) = self.lane_axis(axis.into(), "argsort")?;
        x.map_lanes::<i64, _>(a, |src, mut dst| {
            let keys: Vec<T::SortKey> = src.iter().map(|&e| e.sort_key()).collect();
            let mut idx: Vec<usize> = (0..keys.len()).collect();
            idx.sort_by_key(|&i| keys[i]);
            dst.iter_mut().zip(idx).for_each(|(d, i)| *d = i as i64);
        })
    }

    /// NumPy's `partition(x, kth, axis)`: every `kth` position holds the value a sort would put
    /// there, smaller values before it and larger after (NaN last). `kth` out of range is an
    /// [`Error::Value`], as NumPy's.
    pub fn partition(&self, kth: impl Into<Kth>, axis: impl Into<Axes>) -> Result<ChunkedArray<T>> {
        let (x, a) = self.lane_axis(axis.into(), "partition")?;
        let n = x.shape()[a];
        if n == UNKNOWN {
            return Err(Error::UnknownChunkSizes { op: "partition".into() });
        }
        let mut ks: Vec<usize> = Vec::new();
        for &k in &kth.into().0 {
            let r = if k < 0 { k.checked_add(n as isize) } else { Some(k) };
            match r {
                Some(r) if r >= 0 && (r as usize) < n => ks.push(r as usize),
                _ => return Err(Error::Value(format!("kth(={k}) out of bounds ({n})"))),
            }
        }
        ks.sort_unstable();
        ks.dedup();
        x.map_lanes::<T, _>(a, move |src, mut dst| {
            let mut v: Vec<T> = src.iter().copied().collect();
            let mut start = 0;
            for &k in &ks {
                v[start..].select_nth_unstable_by_key(k - start, |&e| e.sort_key());
                start = k + 1;
            }
            dst.iter_mut().zip(v).for_each(|(d, s)| *d = s);
        })
    }

    /// dask's `topk(x, k, axis)`: the `k` largest along `axis` in decreasing order (`k < 0`:
    /// the `|k|` smallest, increasing); the axis keeps `min(|k|, n)` elements.
    pub fn topk(&self, k: isize, axis: isize) -> Result<ChunkedArray<T>> {
        let a = self.topk_axis(axis)?;
        Ok(ChunkedArray::from_node(topk_node::<T, T>(self.node().clone(), a, k, false)?))
    }

    /// dask's `argtopk(x, k, axis)`: positions (`i64`, along `axis`) of `topk`'s elements.
    pub fn argtopk(&self, k: isize, axis: isize) -> Result<ChunkedArray<i64>> {
        let a = self.topk_axis(axis)?;
        Ok(ChunkedArray::from_node(topk_node::<T, i64>(self.node().clone(), a, k, true)?))
    }

    fn topk_axis(&self, axis: isize) -> Result<usize> {
        let a = resolve_axis(axis, self.ndim())?;
        if self.chunks().axis(a).contains(&UNKNOWN) {
            return Err(Error::UnknownChunkSizes { op: "topk".into() });
        }
        Ok(a)
    }
}
