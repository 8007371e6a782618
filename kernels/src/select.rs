//! Order statistics on plain slices: order-preserving keys, NumPy's quantile index rules, and
//! selection (the k-th smallest without a full sort).
//!
//! * **Keys.** Every element maps to a `u64` whose unsigned order is the element's numeric
//!   order ([`order_key`]): floats flip their sign bit (and every bit of negatives), signed
//!   integers flip the sign bit, unsigned integers are themselves. Keys make selection a
//!   comparison of integers, and let a chunked planner narrow onto a rank by counting the keys'
//!   top bits ([`digit`]), radix fashion, one pass over the blocks per 16 bits, without ever
//!   holding the array sorted. `-0.0` orders before `+0.0` (both are valid sorted orders in
//!   NumPy, whose comparisons call them equal). NaN is never given a key by the quantile paths:
//!   it is counted and excluded first. [`sort_key`] is the key for sorting: NaN last (NumPy's
//!   rule) and `-0.0 == +0.0`, so a stable sort by it is NumPy's `kind='stable'`.
//! * **Index rules.** [`pick`] is NumPy 2's `_quantile` for one `q` over `n` values, for all 13
//!   methods: the virtual index of each method (`_QuantileMethods`), the bounds of
//!   `_get_indexes`, `_get_gamma` with each method's `fix_gamma`, evaluated in the same f64
//!   operation order, so the interpolation weight is NumPy's bit for bit. [`lerp`] is NumPy's
//!   `_lerp` (`a + (b - a)·t`, or `b - (b - a)·(1 - t)` when `t >= 0.5`; the difference in the
//!   element type, as NumPy subtracts before promoting). [`median_pick`]/[`mid_mean`] are
//!   `np.median`'s rule: the mean of the one or two middle values, which differs from
//!   `quantile(0.5)` in the last bit for some inputs.
//! * **Selection.** [`select_ranks`] puts several ranks in place by successive
//!   `select_nth_unstable` on the remaining right part (NumPy's multi-`kth` partition), or sorts
//!   when there are many ranks.

use crate::element::{Element, Number, Scalar};

/// Bits of the key resolved per counting pass.
pub const RADIX_BITS: u32 = 16;
/// Buckets of one counting pass (`2^RADIX_BITS`).
pub const BUCKETS: usize = 1 << RADIX_BITS;

/// Order-preserving key of an element (see the module docs). NaN gets a key too (positive NaN
/// above `+inf`, negative NaN below `-inf`), so callers exclude NaN first.
#[inline]
pub fn order_key<T: Element + PartialOrd>(v: T) -> u64 {
    match v.to_scalar() {
        // (complex types are not `PartialOrd` and never get here)
        Scalar::Float(f) | Scalar::Complex(f, _) => {
            let b = f.to_bits();
            if b >> 63 == 1 {
                !b
            } else {
                b | (1 << 63)
            }
        }
        Scalar::Int(i) => (i as u64) ^ (1 << 63),
        Scalar::UInt(u) => u,
        Scalar::Bool(b) => (b as u64) << 63,
    }
}

/// The element of a key made by [`order_key`] (exact for every element type).
#[inline]
pub fn from_order_key<T: Element + PartialOrd>(k: u64) -> T {
    let s = match T::zero().to_scalar() {
        Scalar::Float(_) | Scalar::Complex(..) => {
            Scalar::Float(f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k }))
        }
        Scalar::Int(_) => Scalar::Int((k ^ (1 << 63)) as i64),
        Scalar::UInt(_) => Scalar::UInt(k),
        Scalar::Bool(_) => Scalar::Bool(k != 0),
    };
    T::from_scalar(s)
}

/// Sorting key: NaN (any sign or payload) last, `-0.0` equal to `+0.0`, as NumPy's sort.
#[inline]
pub fn sort_key<T: Element + PartialOrd>(v: T) -> u64 {
    if v.is_nan() {
        u64::MAX
    } else if v == T::zero() {
        order_key(T::zero())
    } else {
        order_key(v)
    }
}

