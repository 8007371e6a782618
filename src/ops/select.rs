//! Exact order statistics of a whole chunked array (`quantile`/`median` with `axis=None`) in
//! bounded memory: radix narrowing over the blocks.
//!
//! dask's `percentile` merges per-block percentiles and is approximate. Here the answer is the
//! exact order statistic NumPy reads from its sorted copy, found without sorting or gathering
//! the array:
//!
//! ```text
//!   pass 1: every block counts the top 16 bits of its elements' order keys (65,536 buckets;
//!           NaN counted apart) ── tree sum ──▶ state: n, the ranks NumPy reads, the bucket
//!           holding each rank and the rank within it
//!   pass 2..4: every block counts the next 16 bits of the keys inside each chosen bucket, or,
//!           once a bucket holds at most CANDIDATE_LIMIT keys, hands those keys over;
//!           tree sum / concatenation ──▶ state: narrower buckets, or selected values
//!   result: NumPy's interpolation of the selected values (ndchunk_kernels::select)
//! ```
//!
//! All the quantiles asked for share the passes. Four passes resolve the full 64-bit key, so
//! memory is bounded by the 65,536-bucket counts (sparse for small blocks) and at most
//! `CANDIDATE_LIMIT` keys per distinct rank, whatever the data (all ties, one huge block);
//! typical data resolve in two passes over the blocks. Each input block is an input of every
//! pass, so it stays in memory until the last pass has read it: free for an array already in
//! memory (the usual case, and NumPy's), but a generated or file-backed input is held whole
//! between the passes (`persist()` it first to make that explicit). The working memory of
//! the statistic itself is bounded as above. Block lengths may be unknown (after a mask): the
//! count comes from pass 1.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use ndchunk_kernels::select::{
    combine, count_top_digits, digit, from_order_key, has_prefix, locate, order_key, pick_ranks, route_keys,
    select_ranks, Pick, Stat, BUCKETS, RADIX_BITS,
};

use crate::chunks::Chunks;
use crate::element::Number;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, BlockData, Dep, Node, Op};

/// Most keys gathered into memory for one bucket (32 MB of keys); larger buckets are narrowed
/// by another counting pass first.
pub const CANDIDATE_LIMIT: u64 = 1 << 22;
/// Counting passes that resolve a 64-bit key.
const PASSES: usize = (64 / RADIX_BITS) as usize;
/// Fan-in of the combine trees.
const SPLIT: usize = 8;
/// Blocks shorter than this count into a list of digits instead of 65,536 counters.
const SPARSE_BELOW: usize = BUCKETS / 16;

/// Bucket counts of one prefix: a list of digits (small blocks) or dense counters.
#[derive(Clone)]
enum Hist {
    Sparse(Vec<u16>),
    Dense(Vec<u64>),
}

impl Hist {
    fn nbytes(&self) -> usize {
        match self {
            Hist::Sparse(v) => v.len() * 2,
            Hist::Dense(v) => v.len() * 8,
        }
    }

    fn dense(self) -> Vec<u64> {
        match self {
            Hist::Dense(v) => v,
            Hist::Sparse(d) => {
                let mut v = vec![0u64; BUCKETS];
                d.iter().for_each(|&k| v[k as usize] += 1);
                v
            }
        }
    }

    fn merge(self, other: Hist) -> Hist {
        match (self, other) {
            (Hist::Sparse(mut a), Hist::Sparse(b)) if a.len() + b.len() < SPARSE_BELOW => {
                a.extend_from_slice(&b);
                Hist::Sparse(a)
            }
            (Hist::Dense(mut a), b) | (b, Hist::Dense(mut a)) => {
                match b {
                    Hist::Dense(b) => a.iter_mut().zip(&b).for_each(|(x, y)| *x += y),
                    Hist::Sparse(d) => d.iter().for_each(|&k| a[k as usize] += 1),
                }
                Hist::Dense(a)
            }
            (a, b) => a.merge(Hist::Dense(b.dense())),
        }
    }
}

