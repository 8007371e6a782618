//! Reading a dataset's blocks: metadata eagerly, data inside tasks.
//!
//! For a chunked dataset whose filters we can decode, a block is one file chunk: the chunk's
//! address, size and filter mask are looked up under libhdf5's lock
//! (`H5Dget_chunk_info_by_coord`, a B-tree lookup), the stored bytes are read with a positional
//! read (`pread`) and decoded in the task, outside the lock, so many chunks decode in parallel.
//! An unfiltered chunk is read straight into the block's buffer. A contiguous dataset is read
//! with one `pread` per row of each block. Anything else (other filters, chunks never written,
//! odd layouts) goes through the library's own read, under its lock.
//!
//! Nothing the file says is trusted with a size: shapes, chunk shapes and the filter pipeline
//! are checked when the dataset is opened ([`DatasetInfo::open`]), a chunk's address and stored
//! size are checked against the file's length before a buffer is allocated for them, offsets
//! are computed with checked arithmetic, and buffers are allocated fallibly
//! ([`crate::memory`]).

use std::fs::File;
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hdf5::types::{EnumType, FloatSize, IntSize, TypeDescriptor};
use ndarray::{ArrayD, IxDyn, Slice};

use super::filters::{self, decode, describe, pipeline, skipped, Decode, FilterInfo};
use super::Hdf5Error;
use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::graph::{Block, Dep, Node, Op};
use crate::memory::{bytes_of, check_fits, size_of_shape, try_vec};

/// What a dataset is, read once when the array is created.
#[derive(Clone)]
pub struct DatasetInfo {
    pub path: PathBuf,
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub big_endian: bool,
    /// The file's chunk shape (`None`: contiguous or compact).
    pub chunk: Option<Vec<usize>>,
    /// Decodable filter pipeline (`None`: some filter needs libhdf5).
    pub pipeline: Option<Vec<Decode>>,
    /// The dataset's filters, as the file records them.
    pub filters: Vec<FilterInfo>,
    /// Filters of the pipeline that this libhdf5 cannot run (only ones ndchunk decodes itself:
    /// a dataset with any other is refused when opened).
    pub missing: Vec<FilterInfo>,
    /// File address of a contiguous dataset's data.
    pub contiguous_offset: Option<u64>,
    /// Size of the file's user block: chunk addresses are relative to its end.
    pub userblock: u64,
}

/// Open dataset `name` of the HDF5 file at `path`, with typed errors for a missing file, a file
/// that is not HDF5, a missing dataset and a group.
pub(crate) fn open_dataset(path: &Path, name: &str) -> Result<hdf5::Dataset> {
    if !path.exists() {
        return Err(Error::Hdf5(Hdf5Error::FileNotFound(path.display().to_string())));
    }
    let file =
        hdf5::File::open(path).map_err(|e| Error::Hdf5(Hdf5Error::NotHdf5(format!("{}: {e}", path.display()))))?;
    match file.dataset(name) {
        Ok(ds) => Ok(ds),
        Err(e) => Err(Error::Hdf5(if file.group(name).is_ok() {
            Hdf5Error::NotADataset { path: path.display().to_string(), name: name.into() }
        } else if !file.link_exists(name.trim_start_matches('/')) && !file.link_exists(name) {
            Hdf5Error::DatasetNotFound { path: path.display().to_string(), name: name.into() }
        } else {
            Hdf5Error::Library(format!("{}:{name}: {e}", path.display()))
        })),
    }
}

/// h5py's bool: a one-byte enum whose members are exactly `FALSE = 0` and `TRUE = 1`.
fn is_bool_enum(e: &EnumType) -> bool {
    e.size == IntSize::U1
        && e.members.len() == 2
        && e.members.iter().any(|m| m.name == "FALSE" && m.value == 0)
        && e.members.iter().any(|m| m.name == "TRUE" && m.value == 1)
}

/// `enum {RED: 1, GREEN: 2} of int8`, for messages.
fn describe_enum(e: &EnumType) -> String {
    let members: Vec<String> = e
        .members
        .iter()
        .map(|m| {
            // the raw value sits in the low `size` bytes: sign-extend it for a signed base
            let v = match (e.signed, e.size) {
                (true, IntSize::U1) => i128::from(m.value as u8 as i8),
                (true, IntSize::U2) => i128::from(m.value as u16 as i16),
                (true, IntSize::U4) => i128::from(m.value as u32 as i32),
                (true, IntSize::U8) => i128::from(m.value as i64),
                (false, _) => i128::from(m.value),
            };
            format!("{}: {v}", m.name)
        })
        .collect();
    let bits = match e.size {
        IntSize::U1 => 8,
        IntSize::U2 => 16,
        IntSize::U4 => 32,
        IntSize::U8 => 64,
    };
    format!("an enum {{{}}} of {}int{bits}", members.join(", "), if e.signed { "" } else { "u" })
}

