//! The worker loop and its shared state.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::graph::{Block, OutWindow, Plan, TaskId, Written};
use crate::scheduler::{Callback, Stats, TaskEvent};

type Heap = BinaryHeap<Reverse<(u32, TaskId)>>;

struct State {
    /// Ready tasks without inputs (sources) and with inputs, by priority.
    ready_src: Heap,
    ready: Heap,
    remaining: Vec<u32>,
    consumers_left: Vec<u32>,
    results: Vec<Option<Block>>,
    sizes: Vec<usize>,
    running: usize,
    finished: usize,
    waiting: usize,
    error: Option<Error>,
    live_bytes: usize,
    live_blocks: usize,
    peak_bytes: usize,
    peak_blocks: usize,
    /// Blocks that arrive during the run (`Subset::arriving`) not delivered yet: while any is
    /// awaited, a worker with nothing ready waits instead of reporting a cycle.
    awaiting: usize,
    /// Computed blocks of `Subset::sent` tasks not yet taken by the driver.
    outbox: Vec<(TaskId, Block)>,
    /// Every worker returned.
    ended: bool,
}

struct Shared<'a> {
    plan: &'a Plan,
    /// Distinct dependents of each task (CSR).
    dep_off: Vec<u32>,
    dependents: Vec<TaskId>,
    /// Distinct inputs of each task (CSR).
    in_off: Vec<u32>,
    inputs: Vec<TaskId>,
    pinned: Vec<bool>,
    /// Result windows of the output tasks (`execute_into`), taken by the task that fills one.
    windows: Vec<Mutex<Option<OutWindow>>>,
    /// Index into `windows` of each task, `NO_WINDOW` for tasks without one.
    window_of: Vec<u32>,
    cap: Option<usize>,
    /// Tasks this call runs (all of the plan's, or a subset's).
    total: usize,
    /// Tasks whose computed blocks go to the driver's outbox (empty: none).
    sent: Vec<bool>,
    /// Tasks whose blocks the driver delivers during the run (empty: none); cleared as they arrive.
    arriving: Mutex<Vec<bool>>,
    callbacks: &'a [Arc<dyn Callback>],
    state: Mutex<State>,
    cv: Condvar,
    /// Wakes the driver: a block to send, or the end of the run.
    out_cv: Condvar,
}

fn lock<'a>(m: &'a Mutex<State>) -> MutexGuard<'a, State> {
    // Tasks run outside the lock, so a poisoned lock can only come from a bug in this file;
    // the state is still consistent enough to report errors.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The most worker threads a compute may ask for: beyond this a request is a mistake (or an
/// attack), and the operating system would fail it part way through spawning.
pub const MAX_THREADS: usize = 4096;

fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    if threads > MAX_THREADS {
        return Err(Error::Value(format!("{threads} worker threads requested; at most {MAX_THREADS} are allowed")));
    }
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ndchunk-{i}"))
        .build()
        .map_err(|e| Error::Value(format!("could not start {threads} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(threads, p.clone());
    Ok(p)
}

/// Run `f` on the pool of `cfg`'s size, so that rayon work inside it (assembling the result)
/// uses the threads the user asked for.
pub(crate) fn in_pool<R: Send>(cfg: &Config, f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(pool(cfg.effective_threads())?.install(f))
}

const NO_WINDOW: u32 = u32::MAX;

/// Run every task of `plan`; returns the output blocks, per output, in block order.
pub(crate) fn execute(plan: &Plan, cfg: &Config) -> Result<Vec<Vec<Block>>> {
    #[cfg(feature = "mpi")]
    if crate::distributed::applies(cfg) {
        return crate::distributed::execute(plan, cfg);
    }
    run_plan(plan, cfg, Vec::new(), None).map(|r| r.outputs)
}

/// Part of a plan run by one call: a distributed compute runs each rank's tasks (`crate::distributed`),
/// with the blocks of other ranks given before the call (round by round) or delivered while it
/// runs (dataflow, through a [`Driver`]).
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) struct Subset {
    /// The tasks to run.
    pub run: Vec<bool>,
    /// Blocks already computed, by task: every input of a task to run is run, given or arriving.
    pub given: Vec<Option<Block>>,
    /// Run tasks whose blocks are handed back (needed later, sent, or outputs).
    pub keep: Vec<bool>,
    /// Tasks (not run) whose blocks the driver delivers during the run ([`Feed::deliver`]);
    /// empty: none.
    pub arriving: Vec<bool>,
    /// Run tasks whose blocks are handed to the driver as they are computed ([`Feed::take`]);
    /// empty: none.
    pub sent: Vec<bool>,
}

/// The other end of a run whose inputs arrive while it runs (a distributed compute's messages):
/// [`Driver::drive`] runs on the calling thread while the workers run tasks, and returns after
/// the run ended ([`Feed::take`] said so) and it has nothing left to do.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) trait Driver {
    fn drive(&mut self, feed: &Feed<'_, '_>);
}

