//! Placement: which ranks run each task, in which round, and where its block goes.
//!
//! Pure and deterministic (a function of the plan and the number of ranks only), so every rank
//! computes the same placement without talking to the others.

use crate::error::{Error, Result};
use crate::graph::plan::StageKind;
use crate::graph::Plan;

/// Where and when every task of a plan runs.
pub(crate) struct Placement {
    /// Ranks that run each task (sorted): one for tasks whose block is sent, every consuming
    /// rank for the others (values without a codec, and cheap chains recomputed where they are
    /// consumed: duplicated work).
    pub runs: Vec<Vec<u32>>,
    /// Round of each task: one more than its latest input that arrives from another rank.
    pub round: Vec<u32>,
    /// Ranks each task's block is sent to after its round (consumers elsewhere, and the
    /// ranks that receive the results).
    pub dests: Vec<Vec<u32>>,
    /// Distinct consumers of each task.
    pub consumers: Vec<Vec<u32>>,
    /// Whether each task is an output block.
    pub is_output: Vec<bool>,
    pub nrounds: u32,
    /// Whether the blocks bound for a pinned writer were spread over rounds to bound its
    /// memory ([`stream_into_pinned`]): such a plan runs round by round, not as a dataflow.
    pub streamed: bool,
}

/// Whether a task's block can be encoded: array blocks, and values whose op has a codec.
pub(crate) fn encodable(plan: &Plan, t: usize) -> bool {
    let Some(st) = plan.tasks[t].stages.last() else { return false };
    if matches!(st.kind, StageKind::Multi(_)) {
        return false;
    }
    let node = &plan.nodes[st.node as usize];
    node.meta.is_some() || node.op.codec().is_some()
}

/// The layer owner of task `t`: its (last) node's blocks are split over the ranks in
/// contiguous ranges of the C-order block index. Layers on one grid (elementwise chains, a
/// reduction's partials) line up, so aligned inputs are local; a one-block node lands on
/// rank 0.
fn layer_owner(plan: &Plan, t: usize, size: usize) -> u32 {
    let st = plan.tasks[t].stages.last().expect("task has a stage");
    let nb = plan.nodes[st.node as usize].nblocks().max(1) as u128;
    ((st.block as u128 * size as u128) / nb).min(size as u128 - 1) as u32
}

/// Where result blocks go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deliver {
    /// To every rank (`compute`).
    Everywhere,
    /// To rank 0 (`compute_on_root`).
    Root,
    /// Nowhere: each stays on the rank that computed it (`persist`).
    Keep,
}