/// The part type of h5py's complex compound: fields named `r` (offset 0) and `i` (offset half
/// the size), both floats of one size, nothing else (NumPy's complex64/complex128 as h5py
/// writes them, and as hdf5-metno's `complex` feature describes `Complex<f32/f64>`).
fn complex_parts(c: &hdf5::types::CompoundType) -> Option<FloatSize> {
    let [a, b] = c.fields.as_slice() else { return None };
    let (r, i) = if a.offset <= b.offset { (a, b) } else { (b, a) };
    match (&r.ty, &i.ty) {
        (TypeDescriptor::Float(fr), TypeDescriptor::Float(fi))
            if r.name == "r"
                && i.name == "i"
                && fr == fi
                && r.offset == 0
                && i.offset * 2 == c.size
                && i.offset == *fr as usize =>
        {
            Some(*fr)
        }
        _ => None,
    }
}

/// Bytes swapped together when the file's byte order is not the machine's: the element, or
/// each part of a complex element.
fn swap_unit<T: Element>() -> usize {
    let size = std::mem::size_of::<T>();
    if T::DTYPE.is_complex() {
        size / 2
    } else {
        size
    }
}

/// The element type of an HDF5 type, or what the type is, for the error message.
pub(crate) fn dtype_of(desc: &TypeDescriptor) -> std::result::Result<DType, String> {
    Ok(match desc {
        TypeDescriptor::Integer(IntSize::U1) => DType::I8,
        TypeDescriptor::Integer(IntSize::U2) => DType::I16,
        TypeDescriptor::Integer(IntSize::U4) => DType::I32,
        TypeDescriptor::Integer(IntSize::U8) => DType::I64,
        TypeDescriptor::Unsigned(IntSize::U1) => DType::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => DType::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => DType::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => DType::U64,
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        // hdf5-metno's name for a one-byte {FALSE: 0, TRUE: 1} enum listed in that order
        TypeDescriptor::Boolean => DType::Bool,
        // h5py stores bool as an int8 enum {FALSE: 0, TRUE: 1}; no other enum is bool
        TypeDescriptor::Enum(e) if is_bool_enum(e) => DType::Bool,
        // h5py's complex: a compound {r, i} of two floats of one size
        TypeDescriptor::Compound(c) => match complex_parts(c) {
            Some(FloatSize::U4) => DType::C64,
            Some(FloatSize::U8) => DType::C128,
            None => return Err(format!("{other}, which is not a numeric or bool element type: only h5py's complex compound {{r, i}} of two float32 or float64 reads, as Complex<f32>/Complex<f64>", other = desc)),
        },
        TypeDescriptor::Enum(e) => {
            return Err(format!(
                "{}, which is not an element type: only h5py's bool enum {{FALSE: 0, TRUE: 1}} (one byte) reads, as \
                 bool",
                describe_enum(e)
            ))
        }
        other => return Err(format!("{other}, which is not a numeric or bool element type")),
    })
}

pub(crate) fn lib_err(path: &Path, e: hdf5::Error) -> Error {
    Error::Hdf5(Hdf5Error::Library(format!("{}: {e}", path.display())))
}

/// Name the dataset in an error about its shape or size (`Memory`, `Value`, `Shape`, `Chunks`).
pub(crate) fn in_dataset(path: &Path, name: &str, e: Error) -> Error {
    let at = |m: String| format!("{}:{name}: {m}", path.display());
    match e {
        Error::Memory(m) => Error::Memory(at(m)),
        Error::Value(m) => Error::Value(at(m)),
        Error::Shape(m) => Error::Shape(at(m)),
        Error::Chunks(m) => Error::Chunks(at(m)),
        other => other,
    }
}

