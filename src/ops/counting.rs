//! Counting planners: `bincount` (per-block counts, then a tree sum of count vectors that
//! grow to the largest value seen) and the data-derived edges of `histogram_bin_edges` (from
//! the data's extremes, or from the statistics a bin-width rule such as Sturges' needs).

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::histogram::BinSpec;

use crate::chunks::{Chunks, UNKNOWN};
use crate::element::{Element, Scalar};
use crate::error::{Error, Result};
use crate::graph::{as_array, as_value, Block, Dep, Node, Op, Value};
use crate::ops::histogram::Count;

/// The bin of a non-negative integer element (NumPy's `ValueError` for a negative one).
fn bin_of<T: Element>(v: T) -> Result<usize> {
    let neg = || Error::Value("'list' argument must have no negative elements".into());
    let big = |x: &dyn std::fmt::Display| Error::Memory(format!("bincount of the value {x} needs too many bins"));
    match v.to_scalar() {
        Scalar::Bool(b) => Ok(b as usize),
        Scalar::Int(i) if i < 0 => Err(neg()),
        Scalar::Int(i) => usize::try_from(i).map_err(|_| big(&i)),
        Scalar::UInt(u) => usize::try_from(u).map_err(|_| big(&u)),
        Scalar::Float(_) | Scalar::Complex(..) => Err(Error::DType("bincount takes integers".into())),
    }
}

/// Counts (or summed weights) of one block, as long as its largest value + 1.
struct Partial<T, A> {
    weighted: bool,
    _t: PhantomData<fn(T) -> A>,
}

impl<T: Element, A: Count> Op for Partial<T, A> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: b[0] });
        if self.weighted {
            out.push(Dep { input: 1, block: b[0] });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let bins: Vec<usize> = x.iter().map(|&v| bin_of(v)).collect::<Result<_>>()?;
        let len = match bins.iter().max() {
            Some(&m) => m.checked_add(1).ok_or_else(|| Error::Memory("bincount: too many bins".into()))?,
            None => 0,
        };
        let mut counts: Vec<A> = crate::memory::try_vec(len, "bincount counts")?;
        counts.resize(len, A::zero());
        if self.weighted {
            let w = as_array::<f64>(&inputs[1])?;
            if w.shape() != x.shape() {
                return Err(Error::Shape(format!("weights block {:?} vs data block {:?}", w.shape(), x.shape())));
            }
            for (&k, &wv) in bins.iter().zip(w.iter()) {
                counts[k] += A::from_weight(wv);
            }
        } else {
            for &k in &bins {
                counts[k] += A::one();
            }
        }
        Ok(Arc::new(Value(ArrayD::from_shape_vec(IxDyn(&[len]), counts).expect("1-D"))))
    }
}

/// Sum groups of count vectors (the longest sets the length); the last level pads to
/// `minlength` and becomes the result block.
struct Sum<A> {
    split: usize,
    nin: usize,
    last: Option<usize>,
    _t: PhantomData<fn() -> A>,
}

impl<A: Count> Op for Sum<A> {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let j = b[0];
        for i in j * self.split..((j + 1) * self.split).min(self.nin) {
            out.push(Dep { input: 0, block: i });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let parts: Vec<&ArrayD<A>> = inputs.iter().map(as_value::<ArrayD<A>>).collect::<Result<_>>()?;
        let len = parts.iter().map(|p| p.len()).max().unwrap_or(0).max(self.last.unwrap_or(0));
        let mut acc: Vec<A> = crate::memory::try_vec(len, "bincount counts")?;
        acc.resize(len, A::zero());
        for p in parts {
            for (a, &v) in acc.iter_mut().zip(p.iter()) {
                *a += v;
            }
        }
        let arr = ArrayD::from_shape_vec(IxDyn(&[len]), acc).expect("1-D");
        Ok(if self.last.is_some() { Arc::new(arr.into_shared()) } else { Arc::new(Value(arr)) })
    }
}

/// Plan `bincount` of the 1-D `x` (with `weights` of the same chunks): an array of `A` in one
/// block of unknown length.
pub fn bincount_node<T: Element, A: Count>(x: Arc<Node>, weights: Option<Arc<Node>>, minlength: usize) -> Arc<Node> {
    let n = x.nblocks();
    let weighted = weights.is_some();
    let mut inputs = vec![x];
    inputs.extend(weights);
    let mut node = Node::value("bincount-block", inputs, vec![n], Partial::<T, A> { weighted, _t: PhantomData });
    let split = 8;
    let mut n = n;
    loop {
        let last = n <= split;
        let op = Sum::<A> { split, nin: n, last: last.then_some(minlength), _t: PhantomData };
        if last {
            return Node::array::<A>("bincount", vec![node], vec![UNKNOWN], Chunks::explicit(vec![vec![UNKNOWN]]), op);
        }
        let next = n.div_ceil(split);
        node = Node::value("bincount-sum", vec![node], vec![next], op);
        n = next;
    }
}

