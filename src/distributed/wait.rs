//! Waiting for the other ranks with a deadline: a rank that died or hangs must not leave the
//! others waiting forever.
//!
//! Every message of a distributed compute (the checks, the agreed errors, the block exchanges,
//! [`Distributed::barrier`](super::Distributed::barrier)) is a non-blocking MPI operation
//! polled until it completes; the dataflow's message loop (`flow.rs`) counts the time since its
//! last message while this rank has nothing to run. With a timeout set ([`set_timeout`], or the environment variable
//! `NDCHUNK_MPI_TIMEOUT` in seconds, read once), a wait that does not complete within that time
//! prints which wait it was on stderr and calls `MPI_Abort`, which ends every rank of the job
//! with a nonzero exit (`mpirun` reports it). Without one (the default) a wait is as long as
//! MPI's: a compute that legitimately keeps one rank busy for an hour while the others wait
//! must not be aborted, so choose the timeout above the longest round of your computes.
//!
//! Open MPI's `mpirun` already ends the job when a rank *exits* (its runtime sees the process
//! go); the timeout covers the rest — a rank stuck in a loop or a deadlock, a node that stops
//! answering, launchers that do not watch their processes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mpi::request::{Request, Scope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The timeout in milliseconds; `u64::MAX`: not read from the environment yet; 0: none.
static TIMEOUT_MS: AtomicU64 = AtomicU64::new(u64::MAX);

/// The exit code of a job aborted by a timeout.
pub const TIMEOUT_EXIT_CODE: i32 = 75;

/// Set (or, with `None`, remove) the deadline of every wait for other ranks. A wait that does
/// not complete within `timeout` aborts the whole job (`MPI_Abort`, exit code
/// [`TIMEOUT_EXIT_CODE`]) after printing what it waited for. Overrides `NDCHUNK_MPI_TIMEOUT`.
///
/// ```
/// ndchunk::distributed::set_timeout(Some(std::time::Duration::from_secs(600)));
/// assert_eq!(ndchunk::distributed::timeout(), Some(std::time::Duration::from_secs(600)));
/// ndchunk::distributed::set_timeout(None);
/// assert_eq!(ndchunk::distributed::timeout(), None);
/// ```
pub fn set_timeout(timeout: Option<Duration>) {
    let ms = timeout.map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX - 1).clamp(1, u64::MAX - 1));
    TIMEOUT_MS.store(ms, Ordering::Relaxed);
}

/// The deadline of waits for other ranks: [`set_timeout`]'s, else `NDCHUNK_MPI_TIMEOUT`
/// (seconds, fractions allowed; `0` or unset: none).
pub fn timeout() -> Option<Duration> {
    let mut ms = TIMEOUT_MS.load(Ordering::Relaxed);
    if ms == u64::MAX {
        ms = std::env::var("NDCHUNK_MPI_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(0, |s| ((s * 1000.0) as u64).clamp(1, u64::MAX - 1));
        TIMEOUT_MS.store(ms, Ordering::Relaxed);
    }
    (ms != 0).then(|| Duration::from_millis(ms))
}

/// Wait for `req` (a collective on `comm`): without a timeout, as `MPI_Wait`; with one, polled
/// until it completes or the deadline passes, then the job is aborted.
pub(crate) fn finish<'a, D: ?Sized, S: Scope<'a>>(comm: &SimpleCommunicator, req: Request<'a, D, S>, what: &str) {
    let Some(limit) = timeout() else {
        req.wait_without_status();
        return;
    };
    let start = Instant::now();
    let mut req = req;
    let mut polls = 0u32;
    loop {
        match req.test() {
            Ok(_) => return,
            Err(r) => req = r,
        }
        if start.elapsed() > limit {
            eprintln!(
                "ndchunk: rank {} of {}: no answer from the other ranks in {what} for {:.1} s \
                 (distributed::set_timeout / NDCHUNK_MPI_TIMEOUT): a rank died or hangs; aborting the job",
                comm.rank(),
                comm.size(),
                limit.as_secs_f64()
            );
            comm.abort(TIMEOUT_EXIT_CODE);
        }
        // spin briefly (most waits are short), then sleep so a waiting rank leaves its core to
        // the ranks still computing
        polls = polls.saturating_add(1);
        if polls < 200 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(if polls < 2000 { 50 } else { 1000 }));
        }
    }
}

/// `MPI_Allreduce` of one value, waited for with the deadline.
pub(crate) fn all_reduce<T: Equivalence + Copy>(
    comm: &SimpleCommunicator,
    v: T,
    op: mpi::collective::SystemOperation,
    what: &str,
) -> T {
    let mut out = v;
    mpi::request::scope(|sc| {
        let r = comm.immediate_all_reduce_into(sc, &v, &mut out, op);
        finish(comm, r, what);
    });
    out
}

/// `MPI_Bcast` of `buf` from `root`, waited for with the deadline.
pub(crate) fn broadcast<T: Equivalence>(comm: &SimpleCommunicator, root: i32, buf: &mut [T], what: &str) {
    let r = comm.process_at_rank(root);
    mpi::request::scope(|sc| {
        let req = r.immediate_broadcast_into(sc, buf);
        finish(comm, req, what);
    });
}

/// `MPI_Alltoall` of one `u64` per rank, waited for with the deadline.
pub(crate) fn all_to_all(comm: &SimpleCommunicator, send: &[u64], recv: &mut [u64], what: &str) {
    mpi::request::scope(|sc| {
        let r = comm.immediate_all_to_all_into(sc, send, recv);
        finish(comm, r, what);
    });
}

/// `MPI_Barrier`, waited for with the deadline.
pub(crate) fn barrier(comm: &SimpleCommunicator, what: &str) {
    finish(comm, comm.immediate_barrier(), what);
}