/// What a failed libhdf5 read of `info`'s data means: a filter libhdf5 cannot run (a missing
/// plugin: "required filter ... is not registered", "can't open directory" of the plugin
/// path), a failed checksum, a chunk a filter failed to decode, or another library error.
pub(crate) fn read_error(info: &DatasetInfo, msg: &str) -> Error {
    let at = format!("{}:{}", info.path.display(), info.name);
    let m = msg.to_ascii_lowercase();
    let missing_plugin =
        ["not registered", "can't open directory", "plugin", "not available"].iter().any(|k| m.contains(k));
    if m.contains("checksum") {
        Error::Hdf5(Hdf5Error::Checksum(format!("{at}: {msg}")))
    } else if missing_plugin {
        let missing: Vec<FilterInfo> = info.filters.iter().filter(|f| !filters::library_has(f.id)).cloned().collect();
        Error::Hdf5(Hdf5Error::UnsupportedFilter(format!(
            "{at} uses filters {} and libhdf5 cannot run {} (no plugin for it found; see HDF5_PLUGIN_PATH): {msg}",
            describe(&info.filters),
            if missing.is_empty() { "one of them".to_string() } else { describe(&missing) }
        )))
    } else if m.contains("filter") || m.contains("pipeline") {
        Error::Hdf5(Hdf5Error::Corrupt(format!(
            "{at}: a chunk failed to decode through the filters {}: {msg}",
            describe(&info.filters)
        )))
    } else {
        Error::Hdf5(Hdf5Error::Library(format!("{at}: {msg}")))
    }
}

impl DatasetInfo {
    /// Open `path` and describe `name`, with errors for each way this can fail.
    pub fn open(path: &Path, name: &str) -> Result<(DatasetInfo, hdf5::Dataset)> {
        let ds = open_dataset(path, name)?;
        let at = || format!("{}:{name}", path.display());
        let lib = |e: hdf5::Error| Error::Hdf5(Hdf5Error::Library(format!("{}: {e}", at())));
        let dt = ds.dtype().map_err(lib)?;
        let desc = dt.to_descriptor().map_err(lib)?;
        let dtype = dtype_of(&desc).map_err(|what| Error::DType(format!("{} holds {what}", at())))?;
        let big_endian = matches!(dt.byte_order(), hdf5::datatype::ByteOrder::BigEndian);
        let shape = ds.shape();
        // NumPy's "array is too big" before anything multiplies the shape out
        crate::chunks::check_size(&shape, dtype.itemsize()).map_err(|e| in_dataset(path, name, e))?;
        let chunk = ds.chunk();
        if let Some(c) = &chunk {
            if c.len() != shape.len() || c.contains(&0) {
                return Err(Error::Hdf5(Hdf5Error::Corrupt(format!(
                    "{}: chunk shape {c:?} does not fit a dataset of shape {shape:?}",
                    at()
                ))));
            }
            // one chunk is read whole: its byte size must be a size
            crate::chunks::check_size(c, dtype.itemsize()).map_err(|e| in_dataset(path, name, e))?;
        }
        let dcpl = ds.dcpl().map_err(lib)?;
        let filters =
            filters::read_pipeline(dcpl.id()).map_err(|m| Error::Hdf5(Hdf5Error::Library(format!("{}: {m}", at()))))?;
        drop(dcpl);
        let missing: Vec<FilterInfo> = filters.iter().filter(|f| !filters::library_has(f.id)).cloned().collect();
        let unsupported: Vec<FilterInfo> = missing.iter().filter(|f| !f.decoded_by_ndchunk()).cloned().collect();
        if !unsupported.is_empty() {
            return Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(format!(
                "{} needs filter{} {}, which this libhdf5 cannot run (no plugin for it found; put the plugin on \
                 HDF5_PLUGIN_PATH) and ndchunk does not decode; the dataset's pipeline is {}",
                at(),
                if unsupported.len() > 1 { "s" } else { "" },
                describe(&unsupported),
                describe(&filters)
            ))));
        }
        let pipeline = pipeline(&filters, dtype.itemsize());
        let contiguous_offset = if chunk.is_none() { ds.offset() } else { None };
        let userblock = ds.file().and_then(|f| f.create_plist()).map(|p| p.userblock()).unwrap_or(0);
        let info = DatasetInfo {
            path: path.to_path_buf(),
            name: name.to_string(),
            shape,
            dtype,
            big_endian,
            chunk,
            pipeline,
            filters,
            missing,
            contiguous_offset,
            userblock,
        };
        Ok((info, ds))
    }

    /// The read path blocks of this dataset take.
    pub fn read_path(&self) -> &'static str {
        match (&self.chunk, &self.pipeline, self.contiguous_offset) {
            (Some(_), Some(_), _) => "parallel chunk decode",
            (None, _, Some(_)) => "parallel contiguous read",
            _ => "libhdf5 read (locked)",
        }
    }

    /// `Err(UnsupportedFilter)` when libhdf5 cannot run every filter of the pipeline (needed to
    /// read every block through the library, as `from_hdf5_locked` does).
    pub fn check_library_filters(&self) -> Result<()> {
        if self.missing.is_empty() {
            return Ok(());
        }
        Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(format!(
            "{}:{} needs filter{} {}, which this libhdf5 cannot run (no plugin for it found; see HDF5_PLUGIN_PATH); \
             ndchunk decodes it itself: read with from_hdf5",
            self.path.display(),
            self.name,
            if self.missing.len() > 1 { "s" } else { "" },
            describe(&self.missing)
        ))))
    }
}

