//! Reading and writing chunked files.

pub mod hdf5;
pub mod zarr;

/// The Rust name of an element type, for "read it as ChunkedArray::<i32>" messages.
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
