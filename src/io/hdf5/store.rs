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

/// Writes each block it is given into its place in a dataset. Across MPI ranks, the dataset is
/// open on rank 0 only (`ds` is `None` elsewhere) and every write task is pinned there.
struct WriteBlocks<T> {
    ds: Option<hdf5::Dataset>,
    path: PathBuf,
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    on_root: bool,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: Element + hdf5::H5Type> Op for WriteBlocks<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let a = as_array::<T>(&inputs[0])?;
        let ranges = node.inputs[0].meta().chunks.block_ranges(b);
        let ds =
            self.ds.as_ref().ok_or_else(|| Error::Value("internal: the HDF5 file is open on rank 0 only".into()))?;
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
            ds.write(view).map_err(|e| lib_err(&self.path, e))?;
        } else {
            let sel: Vec<hdf5::SliceOrIndex> = ranges.iter().map(|r| hdf5::SliceOrIndex::from(r.clone())).collect();
            let sel = hdf5::Selection::from(hdf5::Hyperslab::from(sel));
            ds.write_slice(view, sel).map_err(|e| lib_err(&self.path, e))?;
        }
        Ok(Arc::new(Value(ArrayD::<u8>::zeros(IxDyn(&[0])))))
    }
    #[cfg(feature = "mpi")]
    fn home(&self, _block: usize) -> Option<u32> {
        self.on_root.then_some(0)
    }
}

use crate::io::temp_path;

/// A temporary file this call created: removed when dropped unless it was renamed into place,
/// so no temporary is left behind by an error, nor by a panic unwinding through `store`.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Write several arrays of one element type into one new HDF5 file at `path`, as datasets
/// named by the pairs, in one graph (inputs they share are computed once). The file appears
/// complete at `path` or not at all: it is written under a temporary name and renamed.
/// (Arrays of several element types, and HDF5 and Zarr outputs together: [`crate::store_targets`].)
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
        check_known(a, name)?;
    }
    #[cfg(feature = "mpi")]
    if let Some((rank, _)) = crate::distributed::spmd_ranks() {
        return store_across_ranks(arrays, path, opts, rank);
    }
    let out = NewFile::create(path)?;
    let mut nodes = Vec::new();
    for (a, name) in arrays {
        nodes.push(dataset_node(a, &out.file, name, &out.tmp.path, opts)?);
    }
    let plan = Plan::build(&nodes)?;
    crate::scheduler::execute(&plan, &Config::global())?;
    drop(plan);
    drop(nodes);
    out.commit()
}

/// [`store`] under the MPI executor on several ranks: one writer, rank 0. Rank 0 creates the
/// temporary file and its datasets; every rank builds the same write graph, whose write tasks
/// are pinned to rank 0, so the blocks computed elsewhere are sent there as they are produced
/// (in the round after the one that computed them) and written as they arrive; rank 0 renames
/// the file into place once every rank succeeded. Any rank's failure is every rank's `Err`,
/// and the temporary file is removed.
#[cfg(feature = "mpi")]
fn store_across_ranks<T: Element + hdf5::H5Type>(
    arrays: &[(&ChunkedArray<T>, &str)],
    path: &Path,
    opts: &Hdf5Options,
    rank: usize,
) -> Result<()> {
    use crate::distributed::{agree_all, run_in_place};
    let made = (|| {
        let out = if rank == 0 { Some(NewFile::create(path)?) } else { None };
        let mut nodes = Vec::new();
        for (a, name) in arrays {
            let file = out.as_ref().map(|o| &o.file);
            let tmp = out.as_ref().map(|o| o.tmp.path.as_path()).unwrap_or(path);
            nodes.push(dataset_node_on(a, file, name, tmp, opts, true)?);
        }
        Ok((nodes, out))
    })();
    let (nodes, out) = agree_all(made)?;
    let plan = agree_all(Plan::build(&nodes))?;
    run_in_place(&plan, &Config::global())?;
    drop(plan);
    drop(nodes);
    agree_all(out.map_or(Ok(()), NewFile::commit))
}

