//! Lowering: from expression nodes to a flat, optimised task list.
//!
//! `Plan::build` takes the output nodes of a compute and
//!
//! 1. collects the nodes they reach (topological order);
//! 2. merges structurally equal nodes (same op key, grid and inputs): shared subexpressions,
//!    so `compute_all(&[&x.var(..), &x.std(..)])` computes the moments once;
//! 3. fuses elementwise nodes into their single elementwise consumer (tile fusion: one task per
//!    block for a whole chain, no intermediate blocks);
//! 4. creates tasks keyed (node, block) only for the blocks the outputs need (culling), by
//!    walking dependencies from the output blocks;
//! 5. fuses linear chains of tasks (a task whose only consumer has no other input runs inside
//!    that consumer: a file read feeding a partial sum is one task);
//! 6. orders tasks depth-first: the priority of a task is its position in a post-order walk
//!    from the outputs, so the scheduler finishes one output block before starting many
//!    inputs, and memory stays proportional to the tree depth, not the array size.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::graph::node::{unravel_into, Block, Dep, Node, SELF_INPUT};
use crate::ops::elementwise::{ew_block_shape, input_block};

/// What makes two keyed nodes the same array: name, dtype and key; block grid; canonical
/// inputs; block lengths (equal keys on one grid can still differ in shape). Borrowed from the
/// nodes, so that comparing a node costs its key and input list, not copies of its chunks.
type NodeSignature<'a> = (&'a str, &'static str, String, &'a [usize], Vec<u32>, &'a [Vec<usize>]);

/// The hasher of maps keyed by node ids and task positions inside [`Plan::build`]: one
/// multiply per word (the keys are counters and small integers, not attacker-chosen text, and
/// std's SipHash was a visible part of building a small plan).
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        // FxHash's step: rotate, mix in the word, multiply by a large odd constant
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// A map keyed by node ids or small integers, hashed by [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Index of a task in `Plan::tasks`.
pub type TaskId = u32;

/// One unit of scheduled work: one or more stages run back to back on one thread.
#[derive(Debug)]
pub struct Task {
    /// Stages; the first reads `deps`, each later one reads the previous stage's result
    /// (`arity` times). The last stage's result is the task's result.
    pub stages: Vec<Stage>,
    /// Input tasks of the first stage, in the order its op expects (may repeat).
    pub deps: Vec<TaskId>,
    /// Depth-first priority (lower runs first).
    pub priority: u32,
}

/// One (node, block) computation inside a task.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    pub node: u32,
    pub block: usize,
    pub arity: u32,
    pub kind: StageKind,
}

/// What a stage does with its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    /// Compute the node's block.
    Node,
    /// Stream the node's block once into every consumer of multi-consumer group `g`.
    Multi(u32),
    /// Take consumer `k`'s block from a `Multi` stage's result.
    Pick(u32),
}

/// An elementwise node (or streamable source) whose consumers all reduce it tile by tile:
/// each of its blocks is produced once, as tiles, and fed to all of them.
#[derive(Debug, Clone)]
pub struct MultiGroup {
    pub source: u32,
    pub consumers: Vec<u32>,
}

/// A lowered, optimised graph.
pub struct Plan {
    /// Canonical nodes in topological order (inputs first).
    pub nodes: Vec<Arc<Node>>,
    /// Canonical node index of each input slot of each node.
    pub inputs: Vec<Vec<u32>>,
    /// Whether each input slot is fused into its (elementwise) consumer.
    pub fused: Vec<Vec<bool>>,
    pub tasks: Vec<Task>,
    /// Per requested output: its node and the tasks of its blocks in C order.
    pub outputs: Vec<(u32, Vec<TaskId>)>,
    /// Multi-consumer streaming groups.
    pub multi: Vec<MultiGroup>,
    /// For consumer nodes of a group: (group, position among its consumers).
    pub multi_of: Vec<Option<(u32, u32)>>,
}

const NONE: u32 = u32::MAX;

