//! Zarr v2 and v3: lazy chunked reads decoded in parallel, and chunk-aligned writes, through
//! the [`zarrs`] crate.
//!
//! ```no_run
//! use ndchunk::prelude::*;
//! use ndchunk::io::zarr::ZarrOptions;
//! let x = ChunkedArray::<f64>::from_zarr("data.zarr", "temperature")?;   // metadata only
//! let anomaly = &x - x.mean(None)?;
//! anomaly.to_zarr("out.zarr", "anomaly", &ZarrOptions::default())?;
//! # Ok::<(), ndchunk::Error>(())
//! ```
//!
//! **Reading.** `from_zarr(store, array_path)` opens the array in the store (a directory) and
//! reads its metadata (`zarr.json`; `.zarray` and `.zattrs` for Zarr v2); chunks are read only
//! inside tasks (see [`source`]). Blocks are the stored chunks, clipped at the array's edges;
//! for a sharded array (Zarr v3 `sharding_indexed`) the shards, the unit zarr writes.
//! `from_zarr_with_chunks` cuts other blocks: each block reads the part of each stored chunk it
//! needs (a block inside one stored chunk decodes that chunk; a sharded array's blocks decode
//! only the inner chunks they touch). A chunk missing from the store reads as the fill value,
//! as in zarr-python. Codecs: `bytes` (either byte order), `transpose`, `blosc`, `zstd`,
//! `gzip`, `crc32c` and `sharding_indexed` (Zarr v2: the blosc, zstd and gzip compressors).
//! Any other codec (a numcodecs filter, bz2, zfp, ...) makes `from_zarr` fail at once with
//! [`ZarrError::UnsupportedCodec`] naming it. [`info`] gives the metadata: shape, data type,
//! chunk and shard shapes, codecs, fill value, dimension names and attributes. Consolidated
//! metadata is not needed (each array's own metadata is read); writes keep it current where a
//! group has it ([`consolidated`]).
//!
//! **Element types.** f32, f64, i8..i64, u8..u64 and bool. Reading an array as another type is
//! an [`Error::DType`] naming both types (read it as its own type and convert with `astype`);
//! data types ndchunk does not hold (float16, complex, strings, datetimes) are an
//! [`Error::DType`] naming the Zarr type.
//!
//! **Errors.** A path with no store is [`ZarrError::NotFound`], as is a path in the store with
//! no array metadata; unparseable metadata is [`ZarrError::Metadata`]. At compute time a chunk
//! that does not decode (damaged bytes, a truncated shard) is [`ZarrError::Corrupt`], a crc32c
//! mismatch [`ZarrError::Checksum`]; none of these panics.
//!
//! **HTTP.** With the `zarr-http` feature, `from_zarr_url(url, array_path)` reads a store
//! served over HTTP(S) (zarrs' HTTP store; read-only): the same blocks, fill values and errors,
//! one request per chunk from the scheduler's workers.
//!
//! **Writing.** `to_zarr`/[`store`](fn@store) write chunk by chunk as the graph computes them, one task
//! per stored chunk, new arrays through a temporary directory renamed into place: see
//! [`store`](mod@store) for the guarantees, and [`ZarrOptions`] / [`ZarrMode`] for chunking,
//! codecs, format, overwrite, append and region writes.

pub mod consolidated;
pub mod errors;
mod fresh_store;
pub mod metadata;
mod options;
pub mod source;
pub mod spill;
pub mod store;
mod stream;

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

pub use crate::error::ZarrError;
pub use options::{BloscCname, BloscShuffle, Compressor, ZarrFormat, ZarrMode, ZarrOptions};
/// The JSON types of [`ZarrOptions::attributes`] and [`ZarrInfo`].
pub use serde_json;
pub use source::{ZarrElement, ZarrInfo};
pub use store::store;

use crate::array::ChunkedArray;
use crate::chunks::{ChunkSpec, WHOLE};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::creation::source_node;
use source::{describe, node_path, ReadArray, ZarrRead};

