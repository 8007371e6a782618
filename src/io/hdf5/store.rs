//! Writing arrays to a new HDF5 file, block by block, atomically.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::source::lib_err;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, Plan, Value};

/// Options of [`store`] and `to_hdf5_with`.
#[derive(Clone, Debug, Default)]
pub struct Hdf5Options {
    /// gzip (deflate) level 0–9; `None` writes uncompressed chunks.
    pub gzip: Option<u8>,
    /// Byte-shuffle before compression (helps gzip on numeric data).
    pub shuffle: bool,
    /// Chunk shape of the dataset; default: the array's block shape.
    pub chunks: Option<Vec<usize>>,
}

impl Hdf5Options {
    /// gzip at `level` with shuffle, the usual choice for numeric data.
    pub fn gzip(level: u8) -> Self {
        Hdf5Options { gzip: Some(level), shuffle: true, chunks: None }
    }
}

/// Writes each block it is given into its place in a dataset.
struct WriteBlocks<T> {
    ds: hdf5::Dataset,
    path: PathBuf,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: Element + hdf5::H5Type> Op for WriteBlocks<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = as_array::<T>(&inputs[0])?;
        let ranges = node.inputs[0].meta().chunks.block_ranges(b);
        if a.is_empty() {
            return Ok(Arc::new(Value(ArrayD::<u8>::zeros(IxDyn(&[0])))));
        }
        let owned;
        let view = if a.is_standard_layout() {
            a.view()
        } else {
            owned = a.as_standard_layout().into_owned();
            owned.view()
        };
        if ranges.is_empty() {
            self.ds.write(view).map_err(|e| lib_err(&self.path, e))?;
        } else {
            let sel: Vec<hdf5::SliceOrIndex> = ranges.iter().map(|r| hdf5::SliceOrIndex::from(r.clone())).collect();
            let sel = hdf5::Selection::from(hdf5::Hyperslab::from(sel));
            self.ds.write_slice(view, sel).map_err(|e| lib_err(&self.path, e))?;
        }
        Ok(Arc::new(Value(ArrayD::<u8>::zeros(IxDyn(&[0])))))
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.ndchunk-tmp-{}", std::process::id()))
}

/// Write several arrays of one element type into one new HDF5 file at `path`, as datasets
/// named by the pairs, in one graph (inputs they share are computed once). The file appears
/// complete at `path` or not at all: it is written under a temporary name and renamed.
///
/// ```no_run
/// use ndchunk::prelude::*;
/// use ndchunk::io::hdf5::{store, Hdf5Options};
/// let x = ndchunk::ones::<f64>(&[1000, 1000], [100, 1000])?;
/// let y = &x * 2.0;
/// store(&[(&x, "/x"), (&y, "/y")], "out.h5", &Hdf5Options::gzip(4))?;
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn store<T: Element + hdf5::H5Type>(
    arrays: &[(&ChunkedArray<T>, &str)],
    path: impl AsRef<Path>,
    opts: &Hdf5Options,
) -> Result<()> {
    let path = path.as_ref();
    for (a, name) in arrays {
        if !a.chunks().is_known() {
            return Err(Error::UnknownChunkSizes { op: format!("writing {name} to HDF5") });
        }
    }
    let tmp = temp_path(path);
    let result = write_all(arrays, &tmp, opts);
    match result {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::Io(e)
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn write_all<T: Element + hdf5::H5Type>(
    arrays: &[(&ChunkedArray<T>, &str)],
    tmp: &Path,
    opts: &Hdf5Options,
) -> Result<()> {
    let file = hdf5::File::create(tmp).map_err(|e| lib_err(tmp, e))?;
    let mut nodes = Vec::new();
    for (a, name) in arrays {
        let shape = a.shape().to_vec();
        let chunk: Vec<usize> = match &opts.chunks {
            Some(c) if c.len() == shape.len() => c.clone(),
            Some(c) => {
                return Err(Error::Chunks(format!("HDF5 chunk shape {c:?} for an array of shape {shape:?}")));
            }
            None => a.chunks().chunksize(),
        };
        let chunk: Vec<usize> = chunk.iter().zip(&shape).map(|(&c, &n)| c.min(n).max(1)).collect();
        let mut b = file.new_dataset::<T>();
        let chunked = !shape.is_empty() && !shape.contains(&0);
        if chunked {
            b = b.chunk(chunk.clone());
            if opts.shuffle {
                b = b.shuffle();
            }
            if let Some(level) = opts.gzip {
                b = b.deflate(level.min(9));
            }
        }
        let ds = b.shape(shape.clone()).create(*name).map_err(|e| lib_err(tmp, e))?;
        let op = WriteBlocks::<T> { ds, path: tmp.to_path_buf(), _t: std::marker::PhantomData };
        nodes.push(Node::value("to-hdf5", vec![a.node().clone()], a.numblocks(), op));
    }
    let plan = Plan::build(&nodes)?;
    crate::scheduler::execute(&plan, &Config::global())?;
    drop(plan);
    drop(nodes);
    file.close().map_err(|e| lib_err(tmp, e))?;
    Ok(())
}