/// The deepest elementwise tree fused into one task. Fused trees are built and evaluated
/// recursively, one stack frame per level, so an unbounded chain (a time-stepping loop of a
/// million `y = &y + 1.0`) would overflow a worker's stack. Longer chains are cut into segments
/// of this depth whose blocks are materialised between them: one extra block pass per 64
/// fused operations.
pub const MAX_FUSED_DEPTH: u32 = 64;

impl Plan {
    /// Lower and optimise the graph of `outputs`.
    pub fn build(outputs: &[Arc<Node>]) -> Result<Plan> {
        Self::build_with(outputs, true)
    }

    /// Lower with or without the optimisations (fusion, shared subexpressions).
    pub fn build_with(outputs: &[Arc<Node>], optimize: bool) -> Result<Plan> {
        // 1. reachable nodes, topological order
        let mut index: IdMap<u64, u32> = IdMap::default();
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        let mut stack: Vec<(Arc<Node>, bool)> = outputs.iter().rev().map(|n| (n.clone(), false)).collect();
        while let Some((n, expanded)) = stack.pop() {
            if index.contains_key(&n.id) {
                continue;
            }
            if expanded {
                index.insert(n.id, nodes.len() as u32);
                nodes.push(n);
            } else {
                stack.push((n.clone(), true));
                for inp in n.inputs.iter().rev() {
                    if !index.contains_key(&inp.id) {
                        stack.push((inp.clone(), false));
                    }
                }
            }
        }
        // 2. shared subexpressions
        let mut canon: Vec<u32> = (0..nodes.len() as u32).collect();
        if optimize {
            let mut seen: HashMap<NodeSignature<'_>, u32> = HashMap::new();
            for (i, n) in nodes.iter().enumerate() {
                if let Some(k) = n.op.key() {
                    let ins: Vec<u32> = n.inputs.iter().map(|x| canon[index[&x.id] as usize]).collect();
                    let dt = n.meta.as_ref().map(|m| m.dtype.name()).unwrap_or("");
                    // the block lengths too: `full` of one value, or one input broadcast, to two
                    // shapes with the same grid are different arrays
                    let ch: &[Vec<usize>] = n.meta.as_ref().map(|m| m.chunks.as_slices()).unwrap_or_default();
                    let sig = (&*n.name, dt, k, n.grid.as_slice(), ins, ch);
                    canon[i] = *seen.entry(sig).or_insert(i as u32);
                }
            }
        }
        let inputs: Vec<Vec<u32>> =
            nodes.iter().map(|n| n.inputs.iter().map(|x| canon[index[&x.id] as usize]).collect()).collect();
        let out_nodes: Vec<u32> = outputs.iter().map(|n| canon[index[&n.id] as usize]).collect();

        // 3. elementwise fusion: an elementwise node consumed once, by an elementwise node of the
        //    same shape, and not an output, is evaluated inside its consumer.
        let mut uses = vec![0u32; nodes.len()];
        for (i, ins) in inputs.iter().enumerate() {
            if canon[i] as usize != i {
                continue;
            }
            for &x in ins {
                uses[x as usize] += 1;
            }
        }
        for &o in &out_nodes {
            uses[o as usize] += 1;
        }
        let mut fused: Vec<Vec<bool>> = inputs.iter().map(|ins| vec![false; ins.len()]).collect();
        if optimize {
            // depth of the fused tree rooted at each node (1 = nothing fused into it); nodes are
            // in topological order, so every input's depth is known when its consumer is seen
            let mut depth = vec![1u32; nodes.len()];
            for (i, ins) in inputs.iter().enumerate() {
                if canon[i] as usize != i {
                    continue;
                }
                let node = &nodes[i];
                if node.op.elementwise().is_some() {
                    for (slot, &x) in ins.iter().enumerate() {
                        let child = &nodes[x as usize];
                        if child.op.elementwise().is_some()
                            && uses[x as usize] == 1
                            && depth[x as usize] < MAX_FUSED_DEPTH
                            && child.meta().shape == node.meta().shape
                            && child.meta().chunks == node.meta().chunks
                        {
                            fused[i][slot] = true;
                            depth[i] = depth[i].max(depth[x as usize] + 1);
                        }
                    }
                } else if let Some(tc) = node.op.tile_consumer() {
                    // a reduction partial streaming its elementwise input tile by tile
                    let x = ins[0];
                    let child = &nodes[x as usize];
                    if ins.len() == 1
                        && child.op.elementwise().is_some()
                        && uses[x as usize] == 1
                        && depth[x as usize] < MAX_FUSED_DEPTH
                        && tc.accepts_tiles(node)
                    {
                        fused[i][0] = true;
                    }
                }
            }
        }

        // 3b. several tile-consuming reductions of one elementwise node: stream it once
        let mut multi: Vec<MultiGroup> = Vec::new();
        let mut multi_of: Vec<Option<(u32, u32)>> = vec![None; nodes.len()];
        if optimize {
            let mut consumers_of: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
            for (i, ins) in inputs.iter().enumerate() {
                if canon[i] as usize == i {
                    for &x in ins {
                        consumers_of[x as usize].push(i as u32);
                    }
                }
            }
            for (x, cons) in consumers_of.iter().enumerate() {
                if cons.len() < 2 || out_nodes.contains(&(x as u32)) || nodes[x].op.elementwise().is_none() {
                    continue;
                }
                let all_stream = cons.iter().all(|&c| {
                    let n = &nodes[c as usize];
                    inputs[c as usize].len() == 1 && n.op.tile_consumer().is_some_and(|tc| tc.accepts_tiles(n))
                });
                let mut distinct = cons.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if all_stream && distinct.len() == cons.len() {
                    let g = multi.len() as u32;
                    for (k, &c) in cons.iter().enumerate() {
                        multi_of[c as usize] = Some((g, k as u32));
                    }
                    multi.push(MultiGroup { source: x as u32, consumers: cons.clone() });
                }
            }
        }

        let mut plan = Plan { nodes, inputs, fused, tasks: Vec::new(), outputs: Vec::new(), multi, multi_of };

        // 4. tasks, from the output blocks down (culling what they do not need)
        let mut task_of: Vec<Vec<u32>> = plan.nodes.iter().map(|_| Vec::new()).collect();
        let mut pending: Vec<TaskId> = Vec::new();
        let mut outs = Vec::new();
        for &o in &out_nodes {
            let nb = plan.nodes[o as usize].nblocks();
            let ids: Vec<TaskId> = (0..nb).map(|b| plan.task_for(&mut task_of, &mut pending, o, b)).collect();
            outs.push((o, ids));
        }
        let mut idx = Vec::new();
        let mut deps = Vec::new();
        let mut leaf = Vec::new();
        let mut multi_tasks: IdMap<(u32, usize), TaskId> = IdMap::default();
        while let Some(t) = pending.pop() {
            let st = plan.tasks[t as usize].stages[0];
            let node = plan.nodes[st.node as usize].clone();
            unravel_into(&node.grid, st.block, &mut idx);
            leaf.clear();
            if st.kind != StageKind::Node {
                continue; // multi tasks get their dependencies when created
            }
            if let Some((g, k)) = plan.multi_of[st.node as usize] {
                let m = plan.multi_task_for(&mut multi_tasks, &mut task_of, &mut pending, g, st.block, &idx);
                let task = &mut plan.tasks[t as usize];
                task.stages[0].kind = StageKind::Pick(k);
                task.stages[0].arity = 1;
                task.deps = vec![m];
                continue;
            }
            if node.op.elementwise().is_some() && !node.inputs.is_empty() {
                plan.fused_leaves(st.node, &idx, &mut leaf);
            } else if plan.fused[st.node as usize].first() == Some(&true) {
                // tile consumer: its input's fused tree, at the same block
                let child = plan.inputs[st.node as usize][0];
                plan.fused_leaves(child, &idx, &mut leaf);
            } else {
                deps.clear();
                node.op.deps(&node, &idx, &mut deps);
                let ins = &plan.inputs[st.node as usize];
                for d in &deps {
                    let inp = if d.input == SELF_INPUT {
                        st.node
                    } else {
                        ins.get(d.input as usize).copied().ok_or_else(|| {
                            Error::Value(format!("internal: {} asks for input slot {}", node.label(), d.input))
                        })?
                    };
                    if d.block >= plan.nodes[inp as usize].nblocks() {
                        return Err(Error::Value(format!(
                            "internal: {} asks for block {} of {}",
                            node.label(),
                            d.block,
                            plan.nodes[inp as usize].label()
                        )));
                    }
                    leaf.push((inp, d.block));
                }
            }
            let ids: Vec<TaskId> = leaf.iter().map(|&(n, b)| plan.task_for(&mut task_of, &mut pending, n, b)).collect();
            plan.tasks[t as usize].stages[0].arity = ids.len() as u32;
            plan.tasks[t as usize].deps = ids;
        }
        plan.outputs = outs;

        // 5. linear-chain fusion
        if optimize {
            plan.fuse_linear_chains();
        }
        // 6. depth-first priorities
        plan.assign_priorities();
        Ok(plan)
    }

