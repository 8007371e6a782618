//! Distributed computes: the same program under `mpirun`, blocks owned by ranks (feature `mpi`).
//!
//! ```text
//!   rank 0            rank 1            rank 2           every rank builds the same graph
//!   Plan::build       Plan::build       Plan::build      and the same Plan (checked)
//!      │ place: owners, destinations — the same on every rank, no messages
//!   each rank runs its tasks on its rayon pool (the ordinary scheduler); meanwhile its
//!   calling thread sends each block other ranks need the moment it is computed, and hands
//!   each block that arrives to the scheduler: the tasks waiting for it start at once
//!      └── last message to every rank: a status (ok / failed) ── errors agreed: Err everywhere
//!   results: output blocks sent to every rank (or to rank 0) as they are computed
//! ```
//!
//! # Model: SPMD over one plan
//!
//! Every rank runs the same program, builds the same lazy graph and calls the same `compute`
//! (as every MPI code does). [`init`] starts MPI and sets the global [`Config`] to the
//! [`Executor::Mpi`] executor, so `compute`, `compute_all`, the tuple `compute`, `persist` and
//! every internal compute run across the ranks of `MPI_COMM_WORLD` with no change to the
//! program; `Config::with_executor(Executor::Local)` runs one compute on this process alone.
//! Each rank lowers its graph with [`Plan::build`], which is deterministic (its maps are looked
//! up, never iterated; node ids — a per-process counter — only identify nodes, and the task
//! list is in the order of the graph's structure). A fingerprint of the plan's structure is
//! compared across ranks (one allreduce) before anything runs: ranks whose graphs differ get
//! an `Err`, not a hang.
//!
//! # Placement (`place.rs`)
//!
//! * **Owner**: a task whose block can be sent is owned by one rank. Sources (file reads,
//!   generated blocks) are split over the ranks in contiguous ranges of their node's C-order
//!   block index; a task with inputs goes where most of its inputs are (ties: to its own
//!   layer's range). Layers on the same grid line up, so an elementwise chain, a file read and
//!   its reduction partial stay on one rank without messages (and the plan's chain fusion
//!   already made them one task); a reduction's combine groups sit with most of their
//!   partials, so only the groups that straddle a range boundary send anything.
//! * **Values that cannot be sent** (selection states, top-k parts, gufunc outputs,
//!   multi-consumer streams, matrix-product accumulators — every value without a [`Codec`])
//!   are computed by *every* rank that consumes them: duplicated work instead of a
//!   serialisation. Array blocks, reduction accumulators (sum, moments, extremes,
//!   arg-extremes, any/all), histogram counts and the matrices of factorizations (QR) have
//!   codecs (`wire.rs`), so none of the suite's workflows duplicates a value (only cheap blocks,
//!   below).
//! * **Cheap chains are recomputed where they are consumed**: a block made only by ops that
//!   cost about as much to compute again as to receive
//!   ([`Op::cheap_to_recompute`](crate::graph::Op): random and creation sources, in-memory
//!   arrays, elementwise maps, transposes — never file reads), whose consumers read it whole
//!   ([`Op::reads_whole_blocks`](crate::graph::Op): elementwise maps, transposes, block
//!   products, reduction partials), is computed by every rank that consumes it. `x.dot(x + x.T)`
//!   of a random `x` then runs all its block products in the first round, with no message but
//!   the results (a received block would arrive a round later). A rechunk or a slice of such a
//!   block receives its part instead.
//! * **Pinned tasks**: an op may name the rank of its task ([`Op::home`](crate::graph::Op)):
//!   a distributed `persist`'s blocks are read where they are held, the HDF5 writer's tasks run
//!   on rank 0. A pinned task with inputs is not fused with its producers (they run where their
//!   own inputs are, and only their blocks travel).
//! * **Reductions over every axis** built under the MPI executor on several ranks first merge,
//!   on each rank, the partials of the blocks it computes (a `rank-combine` level: block `r`
//!   merges rank `r`'s contiguous range of blocks, pairwise), so a sum sends one accumulator
//!   per rank (`ranks - 1` cross) — for reductions whose result does not depend on the merge
//!   order (integer sums and products, extremes, arg-extremes, any/all), and for float sums
//!   and moments after [`set_reduce_per_rank`]`(true)`. Off by default for floats: the tree's
//!   shape would depend on the number of ranks and results could differ in the last bits
//!   between rank counts; with the block-shaped tree, a float sum sends the accumulators of
//!   the combine groups that straddle a rank boundary (about `ranks - 1` per tree level) and
//!   gives the same bits on any number of ranks.
//! * **Rounds** (hops): a task's round is one more than the latest round of an input that
//!   arrives from another rank — the longest chain of messages before it can start. It is not
//!   a barrier (below); [`DistStats::rounds`] reports it: 1 for an elementwise result, 2 for
//!   `x + x.T` of a file's (or persisted) array, 1 of a generated one, 2–4 for a tree reduction
//!   or a dot product (measured figures per workload: `docs/distributed.md`).
//!
//! # Execution: a dataflow (`flow.rs`)
//!
//! Each rank runs all its tasks in one run of the ordinary scheduler (dependency counting,
//! priorities, memory cap and panics as usual). The blocks it needs from other ranks are
//! *arriving* inputs: a task that needs one is ready the moment it is delivered. The calling
//! thread — the only one that talks to MPI — runs beside the workers:
//!
//! 1. a block whose consumers (or result ranks) are elsewhere is encoded (dtype, shape,
//!    little-endian elements; see `wire.rs`) and sent with `MPI_Isend` as soon as its task
//!    completes, once per destination from one buffer (blocks over 1 GiB go in pieces);
//! 2. incoming messages are probed, received and decoded, and handed to the scheduler (or
//!    kept as results). A block goes to each rank that needs it once, however many tasks
//!    there consume it; a sum sends one accumulator per rank boundary of its combine tree;
//! 3. when its tasks are done (or failed), a rank sends each other rank a status as its last
//!    message, and is done when it has every other rank's status and its sends completed (one
//!    tag on a communicator duplicated per compute: messages from one rank arrive in order, so
//!    nothing is left in flight). A failed status stops the run on every rank that gets it —
//!    no rank waits for a block that will never come — and the error is agreed (one
//!    allreduce): the failing rank returns its own error, the others [`Error::TaskPanicked`]
//!    (or [`Error::Value`]) naming the failing rank.
//!
//! A plan whose blocks for the HDF5 writer on rank 0 exceed one round's bytes
//! (`NDCHUNK_MPI_WRITE_ROUND_BYTES`) runs round by round instead (each rank's tasks of a round,
//! then one exchange), so that rank 0 holds one round's blocks at a time.
//!
//! # Results
//!
//! `compute()` returns the whole result on every rank (each output block is sent to every
//! rank). [`compute_on_root`] sends result blocks to rank 0 only and returns `None` elsewhere.
//! `persist()` keeps each block on the rank that computed it (`persist.rs`): later computes
//! run that block's tasks there; only the blocks' shapes are exchanged (when unknown).
//!
//! # Failures and limits (first cut)
//!
//! * The dataflow does not throttle senders: a rank that consumes blocks more slowly than the
//!   others send them holds them until its tasks get to them (as the rounds did, one round's
//!   worth). Only the HDF5 writer's stream is bounded (above).
//! * A rank that dies takes the job down: Open MPI's `mpirun` ends every rank when one exits
//!   mid-job, and MPI's default error handler (`MPI_ERRORS_ARE_FATAL`) aborts on a broken
//!   link. A rank that *hangs* (or a launcher that does not watch its processes) is caught by
//!   the deadline of [`set_timeout`] / `NDCHUNK_MPI_TIMEOUT`: every wait for other ranks is
//!   polled, and one that does not complete within that time prints what it waited for and calls
//!   `MPI_Abort` (exit code [`TIMEOUT_EXIT_CODE`] on every rank). There is no deadline by
//!   default: a long round on one rank is not a failure (`wait.rs`).
//! * A program whose ranks call different computes (one rank skips a `compute`) hangs in the
//!   first collective, as any MPI program would (until the deadline, when one is set).
//! * A compute started inside a task (a `compute()` in a `map_blocks` closure) runs locally.
//! * Writers: `to_zarr` / `io::zarr::store` write each stored chunk on the rank that computes
//!   it (rank 0 creates the temporary directory before and renames it after every rank
//!   succeeded; the store must be on a filesystem every rank sees). `to_hdf5` /
//!   `io::hdf5::store` write through rank 0 (serial HDF5): its write tasks are pinned there and
//!   the blocks computed elsewhere are sent to it in the round after they are computed — rank 0
//!   holds at most the blocks of one round from the other ranks (for an elementwise chain:
//!   the other ranks' share of the array). A failure on any rank is an `Err` on every rank and
//!   leaves no file or array at the path.
//! * Outputs that are not arrays (delayed objects) make the whole plan run on every rank.
//! * MPI is initialised with `MPI_THREAD_SERIALIZED`; only the thread that calls `compute`
//!   talks to MPI (the rayon workers never do). One compute at a time per rank.
//! * Tall-skinny QR's per-block (Q_i, R_i) pairs travel together to the rank that stacks the
//!   R_i, although it needs only R_i.
//! * Reductions over some of the axes (`sum(axis=0)`) keep the block-shaped tree: groups that
//!   straddle a rank's range of blocks send their accumulators.

