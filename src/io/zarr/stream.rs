//! Streaming a stored chunk into a fused consumer: zstd chunks decoded a tile at a time.
//!
//! zarrs decodes a chunk whole: the compressed bytes are read into one buffer, decoded into a
//! second and converted into a third, the block. For the 72 MB chunks of a 7.2 GB array those
//! are three fresh allocations per chunk whose page faults cost more than the decoding itself
//! (`zarr7GB.sum`: 12 s, more than half of it in the kernel faulting pages in, 290 MB peak).
//! When a block is one whole stored chunk and its consumer takes tiles (a fused elementwise
//! chain, a reduction), the chunk file is read instead through zstd's streaming decoder
//! straight into the tile buffer, and no chunk-sized buffer exists at all.
//!
//! Only the simplest codec chain qualifies, on a filesystem store: Zarr v3 `bytes`
//! (little-endian) then `zstd` without checksum; Zarr v2 a `zstd` compressor, no filters, C
//! order, a little-endian data type. Everything else goes through zarrs, and so do the edge
//! chunks of each axis (stored padded to the chunk shape), chunks missing from the store (read
//! as the fill value) and bool arrays (a damaged byte would not be a valid `bool`). A chunk
//! that decodes to more or fewer bytes than its shape needs is `ZarrError::Corrupt`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::Range;
use std::path::PathBuf;

use crate::element::{DType, Element};
use crate::error::{Error, Result, ZarrError};
use crate::ops::elementwise::Tile;

use super::source::ReadArray;

/// An array whose whole chunks can be streamed (see the module docs): its store's root.
pub(crate) struct StreamPlan {
    root: PathBuf,
    chunk: Vec<usize>,
}

impl StreamPlan {
    /// The plan for an array of `T` in the filesystem store at `root`, if its metadata
    /// qualifies.
    pub(crate) fn new<T: Element>(root: PathBuf, array: &ReadArray, chunk: &[usize]) -> Option<StreamPlan> {
        if T::DTYPE == DType::Bool {
            return None;
        }
        let meta = serde_json::to_value(array.metadata()).ok()?;
        let little = |s: &str| s.starts_with('<') || (s.starts_with('|') && std::mem::size_of::<T>() == 1);
        let ok = if meta["zarr_format"].as_u64() == Some(3) {
            let codecs = meta["codecs"].as_array()?;
            codecs.len() == 2
                && codecs[0]["name"].as_str() == Some("bytes")
                && matches!(codecs[0]["configuration"]["endian"].as_str(), Some("little") | None)
                && (cfg!(target_endian = "little"))
                && codecs[1]["name"].as_str() == Some("zstd")
                && codecs[1]["configuration"]["checksum"].as_bool() != Some(true)
        } else {
            meta["compressor"]["id"].as_str() == Some("zstd")
                && meta["filters"].as_array().is_none_or(|f| f.is_empty())
                && meta["order"].as_str().is_none_or(|o| o == "C")
                && meta["dtype"].as_str().is_some_and(little)
                && cfg!(target_endian = "little")
        };
        ok.then(|| StreamPlan { root, chunk: chunk.to_vec() })
    }

    /// A tile streaming the block of `ranges` (requested as `shape`), when that block is one
    /// whole stored chunk present in the store; `None` otherwise (zarrs reads it).
    pub(crate) fn tile<T: Element>(
        &self,
        array: &ReadArray,
        at: &str,
        ranges: &[Range<usize>],
        shape: &[usize],
    ) -> Result<Option<Box<dyn Tile<T>>>> {
        let block: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let whole = block == shape
            && ranges.len() == self.chunk.len()
            && ranges.iter().zip(&self.chunk).all(|(r, &c)| r.len() == c && r.start % c == 0);
        if !whole || block.contains(&0) {
            return Ok(None);
        }
        let index: Vec<u64> = ranges.iter().zip(&self.chunk).map(|(r, &c)| (r.start / c) as u64).collect();
        let key = array.chunk_key(&index);
        let path = self.root.join(key.as_str());
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Zarr(ZarrError::Storage(format!("{at}: {}: {e}", path.display())))),
        };
        let decoder = zstd::stream::read::Decoder::new(file)
            .map_err(|e| Error::Zarr(ZarrError::Storage(format!("{at}: {}: {e}", path.display()))))?;
        let total = block.iter().product();
        let what = format!("{at}: chunk {}", key.as_str());
        Ok(Some(Box::new(ZstdTile { decoder, pos: 0, total, buf: Vec::new(), err: None, what })))
    }
}

/// Tiles of one zstd-compressed chunk, decoded in order.
struct ZstdTile<T> {
    decoder: zstd::stream::read::Decoder<'static, BufReader<File>>,
    /// Elements decoded so far.
    pos: usize,
    /// Elements in the chunk.
    total: usize,
    buf: Vec<T>,
    err: Option<Error>,
    what: String,
}

impl<T: Element> ZstdTile<T> {
    fn corrupt(&self, why: String) -> Error {
        Error::Zarr(ZarrError::Corrupt(format!("{}: {why}", self.what)))
    }
}

impl<T: Element> Tile<T> for ZstdTile<T> {
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        if self.buf.len() < len {
            self.buf.resize(len, T::default());
        }
        if self.err.is_none() {
            if start != self.pos || start + len > self.total {
                self.err = Some(self.corrupt(format!("tile {start}+{len} read out of order (at {})", self.pos)));
            } else {
                let out = &mut self.buf[..len];
                // SAFETY: viewing initialised primitive numeric elements (not bool: `StreamPlan`
                // refuses it) as their bytes (same length in bytes, u8 has alignment 1); any
                // bytes decoded are valid values of these types.
                let bytes =
                    unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, std::mem::size_of_val(out)) };
                if let Err(e) = self.decoder.read_exact(bytes) {
                    self.err = Some(self.corrupt(format!("decodes to fewer bytes than its shape needs ({e})")));
                }
                self.pos = start + len;
            }
        }
        &self.buf[..len]
    }

    fn take_error(&mut self) -> Option<Error> {
        if self.err.is_none() && self.pos == self.total {
            let mut extra = [0u8; 1];
            match self.decoder.read(&mut extra) {
                Ok(0) => {}
                Ok(_) => self.err = Some(self.corrupt("decodes to more bytes than its shape needs".into())),
                Err(e) => self.err = Some(self.corrupt(format!("{e}"))),
            }
        }
        self.err.take()
    }
}
