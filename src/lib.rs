//! # ndchunk — dask.array for Rust
//!
//! A [`ChunkedArray`] is a lazy n-dimensional array cut into a grid of ndarray blocks.
//! Operations build a graph of block tasks; `compute()` lowers it (culling, fusing elementwise
//! chains, sharing common subexpressions) and runs it on a rayon pool, depth-first, releasing
//! each block as soon as its last consumer has run.
//!
//! ```
//! use ndchunk::prelude::*;
//!
//! let x = ndchunk::ones::<f64>(&[15, 15], [5, 5])?;
//! let y = &x + &x.t();
//! assert_eq!(y.compute()?.sum(), 450.0);
//! # Ok::<(), ndchunk::Error>(())
//! ```
//!
//! Layout (the path data takes): [`array`](mod@array) (API) → [`graph`] (lowering, optimisation) →
//! [`scheduler`] (execution); [`ops`] holds the per-operation planners and `ndchunk-kernels`
//! the per-block math.

pub mod array;
pub mod chunks;
pub mod config;
pub mod delayed;
pub mod diagnostics;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod element;
pub mod error;
pub mod graph;
pub mod io;
pub mod memory;
pub mod ops;
pub mod scheduler;

pub use array::apply::{apply_along_axis, apply_over_axes};
pub use array::blockwise::blockwise;
pub use array::complex::{angle, complex, conj, imag, iscomplexobj, real};
pub use array::counting::{
    bincount, digitize, histogram_bin_edges, histogram_bin_edges_estimated, searchsorted, searchsorted_with,
    BinEstimator, Side,
};
pub use array::covariance::{corrcoef, cov};
pub use array::creation::{arange, eye, full, linspace, ones, zeros};
pub use array::creation_like::{
    empty_like, eye_nmk, fromfunction, full_like, geomspace, identity, indices, linspace_with, logspace, meshgrid,
    meshgrid_with, ones_like, zeros_like, Indexing,
};
pub use array::differences::{diff, ediff1d, gradient, Spacing};
pub use array::einsum::einsum;
pub use array::elementwise::Ordered;
pub use array::fft;
pub use array::gufunc::{apply_gufunc, apply_gufunc_with, GufuncOptions};
pub use array::joining::{
    append, column_stack, delete, dstack, hstack, insert, insert_at, repeat, tile, vstack, Repeats,
};
pub use array::linalg;
pub use array::map_blocks::{
    map_blocks, map_blocks_with, BlockArgs, BlockElems, BlockInfo, InputBlockInfo, MapBlocksOptions, ViewsOf,
};
pub use array::outer_products::{inner, kron, outer, vdot};
pub use array::overlap::{map_overlap, trim_internal, Boundary, Depth, OverlapElems};
pub use array::pad::{pad, pad_with, pad_with_fn, PadMode, PadOptions, PadWidth};
pub use array::products::{tensordot, TensordotAxes};
pub use array::promotion::{
    add, allclose, arctan2, bitwise_and, bitwise_or, bitwise_xor, copysign, divide, divmod, equal, float_power,
    floor_divide, fmax, fmin, fmod, greater, greater_equal, hypot, invert, isclose, ldexp, left_shift, less,
    less_equal, logaddexp, logaddexp2, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, multiply,
    nextafter, not_equal, power, remainder, result_type, right_shift, subtract, true_divide, Close, CloseIn, Power,
    Promote, ToFloat, TrueDivide,
};
pub use array::quantile::{QuantileMethod, Quantiles};
pub use array::random;
pub use array::rearrange::{
    atleast_1d, atleast_1d_all, atleast_2d, atleast_2d_all, atleast_3d, atleast_3d_all, broadcast_arrays,
    broadcast_shapes, flip, fliplr, flipud, moveaxis, roll, rollaxis, rot90,
};
pub use array::selection::{
    argwhere, choose, compress, extract, flatnonzero, nonzero, piecewise, ravel_multi_index, ravel_multi_index_with,
    select, unravel_index, where_one, ChooseMode, Condition, Piece,
};
pub use array::sets::{
    intersect1d, intersect1d_with_indices, isin, isin_with, setdiff1d, union1d, unique, Unique, UniqueOptions,
};
pub use array::sorting::Kth;
pub use array::stats;
pub use array::triangles::{diag, diagonal, trace, tri, tril, triu};
pub use array::user_reduction::{cumreduction, reduction, ReductionOptions};
pub use array::windows::{coarsen, sliding_window_view};
pub use array::{
    block, block_nested, compute, compute_all, compute_all_with, compute_with, concatenate, histogram, histogram2d,
    histogram_with, histogramdd, histogramdd_with, stack, where_, Axes, AxisSpec, Bins, ChunkSpec, ChunkedArray,
    Chunks, HistogramOptions, Idx, Nested, UNKNOWN, WHOLE,
};
pub use config::{Config, Progress};
pub use element::{Arith, Complex, ComplexElement, DType, Element, Float, Inexact, Number, Scalar};
pub use error::{Error, Result};
pub use io::hdf5::{store, Hdf5Options};
pub use io::targets::{store_targets, StoreSource, StoreTarget};
pub use io::zarr::{ZarrMode, ZarrOptions};
pub use ndchunk_kernels::gemm::Gemm;
pub use ndchunk_kernels::ufunc::{self, Bitwise, Integer};
pub use ops::rechunk::RechunkOptions;
pub use ops::reduce::ReduceOptions;

/// The names most programs need.
pub mod prelude {
    pub use crate::array::{Axes, ChunkSpec, ChunkedArray, Chunks};
    pub use crate::element::{Element, Float, Number};
    pub use crate::error::{Error, Result};
    pub use ndarray::s;
}