mod flow;
mod persist;
mod place;
mod wait;
mod wire;

use std::sync::Mutex;

use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use ndarray::ArrayD;

use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{Block, OutWindow, Plan};
use place::Deliver;

pub(crate) use persist::persist;

/// The `mpi` crate (rsmpi) this feature is built with: make communicators for [`init_with`]
/// with it (`ndchunk::distributed::mpi::traits::*`).
pub use mpi;
pub use wait::{set_timeout, timeout, TIMEOUT_EXIT_CODE};
pub use wire::{ArrayCodec, Codec, ElemValueCodec, MatsCodec, Reader, ValueCodec, Wire};

/// Where a compute runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Executor {
    /// On this process's thread pool (the default).
    #[default]
    Local,
    /// Across the ranks of `MPI_COMM_WORLD` (needs [`init`]); results on every rank.
    Mpi,
}

/// MPI, started by [`init`]; finalised (and the global executor set back to
/// [`Executor::Local`]) when dropped. Keep it alive for as long as the program computes.
pub struct Distributed {
    _universe: mpi::environment::Universe,
    rank: usize,
    size: usize,
}

impl Distributed {
    /// This process's rank in `MPI_COMM_WORLD`.
    pub fn rank(&self) -> usize {
        self.rank
    }
    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }
    /// Wait until every rank got here (`MPI_Barrier`): e.g. after rank 0 wrote an input file
    /// (with [`Executor::Local`]) and before every rank opens it.
    pub fn barrier(&self) {
        wait::barrier(&self._universe.world(), "a barrier");
    }
}