/// The 16-bit digit of `key` below its first `known` bits (`known` < 64).
#[inline]
pub fn digit(key: u64, known: u32) -> usize {
    // the shift leaves RADIX_BITS (16) bits, which fit any usize
    ((key << known) >> (64 - RADIX_BITS)) as usize
}

/// Whether the first `known` bits of `key` are `prefix`.
#[inline]
pub fn has_prefix(key: u64, prefix: u64, known: u32) -> bool {
    known == 0 || key >> (64 - known) == prefix
}

/// The bucket of `counts` holding the `rank`-th value (0-based): `(bucket, rank within it,
/// values in it)`. `rank` must be below the total.
pub fn locate(counts: &[u64], rank: u64) -> (usize, u64, u64) {
    let mut before = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        if rank < before + c {
            return (i, rank - before, c);
        }
        before += c;
    }
    // unreachable for a valid rank; the last bucket keeps the caller in range
    (counts.len() - 1, 0, 0)
}

/// Counts the first 16-bit digit of every non-NaN element's key into `counts` (`BUCKETS`
/// long); returns the number of NaN. (Four interleaved sub-histograms, the usual cure for runs
/// of equal digits, measured no faster here: the pass is bound by reading the block.)
pub fn count_top_digits<T: Element + PartialOrd>(values: &[T], counts: &mut [u64]) -> u64 {
    let mut nan = 0u64;
    for &v in values {
        if v.is_nan() {
            nan += 1;
        } else {
            counts[digit(order_key(v), 0)] += 1;
        }
    }
    nan
}

/// One narrowing pass over `values`: each non-NaN key that `group` places in a group (by its
/// first `known` bits) is counted by its next digit (`dense[g]` present) or gathered.
#[inline]
pub fn route_keys<T: Element + PartialOrd>(
    values: impl Iterator<Item = T>,
    known: u32,
    group: impl Fn(u64) -> Option<usize>,
    dense: &mut [Option<Vec<u64>>],
    gathered: &mut [Vec<u64>],
) {
    for v in values {
        if v.is_nan() {
            continue;
        }
        let k = order_key(v);
        if let Some(g) = group(k) {
            match &mut dense[g] {
                Some(h) => h[digit(k, known)] += 1,
                None => gathered[g].push(k),
            }
        }
    }
}

/// NumPy's quantile methods (`method=` of `np.quantile`, NumPy 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum QuantileMethod {
    InvertedCdf,
    AveragedInvertedCdf,
    ClosestObservation,
    InterpolatedInvertedCdf,
    Hazen,
    Weibull,
    /// The default (Hyndman & Fan's method 7).
    #[default]
    Linear,
    MedianUnbiased,
    NormalUnbiased,
    Lower,
    Higher,
    Midpoint,
    Nearest,
}

impl QuantileMethod {
    /// Every method, in NumPy's documentation order.
    pub const ALL: [QuantileMethod; 13] = [
        QuantileMethod::InvertedCdf,
        QuantileMethod::AveragedInvertedCdf,
        QuantileMethod::ClosestObservation,
        QuantileMethod::InterpolatedInvertedCdf,
        QuantileMethod::Hazen,
        QuantileMethod::Weibull,
        QuantileMethod::Linear,
        QuantileMethod::MedianUnbiased,
        QuantileMethod::NormalUnbiased,
        QuantileMethod::Lower,
        QuantileMethod::Higher,
        QuantileMethod::Midpoint,
        QuantileMethod::Nearest,
    ];

