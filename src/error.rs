//! The one error type of ndchunk.
//!
//! Every fallible call returns [`Result`]; each variant names the problem in words a NumPy user
//! recognises (the messages follow NumPy's where NumPy has one). A panic inside a task never
//! crosses the scheduler: it becomes [`Error::TaskPanicked`] carrying the task's key.
//!
//! The errors of the I/O back ends live here too (re-exported by their modules), so that this
//! bottom layer imports nothing above it.

/// ndchunk's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Shapes that do not fit the operation (wrong size for a reshape, mismatched dot operands...).
    #[error("shape error: {0}")]
    Shape(String),
    /// Operands whose shapes cannot be broadcast together.
    #[error("operands could not be broadcast together with shapes {a:?} and {b:?}")]
    Broadcast { a: Vec<usize>, b: Vec<usize> },
    /// An axis outside `-ndim..ndim` (an axis given twice is [`Error::Value`], as NumPy's
    /// `ValueError: duplicate value in 'axis'`).
    #[error("axis {axis} is out of bounds for array of dimension {ndim}")]
    Axis { axis: isize, ndim: usize },
    /// A chunk specification that does not describe the array.
    #[error("invalid chunks: {0}")]
    Chunks(String),
    /// An element type that does not match (e.g. reading an int dataset as f64).
    #[error("dtype mismatch: {0}")]
    DType(String),
    /// The operation needs block lengths that are unknown (after boolean masking).
    #[error(
        "{op} needs known chunk sizes, but they are unknown (after boolean masking); call compute_chunk_sizes() first"
    )]
    UnknownChunkSizes { op: String },
    /// An index outside an axis.
    #[error("index {index} is out of bounds for axis {axis} with size {size}")]
    Index { index: isize, axis: usize, size: usize },
    /// A reduction with no identity over no elements (`min` of an empty array), or an all-NaN
    /// slice for `nanargmin`/`nanargmax`.
    #[error("{0}")]
    EmptyReduction(String),
    /// An argument value that is not allowed.
    #[error("invalid value: {0}")]
    Value(String),
    /// A linear-algebra failure (singular matrix, not positive definite, unsupported chunking).
    #[error("linear algebra error: {0}")]
    LinAlg(String),
    /// An HDF5 file that cannot be read or written as asked.
    #[error("HDF5: {0}")]
    Hdf5(#[from] Hdf5Error),
    /// A Zarr store or array that cannot be read or written as asked.
    #[error("Zarr: {0}")]
    Zarr(#[from] ZarrError),
    /// An operating-system I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A task panicked; `key` is `(operation-id, block index)`.
    #[error("task {key} panicked: {message}")]
    TaskPanicked { key: String, message: String },
    /// The computation was cancelled by a callback.
    #[error("computation cancelled")]
    Cancelled,
    /// Memory that cannot be had: an allocation that failed, a block or result larger than the
    /// machine's memory, or a graph with more blocks than can be held (NumPy's `MemoryError`).
    #[error("out of memory: {0}")]
    Memory(String),
    /// A single block is larger than the configured memory cap.
    #[error("memory cap of {cap} bytes is smaller than one block of {needed} bytes")]
    MemoryCap { cap: usize, needed: usize },
}

/// `std::result::Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with an HDF5 file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Hdf5Error {
    #[error("no such file: {0}")]
    FileNotFound(String),
    #[error("not a readable HDF5 file: {0}")]
    NotHdf5(String),
    #[error("{path} has no dataset {name}")]
    DatasetNotFound { path: String, name: String },
    #[error("{path}:{name} is a group, not a dataset")]
    NotADataset { path: String, name: String },
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("checksum mismatch: {0}")]
    Checksum(String),
    #[error("unsupported filter: {0}")]
    UnsupportedFilter(String),
    #[error("{0}")]
    Library(String),
}

/// What went wrong with a Zarr store or array (an element type that does not match is
/// [`Error::DType`], a bad argument [`Error::Shape`], [`Error::Value`] or [`Error::Chunks`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZarrError {
    /// No store at the path, or no array metadata (`zarr.json` / `.zarray`) at the array path.
    #[error("not found: {0}")]
    NotFound(String),
    /// Metadata that cannot be parsed or does not describe an array ndchunk can read.
    #[error("invalid metadata: {0}")]
    Metadata(String),
    /// A codec (compressor, filter, storage transformer) that ndchunk's zarrs build cannot run.
    #[error("unsupported codec: {0}")]
    UnsupportedCodec(String),
    /// Stored bytes that do not decode (damaged chunk, truncated shard).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A crc32c checksum that does not match the chunk's bytes.
    #[error("checksum mismatch: {0}")]
    Checksum(String),
    /// The target of a write in `ZarrMode::Create` exists already.
    #[error("{0} exists already (ZarrMode::Overwrite replaces it)")]
    Exists(String),
    /// The store failed to read or write (permissions, disk full, ...).
    #[error("storage: {0}")]
    Storage(String),
    /// Any other error reported by zarrs.
    #[error("{0}")]
    Library(String),
}
