//! The scheduler: runs a [`Plan`](crate::graph::Plan)'s tasks on a rayon pool.
//!
//! Design (see `DESIGN.md` beside this file):
//! * **dependency counting** — a task becomes ready when its last input is computed;
//! * **depth-first priority** — among ready tasks the one with the smallest post-order number
//!   runs first, so an output block's subtree finishes before new inputs are started;
//! * **release** — a block is dropped as soon as its last consumer has run (output blocks are
//!   kept until the end);
//! * **memory cap** — past `Config::memory_cap` bytes of held blocks, only tasks that consume
//!   held blocks start; a source task starts only when nothing else is running;
//! * **errors** — a task's `Err` or panic stops scheduling new tasks; running ones finish, and
//!   the first error is returned with the task's key. The pool is reused by the next compute.
//!
//! Workers are `threads` jobs spawned into a cached rayon pool; they share one mutex-protected
//! ready queue (one lock round-trip per task: ~0.2 µs), which keeps per-task overhead far below
//! the block work for any sensible block size.

mod callbacks;
mod exec;

pub use callbacks::{Callback, Stats, TaskEvent};
pub(crate) use exec::{execute, execute_into, in_pool};
#[cfg(feature = "mpi")]
pub(crate) use exec::{execute_subset, inside_task, Driver, Ended, Feed, Subset};

#[cfg(test)]
mod feed_tests;
