//! `ndchunk-kernels`: the per-block math of ndchunk, on plain ndarray views.
//!
//! Nothing here knows about chunk grids or task graphs: each function takes one block (or a
//! few) and returns a block or a small accumulator. The graph layer in `ndchunk` decides which
//! blocks meet. Keeping the math here makes it testable on its own and keeps the numerically
//! delicate parts (pairwise sums, Chan's variance merge, NaN rules) in one place.

pub mod accumulators;
pub mod complex;
pub mod element;
pub mod fft;
pub mod gemm;
pub mod histogram;
pub mod isa;
pub mod order;
pub mod pairwise;
pub mod reduce;
pub mod select;
pub mod sets;
pub mod ufunc;

pub use complex::{Complex, ComplexElement, Inexact};
pub use element::{Arith, DType, Element, Float, Number, Scalar};
pub use order::Ordered;
pub use ufunc::{Bitwise, FloatUfuncs, Integer, NumberUfuncs};
