//! Diagnostics built on the scheduler's [`Callback`](crate::scheduler::Callback) hooks:
//! a per-task [`Profiler`] (Chrome trace JSON, open in Perfetto or chrome://tracing), a
//! [`ResourceProfiler`] sampling memory and CPU, and the progress bar.
//!
//! ```
//! use std::sync::Arc;
//! use ndchunk::diagnostics::Profiler;
//! let prof = Arc::new(Profiler::new());
//! let cfg = ndchunk::Config::default().with_callback(prof.clone());
//! let x = ndchunk::ones::<f64>(&[100], [10]).unwrap();
//! x.sum(None).unwrap().compute_with(&cfg).unwrap();
//! assert!(prof.records().len() >= 10);
//! ```

mod profiler;
pub(crate) mod progress;
mod resource;

pub use profiler::{Profiler, TaskRecord};
pub use resource::{peak_rss_bytes, ResourceProfiler, ResourceSample};
