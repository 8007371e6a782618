//! Indexing: `slice(s![..])`, `take`, boolean `mask`, and `compute_chunk_sizes`.

use ndarray::SliceInfoElem;

use crate::array::chunks::Chunks;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{Node, Plan};
use crate::ops::mask::{mask_node, row_chunks, KnownChunks, ShapeProbe};
use crate::ops::slicing::{slice_node, take_node};

/// Positions accepted by `take`: unsigned or signed (negative counts from the end).
pub trait Indices {
    fn to_isize(&self) -> Vec<isize>;
}

macro_rules! indices_impl {
    ($($t:ty),*) => {$(
        impl Indices for [$t] {
            fn to_isize(&self) -> Vec<isize> {
                self.iter().map(|&i| isize::try_from(i).unwrap_or(isize::MAX)).collect()
            }
        }
        impl Indices for Vec<$t> {
            fn to_isize(&self) -> Vec<isize> {
                self.iter().map(|&i| isize::try_from(i).unwrap_or(isize::MAX)).collect()
            }
        }
        impl<const N: usize> Indices for [$t; N] {
            fn to_isize(&self) -> Vec<isize> {
                self.iter().map(|&i| isize::try_from(i).unwrap_or(isize::MAX)).collect()
            }
        }
    )*};
}

indices_impl!(usize, isize, i32, i64, u32);

impl<T: Element> ChunkedArray<T> {
    /// Basic slicing with ndarray's `s!` macro: ranges, steps (negative too), integer indices
    /// (which drop the axis) and `NewAxis`, with ndarray's meaning of a negative step (the range
    /// `a..b` walked from its end). Out-of-range range bounds are clipped as in NumPy;
    /// an out-of-range integer index is an [`Error::Index`]. No data is copied.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i64>(0, 20, 1, [6]).unwrap();
    /// let y = x.slice(s![2..15;-3]).unwrap(); // ndarray semantics: 2..15 walked backwards
    /// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[14, 11, 8, 5, 2]);
    /// ```
    pub fn slice<I: AsRef<[SliceInfoElem]>>(&self, info: I) -> Result<ChunkedArray<T>> {
        Ok(ChunkedArray::from_node(slice_node::<T>(self.node(), info.as_ref())?))
    }

    /// Elements at `indices` along `axis` (any order, repeats allowed; negative positions
    /// count from the end), as NumPy's `take`.
    pub fn take<I: Indices + ?Sized>(&self, indices: &I, axis: isize) -> Result<ChunkedArray<T>> {
        let axis = crate::array::structure::resolve_axis(axis, self.ndim())?;
        let n = self.shape()[axis];
        if n == crate::UNKNOWN {
            return Err(Error::UnknownChunkSizes { op: "take".into() });
        }
        let mut idx = Vec::new();
        for i in indices.to_isize() {
            let j = if i < 0 { i + n as isize } else { i };
            if j < 0 || j >= n as isize {
                return Err(Error::Index { index: i, axis, size: n });
            }
            idx.push(j as usize);
        }
        Ok(ChunkedArray::from_node(take_node::<T>(self.node(), &idx, axis)?))
    }

    /// Elements where `mask` is true, as a 1-D array in C order (NumPy's `x[mask]`). Its
    /// block lengths are unknown until computed (see [`compute_chunk_sizes`](Self::compute_chunk_sizes)).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [4]).unwrap();
    /// let y = x.mask(&x.gt(6.0).unwrap()).unwrap();
    /// assert!(!y.chunks().is_known());
    /// assert_eq!(y.sum(None).unwrap().item().unwrap(), 24.0);
    /// assert_eq!(y.compute_chunk_sizes().unwrap().shape(), &[3]);
    /// ```
    pub fn mask(&self, mask: &ChunkedArray<bool>) -> Result<ChunkedArray<T>> {
        if mask.shape() != self.shape() {
            return Err(Error::Shape(format!(
                "boolean index did not match indexed array: shapes {:?} and {:?}",
                mask.shape(),
                self.shape()
            )));
        }
        let (mut x, mut m) = (self.node().clone(), mask.node().clone());
        if x.meta().chunks != m.meta().chunks {
            if !x.meta().chunks.is_known() || !m.meta().chunks.is_known() {
                return Err(Error::UnknownChunkSizes { op: "masking with differently chunked arrays".into() });
            }
            let nd = self.ndim();
            let unified = Chunks::explicit(
                (0..nd)
                    .map(|a| crate::ops::elementwise::refine(&[x.meta().chunks.axis(a), m.meta().chunks.axis(a)]))
                    .collect(),
            );
            x = crate::ops::rechunk::rechunk_node(&x, unified.clone())?;
            m = crate::ops::rechunk::rechunk_node(&m, unified)?;
        }
        let c = &x.meta().chunks;
        if self.ndim() > 1 && c.numblocks()[1..].iter().any(|&g| g != 1) {
            if !c.is_known() {
                return Err(Error::UnknownChunkSizes { op: "masking an n-d array".into() });
            }
            let elems: usize = c.chunksize().iter().product::<usize>().max(1);
            let rows = row_chunks(self.shape(), elems)?;
            x = crate::ops::rechunk::rechunk_node(&x, rows.clone())?;
            m = crate::ops::rechunk::rechunk_node(&m, rows)?;
        }
        Ok(ChunkedArray::from_node(mask_node::<T>(&x, &m)?))
    }

    /// The same array with its unknown block lengths computed (this computes the graph up
    /// to here once, as dask's `compute_chunk_sizes`).
    pub fn compute_chunk_sizes(&self) -> Result<ChunkedArray<T>> {
        if self.chunks().is_known() {
            return Ok(self.clone());
        }
        let probe = Node::value("chunk-sizes", vec![self.node().clone()], self.node().grid.clone(), ShapeProbe);
        let plan = Plan::build(std::slice::from_ref(&probe))?;
        let blocks = crate::scheduler::execute(&plan, &Config::global())?.pop().expect("one output");
        let grid = &self.node().grid;
        let nd = grid.len();
        let shapes: Vec<Vec<usize>> = blocks
            .iter()
            .map(|b| crate::graph::as_value::<ndarray::ArrayD<usize>>(b).map(|a| a.iter().copied().collect()))
            .collect::<Result<_>>()?;
        let mut strides = vec![1usize; nd];
        for a in (0..nd.saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * grid[a + 1];
        }
        let axes: Vec<Vec<usize>> =
            (0..nd).map(|a| (0..grid[a]).map(|i| shapes[i * strides[a]][a]).collect()).collect();
        let chunks = Chunks::explicit(axes);
        let shape = chunks.shape();
        Ok(ChunkedArray::from_node(Node::array::<T>(
            "known-chunks",
            vec![self.node().clone()],
            shape,
            chunks,
            KnownChunks,
        )))
    }
}