impl Drop for Distributed {
    fn drop(&mut self) {
        Config::set_global(Config::global().with_executor(Executor::Local));
    }
}

/// Start MPI and make every compute run across the ranks of `MPI_COMM_WORLD` (the global
/// [`Config`]'s executor becomes [`Executor::Mpi`]). Call it once, first thing in `main`, on
/// every rank. Run the program with `mpirun -n 4 ./program`; without `mpirun` it is a job of one
/// rank.
///
/// ```no_run
/// let mpi = ndchunk::distributed::init().unwrap();
/// let x = ndchunk::random::Generator::new(7).random(&[1000, 1000], [250, 250]).unwrap();
/// let s = x.sum(None).unwrap().compute().unwrap(); // the same on every rank
/// if mpi.rank() == 0 {
///     println!("{} ranks: {}", mpi.size(), s);
/// }
/// ```
pub fn init() -> Result<Distributed> {
    let (universe, _threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)
        .ok_or_else(|| Error::Value("distributed::init: MPI is already initialised".into()))?;
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    Config::set_global(Config::global().with_executor(Executor::Mpi));
    Ok(Distributed { _universe: universe, rank, size })
}

thread_local! {
    /// The communicator given to [`init_with`] on this thread (none: `MPI_COMM_WORLD`).
    static GIVEN: std::cell::Cell<Option<&'static SimpleCommunicator>> = const { std::cell::Cell::new(None) };
}

