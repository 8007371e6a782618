//! Writing arrays to Zarr, chunk by chunk as the graph computes them.
//!
//! **One task per stored chunk.** The write node's blocks are the stored chunks (clipped to the
//! array, or to the region written): an array whose blocks do not line up with the stored grid
//! is rechunked to it first ([`aligned_chunks`]), so no two tasks ever write one chunk (or one
//! shard) and a chunk the region covers only in part is read, updated and written back by its
//! one task. Memory stays at a few chunks per worker.
//!
//! **Never a half-written array.** A new array (`ZarrMode::Create`, `ZarrMode::Overwrite`) is
//! written into a temporary directory beside its path, named `.NAME.ndchunk-tmp-…`, chunks
//! first and metadata last, and renamed to its path only when every chunk is written: the path
//! holds either the complete new array or what it held before (in `Overwrite`, the old array is
//! renamed aside, the new one renamed in, and the old one removed; between the two renames the
//! path is briefly absent). A failed or panicking write removes its temporary directory. An
//! append writes the new chunks (all beyond the old shape, and the old last chunk's elements
//! beyond it) before it rewrites the metadata with the new shape: until then readers see the old
//! array, unchanged. A region write changes data in place, chunk by chunk, with the metadata
//! untouched: a failed region write leaves some chunks written and others not (as zarr-python
//! and dask; write to a new array when that matters).
//!
//! **Groups.** The directories above a new array get group metadata (`zarr.json` or `.zgroup`)
//! where they have none, so zarr-python finds the array through `zarr.open_group`. Consolidated
//! metadata (`.zmetadata`, or `consolidated_metadata` in a group's `zarr.json`) in the groups
//! above is updated after the array is in place (see [`super::consolidated`]).
//!
//! The pieces a caller needs to write through a store of its own (a temporary store for an
//! out-of-core rechunk) are [`create_array`] and [`write_node`].

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use zarrs::array::{Array, ArraySubset, CodecOptions};
use zarrs::filesystem::FilesystemStore;
use zarrs::storage::ReadableWritableStorageTraits;

use super::errors;
use super::metadata::MetadataFiles;
use super::options::{ZarrFormat, ZarrMode, ZarrOptions};
use super::source::{describe, dtype_of, node_path, ZarrElement};
use crate::array::ChunkedArray;
use crate::chunks::{ChunkSpec, Chunks, MAX_BLOCKS};
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result, ZarrError};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, Plan, Value};

/// A Zarr array opened for writing.
pub type WriteArray = Array<dyn ReadableWritableStorageTraits>;

/// Block lengths along one axis of `n` elements written at `offset` into chunks of `c`: each
/// block one stored chunk's part of the range. Zero-length axes are one empty block.
fn axis_blocks(offset: usize, n: usize, c: usize) -> Result<Vec<usize>> {
    if n == 0 {
        return Ok(vec![0]);
    }
    let end = offset.checked_add(n).ok_or_else(|| Error::Value("region end overflows".into()))?;
    let count = (end - 1) / c - offset / c + 1;
    if count > MAX_BLOCKS {
        return Err(Error::Memory(format!("{count} chunks along one axis")));
    }
    let mut v = Vec::with_capacity(count);
    let mut pos = offset;
    while pos < end {
        let next = (pos / c).checked_add(1).and_then(|k| k.checked_mul(c)).map_or(end, |b| b.min(end));
        v.push(next - pos);
        pos = next;
    }
    Ok(v)
}

/// The blocks of an array of `shape` written at `offset` into stored chunks `chunk`: one per
/// stored chunk it touches.
pub fn aligned_chunks(shape: &[usize], offset: &[usize], chunk: &[usize]) -> Result<Chunks> {
    let axes: Vec<Vec<usize>> =
        (0..shape.len()).map(|ax| axis_blocks(offset[ax], shape[ax], chunk[ax])).collect::<Result<_>>()?;
    Chunks::checked(axes)
}

