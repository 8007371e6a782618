//! Dataflow execution: blocks cross ranks while the ranks compute.
//!
//! Each rank runs all its tasks in one scheduler run (`scheduler::execute_subset` with a
//! [`Driver`]). The blocks it needs from other ranks are *arriving* inputs: a task that needs
//! one becomes ready the moment it is delivered, not at the end of a round. The calling thread
//! (the only one that talks to MPI) runs [`Flow::drive`] beside the workers:
//!
//! * a block whose consumers or result ranks are elsewhere is encoded and sent (`MPI_Isend`)
//!   as soon as its task completes — to several ranks from one buffer;
//! * incoming messages are probed (`MPI_Improbe`), received and decoded, and handed to the
//!   scheduler ([`Feed::deliver`]) or kept as results;
//! * when its run ends, a rank sends every other rank a *status* (ok or failed) as its last
//!   message; a rank is done when it has sent its status, received every other rank's, and all
//!   its sends completed. Messages from one rank are received in the order they were sent
//!   (MPI's non-overtaking rule, one tag), so every block sent to a rank has been received when
//!   its sender's status is: nothing is left in flight for the next compute.
//! * a failed status stops the run here too ([`Feed::fail`] with [`Error::Cancelled`]): no rank
//!   waits for a block that will never come. The error itself is agreed afterwards (the
//!   caller's `agree`), so every rank returns the failing rank's error.
//!
//! Messages (on a communicator duplicated for the compute, so no other traffic can match):
//! tag 1 carries a kind byte then — a block: its task (`u64`) and its encoding (`wire.rs`);
//! a big block's head: its task and its encoding's length, the encoding following as pieces
//! of `piece_bytes` on tag 2; a status: one byte, 1 when the rank failed.

use std::time::{Duration, Instant};

use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::wire::{Reader, Wire};
use super::{codec, piece_bytes, wait};
use crate::error::{Error, Result};
use crate::graph::{Block, OutWindow, Plan};
use crate::scheduler::{Driver, Ended, Feed};

const TAG: i32 = 1;
const TAG_PIECE: i32 = 2;
const BLOCK: u8 = 0;
const HEAD: u8 = 1;
const STATUS: u8 = 2;

/// A buffer lent to MPI for one or more non-blocking sends, freed when they all completed.
struct Sending {
    reqs: Vec<Request<'static, [u8]>>,
    buf: *mut Vec<u8>,
}

impl Sending {
    /// Send `buf` (from byte `from` on) to each of `dests`: whole with tag [`TAG`], or in pieces
    /// of `piece` bytes with tag [`TAG_PIECE`].
    fn post(comm: &SimpleCommunicator, buf: Vec<u8>, from: usize, dests: &[u32], piece: Option<usize>) -> Sending {
        let buf = Box::into_raw(Box::new(buf));
        // SAFETY: `buf` comes from `Box::into_raw` just above and is freed only by `Drop`
        // below, after every request that borrows it completed (`MPI_Test` returned true, which
        // consumed the request and its borrow). No `&mut` to it is made while it lives. When a
        // `Sending` is dropped with requests still pending (an unwinding panic), the requests
        // are forgotten and the buffer leaked instead, so MPI never reads freed memory. The
        // `'static` borrow therefore never outlives the allocation.
        let data: &'static [u8] = unsafe { (*buf).as_slice() };
        let data = &data[from.min(data.len())..];
        let mut reqs = Vec::new();
        for &r in dests {
            let to = comm.process_at_rank(r as i32);
            match piece {
                None => reqs.push(to.immediate_send_with_tag(StaticScope, data, TAG)),
                Some(p) => {
                    for c in data.chunks(p.max(1)) {
                        reqs.push(to.immediate_send_with_tag(StaticScope, c, TAG_PIECE));
                    }
                }
            }
        }
        Sending { reqs, buf }
    }

    /// Test the pending sends; true when all completed.
    fn done(&mut self) -> bool {
        let reqs = std::mem::take(&mut self.reqs);
        self.reqs = reqs.into_iter().filter_map(|r| r.test().err()).collect();
        self.reqs.is_empty()
    }
}

impl Drop for Sending {
    fn drop(&mut self) {
        if self.reqs.is_empty() {
            // SAFETY: no request borrows the buffer any more (see `post`); it came from
            // `Box::into_raw` and is freed once, here.
            drop(unsafe { Box::from_raw(self.buf) });
        } else {
            // still lent to MPI: leak it rather than free memory MPI may read
            for r in self.reqs.drain(..) {
                std::mem::forget(r);
            }
        }
    }
}