/// What one block (or a group of blocks) contributes to a pass.
#[derive(Clone, Default)]
struct Partial {
    count: u64,
    nan: u64,
    /// Per group of the state (pass 1: one group), counts or gathered keys.
    hists: Vec<Option<Hist>>,
    gathered: Vec<Vec<u64>>,
}

impl BlockData for Partial {
    fn nbytes(&self) -> usize {
        self.hists.iter().flatten().map(Hist::nbytes).sum::<usize>()
            + self.gathered.iter().map(|g| g.len() * 8).sum::<usize>()
    }
}

impl Partial {
    fn merge(mut self, o: Partial) -> Partial {
        self.count += o.count;
        self.nan += o.nan;
        for (a, b) in self.hists.iter_mut().zip(o.hists) {
            *a = match (a.take(), b) {
                (Some(x), Some(y)) => Some(x.merge(y)),
                (x, y) => x.or(y),
            };
        }
        for (a, b) in self.gathered.iter_mut().zip(o.gathered) {
            a.extend_from_slice(&b);
        }
        self
    }
}

/// One rank NumPy reads: where the narrowing has got to.
#[derive(Clone, Debug)]
struct Target {
    /// Index into the state's groups (unresolved targets).
    group: usize,
    /// Rank inside the group's bucket.
    within: u64,
    /// The key, once known.
    key: Option<u64>,
}

/// A bucket being narrowed: the first `known` bits of its keys, and whether its keys are
/// gathered (small enough) or counted by the next 16 bits.
#[derive(Clone, Debug)]
struct Group {
    prefix: u64,
    gather: bool,
}

/// The narrowing state after a pass.
#[derive(Clone, Default)]
struct State {
    /// Nothing left to do (every rank resolved, or the result is NaN or empty).
    finished: bool,
    /// Non-NaN element count, and whether NaN was seen.
    n: u64,
    any_nan: bool,
    picks: Vec<Pick>,
    ranks: Vec<usize>,
    targets: Vec<Target>,
    known: u32,
    groups: Vec<Group>,
    /// For `known == 16`: bucket → group + 1 (0: no group).
    lut: Vec<u16>,
}

impl BlockData for State {
    fn nbytes(&self) -> usize {
        self.lut.len() * 2 + self.targets.len() * 32 + self.groups.len() * 16
    }
}

fn downcast<V: 'static>(b: &Block) -> Result<&V> {
    (b.as_ref() as &dyn Any)
        .downcast_ref::<V>()
        .ok_or_else(|| Error::DType("internal: unexpected block type in quantile passes".into()))
}

/// What the passes compute.
struct Ctx {
    stat: Stat,
    skip_nan: bool,
    /// Largest bucket gathered (`CANDIDATE_LIMIT`; smaller in tests, to force every pass).
    limit: u64,
}