/// Writes each block it is given into its place in a Zarr array (the blocks being aligned to
/// the array's chunks, each block is one chunk's part).
struct WriteChunks<T> {
    array: Arc<WriteArray>,
    offset: Vec<usize>,
    at: String,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: ZarrElement> Op for WriteChunks<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let done = || -> Block { Arc::new(Value(ArrayD::<u8>::zeros(IxDyn(&[0])))) };
        let a = as_array::<T>(&inputs[0])?;
        if a.is_empty() {
            return Ok(done());
        }
        let ranges = node.inputs[0].meta().chunks.block_ranges(b);
        let subset: Vec<Range<u64>> =
            ranges.iter().zip(&self.offset).map(|(r, &o)| (r.start + o) as u64..(r.end + o) as u64).collect();
        let subset = ArraySubset::new_with_ranges(&subset);
        let owned;
        let data: &[T] = match a.as_slice() {
            Some(s) => s,
            None => {
                owned = a.iter().cloned().collect::<Vec<T>>();
                &owned
            }
        };
        let opts = CodecOptions::default().with_concurrent_target(1);
        self.array.store_array_subset_opt(&subset, data, &opts).map_err(|e| errors::array(&self.at, e))?;
        Ok(done())
    }
}

/// The node that writes `x` into `array` at `offset` (zeros for a whole new array), one task
/// per stored chunk: `x` is rechunked to the stored grid first when its blocks do not line up.
/// `None` when `x` has no elements (nothing to write). Run it with [`Plan::build`] and the
/// scheduler, then write the metadata.
pub fn write_node<T: ZarrElement>(
    x: &ChunkedArray<T>,
    array: Arc<WriteArray>,
    offset: &[usize],
    chunk: &[usize],
    at: &str,
) -> Result<Option<Arc<Node>>> {
    if x.shape().contains(&0) {
        return Ok(None);
    }
    let want = aligned_chunks(x.shape(), offset, chunk)?;
    let x = if x.chunks() == &want { x.clone() } else { x.rechunk(ChunkSpec::Explicit(want))? };
    let op = WriteChunks::<T> { array, offset: offset.to_vec(), at: at.to_string(), _t: std::marker::PhantomData };
    Ok(Some(Node::value("to-zarr", vec![x.node().clone()], x.numblocks(), op)))
}

/// A new array of `T` and `shape` in chunks `chunk` at the root of a filesystem store at `dir`
/// (metadata not yet written: write the files returned into `dir` after the chunks).
pub fn create_array<T: Element>(
    dir: &Path,
    shape: &[usize],
    chunk: &[usize],
    opts: &ZarrOptions,
) -> Result<(Arc<WriteArray>, MetadataFiles)> {
    let (meta, files) = super::metadata::build(T::DTYPE, shape, chunk, opts)?;
    let at = dir.display().to_string();
    // a new array's directory is invisible until renamed: chunks are flushed once, before that
    let store: Arc<dyn ReadableWritableStorageTraits> = Arc::new(super::fresh_store::FreshStore(
        FilesystemStore::new(dir).map_err(|e| Error::Zarr(ZarrError::Storage(format!("{at}: {e}"))))?,
    ));
    let array = Array::new_with_metadata(store, "/", meta).map_err(|e| errors::create(&at, e))?;
    Ok((Arc::new(array), files))
}

use crate::io::temp_path;

/// A temporary directory this call created: removed when dropped unless it was renamed.
pub(crate) struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// What is left to do once the chunks are written.
pub(crate) enum Finish {
    /// Write the metadata in the temporary directory (flushed to the device first when
    /// `durable`) and rename it to `dest`.
    Rename { tmp: TempDir, dest: PathBuf, files: MetadataFiles, format: ZarrFormat, overwrite: bool, durable: bool },
    /// Rewrite the metadata files in this directory (append: the new shape).
    Metadata(PathBuf, MetadataFiles),
    /// Flush the chunks this MPI rank wrote into rank 0's temporary directory (before rank 0
    /// renames it).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    Sync(PathBuf),
    /// Nothing (region writes).
    Nothing,
}

fn io_err(at: &str, e: std::io::Error) -> Error {
    Error::Zarr(ZarrError::Storage(format!("{at}: {e}")))
}

fn has_metadata(dir: &Path) -> bool {
    ["zarr.json", ".zarray", ".zgroup"].iter().any(|f| dir.join(f).is_file())
}