    fn task_for(&mut self, task_of: &mut [Vec<u32>], pending: &mut Vec<TaskId>, node: u32, block: usize) -> TaskId {
        let slots = &mut task_of[node as usize];
        if slots.is_empty() {
            *slots = vec![NONE; self.nodes[node as usize].nblocks()];
        }
        if slots[block] != NONE {
            return slots[block];
        }
        let id = self.tasks.len() as TaskId;
        slots[block] = id;
        self.tasks.push(Task {
            stages: vec![Stage { node, block, arity: 0, kind: StageKind::Node }],
            deps: Vec::new(),
            priority: 0,
        });
        pending.push(id);
        id
    }

    /// The task streaming block `block` of group `g`'s source into all its consumers.
    fn multi_task_for(
        &mut self,
        multi_tasks: &mut IdMap<(u32, usize), TaskId>,
        task_of: &mut [Vec<u32>],
        pending: &mut Vec<TaskId>,
        g: u32,
        block: usize,
        idx: &[usize],
    ) -> TaskId {
        if let Some(&t) = multi_tasks.get(&(g, block)) {
            return t;
        }
        let source = self.multi[g as usize].source;
        let mut leaf = Vec::new();
        self.fused_leaves(source, idx, &mut leaf);
        let deps: Vec<TaskId> = leaf.iter().map(|&(n, b)| self.task_for(task_of, pending, n, b)).collect();
        let id = self.tasks.len() as TaskId;
        let stage = Stage { node: source, block, arity: deps.len() as u32, kind: StageKind::Multi(g) };
        self.tasks.push(Task { stages: vec![stage], deps, priority: 0 });
        multi_tasks.insert((g, block), id);
        id
    }

