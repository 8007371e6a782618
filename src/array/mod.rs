//! The user-facing array: `ChunkedArray`, chunk specs, and the NumPy-named API, one file per
//! theme (creation, elementwise, structure, display).

pub mod axes;
pub mod chunked_array;
pub mod chunks;
pub mod creation;
pub mod creation_like;
pub mod display;
pub mod elementwise;
pub mod histogram;
pub mod indexing;
pub mod joining;
pub mod linalg;
pub mod pad;
pub mod persist;
pub mod picture;
pub mod products;
pub mod random;
pub mod rearrange;
pub mod reductions;
pub mod shape;
pub mod structure;
pub mod triangles;

pub use axes::Axes;
pub use chunked_array::{compute_all, compute_all_with, ChunkedArray};
pub use chunks::{AxisSpec, ChunkSpec, Chunks, UNKNOWN, WHOLE};
pub use elementwise::{where_, Operand};
pub use histogram::{histogram, histogram2d, histogram_with, histogramdd, histogramdd_with, Bins, HistogramOptions};
pub use reductions::Reducer;
pub use shape::{block, block_nested, concatenate, stack, Nested};