/// Give the directories from `root` down to `dir`'s parent group metadata where they have none.
fn ensure_groups(root: &Path, dir: &Path, format: ZarrFormat) -> Result<()> {
    let mut ancestors: Vec<&Path> = dir.ancestors().skip(1).take_while(|p| p.starts_with(root)).collect();
    ancestors.reverse();
    for d in ancestors {
        if has_metadata(d) {
            let v3 = std::fs::read_to_string(d.join("zarr.json")).ok();
            let is_array = d.join(".zarray").is_file()
                || v3
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .is_some_and(|m| m["node_type"] == "array");
            if is_array {
                return Err(Error::Value(format!("{} is an array: it cannot hold another array", d.display())));
            }
            continue;
        }
        let (file, text) = match format {
            ZarrFormat::V3 => ("zarr.json", r#"{"zarr_format":3,"node_type":"group","attributes":{}}"#),
            ZarrFormat::V2 => (".zgroup", r#"{"zarr_format":2}"#),
        };
        std::fs::write(d.join(file), text).map_err(|e| io_err(&d.display().to_string(), e))?;
    }
    Ok(())
}

/// Open the existing array at `path` of `store` for an append or a region write.
fn open_existing<T: Element>(store: &Path, path: &str, at: &str) -> Result<Array<dyn ReadableWritableStorageTraits>> {
    let fs: Arc<dyn ReadableWritableStorageTraits> =
        Arc::new(FilesystemStore::new(store).map_err(|e| Error::Zarr(ZarrError::Storage(format!("{at}: {e}"))))?);
    let array = Array::open(fs, path).map_err(|e| errors::create(at, e))?;
    match dtype_of(array.data_type()) {
        Ok(d) if d == T::DTYPE => Ok(array),
        Ok(d) => Err(Error::DType(format!("{at} holds {d}; cannot write {} into it", T::DTYPE))),
        Err(name) => Err(Error::DType(format!("{at} holds {name}; cannot write {} into it", T::DTYPE))),
    }
}

/// Who prepares a write: one process alone (or MPI rank 0, which creates the temporary
/// directory and finishes), or another MPI rank, which writes its chunks into the temporary
/// directory rank 0 created (named here) and only flushes them.
#[derive(Clone, Copy)]
pub(crate) enum Role<'a> {
    Lead,
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    Follow(&'a str),
}

/// Plan the write of `x` to `array_path` of the store at `store`.
pub(crate) fn prepare<T: ZarrElement>(
    x: &ChunkedArray<T>,
    store: &Path,
    array_path: &str,
    opts: &ZarrOptions,
    role: Role,
) -> Result<(Option<Arc<Node>>, Finish)> {
    let path = node_path(array_path);
    let at = errors::at(&store.display().to_string(), &path);
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: format!("writing {at} to Zarr") });
    }
    let shape = x.shape().to_vec();
    let nd = shape.len();
    match &opts.mode {
        ZarrMode::Create | ZarrMode::Overwrite => {
            let chunk: Vec<usize> = match &opts.chunks {
                Some(c) if c.len() == nd && !c.contains(&0) => c.clone(),
                Some(c) => {
                    return Err(Error::Chunks(format!(
                        "Zarr chunk shape {c:?} for an array of shape {shape:?} (one nonzero length per axis)"
                    )))
                }
                None => x.chunks().chunksize().iter().map(|&c| c.max(1)).collect(),
            };
            let dest = store.join(path.trim_start_matches('/'));
            let overwrite = opts.mode == ZarrMode::Overwrite;
            if let Role::Follow(name) = role {
                let tmp = dest.with_file_name(name);
                if !tmp.is_dir() {
                    return Err(io_err(
                        &at,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!("{} (made by rank 0)", tmp.display()),
                        ),
                    ));
                }
                let (array, _) = create_array::<T>(&tmp, &shape, &chunk, opts)?;
                let fin = if opts.durable { Finish::Sync(tmp) } else { Finish::Nothing };
                return Ok((write_node(x, array, &vec![0; nd], &chunk, &at)?, fin));
            }
            if !overwrite
                && dest.exists()
                && (has_metadata(&dest) || std::fs::read_dir(&dest).map_or(true, |mut d| d.next().is_some()))
            {
                return Err(Error::Zarr(ZarrError::Exists(at)));
            }
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_err(&at, e))?;
            }
            let tmp_path = temp_path(&dest, "tmp");
            std::fs::create_dir(&tmp_path).map_err(|e| io_err(&tmp_path.display().to_string(), e))?;
            let tmp = TempDir { path: tmp_path, keep: false };
            let (array, files) = create_array::<T>(&tmp.path, &shape, &chunk, opts)?;
            let node = write_node(x, array, &vec![0; nd], &chunk, &at)?;
            let durable = opts.durable;
            Ok((node, Finish::Rename { tmp, dest, files, format: opts.format, overwrite, durable }))
        }
        ZarrMode::Append { axis } => {
            let mut array = open_existing::<T>(store, &path, &at)?;
            let old: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
            if *axis >= nd.max(1) {
                return Err(Error::Axis { axis: *axis as isize, ndim: nd });
            }
            if old.len() != nd || (0..nd).any(|a| a != *axis && old[a] != shape[a]) {
                return Err(Error::Shape(format!(
                    "cannot append an array of shape {shape:?} to {at} of shape {old:?} along axis {axis}"
                )));
            }
            let mut new = old.clone();
            new[*axis] =
                old[*axis].checked_add(shape[*axis]).ok_or_else(|| Error::Value("appended length overflows".into()))?;
            crate::chunks::check_size(&new, T::DTYPE.itemsize())?;
            let chunk = describe(&array, &at)?.chunks;
            array.set_shape(new.iter().map(|&n| n as u64).collect()).map_err(|e| errors::create(&at, e))?;
            let dir = store.join(path.trim_start_matches('/'));
            let mut files = MetadataFiles::read(&dir)?;
            files.update(&new, &opts.attributes);
            let mut offset = vec![0; nd];
            offset[*axis] = old[*axis];
            let node = write_node(x, Arc::new(array), &offset, &chunk, &at)?;
            Ok((node, if let Role::Lead = role { Finish::Metadata(dir, files) } else { Finish::Nothing }))
        }
        ZarrMode::Region(region) => {
            let array = open_existing::<T>(store, &path, &at)?;
            let have: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
            let fits = region.len() == nd
                && have.len() == nd
                && region
                    .iter()
                    .zip(&shape)
                    .zip(&have)
                    .all(|((r, &n), &len)| r.start <= r.end && r.len() == n && r.end <= len);
            if !fits {
                return Err(Error::Shape(format!(
                    "region {region:?} of {at} (shape {have:?}) does not hold an array of shape {shape:?}"
                )));
            }
            let chunk = describe(&array, &at)?.chunks;
            let offset: Vec<usize> = region.iter().map(|r| r.start).collect();
            let node = write_node(x, Arc::new(array), &offset, &chunk, &at)?;
            Ok((node, Finish::Nothing))
        }
    }
}