/// Open the array at `array_path` of the filesystem store at `store`.
fn open(store: &Path, array_path: &str) -> Result<(Arc<ReadArray>, String)> {
    let path = node_path(array_path);
    let at = errors::at(&store.display().to_string(), &path);
    if !store.is_dir() {
        return Err(Error::Zarr(ZarrError::NotFound(format!("{}: no such directory", store.display()))));
    }
    let fs = zarrs::filesystem::FilesystemStore::new(store)
        .map_err(|e| Error::Zarr(ZarrError::Storage(format!("{at}: {e}"))))?;
    let storage: Arc<dyn zarrs::storage::ReadableStorageTraits> = Arc::new(fs);
    let array = zarrs::array::Array::open(storage, &path).map_err(|e| errors::create(&at, e))?;
    Ok((Arc::new(array), at))
}

/// Open the array at `array_path` of the Zarr store served at `url` (read-only).
#[cfg(feature = "zarr-http")]
fn open_url(url: &str, array_path: &str) -> Result<(Arc<ReadArray>, String)> {
    let path = node_path(array_path);
    let at = errors::at(url, &path);
    let http = zarrs_http::HTTPStore::new(url).map_err(|e| Error::Zarr(ZarrError::Storage(format!("{at}: {e}"))))?;
    let storage: Arc<dyn zarrs::storage::ReadableStorageTraits> = Arc::new(http);
    let array = zarrs::array::Array::open(storage, &path).map_err(|e| errors::create(&at, e))?;
    Ok((Arc::new(array), at))
}

/// [`info`] of an array served over HTTP (feature `zarr-http`).
#[cfg(feature = "zarr-http")]
pub fn info_url(url: &str, array_path: &str) -> Result<ZarrInfo> {
    let (array, at) = open_url(url, array_path)?;
    describe(&array, &at)
}

/// The metadata of the array at `array_path` of the Zarr store at `store`.
///
/// ```no_run
/// let info = ndchunk::io::zarr::info("data.zarr", "temperature")?;
/// println!("{:?} {:?} {:?}", info.shape, info.dimension_names, info.attributes.get("units"));
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn info(store: impl AsRef<Path>, array_path: &str) -> Result<ZarrInfo> {
    let (array, at) = open(store.as_ref(), array_path)?;
    describe(&array, &at)
}

/// A lazy array over an opened Zarr array, in its stored chunks.
/// Blocks: `chunks`, or the stored chunks when `None`; `fs_root`: the store's directory when
/// it is a filesystem store (whole zstd chunks are then streamed into fused consumers, see
/// [`stream`]).
pub(crate) fn read_array<T: ZarrElement>(
    array: Arc<ReadArray>,
    at: String,
    chunks: Option<ChunkSpec>,
    fs_root: Option<&Path>,
) -> Result<ChunkedArray<T>> {
    let info = describe(&array, &at)?;
    let dtype = match source::dtype_of(array.data_type()) {
        Ok(d) => d,
        Err(name) => {
            return Err(Error::DType(format!(
                "{at} holds {name}, which ndchunk does not read (bool, int8..uint64, float32, float64)"
            )))
        }
    };
    if dtype != T::DTYPE {
        return Err(Error::DType(format!(
            "{at} holds {dtype}, not {}; read it as ChunkedArray::<{}>::from_zarr and convert with .astype()",
            T::DTYPE,
            super::rust_name(dtype)
        )));
    }
    let (itemsize, target) = (dtype.itemsize(), Config::global().chunk_target_bytes);
    crate::chunks::check_size(&info.shape, itemsize).map_err(|e| in_array(&at, e))?;
    crate::chunks::check_size(&info.chunks, itemsize).map_err(|e| in_array(&at, e))?;
    let chunks = match chunks {
        Some(spec) => crate::array::creation::normalize(spec, &info.shape, itemsize)?,
        None => {
            // a zero-length axis: nothing to read, one (empty) block
            let spec = if info.shape.contains(&0) { vec![WHOLE; info.shape.len()] } else { info.chunks.clone() };
            ChunkSpec::Uniform(spec).normalize(&info.shape, itemsize, target).map_err(|e| in_array(&at, e))?
        }
    };
    let stream = fs_root.and_then(|root| stream::StreamPlan::new::<T>(root.to_path_buf(), &array, &info.chunks));
    let op = ZarrRead::<T> { array, at, stream, _t: PhantomData };
    Ok(ChunkedArray::from_node(source_node::<T>("from-zarr", info.shape, chunks, op)))
}