/// The driver's handle on a running subset.
pub(crate) struct Feed<'s, 'p> {
    sh: &'s Shared<'p>,
}

/// Where a run is, as [`Feed::take`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) enum Ended {
    /// Tasks are running or ready.
    No,
    /// Nothing runs and nothing is ready: the workers wait for arriving blocks.
    Waiting,
    /// Every worker returned, the run succeeded or failed.
    Ok,
    Failed,
}

#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
impl Feed<'_, '_> {
    /// The computed blocks of `sent` tasks not taken yet, and whether the run ended (once it
    /// says so, no block follows). Waits up to `wait` when there is neither.
    pub fn take(&self, wait: std::time::Duration) -> (Vec<(usize, Block)>, Ended) {
        let mut st = lock(&self.sh.state);
        if st.outbox.is_empty() && !st.ended && !wait.is_zero() {
            st = self.sh.out_cv.wait_timeout(st, wait).unwrap_or_else(|e| e.into_inner()).0;
        }
        let out = std::mem::take(&mut st.outbox).into_iter().map(|(t, b)| (t as usize, b)).collect();
        let ended = match (st.ended, st.error.is_some()) {
            (false, _) if st.running == 0 && st.ready.is_empty() && st.ready_src.is_empty() => Ended::Waiting,
            (false, _) => Ended::No,
            (true, false) => Ended::Ok,
            (true, true) => Ended::Failed,
        };
        (out, ended)
    }

    /// Hand over the block of arriving task `t`: its consumers can start.
    pub fn deliver(&self, t: usize, block: Block) -> Result<()> {
        {
            let mut arriving = self.sh.arriving.lock().unwrap_or_else(|e| e.into_inner());
            match arriving.get_mut(t) {
                Some(a) if *a => *a = false,
                _ => return Err(Error::Value(format!("internal: block of task {t} delivered but not awaited"))),
            }
        }
        let mut st = lock(&self.sh.state);
        st.awaiting -= 1;
        hold(&mut st, t, block);
        ready_dependents(self.sh, &mut st, t);
        self.sh.cv.notify_all();
        Ok(())
    }

    /// Stop the run with `e` (unless it already failed): no new task starts. Returns whether
    /// `e` became the run's error.
    pub fn fail(&self, e: Error) -> bool {
        let mut st = lock(&self.sh.state);
        let first = st.error.is_none();
        if first {
            st.error = Some(e);
        }
        self.sh.cv.notify_all();
        first
    }
}

/// Run the tasks of `subset` (see [`Subset`]); returns, by task, the blocks of `keep` tasks
/// (a `Written` marker for those that wrote into their `windows` entry, as `execute_into`).
/// With a `driver`, it runs on this thread beside the workers (a dataflow run).
#[cfg(any(test, feature = "mpi"))]
pub(crate) fn execute_subset(
    plan: &Plan,
    cfg: &Config,
    subset: Subset,
    driver: Option<&mut dyn Driver>,
    windows: Vec<Option<OutWindow>>,
) -> Result<Vec<Option<Block>>> {
    run_plan(plan, cfg, windows, Some((subset, driver))).map(|r| r.results)
}