/// Reads blocks of a dataset.
pub struct Hdf5Read<T> {
    /// Read every block through libhdf5 (under its lock), for comparisons.
    pub locked: bool,
    pub info: DatasetInfo,
    pub ds: hdf5::Dataset,
    pub file: File,
    pub _t: PhantomData<fn() -> T>,
}

/// Convert raw element bytes (file byte order) into elements.
fn bytes_to_elements<T: Element>(mut bytes: Vec<u8>, big_endian: bool) -> Result<Vec<T>> {
    let size = std::mem::size_of::<T>();
    if T::DTYPE == DType::Bool {
        let mut out = try_vec::<T>(bytes.len(), "decoded elements")?;
        out.extend(bytes.iter().map(|&b| T::from_f64(if b != 0 { 1.0 } else { 0.0 })));
        return Ok(out);
    }
    let unit = swap_unit::<T>();
    if big_endian != cfg!(target_endian = "big") && unit > 1 {
        for e in bytes.chunks_exact_mut(unit) {
            e.reverse();
        }
    }
    let n = bytes.len() / size;
    let mut out: Vec<T> = try_vec(n, "decoded elements")?;
    // SAFETY: T is a primitive integer or float, or a complex pair of floats (num-complex's
    // `#[repr(C)]` struct; bool was handled above), for which every bit
    // pattern is a valid value; `out` has capacity for `n` elements, i.e. `n * size` bytes
    // (`n * size <= bytes.len()`, so this cannot overflow), which are all written by the copy
    // before `set_len` exposes them.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr() as *mut u8, n * size);
        out.set_len(n);
    }
    Ok(out)
}

/// Read `out.len()` elements at file address `addr` into `out` (no allocation on the common
/// path); I/O errors go through `io`.
fn pread_into<T: Element>(
    file: &File,
    addr: u64,
    out: &mut [T],
    big_endian: bool,
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    if T::DTYPE == DType::Bool || (big_endian != cfg!(target_endian = "big") && swap_unit::<T>() > 1) {
        let v = pread_elements::<T>(file, addr, out.len(), big_endian, io)?;
        out.copy_from_slice(&v);
        return Ok(());
    }
    // SAFETY: viewing initialised primitive numeric elements as bytes (same length in bytes,
    // u8 has alignment 1); any bytes read are valid element values.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, std::mem::size_of_val(out)) };
    file.read_exact_at(buf, addr).map_err(io)
}

