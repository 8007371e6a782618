//! Random blocks whose values depend only on (seed, stream, global element position).
//!
//! Each element `i` (flat C-order position in the whole array) owns the `W` 32-bit words at
//! word position `i·W` of a ChaCha8 keystream (seed, stream): a block seeks once per row
//! (`set_word_pos`, O(1)) and draws its row's elements in order. The same seed and shape thus
//! give the same values for any chunking. Distributions use a fixed number of words per
//! element (uniform: 2, Box–Muller normal: 4, bounded integers: 2 via a 64×64→128-bit
//! multiply); those that need a variable number of draws (Poisson, binomial) seek once per
//! element to a private window of 2^20 words.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::element::Element;
use crate::error::Result;
use crate::graph::{Block, Dep, Node, Op};

/// Words of the window of an element whose sampler draws a variable number of words.
pub const VARIABLE_WINDOW: u128 = 1 << 20;

/// How elements map to keystream words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draws {
    /// Exactly this many 32-bit words per element, consecutive elements adjacent.
    Fixed(u32),
    /// A private window of [`VARIABLE_WINDOW`] words per element.
    Variable,
}

/// A block of random values.
pub struct RandomOp<T, F> {
    pub seed: u64,
    pub stream: u64,
    pub draws: Draws,
    pub sample: F,
    pub key: String,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element, F: Fn(&mut ChaCha8Rng) -> T + Send + Sync + 'static> Op for RandomOp<T, F> {
    fn deps(&self, _: &Node, _: &[usize], _: &mut Vec<Dep>) {}

    fn run(&self, node: &Node, b: &[usize], _: &[Block]) -> Result<Block> {
        let m = node.meta();
        let ranges = m.chunks.block_ranges(b);
        let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let n: usize = shape.iter().product();
        let mut out: Vec<T> = Vec::with_capacity(n);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.stream);
        let nd = shape.len();
        if n > 0 {
            let row = if nd == 0 { 1 } else { shape[nd - 1] };
            let outer: Vec<usize> = if nd == 0 { vec![] } else { shape[..nd - 1].to_vec() };
            for idx in ndarray::indices(IxDyn(&outer)) {
                // global flat index of the row's first element
                let mut flat: u128 = 0;
                for ax in 0..nd.saturating_sub(1) {
                    flat = flat * m.shape[ax] as u128 + (ranges[ax].start + idx[ax]) as u128;
                }
                if nd > 0 {
                    flat = flat * m.shape[nd - 1] as u128 + ranges[nd - 1].start as u128;
                }
                match self.draws {
                    Draws::Fixed(w) => {
                        rng.set_word_pos(flat * w as u128);
                        for _ in 0..row {
                            out.push((self.sample)(&mut rng));
                        }
                    }
                    Draws::Variable => {
                        for j in 0..row as u128 {
                            rng.set_word_pos((flat + j) * VARIABLE_WINDOW);
                            out.push((self.sample)(&mut rng));
                        }
                    }
                }
            }
        }
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("block size").into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(format!("{}:{}:{}", self.seed, self.stream, self.key))
    }
}