    /// Leaf (node, block) dependencies of a fused elementwise tree, in evaluation order.
    fn fused_leaves(&self, node: u32, b: &[usize], out: &mut Vec<(u32, usize)>) {
        let n = &self.nodes[node as usize];
        let mut ib = Vec::with_capacity(b.len());
        for slot in 0..n.inputs.len() {
            input_block(n, slot, b, &mut ib);
            let inp = self.inputs[node as usize][slot];
            if self.fused[node as usize][slot] {
                let ib2 = ib.clone();
                self.fused_leaves(inp, &ib2, out);
            } else {
                out.push((inp, crate::graph::ravel(&self.nodes[inp as usize].grid, &ib)));
            }
        }
    }

    /// Build the tile of a fused elementwise tree for block `b`, taking leaf blocks in order.
    fn fused_tile(
        &self,
        node: u32,
        b: &[usize],
        shape: &[usize],
        leaves: &mut std::slice::Iter<'_, Block>,
    ) -> Result<Box<dyn Any>> {
        let n = &self.nodes[node as usize];
        let ew = n.op.elementwise().expect("elementwise node");
        let mut children = Vec::with_capacity(n.inputs.len());
        let mut ib = Vec::with_capacity(b.len());
        for slot in 0..n.inputs.len() {
            input_block(n, slot, b, &mut ib);
            let inp = self.inputs[node as usize][slot];
            if self.fused[node as usize][slot] {
                let ib2 = ib.clone();
                children.push(self.fused_tile(inp, &ib2, shape, leaves)?);
            } else {
                let blk = leaves.next().ok_or_else(|| Error::Value("internal: fused inputs exhausted".into()))?;
                let leaf = self.nodes[inp as usize].leaf.expect("array node");
                children.push(leaf(blk, shape)?);
            }
        }
        ew.build(n, b, children, shape)
    }

