//! HDF5: lazy chunked reads with parallel decoding, and block-by-block writes.
//!
//! ```no_run
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::<f64>::from_hdf5("realdata.hdf5", "/data")?;   // metadata only
//! let all = ndchunk::compute_all(&[&x.sum(None)?, &x.mean(None)?, &x.var(None, 0)?, &x.std(None, 0)?])?;
//! # Ok::<(), ndchunk::Error>(())
//! ```
//!
//! **Reading.** `from_hdf5` reads shape, dtype, chunking and filters when called; data is read
//! only inside tasks. Blocks are the file's chunks (clipped at the edges); contiguous datasets
//! get `"auto"` blocks; `from_hdf5_with_chunks` rechunks from the file chunks (each file chunk
//! is still read once). libhdf5 serialises every call behind one global lock, so for chunked
//! datasets whose filters are deflate, shuffle, fletcher32 and/or LZF, ndchunk only asks the
//! library where each chunk is, then reads and decodes it itself in parallel (see
//! [`source`]). Other filters (szip, n-bit, scale-offset, blosc, zfp, ...) and unwritten chunks
//! (fill values) are read through the library, under its lock.
//!
//! **Filters that cannot be run.** When opening, every filter of the pipeline is checked: one
//! that this libhdf5 cannot run (a third-party filter such as zstd 32015, blosc 32001, lz4
//! 32004, bzip2 307, bitshuffle 32008 or zfp 32013 whose plugin is not on `HDF5_PLUGIN_PATH`)
//! and that ndchunk does not decode itself makes `from_hdf5` fail at once with
//! [`Hdf5Error::UnsupportedFilter`] naming the dataset and the filter (id and name). This holds
//! for optional filters too: a writer may have skipped one for some chunks, but which ones is
//! only known chunk by chunk. `from_hdf5_locked` reads everything through libhdf5, so it also
//! refuses LZF when libhdf5 has no LZF plugin. Should a filter still fail at read time, a
//! missing plugin is `UnsupportedFilter`, a failed checksum `Checksum`, and a chunk a filter
//! cannot decode `Corrupt`. The pipeline is read through hdf5-sys, so filters with any number
//! of parameters are fine.
//!
//! **Hostile shapes.** Shapes and chunk shapes come from the file and are checked before
//! anything is sized by them: a dataset whose element count or byte size does not fit in
//! `isize` is an [`Error::Value`] ("array is too big", as NumPy), one whose chunking would make
//! more than [`MAX_BLOCKS`](crate::chunks::MAX_BLOCKS) blocks an [`Error::Memory`] (so a
//! 2 KB file declaring shape (2^40,) in chunks of 1 cannot exhaust memory; such a dataset cannot
//! be opened with other chunks either, as `from_hdf5_with_chunks` starts from the file's
//! chunks). Chunks larger than the dataset are clipped; a dataset with a zero-length axis is
//! one empty block. Chunk addresses and sizes read from the file are checked against the file
//! length before a buffer is allocated for them, and every buffer is allocated fallibly
//! ([`crate::memory`]).
//!
//! **Element types.** f32, f64, i8..i64, u8..u64, bool, `Complex<f32>` and `Complex<f64>`, in
//! either byte order. Bool is h5py's one-byte enum `{FALSE: 0, TRUE: 1}` (members in either
//! order) only: any other enum is an [`Error::DType`] naming its members. Complex is h5py's
//! compound `{r, i}` of two float32 or two float64 (NumPy's complex64/complex128 as h5py stores
//! them; hdf5-metno's `complex` feature writes the same type, so h5py reads ndchunk's files as
//! complex arrays); any other compound is an [`Error::DType`]. Reading a dataset as another type is an
//! [`Error::DType`]; read it as its own type and convert with `astype`:
//! `ChunkedArray::<i32>::from_hdf5(p, "/d")?.astype::<f64>()`.
//!
//! **NetCDF4.** NetCDF4 files are HDF5 files: [`info`] gives a variable's dimension names and
//! attributes, [`from_hdf5_cf`] / [`decode_cf`] apply `_FillValue` / `scale_factor` / `add_offset`
//! as xarray does (see [`variable`]).
//!
//! **Writing.** `to_hdf5`/[`store`] write block by block as the graph computes them (memory
//! stays bounded), into a temporary file in the same directory that is renamed over `path` only
//! when everything succeeded: `path` is either the complete new file or untouched. Each call
//! has its own temporary name (process id, a process-wide counter, thread and a random part),
//! so concurrent writers to one path do not disturb each other: the last complete file wins,
//! and a failed or panicking write removes its temporary.