/// Place `plan` on `size` ranks. `None` when an output block cannot be sent (a delayed
/// object): the caller runs the whole plan on every rank.
pub(crate) fn place(plan: &Plan, size: usize, deliver: Deliver) -> Result<Option<Placement>> {
    let n = plan.tasks.len();
    let mut consumers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut indeg = vec![0u32; n];
    let mut distinct_deps: Vec<Vec<u32>> = Vec::with_capacity(n);
    for (t, task) in plan.tasks.iter().enumerate() {
        let mut d = task.deps.clone();
        d.sort_unstable();
        d.dedup();
        indeg[t] = d.len() as u32;
        for &x in &d {
            consumers[x as usize].push(t as u32);
        }
        distinct_deps.push(d);
    }
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<u32> = (0..n as u32).rev().filter(|&t| indeg[t as usize] == 0).collect();
    while let Some(t) = stack.pop() {
        order.push(t);
        for &c in consumers[t as usize].iter().rev() {
            indeg[c as usize] -= 1;
            if indeg[c as usize] == 0 {
                stack.push(c);
            }
        }
    }
    if order.len() != n {
        return Err(Error::Value("internal: the task graph has a cycle".into()));
    }
    let mut is_output = vec![false; n];
    for (_, ids) in &plan.outputs {
        for &t in ids {
            is_output[t as usize] = true;
        }
    }
    let enc: Vec<bool> = (0..n).map(|t| encodable(plan, t)).collect();
    // home: sources by layer; a task with inputs where most of its inputs are (ties: its layer
    // owner when tied, else the lowest tied rank), so a combine group stays with its partials
    let mut home = vec![0u32; n];
    let mut votes: Vec<u32> = vec![0; size];
    for &t in &order {
        let t = t as usize;
        let layer = layer_owner(plan, t, size);
        let pin = |st: Option<&crate::graph::plan::Stage>| {
            st.and_then(|st| plan.nodes[st.node as usize].op.home(st.block)).filter(|&r| (r as usize) < size)
        };
        if distinct_deps[t].is_empty() {
            // blocks persisted on a rank are read there
            home[t] = pin(plan.tasks[t].stages.first()).unwrap_or(layer);
            continue;
        }
        // tasks pinned to a rank (the HDF5 writer's) run there
        if let Some(r) = pin(plan.tasks[t].stages.last()) {
            home[t] = r;
            continue;
        }
        for &d in &distinct_deps[t] {
            votes[home[d as usize] as usize] += 1;
        }
        let best = *votes.iter().max().expect("at least one rank");
        home[t] = if votes[layer as usize] == best {
            layer
        } else {
            votes.iter().position(|&v| v == best).expect("a maximum") as u32
        };
        for &d in &distinct_deps[t] {
            votes[home[d as usize] as usize] = 0;
        }
    }
    // (outputs kept where they are computed need no codec: writers' markers)
    if deliver != Deliver::Keep && (0..n).any(|t| is_output[t] && !enc[t]) {
        return Ok(None);
    }
    let recompute = recomputed_where_consumed(plan, &order, &distinct_deps, &consumers, &is_output);
    // runs: consumers before producers
    let mut runs: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &t in order.iter().rev() {
        let t = t as usize;
        if enc[t] && !recompute[t] {
            runs[t] = vec![home[t]];
        } else {
            let mut r: Vec<u32> = consumers[t].iter().flat_map(|&c| runs[c as usize].iter().copied()).collect();
            r.sort_unstable();
            r.dedup();
            if r.is_empty() {
                r.push(home[t]);
            }
            runs[t] = r;
        }
    }
    // rounds: producers before consumers
    let mut round = vec![0u32; n];
    let mut nrounds = 0;
    for &t in &order {
        let t = t as usize;
        let mut r = 0;
        for &d in &distinct_deps[t] {
            let d = d as usize;
            for k in &runs[t] {
                let remote = u32::from(runs[d].binary_search(k).is_err());
                r = r.max(round[d] + remote);
            }
        }
        round[t] = r;
        nrounds = nrounds.max(r + 1);
    }
    let streamed = stream_into_pinned(plan, &order, &distinct_deps, &runs, &mut round, &mut nrounds);
    // destinations of sent blocks
    let mut dests: Vec<Vec<u32>> = vec![Vec::new(); n];
    for t in 0..n {
        if !enc[t] {
            continue;
        }
        let mut d: Vec<u32> = consumers[t]
            .iter()
            .flat_map(|&c| runs[c as usize].iter().copied())
            .filter(|k| runs[t].binary_search(k).is_err())
            .collect();
        if is_output[t] {
            match deliver {
                Deliver::Root => d.push(0),
                Deliver::Everywhere => d.extend(0..size as u32),
                Deliver::Keep => {}
            }
            d.retain(|k| runs[t].binary_search(k).is_err());
        }
        d.sort_unstable();
        d.dedup();
        dests[t] = d;
    }
    Ok(Some(Placement { runs, round, dests, consumers, is_output, nrounds, streamed }))
}

/// Tasks run on every rank that consumes them instead of being sent there: chains of ops that
/// are cheap to recompute ([`Op::cheap_to_recompute`](crate::graph::Op::cheap_to_recompute):
/// generators, in-memory sources, elementwise maps, transposes) all the way up to their
/// sources, whose consumers read their blocks whole
/// ([`Op::reads_whole_blocks`](crate::graph::Op::reads_whole_blocks)). Never outputs or pinned
/// tasks.
///
/// Why: a block that crosses ranks arrives a round after it is computed, and the consuming
/// rank waits for that round. `x.dot(x + x.T)` of random `x` in 2 × 2 blocks on two ranks ran
/// its eight block products in three rounds (five product-times of wall time instead of four);
/// with `x + x.T` recomputed by its consumers they all run in the first round, for the price of
/// generating and adding the other rank's blocks (a few percent of one product). Consumers
/// that read a part of a block (rechunk, slicing) receive that part instead: regenerating a
/// whole block for a sliver on every rank would cost more than the message.
fn recomputed_where_consumed(
    plan: &Plan,
    order: &[u32],
    deps: &[Vec<u32>],
    consumers: &[Vec<u32>],
    is_output: &[bool],
) -> Vec<bool> {
    let mut recompute = vec![false; plan.tasks.len()];
    for &t in order {
        let t = t as usize;
        let cheap = plan.tasks[t].stages.iter().all(|st| {
            let op = &plan.nodes[st.node as usize].op;
            st.kind == StageKind::Node && op.cheap_to_recompute() && op.home(st.block).is_none()
        });
        let read_whole = consumers[t].iter().all(|&c| {
            plan.tasks[c as usize].stages.first().is_some_and(|st| plan.nodes[st.node as usize].op.reads_whole_blocks())
        });
        recompute[t] = cheap && read_whole && !is_output[t] && deps[t].iter().all(|&d| recompute[d as usize]);
    }
    recompute
}