/// The communicator distributed computes use on this thread.
pub(crate) enum Comm {
    World(SimpleCommunicator),
    Given(&'static SimpleCommunicator),
}

impl std::ops::Deref for Comm {
    type Target = SimpleCommunicator;
    fn deref(&self) -> &SimpleCommunicator {
        match self {
            Comm::World(c) => c,
            Comm::Given(c) => c,
        }
    }
}

static PER_RANK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Let float reductions over every axis (sum, mean, var, std, … of floats) merge the partials
/// of each rank's blocks on that rank first, so that one accumulator per rank crosses instead
/// of the combine tree's (about `ranks - 1` per tree level). Off by default because the merge
/// order then depends on the number of ranks: results can differ in the last bits between rank
/// counts (never between the ranks of one job). Reductions whose result does not depend on the
/// order (integer sums and products, min/max, argmin/argmax, any/all) always do it. Applies
/// to graphs built after the call.
///
/// ```
/// ndchunk::distributed::set_reduce_per_rank(true);
/// assert!(ndchunk::distributed::reduce_per_rank());
/// ndchunk::distributed::set_reduce_per_rank(false);
/// ```
pub fn set_reduce_per_rank(on: bool) {
    PER_RANK.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether float reductions merge per rank first ([`set_reduce_per_rank`]).
pub fn reduce_per_rank() -> bool {
    PER_RANK.load(std::sync::atomic::Ordering::Relaxed)
}

/// [`init_with`]'s communicator on this thread, else `MPI_COMM_WORLD`.
pub(crate) fn comm() -> Comm {
    GIVEN.with(|g| g.get()).map_or_else(|| Comm::World(SimpleCommunicator::world()), Comm::Given)
}

/// Make computes called from this thread run across the ranks of `comm` instead of
/// `MPI_COMM_WORLD` (and set the global executor to [`Executor::Mpi`]): e.g. a split of the
/// world, where each group of ranks computes its own arrays. MPI must be started ([`init`], or
/// the program's own `mpi::initialize`; keep that alive). Every rank of `comm` must build the
/// same graphs and call the same computes; ranks outside it are not involved. Call it again
/// (with `mpi::topology::SimpleCommunicator::world()` to go back) to change; each
/// communicator given is kept until the process ends.
///
/// ```no_run
/// use ndchunk::distributed::mpi::traits::*;
/// use ndchunk::distributed::mpi::topology::{Color, SimpleCommunicator};
/// let mpi = ndchunk::distributed::init().unwrap();
/// let world = SimpleCommunicator::world();
/// // two groups: even and odd ranks, each computing on its own
/// let half = world.split_by_color(Color::with_value((mpi.rank() % 2) as i32)).unwrap();
/// let group_rank = half.rank();
/// ndchunk::distributed::init_with(half).unwrap();
/// let x = ndchunk::ones::<f64>(&[1000], [100]).unwrap();
/// let s = x.sum(None).unwrap().compute().unwrap(); // across this rank's group
/// if group_rank == 0 {
///     println!("{s}");
/// }
/// ```
pub fn init_with(comm: SimpleCommunicator) -> Result<()> {
    if !mpi::is_initialized() || mpi::is_finalized() {
        return Err(Error::Value("distributed::init_with: start MPI first (distributed::init)".into()));
    }
    let kept: &'static SimpleCommunicator = Box::leak(Box::new(comm));
    GIVEN.with(|g| g.set(Some(kept)));
    Config::set_global(Config::global().with_executor(Executor::Mpi));
    Ok(())
}

/// Figures of the last distributed compute on this rank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistStats {
    /// Ranks of the job.
    pub ranks: usize,
    /// Rounds of the plan: the longest chain of messages between ranks, plus one (a plan that
    /// streams into the HDF5 writer runs round by round; the others are a dataflow).
    pub rounds: usize,
    /// Tasks of the plan, and tasks this rank ran.
    pub tasks: usize,
    pub tasks_run: usize,
    /// Tasks run on more than one rank (values without a codec, and cheap chains such as
    /// generated blocks and elementwise maps of them, recomputed by every rank that consumes them).
    pub tasks_duplicated: usize,
    /// Blocks and bytes this rank sent to other ranks (headers included).
    pub blocks_sent: usize,
    pub bytes_sent: u64,
    /// Of `bytes_sent`, the bytes of result blocks (sent to the ranks that return them).
    pub bytes_sent_results: u64,
    /// Bytes this rank received.
    pub bytes_received: u64,
    /// Bytes sent by all ranks together, and of them the result blocks'.
    pub bytes_sent_all_ranks: u64,
    pub bytes_sent_results_all_ranks: u64,
    /// Whether the plan ran on every rank whole (outputs that cannot be sent).
    pub replicated: bool,
    /// Time this rank spent until its own tasks were done (messages overlap it), and after
    /// (waiting for the other ranks' blocks and statuses, agreeing on errors); round by round,
    /// the time in the rounds' tasks and in the exchanges after them.
    pub compute_time: std::time::Duration,
    pub exchange_time: std::time::Duration,
}

static LAST: Mutex<Option<DistStats>> = Mutex::new(None);

/// [`DistStats`] of the last distributed compute on this rank (default when there was none).
pub fn last_stats() -> DistStats {
    LAST.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// `(rank, ranks)` when work is shared with other ranks: under the MPI executor (outside a
/// task) on more than one rank. `None`: as one process (writers write alone, reductions build
/// their usual tree).
pub(crate) fn spmd_ranks() -> Option<(usize, usize)> {
    if applies(&Config::global()) && mpi::is_initialized() && !mpi::is_finalized() {
        let world = comm();
        let size = world.size() as usize;
        if size > 1 {
            return Some((world.rank() as usize, size));
        }
    }
    None
}

/// Make one rank's failure every rank's (collective: every rank must call it). A failing rank
/// keeps its own error; the others get one naming the lowest failing rank.
pub(crate) fn agree_all<T>(r: Result<T>) -> Result<T> {
    let world = comm();
    let (me, size) = (world.rank() as usize, world.size() as usize);
    let status = r.as_ref().map(drop).map_err(clone_error);
    match agree(&world, me, size, status) {
        Ok(()) => r,
        Err(e) => Err(r.err().unwrap_or(e)),
    }
}

/// Rank 0's `msg` on every rank (collective).
pub(crate) fn broadcast_from_root(mut msg: Vec<u8>) -> Vec<u8> {
    let world = comm();
    let mut len = [msg.len() as u64];
    wait::broadcast(&world, 0, &mut len, "a broadcast from rank 0");
    msg.resize(len[0] as usize, 0);
    wait::broadcast(&world, 0, &mut msg[..], "a broadcast from rank 0");
    msg
}

/// Run `plan` across the ranks with every output block left on the rank that computed it and
/// nothing returned (writers: their tasks write, their blocks are empty markers).
pub(crate) fn run_in_place(plan: &Plan, cfg: &Config) -> Result<()> {
    run(plan, cfg, Deliver::Keep, Vec::new()).map(drop)
}

/// Whether `cfg` asks for a distributed compute (never inside a task).
pub(crate) fn applies(cfg: &Config) -> bool {
    cfg.executor == Executor::Mpi && !crate::scheduler::inside_task()
}

/// The distributed form of `scheduler::execute`: output blocks on every rank.
pub(crate) fn execute(plan: &Plan, cfg: &Config) -> Result<Vec<Vec<Block>>> {
    all_present(run(plan, cfg, Deliver::Everywhere, Vec::new())?.outputs)
}

/// The distributed form of `scheduler::execute_into`: the result written into `windows` (one
/// per output block) on every rank — each block as it is computed here or arrives.
pub(crate) fn execute_into(plan: &Plan, cfg: &Config, windows: Vec<OutWindow>) -> Result<()> {
    run(plan, cfg, Deliver::Everywhere, windows).map(drop)
}

/// Copy the output blocks of a run that did not write its result windows itself.
fn fill_windows(outputs: &[Vec<Option<Block>>], windows: Vec<OutWindow>) -> Result<()> {
    if windows.is_empty() {
        return Ok(());
    }
    let blocks = outputs.first().ok_or_else(|| Error::Value("internal: one output".into()))?;
    for (mut w, b) in windows.into_iter().zip(blocks) {
        w.copy_from(b.as_ref().ok_or_else(|| Error::Value("internal: a result block did not arrive".into()))?)?;
    }
    Ok(())
}

fn all_present(outputs: Vec<Vec<Option<Block>>>) -> Result<Vec<Vec<Block>>> {
    outputs
        .into_iter()
        .map(|o| o.into_iter().collect::<Option<Vec<Block>>>())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::Value("internal: a result block did not arrive".into()))
}

/// Compute `x` across the ranks, returning the result on rank 0 and `None` on the others: the
/// result's blocks are sent to rank 0 only. Without the MPI executor, as `compute()`.
///
/// ```no_run
/// let _mpi = ndchunk::distributed::init().unwrap();
/// let x = ndchunk::ones::<f64>(&[100], [10]).unwrap();
/// if let Some(s) = ndchunk::distributed::compute_on_root(&x.sum(None).unwrap()).unwrap() {
///     assert_eq!(s[[]], 100.0);
/// }
/// ```
pub fn compute_on_root<T: Element>(x: &ChunkedArray<T>) -> Result<Option<ArrayD<T>>> {
    let cfg = Config::global();
    if !applies(&cfg) {
        return x.compute_with(&cfg).map(Some);
    }
    let plan = Plan::build(std::slice::from_ref(x.node()))?;
    let meta = x.node().meta();
    if meta.chunks.is_known() && x.node().nblocks() > 1 && comm().rank() == 0 {
        // rank 0 writes its own blocks and decodes the others' straight into the result, as
        // they come: no block is held until the end, and no stitching pass after it
        let what = "the result of compute_on_root()";
        let run = |windows| run(&plan, &cfg, Deliver::Root, windows).map(|_| ());
        let out = crate::array::chunked_array::compute_into_windows::<T>(
            &meta.shape,
            meta.chunks.as_slices(),
            what,
            true,
            run,
        )?;
        return Ok(Some(out));
    }
    let outcome = run(&plan, &cfg, Deliver::Root, Vec::new())?;
    if outcome.rank != 0 {
        return Ok(None);
    }
    let b = all_present(outcome.outputs)?.pop().ok_or_else(|| Error::Value("internal: one output".into()))?;
    crate::array::chunked_array::assemble::<T>(x.node(), &b, &cfg).map(Some)
}

/// What a distributed run leaves on this rank.
pub(crate) struct Outcome {
    pub rank: usize,
    /// Per output, its blocks that are here.
    pub outputs: Vec<Vec<Option<Block>>>,
    /// Per output, the rank that computed each block.
    pub homes: Vec<Vec<u32>>,
}

/// Run `plan` across the ranks, delivering results as `deliver` says; with `windows` (one per
/// block of the single output, or none), the result blocks here are written into them instead
/// of returned.
pub(crate) fn run(plan: &Plan, cfg: &Config, deliver: Deliver, windows: Vec<OutWindow>) -> Result<Outcome> {
    if !mpi::is_initialized() || mpi::is_finalized() {
        return Err(Error::Value("the MPI executor needs ndchunk::distributed::init() first".into()));
    }
    let world = comm();
    let size = world.size() as usize;
    let me = world.rank() as usize;
    let local = cfg.clone().with_executor(Executor::Local);
    let n = plan.tasks.len();

    // 1. every rank lowered the same graph
    let fp = place::fingerprint(plan);
    let lo = wait::all_reduce(&world, fp, SystemOperation::min(), "the plan check");
    let hi = wait::all_reduce(&world, fp, SystemOperation::max(), "the plan check");
    if lo != hi {
        return Err(Error::Value(
            "distributed: the ranks built different task graphs (every rank must build the same graph and call \
             the same compute)"
                .into(),
        ));
    }

    // 2. placement, the same on every rank
    // an error here is deterministic: every rank fails alike
    let placed = place::place(plan, size, deliver)?;
    let Some(pl) = placed else {
        // outputs that cannot be sent: the whole plan on every rank
        let r = crate::scheduler::execute(plan, &local);
        let agreed = agree(&world, me, size, r.as_ref().map(drop).map_err(clone_error));
        let out = r.and_then(|o| agreed.map(|()| o))?;
        record(DistStats { ranks: size, rounds: 1, tasks: n, tasks_run: n, replicated: true, ..Default::default() });
        // every rank holds every block: rank 0 stands for all (the same answer on every rank)
        let homes = out.iter().map(|o| vec![0; o.len()]).collect();
        let outputs: Vec<Vec<Option<Block>>> = out.into_iter().map(|o| o.into_iter().map(Some).collect()).collect();
        fill_windows(&outputs, windows)?;
        return Ok(Outcome { rank: me, outputs, homes });
    };

    if !pl.streamed {
        return run_flow(plan, &local, &pl, &world, deliver, windows);
    }
    // a plan that streams blocks into a pinned writer runs round by round (the writer's rank
    // then holds one round's blocks at a time)
    // the round after which each block held here is no longer needed (results: never)
    let last_use: Vec<u32> = (0..n)
        .map(|t| {
            if pl.is_output[t] {
                u32::MAX
            } else {
                pl.consumers[t]
                    .iter()
                    .filter(|&&c| pl.runs[c as usize].binary_search(&(me as u32)).is_ok())
                    .map(|&c| pl.round[c as usize])
                    .max()
                    .unwrap_or(0)
            }
        })
        .collect();
    let mine: Vec<bool> = (0..n).map(|t| pl.runs[t].binary_search(&(me as u32)).is_ok()).collect();
    let mut by_round: Vec<Vec<u32>> = vec![Vec::new(); pl.nrounds as usize];
    for t in 0..n {
        if mine[t] {
            by_round[pl.round[t] as usize].push(t as u32);
        }
    }
    let mut stats = DistStats {
        ranks: size,
        rounds: pl.nrounds as usize,
        tasks: n,
        tasks_run: mine.iter().filter(|&&m| m).count(),
        tasks_duplicated: pl.runs.iter().filter(|r| r.len() > 1).count(),
        ..Default::default()
    };
    let mut store: Vec<Option<Block>> = vec![None; n];
    for (k, tasks) in by_round.iter().enumerate() {
        let k = k as u32;
        let mut sendbufs: Vec<Vec<u8>> = vec![Vec::new(); size];
        let started = std::time::Instant::now();
        let step = run_round(plan, &local, &pl, tasks, &mut store, &last_use, &mut sendbufs, &mut stats, k);
        let computed = std::time::Instant::now();
        stats.compute_time += computed - started;
        agree(&world, me, size, step)?;
        let recv = exchange(&world, &sendbufs);
        stats.bytes_sent += sendbufs.iter().map(|b| b.len() as u64).sum::<u64>();
        stats.bytes_received += recv.iter().map(|b| b.len() as u64).sum::<u64>();
        let decoded = recv.iter().try_for_each(|buf| receive(plan, buf, &mut store));
        agree(&world, me, size, decoded)?;
        stats.exchange_time += computed.elapsed();
        for t in 0..n {
            if store[t].is_some() && last_use[t] <= k {
                store[t] = None;
            }
        }
    }
    stats.bytes_sent_all_ranks = wait::all_reduce(&world, stats.bytes_sent, SystemOperation::sum(), "the statistics");
    stats.bytes_sent_results_all_ranks =
        wait::all_reduce(&world, stats.bytes_sent_results, SystemOperation::sum(), "the statistics");
    record(stats);
    let outputs: Vec<Vec<Option<Block>>> =
        plan.outputs.iter().map(|(_, ids)| ids.iter().map(|&t| store[t as usize].clone()).collect()).collect();
    let homes = plan.outputs.iter().map(|(_, ids)| ids.iter().map(|&t| pl.runs[t as usize][0]).collect()).collect();
    fill_windows(&outputs, windows)?;
    Ok(Outcome { rank: me, outputs, homes })
}

/// Run this rank's share of `plan` as a dataflow (`flow.rs`): every task starts when its inputs
/// are here, blocks are sent as soon as they are computed.
fn run_flow(
    plan: &Plan,
    local: &Config,
    pl: &place::Placement,
    world: &SimpleCommunicator,
    deliver: Deliver,
    windows: Vec<OutWindow>,
) -> Result<Outcome> {
    let size = world.size() as usize;
    let me = world.rank() as usize;
    let me32 = me as u32;
    let n = plan.tasks.len();
    let mine: Vec<bool> = (0..n).map(|t| pl.runs[t].binary_search(&me32).is_ok()).collect();
    let mut arriving = vec![false; n];
    for t in (0..n).filter(|&t| mine[t]) {
        for &d in &plan.tasks[t].deps {
            arriving[d as usize] |= !mine[d as usize];
        }
    }
    // every block awaited here must be sent here (the placement is the same on every rank, so
    // this holds everywhere or fails everywhere; agreed, so that no rank waits alone)
    let placed = match (0..n).find(|&t| arriving[t] && pl.dests[t].binary_search(&me32).is_err()) {
        Some(t) => Err(Error::Value(format!("internal: rank {me} needs task {t}'s block, which is not sent to it"))),
        None => Ok(()),
    };
    agree(world, me, size, placed)?;
    let wanted: Vec<bool> =
        (0..n).map(|t| pl.is_output[t] && !mine[t] && pl.dests[t].binary_search(&me32).is_ok()).collect();
    let mut keep: Vec<bool> =
        (0..n).map(|t| mine[t] && pl.is_output[t] && (deliver != Deliver::Root || me == 0)).collect();
    // result windows: a block computed here and sent nowhere is written by its task; the
    // message loop decodes a received one into its window, and copies one computed here
    // into its window once it is sent
    let outs: &[u32] = plan.outputs.first().map_or(&[], |(_, ids)| ids);
    let distinct = {
        let mut ids = outs.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids.len() == outs.len()
    };
    let mut task_windows: Vec<Option<OutWindow>> = (0..outs.len()).map(|_| None).collect();
    let mut loop_windows: Vec<Option<OutWindow>> = (0..n).map(|_| None).collect();
    let mut late_windows = Vec::new();
    if plan.outputs.len() == 1 && windows.len() == outs.len() && distinct {
        for (i, w) in windows.into_iter().enumerate() {
            let t = outs[i] as usize;
            if mine[t] && pl.dests[t].is_empty() {
                task_windows[i] = Some(w);
            } else {
                loop_windows[t] = Some(w);
                keep[t] = false;
            }
        }
    } else {
        late_windows = windows;
    }
    let sent: Vec<bool> = (0..n).map(|t| mine[t] && !pl.dests[t].is_empty()).collect();
    let tasks_run = mine.iter().filter(|&&m| m).count();
    // a communicator of its own: no other message (the program's, an earlier compute's) can
    // match this compute's
    let comm = world.duplicate();
    let mut flow = flow::Flow::new(&comm, plan, &pl.dests, &pl.is_output, arriving.clone(), wanted, loop_windows);
    let started = std::time::Instant::now();
    let subset = crate::scheduler::Subset { run: mine, given: Vec::new(), keep, arriving, sent };
    let r = crate::scheduler::execute_subset(plan, local, subset, Some(&mut flow), task_windows);
    let ran = flow.ran_until.unwrap_or_else(std::time::Instant::now);
    // a run stopped because another rank failed reports that rank's error, not its own
    let status = match &r {
        Err(Error::Cancelled) if flow.cancelled => Ok(()),
        r => r.as_ref().map(drop).map_err(clone_error),
    };
    let agreed = agree(world, me, size, status);
    let mut stats = DistStats {
        ranks: size,
        rounds: pl.nrounds as usize,
        tasks: n,
        tasks_run,
        tasks_duplicated: pl.runs.iter().filter(|r| r.len() > 1).count(),
        blocks_sent: flow.blocks_sent,
        bytes_sent: flow.bytes_sent,
        bytes_sent_results: flow.bytes_sent_results,
        bytes_received: flow.bytes_received,
        compute_time: ran.saturating_duration_since(started),
        exchange_time: ran.elapsed(),
        ..Default::default()
    };
    agreed?;
    let mut store = r?;
    for (s, f) in store.iter_mut().zip(flow.results.iter_mut()) {
        if s.is_none() {
            *s = f.take();
        }
    }
    stats.bytes_sent_all_ranks = wait::all_reduce(world, stats.bytes_sent, SystemOperation::sum(), "the statistics");
    stats.bytes_sent_results_all_ranks =
        wait::all_reduce(world, stats.bytes_sent_results, SystemOperation::sum(), "the statistics");
    record(stats);
    let outputs: Vec<Vec<Option<Block>>> =
        plan.outputs.iter().map(|(_, ids)| ids.iter().map(|&t| store[t as usize].clone()).collect()).collect();
    let homes = plan.outputs.iter().map(|(_, ids)| ids.iter().map(|&t| pl.runs[t as usize][0]).collect()).collect();
    fill_windows(&outputs, late_windows)?;
    Ok(Outcome { rank: me, outputs, homes })
}

fn record(stats: DistStats) {
    *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some(stats);
}

/// Run this rank's tasks of round `k` and encode the blocks other ranks need.
#[allow(clippy::too_many_arguments)]
fn run_round(
    plan: &Plan,
    cfg: &Config,
    pl: &place::Placement,
    tasks: &[u32],
    store: &mut [Option<Block>],
    last_use: &[u32],
    sendbufs: &mut [Vec<u8>],
    stats: &mut DistStats,
    k: u32,
) -> Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    let n = plan.tasks.len();
    let mut run = vec![false; n];
    for &t in tasks {
        run[t as usize] = true;
    }
    let mut given: Vec<Option<Block>> = vec![None; n];
    for &t in tasks {
        for &d in &plan.tasks[t as usize].deps {
            let d = d as usize;
            if !run[d] && given[d].is_none() {
                given[d] = Some(store[d].clone().ok_or_else(|| {
                    Error::Value(format!("internal: distributed round {k}: input task {d} is not here"))
                })?);
            }
        }
    }
    let keep: Vec<bool> =
        (0..n).map(|t| run[t] && (last_use[t] > k || pl.is_output[t] || !pl.dests[t].is_empty())).collect();
    let mut results = crate::scheduler::execute_subset(
        plan,
        cfg,
        crate::scheduler::Subset { run, given, keep, arriving: Vec::new(), sent: Vec::new() },
        None,
        Vec::new(),
    )?;
    for &t in tasks {
        let t = t as usize;
        if pl.dests[t].is_empty() && !(last_use[t] > k || pl.is_output[t]) {
            continue;
        }
        let block = results[t].take().ok_or_else(|| Error::Value(format!("internal: task {t} kept no block")))?;
        if let Some((&first, rest)) = pl.dests[t].split_first() {
            // encoded straight into the first destination's buffer (a block can be hundreds
            // of megabytes: every extra copy costs its page faults), then copied to the others
            let ranks = sendbufs.len();
            let slot = |r: u32| {
                usize::try_from(r)
                    .ok()
                    .filter(|&r| r < ranks)
                    .ok_or_else(|| Error::Value(format!("internal: destination rank {r} of {ranks}")))
            };
            let at = slot(first)?;
            let mut buf = std::mem::take(&mut sendbufs[at]);
            (t as u64).put(&mut buf);
            let len_at = buf.len();
            0u64.put(&mut buf);
            buf.reserve(block.nbytes().saturating_add(64));
            codec(plan, t)?.encode(&block, &mut buf)?;
            let body_len = buf.len() - len_at - 8;
            buf[len_at..len_at + 8].copy_from_slice(&(body_len as u64).to_le_bytes());
            for &r in rest {
                let to = slot(r)?;
                sendbufs[to].extend_from_slice(&buf[len_at - 8..]);
            }
            sendbufs[at] = buf;
            stats.blocks_sent += pl.dests[t].len();
            if pl.is_output[t] {
                stats.bytes_sent_results += (body_len as u64 + 16) * pl.dests[t].len() as u64;
            }
        }
        if last_use[t] > k || pl.is_output[t] {
            store[t] = Some(block);
        }
    }
    Ok(())
}

