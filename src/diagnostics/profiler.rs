//! Per-task timing.

use std::fmt::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::scheduler::{Callback, TaskEvent};

/// One task's run.
#[derive(Clone, Debug)]
pub struct TaskRecord {
    /// `('operation-id', block index)`.
    pub key: String,
    /// Operation name.
    pub name: String,
    /// Worker (thread) index.
    pub worker: usize,
    /// Start and end since the profiler was created.
    pub start: Duration,
    pub end: Duration,
}

/// Records every task's key, worker, start and end (dask's `Profiler`).
pub struct Profiler {
    t0: Instant,
    open: Mutex<Vec<Option<(Duration, usize)>>>,
    done: Mutex<Vec<TaskRecord>>,
}

impl Default for Profiler {
    fn default() -> Self {
        Self::new()
    }
}

impl Profiler {
    pub fn new() -> Profiler {
        Profiler { t0: Instant::now(), open: Mutex::new(Vec::new()), done: Mutex::new(Vec::new()) }
    }

    /// Records so far, in completion order.
    pub fn records(&self) -> Vec<TaskRecord> {
        self.done.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Chrome trace-event JSON (complete events, microseconds; one track per worker).
    pub fn chrome_trace(&self) -> String {
        let mut s = String::from("{\"traceEvents\":[\n");
        for (i, r) in self.records().iter().enumerate() {
            let key = r.key.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = write!(
                s,
                "{}{{\"name\":\"{}\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":{:.3},\"dur\":{:.3},\"pid\":1,\"tid\":{},\"args\":{{\"key\":\"{}\"}}}}",
                if i > 0 { ",\n" } else { "" },
                r.name.replace('"', "'"),
                r.start.as_secs_f64() * 1e6,
                (r.end - r.start).as_secs_f64() * 1e6,
                r.worker,
                key
            );
        }
        s.push_str("\n],\"displayTimeUnit\":\"ms\"}\n");
        s
    }

    /// Write [`chrome_trace`](Self::chrome_trace) to a file.
    pub fn write_chrome_trace(&self, path: impl AsRef<Path>) -> Result<()> {
        std::fs::write(path, self.chrome_trace())?;
        Ok(())
    }
}

impl Callback for Profiler {
    fn on_task_start(&self, e: &TaskEvent<'_>) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() <= e.task {
            open.resize(e.task + 1, None);
        }
        open[e.task] = Some((self.t0.elapsed(), e.worker));
    }

    fn on_task_finish(&self, e: &TaskEvent<'_>) {
        let end = self.t0.elapsed();
        let start = self.open.lock().unwrap_or_else(|e| e.into_inner()).get_mut(e.task).and_then(Option::take);
        let (start, worker) = start.unwrap_or((end, e.worker));
        let rec = TaskRecord { key: e.key(), name: e.name().to_string(), worker, start, end };
        self.done.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
    }

    fn on_start(&self, _: usize) {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
