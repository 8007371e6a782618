//! Histogram planner: counts per block, then a tree sum of the count arrays.
//!
//! Each block of the sample (one or several coordinate arrays with the same grid, plus
//! optional weights) is binned by `ndchunk_kernels::histogram` into a small count array; count
//! arrays are summed `split_every` at a time, and the last sum becomes the result (divided into
//! a density if asked). Blocks of unknown length (after masking) need no special handling.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::histogram::{bin_values, BinSpec};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, Block, Dep, Node, Op, Value};

/// Counts accumulate in `i64` (unweighted) or `f64` (weighted or density).
pub trait Count: Element + std::ops::AddAssign {
    fn from_weight(w: f64) -> Self;
}

impl Count for i64 {
    fn from_weight(w: f64) -> Self {
        w as i64
    }
}

impl Count for f64 {
    fn from_weight(w: f64) -> Self {
        w
    }
}

struct Partial<T, A> {
    specs: Arc<Vec<BinSpec>>,
    ncoords: usize,
    _t: PhantomData<fn(T) -> A>,
}

impl<T: Element, A: Count> Op for Partial<T, A> {
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::ElemValueCodec::<A>::boxed())
    }

    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let f = crate::graph::ravel(&node.grid, b);
        for i in 0..node.inputs.len() {
            out.push(Dep { input: i as u32, block: f });
        }
    }

    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape: Vec<usize> = self.specs.iter().map(|s| s.nbins()).collect();
        let mut counts = ArrayD::<A>::from_elem(IxDyn(&shape), A::zero());
        let weights = if inputs.len() > self.ncoords { Some(as_array::<f64>(&inputs[self.ncoords])?) } else { None };
        let c = counts.as_slice_mut().expect("fresh array");
        if self.ncoords == 1 {
            let x = as_array::<T>(&inputs[0])?;
            if let Some(w) = weights {
                if w.shape() != x.shape() {
                    return Err(Error::Shape(format!("weights block {:?} vs data block {:?}", w.shape(), x.shape())));
                }
            }
            let mut wit = weights.map(|w| w.iter().map(|&v| A::from_weight(v)));
            let wref = wit.as_mut().map(|it| it as &mut dyn Iterator<Item = A>);
            match x.as_slice() {
                Some(s) => bin_values(s.iter().copied(), wref, A::one(), |v: T| v.to_f64(), &self.specs[0], c),
                None => bin_values(x.iter().copied(), wref, A::one(), |v: T| v.to_f64(), &self.specs[0], c),
            }
        } else {
            let cols: Vec<Vec<f64>> = inputs[..self.ncoords]
                .iter()
                .map(|b| as_array::<T>(b).map(|a| a.iter().map(|v| v.to_f64()).collect()))
                .collect::<Result<_>>()?;
            let n = cols[0].len();
            if cols.iter().any(|c| c.len() != n) {
                return Err(Error::Shape("histogramdd coordinates have blocks of different lengths".into()));
            }
            let wv: Option<Vec<f64>> = weights.map(|w| w.iter().copied().collect());
            'elem: for i in 0..n {
                let mut flat = 0;
                for (d, spec) in self.specs.iter().enumerate() {
                    match spec.index(cols[d][i]) {
                        Some(k) => flat = flat * spec.nbins() + k,
                        None => continue 'elem,
                    }
                }
                c[flat] += match &wv {
                    Some(w) => A::from_weight(w[i]),
                    None => A::one(),
                };
            }
        }
        Ok(Arc::new(Value(counts)))
    }
}

/// Sum groups of count arrays; the last level finalises into an array block.
struct Sum<A> {
    split: usize,
    nin: usize,
    last: bool,
    /// For density: bin volumes (flattened like the counts).
    volumes: Option<Arc<Vec<f64>>>,
    _t: PhantomData<fn() -> A>,
}

impl<A: Count> Op for Sum<A> {
    #[cfg(feature = "mpi")]
    fn codec(&self) -> Option<Box<dyn crate::distributed::Codec>> {
        Some(crate::distributed::ElemValueCodec::<A>::boxed())
    }

    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let j = b.first().copied().unwrap_or(0);
        for i in j * self.split..((j + 1) * self.split).min(self.nin) {
            out.push(Dep { input: 0, block: i });
        }
    }

    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let mut acc = as_value::<ArrayD<A>>(&inputs[0])?.clone();
        for inp in &inputs[1..] {
            acc.zip_mut_with(as_value::<ArrayD<A>>(inp)?, |a, &b| *a += b);
        }
        if !self.last {
            return Ok(Arc::new(Value(acc)));
        }
        if let Some(vol) = &self.volumes {
            let total: f64 = acc.iter().map(|v| v.to_f64()).sum();
            let out = ArrayD::from_shape_vec(
                acc.raw_dim(),
                acc.iter().zip(vol.iter()).map(|(c, v)| A::from_weight(c.to_f64() / v / total)).collect(),
            )
            .expect("same shape");
            return Ok(Arc::new(out.into_shared()));
        }
        Ok(Arc::new(acc.into_shared()))
    }
}

/// Plan a histogram of `coords` (same grid; element type `T`) with optional `weights` (same
/// grid, f64). Returns the node of the counts (or density), an array of `A`.
pub fn histogram_node<T: Element, A: Count>(
    coords: Vec<Arc<Node>>,
    weights: Option<Arc<Node>>,
    specs: Vec<BinSpec>,
    density: bool,
    split_every: usize,
) -> Result<Arc<Node>> {
    let grid = coords[0].grid.clone();
    let nblocks: usize = grid.iter().product();
    let ncoords = coords.len();
    let specs = Arc::new(specs);
    let mut inputs = coords;
    inputs.extend(weights);
    let mut node = Node::value(
        "histogram-partial",
        inputs,
        grid,
        Partial::<T, A> { specs: specs.clone(), ncoords, _t: PhantomData },
    );
    let split = split_every.max(2);
    let mut n = nblocks;
    let volumes = if density {
        let widths: Vec<Vec<f64>> = specs.iter().map(|s| s.edges().windows(2).map(|w| w[1] - w[0]).collect()).collect();
        let shape: Vec<usize> = specs.iter().map(|s| s.nbins()).collect();
        let vol: Vec<f64> = crate::graph::grid_indices(&shape)
            .map(|ix| ix.iter().enumerate().map(|(d, &i)| widths[d][i]).product())
            .collect();
        Some(Arc::new(vol))
    } else {
        None
    };
    loop {
        let last = n <= split;
        let next = if last { 1 } else { n.div_ceil(split) };
        let op = Sum::<A> { split, nin: n, last, volumes: if last { volumes.clone() } else { None }, _t: PhantomData };
        if last {
            let shape: Vec<usize> = specs.iter().map(|s| s.nbins()).collect();
            let chunks = Chunks::explicit(shape.iter().map(|&k| vec![k]).collect());
            return Ok(Node::array::<A>("histogram", vec![node], shape, chunks, op));
        }
        node = Node::value("histogram-sum", vec![node], vec![next], op);
        n = next;
    }
}