/// The codec of task `t`'s block.
pub(super) fn codec(plan: &Plan, t: usize) -> Result<Box<dyn Codec>> {
    let st = plan.tasks[t].stages.last().ok_or_else(|| Error::Value("internal: task without stages".into()))?;
    let node = &plan.nodes[st.node as usize];
    match &node.meta {
        Some(m) => Ok(Box::new(ArrayCodec(m.dtype))),
        None => node.op.codec().ok_or_else(|| Error::Value(format!("internal: {} has no codec", node.label()))),
    }
}

/// The array codec of task `t`'s block (an array node's block).
pub(super) fn array_codec(plan: &Plan, t: usize) -> Result<ArrayCodec> {
    let st = plan.tasks[t].stages.last().ok_or_else(|| Error::Value("internal: task without stages".into()))?;
    let node = &plan.nodes[st.node as usize];
    node.meta.as_ref().map(|m| ArrayCodec(m.dtype)).ok_or_else(|| Error::Value("internal: not an array block".into()))
}

/// Decode the blocks of one sender's buffer into `store`.
fn receive(plan: &Plan, buf: &[u8], store: &mut [Option<Block>]) -> Result<()> {
    let mut r = Reader::new(buf);
    while !r.is_empty() {
        let t = r.usize()?;
        let len = r.usize()?;
        if t >= plan.tasks.len() {
            return Err(Error::Value(format!("distributed: message for task {t} of {}", plan.tasks.len())));
        }
        let mut body = Reader::new(r.take(len)?);
        store[t] = Some(codec(plan, t)?.decode(&mut body)?);
    }
    Ok(())
}

