//! Reading and writing chunked files.

pub mod hdf5;
pub mod targets;
pub mod zarr;

/// The Rust name of an element type, for "read it as ChunkedArray::<i32>" messages.
/// A temporary name beside `path` that no other call uses, `.NAME.ndchunk-WHAT-…`: the process
/// id, a process-wide counter (distinct for every call, on any thread), the thread, and a random
/// part (for processes of the same id in other PID namespaces writing to a shared directory).
/// Concurrent writers to one path then each write their own file or directory and rename it over
/// `path`: the last complete one wins and none is ever seen half-written.
pub(crate) fn temp_path(path: &std::path::Path, what: &str) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let thread = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::thread::current().id().hash(&mut h);
        h.finish() & 0xffff_ffff
    };
    let random: u32 = rand::random();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.ndchunk-{what}-{}-{n}-{thread:08x}-{random:08x}", std::process::id()))
}

pub(crate) fn rust_name(d: crate::element::DType) -> &'static str {
    use crate::element::DType::*;
    match d {
        Bool => "bool",
        I8 => "i8",
        I16 => "i16",
        I32 => "i32",
        I64 => "i64",
        U8 => "u8",
        U16 => "u16",
        U32 => "u32",
        U64 => "u64",
        F32 => "f32",
        F64 => "f64",
        C64 => "Complex<f32>",
        C128 => "Complex<f64>",
    }
}