/// One rank's side of a dataflow run (see the module docs).
pub(super) struct Flow<'a> {
    comm: &'a SimpleCommunicator,
    plan: &'a Plan,
    dests: &'a [Vec<u32>],
    is_output: &'a [bool],
    me: usize,
    size: usize,
    /// Blocks this rank's tasks consume that other ranks send: delivered to the scheduler.
    arriving: Vec<bool>,
    /// Result blocks other ranks send here.
    wanted: Vec<bool>,
    /// The received result blocks, by task (those without a window).
    pub results: Vec<Option<Block>>,
    /// Result windows, by task, that this driver fills: of blocks received here (decoded
    /// straight into them), or computed here and sent (copied after they are sent).
    windows: Vec<Option<OutWindow>>,
    sending: Vec<Sending>,
    /// Receive buffers, reused from message to message (fresh memory costs a page fault per
    /// page: 100 MB of results took ~0.2 s more on a fresh buffer per block).
    rbuf: Vec<u8>,
    pieces: Vec<u8>,
    statuses: usize,
    /// This rank's run was stopped because another rank failed.
    pub cancelled: bool,
    /// When this rank's own tasks ended (before waiting for the others).
    pub ran_until: Option<Instant>,
    pub blocks_sent: usize,
    pub bytes_sent: u64,
    pub bytes_sent_results: u64,
    pub bytes_received: u64,
}

impl<'a> Flow<'a> {
    pub(super) fn new(
        comm: &'a SimpleCommunicator,
        plan: &'a Plan,
        dests: &'a [Vec<u32>],
        is_output: &'a [bool],
        arriving: Vec<bool>,
        wanted: Vec<bool>,
        windows: Vec<Option<OutWindow>>,
    ) -> Flow<'a> {
        let n = plan.tasks.len();
        Flow {
            comm,
            plan,
            dests,
            is_output,
            me: comm.rank() as usize,
            size: comm.size() as usize,
            arriving,
            wanted,
            results: vec![None; n],
            windows,
            sending: Vec::new(),
            rbuf: Vec::new(),
            pieces: Vec::new(),
            statuses: 0,
            cancelled: false,
            ran_until: None,
            blocks_sent: 0,
            bytes_sent: 0,
            bytes_sent_results: 0,
            bytes_received: 0,
        }
    }

    /// Encode task `t`'s block once and send it to its destinations.
    fn send(&mut self, t: usize, block: &Block) -> Result<()> {
        let dests = self.dests.get(t).map(Vec::as_slice).unwrap_or_default();
        if dests.is_empty() {
            return Ok(());
        }
        if let Some(&r) = dests.iter().find(|&&r| r as usize >= self.size || r as usize == self.me) {
            return Err(Error::Value(format!("internal: task {t} sent to rank {r} of {}", self.size)));
        }
        let mut buf = Vec::new();
        buf.try_reserve_exact(block.nbytes().saturating_add(128))
            .map_err(|_| Error::Value(format!("distributed: no memory to send a block of {} bytes", block.nbytes())))?;
        buf.push(BLOCK);
        (t as u64).put(&mut buf);
        codec(self.plan, t)?.encode(block, &mut buf)?;
        let len = buf.len() - 9;
        let piece = piece_bytes(len);
        let ndest = dests.len() as u64;
        let mut bytes = buf.len() as u64;
        if len <= piece {
            self.sending.push(Sending::post(self.comm, buf, 0, dests, None));
        } else {
            let mut head = vec![HEAD];
            (t as u64).put(&mut head);
            (len as u64).put(&mut head);
            bytes = bytes - 9 + head.len() as u64;
            self.sending.push(Sending::post(self.comm, head, 0, dests, None));
            self.sending.push(Sending::post(self.comm, buf, 9, dests, Some(piece)));
        }
        self.blocks_sent += dests.len();
        self.bytes_sent += bytes * ndest;
        if self.is_output[t] {
            self.bytes_sent_results += bytes * ndest;
        }
        self.fill(t, block)
    }

    /// Copy task `t`'s block into its result window, if this driver holds one.
    fn fill(&mut self, t: usize, block: &Block) -> Result<()> {
        match self.windows.get_mut(t).and_then(Option::take) {
            Some(mut w) => w.copy_from(block),
            None => Ok(()),
        }
    }

    /// Receive every message that has come in. Returns whether there was one.
    fn receive(&mut self, feed: &Feed<'_, '_>) -> bool {
        let mut any = false;
        while let Some((msg, status)) = self.comm.any_process().immediate_matched_probe_with_tag(TAG) {
            any = true;
            let len = usize::try_from(status.count(u8::equivalent_datatype())).unwrap_or(0);
            let mut buf = std::mem::take(&mut self.rbuf);
            buf.resize(len.max(buf.len()), 0);
            msg.matched_receive_into(&mut buf[..len]);
            self.bytes_received += len as u64;
            let r = self.message(status.source_rank(), &buf[..len], feed);
            self.rbuf = buf;
            if let Err(e) = r {
                feed.fail(e);
            }
        }
        any
    }

    /// Act on one message from rank `src`.
    fn message(&mut self, src: i32, buf: &[u8], feed: &Feed<'_, '_>) -> Result<()> {
        let mut r = Reader::new(buf);
        match r.u8()? {
            BLOCK => {
                let t = r.usize()?;
                self.arrived(t, r, feed)
            }
            HEAD => {
                let t = r.usize()?;
                let len = r.usize()?;
                // the pieces follow on their own tag, in order: receive them all, whatever
                // becomes of the block, so none is left for a later message to match
                let mut body = std::mem::take(&mut self.pieces);
                body.resize(len.max(body.len()), 0);
                let from = self.comm.process_at_rank(src);
                let piece = piece_bytes(len);
                for c in body[..len].chunks_mut(piece) {
                    mpi::request::scope(|sc| {
                        let req = from.immediate_receive_into_with_tag(sc, c, TAG_PIECE);
                        wait::finish(self.comm, req, "the pieces of a block");
                    });
                }
                self.bytes_received += len as u64;
                let r = self.arrived(t, Reader::new(&body[..len]), feed);
                self.pieces = body;
                r
            }
            STATUS => {
                self.statuses += 1;
                if r.u8()? != 0 && feed.fail(Error::Cancelled) {
                    self.cancelled = true;
                }
                Ok(())
            }
            k => Err(Error::Value(format!("distributed: message of unknown kind {k} from rank {src}"))),
        }
    }

    /// Decode task `t`'s block and hand it over.
    fn arrived(&mut self, t: usize, mut body: Reader<'_>, feed: &Feed<'_, '_>) -> Result<()> {
        if t >= self.plan.tasks.len() || !(self.arriving[t] || self.wanted[t]) {
            return Err(Error::Value(format!("distributed: a block of task {t} was not expected here")));
        }
        if !self.arriving[t] {
            if let Some(mut w) = self.windows[t].take() {
                // a result block nothing here consumes: straight into the result
                return super::array_codec(self.plan, t)?.decode_into(&mut body, &mut w);
            }
        }
        let block = codec(self.plan, t)?.decode(&mut body)?;
        let windowed = self.windows[t].is_some();
        self.fill(t, &block)?;
        if self.wanted[t] && !windowed {
            self.results[t] = Some(block.clone());
        }
        if self.arriving[t] {
            feed.deliver(t, block)?;
        }
        Ok(())
    }

    /// Send this rank's status to every other rank (its last message to each).
    fn send_status(&mut self, failed: bool) {
        let others: Vec<u32> = (0..self.size as u32).filter(|&r| r as usize != self.me).collect();
        if !others.is_empty() {
            self.sending.push(Sending::post(self.comm, vec![STATUS, u8::from(failed)], 0, &others, None));
        }
    }
}