    /// Run one stage.
    pub fn run_stage(&self, st: &Stage, inputs: Vec<Block>) -> Result<Block> {
        let node = &self.nodes[st.node as usize];
        let mut idx = Vec::with_capacity(node.grid.len());
        unravel_into(&node.grid, st.block, &mut idx);
        match st.kind {
            StageKind::Pick(k) => return crate::graph::stream::pick(&inputs[0], k as usize),
            StageKind::Multi(g) => {
                let group = &self.multi[g as usize];
                let consumers: Vec<u32> = group.consumers.clone();
                let blocks = self.stream_into(st.node, &consumers, &idx, &inputs)?;
                return Ok(Arc::new(crate::graph::stream::MultiBlocks(blocks)));
            }
            StageKind::Node => {}
        }
        if let Some(ew) = node.op.elementwise().filter(|_| !node.inputs.is_empty()) {
            let shape = ew_block_shape(node, &idx, inputs.first());
            let mut it = inputs.iter();
            let tile = self.fused_tile(st.node, &idx, &shape, &mut it)?;
            return ew.finish(tile, &shape);
        }
        if self.fused[st.node as usize].first() == Some(&true) {
            let child = self.inputs[st.node as usize][0];
            let mut blocks = self.stream_into(child, &[st.node], &idx, &inputs)?;
            return Ok(blocks.pop().expect("one consumer"));
        }
        // sources (no inputs) produce their blocks directly when not fused into a consumer
        node.op.run_owned(node, &idx, inputs)
    }

    /// [`Plan::run_stage`] for the last stage of an output task: the block is written into
    /// `dst`, its window of the result, directly by fused elementwise expressions and copied
    /// there otherwise.
    pub fn run_stage_into(&self, st: &Stage, inputs: Vec<Block>, dst: &mut crate::graph::OutWindow) -> Result<()> {
        let node = &self.nodes[st.node as usize];
        if st.kind == StageKind::Node {
            let mut idx = Vec::with_capacity(node.grid.len());
            unravel_into(&node.grid, st.block, &mut idx);
            if let Some(ew) = node.op.elementwise().filter(|_| !node.inputs.is_empty()) {
                let shape = ew_block_shape(node, &idx, inputs.first());
                if shape == dst.shape() {
                    let mut it = inputs.iter();
                    let tile = self.fused_tile(st.node, &idx, &shape, &mut it)?;
                    return ew.finish_into(tile, &shape, dst);
                }
            } else if self.fused[st.node as usize].first() != Some(&true) {
                if let Some(done) = node.op.run_into(node, &idx, &inputs, dst) {
                    return done;
                }
            }
        }
        dst.copy_from(&self.run_stage(st, inputs)?)
    }

    /// Build `source`'s fused tile for block `idx` and stream it once into each consumer's sink.
    fn stream_into(&self, source: u32, consumers: &[u32], idx: &[usize], inputs: &[Block]) -> Result<Vec<Block>> {
        let src = &self.nodes[source as usize];
        let shape = ew_block_shape(src, idx, inputs.first());
        let mut it = inputs.iter();
        let tile = self.fused_tile(source, idx, &shape, &mut it)?;
        let mut sinks = Vec::with_capacity(consumers.len());
        for &c in consumers {
            let cn = &self.nodes[c as usize];
            let tc = cn.op.tile_consumer().ok_or_else(|| Error::Value("internal: not a tile consumer".into()))?;
            sinks.push(tc.sink(cn, idx, &shape)?);
        }
        let n: usize = shape.iter().product();
        crate::with_dtype!(src.meta().dtype, T => crate::graph::stream::drive::<T>(tile, sinks, n))
    }

