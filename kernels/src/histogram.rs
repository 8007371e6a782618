//! Histogram binning with NumPy's exact edge rules.
//!
//! * Uniform bins are found by arithmetic, `((x − first) / (last − first)) · n`, then corrected
//!   against the edges exactly as NumPy's `histogram` does, so values on an edge land where
//!   NumPy puts them;
//! * explicit edges use a binary search (`edges[i] <= x < edges[i+1]`);
//! * the last bin is closed (`x == last edge` counts), values outside the edges and NaN are
//!   ignored.

/// Bins of one axis.
#[derive(Clone, Debug, PartialEq)]
pub enum BinSpec {
    /// `n` equal bins over `[first, last]`; `edges` are NumPy's `linspace(first, last, n + 1)`.
    Uniform { first: f64, last: f64, n: usize, edges: Vec<f64> },
    /// Monotonically increasing edges.
    Edges(Vec<f64>),
}

/// NumPy's `linspace(a, b, num)` (endpoint included): `a + i·step`, last value exactly `b`.
pub fn linspace(a: f64, b: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![a];
    }
    let div = (num - 1) as f64;
    let step = (b - a) / div;
    let mut v: Vec<f64> = (0..num).map(|i| a + i as f64 * step).collect();
    if step == 0.0 {
        // NumPy computes (i / div) * delta in this case
        v = (0..num).map(|i| a + (i as f64 / div) * (b - a)).collect();
    }
    v[num - 1] = b;
    v
}

impl BinSpec {
    /// `n` equal bins over `range` (NumPy widens an empty range by ±0.5).
    pub fn uniform(n: usize, range: (f64, f64)) -> BinSpec {
        let (mut first, mut last) = range;
        if first == last {
            first -= 0.5;
            last += 0.5;
        }
        BinSpec::Uniform { first, last, n, edges: linspace(first, last, n + 1) }
    }

    /// Number of bins.
    pub fn nbins(&self) -> usize {
        match self {
            BinSpec::Uniform { n, .. } => *n,
            BinSpec::Edges(e) => e.len().saturating_sub(1),
        }
    }

    /// The bin edges.
    pub fn edges(&self) -> &[f64] {
        match self {
            BinSpec::Uniform { edges, .. } => edges,
            BinSpec::Edges(e) => e,
        }
    }

    /// The bin of `x`, or `None` if it is outside the edges or NaN.
    #[inline]
    pub fn index(&self, x: f64) -> Option<usize> {
        match self {
            BinSpec::Uniform { first, last, n, edges } => {
                if !(x >= *first && x <= *last) {
                    return None;
                }
                let f = ((x - first) / (last - first)) * *n as f64;
                let mut i = f as usize;
                if i >= *n {
                    i = n - 1;
                }
                if x < edges[i] {
                    i = i.saturating_sub(1);
                } else if i != n - 1 && x >= edges[i + 1] {
                    i += 1;
                }
                Some(i)
            }
            BinSpec::Edges(e) => {
                let n = e.len();
                if n < 2 || !(x >= e[0] && x <= e[n - 1]) {
                    return None;
                }
                // number of edges <= x, minus one; the last edge closes the last bin
                let i = e.partition_point(|&v| v <= x);
                Some((i - 1).min(n - 2))
            }
        }
    }
}

/// Add one count (or `w`) per value to `counts`.
pub fn bin_values<T: Copy, A: Copy + std::ops::AddAssign>(
    values: impl Iterator<Item = T>,
    weights: Option<&mut dyn Iterator<Item = A>>,
    one: A,
    to_f64: impl Fn(T) -> f64,
    spec: &BinSpec,
    counts: &mut [A],
) {
    match weights {
        None => {
            for v in values {
                if let Some(i) = spec.index(to_f64(v)) {
                    counts[i] += one;
                }
            }
        }
        Some(w) => {
            for (v, wv) in values.zip(w) {
                if let Some(i) = spec.index(to_f64(v)) {
                    counts[i] += wv;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_follow_numpy() {
        let b = BinSpec::uniform(4, (0.0, 1.0));
        assert_eq!(b.edges(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(b.index(0.0), Some(0));
        assert_eq!(b.index(0.25), Some(1));
        assert_eq!(b.index(1.0), Some(3)); // last bin closed
        assert_eq!(b.index(1.0000001), None);
        assert_eq!(b.index(-0.1), None);
        assert_eq!(b.index(f64::NAN), None);
        let e = BinSpec::Edges(vec![0.0, 1.0, 10.0]);
        assert_eq!(e.index(1.0), Some(1));
        assert_eq!(e.index(10.0), Some(1));
        assert_eq!(e.index(0.999), Some(0));
        assert_eq!(BinSpec::uniform(2, (3.0, 3.0)).edges(), &[2.5, 3.0, 3.5]);
    }

    #[test]
    fn arithmetic_and_search_agree_on_awkward_ranges() {
        let u = BinSpec::uniform(100, (-9.0, 11.0));
        let e = BinSpec::Edges(u.edges().to_vec());
        for k in 0..20_000 {
            let x = -9.5 + k as f64 * 0.00107;
            assert_eq!(u.index(x), e.index(x), "{x}");
        }
        for &x in u.edges() {
            assert_eq!(u.index(x), e.index(x), "edge {x}");
        }
    }
}
