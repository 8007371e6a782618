//! The lazy graph (nodes and their operations) and its lowering to tasks.

pub mod dot;
pub mod node;
pub mod plan;
pub mod stream;
pub mod window;

pub use node::{
    as_array, as_value, grid_indices, push_box_deps, ravel, unravel_into, ArrayBlock, ArrayMeta, Block, BlockData, Dep,
    Node, Op, TileConsumer, TileSink, Value, SELF_INPUT,
};
pub use plan::{Plan, Stage, Task, TaskId};
pub use window::{OutWindow, Written};
