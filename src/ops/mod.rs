//! Per-operation planners: each turns an operation into graph nodes whose `Op`s say which
//! blocks each output block needs and how to compute it.

pub mod counting;
pub mod creation;
pub mod elementwise;
pub mod fft;
pub mod histogram;
pub mod join;
pub mod linalg;
pub mod mask;
pub mod random;
pub mod rechunk;
pub mod reduce;
pub mod reshape;
pub mod scan;
pub mod select;
pub mod sets;
pub mod slicing;
pub mod topk;
pub mod transpose;
