//! Element types (re-exported from `ndchunk-kernels`) and dtype dispatch.

pub use ndchunk_kernels::complex::{Complex, ComplexElement, Inexact};
pub use ndchunk_kernels::element::*;

/// Run `$body` with `$T` bound to the Rust type of the runtime dtype `$dt`.
#[macro_export]
#[doc(hidden)]
macro_rules! with_dtype {
    ($dt:expr, $T:ident => $body:expr) => {{
        use $crate::element::DType as __D;
        match $dt {
            __D::Bool => {
                type $T = bool;
                $body
            }
            __D::I8 => {
                type $T = i8;
                $body
            }
            __D::I16 => {
                type $T = i16;
                $body
            }
            __D::I32 => {
                type $T = i32;
                $body
            }
            __D::I64 => {
                type $T = i64;
                $body
            }
            __D::U8 => {
                type $T = u8;
                $body
            }
            __D::U16 => {
                type $T = u16;
                $body
            }
            __D::U32 => {
                type $T = u32;
                $body
            }
            __D::U64 => {
                type $T = u64;
                $body
            }
            __D::F32 => {
                type $T = f32;
                $body
            }
            __D::F64 => {
                type $T = f64;
                $body
            }
            __D::C64 => {
                type $T = $crate::element::Complex<f32>;
                $body
            }
            __D::C128 => {
                type $T = $crate::element::Complex<f64>;
                $body
            }
        }
    }};
}
