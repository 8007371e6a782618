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
    #[cfg(feature = "mpi")]
    if let Some((rank, _)) = crate::distributed::spmd_ranks() {
        return store_across_ranks(arrays, path, opts, rank);
    }
    let tmp_path = temp_path(path, "tmp");
    // exclusive: a name in use (however unlikely) is an error, never another writer's file
    let file = hdf5::File::create_excl(&tmp_path).map_err(|e| lib_err(&tmp_path, e))?;
    let mut tmp = TempFile { path: tmp_path, keep: false };
    let nodes = write_nodes(arrays, Some(&file), &tmp.path, opts, false)?;
    let plan = Plan::build(&nodes)?;
    crate::scheduler::execute(&plan, &Config::global())?;
    close(plan, nodes, file, &tmp.path)?;
    std::fs::rename(&tmp.path, path)?;
    tmp.keep = true;
    Ok(())
}

/// Close the file once every block is written (the write ops hold its datasets).
fn close(plan: Plan, nodes: Vec<Arc<Node>>, file: hdf5::File, tmp: &Path) -> Result<()> {
    drop(plan);
    drop(nodes);
    file.close().map_err(|e| lib_err(tmp, e))
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
    let mut tmp = None;
    let made = (|| {
        if rank != 0 {
            return write_nodes(arrays, None, path, opts, true).map(|n| (n, None));
        }
        let tmp_path = temp_path(path, "tmp");
        let file = hdf5::File::create_excl(&tmp_path).map_err(|e| lib_err(&tmp_path, e))?;
        let t = tmp.insert(TempFile { path: tmp_path, keep: false });
        let nodes = write_nodes(arrays, Some(&file), &t.path, opts, true)?;
        Ok((nodes, Some(file)))
    })();
    let (nodes, file) = agree_all(made)?;
    let plan = agree_all(Plan::build(&nodes))?;
    run_in_place(&plan, &Config::global())?;
    let done = match (file, tmp.as_mut()) {
        (Some(file), Some(t)) => close(plan, nodes, file, &t.path)
            .and_then(|()| std::fs::rename(&t.path, path).map_err(Error::from))
            .map(|()| t.keep = true),
        _ => Ok(()),
    };
    agree_all(done)
}

/// The write nodes of `arrays`, one per array, with their datasets created in `file` (none on
/// the ranks that do not write); `pinned`: write tasks run on rank 0.
fn write_nodes<T: Element + hdf5::H5Type>(
    arrays: &[(&ChunkedArray<T>, &str)],
    file: Option<&hdf5::File>,
    tmp: &Path,
    opts: &Hdf5Options,
    pinned: bool,
) -> Result<Vec<Arc<Node>>> {
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
                Some(b.shape(shape.clone()).create(*name).map_err(|e| lib_err(tmp, e))?)
            }
            None => None,
        };
        let op = WriteBlocks::<T> { ds, path: tmp.to_path_buf(), on_root: pinned, _t: std::marker::PhantomData };
        nodes.push(Node::value("to-hdf5", vec![a.node().clone()], a.numblocks(), op));
    }
    Ok(nodes)
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