/// `n` equal bins over the data's range, from its 0-d `min` and `max` (NumPy's
/// `histogram_bin_edges` without a range).
struct EdgesFromData<T> {
    n: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for EdgesFromData<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
        out.push(Dep { input: 1, block: 0 });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let one = |b: &Block| -> Result<f64> {
            Ok(as_array::<T>(b)?.iter().next().copied().map(|v| v.to_f64()).unwrap_or(f64::NAN))
        };
        let (lo, hi) = (one(&inputs[0])?, one(&inputs[1])?);
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(Error::Value(format!("autodetected range of [{lo}, {hi}] is not finite")));
        }
        let edges = BinSpec::uniform(self.n, (lo, hi)).edges().to_vec();
        let n = edges.len();
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&[n]), edges).expect("1-D").into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(self.n.to_string())
    }
}

/// Plan the `n + 1` edges of `n` bins over `[min, max]` (0-d array nodes of `T`).
pub fn edges_from_data_node<T: Element>(min: Arc<Node>, max: Arc<Node>, n: usize) -> Arc<Node> {
    let op = EdgesFromData::<T> { n, _t: PhantomData };
    Node::array::<f64>("histogram_bin_edges", vec![min, max], vec![n + 1], Chunks::explicit(vec![vec![n + 1]]), op)
}

/// A bin-width rule of NumPy's `histogram_bin_edges` (`bins='sturges'`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimator {
    Sqrt,
    Sturges,
    Rice,
    Scott,
    Doane,
    /// Freedman–Diaconis: `2·IQR·n^(-1/3)`.
    Fd,
    /// The smaller of Sturges' width and FD's (FD's at least half the `sqrt` width).
    Auto,
    /// Stone's cross-validation: the bin count in `1..=max(100, √n)` minimizing the estimated
    /// integrated squared error.
    Stone,
}

/// The extra data an estimator's width needs besides the moments.
pub enum Extra<'a> {
    None,
    /// The 75th and 25th percentiles (FD, auto).
    Quartiles(f64, f64),
    /// Stone: the counts of `nb` equal bins over the range for every `nb` in `1..=u`,
    /// concatenated (`nb·(nb−1)/2` is where `nb`'s counts start).
    Counts(&'a [i64]),
}

/// The largest bin count Stone's rule tries for `n` values (NumPy's `max(100, int(sqrt(n)))`).
pub fn stone_upper(n: usize) -> usize {
    100.max(n.isqrt())
}

/// NumPy's bin width for `n` values with peak-to-peak `ptp`, standard deviation `std` and
/// third central moment `m3` (0 means "one bin").
fn width(e: Estimator, n: f64, ptp: f64, std: f64, m3: f64, extra: &Extra<'_>) -> f64 {
    let fd = || match extra {
        Extra::Quartiles(q75, q25) => 2.0 * (q75 - q25) * n.powf(-1.0 / 3.0),
        _ => f64::NAN,
    };
    match e {
        Estimator::Sqrt => ptp / n.sqrt(),
        Estimator::Sturges => ptp / (n.log2() + 1.0),
        Estimator::Rice => ptp / (2.0 * n.powf(1.0 / 3.0)),
        Estimator::Scott => (24.0 * std::f64::consts::PI.sqrt() / n).powf(1.0 / 3.0) * std,
        Estimator::Doane => {
            if n > 2.0 && std > 0.0 {
                let sg1 = (6.0 * (n - 2.0) / ((n + 1.0) * (n + 3.0))).sqrt();
                let g1 = m3 / (std * std * std);
                ptp / (1.0 + n.log2() + (1.0 + g1.abs() / sg1).log2())
            } else {
                0.0
            }
        }
        Estimator::Fd => fd(),
        Estimator::Auto => {
            let sturges = width(Estimator::Sturges, n, ptp, std, m3, extra);
            let sqrt = width(Estimator::Sqrt, n, ptp, std, m3, extra);
            // NumPy: min(max(fd, sqrt / 2), sturges) with Python's min/max
            let corrected = if fd() >= sqrt / 2.0 { fd() } else { sqrt / 2.0 };
            if corrected <= sturges {
                corrected
            } else {
                sturges
            }
        }
        Estimator::Stone => {
            let Extra::Counts(table) = extra else { return f64::NAN };
            if n <= 1.0 || ptp == 0.0 {
                return 0.0;
            }
            // n is a count of values, exact in f64
            let upper = stone_upper(n as usize);
            let mut best = (f64::INFINITY, 1usize);
            for nb in 1..=upper {
                let start = nb * (nb - 1) / 2;
                let Some(counts) = table.get(start..start + nb) else { break };
                let hh = ptp / nb as f64;
                let pp: f64 = counts.iter().map(|&c| (c as f64 / n) * (c as f64 / n)).sum();
                let jhat = (2.0 - (n + 1.0) * pp) / hh;
                // Python's min(key=...): the first minimum
                if jhat < best.0 {
                    best = (jhat, nb);
                }
            }
            ptp / best.1 as f64
        }
    }
}