/// An error's copy for [`agree`] (the original stays with the caller).
fn clone_error(e: &Error) -> Error {
    match e {
        Error::TaskPanicked { key, message } => Error::TaskPanicked { key: key.clone(), message: message.clone() },
        e => Error::Value(e.to_string()),
    }
}

/// Make one rank's failure every rank's: the lowest failing rank broadcasts its error; the
/// failing ranks return their own error, the others one naming the failing rank.
fn agree(world: &SimpleCommunicator, me: usize, size: usize, r: Result<()>) -> Result<()> {
    let flag: i32 = if r.is_err() { me as i32 } else { size as i32 };
    let first = wait::all_reduce(world, flag, SystemOperation::min(), "agreeing on errors");
    if first as usize >= size {
        return Ok(());
    }
    let mut msg = Vec::new();
    if let (Err(e), true) = (&r, first as usize == me) {
        match e {
            Error::TaskPanicked { key, message } => {
                msg.push(0u8);
                (key.len() as u64).put(&mut msg);
                msg.extend_from_slice(key.as_bytes());
                msg.extend_from_slice(message.as_bytes());
            }
            e => {
                msg.push(1u8);
                msg.extend_from_slice(e.to_string().as_bytes());
            }
        }
    }
    let mut len = [msg.len() as u64];
    wait::broadcast(world, first, &mut len, "agreeing on errors");
    msg.resize(len[0] as usize, 0);
    wait::broadcast(world, first, &mut msg[..], "agreeing on errors");
    r?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Err(match msg.split_first() {
        Some((0, rest)) => {
            let mut rd = Reader::new(rest);
            let klen = rd.usize().unwrap_or(0).min(rest.len().saturating_sub(8));
            let key = rd.take(klen).map(text).unwrap_or_default();
            let message = text(&rest[(8 + klen).min(rest.len())..]);
            Error::TaskPanicked { key, message: format!("{message} (on rank {first})") }
        }
        Some((_, rest)) => Error::Value(format!("rank {first} failed: {}", text(rest))),
        None => Error::Value(format!("rank {first} failed")),
    })
}