    /// NumPy's name (`"inverted_cdf"`, `"linear"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QuantileMethod::InvertedCdf => "inverted_cdf",
            QuantileMethod::AveragedInvertedCdf => "averaged_inverted_cdf",
            QuantileMethod::ClosestObservation => "closest_observation",
            QuantileMethod::InterpolatedInvertedCdf => "interpolated_inverted_cdf",
            QuantileMethod::Hazen => "hazen",
            QuantileMethod::Weibull => "weibull",
            QuantileMethod::Linear => "linear",
            QuantileMethod::MedianUnbiased => "median_unbiased",
            QuantileMethod::NormalUnbiased => "normal_unbiased",
            QuantileMethod::Lower => "lower",
            QuantileMethod::Higher => "higher",
            QuantileMethod::Midpoint => "midpoint",
            QuantileMethod::Nearest => "nearest",
        }
    }

    /// The method of a NumPy name.
    pub fn from_name(s: &str) -> Option<QuantileMethod> {
        QuantileMethod::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// Which sorted positions a statistic reads and how it combines them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pick {
    /// One order statistic.
    At(usize),
    /// NumPy's `_lerp(sorted[lo], sorted[hi], t)`.
    Lerp { lo: usize, hi: usize, t: f64 },
    /// NumPy's median: the mean of `sorted[lo]` and `sorted[hi]` (the same for odd counts).
    Mean { lo: usize, hi: usize },
}

impl Pick {
    /// The positions read (one or two).
    pub fn positions(&self) -> [usize; 2] {
        match *self {
            Pick::At(i) => [i, i],
            Pick::Lerp { lo, hi, .. } | Pick::Mean { lo, hi } => [lo, hi],
        }
    }
}

/// `_discrete_interpolation_to_boundaries`: `floor(index)` where `prev_cond(gamma, index)`,
/// else `floor(index) + 1`, clipped below at 0.
fn discrete(index: f64, prev_cond: impl Fn(f64, f64) -> bool) -> usize {
    let previous = index.floor();
    let next = previous + 1.0;
    let gamma = index - previous;
    let r = if prev_cond(gamma, index) { previous } else { next };
    if r < 0.0 {
        0
    } else {
        // r >= 0 is an integer-valued float; `as` saturates (NaN gives 0), and every caller
        // clamps the position to the last index
        r as usize
    }
}

/// NumPy's positions and weight for quantile `q` (in `[0, 1]`) of `n >= 1` values.
pub fn pick(method: QuantileMethod, n: usize, q: f64) -> Pick {
    use QuantileMethod as M;
    let nf = n as f64;
    let last = n - 1;
    let n1 = last as f64;
    // `_compute_virtual_index`: n*q + (alpha + q*(1 - alpha - beta)) - 1
    let civ = |alpha: f64, beta: f64| nf * q + (alpha + q * (1.0 - alpha - beta)) - 1.0;
    // q in [0, 1] and n1 = n - 1, so the float positions below lie in [-1.5, n]; float-to-usize
    // `as` saturates (negatives and NaN give 0) and each position is clamped to `last`
    let vi = match method {
        M::InvertedCdf => return Pick::At(discrete(nf * q - 1.0, |g, _| g == 0.0).min(last)),
        M::ClosestObservation => {
            return Pick::At(
                discrete(nf * q - 1.0 - 0.5, |g, i| g == 0.0 && i.floor().rem_euclid(2.0) == 1.0).min(last),
            )
        }
        M::Lower => return Pick::At(((n1 * q).floor() as usize).min(last)),
        M::Higher => return Pick::At(((n1 * q).ceil() as usize).min(last)),
        M::Nearest => return Pick::At(((n1 * q).round_ties_even() as usize).min(last)),
        M::AveragedInvertedCdf => nf * q - 1.0,
        M::InterpolatedInvertedCdf => civ(0.0, 1.0),
        M::Hazen => civ(0.5, 0.5),
        M::Weibull => civ(0.0, 0.0),
        M::Linear => n1 * q,
        M::MedianUnbiased => civ(1.0 / 3.0, 1.0 / 3.0),
        M::NormalUnbiased => civ(3.0 / 8.0, 3.0 / 8.0),
        M::Midpoint => 0.5 * ((n1 * q).floor() + (n1 * q).ceil()),
    };
    // `_get_indexes`: -1 (the last value) above the bounds, 0 below
    let (prev, lo, hi) = if vi >= n1 {
        (-1.0, last, last)
    } else if vi < 0.0 {
        (0.0, 0, 0)
    } else {
        let p = vi.floor();
        (p, p as usize, (p as usize + 1).min(last))
    };
    // `_get_gamma`: vi - previous (as NumPy, with the substituted -1 or 0), then `fix_gamma`
    let gamma = vi - prev;
    let t = match method {
        M::AveragedInvertedCdf => {
            if gamma == 0.0 {
                0.5
            } else {
                1.0
            }
        }
        M::Midpoint => {
            if vi % 1.0 == 0.0 {
                0.0
            } else {
                0.5
            }
        }
        _ => gamma,
    };
    Pick::Lerp { lo, hi, t }
}

