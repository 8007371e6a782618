//! Reading a dataset's blocks: metadata eagerly, data inside tasks.
//!
//! For a chunked dataset whose filters we can decode, a block is one file chunk: the chunk's
//! address, size and filter mask are looked up under libhdf5's lock
//! (`H5Dget_chunk_info_by_coord`, a B-tree lookup), the stored bytes are read with a positional
//! read (`pread`) and decoded in the task, outside the lock, so many chunks decode in parallel.
//! An unfiltered chunk is read straight into the block's buffer. A contiguous dataset is read
//! with one `pread` per row of each block. Anything else (other filters, chunks never written,
//! odd layouts) goes through the library's own read, under its lock.

use std::fs::File;
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hdf5::types::{IntSize, TypeDescriptor};
use ndarray::{ArrayD, IxDyn, Slice};

use super::filters::{decode, pipeline, Decode};
use super::Hdf5Error;
use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::graph::{Block, Dep, Node, Op};

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
    /// Names of the dataset's filters, for messages.
    pub filter_names: Vec<String>,
    /// File address of a contiguous dataset's data.
    pub contiguous_offset: Option<u64>,
    /// Size of the file's user block: chunk addresses are relative to its end.
    pub userblock: u64,
}

fn dtype_of(desc: &TypeDescriptor) -> Option<DType> {
    Some(match desc {
        TypeDescriptor::Integer(IntSize::U1) => DType::I8,
        TypeDescriptor::Integer(IntSize::U2) => DType::I16,
        TypeDescriptor::Integer(IntSize::U4) => DType::I32,
        TypeDescriptor::Integer(IntSize::U8) => DType::I64,
        TypeDescriptor::Unsigned(IntSize::U1) => DType::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => DType::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => DType::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => DType::U64,
        TypeDescriptor::Float(hdf5::types::FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(hdf5::types::FloatSize::U8) => DType::F64,
        TypeDescriptor::Boolean => DType::Bool,
        // h5py stores bool as an int8 enum {FALSE: 0, TRUE: 1}
        TypeDescriptor::Enum(e) if e.size == IntSize::U1 && e.members.len() == 2 => DType::Bool,
        _ => return None,
    })
}

pub(crate) fn lib_err(path: &Path, e: hdf5::Error) -> Error {
    Error::Hdf5(Hdf5Error::Library(format!("{}: {e}", path.display())))
}

impl DatasetInfo {
    /// Open `path` and describe `name`, with errors for each way this can fail.
    pub fn open(path: &Path, name: &str) -> Result<(DatasetInfo, hdf5::Dataset)> {
        if !path.exists() {
            return Err(Error::Hdf5(Hdf5Error::FileNotFound(path.display().to_string())));
        }
        let file =
            hdf5::File::open(path).map_err(|e| Error::Hdf5(Hdf5Error::NotHdf5(format!("{}: {e}", path.display()))))?;
        let ds = match file.dataset(name) {
            Ok(ds) => ds,
            Err(e) => {
                return Err(Error::Hdf5(if file.group(name).is_ok() {
                    Hdf5Error::NotADataset { path: path.display().to_string(), name: name.into() }
                } else if !file.link_exists(name.trim_start_matches('/')) && !file.link_exists(name) {
                    Hdf5Error::DatasetNotFound { path: path.display().to_string(), name: name.into() }
                } else {
                    Hdf5Error::Library(format!("{}:{name}: {e}", path.display()))
                }));
            }
        };
        let dt = ds.dtype().map_err(|e| lib_err(path, e))?;
        let desc = dt.to_descriptor().map_err(|e| lib_err(path, e))?;
        let dtype = dtype_of(&desc).ok_or_else(|| {
            Error::DType(format!("{}:{name} holds {desc}, which is not a numeric or bool element type", path.display()))
        })?;
        let big_endian = matches!(dt.byte_order(), hdf5::datatype::ByteOrder::BigEndian);
        let shape = ds.shape();
        let chunk = ds.chunk();
        let filters = ds.filters();
        let filter_names = filters.iter().map(|f| format!("{f:?}")).collect();
        let pipeline = pipeline(&filters, dtype.itemsize());
        let contiguous_offset = if chunk.is_none() { ds.offset() } else { None };
        let userblock = file.create_plist().map(|p| p.userblock()).unwrap_or(0);
        let info = DatasetInfo {
            path: path.to_path_buf(),
            name: name.to_string(),
            shape,
            dtype,
            big_endian,
            chunk,
            pipeline,
            filter_names,
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
fn bytes_to_elements<T: Element>(mut bytes: Vec<u8>, big_endian: bool) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    if T::DTYPE == DType::Bool {
        return bytes.iter().map(|&b| T::from_f64((b != 0) as u8 as f64)).collect();
    }
    if big_endian != cfg!(target_endian = "big") && size > 1 {
        for e in bytes.chunks_exact_mut(size) {
            e.reverse();
        }
    }
    let n = bytes.len() / size;
    let mut out: Vec<T> = Vec::with_capacity(n);
    // SAFETY: T is a primitive integer or float (bool was handled above), for which every bit
    // pattern is a valid value; `out` has capacity for `n` elements, i.e. `n * size` bytes,
    // which are all written by the copy before `set_len` exposes them.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr() as *mut u8, n * size);
        out.set_len(n);
    }
    out
}

/// Read `out.len()` elements at file address `addr` into `out` (no allocation).
fn pread_into<T: Element>(file: &File, addr: u64, out: &mut [T], big_endian: bool) -> std::io::Result<()> {
    let size = std::mem::size_of::<T>();
    if T::DTYPE == DType::Bool || (big_endian != cfg!(target_endian = "big") && size > 1) {
        let v = pread_elements::<T>(file, addr, out.len(), big_endian)?;
        out.copy_from_slice(&v);
        return Ok(());
    }
    // SAFETY: viewing initialised primitive numeric elements as bytes (same length in bytes,
    // u8 has alignment 1); any bytes read are valid element values.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, std::mem::size_of_val(out)) };
    file.read_exact_at(buf, addr)
}

/// Read `len` elements at file address `addr` directly into an element buffer.
fn pread_elements<T: Element>(file: &File, addr: u64, len: usize, big_endian: bool) -> std::io::Result<Vec<T>> {
    let size = std::mem::size_of::<T>();
    if T::DTYPE == DType::Bool || (big_endian != cfg!(target_endian = "big") && size > 1) {
        let mut bytes = vec![0u8; len * size];
        file.read_exact_at(&mut bytes, addr)?;
        return Ok(bytes_to_elements(bytes, big_endian));
    }
    let mut out: Vec<T> = vec![T::default(); len];
    // SAFETY: viewing an initialised buffer of primitive numeric elements as bytes (same
    // length in bytes, u8 has alignment 1); any bytes read are valid element values.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, len * size) };
    file.read_exact_at(buf, addr)?;
    Ok(out)
}

impl<T: Element + hdf5::H5Type> Hdf5Read<T> {
    fn io_err(&self, what: &str, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::Hdf5(Hdf5Error::Corrupt(format!(
                "{}:{}: {what} lies past the end of the file (truncated file?)",
                self.info.path.display(),
                self.info.name
            )))
        } else {
            Error::Io(e)
        }
    }

    fn library_read(&self, ranges: &[std::ops::Range<usize>]) -> Result<ArrayD<T>> {
        let sel: Vec<hdf5::SliceOrIndex> = ranges.iter().map(|r| hdf5::SliceOrIndex::from(r.start..r.end)).collect();
        if ranges.iter().any(|r| r.is_empty()) || ranges.is_empty() {
            if ranges.is_empty() {
                return self.ds.read_dyn::<T>().map_err(|e| self.filter_err(e));
            }
            let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
            return Ok(ArrayD::from_elem(IxDyn(&shape), T::default()));
        }
        let sel = hdf5::Selection::from(hdf5::Hyperslab::from(sel));
        self.ds.read_slice::<T, _, IxDyn>(sel).map_err(|e| self.filter_err(e))
    }

    fn filter_err(&self, e: hdf5::Error) -> Error {
        let msg = e.to_string();
        if msg.contains("filter") || msg.contains("Filter") {
            Error::Hdf5(Hdf5Error::UnsupportedFilter(format!(
                "{}:{} uses filters {:?} and libhdf5 cannot decode them: {msg}",
                self.info.path.display(),
                self.info.name,
                self.info.filter_names
            )))
        } else {
            lib_err(&self.info.path, e)
        }
    }

    /// File address, stored size and filter mask of the chunk at block `b`, or `None` when
    /// the chunk was never written.
    fn chunk_location(&self, b: &[usize], chunk: &[usize]) -> Option<(u64, u64, u32)> {
        let offset: Vec<u64> = b.iter().zip(chunk).map(|(&i, &c)| (i * c) as u64).collect();
        let (mut mask, mut addr, mut size) = (0u32, 0u64, 0u64);
        let id = self.ds.id();
        // SAFETY: FFI call with valid pointers to locals and an offset of `ndim` coordinates,
        // made under hdf5's global lock as libhdf5 requires.
        let status = hdf5::sync::sync(|| unsafe {
            hdf5_sys::h5d::H5Dget_chunk_info_by_coord(id, offset.as_ptr(), &mut mask, &mut addr, &mut size)
        });
        if status < 0 || addr == hdf5_sys::h5::HADDR_UNDEF {
            return None;
        }
        Some((addr + self.info.userblock, size, mask))
    }

    fn read_chunk(&self, b: &[usize], pipeline: &[Decode], chunk: &[usize]) -> Result<Option<ArrayD<T>>> {
        let offset: Vec<u64> = b.iter().zip(chunk).map(|(&i, &c)| (i * c) as u64).collect();
        let Some((addr, size, mask)) = self.chunk_location(b, chunk) else {
            return Ok(None); // never written (fill value): let the library read it
        };
        let n: usize = chunk.iter().product();
        let nbytes = n * std::mem::size_of::<T>();
        let data: Vec<T> = if pipeline.iter().enumerate().all(|(i, _)| mask & (1 << i) != 0) {
            if size as usize != nbytes {
                return Err(Error::Hdf5(Hdf5Error::Corrupt(format!(
                    "unfiltered chunk of {size} bytes, expected {nbytes}"
                ))));
            }
            pread_elements(&self.file, addr, n, self.info.big_endian).map_err(|e| self.io_err("a chunk", e))?
        } else {
            let mut raw = vec![0u8; size as usize];
            self.file.read_exact_at(&mut raw, addr).map_err(|e| self.io_err("a chunk", e))?;
            let bytes = decode(raw, pipeline, mask, nbytes).map_err(|e| match e {
                Hdf5Error::Checksum(m) => Error::Hdf5(Hdf5Error::Checksum(format!(
                    "{}:{} chunk at {offset:?}: {m}",
                    self.info.path.display(),
                    self.info.name
                ))),
                other => Error::Hdf5(other),
            })?;
            bytes_to_elements(bytes, self.info.big_endian)
        };
        let mut a = ArrayD::from_shape_vec(IxDyn(chunk), data).expect("chunk size");
        // clip edge chunks to the dataset
        for (ax, (&o, &n)) in offset.iter().zip(&self.info.shape).enumerate() {
            let end = (o as usize + chunk[ax]).min(n);
            a.slice_axis_inplace(ndarray::Axis(ax), Slice::from(0..end - o as usize));
        }
        Ok(Some(a))
    }

    fn read_contiguous(&self, offset: u64, ranges: &[std::ops::Range<usize>]) -> Result<ArrayD<T>> {
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let nd = shape.len();
        let size = std::mem::size_of::<T>() as u64;
        if shape.contains(&0) {
            return Ok(ArrayD::from_elem(IxDyn(&shape), T::default()));
        }
        if nd == 0 {
            let v = pread_elements::<T>(&self.file, offset, 1, self.info.big_endian)
                .map_err(|e| self.io_err("the data", e))?;
            return Ok(ArrayD::from_shape_vec(IxDyn(&[]), v).expect("scalar"));
        }
        let row = shape[nd - 1];
        let mut out: Vec<T> = Vec::with_capacity(shape.iter().product());
        let outer: Vec<usize> = shape[..nd - 1].to_vec();
        for idx in ndarray::indices(IxDyn(&outer)) {
            let mut flat = 0usize;
            for ax in 0..nd - 1 {
                flat = flat * self.info.shape[ax] + ranges[ax].start + idx[ax];
            }
            flat = flat * self.info.shape[nd - 1] + ranges[nd - 1].start;
            let v = pread_elements::<T>(&self.file, offset + flat as u64 * size, row, self.info.big_endian)
                .map_err(|e| self.io_err("the data", e))?;
            out.extend_from_slice(&v);
        }
        Ok(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("block size"))
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
            let want = STREAM_ELEMS.max(len).min(self.n - start);
            let size = std::mem::size_of::<T>() as u64;
            if self.buf.len() < want {
                self.buf.resize(want, T::default());
            }
            let at = self.addr + start as u64 * size;
            if let Err(e) = pread_into::<T>(&self.file, at, &mut self.buf[..want], self.big_endian) {
                // reported by `take_error` after the last tile; meanwhile serve zeros
                if self.error.is_none() {
                    self.error = Some(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        Error::Hdf5(Hdf5Error::Corrupt(format!(
                            "data at byte {at} lies past the end of the file (truncated file?)"
                        )))
                    } else {
                        Error::Io(e)
                    });
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
        let n: usize = shape.iter().product();
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
                    if let Some((addr, size, mask)) = self.chunk_location(b, chunk) {
                        let unfiltered = (0..pipeline.len()).all(|i| mask & (1 << i) != 0);
                        if unfiltered && size as usize == n * std::mem::size_of::<T>() {
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
                        let flat = ranges.iter().zip(&self.info.shape).fold(0usize, |f, (r, &n)| f * n + r.start);
                        return stream(off + (flat * std::mem::size_of::<T>()) as u64);
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
