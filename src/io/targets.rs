//! Several outputs, HDF5 and Zarr, written in one pass: [`store_targets`], like
//! `dask.array.store(sources, targets)`.
//!
//! `ndchunk::store` (= [`crate::io::hdf5::store`]) writes arrays of one element type into one
//! HDF5 file, and [`crate::io::zarr::store()`] arrays of one element type into one Zarr store.
//! `store_targets` takes any mix: each array (of any element type ndchunk writes to both
//! formats) with its own [`StoreTarget`], an HDF5 dataset or a Zarr array, each with its own
//! options. Every write node goes into ONE graph run by one scheduler pass, so inputs the
//! arrays share are computed once (a file read once, a common subexpression evaluated once),
//! as in dask, where `da.store([a, b], [h5_dataset, zarr_array])` computes `a` and `b` together.
//!
//! **Atomicity, per output.** Each HDF5 file (all targets naming one path go into one new file,
//! replacing what was there) is written under a temporary name and renamed into place; each new
//! Zarr array is written into a temporary directory and renamed into place; appends rewrite
//! their metadata last (see [`crate::io::zarr::store()`](mod@crate::io::zarr::store)). Nothing is
//! renamed before every chunk of every output is written: a failing compute leaves every target
//! as it was. The renames themselves happen one after another (HDF5 files first, then Zarr
//! arrays), so an I/O error in one of them can leave earlier outputs written and later ones not.
//!
//! **Element types.** bool, i8..i64, u8..u64, f32, f64 (the types both formats hold). Complex
//! arrays are written to Zarr with [`crate::io::zarr::store()`] or `to_zarr`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{Node, Plan};
use crate::io::hdf5::Hdf5Options;
use crate::io::zarr::{ZarrElement, ZarrOptions};

/// Where [`store_targets`] writes one array.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StoreTarget {
    /// Dataset `dataset` of a new HDF5 file at `path` (targets naming one path share the file).
    Hdf5 { path: PathBuf, dataset: String, options: Hdf5Options },
    /// The array at `array_path` of the Zarr store (a directory) at `store`, written as
    /// `options` say (mode, chunks, codecs, ...; see [`ZarrOptions`]).
    Zarr { store: PathBuf, array_path: String, options: ZarrOptions },
}

impl StoreTarget {
    /// Dataset `dataset` of a new HDF5 file at `path`, chunked like the array, uncompressed.
    pub fn hdf5(path: impl AsRef<Path>, dataset: &str) -> StoreTarget {
        Self::hdf5_with(path, dataset, Hdf5Options::default())
    }

    /// [`hdf5`](Self::hdf5) with options (gzip level, shuffle, chunk shape).
    pub fn hdf5_with(
        path: impl AsRef<Path>,
        dataset: &str,
        options: impl std::borrow::Borrow<Hdf5Options>,
    ) -> StoreTarget {
        StoreTarget::Hdf5 {
            path: path.as_ref().to_path_buf(),
            dataset: dataset.to_string(),
            options: options.borrow().clone(),
        }
    }

    /// The array at `array_path` of the Zarr store at `store` (`options`: a `ZarrOptions` or a
    /// reference to one).
    pub fn zarr(
        store: impl AsRef<Path>,
        array_path: &str,
        options: impl std::borrow::Borrow<ZarrOptions>,
    ) -> StoreTarget {
        StoreTarget::Zarr {
            store: store.as_ref().to_path_buf(),
            array_path: array_path.to_string(),
            options: options.borrow().clone(),
        }
    }

    /// What two targets that write the same thing have in common.
    fn identity(&self) -> (bool, PathBuf, String) {
        let name = |p: &str| format!("/{}", p.trim_matches('/'));
        match self {
            StoreTarget::Hdf5 { path, dataset, .. } => (false, path.clone(), name(dataset)),
            StoreTarget::Zarr { store, array_path, .. } => (true, store.clone(), name(array_path)),
        }
    }
}

mod sealed {
    use super::*;

    /// What a Zarr write leaves to do after the compute.
    pub struct Pending(pub(crate) crate::io::zarr::store::Finish, pub(crate) String);

    /// The writers of one array, whatever its element type.
    pub trait Sealed {
        fn check_known(&self, name: &str) -> Result<()>;
        fn hdf5_node(&self, file: &hdf5::File, dataset: &str, tmp: &Path, opts: &Hdf5Options) -> Result<Arc<Node>>;
        fn zarr_node(&self, store: &Path, array_path: &str, opts: &ZarrOptions)
            -> Result<(Option<Arc<Node>>, Pending)>;
    }
}

/// An array [`store_targets`] can write: `ChunkedArray<T>` for bool, integers, f32 and f64.
pub trait StoreSource: sealed::Sealed {}

