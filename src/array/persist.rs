//! `persist`: compute the blocks once and keep them, still chunked.

use std::sync::Arc;

use crate::array::chunks::Chunks;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::Result;
use crate::graph::{ravel, Block, Dep, Node, Op, OutWindow, Plan};

/// Blocks held in memory.
struct Persisted {
    blocks: Vec<Block>,
}

impl Op for Persisted {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}
    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        Ok(self.blocks[ravel(&node.grid, b)].clone())
    }
}

/// The blocks of `node` (known chunks; its op writes blocks in place), each computed straight
/// into an allocation of its own made before the first write.
///
/// Made that way, a block of 4 MiB or more is advised onto transparent huge pages before it is
/// touched, and starts on a 2 MiB boundary (`memory::try_uninit_on_huge_pages`), as NumPy
/// advises every array of that size; a block a task allocates for itself is not (see
/// `memory::advise_huge_pages` for why). Persisted blocks are read again and again, and on
/// 4 KiB pages every read pays a TLB miss per page: a one-thread `maximum` of two persisted
/// 4M-element arrays in 8 MiB blocks took 7.5–8.6 ms from 4 KiB pages against 6.5–7.1 ms from
/// huge pages (Zen 4 host, pinned, alternating, 4 runs each). Ops that cannot write in place
/// keep their blocks as computed (a copy into a fresh allocation would cost a pass over the
/// data at every `persist`).
fn persist_in_place<T: Element>(plan: &Plan, node: &Node, cfg: &Config) -> Result<Vec<Block>> {
    let chunks = &node.meta().chunks;
    let mut bufs = Vec::with_capacity(node.nblocks());
    for idx in crate::graph::grid_indices(&node.grid) {
        let shape: Vec<usize> = chunks.block_ranges(&idx).iter().map(|r| r.len()).collect();
        bufs.push(crate::memory::try_uninit_on_huge_pages::<T>(&shape, "a persisted block")?);
    }
    // SAFETY: every buffer is an allocation of its own, so the windows are disjoint; none is
    // read or written here until `execute_into` returns, by which time the scheduler has
    // dropped every window (they live in its state and in the tasks it runs).
    let windows = bufs.iter_mut().map(|b| unsafe { OutWindow::new_uninit(b.view_mut()) }).collect();
    crate::scheduler::execute_into(plan, cfg, windows)?;
    Ok(bufs
        .into_iter()
        // SAFETY: every element is initialised: each window was written by its task, or
        // zero-filled when used otherwise or dropped unwritten (`OutWindow`), and all of them
        // have been dropped (above).
        .map(|b| Arc::new(unsafe { b.assume_init() }.into_shared()) as Block)
        .collect())
}

/// Block lengths per axis read from computed blocks (C order over `grid`).
pub(crate) fn chunks_of_blocks(grid: &[usize], blocks: &[Block]) -> Chunks {
    let nd = grid.len();
    let mut strides = vec![1usize; nd];
    for a in (0..nd.saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * grid[a + 1];
    }
    Chunks::explicit(
        (0..nd)
            .map(|a| (0..grid[a]).map(|i| blocks[i * strides[a]].array_shape().map(|s| s[a]).unwrap_or(0)).collect())
            .collect(),
    )
}

impl<T: Element> ChunkedArray<T> {
    /// Compute every block and keep them in memory; later graphs start from these blocks
    /// (dask's `persist`). Unknown block lengths become known.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::random::Generator::new(1).random(&[1000], [100]).unwrap();
    /// let p = x.persist().unwrap();
    /// assert_eq!(p.numblocks(), vec![10]);
    /// assert_eq!(p.compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn persist(&self) -> Result<ChunkedArray<T>> {
        self.persist_with(&Config::global())
    }

    /// [`persist`](Self::persist) with a given [`Config`].
    pub fn persist_with(&self, cfg: &Config) -> Result<ChunkedArray<T>> {
        #[cfg(feature = "mpi")]
        if crate::distributed::applies(cfg) {
            return crate::distributed::persist(self, cfg);
        }
        let plan = Plan::build(std::slice::from_ref(self.node()))?;
        let node = self.node();
        let in_place = (node.op.elementwise().is_some() && !node.inputs.is_empty()) || node.op.writes_in_place();
        let blocks = if in_place && node.meta().chunks.is_known() {
            persist_in_place::<T>(&plan, node, cfg)?
        } else {
            crate::scheduler::execute(&plan, cfg)?.pop().expect("one output")
        };
        let chunks = chunks_of_blocks(&self.node().grid, &blocks);
        let shape = chunks.shape();
        Ok(ChunkedArray::from_node(Node::array::<T>("persist", Vec::new(), shape, chunks, Persisted { blocks })))
    }
}