/// Bytes a pinned writer (HDF5 through rank 0) receives per round at most (about: one block
/// more): `NDCHUNK_MPI_WRITE_ROUND_BYTES`, default 64 MiB.
fn write_round_bytes() -> u64 {
    static BYTES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BYTES.get_or_init(|| {
        std::env::var("NDCHUNK_MPI_WRITE_ROUND_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(64 << 20)
            .max(1)
    })
}

/// Stream the blocks that pinned tasks with inputs (the HDF5 writer on rank 0) receive from
/// other ranks: their producers are spread over rounds, about [`write_round_bytes`] per round
/// in the writer's block order, so the writer's rank holds one round's blocks at a time
/// instead of the other ranks' whole share. Rounds of everything downstream follow. Returns
/// whether it did (more than one round's bytes go to a writer).
fn stream_into_pinned(
    plan: &Plan,
    order: &[u32],
    deps: &[Vec<u32>],
    runs: &[Vec<u32>],
    round: &mut [u32],
    nrounds: &mut u32,
) -> bool {
    let n = plan.tasks.len();
    let budget = write_round_bytes();
    let mut earliest = vec![0u32; n];
    // bytes bound for a pinned writer in each round, and the round reached so far (the writer's
    // block order is kept: a later block never goes in an earlier round)
    let mut load: Vec<u64> = Vec::new();
    let mut cur = 0u32;
    let mut sent = 0u64;
    let mut seen = vec![false; n];
    for (task, tdeps) in plan.tasks.iter().zip(deps) {
        let Some(st) = task.stages.last() else { continue };
        let pinned = plan.nodes[st.node as usize].op.home(st.block);
        let Some(home) = pinned.filter(|_| !tdeps.is_empty()) else { continue };
        for &d in tdeps {
            let d = d as usize;
            if runs[d].binary_search(&home).is_ok() || std::mem::replace(&mut seen[d], true) {
                continue;
            }
            let b = block_bytes(plan, d);
            let mut r = round[d].max(cur);
            loop {
                if load.len() <= r as usize {
                    load.resize(r as usize + 1, 0);
                }
                if load[r as usize] == 0 || load[r as usize].saturating_add(b) <= budget {
                    break;
                }
                r += 1;
            }
            load[r as usize] += b;
            earliest[d] = r;
            cur = r;
            sent = sent.saturating_add(b);
        }
    }
    if sent <= budget {
        return false;
    }
    *nrounds = 0;
    for &t in order {
        let t = t as usize;
        let mut r = earliest[t];
        for &d in &deps[t] {
            let d = d as usize;
            for k in &runs[t] {
                let remote = u32::from(runs[d].binary_search(k).is_err());
                r = r.max(round[d] + remote);
            }
        }
        round[t] = r;
        *nrounds = (*nrounds).max(r + 1);
    }
    true
}

/// About the bytes of task `t`'s block: its array's bytes over its blocks (1 KiB for values).
fn block_bytes(plan: &Plan, t: usize) -> u64 {
    let Some(st) = plan.tasks[t].stages.last() else { return 0 };
    let node = &plan.nodes[st.node as usize];
    match &node.meta {
        Some(m) => {
            let elems = m.shape.iter().try_fold(1u64, |a, &l| a.checked_mul(l as u64)).unwrap_or(u64::MAX);
            elems.saturating_mul(m.dtype.itemsize() as u64) / node.nblocks().max(1) as u64
        }
        None => 1024,
    }
}

/// A hash of the plan's structure (tasks, stages, dependencies, outputs), to check that every
/// rank lowered the same graph. Node ids differ between processes and are left out.
pub(crate) fn fingerprint(plan: &Plan) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |v: u64| {
        for b in v.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    mix(plan.tasks.len() as u64);
    for task in &plan.tasks {
        mix(task.priority as u64);
        mix(task.deps.len() as u64);
        for &d in &task.deps {
            mix(d as u64);
        }
        for st in &task.stages {
            mix(st.node as u64);
            mix(st.block as u64);
            mix(st.arity as u64);
            mix(match st.kind {
                StageKind::Node => 0,
                StageKind::Multi(g) => 1 + 2 * g as u64,
                StageKind::Pick(k) => 2 + 2 * k as u64,
            });
        }
    }
    for (node, ids) in &plan.outputs {
        mix(*node as u64);
        for &t in ids {
            mix(t as u64);
        }
    }
    for node in &plan.nodes {
        for b in node.name.bytes() {
            mix(u64::from(b));
        }
        for &g in &node.grid {
            mix(g as u64);
        }
    }
    h
}