/// `Error::UnknownChunkSizes` when `a` cannot be written (its block lengths are unknown).
pub(crate) fn check_known<T: Element>(a: &ChunkedArray<T>, name: &str) -> Result<()> {
    if !a.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: format!("writing {name} to HDF5") });
    }
    Ok(())
}

/// A new HDF5 file being written under a temporary name beside its destination.
pub(crate) struct NewFile {
    pub(crate) file: hdf5::File,
    tmp: TempFile,
    dest: PathBuf,
}

impl NewFile {
    /// Create the temporary file for `dest` (exclusively: a name in use, however unlikely, is an
    /// error, never another writer's file).
    pub(crate) fn create(dest: &Path) -> Result<NewFile> {
        let tmp_path = temp_path(dest, "tmp");
        let file = hdf5::File::create_excl(&tmp_path).map_err(|e| lib_err(&tmp_path, e))?;
        Ok(NewFile { file, tmp: TempFile { path: tmp_path, keep: false }, dest: dest.to_path_buf() })
    }

    /// The temporary file's path (for error messages of the writes into it).
    pub(crate) fn tmp_path(&self) -> &Path {
        &self.tmp.path
    }

    /// Close the file (every dataset handle must be dropped) and rename it over its destination.
    pub(crate) fn commit(self) -> Result<()> {
        let NewFile { file, mut tmp, dest } = self;
        file.close().map_err(|e| lib_err(&tmp.path, e))?;
        std::fs::rename(&tmp.path, &dest)?;
        tmp.keep = true;
        Ok(())
    }
}

/// A new dataset `name` in `file` for `a`, and the node that writes `a` into it block by block.
pub(crate) fn dataset_node<T: Element + hdf5::H5Type>(
    a: &ChunkedArray<T>,
    file: &hdf5::File,
    name: &str,
    tmp: &Path,
    opts: &Hdf5Options,
) -> Result<Arc<Node>> {
    dataset_node_on(a, Some(file), name, tmp, opts, false)
}

/// [`dataset_node`] where the file may be open on another rank only (`file` is `None` here):
/// `pinned` makes every write task run on rank 0, which holds the file.
fn dataset_node_on<T: Element + hdf5::H5Type>(
    a: &ChunkedArray<T>,
    file: Option<&hdf5::File>,
    name: &str,
    tmp: &Path,
    opts: &Hdf5Options,
    pinned: bool,
) -> Result<Arc<Node>> {
    let shape = a.shape().to_vec();
    let chunk: Vec<usize> = match &opts.chunks {
        Some(c) if c.len() == shape.len() => c.clone(),
        Some(c) => {
            return Err(Error::Chunks(format!("HDF5 chunk shape {c:?} for an array of shape {shape:?}")));
        }
        None => a.chunks().chunksize(),
    };
    let chunk: Vec<usize> = chunk.iter().zip(&shape).map(|(&c, &n)| c.min(n).max(1)).collect();
    let ds = match file {
        Some(file) => {
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
            Some(b.shape(shape.clone()).create(name).map_err(|e| lib_err(tmp, e))?)
        }
        None => None,
    };
    let op = WriteBlocks::<T> { ds, path: tmp.to_path_buf(), on_root: pinned, _t: std::marker::PhantomData };
    Ok(Node::value("to-hdf5", vec![a.node().clone()], a.numblocks(), op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_differ_per_call_and_per_thread() {
        let p = Path::new("/some/dir/out.h5");
        let names: Vec<PathBuf> = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..4).map(|_| s.spawn(|| (0..50).map(|_| temp_path(p, "tmp")).collect::<Vec<_>>())).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let distinct: std::collections::HashSet<&PathBuf> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        for n in &names {
            assert_eq!(n.parent(), p.parent());
            let f = n.file_name().unwrap().to_string_lossy();
            assert!(f.starts_with(".out.h5.ndchunk-tmp-") && f.contains(&std::process::id().to_string()), "{f}");
        }
    }

    #[test]
    fn a_dropped_temporary_is_removed_unless_kept() {
        let dir = std::env::temp_dir().join(format!("ndchunk-tmpfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        drop(TempFile { path: a.clone(), keep: false });
        drop(TempFile { path: b.clone(), keep: true });
        assert!(!a.exists() && b.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
