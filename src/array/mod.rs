//! The user-facing array: `ChunkedArray`, chunk specs, and the NumPy-named API, one file per
//! theme (creation, elementwise, structure, display).

pub mod apply;
pub mod axes;
pub mod binary;
pub mod blockwise;
pub mod chunked_array;
pub mod chunks;
pub mod complex;
pub mod compute_tuple;
pub mod counting;
pub mod covariance;
pub mod creation;
pub mod creation_like;
pub mod differences;
pub mod display;
pub mod einsum;
pub mod elementwise;
pub mod fft;
pub mod getitem;
pub mod gufunc;
pub mod histogram;
pub mod indexing;
pub mod inexact_binary;
pub mod joining;
pub mod linalg;
pub mod map_blocks;
pub mod operators;
pub mod outer_products;
pub mod overlap;
pub mod pad;
pub mod persist;
pub mod picture;
pub mod products;
pub mod promotion;
pub mod quantile;
pub mod random;
pub mod rearrange;
pub mod reductions;
pub mod selection;
pub mod sets;
pub mod shape;
pub mod sorting;
pub mod statistics;
pub mod stats;
pub mod structure;
pub mod triangles;
pub mod ufuncs;
pub mod user_reduction;
pub mod windows;

pub use axes::Axes;
pub use chunked_array::{compute_all, compute_all_with, ChunkedArray};
pub use chunks::{AxisSpec, ChunkSpec, Chunks, UNKNOWN, WHOLE};
pub use compute_tuple::{compute, compute_with, ComputeTuple};
pub use elementwise::{where_, Operand};
pub use getitem::Idx;
pub use histogram::{histogram, histogram2d, histogram_with, histogramdd, histogramdd_with, Bins, HistogramOptions};
pub use quantile::{QuantileMethod, Quantiles};
pub use reductions::Reducer;
pub use selection::{
    argwhere, choose, compress, extract, flatnonzero, nonzero, piecewise, ravel_multi_index, ravel_multi_index_with,
    select, unravel_index, where_one, ChooseMode, Condition, Piece,
};
pub use shape::{block, block_nested, concatenate, stack, Nested};
pub use sorting::Kth;
