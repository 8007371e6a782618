//! Reading a Zarr array's blocks: metadata when the array is opened, chunks inside tasks.
//!
//! The array is opened once (zarrs parses `zarr.json`, or `.zarray`/`.zattrs` for Zarr v2, and
//! builds the codec chain); each task asks zarrs for the region of its block
//! (`retrieve_array_subset`), which reads and decodes the stored chunks (or shards) the block
//! covers, fills chunks missing from the store with the fill value, and clips the last chunk of
//! each axis to the array. A block that is one stored chunk (the default blocks) reads exactly
//! that chunk, so chunks decode in parallel on the scheduler's workers; zarrs' own parallelism
//! inside a chunk is turned off (`concurrent_target = 1`), so a sharded chunk's inner chunks
//! decode one after another in their task and the tasks are what runs in parallel.
//!
//! Nothing the metadata says is trusted with a size: the shape and chunk shape are checked
//! (`check_size`, [`MAX_BLOCKS`](crate::chunks::MAX_BLOCKS)) before any block is planned, and a
//! block's buffer is as large as the block, never as a stored (possibly damaged) chunk says.

use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use zarrs::array::{Array, ArraySubset, CodecOptions};
use zarrs::storage::ReadableStorageTraits;

use super::errors;
use crate::element::{DType, Element};
use crate::error::{Error, Result, ZarrError};
use crate::graph::{Block, Dep, Node, Op};
use crate::memory::size_of_shape;

/// The element types Zarr arrays are read and written as: every ndchunk element type (zarrs'
/// `ElementOwned` is implemented for each).
pub trait ZarrElement: Element + zarrs::array::ElementOwned {}

impl<T: Element + zarrs::array::ElementOwned> ZarrElement for T {}

/// A Zarr array opened for reading, on any readable store (filesystem, HTTP).
pub type ReadArray = Array<dyn ReadableStorageTraits>;

