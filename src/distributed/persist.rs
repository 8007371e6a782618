//! A distributed `persist`: each block stays on the rank that computed it.
//!
//! The persisted array's source op knows which rank holds each block ([`Op::home`]), and the
//! planner runs the block's task there, so later computes start where the data already is
//! and nothing crosses until an operation needs another rank's block. Block lengths that were
//! unknown (after a boolean mask) become known: the ranks exchange their blocks' shapes.
//! Computing a distributed-persisted array with `Executor::Local` fails for the blocks held
//! elsewhere (`Error::Value`).

use mpi::traits::*;

use super::place::Deliver;
use super::wire::{Reader, Wire};
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{ravel, Block, Dep, Node, Op, Plan};

/// Blocks held by their ranks.
struct Held {
    blocks: Vec<Option<Block>>,
    homes: Vec<u32>,
}

impl Op for Held {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let f = ravel(&node.grid, b);
        self.blocks.get(f).cloned().flatten().ok_or_else(|| {
            Error::Value(format!(
                "block {b:?} of this persisted array is held by rank {}: compute it with the MPI executor",
                self.homes.get(f).copied().unwrap_or(0)
            ))
        })
    }
    fn home(&self, block: usize) -> Option<u32> {
        self.homes.get(block).copied()
    }
}

/// `x.persist_with(cfg)` under the MPI executor.
pub(crate) fn persist<T: Element>(x: &ChunkedArray<T>, cfg: &Config) -> Result<ChunkedArray<T>> {
    let plan = Plan::build(std::slice::from_ref(x.node()))?;
    let outcome = super::run(&plan, cfg, Deliver::Keep, Vec::new())?;
    let blocks = outcome.outputs.into_iter().next().ok_or_else(|| Error::Value("internal: one output".into()))?;
    let homes = outcome.homes.into_iter().next().ok_or_else(|| Error::Value("internal: one output".into()))?;
    let node = x.node();
    let chunks = if node.meta().chunks.is_known() {
        node.meta().chunks.clone()
    } else {
        chunks_from_shapes(&node.grid, &gather_shapes(&blocks)?)
    };
    let shape = chunks.shape();
    Ok(ChunkedArray::from_node(Node::array::<T>("persist", Vec::new(), shape, chunks, Held { blocks, homes })))
}

/// Every block's shape on every rank (each rank sends those of the blocks it holds).
fn gather_shapes(blocks: &[Option<Block>]) -> Result<Vec<Option<Vec<usize>>>> {
    let world = super::comm();
    let size = world.size() as usize;
    let mut mine = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if let Some(s) = b.as_ref().and_then(|b| b.array_shape()) {
            i.put(&mut mine);
            (s.len() as u32).put(&mut mine);
            for &l in s {
                l.put(&mut mine);
            }
        }
    }
    let send = vec![mine; size];
    let recv = super::exchange(&world, &send);
    let mut shapes: Vec<Option<Vec<usize>>> = vec![None; blocks.len()];
    for buf in &recv {
        let mut r = Reader::new(buf);
        while !r.is_empty() {
            let i = r.usize()?;
            let nd = r.u32()? as usize;
            let s: Vec<usize> = (0..nd.min(64)).map(|_| r.usize()).collect::<Result<_>>()?;
            if let Some(slot) = shapes.get_mut(i) {
                *slot = Some(s);
            }
        }
    }
    Ok(shapes)
}

/// Block lengths per axis from the blocks' shapes (C order over `grid`).
fn chunks_from_shapes(grid: &[usize], shapes: &[Option<Vec<usize>>]) -> Chunks {
    Chunks::explicit(
        (0..grid.len())
            .map(|a| {
                (0..grid[a])
                    .map(|i| {
                        let mut pos = vec![0; grid.len()];
                        pos[a] = i;
                        let f = ravel(grid, &pos);
                        shapes.get(f).and_then(|s| s.as_ref()).and_then(|s| s.get(a).copied()).unwrap_or(0)
                    })
                    .collect()
            })
            .collect(),
    )
}
