//! Rechunking bigger than memory: two passes through a temporary Zarr store.
//!
//! A rechunk that turns row blocks into column blocks needs a piece of every input block for
//! each output block: in memory, the whole array is held before the first output block is
//! complete (in dask as in ndchunk). rechunker (and Cubed) instead copy through an
//! intermediate store under a memory budget; this is that algorithm on the [`super::store`](mod@super::store)
//! writer:
//!
//! ```text
//!   x blocks ──write──▶ temporary Zarr array (intermediate chunks) ──read──▶ output blocks
//! ```
//!
//! * **Intermediate chunks** are, per axis, the largest length that divides every input block
//!   (so each input block writes whole chunks: one task per chunk, never two writers) and is at
//!   most the output block length (so an output block decodes little beyond itself). A task
//!   then holds one input block and one chunk (writing), or one output block and the chunks it
//!   overlaps (reading): the budget must hold a few blocks per worker, never the array.
//! * **Order.** Every read task depends on the write tasks of the chunks it overlaps, so the
//!   scheduler writes an input block as soon as it is computed and releases it; the array is
//!   on disk, not in memory, between the passes.
//! * **Lifetime.** The store is a directory `ndchunk-rechunk-…` in the configured temporary
//!   directory (default: the system's), removed when the last node using it is dropped: after
//!   the result is dropped, also when a compute failed. Chunks are stored raw (no compressor):
//!   the store is read once, shortly after it is written.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zarrs::array::{ArraySubset, CodecOptions};

use super::errors;
use super::options::{Compressor, ZarrOptions};
use super::source::ZarrElement;
use super::store::{create_array, write_node, WriteArray};
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::error::{Error, Result};
use crate::graph::{Block, Dep, Node, Op};

/// A temporary store directory, removed when dropped.
struct TempStore {
    dir: PathBuf,
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a direct rechunk from `old` to `new` is all-to-all on some pair of axes (one axis
/// merges input blocks, another splits them): then each output block needs pieces of many input
/// blocks and many input blocks feed each output block, and the in-memory plan holds the array.
pub fn needs_whole_array(old: &Chunks, new: &Chunks) -> bool {
    let nd = old.ndim();
    let merges = |a: usize| spans_more_than_one(&old.offsets(a), &new.offsets(a));
    let splits = |a: usize| spans_more_than_one(&new.offsets(a), &old.offsets(a));
    (0..nd).any(|b| splits(b) && (0..nd).any(|a| a != b && merges(a)))
}

/// Whether some block of `outer` (block offsets with the total at the end) overlaps more than
/// one block of `inner`.
fn spans_more_than_one(outer: &[usize], inner: &[usize]) -> bool {
    outer.windows(2).any(|w| {
        let (s, e) = (w[0], w[1]);
        // inner boundaries strictly inside (s, e)
        inner.iter().any(|&b| b > s && b < e)
    })
}

/// The intermediate chunk length of one axis: the largest divisor of every input block length
/// (the last excepted) that is at most `limit`.
fn intermediate_len(old: &[usize], limit: usize) -> usize {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let g = old[..old.len().saturating_sub(1)].iter().fold(0, |g, &l| gcd(g, l));
    let g = if g == 0 { old.first().copied().unwrap_or(1) } else { g };
    let limit = limit.max(1);
    if g <= limit {
        return g.max(1);
    }
    // largest divisor of g not above limit
    let mut best = 1;
    let mut d = 1;
    while d * d <= g {
        if g % d == 0 {
            if d <= limit {
                best = best.max(d);
            }
            if g / d <= limit {
                best = best.max(g / d);
            }
        }
        d += 1;
    }
    best
}

/// Reads each output block from the temporary array once the chunks it overlaps are written.
struct SpillRead<T> {
    array: Arc<WriteArray>,
    /// Keeps the directory alive while any node reading it exists.
    _store: Arc<TempStore>,
    /// Intermediate chunk length per axis.
    inter: Vec<usize>,
    at: String,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: ZarrElement> Op for SpillRead<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let ranges = node.meta().chunks.block_ranges(b);
        if ranges.iter().any(|r| r.is_empty()) {
            return;
        }
        let lo: Vec<usize> = ranges.iter().zip(&self.inter).map(|(r, &c)| r.start / c).collect();
        let hi: Vec<usize> = ranges.iter().zip(&self.inter).map(|(r, &c)| (r.end - 1) / c + 1).collect();
        crate::graph::push_box_deps(0, &node.inputs[0].grid, &lo, &hi, out);
    }

    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let ranges: Vec<Range<usize>> = node.meta().chunks.block_ranges(b);
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let n = crate::memory::size_of_shape(&shape, "a rechunked block")?;
        if n == 0 {
            let a = ndarray::ArrayD::<T>::from_shape_vec(ndarray::IxDyn(&shape), Vec::new())
                .map_err(|e| Error::Shape(e.to_string()))?;
            return Ok(Arc::new(a.into_shared()));
        }
        let r64: Vec<Range<u64>> = ranges.iter().map(|r| r.start as u64..r.end as u64).collect();
        let opts = CodecOptions::default().with_concurrent_target(1);
        let data: Vec<T> = self
            .array
            .retrieve_array_subset_opt(&ArraySubset::new_with_ranges(&r64), &opts)
            .map_err(|e| errors::array(&self.at, e))?;
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), data)
            .map_err(|e| Error::Shape(format!("{}: {e}", self.at)))?;
        Ok(Arc::new(a.into_shared()))
    }
}

/// `x` cut into `new` through a temporary Zarr store in `dir` (see the module docs); `None`
/// when the rechunk does not need it (see [`needs_whole_array`]).
pub fn rechunk_through_store<T: ZarrElement>(
    x: &ChunkedArray<T>,
    new: &Chunks,
    dir: &Path,
) -> Result<Option<ChunkedArray<T>>> {
    let old = x.chunks().clone();
    if x.shape().contains(&0) || !needs_whole_array(&old, new) {
        return Ok(None);
    }
    let nd = old.ndim();
    let inter: Vec<usize> =
        (0..nd).map(|a| intermediate_len(old.axis(a), new.axis(a).iter().copied().max().unwrap_or(1))).collect();
    let store_dir = tempdir_in(dir)?;
    let store = Arc::new(TempStore { dir: store_dir.clone() });
    let opts = ZarrOptions { chunks: Some(inter.clone()), compressor: Compressor::None, ..Default::default() };
    let (array, _metadata) = create_array::<T>(&store_dir, x.shape(), &inter, &opts)?;
    let at = store_dir.display().to_string();
    let Some(written) = write_node(x, array.clone(), &vec![0; nd], &inter, &at)? else {
        return Ok(None);
    };
    let op = SpillRead::<T> { array, _store: store, inter, at, _t: std::marker::PhantomData };
    let node = Node::array::<T>("rechunk-from-store", vec![written], x.shape().to_vec(), new.clone(), op);
    Ok(Some(ChunkedArray::from_node(node)))
}

/// A new directory `ndchunk-rechunk-…` in `dir`.
fn tempdir_in(dir: &Path) -> Result<PathBuf> {
    for _ in 0..16 {
        let name = format!("ndchunk-rechunk-{}-{:016x}", std::process::id(), rand::random::<u64>());
        let p = dir.join(name);
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::Zarr(crate::error::ZarrError::Storage(format!(
                    "cannot create a temporary rechunk store in {}: {e}",
                    dir.display()
                ))))
            }
        }
    }
    Err(Error::Zarr(crate::error::ZarrError::Storage(format!(
        "cannot create a temporary rechunk store in {}",
        dir.display()
    ))))
}