/// What an array is, read once when it is opened ([`info`](super::info)).
#[derive(Clone, Debug, PartialEq)]
pub struct ZarrInfo {
    /// Zarr format: 2 or 3.
    pub zarr_format: u8,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// The element type, when ndchunk reads it (`None`: the data type is named in `data_type`).
    pub dtype: Option<DType>,
    /// The data type as the metadata names it (`float64`, or `<f8` for Zarr v2).
    pub data_type: String,
    /// The stored chunk shape (for a sharded array: the shard shape, the unit of a read or write).
    pub chunks: Vec<usize>,
    /// For a sharded array (Zarr v3 `sharding_indexed`), the inner chunk shape.
    pub subchunks: Option<Vec<usize>>,
    /// The codecs, outermost last, by name (`bytes`, `zstd`, ...; Zarr v2 filters and compressor).
    pub codecs: Vec<String>,
    /// The fill value, as the metadata writes it.
    pub fill_value: serde_json::Value,
    /// Dimension names (Zarr v3 `dimension_names`, or xarray's `_ARRAY_DIMENSIONS` attribute in v2).
    pub dimension_names: Option<Vec<Option<String>>>,
    /// User attributes (`attributes` in zarr.json, `.zattrs` in v2).
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// The element type of a zarrs data type, or its name for the error message.
pub(crate) fn dtype_of(dt: &zarrs::array::DataType) -> std::result::Result<DType, String> {
    use zarrs::array::data_type as d;
    Ok(if dt.is::<d::BoolDataType>() {
        DType::Bool
    } else if dt.is::<d::Int8DataType>() {
        DType::I8
    } else if dt.is::<d::Int16DataType>() {
        DType::I16
    } else if dt.is::<d::Int32DataType>() {
        DType::I32
    } else if dt.is::<d::Int64DataType>() {
        DType::I64
    } else if dt.is::<d::UInt8DataType>() {
        DType::U8
    } else if dt.is::<d::UInt16DataType>() {
        DType::U16
    } else if dt.is::<d::UInt32DataType>() {
        DType::U32
    } else if dt.is::<d::UInt64DataType>() {
        DType::U64
    } else if dt.is::<d::Float32DataType>() {
        DType::F32
    } else if dt.is::<d::Float64DataType>() {
        DType::F64
    } else {
        return Err(dt.to_string());
    })
}

/// `"/a/b"` from `"a/b"`, `"/a/b/"`, `""` or `"/"` (zarrs' node paths start with `/`).
pub(crate) fn node_path(array_path: &str) -> String {
    let p = array_path.trim_matches('/');
    format!("/{p}")
}

fn usizes(v: &serde_json::Value) -> Option<Vec<usize>> {
    v.as_array()?.iter().map(|x| x.as_u64().and_then(|x| usize::try_from(x).ok())).collect()
}

fn names(v: &serde_json::Value) -> Option<Vec<Option<String>>> {
    Some(v.as_array()?.iter().map(|x| x.as_str().map(str::to_string)).collect())
}

/// Describe an opened array from its metadata.
pub(crate) fn describe<S: ?Sized>(array: &Array<S>, at: &str) -> Result<ZarrInfo> {
    let meta = serde_json::to_value(array.metadata())
        .map_err(|e| Error::Zarr(ZarrError::Metadata(format!("{at}: metadata does not serialise: {e}"))))?;
    let bad = |what: &str| Error::Zarr(ZarrError::Metadata(format!("{at}: {what}")));
    let shape = usizes(&meta["shape"]).ok_or_else(|| bad("shape is not a list of sizes"))?;
    let v3 = meta["zarr_format"].as_u64() == Some(3);
    let (chunks, codecs, subchunks, data_type, dims, attributes) = if v3 {
        let grid = &meta["chunk_grid"];
        if grid["name"].as_str() != Some("regular") {
            return Err(bad(&format!("chunk grid {} is not \"regular\" (the only grid ndchunk reads)", grid["name"])));
        }
        let chunks = usizes(&grid["configuration"]["chunk_shape"]).ok_or_else(|| bad("chunk_shape is not a list"))?;
        let list = meta["codecs"].as_array().cloned().unwrap_or_default();
        let codecs: Vec<String> = list.iter().filter_map(|c| c["name"].as_str().map(str::to_string)).collect();
        let subchunks = list
            .iter()
            .find(|c| c["name"].as_str() == Some("sharding_indexed"))
            .and_then(|c| usizes(&c["configuration"]["chunk_shape"]));
        let data_type = match &meta["data_type"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let attributes = meta["attributes"].as_object().cloned().unwrap_or_default();
        (chunks, codecs, subchunks, data_type, names(&meta["dimension_names"]), attributes)
    } else {
        let chunks = usizes(&meta["chunks"]).ok_or_else(|| bad("chunks is not a list"))?;
        let mut codecs: Vec<String> = meta["filters"]
            .as_array()
            .map(|f| f.iter().filter_map(|c| c["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        if let Some(c) = meta["compressor"]["id"].as_str() {
            codecs.push(c.to_string());
        }
        let attributes = meta["attributes"].as_object().cloned().unwrap_or_default();
        let dims = attributes.get("_ARRAY_DIMENSIONS").and_then(names);
        let data_type = match &meta["dtype"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (chunks, codecs, None, data_type, dims, attributes)
    };
    if chunks.len() != shape.len() || chunks.contains(&0) {
        return Err(Error::Zarr(ZarrError::Metadata(format!(
            "{at}: chunk shape {chunks:?} does not fit an array of shape {shape:?}"
        ))));
    }
    Ok(ZarrInfo {
        zarr_format: if v3 { 3 } else { 2 },
        shape,
        dtype: dtype_of(array.data_type()).ok(),
        data_type,
        chunks,
        subchunks,
        codecs,
        fill_value: meta["fill_value"].clone(),
        dimension_names: dims,
        attributes,
    })
}

/// Reads blocks of an array.
pub struct ZarrRead<T> {
    pub(crate) array: Arc<ReadArray>,
    /// `store:array`, for messages and the node key.
    pub(crate) at: String,
    /// Whole chunks streamed into fused consumers, when the array qualifies.
    pub(crate) stream: Option<super::stream::StreamPlan>,
    pub(crate) _t: PhantomData<fn() -> T>,
}

impl<T: ZarrElement> ZarrRead<T> {
    /// The elements of `ranges` of the array (C order).
    fn read(&self, ranges: &[Range<usize>]) -> Result<ArrayD<T>> {
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let n = size_of_shape(&shape, "a block")?;
        if n == 0 {
            return ArrayD::from_shape_vec(IxDyn(&shape), Vec::new()).map_err(|e| Error::Shape(e.to_string()));
        }
        let r64: Vec<Range<u64>> = ranges.iter().map(|r| r.start as u64..r.end as u64).collect();
        let subset = ArraySubset::new_with_ranges(&r64);
        let opts = CodecOptions::default().with_concurrent_target(1);
        let data: Vec<T> =
            self.array.retrieve_array_subset_opt(&subset, &opts).map_err(|e| errors::array(&self.at, e))?;
        if data.len() != n {
            return Err(Error::Zarr(ZarrError::Corrupt(format!(
                "{}: a block of shape {shape:?} decoded to {} elements",
                self.at,
                data.len()
            ))));
        }
        ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| Error::Shape(format!("{}: {e}", self.at)))
    }
}

impl<T: ZarrElement> Op for ZarrRead<T> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}

    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let ranges = node.meta().chunks.block_ranges(b);
        Ok(Arc::new(self.read(&ranges)?.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("zarr:{}", self.at))
    }

    fn elementwise(&self) -> Option<&dyn crate::ops::elementwise::Elementwise> {
        Some(self)
    }
}

impl<T: ZarrElement> crate::ops::elementwise::Elementwise for ZarrRead<T> {
    fn build(
        &self,
        node: &Node,
        b: &[usize],
        _: Vec<Box<dyn std::any::Any>>,
        shape: &[usize],
    ) -> Result<Box<dyn std::any::Any>> {
        let ranges = node.meta().chunks.block_ranges(b);
        if let Some(plan) = &self.stream {
            if let Some(tile) = plan.tile::<T>(&self.array, &self.at, &ranges, shape)? {
                let tile: crate::ops::elementwise::BoxTile<T> = tile;
                return Ok(Box::new(tile));
            }
        }
        // otherwise a chunk decodes whole: read the block and serve it as tiles
        let blk: Block = Arc::new(self.read(&ranges)?.into_shared());
        crate::ops::elementwise::leaf_fn::<T>(&blk, shape)
    }

    fn finish(&self, tile: Box<dyn std::any::Any>, shape: &[usize]) -> Result<Block> {
        crate::ops::elementwise::finish_tile::<T>(tile, shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_paths_start_with_one_slash() {
        assert_eq!(node_path(""), "/");
        assert_eq!(node_path("/"), "/");
        assert_eq!(node_path("a/b"), "/a/b");
        assert_eq!(node_path("/a/b/"), "/a/b");
    }
}