/// Per block of values: the counts of `nb` equal bins over `[first, last]` for every `nb` in
/// `1..=upper` (Stone's table; see [`Extra::Counts`]). Values outside the range and NaN are not
/// counted, as in NumPy's `histogram`; a non-finite range counts nothing (the edges report it).
pub fn stone_counts(values: &ndarray::ArrayViewD<'_, f64>, first: f64, last: f64, upper: usize) -> Result<Vec<i64>> {
    let len =
        upper.checked_mul(upper + 1).map(|v| v / 2).ok_or_else(|| Error::Memory("stone: too many bins".into()))?;
    crate::memory::check_fits(crate::memory::bytes_of::<i64>(len, "stone's bin counts")?, "stone's bin counts")?;
    let mut table = vec![0i64; len];
    if !(first.is_finite() && last.is_finite()) {
        return Ok(table);
    }
    for nb in 1..=upper {
        let spec = BinSpec::uniform(nb, (first, last));
        let counts = &mut table[nb * (nb - 1) / 2..nb * (nb + 1) / 2];
        for &v in values.iter() {
            if let Some(i) = spec.index(v) {
                counts[i] += 1;
            }
        }
    }
    Ok(table)
}

/// Edges from the statistics of the (range-restricted) data: inputs are 0-d arrays of the
/// count (`i64`), minimum, maximum, standard deviation and third central moment (`f64`), then
/// for FD and auto the 1-D quartiles `[q75, q25]` (`f64`), for Stone the summed count table
/// (`i64`).
struct EstimatedEdges {
    estimator: Estimator,
    range: Option<(f64, f64)>,
    /// Integer data: a width below 1 is 1 (NumPy).
    integer: bool,
}

impl Op for EstimatedEdges {
    fn deps(&self, node: &Node, _: &[usize], out: &mut Vec<Dep>) {
        for i in 0..node.inputs.len() {
            out.push(Dep { input: i as u32, block: 0 });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let f = |b: &Block| -> Result<f64> { Ok(as_array::<f64>(b)?.iter().next().copied().unwrap_or(f64::NAN)) };
        let n = as_array::<i64>(&inputs[0])?.iter().next().copied().unwrap_or(0) as f64;
        let (lo, hi, std, m3) = (f(&inputs[1])?, f(&inputs[2])?, f(&inputs[3])?, f(&inputs[4])?);
        let (first, last) = match self.range {
            Some(r) => r,
            None if n == 0.0 => (0.0, 1.0),
            None => {
                if !(lo.is_finite() && hi.is_finite()) {
                    return Err(Error::Value(format!("autodetected range of [{lo}, {hi}] is not finite")));
                }
                (lo, hi)
            }
        };
        let extra = match self.estimator {
            Estimator::Fd | Estimator::Auto => {
                let q = as_array::<f64>(&inputs[5])?;
                let q: Vec<f64> = q.iter().copied().collect();
                Extra::Quartiles(q.first().copied().unwrap_or(f64::NAN), q.get(1).copied().unwrap_or(f64::NAN))
            }
            Estimator::Stone => Extra::Counts(
                as_array::<i64>(&inputs[5])?
                    .as_slice_memory_order()
                    .ok_or_else(|| Error::Shape("stone's table".into()))?,
            ),
            _ => Extra::None,
        };
        let mut w = if n == 0.0 { 0.0 } else { width(self.estimator, n, hi - lo, std, m3, &extra) };
        if self.integer && w > 0.0 && w < 1.0 {
            w = 1.0;
        }
        let nbins = if w > 0.0 { ((last - first) / w).ceil() } else { 1.0 };
        // the edges are allocated here: a width from the data must not abort the process
        if !(nbins.is_finite() && nbins < (1u64 << 40) as f64) {
            return Err(Error::Memory(format!("histogram_bin_edges: {nbins} bins are too many")));
        }
        let nbins = (nbins as usize).max(1);
        crate::memory::check_fits(crate::memory::bytes_of::<f64>(nbins + 1, "bin edges")?, "bin edges")?;
        let edges = BinSpec::uniform(nbins, (first, last)).edges().to_vec();
        let len = edges.len();
        Ok(Arc::new(ArrayD::from_shape_vec(IxDyn(&[len]), edges).expect("1-D").into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(format!("{:?}/{:?}/{}", self.estimator, self.range, self.integer))
    }
}

/// Plan the edges of an estimator from the 0-d statistics `stats` (count, min, max, std,
/// third central moment): a 1-D `f64` array of unknown length in one block.
pub fn estimated_edges_node(
    stats: Vec<Arc<Node>>,
    estimator: Estimator,
    range: Option<(f64, f64)>,
    integer: bool,
) -> Arc<Node> {
    let op = EstimatedEdges { estimator, range, integer };
    Node::array::<f64>("histogram_bin_edges", stats, vec![UNKNOWN], Chunks::explicit(vec![vec![UNKNOWN]]), op)
}