/// `np.median`'s positions for `n >= 1` values.
pub fn median_pick(n: usize) -> Pick {
    let h = n / 2;
    if n % 2 == 1 {
        Pick::Mean { lo: h, hi: h }
    } else {
        Pick::Mean { lo: h - 1, hi: h }
    }
}

/// NumPy's `_lerp(a, b, t)` as f64; `b - a` is taken in the element type (wrapping for
/// integers, in `f32` for `f32`), as NumPy does before promoting.
#[inline]
pub fn lerp<T: Number>(a: T, b: T, t: f64) -> f64 {
    let d = b.num_sub(a).to_f64();
    if t >= 0.5 {
        b.to_f64() - d * (1.0 - t)
    } else {
        a.to_f64() + d * t
    }
}

/// `np.mean([a, b])` (`np.median` of an even count): summed in the element type for floats,
/// in f64 for integers; `a` itself when `a` and `b` are one position.
#[inline]
pub fn mid_mean<T: Number>(a: T, b: T, same: bool) -> f64 {
    if same {
        return a.to_f64();
    }
    if T::DTYPE.is_float() {
        a.num_add(b).num_div(T::from_f64(2.0)).to_f64()
    } else {
        (a.to_f64() + b.to_f64()) / 2.0
    }
}

/// `_lerp` with a Python-float weight (NumPy's scalar `q`): the weight joins the element type
/// (NEP 50), so `float32` data interpolate in `float32`; other types as [`lerp`].
#[inline]
pub fn lerp_weak<T: Number>(a: T, b: T, t: f64) -> f64 {
    if T::DTYPE != crate::element::DType::F32 {
        return lerp(a, b, t);
    }
    let d = b.num_sub(a);
    if t >= 0.5 {
        b.num_sub(d.num_mul(T::from_f64(1.0 - t))).to_f64()
    } else {
        a.num_add(d.num_mul(T::from_f64(t))).to_f64()
    }
}

/// The value of a pick from the values at its positions; `weak`: the quantile was a scalar
/// (see [`lerp_weak`]).
#[inline]
pub fn combine<T: Number>(p: &Pick, lo: T, hi: T, weak: bool) -> f64 {
    match *p {
        Pick::At(_) => lo.to_f64(),
        Pick::Lerp { t, .. } if weak => lerp_weak(lo, hi, t),
        Pick::Lerp { t, .. } => lerp(lo, hi, t),
        Pick::Mean { lo: i, hi: j } => mid_mean(lo, hi, i == j),
    }
}

/// Put `ranks` (ascending, unique, each `< keys.len()`) in their sorted places and return the
/// keys there: successive `select_nth_unstable` on the part right of the previous rank, or a
/// full sort for many ranks.
pub fn select_ranks(keys: &mut [u64], ranks: &[usize]) -> Vec<u64> {
    if ranks.len() > 16 {
        keys.sort_unstable();
        return ranks.iter().map(|&r| keys[r]).collect();
    }
    let mut start = 0;
    let mut out = Vec::with_capacity(ranks.len());
    for &r in ranks {
        let (_, v, _) = keys[start..].select_nth_unstable(r - start);
        out.push(*v);
        start = r + 1;
    }
    out
}

/// What one lane's statistic is.
#[derive(Clone, Debug, PartialEq)]
pub enum Stat {
    /// NumPy's `quantile(q, method)` for each q; `true` for a scalar q (a weak Python float in
    /// NumPy: `float32` data interpolate in `float32`).
    Quantile(QuantileMethod, Vec<f64>, bool),
    /// `np.median`.
    Median,
}