/// Read `len` elements at file address `addr` into a new buffer, allocated fallibly (`len`
/// comes from the file); I/O errors go through `io`.
fn pread_elements<T: Element>(
    file: &File,
    addr: u64,
    len: usize,
    big_endian: bool,
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<Vec<T>> {
    let nbytes = bytes_of::<T>(len, "a read from the file")?;
    if T::DTYPE == DType::Bool || (big_endian != cfg!(target_endian = "big") && swap_unit::<T>() > 1) {
        let mut bytes = try_vec::<u8>(nbytes, "a read from the file")?;
        bytes.resize(nbytes, 0);
        file.read_exact_at(&mut bytes, addr).map_err(io)?;
        return bytes_to_elements(bytes, big_endian);
    }
    let mut out: Vec<T> = try_vec(len, "a read from the file")?;
    out.resize(len, T::default());
    // SAFETY: viewing an initialised buffer of `len` primitive numeric elements as its
    // `nbytes = len * size` bytes (computed without overflow above; u8 has alignment 1); any
    // bytes read are valid element values.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, nbytes) };
    file.read_exact_at(buf, addr).map_err(io)?;
    Ok(out)
}

/// Element offset of block `b`'s file chunk (block index times chunk shape), checked.
fn chunk_offset(b: &[usize], chunk: &[usize]) -> Result<Vec<u64>> {
    b.iter()
        .zip(chunk)
        .map(|(&i, &c)| {
            i.checked_mul(c)
                .and_then(|o| u64::try_from(o).ok())
                .ok_or_else(|| Error::Value(format!("the offset of chunk {b:?} of shape {chunk:?} overflows")))
        })
        .collect()
}

impl<T: Element + hdf5::H5Type> Hdf5Read<T> {
    fn at(&self) -> String {
        format!("{}:{}", self.info.path.display(), self.info.name)
    }

    fn past_end(&self, what: &str) -> Error {
        Error::Hdf5(Hdf5Error::Corrupt(format!(
            "{}: {what} lies past the end of the file (truncated file?)",
            self.at()
        )))
    }

    fn io_err(&self, what: &str, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            self.past_end(what)
        } else {
            Error::Io(e)
        }
    }

    /// `Err(Corrupt)` unless the `len` bytes at `addr` lie within the file (checked before a
    /// buffer of a size read from the file is allocated).
    fn check_extent(&self, what: &str, addr: u64, len: usize) -> Result<()> {
        let file_len = self.file.metadata()?.len();
        match u64::try_from(len).ok().and_then(|l| addr.checked_add(l)) {
            Some(end) if end <= file_len => Ok(()),
            _ => Err(self.past_end(what)),
        }
    }

    /// File address of the element at `index` of a contiguous dataset whose data starts at
    /// `offset`, checked.
    fn contiguous_addr(&self, offset: u64, index: &[usize]) -> Result<u64> {
        let size = u64::try_from(std::mem::size_of::<T>()).unwrap_or(u64::MAX);
        index
            .iter()
            .zip(&self.info.shape)
            .try_fold(0usize, |f, (&i, &n)| f.checked_mul(n)?.checked_add(i))
            .and_then(|f| u64::try_from(f).ok())
            .and_then(|f| f.checked_mul(size))
            .and_then(|b| b.checked_add(offset))
            .ok_or_else(|| self.past_end("the data"))
    }

    fn library_read(&self, ranges: &[std::ops::Range<usize>]) -> Result<ArrayD<T>> {
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        if ranges.iter().any(|r| r.is_empty()) {
            return Ok(ArrayD::from_elem(IxDyn(&shape), T::default()));
        }
        // libhdf5 and hdf5-metno allocate the block: make sure it can be had
        check_fits(bytes_of::<T>(size_of_shape(&shape, "a block")?, "a block")?, "a block")?;
        if ranges.is_empty() {
            return self.ds.read_dyn::<T>().map_err(|e| read_error(&self.info, &e.to_string()));
        }
        let sel: Vec<hdf5::SliceOrIndex> = ranges.iter().map(|r| hdf5::SliceOrIndex::from(r.start..r.end)).collect();
        let sel = hdf5::Selection::from(hdf5::Hyperslab::from(sel));
        self.ds.read_slice::<T, _, IxDyn>(sel).map_err(|e| read_error(&self.info, &e.to_string()))
    }

    /// File address, stored size and filter mask of the chunk at element offset `offset`, or
    /// `None` when the chunk was never written.
    fn chunk_location(&self, offset: &[u64]) -> Result<Option<(u64, usize, u32)>> {
        let (mut mask, mut addr, mut size) = (0u32, 0u64, 0u64);
        let id = self.ds.id();
        // SAFETY: FFI call with valid pointers to locals and an offset of `ndim` coordinates
        // (one per axis of the dataset: `offset` has one entry per block index), made under
        // hdf5's global lock as libhdf5 requires.
        let status = hdf5::sync::sync(|| unsafe {
            hdf5_sys::h5d::H5Dget_chunk_info_by_coord(id, offset.as_ptr(), &mut mask, &mut addr, &mut size)
        });
        if status < 0 || addr == hdf5_sys::h5::HADDR_UNDEF {
            return Ok(None);
        }
        let addr = addr.checked_add(self.info.userblock).ok_or_else(|| self.past_end("a chunk"))?;
        let size = usize::try_from(size).map_err(|_| self.past_end("a chunk"))?;
        Ok(Some((addr, size, mask)))
    }

    fn read_chunk(&self, b: &[usize], pipeline: &[Decode], chunk: &[usize]) -> Result<Option<ArrayD<T>>> {
        let offset = chunk_offset(b, chunk)?;
        let Some((addr, size, mask)) = self.chunk_location(&offset)? else {
            return Ok(None); // never written (fill value): let the library read it
        };
        let n = size_of_shape(chunk, "a chunk")?;
        let nbytes = bytes_of::<T>(n, "a chunk")?;
        check_fits(nbytes, "a chunk")?;
        // the stored size comes from the file: it must lie within it before it is allocated
        self.check_extent("a chunk", addr, size)?;
        let io = |e| self.io_err("a chunk", e);
        let data: Vec<T> = if (0..pipeline.len()).all(|i| skipped(mask, i)) {
            if size != nbytes {
                return Err(Error::Hdf5(Hdf5Error::Corrupt(format!(
                    "{}: unfiltered chunk at {offset:?} of {size} bytes, expected {nbytes}",
                    self.at()
                ))));
            }
            pread_elements(&self.file, addr, n, self.info.big_endian, &io)?
        } else {
            let mut raw = try_vec::<u8>(size, "a stored chunk")?;
            raw.resize(size, 0);
            self.file.read_exact_at(&mut raw, addr).map_err(io)?;
            let bytes = decode(raw, pipeline, mask, nbytes).map_err(|e| match e {
                Hdf5Error::Checksum(m) => {
                    Error::Hdf5(Hdf5Error::Checksum(format!("{} chunk at {offset:?}: {m}", self.at())))
                }
                Hdf5Error::Corrupt(m) => {
                    Error::Hdf5(Hdf5Error::Corrupt(format!("{} chunk at {offset:?}: {m}", self.at())))
                }
                other => Error::Hdf5(other),
            })?;
            bytes_to_elements(bytes, self.info.big_endian)?
        };
        let mut a = ArrayD::from_shape_vec(IxDyn(chunk), data)
            .map_err(|e| Error::Hdf5(Hdf5Error::Corrupt(format!("{}: chunk at {offset:?}: {e}", self.at()))))?;
        // clip edge chunks (and chunks larger than the dataset) to the dataset
        for (ax, (&o, &len)) in offset.iter().zip(&self.info.shape).enumerate() {
            let o = usize::try_from(o).unwrap_or(usize::MAX);
            let keep = len.saturating_sub(o).min(chunk[ax]);
            a.slice_axis_inplace(ndarray::Axis(ax), Slice::from(0..keep));
        }
        Ok(Some(a))
    }

    fn read_contiguous(&self, offset: u64, ranges: &[std::ops::Range<usize>]) -> Result<ArrayD<T>> {
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let nd = shape.len();
        if shape.contains(&0) {
            return Ok(ArrayD::from_elem(IxDyn(&shape), T::default()));
        }
        let io = |e| self.io_err("the data", e);
        let shape_err =
            |e: ndarray::ShapeError| Error::Shape(format!("{}: a block of shape {shape:?}: {e}", self.at()));
        if nd == 0 {
            let v = pread_elements::<T>(&self.file, offset, 1, self.info.big_endian, &io)?;
            return ArrayD::from_shape_vec(IxDyn(&[]), v).map_err(shape_err);
        }
        let row = shape[nd - 1];
        let mut out: Vec<T> = try_vec(size_of_shape(&shape, "a block")?, "a block")?;
        let outer: Vec<usize> = shape[..nd - 1].to_vec();
        let mut index = vec![0usize; nd];
        index[nd - 1] = ranges[nd - 1].start;
        for idx in ndarray::indices(IxDyn(&outer)) {
            for ax in 0..nd - 1 {
                index[ax] = ranges[ax].start + idx[ax];
            }
            let at = self.contiguous_addr(offset, &index)?;
            let v = pread_elements::<T>(&self.file, at, row, self.info.big_endian, &io)?;
            out.extend_from_slice(&v);
        }
        ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(shape_err)
    }
}