    /// Name of a node with the elementwise subtree fused into it, e.g. `add(mul(full))`.
    pub fn fused_name(&self, node: u32) -> String {
        let n = &self.nodes[node as usize];
        let kids: Vec<String> = self.fused[node as usize]
            .iter()
            .enumerate()
            .filter(|(_, &f)| f)
            .map(|(slot, _)| self.fused_name(self.inputs[node as usize][slot]))
            .collect();
        if kids.is_empty() {
            n.name.to_string()
        } else {
            format!("{}({})", n.name, kids.join(", "))
        }
    }

    /// `(operation-id, block index)` of a stage, as shown in errors and profiles.
    pub fn stage_key(&self, st: &Stage) -> String {
        let node = &self.nodes[st.node as usize];
        let mut idx = Vec::new();
        unravel_into(&node.grid, st.block, &mut idx);
        let ix: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
        format!("('{}', {})", node.label(), ix.join(", "))
    }

    fn fuse_linear_chains(&mut self) {
        let n = self.tasks.len();
        let mut is_output = vec![false; n];
        for (_, ids) in &self.outputs {
            for &t in ids {
                is_output[t as usize] = true;
            }
        }
        // distinct consumers per task
        let mut consumers = vec![0u32; n];
        let mut only_consumer = vec![NONE; n];
        let mut d = Vec::new();
        for (t, task) in self.tasks.iter().enumerate() {
            distinct_into(&task.deps, &mut d);
            for &x in &d {
                consumers[x as usize] += 1;
                only_consumer[x as usize] = t as u32;
            }
        }
        // Merge producers into consumers, following chains from the consumer's side. The
        // absorbed producers' stages are collected first and concatenated once, so a chain of
        // L tasks costs O(L), not O(L²) (an iterative code's 10⁵-step chain is one task).
        let mut absorbed = vec![false; n];
        let mut prefix: Vec<Vec<Stage>> = Vec::new();
        for t in 0..n {
            prefix.clear();
            // a task pinned to one MPI rank (the HDF5 writer's) runs its producers elsewhere
            #[cfg(feature = "mpi")]
            if self.tasks[t].stages.last().is_some_and(|st| {
                !self.tasks[t].deps.is_empty() && self.nodes[st.node as usize].op.home(st.block).is_some()
            }) {
                continue;
            }
            loop {
                let deps = &self.tasks[t].deps;
                if deps.is_empty() {
                    break;
                }
                let p = deps[0];
                if deps.iter().any(|&d| d != p) {
                    break;
                }
                let pi = p as usize;
                if is_output[pi] || consumers[pi] != 1 || only_consumer[pi] != t as u32 || absorbed[pi] {
                    break;
                }
                let prod =
                    std::mem::replace(&mut self.tasks[pi], Task { stages: Vec::new(), deps: Vec::new(), priority: 0 });
                absorbed[pi] = true;
                for &d in &prod.deps {
                    only_consumer[d as usize] = t as u32;
                }
                prefix.push(prod.stages);
                self.tasks[t].deps = prod.deps;
            }
            if !prefix.is_empty() {
                let cons = &mut self.tasks[t];
                let total = prefix.iter().map(Vec::len).sum::<usize>() + cons.stages.len();
                let mut stages = Vec::with_capacity(total);
                for p in prefix.drain(..).rev() {
                    stages.extend(p);
                }
                stages.append(&mut cons.stages);
                cons.stages = stages;
            }
        }
        if !absorbed.iter().any(|&a| a) {
            return;
        }
        // Compact task ids.
        let mut new_id = vec![NONE; n];
        let mut tasks = Vec::with_capacity(n);
        for (t, task) in std::mem::take(&mut self.tasks).into_iter().enumerate() {
            if !absorbed[t] {
                new_id[t] = tasks.len() as u32;
                tasks.push(task);
            }
        }
        for task in &mut tasks {
            for d in &mut task.deps {
                *d = new_id[*d as usize];
            }
        }
        for (_, ids) in &mut self.outputs {
            for t in ids {
                *t = new_id[*t as usize];
            }
        }
        self.tasks = tasks;
    }

