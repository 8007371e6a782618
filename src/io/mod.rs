//! Reading and writing chunked files.