pub mod filters;
pub mod source;
pub(crate) mod store;
pub mod variable;

use std::fs::File;
use std::marker::PhantomData;
use std::path::Path;

pub use crate::error::Hdf5Error;
pub use store::{store, Hdf5Options};
pub use variable::{attrs, decode_cf, from_hdf5_cf, info, AttrValue, VariableInfo};

use crate::array::ChunkedArray;
use crate::chunks::{ChunkSpec, WHOLE};
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::creation::source_node;
use source::{DatasetInfo, Hdf5Read};

impl<T: Element + hdf5::H5Type> ChunkedArray<T> {
    /// A lazy array over dataset `dataset` of the HDF5 file at `path`; blocks are the
    /// dataset's chunks (or `"auto"` blocks for contiguous datasets).
    pub fn from_hdf5(path: impl AsRef<Path>, dataset: &str) -> Result<ChunkedArray<T>> {
        Self::open_hdf5(path.as_ref(), dataset, false)
    }

    /// Like [`from_hdf5`](Self::from_hdf5) but every block is read by libhdf5 under its
    /// global lock (no parallel decoding): the baseline the parallel path is measured against.
    pub fn from_hdf5_locked(path: impl AsRef<Path>, dataset: &str) -> Result<ChunkedArray<T>> {
        Self::open_hdf5(path.as_ref(), dataset, true)
    }

    fn open_hdf5(path: &Path, dataset: &str, locked: bool) -> Result<ChunkedArray<T>> {
        let (info, ds) = DatasetInfo::open(path, dataset)?;
        if info.dtype != T::DTYPE {
            return Err(Error::DType(format!(
                "{}:{dataset} holds {}, not {}; read it as ChunkedArray::<{}>::from_hdf5 and convert with .astype()",
                path.display(),
                info.dtype,
                T::DTYPE,
                super::rust_name(info.dtype)
            )));
        }
        if locked {
            info.check_library_filters()?;
        }
        let (itemsize, target) = (info.dtype.itemsize(), Config::global().chunk_target_bytes);
        let chunks = if info.shape.contains(&0) {
            // nothing to read: one (empty) block, however long the other axes are
            ChunkSpec::Uniform(vec![WHOLE; info.shape.len()]).normalize(&info.shape, itemsize, target)
        } else {
            match &info.chunk {
                Some(c) => ChunkSpec::Uniform(c.clone()).normalize(&info.shape, itemsize, target),
                None => ChunkSpec::Auto.normalize(&info.shape, itemsize, target),
            }
        }
        .map_err(|e| source::in_dataset(path, dataset, e))?;
        let file = File::open(path)?;
        let shape = info.shape.clone();
        let op = Hdf5Read::<T> { locked, info, ds, file, _t: PhantomData };
        Ok(ChunkedArray::from_node(source_node::<T>("from-hdf5", shape, chunks, op)))
    }

    /// Like [`from_hdf5`](Self::from_hdf5), with blocks cut to `chunks` (best as multiples or
    /// splits of the file's chunks; each file chunk is read once either way).
    pub fn from_hdf5_with_chunks(
        path: impl AsRef<Path>,
        dataset: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        Self::from_hdf5(path, dataset)?.rechunk(chunks)
    }

    /// Write to dataset `dataset` of a new HDF5 file at `path` (replacing it atomically),
    /// chunked like this array, uncompressed.
    pub fn to_hdf5(&self, path: impl AsRef<Path>, dataset: &str) -> Result<()> {
        store(&[(self, dataset)], path, &Hdf5Options::default())
    }

    /// [`to_hdf5`](Self::to_hdf5) with options (gzip level, shuffle, chunk shape).
    pub fn to_hdf5_with(&self, path: impl AsRef<Path>, dataset: &str, opts: &Hdf5Options) -> Result<()> {
        store(&[(self, dataset)], path, opts)
    }
}

/// How blocks of a dataset will be read (for docs, demos and benchmarks).
pub fn read_path(path: impl AsRef<Path>, dataset: &str) -> Result<&'static str> {
    Ok(DatasetInfo::open(path.as_ref(), dataset)?.0.read_path())
}
