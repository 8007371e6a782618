//! Chunk grids and chunk specs, as the array API names them. They are defined in
//! [`crate::chunks`], below every layer that needs them (graph, operations, scheduler, I/O).

pub use crate::chunks::*;
