//! The integration tests: one binary with a module per topic, so a change to the crate links
//! one test executable instead of one per file.

mod apply;
mod blockwise;
mod common;
mod complex;
mod creation;
mod diagnostics;
mod differences;
mod einsum;
mod elementwise;
mod fft;
mod getitem;
mod gufunc;
mod hdf5;
mod hdf5_memory;
mod histogram;
mod linalg;
mod linalg_extra;
mod map_blocks;
mod order_statistics;
mod overlap;
mod proptest_ops;
mod random;
mod random_distributions;
mod reductions;
mod restructure;
mod robustness;
mod scheduler;
mod selection;
mod sets;
mod shape_routines;
mod statistics;
mod stats;
mod ufuncs;
mod user_reduction;
mod windows;
