//! Random blocks whose values depend only on (seed, stream, global element position).
//!
//! Element `i` (flat C-order position in the whole array) owns fixed keystream words of a
//! ChaCha8 stream (seed, stream): a run of consecutive elements seeks once (`set_word_pos`,
//! O(1)) and draws in order, so the same seed and shape give the same values for any chunking.
//!
//! * [`Fixed`]: `w` 32-bit words per element (uniform: 2; small-range integers: 1);
//! * [`Pairs`]: elements `2k` and `2k+1` share 4 words (Box–Muller: one `ln`, `sqrt`,
//!   `sin_cos` per two normals);
//! * [`Variable`]: a private window of 2^20 words per element for samplers that loop
//!   (Poisson, binomial).
//!
//! The op is also a tile source: fused into an elementwise chain or a reduction, random values
//! are generated tile by tile and never stored as a block.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::element::Element;
use crate::error::Result;
use crate::graph::{Block, Dep, Node, Op, OutWindow};
use crate::ops::elementwise::tile::{BoxTile, Tile, TILE};
use crate::ops::elementwise::{finish_tile, Elementwise};

/// Words of the window of an element whose sampler draws a variable number of words.
pub const VARIABLE_WINDOW: u128 = 1 << 20;

/// Fills runs of consecutive elements.
pub trait Sampler<T>: Send + Sync + 'static {
    /// Fill `out` with the elements at global flat positions `first ..`.
    fn fill(&self, rng: &mut ChaCha8Rng, first: u128, out: &mut [T]);
}

/// `w` words per element, drawn by `f`.
pub struct Fixed<F>(pub u32, pub F);

impl<T, F: Fn(&mut ChaCha8Rng) -> T + Send + Sync + 'static> Sampler<T> for Fixed<F> {
    fn fill(&self, rng: &mut ChaCha8Rng, first: u128, out: &mut [T]) {
        rng.set_word_pos(first * self.0 as u128);
        for o in out {
            *o = (self.1)(rng);
        }
    }
}

/// Two elements from four words, drawn together by `f`.
pub struct Pairs<F>(pub F);

impl<T: Copy, F: Fn(&mut ChaCha8Rng) -> (T, T) + Send + Sync + 'static> Sampler<T> for Pairs<F> {
    fn fill(&self, rng: &mut ChaCha8Rng, first: u128, out: &mut [T]) {
        if out.is_empty() {
            return;
        }
        rng.set_word_pos((first / 2) * 4);
        let mut k = 0;
        if first % 2 == 1 {
            out[0] = (self.0)(rng).1;
            k = 1;
        }
        while k + 1 < out.len() {
            let (a, b) = (self.0)(rng);
            out[k] = a;
            out[k + 1] = b;
            k += 2;
        }
        if k < out.len() {
            out[k] = (self.0)(rng).0;
        }
    }
}

/// A private window per element, drawn by `f`.
pub struct Variable<F>(pub F);

impl<T, F: Fn(&mut ChaCha8Rng) -> T + Send + Sync + 'static> Sampler<T> for Variable<F> {
    fn fill(&self, rng: &mut ChaCha8Rng, first: u128, out: &mut [T]) {
        for (j, o) in out.iter_mut().enumerate() {
            rng.set_word_pos((first + j as u128) * VARIABLE_WINDOW);
            *o = (self.0)(rng);
        }
    }
}

/// A block of random values.
pub struct RandomOp<T, S> {
    pub seed: u64,
    pub stream: u64,
    pub sampler: Arc<S>,
    pub key: String,
    pub _t: PhantomData<fn() -> T>,
}

/// Where a block's rows start in the whole array.
#[derive(Clone)]
struct RowMap {
    /// Global shape.
    shape: Vec<usize>,
    /// The block's start per axis.
    start: Vec<usize>,
    /// The block's shape.
    bshape: Vec<usize>,
}

impl RowMap {
    fn new(node: &Node, b: &[usize]) -> RowMap {
        let m = node.meta();
        let ranges = m.chunks.block_ranges(b);
        RowMap {
            shape: m.shape.clone(),
            start: ranges.iter().map(|r| r.start).collect(),
            bshape: ranges.iter().map(|r| r.len()).collect(),
        }
    }
    fn row_len(&self) -> usize {
        self.bshape.last().copied().unwrap_or(1)
    }
    /// Global flat position of block-local flat position `p`.
    fn global(&self, p: usize) -> u128 {
        let nd = self.bshape.len();
        // weights of the global array's C order, walked from the last axis
        let (mut rem, mut flat, mut weight) = (p, 0u128, 1u128);
        for a in (0..nd).rev() {
            let len = self.bshape[a].max(1);
            let i = rem % len;
            rem /= len;
            flat += (self.start[a] + i) as u128 * weight;
            weight *= self.shape[a] as u128;
        }
        flat
    }
}