/// Name the array in an error about its shape or size.
fn in_array(at: &str, e: Error) -> Error {
    match e {
        Error::Memory(m) => Error::Memory(format!("{at}: {m}")),
        Error::Value(m) => Error::Value(format!("{at}: {m}")),
        Error::Chunks(m) => Error::Chunks(format!("{at}: {m}")),
        other => other,
    }
}

impl<T: ZarrElement> ChunkedArray<T> {
    /// A lazy array over the array at `array_path` (`"/"` or `""` for a store that is one
    /// array) of the Zarr store (a directory) at `store`; blocks are the stored chunks (shards
    /// for a sharded array).
    ///
    /// ```no_run
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::<f32>::from_zarr("era5.zarr", "t2m")?;
    /// let m = x.mean(Some(0))?.compute()?;
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    pub fn from_zarr(store: impl AsRef<Path>, array_path: &str) -> Result<ChunkedArray<T>> {
        let (array, at) = open(store.as_ref(), array_path)?;
        read_array(array, at, None, Some(store.as_ref()))
    }

    /// Like [`from_zarr`](Self::from_zarr), with blocks cut to `chunks`; each block reads the
    /// parts of the stored chunks it covers (best as multiples of the stored chunks: a stored
    /// chunk split between blocks is decoded by each of them).
    pub fn from_zarr_with_chunks(
        store: impl AsRef<Path>,
        array_path: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        let (array, at) = open(store.as_ref(), array_path)?;
        read_array(array, at, Some(chunks.into()), Some(store.as_ref()))
    }

    /// [`from_zarr`](Self::from_zarr) over HTTP(S): the store served at `url` (a base URL such
    /// as `http://127.0.0.1:8000/data.zarr`), read-only (feature `zarr-http`). Each chunk is one
    /// GET (a sharded array's inner chunks are byte-range GETs of their shard; a server without
    /// range support answers with the whole shard, which is then cut); a chunk the server does
    /// not have (404) reads as the fill value.
    ///
    /// ```no_run
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::<f64>::from_zarr_url("http://127.0.0.1:8000/data.zarr", "t")?;
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    #[cfg(feature = "zarr-http")]
    pub fn from_zarr_url(url: &str, array_path: &str) -> Result<ChunkedArray<T>> {
        let (array, at) = open_url(url, array_path)?;
        read_array(array, at, None, None)
    }

    /// [`from_zarr_url`](Self::from_zarr_url) with blocks cut to `chunks` (feature `zarr-http`).
    #[cfg(feature = "zarr-http")]
    pub fn from_zarr_url_with_chunks(
        url: &str,
        array_path: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        let (array, at) = open_url(url, array_path)?;
        read_array(array, at, Some(chunks.into()), None)
    }

    /// Write to the array at `array_path` of the Zarr store (a directory, created if need be)
    /// at `store`, as `opts` says (default: a new Zarr v3 array, zstd, stored chunks = this
    /// array's blocks; an existing array is an error unless `opts.mode` says otherwise).
    ///
    /// ```no_run
    /// use ndchunk::prelude::*;
    /// use ndchunk::io::zarr::{Compressor, ZarrMode, ZarrOptions};
    /// let x = ndchunk::arange::<f64>(0.0, 1e6, 1.0, 100_000)?.reshape(&[1000, 1000])?;
    /// let opts = ZarrOptions { chunks: Some(vec![250, 250]), compressor: Compressor::blosc(), ..Default::default() };
    /// x.to_zarr("out.zarr", "x", &opts)?;
    /// // add 1000 more rows
    /// x.to_zarr("out.zarr", "x", &ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 }))?;
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    ///
    /// `opts` is a `ZarrOptions` or a reference to one.
    pub fn to_zarr(
        &self,
        store: impl AsRef<Path>,
        array_path: &str,
        opts: impl std::borrow::Borrow<ZarrOptions>,
    ) -> Result<()> {
        store::store(&[(self, array_path)], store, opts.borrow())
    }
}