impl Driver for Flow<'_> {
    fn drive(&mut self, feed: &Feed<'_, '_>) {
        let limit = wait::timeout();
        let mut status_sent = false;
        let mut idle = 0u32;
        let mut last = Instant::now();
        loop {
            // sleep on the outbox when nothing happened lately: a computed block wakes this
            // thread at once; incoming messages are polled at least every half millisecond
            let pause = match idle {
                0 => Duration::ZERO,
                1..=20 => Duration::from_micros(10),
                21..=200 => Duration::from_micros(100),
                _ => Duration::from_micros(500),
            };
            let (blocks, ended) = feed.take(pause);
            let mut progress = !blocks.is_empty();
            for (t, b) in blocks {
                if let Err(e) = self.send(t, &b) {
                    feed.fail(e);
                }
            }
            progress |= self.receive(feed);
            let before = self.sending.len();
            self.sending.retain_mut(|s| !s.done());
            progress |= self.sending.len() != before;
            let run_over = matches!(ended, Ended::Ok | Ended::Failed);
            if run_over && !status_sent {
                self.send_status(ended == Ended::Failed && !self.cancelled);
                self.ran_until = Some(Instant::now());
                status_sent = true;
                progress = true;
            }
            if status_sent && self.statuses + 1 >= self.size && self.sending.is_empty() {
                return;
            }
            // the deadline counts only while this rank waits for the others: a long task here
            // is not a failure
            if progress || ended == Ended::No {
                idle = if progress { 0 } else { idle.saturating_add(1) };
                last = Instant::now();
            } else {
                idle = idle.saturating_add(1);
                if let Some(l) = limit.filter(|&l| last.elapsed() > l) {
                    eprintln!(
                        "ndchunk: rank {} of {}: no answer from the other ranks in the block exchange for {:.1} s \
                         (distributed::set_timeout / NDCHUNK_MPI_TIMEOUT): a rank died or hangs; aborting the job",
                        self.me,
                        self.size,
                        l.as_secs_f64()
                    );
                    self.comm.abort(wait::TIMEOUT_EXIT_CODE);
                }
            }
        }
    }
}