fn new_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Fill block-local positions `start .. start + out.len()`, one run (and one keystream seek)
/// per stretch of positions that is contiguous in the whole array: rows of a block that spans
/// the trailing axes join into one run.
fn fill_range<T, S: Sampler<T>>(s: &S, rng: &mut ChaCha8Rng, rows: &RowMap, start: usize, out: &mut [T]) {
    let row = rows.row_len().max(1);
    let mut k = 0;
    while k < out.len() {
        let p = start + k;
        let g = rows.global(p);
        let mut take = (row - p % row).min(out.len() - k);
        while k + take < out.len() && rows.global(p + take) == g + take as u128 {
            take = (take + row).min(out.len() - k);
        }
        s.fill(rng, g, &mut out[k..k + take]);
        k += take;
    }
}

impl<T: Element, S: Sampler<T>> Op for RandomOp<T, S> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}

    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let rows = RowMap::new(node, b);
        let n: usize = rows.bshape.iter().product();
        let mut out = vec![T::default(); n];
        let mut rng = new_rng(self.seed, self.stream);
        fill_range(&*self.sampler, &mut rng, &rows, 0, &mut out);
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&rows.bshape), out).expect("block size").into_shared()))
    }

    /// Samples straight into a contiguous window (a block of `persist`, or one spanning the
    /// trailing axes of `compute()`'s result): no block of its own, no copy.
    fn run_into(&self, node: &Node, b: &[usize], _: &[Block], dst: &mut OutWindow) -> Option<Result<()>> {
        let rows = RowMap::new(node, b);
        if !dst.is_standard_layout::<T>() || dst.shape() != rows.bshape.as_slice() {
            return None;
        }
        let mut view = dst.view_mut::<T>()?;
        let out = view.as_slice_mut()?;
        let mut rng = new_rng(self.seed, self.stream);
        fill_range(&*self.sampler, &mut rng, &rows, 0, out);
        Some(Ok(()))
    }

    fn writes_in_place(&self) -> bool {
        true
    }

    fn key(&self) -> Option<String> {
        Some(format!("{}:{}:{}", self.seed, self.stream, self.key))
    }

    fn elementwise(&self) -> Option<&dyn Elementwise> {
        Some(self)
    }
    #[cfg(feature = "mpi")]
    fn cheap_to_recompute(&self) -> bool {
        true
    }
}

struct RandomTile<T, S> {
    sampler: Arc<S>,
    rng: ChaCha8Rng,
    rows: RowMap,
    buf: Vec<T>,
}

impl<T: Element, S: Sampler<T>> Tile<T> for RandomTile<T, S> {
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        fill_range(&*self.sampler, &mut self.rng, &self.rows, start, &mut self.buf[..len]);
        &self.buf[..len]
    }
}

impl<T: Element, S: Sampler<T>> Elementwise for RandomOp<T, S> {
    fn build(&self, node: &Node, b: &[usize], _: Vec<Box<dyn Any>>, shape: &[usize]) -> Result<Box<dyn Any>> {
        let n: usize = shape.iter().product();
        let t: BoxTile<T> = Box::new(RandomTile {
            sampler: self.sampler.clone(),
            rng: new_rng(self.seed, self.stream),
            rows: RowMap::new(node, b),
            buf: vec![T::default(); n.clamp(1, TILE)],
        });
        Ok(Box::new(t))
    }
    fn finish(&self, tile: Box<dyn Any>, shape: &[usize]) -> Result<Block> {
        finish_tile::<T>(tile, shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn pairs_give_the_same_values_from_any_start() {
        let s = Pairs(|r: &mut ChaCha8Rng| (r.next_u64() as f64, r.next_u64() as f64));
        let mut rng = new_rng(1, 0);
        let mut all = vec![0.0; 11];
        s.fill(&mut rng, 0, &mut all);
        for start in 0..11 {
            let mut part = vec![0.0; 11 - start];
            s.fill(&mut rng, start as u128, &mut part);
            assert_eq!(part, all[start..], "{start}");
        }
    }
}