/// What a run hands back: the output blocks (a whole plan), or the kept blocks by task (a
/// subset).
struct Ran {
    outputs: Vec<Vec<Block>>,
    #[cfg_attr(not(any(test, feature = "mpi")), allow(dead_code))]
    results: Vec<Option<Block>>,
}

/// Run every task of `plan` (one output), writing output block `i` into `windows[i]` (see
/// [`crate::graph::window`]); nothing is returned, the windows' array holds the result.
pub(crate) fn execute_into(plan: &Plan, cfg: &Config, windows: Vec<OutWindow>) -> Result<()> {
    if plan.outputs.len() != 1 || plan.outputs[0].1.len() != windows.len() {
        return Err(Error::Value("internal: one result window per output block".into()));
    }
    #[cfg(feature = "mpi")]
    if crate::distributed::applies(cfg) {
        return crate::distributed::execute_into(plan, cfg, windows);
    }
    run_plan(plan, cfg, windows.into_iter().map(Some).collect(), None).map(drop)
}

/// `windows`: empty, or one per block of the (single) output, `None` for blocks this run does not
/// write into the result (a subset's blocks computed elsewhere, or sent as blocks).
fn run_plan(
    plan: &Plan,
    cfg: &Config,
    windows: Vec<Option<OutWindow>>,
    subset: Option<(Subset, Option<&mut dyn Driver>)>,
) -> Result<Ran> {
    let t0 = Instant::now();
    let largest = plan
        .nodes
        .iter()
        .filter_map(|n| n.meta.as_ref())
        .filter(|m| m.chunks.is_known())
        .map(|m| {
            m.chunks.chunksize().iter().try_fold(m.dtype.itemsize(), |a, &l| a.checked_mul(l)).unwrap_or(usize::MAX)
        })
        .max()
        .unwrap_or(0);
    // a block larger than the machine can only abort the process: refuse it before starting
    crate::memory::check_fits(largest, "one block of this graph")?;
    if let Some(cap) = cfg.memory_cap {
        // a cap below one block cannot be honoured: say so rather than run past it
        if largest > cap {
            return Err(Error::MemoryCap { cap, needed: largest });
        }
    }
    let n = plan.tasks.len();
    let (run, mut given, keep, arriving, sent, driver) = match subset {
        Some((s, d)) => (Some(s.run), s.given, Some(s.keep), s.arriving, s.sent, d),
        None => (None, Vec::new(), None, Vec::new(), Vec::new(), None),
    };
    let runs = |t: usize| run.as_ref().is_none_or(|r| r[t]);
    let is_given = |t: usize| given.get(t).is_some_and(Option::is_some);
    let is_arriving = |t: usize| arriving.get(t).copied().unwrap_or(false);
    if (0..n).any(|t| is_arriving(t) && (runs(t) || is_given(t))) {
        return Err(Error::Value("internal: an arriving block is also run or given".into()));
    }
    let total = (0..n).filter(|&t| runs(t)).count();
    // Distinct inputs and dependents (of the tasks this call runs).
    let mut in_off = Vec::with_capacity(n + 1);
    let mut inputs = Vec::new();
    let mut ndependents = vec![0u32; n];
    in_off.push(0u32);
    for (t, task) in plan.tasks.iter().enumerate() {
        let start = inputs.len();
        if runs(t) {
            inputs.extend_from_slice(&task.deps);
        }
        inputs[start..].sort_unstable();
        let mut w = start;
        for r in start..inputs.len() {
            if r == start || inputs[r] != inputs[w - 1] {
                inputs[w] = inputs[r];
                w += 1;
            }
        }
        inputs.truncate(w);
        for &d in &inputs[start..] {
            ndependents[d as usize] += 1;
        }
        in_off.push(inputs.len() as u32);
    }
    let mut dep_off = Vec::with_capacity(n + 1);
    dep_off.push(0u32);
    for t in 0..n {
        dep_off.push(dep_off[t] + ndependents[t]);
    }
    let mut fill = dep_off.clone();
    let mut dependents = vec![0 as TaskId; inputs.len()];
    for t in 0..n {
        for &d in &inputs[in_off[t] as usize..in_off[t + 1] as usize] {
            dependents[fill[d as usize] as usize] = t as TaskId;
            fill[d as usize] += 1;
        }
    }
    let mut pinned = vec![false; n];
    if let Some(keep) = &keep {
        pinned.copy_from_slice(keep);
    } else {
        for (_, ids) in &plan.outputs {
            for &t in ids {
                pinned[t as usize] = true;
            }
        }
    }
    let windows = if windows.iter().all(Option::is_none) { Vec::new() } else { windows };
    let mut window_of = vec![NO_WINDOW; if windows.is_empty() { 0 } else { n }];
    if !windows.is_empty() {
        if plan.outputs.len() != 1 || plan.outputs[0].1.len() != windows.len() {
            return Err(Error::Value("internal: one result window per output block".into()));
        }
        for (w, &t) in plan.outputs[0].1.iter().enumerate() {
            if windows[w].is_none() {
                continue;
            }
            if window_of[t as usize] != NO_WINDOW {
                return Err(Error::Value("internal: an output task fills two result windows".into()));
            }
            window_of[t as usize] = w as u32;
        }
    }
    let mut ready_src = Heap::new();
    let mut ready = Heap::new();
    let mut remaining = vec![0u32; n];
    for t in (0..n).filter(|&t| runs(t)) {
        let ins = &inputs[in_off[t] as usize..in_off[t + 1] as usize];
        if let Some(&d) = ins.iter().find(|&&d| !runs(d as usize) && !is_given(d as usize) && !is_arriving(d as usize))
        {
            return Err(Error::Value(format!("internal: task {t} needs task {d}, neither run, given nor arriving")));
        }
        remaining[t] = ins.iter().filter(|&&d| !is_given(d as usize)).count() as u32;
        if remaining[t] == 0 {
            let h = if ins.is_empty() { &mut ready_src } else { &mut ready };
            h.push(Reverse((plan.tasks[t].priority, t as TaskId)));
        }
    }
    // an arriving block nothing here consumes is not awaited
    let arriving: Vec<bool> = (0..n).map(|t| is_arriving(t) && ndependents[t] > 0).collect();
    let awaiting = arriving.iter().filter(|&&a| a).count();
    let mut results: Vec<Option<Block>> = vec![None; n];
    let mut sizes = vec![0; n];
    let mut live_bytes = 0;
    let mut live_blocks = 0;
    for (t, g) in given.iter_mut().enumerate() {
        if let Some(b) = g.take().filter(|_| ndependents[t] > 0) {
            sizes[t] = b.nbytes();
            live_bytes += sizes[t];
            live_blocks += 1;
            results[t] = Some(b);
        }
    }
    let state = State {
        ready_src,
        ready,
        remaining,
        consumers_left: ndependents,
        results,
        sizes,
        running: 0,
        finished: 0,
        waiting: 0,
        error: None,
        live_bytes,
        live_blocks,
        peak_bytes: live_bytes,
        peak_blocks: live_blocks,
        awaiting,
        outbox: Vec::new(),
        ended: false,
    };
    let progress = crate::diagnostics::progress::ProgressBar::for_policy(cfg.progress, cfg.progress_after)
        .map(|p| Arc::new(p) as Arc<dyn Callback>);
    let mut callbacks: Vec<Arc<dyn Callback>> = cfg.callbacks.clone();
    callbacks.extend(progress);
    let sh = Shared {
        plan,
        dep_off,
        dependents,
        in_off,
        inputs,
        pinned,
        windows: windows.into_iter().map(Mutex::new).collect(),
        window_of,
        cap: cfg.memory_cap,
        total,
        sent,
        arriving: Mutex::new(arriving),
        callbacks: &callbacks,
        state: Mutex::new(state),
        cv: Condvar::new(),
        out_cv: Condvar::new(),
    };
    let started = catch_unwind(AssertUnwindSafe(|| {
        for cb in sh.callbacks {
            cb.on_start(total);
        }
    }));
    if let Err(p) = started {
        return Err(Error::TaskPanicked { key: "callback on_start".into(), message: panic_message(p) });
    }
    // A compute started from inside a task (a `compute()` in a `map_blocks` closure) runs on
    // the calling thread: its workers would otherwise wait on a pool whose threads are all
    // busy waiting for the outer compute, a deadlock.
    let threads = if inside_task() { 1 } else { cfg.effective_threads().min(total.max(1)) };
    let pool = if threads <= 1 { None } else { Some(pool(cfg.effective_threads())?) };
    let has_driver = driver.is_some();
    let work = || {
        match &pool {
            None => worker(&sh, 0),
            Some(p) => p.scope(|s| {
                for w in 0..threads {
                    let sh = &sh;
                    s.spawn(move |_| worker(sh, w));
                }
            }),
        }
        lock(&sh.state).ended = true;
        // only a driver waits on `out_cv` (`Feed::take`); a notify is a system call
        if has_driver {
            sh.out_cv.notify_all();
        }
    };
    match driver {
        None => work(),
        // the driver talks to the other ranks on this thread (the one MPI calls come from)
        // while the workers run on their own
        Some(d) => std::thread::scope(|s| {
            let workers = s.spawn(work);
            let feed = Feed { sh: &sh };
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| d.drive(&feed))) {
                feed.fail(Error::TaskPanicked { key: "distributed driver".into(), message: panic_message(p) });
            }
            if workers.join().is_err() {
                feed.fail(Error::Value("internal: a scheduler thread panicked".into()));
            }
        }),
    }
    let mut st = sh.state.into_inner().unwrap_or_else(|e| e.into_inner());
    let stats = Stats {
        tasks: st.finished,
        peak_live_blocks: st.peak_blocks,
        peak_live_bytes: st.peak_bytes,
        elapsed: t0.elapsed(),
    };
    let finished = catch_unwind(AssertUnwindSafe(|| {
        for cb in sh.callbacks {
            cb.on_finish(&stats);
        }
    }));
    if let Some(e) = st.error.take() {
        return Err(e);
    }
    if let Err(p) = finished {
        return Err(Error::TaskPanicked { key: "callback on_finish".into(), message: panic_message(p) });
    }
    if keep.is_some() {
        return Ok(Ran { outputs: Vec::new(), results: st.results });
    }
    let mut out = Vec::with_capacity(plan.outputs.len());
    for (_, ids) in &plan.outputs {
        let blocks: Option<Vec<Block>> = ids.iter().map(|&t| st.results[t as usize].clone()).collect();
        out.push(blocks.ok_or_else(|| Error::Value("internal: an output block was not computed".into()))?);
    }
    Ok(Ran { outputs: out, results: Vec::new() })
}