impl Stat {
    /// Number of outputs per lane.
    pub fn len(&self) -> usize {
        match self {
            Stat::Quantile(_, q, _) => q.len(),
            Stat::Median => 1,
        }
    }

    /// Whether there are no outputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether interpolation uses a scalar (weak) weight.
    pub fn weak(&self) -> bool {
        matches!(self, Stat::Quantile(_, _, true))
    }

    /// The picks for `n >= 1` values.
    pub fn picks(&self, n: usize) -> Vec<Pick> {
        match self {
            Stat::Quantile(m, qs, _) => qs.iter().map(|&q| pick(*m, n, q)).collect(),
            Stat::Median => vec![median_pick(n)],
        }
    }
}

/// Sorted, unique positions read by `picks`.
pub fn pick_ranks(picks: &[Pick]) -> Vec<usize> {
    let mut r: Vec<usize> = picks.iter().flat_map(|p| p.positions()).collect();
    r.sort_unstable();
    r.dedup();
    r
}

/// The statistic of one lane into `out` (`stat.len()` values). NaN in the lane makes every
/// output NaN unless `skip_nan` (then NaN are dropped; an all-NaN lane gives NaN). The lane
/// must not be empty unless `skip_nan`.
pub fn lane_stat<T: Number>(
    lane: impl Iterator<Item = T>,
    stat: &Stat,
    skip_nan: bool,
    scratch: &mut Vec<u64>,
    out: &mut [f64],
) {
    scratch.clear();
    let mut nan = false;
    for v in lane {
        if v.is_nan() {
            nan = true;
        } else {
            scratch.push(order_key(v));
        }
    }
    if (nan && !skip_nan) || scratch.is_empty() {
        out.iter_mut().for_each(|o| *o = f64::NAN);
        return;
    }
    let picks = stat.picks(scratch.len());
    let ranks = pick_ranks(&picks);
    let vals = select_ranks(scratch, &ranks);
    let at = |i: usize| -> T { from_order_key(vals[ranks.binary_search(&i).unwrap_or(0)]) };
    let weak = stat.weak();
    for (o, p) in out.iter_mut().zip(&picks) {
        let [i, j] = p.positions();
        *o = combine(p, at(i), at(j), weak);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order_and_round_trip() {
        let xs = [f64::NEG_INFINITY, -1e300, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, f64::INFINITY];
        for w in xs.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{w:?}");
        }
        for &x in &xs {
            assert_eq!(from_order_key::<f64>(order_key(x)).to_bits(), x.to_bits());
        }
        let is = [i64::MIN, -1, 0, 1, i64::MAX];
        for w in is.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]));
        }
        assert_eq!(from_order_key::<i8>(order_key(-7i8)), -7);
        assert_eq!(from_order_key::<f32>(order_key(-2.5f32)), -2.5);
        assert_eq!(sort_key(-0.0f64), sort_key(0.0f64));
        assert!(sort_key(f64::NAN) > sort_key(f64::INFINITY));
    }

    #[test]
    fn picks_follow_numpy() {
        // np.quantile(np.arange(4), 0.5) == 1.5; 'lower' 1, 'higher' 2, 'nearest' 2 (half to even)
        assert_eq!(pick(QuantileMethod::Linear, 4, 0.5), Pick::Lerp { lo: 1, hi: 2, t: 0.5 });
        assert_eq!(pick(QuantileMethod::Lower, 4, 0.5), Pick::At(1));
        assert_eq!(pick(QuantileMethod::Nearest, 4, 0.5), Pick::At(2));
        assert_eq!(pick(QuantileMethod::Nearest, 3, 0.25), Pick::At(0));
        assert_eq!(median_pick(4), Pick::Mean { lo: 1, hi: 2 });
        let mut k = vec![5u64, 1, 4, 2, 3];
        assert_eq!(select_ranks(&mut k, &[0, 2, 4]), vec![1, 3, 5]);
    }
}