impl<T: Element + hdf5::H5Type> Op for Hdf5Read<T> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}

    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let chunks = &node.meta().chunks;
        let ranges = chunks.block_ranges(b);
        let a = match (&self.info.chunk, &self.info.pipeline, self.info.contiguous_offset) {
            _ if self.locked => self.library_read(&ranges)?,
            (Some(chunk), Some(pipeline), _) if !ranges.iter().any(|r| r.is_empty()) => {
                match self.read_chunk(b, pipeline, chunk)? {
                    Some(a) => a,
                    None => self.library_read(&ranges)?,
                }
            }
            (None, _, Some(off)) => self.read_contiguous(off, &ranges)?,
            _ => self.library_read(&ranges)?,
        };
        Ok(Arc::new(a.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{}:{}:{}", self.info.path.display(), self.info.name, self.locked))
    }

    fn elementwise(&self) -> Option<&dyn crate::ops::elementwise::Elementwise> {
        Some(self)
    }
}

/// Elements read per positional read when streaming an uncompressed chunk.
const STREAM_ELEMS: usize = 64 * 1024;

/// Streams an uncompressed, unclipped chunk (or contiguous range) from the file in pieces.
struct StreamTile<T> {
    file: File,
    addr: u64,
    n: usize,
    big_endian: bool,
    buf: Vec<T>,
    buf_start: usize,
    filled: usize,
    error: Option<Error>,
}

