//! Driving tile sinks: one pass over a fused tile expression feeds one or several consumers
//! (e.g. the sum, mean and variance partials of one file block read once).

use std::any::Any;
use std::sync::Arc;

use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{Block, BlockData, TileSink};
use crate::ops::elementwise::take_tile;
use crate::ops::elementwise::tile::TILE;

/// The blocks of several consumers computed in one task.
pub struct MultiBlocks(pub Vec<Block>);

impl BlockData for MultiBlocks {
    fn nbytes(&self) -> usize {
        self.0.iter().map(|b| b.nbytes()).sum()
    }
}

/// Evaluate `tile` (a `Box<BoxTile<T>>` over a block of `n` elements) once, pushing every
/// tile into every sink (`Box<Box<dyn TileSink<T>>>`), and finish the sinks.
pub fn drive<T: Element>(tile: Box<dyn Any>, sinks: Vec<Box<dyn Any>>, n: usize) -> Result<Vec<Block>> {
    let mut t = take_tile::<T>(tile)?;
    let mut sinks: Vec<Box<dyn TileSink<T>>> = sinks
        .into_iter()
        .map(|s| {
            s.downcast::<Box<dyn TileSink<T>>>()
                .map(|b| *b)
                .map_err(|_| Error::DType(format!("internal: tile sink is not for {}", T::DTYPE)))
        })
        .collect::<Result<_>>()?;
    let mut start = 0;
    while start < n {
        let len = TILE.min(n - start);
        let s = t.eval(start, len);
        for sink in sinks.iter_mut() {
            sink.push(start, s);
        }
        start += len;
    }
    if let Some(e) = t.take_error() {
        return Err(e);
    }
    sinks.into_iter().map(|s| s.finish()).collect()
}

/// Block `k` of a multi-consumer task's result.
pub fn pick(b: &Block, k: usize) -> Result<Block> {
    (b.as_ref() as &dyn Any)
        .downcast_ref::<MultiBlocks>()
        .and_then(|m| m.0.get(k).cloned())
        .ok_or_else(|| Error::Value("internal: not a multi-consumer result".into()))
        .map(|b| Arc::clone(&b))
}