/// Finish a write [`prepare`]d and run: metadata, rename into place.
pub(crate) fn finish(f: Finish, store: &Path, at: &str) -> Result<()> {
    match f {
        Finish::Nothing => Ok(()),
        Finish::Sync(dir) => super::fresh_store::sync_dir_tree(&dir).map_err(|e| io_err(at, e)),
        Finish::Metadata(dir, files) => {
            files.write(&dir)?;
            super::consolidated::update(store, &dir)
        }
        Finish::Rename { mut tmp, dest, files, format, overwrite, durable } => {
            files.write(&tmp.path)?;
            let io = |e| io_err(at, e);
            if durable {
                super::fresh_store::sync_dir_tree(&tmp.path).map_err(io)?;
            }
            ensure_groups(store, &dest, format)?;
            if overwrite && dest.exists() {
                let old = temp_path(&dest, "old");
                std::fs::rename(&dest, &old).map_err(io)?;
                if let Err(e) = std::fs::rename(&tmp.path, &dest) {
                    let _ = std::fs::rename(&old, &dest);
                    return Err(io(e));
                }
                tmp.keep = true;
                std::fs::remove_dir_all(&old).map_err(io)?;
            } else {
                // fails (rather than replacing) if another writer created `dest` meanwhile
                std::fs::rename(&tmp.path, &dest).map_err(|e| {
                    if dest.exists() {
                        Error::Zarr(ZarrError::Exists(at.to_string()))
                    } else {
                        io(e)
                    }
                })?;
                tmp.keep = true;
            }
            super::consolidated::update(store, &dest)
        }
    }
}

/// Write several arrays of one element type into the Zarr store (a directory) at `store`, at
/// the array paths of the pairs, in one pass over one graph (inputs they share are computed
/// once). Each array appears complete or not at all (see the module docs; region writes
/// excepted).
///
/// ```no_run
/// use ndchunk::prelude::*;
/// use ndchunk::io::zarr::{store, ZarrOptions};
/// let x = ndchunk::ones::<f64>(&[1000, 1000], [100, 1000])?;
/// let y = &x * 2.0;
/// store(&[(&x, "x"), (&y, "y")], "out.zarr", &ZarrOptions::default())?;
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn store<T: ZarrElement>(
    arrays: &[(&ChunkedArray<T>, &str)],
    store: impl AsRef<Path>,
    opts: &ZarrOptions,
) -> Result<()> {
    let store = store.as_ref();
    #[cfg(feature = "mpi")]
    if let Some((rank, _)) = crate::distributed::spmd_ranks() {
        return store_across_ranks(arrays, store, opts, rank);
    }
    let mut nodes = Vec::new();
    let mut finishes = Vec::new();
    for (x, path) in arrays {
        let (node, fin) = prepare(*x, store, path, opts, Role::Lead)?;
        nodes.extend(node);
        finishes.push((fin, errors::at(&store.display().to_string(), &node_path(path))));
    }
    if !nodes.is_empty() {
        let plan = Plan::build(&nodes)?;
        crate::scheduler::execute(&plan, &Config::global())?;
    }
    drop(nodes);
    for (f, at) in finishes {
        finish(f, store, &at)?;
    }
    Ok(())
}

