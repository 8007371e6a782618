//! `persist`: compute the blocks once and keep them, still chunked.

use crate::array::chunks::Chunks;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::Result;
use crate::graph::{ravel, Block, Dep, Node, Op, Plan};

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
        let blocks = crate::scheduler::execute(&plan, cfg)?.pop().expect("one output");
        let chunks = chunks_of_blocks(&self.node().grid, &blocks);
        let shape = chunks.shape();
        Ok(ChunkedArray::from_node(Node::array::<T>("persist", Vec::new(), shape, chunks, Persisted { blocks })))
    }
}
