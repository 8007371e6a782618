//! Hooks the scheduler calls: the base of progress bars, profilers and test probes.

use std::time::Duration;

use crate::graph::Plan;

/// Observer of a compute. Every method has an empty default; implement what you need.
/// Methods are called from worker threads, outside the scheduler's lock.
pub trait Callback: Send + Sync {
    /// The graph is lowered and about to run.
    fn on_start(&self, _ntasks: usize) {}
    /// A task is about to run on worker `event.worker`.
    fn on_task_start(&self, _event: &TaskEvent<'_>) {}
    /// A task has finished (successfully or not).
    fn on_task_finish(&self, _event: &TaskEvent<'_>) {}
    /// The compute has ended.
    fn on_finish(&self, _stats: &Stats) {}
    /// Polled before each task starts; returning true cancels the compute
    /// (`Error::Cancelled`).
    fn cancelled(&self) -> bool {
        false
    }
}

/// A task, as seen by callbacks.
pub struct TaskEvent<'a> {
    /// Task number within this compute.
    pub task: usize,
    /// Worker index (0..threads).
    pub worker: usize,
    /// Bytes of the task's distinct input blocks.
    pub bytes_in: usize,
    /// Bytes of the block it produced (0 in `on_task_start`, or when it failed).
    pub bytes_out: usize,
    pub(crate) plan: &'a Plan,
}

impl TaskEvent<'_> {
    /// The task's key: `('operation-id', block index)` of its last stage.
    pub fn key(&self) -> String {
        let t = &self.plan.tasks[self.task];
        self.plan.stage_key(t.stages.last().expect("task has a stage"))
    }

    /// The name of the operation of the task's last stage.
    pub fn name(&self) -> &str {
        let t = &self.plan.tasks[self.task];
        &self.plan.nodes[t.stages.last().expect("task has a stage").node as usize].name
    }

    /// Number of (node, block) stages fused into this task.
    pub fn stages(&self) -> usize {
        self.plan.tasks[self.task].stages.len()
    }
}

/// Figures of a finished compute.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Tasks run.
    pub tasks: usize,
    /// Most blocks held at once.
    pub peak_live_blocks: usize,
    /// Most bytes of blocks held at once.
    pub peak_live_bytes: usize,
    /// Wall time of the compute.
    pub elapsed: Duration,
}
