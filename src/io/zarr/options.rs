//! What [`to_zarr`](crate::ChunkedArray::to_zarr) and [`store`](fn@super::store) write: format,
//! chunking, codecs, and what to do with an array already at the path.

use std::ops::Range;

/// Zarr format version of a new array.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZarrFormat {
    /// Zarr v2 (`.zarray`, `.zattrs`; numcodecs compressors).
    V2,
    /// Zarr v3 (`zarr.json`; codec chains, sharding, dimension names). The default.
    #[default]
    V3,
}

/// Blosc's inner compressor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BloscCname {
    Lz4,
    Lz4hc,
    Blosclz,
    Zstd,
    Zlib,
}

/// Blosc's shuffle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BloscShuffle {
    NoShuffle,
    /// Byte shuffle (numcodecs' `SHUFFLE`).
    Shuffle,
    /// Bit shuffle.
    BitShuffle,
}

/// The compressor of a new array (Zarr v3: the bytes-to-bytes codec after `bytes`; Zarr v2:
/// `compressor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compressor {
    /// Chunks stored raw.
    None,
    /// Zstandard at `level` (zarr-python 3's default codec, at level 0 = zstd's default 3).
    Zstd { level: i32 },
    /// gzip (deflate) at `level` 0–9.
    Gzip { level: u32 },
    /// Blosc with `cname` at `clevel` 0–9 and `shuffle` (zarr-python 2's default: lz4, 5, byte shuffle).
    Blosc { cname: BloscCname, clevel: u8, shuffle: BloscShuffle },
}

impl Default for Compressor {
    /// zstd level 0, as zarr-python 3.
    fn default() -> Self {
        Compressor::Zstd { level: 0 }
    }
}

impl Compressor {
    /// zarr-python 2's default: Blosc(lz4, 5, byte shuffle).
    pub fn blosc() -> Self {
        Compressor::Blosc { cname: BloscCname::Lz4, clevel: 5, shuffle: BloscShuffle::Shuffle }
    }
}

/// What a write does with the array path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ZarrMode {
    /// A new array; an existing array (or anything else) at the path is
    /// [`ZarrError::Exists`](crate::error::ZarrError::Exists) (dask's `overwrite=False`). The default.
    #[default]
    Create,
    /// A new array that replaces whatever is at the path (an array, or a group with its
    /// children) once the new one is complete.
    Overwrite,
    /// Extend the existing array along `axis` by this array (the other axes must match); its
    /// codecs and chunking are kept, the options' are ignored.
    Append { axis: usize },
    /// Write this array into `region` (one range per axis, of this array's shape) of the
    /// existing array, keeping its metadata.
    Region(Vec<Range<usize>>),
}

/// Options of [`to_zarr`](crate::ChunkedArray::to_zarr) and [`store`](fn@super::store).
///
/// ```
/// use ndchunk::io::zarr::{Compressor, ZarrFormat, ZarrOptions};
/// let opts = ZarrOptions { chunks: Some(vec![100, 100]), compressor: Compressor::blosc(), ..Default::default() };
/// let v2 = ZarrOptions { format: ZarrFormat::V2, ..opts.clone() };
/// assert_eq!(v2.chunks, Some(vec![100, 100]));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ZarrOptions {
    /// Zarr v3 (default) or v2.
    pub format: ZarrFormat,
    /// The stored chunk shape (the shard shape when `subchunks` is set); default: the array's
    /// block shape (its largest block per axis). Blocks that do not line up with it are
    /// rechunked before writing, so that each stored chunk is written by one task.
    pub chunks: Option<Vec<usize>>,
    /// Zarr v3 sharding: the inner chunk shape (dividing `chunks` on every axis); each stored
    /// chunk becomes a shard of these.
    pub subchunks: Option<Vec<usize>>,
    /// The compressor (default zstd, as zarr-python 3).
    pub compressor: Compressor,
    /// Zarr v3: a crc32c checksum after the compressor.
    pub checksum: bool,
    /// Zarr v3: a `transpose` codec with this axis order (chunks stored in that order).
    pub order: Option<Vec<usize>>,
    /// Store elements big-endian.
    pub big_endian: bool,
    /// The fill value (default 0; `false` for bool); chunks holding only it are not written.
    pub fill_value: Option<f64>,
    /// What to do with an array already at the path (default: it is an error).
    pub mode: ZarrMode,
    /// Dimension names (Zarr v3 `dimension_names`; in v2 xarray's `_ARRAY_DIMENSIONS` attribute).
    pub dimension_names: Option<Vec<String>>,
    /// User attributes (`attributes` in zarr.json, `.zattrs` in v2); merged into the existing
    /// ones when appending.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Flush a new array's chunks to the device (`syncfs`) before it is renamed into place, so
    /// that it survives a crash of the operating system or a power cut, not only of the process.
    /// Default `false`, as zarr-python and dask (which never flush): a new array is written in a
    /// temporary directory and appears by one rename whichever way, so a failed or killed write
    /// never leaves an array that looks complete; the flush only adds waiting for the disk
    /// (measured: 40-65 ms of the 110 ms of writing 72 MB with blosc here).
    pub durable: bool,
}

impl ZarrOptions {
    /// These options with `mode`.
    pub fn with_mode(mut self, mode: ZarrMode) -> Self {
        self.mode = mode;
        self
    }

    /// These options replacing any array at the path.
    pub fn overwrite() -> Self {
        ZarrOptions { mode: ZarrMode::Overwrite, ..Default::default() }
    }
}
