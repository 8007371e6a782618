//! Scheduler settings: threads, the memory cap, progress display, and the "auto" chunk target.
//!
//! One [`Config`] value is global (`Config::global()`/`Config::set_global`) and every
//! `compute` has a `_with(&Config)` form that overrides it for one call.

use std::sync::{Arc, RwLock};

use crate::scheduler::Callback;

/// When to show a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Never.
    Off,
    /// On a terminal, for computes that last longer than `progress_after`.
    Auto,
    /// Always (also when stderr is not a terminal).
    On,
}

/// How a compute runs.
#[derive(Clone)]
pub struct Config {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Bytes of computed blocks held at once; when reached, the scheduler only runs tasks that
    /// consume held blocks (and one source task at a time when nothing else can run). A cap
    /// below the largest block of the graph is refused with `Error::MemoryCap`.
    pub memory_cap: Option<usize>,
    /// Target bytes of a block for `"auto"` chunks (default 128 MiB, as dask).
    pub chunk_target_bytes: usize,
    /// Progress bar policy (default `Auto`; off when stderr is not a terminal).
    pub progress: Progress,
    /// How long a compute runs before the progress bar appears.
    pub progress_after: std::time::Duration,
    /// Observers of the scheduler (profilers, progress, tests).
    pub callbacks: Vec<Arc<dyn Callback>>,
    /// Where out-of-core rechunks put their temporary stores (default: the system's temporary
    /// directory, `std::env::temp_dir()`).
    pub temp_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("threads", &self.threads)
            .field("memory_cap", &self.memory_cap)
            .field("chunk_target_bytes", &self.chunk_target_bytes)
            .field("progress", &self.progress)
            .field("callbacks", &self.callbacks.len())
            .field("temp_dir", &self.temp_dir)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: 0,
            memory_cap: None,
            chunk_target_bytes: 128 << 20,
            progress: Progress::Auto,
            progress_after: std::time::Duration::from_secs(1),
            callbacks: Vec::new(),
            temp_dir: None,
        }
    }
}

static GLOBAL: RwLock<Option<Config>> = RwLock::new(None);

impl Config {
    /// The global configuration (a copy).
    pub fn global() -> Config {
        GLOBAL.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
    }

    /// Replace the global configuration.
    pub fn set_global(cfg: Config) {
        *GLOBAL.write().unwrap_or_else(|e| e.into_inner()) = Some(cfg);
    }

    /// Builder: number of worker threads (0 = one per core).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Builder: cap on bytes of blocks held at once.
    pub fn with_memory_cap(mut self, bytes: usize) -> Self {
        self.memory_cap = Some(bytes);
        self
    }

    /// Builder: the directory for out-of-core rechunks' temporary stores.
    pub fn with_temp_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Builder: progress bar policy.
    pub fn with_progress(mut self, p: Progress) -> Self {
        self.progress = p;
        self
    }

    /// Builder: add a scheduler callback.
    pub fn with_callback(mut self, cb: Arc<dyn Callback>) -> Self {
        self.callbacks.push(cb);
        self
    }

    /// The number of threads this config runs with.
    pub fn effective_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        } else {
            self.threads
        }
    }
}