/// [`store`] under the MPI executor on several ranks: each stored chunk is written by the rank
/// that computes its block. Rank 0 checks the destinations and creates the temporary
/// directories (their names are broadcast); every rank builds the same write graph and writes
/// its own chunks there; once every rank succeeded, rank 0 writes the metadata and renames
/// (or, for an append, rewrites the metadata). A failure on any rank is every rank's `Err`
/// and rank 0 removes the temporary directories: no array is left looking complete. The
/// store must be a directory every rank sees (a shared filesystem).
#[cfg(feature = "mpi")]
fn store_across_ranks<T: ZarrElement>(
    arrays: &[(&ChunkedArray<T>, &str)],
    store: &Path,
    opts: &ZarrOptions,
    rank: usize,
) -> Result<()> {
    use crate::distributed::{agree_all, broadcast_from_root, run_in_place};
    let mut nodes = Vec::new();
    let mut finishes = Vec::new();
    // 1. rank 0 prepares (checks, temporary directories) and names its temporary directories
    let lead = (|| {
        let mut names = String::new();
        if rank == 0 {
            for (x, path) in arrays {
                let (node, fin) = prepare(*x, store, path, opts, Role::Lead)?;
                if let Finish::Rename { tmp, .. } = &fin {
                    names.push_str(&tmp.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
                }
                names.push('\n');
                nodes.extend(node);
                finishes.push((fin, errors::at(&store.display().to_string(), &node_path(path))));
            }
        }
        Ok(names)
    })();
    let names = agree_all(lead)?;
    let names = String::from_utf8_lossy(&broadcast_from_root(names.into_bytes())).into_owned();
    // 2. the other ranks open the same arrays
    if rank != 0 {
        let follow = (|| {
            for ((x, path), name) in arrays.iter().zip(names.split('\n')) {
                let (node, fin) = prepare(*x, store, path, opts, Role::Follow(name))?;
                nodes.extend(node);
                finishes.push((fin, errors::at(&store.display().to_string(), &node_path(path))));
            }
            Ok(())
        })();
        agree_all(follow)?;
    } else {
        agree_all(Ok(()))?;
    }
    // 3. every rank writes the chunks of the blocks it computes
    if !nodes.is_empty() {
        let plan = agree_all(Plan::build(&nodes))?;
        run_in_place(&plan, &Config::global())?;
    }
    drop(nodes);
    // 4. the other ranks flush what they wrote (`Finish::Sync`, when durable), then rank 0 finishes once
    // every rank succeeded
    if rank != 0 {
        agree_all(finishes.drain(..).try_for_each(|(f, at)| finish(f, store, &at)))?;
    } else {
        agree_all(Ok(()))?;
    }
    let done = finishes.into_iter().try_for_each(|(f, at)| finish(f, store, &at));
    agree_all(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_the_stored_grid_from_the_offset() {
        assert_eq!(axis_blocks(0, 10, 4).unwrap(), vec![4, 4, 2]);
        assert_eq!(axis_blocks(3, 10, 4).unwrap(), vec![1, 4, 4, 1]);
        assert_eq!(axis_blocks(4, 4, 4).unwrap(), vec![4]);
        assert_eq!(axis_blocks(5, 2, 4).unwrap(), vec![2]);
        assert_eq!(axis_blocks(0, 0, 4).unwrap(), vec![0]);
        // chunk boundaries near usize::MAX: at 2 * (2^63 - 1) = MAX - 1, and past MAX (overflow)
        assert_eq!(axis_blocks(usize::MAX - 2, 2, usize::MAX / 2).unwrap(), vec![1, 1]);
        assert_eq!(axis_blocks(usize::MAX - 2, 2, usize::MAX / 2 + 1).unwrap(), vec![2]);
        assert!(axis_blocks(usize::MAX, 2, 1).is_err());
        assert!(matches!(axis_blocks(0, usize::MAX, 1), Err(Error::Memory(_))));
    }
}
