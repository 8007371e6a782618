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
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
        let m = self.node.meta();
        if !m.chunks.is_known() {
            return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
        }
        let new = crate::array::creation::normalize(chunks, &m.shape, std::mem::size_of::<T>())?;
        Ok(ChunkedArray::from_node(crate::ops::rechunk::rechunk_planned(&self.node, new, &RechunkOptions::default())?))
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