    /// Depth-first order from the outputs, where a task is placed as soon as all of its inputs
    /// are placed ("finish dependents"): the other consumers of a block (the sum, mean and
    /// variance partials of one input block, say) run right after it, so it can be freed,
    /// instead of waiting until the walk reaches their output.
    fn assign_priorities(&mut self) {
        let n = self.tasks.len();
        // distinct dependents of each task, as offsets into one list (dependents of task x:
        // `dependents[off[x]..off[x + 1]]`, in task order). Counts and offsets are usize: the
        // number of edges is not bounded by the u32 task ids. `x as usize` widens a task id;
        // `t as TaskId` is lossless since every task got its id as `tasks.len() as TaskId`.
        let mut remaining = vec![0usize; n];
        let mut off = vec![0usize; n + 1];
        let mut d = Vec::new();
        for (t, task) in self.tasks.iter().enumerate() {
            distinct_into(&task.deps, &mut d);
            remaining[t] = d.len();
            for &x in &d {
                off[x as usize + 1] += 1;
            }
        }
        for x in 0..n {
            off[x + 1] += off[x];
        }
        let mut fill = off.clone();
        let mut dependents: Vec<TaskId> = vec![0; off[n]];
        for (t, task) in self.tasks.iter().enumerate() {
            distinct_into(&task.deps, &mut d);
            for &x in &d {
                dependents[fill[x as usize]] = t as TaskId;
                fill[x as usize] += 1;
            }
        }
        let mut visited = vec![false; n];
        let mut done = vec![false; n];
        let mut next = 0u32;
        let mut stack: Vec<(TaskId, usize)> = Vec::new();
        let mut ready: Vec<TaskId> = Vec::new();
        let roots: Vec<TaskId> = self.outputs.iter().flat_map(|(_, ids)| ids.iter().copied()).collect();
        for r in roots {
            if visited[r as usize] {
                continue;
            }
            visited[r as usize] = true;
            stack.push((r, 0));
            while let Some(&mut (t, ref mut k)) = stack.last_mut() {
                let deps = &self.tasks[t as usize].deps;
                if *k < deps.len() {
                    let d = deps[*k];
                    *k += 1;
                    if !visited[d as usize] {
                        visited[d as usize] = true;
                        stack.push((d, 0));
                    }
                    continue;
                }
                stack.pop();
                if done[t as usize] {
                    continue;
                }
                // place t, then every task it completes the inputs of
                ready.push(t);
                while let Some(u) = ready.pop() {
                    let ui = u as usize;
                    if done[ui] {
                        continue;
                    }
                    done[ui] = true;
                    self.tasks[ui].priority = next;
                    next += 1;
                    for &w in dependents[off[ui]..off[ui + 1]].iter().rev() {
                        remaining[w as usize] -= 1;
                        if remaining[w as usize] == 0 && !done[w as usize] {
                            ready.push(w);
                        }
                    }
                }
            }
        }
    }

    /// Number of tasks.
    pub fn ntasks(&self) -> usize {
        self.tasks.len()
    }
}

/// `deps` without repetitions, sorted, into `out` (cleared first; reused across tasks).
fn distinct_into(deps: &[TaskId], out: &mut Vec<TaskId>) {
    out.clear();
    out.extend_from_slice(deps);
    out.sort_unstable();
    out.dedup();
}

/// Dependencies of one block of a node, resolved to (input slot, block).
pub fn node_deps(node: &Node, block: &[usize]) -> Vec<Dep> {
    let mut v = Vec::new();
    node.op.deps(node, block, &mut v);
    v
}