/// Pass `pass` (0-based) over one block.
struct PassOp<T> {
    pass: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Number> Op for PassOp<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.grid, b) });
        if self.pass > 0 {
            out.push(Dep { input: 1, block: 0 });
        }
    }

    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let contiguous = x.as_slice_memory_order();
        if self.pass == 0 {
            let mut p = Partial { hists: vec![None], gathered: vec![Vec::new()], ..Partial::default() };
            let len = x.len();
            let mut nan = 0u64;
            let count;
            let hist = if len < SPARSE_BELOW {
                let mut d = Vec::with_capacity(len);
                for &v in x.iter() {
                    if v.is_nan() {
                        nan += 1;
                    } else {
                        d.push(digit(order_key(v), 0) as u16);
                    }
                }
                count = d.len() as u64;
                Hist::Sparse(d)
            } else {
                let mut h = vec![0u64; BUCKETS];
                nan = match contiguous {
                    Some(s) => count_top_digits(s, &mut h),
                    None => {
                        // a strided view: count it in pieces copied to a small buffer
                        let mut buf = Vec::with_capacity(BUCKETS);
                        let mut it = x.iter().copied().peekable();
                        let mut nan = 0;
                        while it.peek().is_some() {
                            buf.clear();
                            buf.extend(it.by_ref().take(BUCKETS));
                            nan += count_top_digits(&buf, &mut h);
                        }
                        nan
                    }
                };
                count = len as u64 - nan;
                Hist::Dense(h)
            };
            p.count = count;
            p.nan = nan;
            p.hists[0] = Some(hist);
            return Ok(Arc::new(p));
        }
        let st = downcast::<State>(&inputs[1])?;
        let ng = st.groups.len();
        let mut p = Partial { hists: vec![None; ng], gathered: vec![Vec::new(); ng], ..Partial::default() };
        if st.finished {
            return Ok(Arc::new(p));
        }
        let known = st.known;
        let mut dense: Vec<Option<Vec<u64>>> =
            st.groups.iter().map(|g| if g.gather { None } else { Some(vec![0u64; BUCKETS]) }).collect();
        let gathered = &mut p.gathered;
        if known == RADIX_BITS {
            let lut = &st.lut;
            let group = |k: u64| match lut[digit(k, 0)] {
                0 => None,
                g => Some(g as usize - 1),
            };
            match contiguous {
                Some(s) => route_keys(s.iter().copied(), known, group, &mut dense, gathered),
                None => route_keys(x.iter().copied(), known, group, &mut dense, gathered),
            }
        } else {
            let groups = &st.groups;
            let group = |k: u64| groups.iter().position(|g| has_prefix(k, g.prefix, known));
            match contiguous {
                Some(s) => route_keys(s.iter().copied(), known, group, &mut dense, gathered),
                None => route_keys(x.iter().copied(), known, group, &mut dense, gathered),
            }
        }
        for (h, d) in p.hists.iter_mut().zip(dense) {
            *h = d.map(Hist::Dense);
        }
        Ok(Arc::new(p))
    }
}

/// Merge groups of partials; the last level also turns them into the next state.
struct CombineOp {
    nin: usize,
    last: bool,
    pass: usize,
    ctx: Arc<Ctx>,
}

impl Op for CombineOp {
    fn deps(&self, _: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let j = b.first().copied().unwrap_or(0);
        for i in j * SPLIT..((j + 1) * SPLIT).min(self.nin) {
            out.push(Dep { input: 0, block: i });
        }
        if self.last && self.pass > 0 {
            out.push(Dep { input: 1, block: 0 });
        }
    }

    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let nparts = if self.last && self.pass > 0 { inputs.len() - 1 } else { inputs.len() };
        let mut acc = downcast::<Partial>(&inputs[0])?.clone();
        for b in &inputs[1..nparts] {
            acc = acc.merge(downcast::<Partial>(b)?.clone());
        }
        if !self.last {
            return Ok(Arc::new(acc));
        }
        let prev = if self.pass > 0 { Some(downcast::<State>(&inputs[nparts])?) } else { None };
        Ok(Arc::new(advance(prev, acc, &self.ctx)))
    }
}

