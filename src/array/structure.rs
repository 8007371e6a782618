//! Axis order and chunking: `t`, `transpose`, `swapaxes`, `rechunk`.

use std::marker::PhantomData;

use crate::array::chunks::{ChunkSpec, Chunks};
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::Node;
use crate::ops::rechunk::RechunkOptions;
use crate::ops::transpose::Transpose;

/// Resolve a possibly negative axis against `ndim`.
pub(crate) fn resolve_axis(axis: isize, ndim: usize) -> Result<usize> {
    let a = if axis < 0 { axis + ndim as isize } else { axis };
    if a < 0 || a >= ndim as isize {
        Err(Error::Axis { axis, ndim })
    } else {
        Ok(a as usize)
    }
}

impl<T: Element> ChunkedArray<T> {
    /// Reverse the axes (NumPy's `.T`).
    pub fn t(&self) -> ChunkedArray<T> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permute(perm)
    }

    /// Permute axes: output axis `k` is input axis `axes[k]`.
    pub fn transpose(&self, axes: &[usize]) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        let mut seen = vec![false; nd];
        if axes.len() != nd {
            return Err(Error::Value(format!("axes {axes:?} don't match array of dimension {nd}")));
        }
        for &a in axes {
            if a >= nd {
                return Err(Error::Axis { axis: a as isize, ndim: nd });
            }
            if std::mem::replace(&mut seen[a], true) {
                return Err(Error::Value(format!("repeated axis {a} in transpose {axes:?}")));
            }
        }
        Ok(self.permute(axes.to_vec()))
    }

    /// Exchange two axes (negative values count from the end).
    pub fn swapaxes(&self, a: isize, b: isize) -> Result<ChunkedArray<T>> {
        let nd = self.ndim();
        let (a, b) = (resolve_axis(a, nd)?, resolve_axis(b, nd)?);
        let mut perm: Vec<usize> = (0..nd).collect();
        perm.swap(a, b);
        Ok(self.permute(perm))
    }

    fn permute(&self, perm: Vec<usize>) -> ChunkedArray<T> {
        if perm.iter().enumerate().all(|(k, &p)| k == p) {
            return self.clone();
        }
        let m = self.node.meta();
        let shape: Vec<usize> = perm.iter().map(|&p| m.shape[p]).collect();
        let chunks = Chunks::explicit(perm.iter().map(|&p| m.chunks.axis(p).to_vec()).collect());
        // a constant stays a constant (and keeps fusing as one) when its axes are permuted
        if let Some(v) = crate::ops::creation::fill_value::<T>(&self.node) {
            return ChunkedArray::from_node(crate::ops::creation::source_node::<T>(
                "full",
                shape,
                chunks,
                crate::ops::creation::Fill { value: v },
            ));
        }
        let op = Transpose::<T> { perm, _t: PhantomData };
        ChunkedArray::from_node(Node::array::<T>("transpose", vec![self.node.clone()], shape, chunks, op))
    }

    /// The same array cut into other blocks.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::ones::<f32>(&[10, 10], [3, 3]).unwrap().rechunk([5, 10]).unwrap();
    /// assert_eq!(x.chunks().axis(0), &[5, 5]);
    /// ```
    ///
    /// With a memory cap in the global [`Config`](crate::Config), a rechunk that would hold more
    /// than the cap goes through a temporary store, as
    /// [`rechunk_out_of_core`](Self::rechunk_out_of_core) with that cap.
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
        let m = self.node.meta();
        if !m.chunks.is_known() {
            return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
        }
        let new = crate::array::creation::normalize(chunks, &m.shape, std::mem::size_of::<T>())?;
        let cfg = crate::Config::global();
        if let Some(cap) = cfg.memory_cap {
            if let Some(r) = self.spill_rechunk(&new, cap, cfg.temp_dir.as_deref())? {
                return Ok(r);
            }
        }
        Ok(ChunkedArray::from_node(crate::ops::rechunk::rechunk_planned(&self.node, new, &RechunkOptions::default())?))
    }

    /// [`rechunk`](Self::rechunk) of an array bigger than memory (rechunker's `max_mem`): when
    /// the array is larger than `max_mem` bytes and the rechunk is all-to-all (one axis merges
    /// blocks while another splits them, as rows to columns: in memory, every input block is
    /// held until the last output block is done), the blocks are written to a temporary Zarr
    /// store in `temp_dir` (default: the global `Config`'s, else the system's temporary
    /// directory) with chunks that each input block writes whole, and the output blocks are read
    /// from it (`io::zarr::spill`). The store is removed when the result is dropped. Other
    /// rechunks are planned in memory as [`rechunk`](Self::rechunk). Tasks hold a few blocks
    /// each: give the compute a memory cap of a few blocks per worker.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange(0.0, 4000.0, 1.0, [400]).unwrap().reshape(&[40, 100]).unwrap().rechunk([4, 100]).unwrap();
    /// let y = x.rechunk_out_of_core([40, 10], 16_000, None).unwrap(); // the array is 32 000 bytes
    /// assert_eq!(y.chunks().axis(1), &[10; 10][..]);
    /// assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn rechunk_out_of_core(
        &self,
        chunks: impl Into<ChunkSpec>,
        max_mem: usize,
        temp_dir: Option<&std::path::Path>,
    ) -> Result<ChunkedArray<T>> {
        let m = self.node.meta();
        if !m.chunks.is_known() {
            return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
        }
        let new = crate::array::creation::normalize(chunks, &m.shape, std::mem::size_of::<T>())?;
        let global = crate::Config::global().temp_dir;
        if let Some(r) = self.spill_rechunk(&new, max_mem, temp_dir.or(global.as_deref()))? {
            return Ok(r);
        }
        Ok(ChunkedArray::from_node(crate::ops::rechunk::rechunk_planned(&self.node, new, &RechunkOptions::default())?))
    }

    /// The rechunk through a temporary store, when the array is bigger than `max_mem` and the
    /// rechunk needs it.
    fn spill_rechunk(
        &self,
        new: &Chunks,
        max_mem: usize,
        dir: Option<&std::path::Path>,
    ) -> Result<Option<ChunkedArray<T>>> {
        let m = self.node.meta();
        let nbytes = m.shape.iter().try_fold(std::mem::size_of::<T>(), |a, &n| a.checked_mul(n)).unwrap_or(usize::MAX);
        if nbytes <= max_mem || !crate::io::zarr::spill::needs_whole_array(&m.chunks, new) {
            return Ok(None);
        }
        let dir = dir.map(std::path::Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
        crate::with_dtype!(m.dtype, U => {
            let x = ChunkedArray::<U>::from_node(self.node.clone());
            Ok(crate::io::zarr::spill::rechunk_through_store::<U>(&x, new, &dir)?
                .map(|r| ChunkedArray::<T>::from_node(r.node().clone())))
        })
    }

    /// [`rechunk`](Self::rechunk) with planner options (`block_size_limit`, `threshold`).
    pub fn rechunk_with(&self, chunks: impl Into<ChunkSpec>, opts: &RechunkOptions) -> Result<ChunkedArray<T>> {
        let m = self.node.meta();
        if !m.chunks.is_known() {
            return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
        }
        let new = crate::array::creation::normalize(chunks, &m.shape, std::mem::size_of::<T>())?;
        Ok(ChunkedArray::from_node(crate::ops::rechunk::rechunk_planned(&self.node, new, opts)?))
    }
}