fn pick(st: &mut State, cap: Option<usize>) -> Option<TaskId> {
    if cap.is_some_and(|c| st.live_bytes >= c) {
        if let Some(Reverse((_, t))) = st.ready.pop() {
            return Some(t);
        }
        if st.running == 0 {
            return st.ready_src.pop().map(|Reverse((_, t))| t);
        }
        return None;
    }
    let take_src = match (st.ready.peek(), st.ready_src.peek()) {
        (Some(a), Some(b)) => b.0 .0 < a.0 .0,
        (None, Some(_)) => true,
        _ => false,
    };
    let h = if take_src { &mut st.ready_src } else { &mut st.ready };
    h.pop().map(|Reverse((_, t))| t)
}

fn worker(sh: &Shared<'_>, wid: usize) {
    let ntasks = sh.total;
    let mut st = lock(&sh.state);
    loop {
        let t = loop {
            if st.error.is_some() || st.finished == ntasks {
                // (a notify is a system call even with no one waiting: std's futex condvar)
                if st.running == 0 && st.waiting > 0 {
                    sh.cv.notify_all();
                }
                return;
            }
            if let Some(t) = pick(&mut st, sh.cap) {
                break t;
            }
            if st.running == 0 && st.ready.is_empty() && st.ready_src.is_empty() && st.awaiting == 0 {
                st.error = Some(Error::Value("internal: the task graph has a cycle".into()));
                continue;
            }
            st.waiting += 1;
            if threads_in_pool() {
                // Nothing to start: help with parallel work that running tasks spawned into the
                // pool (faer's factorizations split themselves with rayon), then sleep briefly.
                drop(st);
                while let Some(rayon::Yield::Executed) = rayon::yield_now() {}
                st = lock(&sh.state);
                if st.error.is_none() && st.finished < ntasks && st.ready.is_empty() && st.ready_src.is_empty() {
                    st = sh
                        .cv
                        .wait_timeout(st, std::time::Duration::from_millis(1))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            } else {
                st = sh.cv.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.waiting -= 1;
        };
        st.running += 1;
        let task = &sh.plan.tasks[t as usize];
        let mut inputs: Vec<Block> = Vec::with_capacity(task.deps.len());
        for (k, &d) in task.deps.iter().enumerate() {
            let di = d as usize;
            if let Some(j) = task.deps[..k].iter().position(|&e| e == d) {
                let b = inputs[j].clone();
                inputs.push(b);
            } else if st.consumers_left[di] == 1 && !sh.pinned[di] {
                // This task is the block's last consumer: hand it over (reference count 1), so
                // an accumulating op can update it in place. Its bytes stay counted until the
                // task completes.
                inputs.push(st.results[di].take().expect("input computed before its consumer"));
            } else {
                inputs.push(st.results[di].clone().expect("input computed before its consumer"));
            }
        }
        let bytes_in: usize = if sh.callbacks.is_empty() {
            0
        } else {
            let ti = t as usize;
            sh.inputs[sh.in_off[ti] as usize..sh.in_off[ti + 1] as usize].iter().map(|&d| st.sizes[d as usize]).sum()
        };
        if st.waiting > 0 && !(st.ready.is_empty() && st.ready_src.is_empty()) {
            sh.cv.notify_one();
        }
        drop(st);

        let res = run_observed(sh, t, wid, bytes_in, inputs);

        st = lock(&sh.state);
        st.running -= 1;
        match res {
            Ok(block) => complete(sh, &mut st, t, block),
            Err(e) => {
                if st.error.is_none() {
                    st.error = Some(e);
                }
                sh.cv.notify_all();
            }
        }
    }
}

/// Whether this thread is a worker of a rayon pool (single-threaded computes run inline).
fn threads_in_pool() -> bool {
    rayon::current_thread_index().is_some()
}

fn complete(sh: &Shared<'_>, st: &mut State, t: TaskId, block: Block) {
    let ti = t as usize;
    // Release inputs whose last consumer this was.
    for &d in &sh.inputs[sh.in_off[ti] as usize..sh.in_off[ti + 1] as usize] {
        let di = d as usize;
        st.consumers_left[di] -= 1;
        if st.consumers_left[di] == 0 && !sh.pinned[di] {
            st.results[di] = None; // already taken when handed over
            st.live_bytes -= st.sizes[di];
            st.live_blocks -= 1;
        }
    }
    if sh.sent.get(ti).copied().unwrap_or(false) {
        st.outbox.push((t, block.clone()));
        sh.out_cv.notify_one();
    }
    if st.consumers_left[ti] > 0 || sh.pinned[ti] {
        hold(st, ti, block);
    }
    st.finished += 1;
    ready_dependents(sh, st, ti);
    if st.finished == sh.total && st.waiting > 0 {
        sh.cv.notify_all();
    }
}

/// Keep task `t`'s block for its consumers, counted against the cap.
fn hold(st: &mut State, t: usize, block: Block) {
    let size = block.nbytes();
    st.sizes[t] = size;
    st.results[t] = Some(block);
    st.live_bytes += size;
    st.live_blocks += 1;
    st.peak_bytes = st.peak_bytes.max(st.live_bytes);
    st.peak_blocks = st.peak_blocks.max(st.live_blocks);
}

/// Task `t`'s block is here (computed or arrived): its consumers have one input less to wait for.
fn ready_dependents(sh: &Shared<'_>, st: &mut State, t: usize) {
    for &u in &sh.dependents[sh.dep_off[t] as usize..sh.dep_off[t + 1] as usize] {
        let ui = u as usize;
        st.remaining[ui] -= 1;
        if st.remaining[ui] == 0 {
            st.ready.push(Reverse((sh.plan.tasks[ui].priority, u)));
        }
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Run task `t` between its callbacks. Anything that panics here — the task, or a user's
/// callback — becomes an error: a panic escaping a worker would leave `running` counted and
/// every other worker waiting for it forever.
fn run_observed(sh: &Shared<'_>, t: TaskId, wid: usize, bytes_in: usize, inputs: Vec<Block>) -> Result<Block> {
    let mut event = TaskEvent { task: t as usize, worker: wid, bytes_in, bytes_out: 0, plan: sh.plan };
    let guarded = catch_unwind(AssertUnwindSafe(|| {
        if sh.callbacks.iter().any(|cb| cb.cancelled()) {
            return Err(Error::Cancelled);
        }
        for cb in sh.callbacks {
            cb.on_task_start(&event);
        }
        let mut window = match sh.window_of.get(t as usize) {
            Some(&w) if w != NO_WINDOW => sh.windows[w as usize].lock().unwrap_or_else(|e| e.into_inner()).take(),
            _ => None,
        };
        let r = {
            let _inside = InsideTask::enter();
            run_task(sh.plan, t, inputs, window.as_mut())
        };
        if !sh.callbacks.is_empty() {
            event.bytes_out = r.as_ref().map(|b| b.nbytes()).unwrap_or(0);
            for cb in sh.callbacks {
                cb.on_task_finish(&event);
            }
        }
        r
    }));
    guarded.unwrap_or_else(|p| {
        Err(Error::TaskPanicked {
            key: format!("callback around task {}", sh.plan.stage_key(&sh.plan.tasks[t as usize].stages[0])),
            message: panic_message(p),
        })
    })
}

thread_local! {
    /// How many tasks this thread is running (nested computes inside a task add one each).
    static TASK_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Marks the current thread as running a task for as long as it lives.
struct InsideTask;

impl InsideTask {
    fn enter() -> InsideTask {
        TASK_DEPTH.with(|d| d.set(d.get() + 1));
        InsideTask
    }
}

impl Drop for InsideTask {
    fn drop(&mut self) {
        TASK_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Whether the current thread is inside a task (a `compute()` called from a `map_blocks`
/// closure, say).
pub(crate) fn inside_task() -> bool {
    TASK_DEPTH.with(|d| d.get() > 0)
}

fn run_task(plan: &Plan, t: TaskId, inputs: Vec<Block>, mut window: Option<&mut OutWindow>) -> Result<Block> {
    let task = &plan.tasks[t as usize];
    let mut cur: Option<Block> = None;
    let mut inputs = Some(inputs);
    let nstages = task.stages.len();
    for (i, st) in task.stages.iter().enumerate() {
        let ins = match inputs.take() {
            Some(v) => v,
            None => {
                let prev = cur.take().expect("previous stage result");
                vec![prev; st.arity as usize]
            }
        };
        let r = catch_unwind(AssertUnwindSafe(|| match window.as_deref_mut() {
            Some(w) if i + 1 == nstages => plan.run_stage_into(st, ins, w).map(|()| Arc::new(Written) as Block),
            _ => plan.run_stage(st, ins),
        }));
        match r {
            Ok(Ok(b)) => cur = Some(b),
            Ok(Err(e)) => return Err(e),
            Err(p) => return Err(Error::TaskPanicked { key: plan.stage_key(st), message: panic_message(p) }),
        }
    }
    cur.ok_or_else(|| Error::Value("internal: task without stages".into()))
}