/// The state after a pass's merged partial.
fn advance(prev: Option<&State>, part: Partial, ctx: &Ctx) -> State {
    let mut st = match prev {
        Some(s) if s.finished => return s.clone(),
        Some(s) => s.clone(),
        None => {
            let mut s = State { n: part.count, any_nan: part.nan > 0, ..State::default() };
            if (s.any_nan && !ctx.skip_nan) || s.n == 0 {
                s.finished = true;
                return s;
            }
            let Ok(n) = usize::try_from(s.n) else {
                s.finished = true;
                return s;
            };
            s.picks = ctx.stat.picks(n);
            s.ranks = pick_ranks(&s.picks);
            s.targets = s.ranks.iter().map(|&r| Target { group: 0, within: r as u64, key: None }).collect();
            s.groups = vec![Group { prefix: 0, gather: false }];
            s
        }
    };
    let Partial { hists, gathered, .. } = part;
    let mut hists: Vec<Option<Vec<u64>>> = hists.into_iter().map(|h| h.map(Hist::dense)).collect();
    let mut gathered = gathered;
    // gathered groups: select their targets' ranks
    for (g, keys) in gathered.iter_mut().enumerate() {
        if !st.groups[g].gather {
            continue;
        }
        let idx: Vec<usize> =
            (0..st.targets.len()).filter(|&t| st.targets[t].key.is_none() && st.targets[t].group == g).collect();
        let mut ranks: Vec<usize> = idx.iter().map(|&t| st.targets[t].within as usize).collect();
        ranks.sort_unstable();
        ranks.dedup();
        let vals = select_ranks(keys, &ranks);
        for &t in &idx {
            let r = st.targets[t].within as usize;
            st.targets[t].key = Some(vals[ranks.binary_search(&r).unwrap_or(0)]);
        }
    }
    // counted groups: descend into the bucket of each target
    let known = st.known + RADIX_BITS;
    let mut groups: Vec<Group> = Vec::new();
    for t in st.targets.iter_mut() {
        if t.key.is_some() {
            continue;
        }
        let Some(h) = hists[t.group].as_mut() else { continue };
        let (bucket, within, size) = locate(h, t.within);
        let prefix = (st.groups[t.group].prefix << RADIX_BITS) | bucket as u64;
        if known == 64 {
            t.key = Some(prefix);
            continue;
        }
        t.within = within;
        t.group = match groups.iter().position(|g| g.prefix == prefix) {
            Some(g) => g,
            None => {
                groups.push(Group { prefix, gather: size <= ctx.limit });
                groups.len() - 1
            }
        };
    }
    st.known = known;
    st.lut = if known == RADIX_BITS && !groups.is_empty() {
        let mut lut = vec![0u16; BUCKETS];
        for (g, gr) in groups.iter().enumerate() {
            lut[gr.prefix as usize] = g as u16 + 1;
        }
        lut
    } else {
        Vec::new()
    };
    st.groups = groups;
    st.finished = st.targets.iter().all(|t| t.key.is_some());
    hists.clear();
    st
}

/// The result block: NumPy's combination of the selected values.
struct FinishOp<T> {
    scalar: bool,
    /// NumPy's `quantile` raises `IndexError` on no elements (`median` and nan forms: NaN).
    error_if_empty: bool,
    /// Scalar q (NumPy's weak Python float).
    weak: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: Number> Op for FinishOp<T> {
    fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: 0 });
    }

    fn run(&self, node: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let st = downcast::<State>(&inputs[0])?;
        let nq = node.meta().shape.first().copied().unwrap_or(1);
        let vals: Vec<f64> = if self.error_if_empty && st.n == 0 && !st.any_nan {
            return Err(Error::Index { index: -1, axis: 0, size: 0 });
        } else if st.picks.is_empty() {
            // NaN present (and not skipped), or an all-NaN array with the nan forms
            vec![f64::NAN; nq]
        } else {
            let key = |i: usize| -> Result<T> {
                let t = st.ranks.binary_search(&i).map_err(|_| Error::Value("internal: rank not selected".into()))?;
                let k = st.targets[t].key.ok_or_else(|| Error::Value("internal: rank not resolved".into()))?;
                Ok(from_order_key::<T>(k))
            };
            let weak = self.weak;
            st.picks
                .iter()
                .map(|p| {
                    let [i, j] = p.positions();
                    Ok(combine(p, key(i)?, key(j)?, weak))
                })
                .collect::<Result<_>>()?
        };
        let shape: Vec<usize> = if self.scalar { vec![] } else { vec![vals.len()] };
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), vals)
            .map_err(|e| Error::Shape(format!("internal: {e}")))?;
        Ok(Arc::new(a.into_shared()))
    }
}

/// Plan the exact statistic of every element of `input` (any shape, any chunks): an f64 array
/// node of shape `[stat.len()]`, or `[]` when `scalar`. With no elements, `quantile` is an
/// [`Error::Index`] at compute time (NumPy's `IndexError`); `median` and the nan forms give NaN.
/// The grid must have at least one block.
pub fn exact_stat<T: Number>(input: Arc<Node>, stat: Stat, skip_nan: bool, scalar: bool) -> Result<Arc<Node>> {
    exact_stat_with_limit::<T>(input, stat, skip_nan, scalar, CANDIDATE_LIMIT)
}