impl<T: Element + ZarrElement + hdf5::H5Type> sealed::Sealed for ChunkedArray<T> {
    fn check_known(&self, name: &str) -> Result<()> {
        crate::io::hdf5::store::check_known(self, name)
    }

    fn hdf5_node(&self, file: &hdf5::File, dataset: &str, tmp: &Path, opts: &Hdf5Options) -> Result<Arc<Node>> {
        crate::io::hdf5::store::dataset_node(self, file, dataset, tmp, opts)
    }

    fn zarr_node(
        &self,
        store: &Path,
        array_path: &str,
        opts: &ZarrOptions,
    ) -> Result<(Option<Arc<Node>>, sealed::Pending)> {
        let (node, finish) =
            crate::io::zarr::store::prepare(self, store, array_path, opts, crate::io::zarr::store::Role::Lead)?;
        let at =
            crate::io::zarr::errors::at(&store.display().to_string(), &crate::io::zarr::source::node_path(array_path));
        Ok((node, sealed::Pending(finish, at)))
    }
}

impl<T: Element + ZarrElement + hdf5::H5Type> StoreSource for ChunkedArray<T> {}

/// Write each array to its target, HDF5 datasets and Zarr arrays alike, in one pass over one
/// graph (inputs the arrays share are computed once), as `dask.array.store(sources, targets)`.
/// Arrays may have different element types. Targets naming one HDF5 path become datasets of one
/// new file. Each output appears complete or not at all (see the [module docs](self)).
///
/// ```no_run
/// use ndchunk::prelude::*;
/// use ndchunk::{store_targets, StoreTarget, ZarrOptions};
/// let x = ChunkedArray::<f64>::from_hdf5("in.h5", "/data")?;
/// let mean = x.mean(Some(0))?;
/// let mask = x.gt(0.0)?;
/// store_targets(&[
///     (&x, StoreTarget::zarr("out.zarr", "data", ZarrOptions::default())),
///     (&mean, StoreTarget::hdf5("summary.h5", "/mean")),
///     (&mask, StoreTarget::hdf5("summary.h5", "/positive")),
/// ])?;   // in.h5 is read once
/// # Ok::<(), ndchunk::Error>(())
/// ```
///
/// Errors: two targets writing the same dataset or Zarr array are an [`Error::Value`]; an array
/// with unknown block lengths is [`Error::UnknownChunkSizes`]; otherwise the errors of
/// [`crate::io::hdf5::store`] and [`crate::io::zarr::store()`](fn@crate::io::zarr::store).
pub fn store_targets(items: &[(&dyn StoreSource, StoreTarget)]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (a, t) in items {
        let id = t.identity();
        if !seen.insert(id.clone()) {
            let what = if id.0 { "Zarr array" } else { "HDF5 dataset" };
            return Err(Error::Value(format!("two targets write the {what} {}:{}", id.1.display(), id.2)));
        }
        if let StoreTarget::Hdf5 { dataset, .. } = t {
            a.check_known(dataset)?;
        }
    }
    // across MPI ranks the single-format writers are distributed (`io::zarr::store` writes
    // on the chunks' owners, `io::hdf5::store` through rank 0); mixing them in one pass is not yet
    #[cfg(feature = "mpi")]
    if crate::distributed::spmd_ranks().is_some() {
        return Err(Error::Value(
            "store_targets on several MPI ranks is not distributed yet: use io::zarr::store and \
             io::hdf5::store (or to_zarr / to_hdf5), which are, or Executor::Local"
                .into(),
        ));
    }
    let mut files: Vec<crate::io::hdf5::store::NewFile> = Vec::new();
    let mut file_paths: Vec<PathBuf> = Vec::new();
    let mut nodes = Vec::new();
    let mut pending = Vec::new();
    for (a, t) in items {
        match t {
            StoreTarget::Hdf5 { path, dataset, options } => {
                let i = match file_paths.iter().position(|p| p == path) {
                    Some(i) => i,
                    None => {
                        files.push(crate::io::hdf5::store::NewFile::create(path)?);
                        file_paths.push(path.clone());
                        files.len() - 1
                    }
                };
                let f = &files[i];
                nodes.push(a.hdf5_node(&f.file, dataset, f.tmp_path(), options)?);
            }
            StoreTarget::Zarr { store, array_path, options } => {
                let (node, p) = a.zarr_node(store, array_path, options)?;
                nodes.extend(node);
                pending.push((p, store.clone()));
            }
        }
    }
    if !nodes.is_empty() {
        let plan = Plan::build(&nodes)?;
        crate::scheduler::execute(&plan, &Config::global())?;
    }
    drop(nodes);
    for f in files {
        f.commit()?;
    }
    for (sealed::Pending(finish, at), store) in pending {
        crate::io::zarr::store::finish(finish, &store, &at)?;
    }
    Ok(())
}