impl<T: Element> crate::ops::elementwise::Tile<T> for StreamTile<T> {
    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        if start < self.buf_start || start + len > self.buf_start + self.filled {
            let want = STREAM_ELEMS.max(len).min(self.n.saturating_sub(start));
            let size = u64::try_from(std::mem::size_of::<T>()).unwrap_or(u64::MAX);
            if self.buf.len() < want {
                self.buf.resize(want, T::default());
            }
            let at = u64::try_from(start).ok().and_then(|s| s.checked_mul(size)).and_then(|o| self.addr.checked_add(o));
            let past_end = |at: Option<u64>| {
                Error::Hdf5(Hdf5Error::Corrupt(format!(
                    "data at byte {} lies past the end of the file (truncated file?)",
                    at.map_or_else(|| "past 2^64".to_string(), |a| a.to_string())
                )))
            };
            let io = |e: std::io::Error| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    past_end(at)
                } else {
                    Error::Io(e)
                }
            };
            let read = match at {
                Some(a) => pread_into::<T>(&self.file, a, &mut self.buf[..want], self.big_endian, &io),
                None => Err(past_end(None)),
            };
            if let Err(e) = read {
                // reported by `take_error` after the last tile; meanwhile serve zeros
                if self.error.is_none() {
                    self.error = Some(e);
                }
                self.buf[..want].fill(T::default());
            }
            self.filled = want;
            self.buf_start = start;
        }
        &self.buf[start - self.buf_start..start - self.buf_start + len]
    }
}

impl<T: Element + hdf5::H5Type> crate::ops::elementwise::Elementwise for Hdf5Read<T> {
    fn build(
        &self,
        node: &Node,
        b: &[usize],
        _: Vec<Box<dyn std::any::Any>>,
        shape: &[usize],
    ) -> Result<Box<dyn std::any::Any>> {
        let n = size_of_shape(shape, "a block")?;
        let streamable = !self.locked && T::DTYPE != DType::Bool && n > 0;
        let stream = |addr: u64| -> Result<Box<dyn std::any::Any>> {
            let t: crate::ops::elementwise::BoxTile<T> = Box::new(StreamTile::<T> {
                file: self.file.try_clone()?,
                addr,
                n,
                big_endian: self.info.big_endian,
                buf: Vec::new(),
                buf_start: 0,
                filled: 0,
                error: None,
            });
            Ok(Box::new(t))
        };
        if streamable {
            match (&self.info.chunk, &self.info.pipeline, self.info.contiguous_offset) {
                (Some(chunk), Some(pipeline), _) if shape == chunk.as_slice() => {
                    if let Some((addr, size, mask)) = self.chunk_location(&chunk_offset(b, chunk)?)? {
                        let unfiltered = (0..pipeline.len()).all(|i| skipped(mask, i));
                        // otherwise `run` below reads it, and reports what is wrong
                        if unfiltered
                            && bytes_of::<T>(n, "a chunk").is_ok_and(|nbytes| nbytes == size)
                            && self.check_extent("a chunk", addr, size).is_ok()
                        {
                            return stream(addr);
                        }
                    }
                }
                (None, _, Some(off)) => {
                    // a block spanning whole trailing axes is one contiguous range of the file
                    let ranges = node.meta().chunks.block_ranges(b);
                    let nd = ranges.len();
                    let k = (0..nd).find(|&a| ranges[a].len() != 1).unwrap_or(nd.saturating_sub(1));
                    let trailing_whole = (k + 1..nd).all(|a| ranges[a].len() == self.info.shape[a]);
                    if trailing_whole {
                        let start: Vec<usize> = ranges.iter().map(|r| r.start).collect();
                        return stream(self.contiguous_addr(off, &start)?);
                    }
                }
                _ => {}
            }
        }
        // otherwise: read the block as usual and serve it
        let blk = self.run(node, b, &[])?;
        crate::ops::elementwise::leaf_fn::<T>(&blk, shape)
    }