/// [`exact_stat`] gathering buckets of at most `limit` keys.
fn exact_stat_with_limit<T: Number>(
    input: Arc<Node>,
    stat: Stat,
    skip_nan: bool,
    scalar: bool,
    limit: u64,
) -> Result<Arc<Node>> {
    let nq = stat.len();
    let error_if_empty = !skip_nan && matches!(stat, Stat::Quantile(..));
    let weak = stat.weak();
    let ctx = Arc::new(Ctx { stat, skip_nan, limit });
    let grid = input.grid.clone();
    let nblocks: usize = grid.iter().product();
    if nblocks == 0 {
        return Err(Error::Index { index: -1, axis: 0, size: 0 });
    }
    let mut state: Option<Arc<Node>> = None;
    for pass in 0..PASSES {
        let mut inputs = vec![input.clone()];
        inputs.extend(state.clone());
        let mut level = Node::value(
            format!("quantile-pass{}", pass + 1),
            inputs,
            grid.clone(),
            PassOp::<T> { pass, _t: PhantomData },
        );
        let mut n = nblocks;
        loop {
            let last = n <= SPLIT;
            let next = if last { 1 } else { n.div_ceil(SPLIT) };
            let mut inputs = vec![level];
            if last {
                inputs.extend(state.clone());
            }
            let op = CombineOp { nin: n, last, pass, ctx: ctx.clone() };
            level = Node::value(if last { "quantile-state" } else { "quantile-combine" }, inputs, vec![next], op);
            n = next;
            if last {
                break;
            }
        }
        state = Some(level);
    }
    let state = state.ok_or_else(|| Error::Value("internal: no quantile pass".into()))?;
    let shape: Vec<usize> = if scalar { vec![] } else { vec![nq] };
    let chunks = Chunks::explicit(shape.iter().map(|&k| vec![k]).collect());
    Ok(Node::array::<f64>(
        "quantile",
        vec![state],
        shape,
        chunks,
        FinishOp::<T> { scalar, error_if_empty, weak, _t: PhantomData },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::ChunkedArray;
    use ndchunk_kernels::select::{pick, QuantileMethod};

    /// Every limit from "gather at once" to "never gather" (four counting passes resolve the
    /// whole key) gives the sorted reference's values, bit for bit.
    fn check<T: Number>(data: Vec<T>, chunk: usize, qs: &[f64]) {
        let n = data.len();
        let x = ChunkedArray::from_array(ndarray::Array1::from(data.clone()).into_dyn(), [chunk]).unwrap();
        let mut sorted = data;
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for limit in [0, 1, 5, u64::MAX] {
            for m in [QuantileMethod::Linear, QuantileMethod::Nearest, QuantileMethod::Midpoint] {
                let stat = Stat::Quantile(m, qs.to_vec(), false);
                let node = exact_stat_with_limit::<T>(x.node().clone(), stat, false, false, limit).unwrap();
                let got = ChunkedArray::<f64>::from_node(node).compute().unwrap();
                for (i, &q) in qs.iter().enumerate() {
                    let p = pick(m, n, q);
                    let [a, b] = p.positions();
                    let want = combine(&p, sorted[a], sorted[b], false);
                    assert_eq!(got[[i]].to_bits(), want.to_bits(), "limit {limit} {m:?} q {q}");
                }
            }
        }
    }

    #[test]
    fn narrowing_passes_resolve_every_bit() {
        let qs = [0.0, 0.1, 0.5, 0.77, 1.0];
        // values that share their top 16 (and 32) key bits: only the later passes separate them
        let close: Vec<f64> = (0..300).map(|i| 1.0 + ((i * 7919) % 300) as f64 * 1e-13).collect();
        check(close, 7, &qs);
        check(vec![2.5f64; 100], 9, &qs); // all ties
        check((0..257).map(|i| ((i * 31) % 257) as i64 - 100).collect(), 10, &qs);
        check((0..99).map(|i| ((i * 13) % 99) as u8).collect(), 4, &qs);
        check((0..64).map(|i| if i % 2 == 0 { -0.0f32 - i as f32 } else { i as f32 * 0.5 }).collect(), 3, &qs);
    }
}
