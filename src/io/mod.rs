//! Reading and writing chunked files.

pub mod hdf5;