    fn finish(&self, tile: Box<dyn std::any::Any>, shape: &[usize]) -> Result<Block> {
        crate::ops::elementwise::finish_tile::<T>(tile, shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdf5::types::EnumMember;

    fn enum_of(size: IntSize, signed: bool, members: &[(&str, u64)]) -> TypeDescriptor {
        TypeDescriptor::Enum(EnumType {
            size,
            signed,
            members: members.iter().map(|&(n, v)| EnumMember { name: n.into(), value: v }).collect(),
        })
    }

    #[test]
    fn only_the_false_true_byte_enum_is_bool() {
        assert_eq!(dtype_of(&TypeDescriptor::Boolean), Ok(DType::Bool));
        for signed in [true, false] {
            for members in [[("FALSE", 0), ("TRUE", 1)], [("TRUE", 1), ("FALSE", 0)]] {
                assert_eq!(dtype_of(&enum_of(IntSize::U1, signed, &members)), Ok(DType::Bool));
            }
        }
        for (size, members) in [
            (IntSize::U1, &[("RED", 1), ("GREEN", 2)][..]),
            (IntSize::U1, &[("A", 0), ("B", 1)]),
            (IntSize::U1, &[("FALSE", 1), ("TRUE", 0)]),
            (IntSize::U1, &[("FALSE", 0), ("TRUE", 1), ("MAYBE", 2)]),
            (IntSize::U1, &[("FALSE", 0)]),
            (IntSize::U1, &[]),
            (IntSize::U2, &[("FALSE", 0), ("TRUE", 1)]),
            (IntSize::U8, &[("FALSE", 0), ("TRUE", 1)]),
        ] {
            let e = dtype_of(&enum_of(size, true, members)).unwrap_err();
            assert!(e.contains("enum"), "{e}");
            for (n, v) in members {
                assert!(e.contains(&format!("{n}: {v}")), "{e}");
            }
        }
    }

    #[test]
    fn enum_values_print_with_their_sign() {
        let e = |size, signed, v| match enum_of(size, signed, &[("X", v)]) {
            TypeDescriptor::Enum(e) => describe_enum(&e),
            _ => unreachable!(),
        };
        assert_eq!(e(IntSize::U1, true, 0xff), "an enum {X: -1} of int8");
        assert_eq!(e(IntSize::U1, false, 0xff), "an enum {X: 255} of uint8");
        assert_eq!(e(IntSize::U2, true, 0xfffe), "an enum {X: -2} of int16");
        assert_eq!(e(IntSize::U4, true, 0x8000_0000), "an enum {X: -2147483648} of int32");
        assert_eq!(e(IntSize::U8, true, u64::MAX), "an enum {X: -1} of int64");
        assert_eq!(e(IntSize::U8, false, u64::MAX), "an enum {X: 18446744073709551615} of uint64");
    }

    fn info(filters: Vec<FilterInfo>) -> DatasetInfo {
        DatasetInfo {
            path: PathBuf::from("/data/f.h5"),
            name: "/d".into(),
            shape: vec![8],
            dtype: DType::F64,
            big_endian: false,
            chunk: Some(vec![4]),
            pipeline: None,
            filters,
            missing: vec![],
            contiguous_offset: None,
            userblock: 0,
        }
    }

    #[test]
    fn read_time_errors_are_classified() {
        let f =
            |id, name: &str| FilterInfo { id, optional: true, params: vec![], nparams: 0, stored_name: name.into() };
        let i = info(vec![f(2, "shuffle"), f(32015, "")]);
        for msg in [
            "can't open directory: /usr/lib/x86_64-linux-gnu/hdf5/serial/plugins",
            "required filter 'zstd' is not registered",
            "search in path table failed: can't find plugin",
        ] {
            match read_error(&i, msg) {
                Error::Hdf5(Hdf5Error::UnsupportedFilter(m)) => {
                    assert!(m.contains("/data/f.h5:/d") && m.contains("zstd (32015)") && m.contains(msg), "{m}");
                    // shuffle is built into libhdf5: only zstd is named as what it cannot run
                    assert!(m.contains("cannot run [zstd (32015)]"), "{m}");
                }
                other => panic!("{msg}: {other:?}"),
            }
        }
        assert!(matches!(
            read_error(&i, "data error detected by fletcher32 checksum"),
            Error::Hdf5(Hdf5Error::Checksum(_))
        ));
        assert!(matches!(read_error(&i, "filter returned failure during read"), Error::Hdf5(Hdf5Error::Corrupt(_))));
        match read_error(&i, "H5Dread(): can't read data") {
            Error::Hdf5(Hdf5Error::Library(m)) => assert!(m.contains("/data/f.h5:/d")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn chunk_offsets_are_checked() {
        assert_eq!(chunk_offset(&[2, 3], &[10, 7]).unwrap(), vec![20, 21]);
        assert!(matches!(chunk_offset(&[usize::MAX, 0], &[2, 1]), Err(Error::Value(_))));
    }
}