/// The size of the pieces a buffer of `len` bytes travels in, the same on the sending and the
/// receiving rank: `NDCHUNK_MPI_MESSAGE_BYTES` (default and at most 1 GiB: MPI counts are C
/// ints; the MPI suite sets a few kB to exercise the splitting), raised so that no buffer takes
/// more than 32767 pieces (the smallest tag bound MPI allows).
pub(super) fn piece_bytes(len: usize) -> usize {
    static BYTES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let most = *BYTES.get_or_init(|| {
        std::env::var("NDCHUNK_MPI_MESSAGE_BYTES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(1 << 30)
    });
    most.clamp(1, 1 << 30).max(len.div_ceil(32767))
}

/// Send `send[r]` to rank `r` and receive from every rank: the lengths in one `MPI_Alltoall`,
/// then the buffers as non-blocking point-to-point messages straight from and into the
/// per-rank buffers (in pieces of [`piece_bytes`], tagged by their index). Infallible on
/// purpose: every rank must reach the same collectives (a receive buffer that cannot be
/// allocated aborts this rank, and MPI then the job).
fn exchange(world: &SimpleCommunicator, send: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let size = send.len();
    let me = world.rank() as usize;
    let lens: Vec<u64> = send.iter().map(|b| b.len() as u64).collect();
    let mut rlens = vec![0u64; size];
    wait::all_to_all(world, &lens[..], &mut rlens[..], "the block exchange");
    let mut recv: Vec<Vec<u8>> = rlens
        .iter()
        .enumerate()
        .map(|(r, &l)| if r == me { send[me].clone() } else { vec![0u8; l as usize] })
        .collect();
    mpi::request::scope(|sc| {
        let mut reqs = Vec::new();
        for (r, buf) in recv.iter_mut().enumerate().filter(|&(r, _)| r != me) {
            let from = world.process_at_rank(r as i32);
            let piece = piece_bytes(buf.len());
            for (k, piece) in buf.chunks_mut(piece).enumerate() {
                reqs.push(from.immediate_receive_into_with_tag(sc, piece, k as i32));
            }
        }
        for (r, buf) in send.iter().enumerate().filter(|&(r, _)| r != me) {
            let to = world.process_at_rank(r as i32);
            for (k, piece) in buf.chunks(piece_bytes(buf.len())).enumerate() {
                reqs.push(to.immediate_send_with_tag(sc, piece, k as i32));
            }
        }
        for req in reqs {
            wait::finish(world, req, "the block exchange");
        }
    });
    recv
}
