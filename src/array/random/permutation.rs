//! Draws that are global rather than per element: `permutation`, `shuffle`, `choice` without
//! replacement, and `multinomial` (one row of counts per draw).
//!
//! A permutation of `n` items or `k` distinct picks depend on every position at once, so, as
//! dask does, the indices are drawn when the array is built (O(n) or O(k) memory, from the
//! generator's own keystream: still the same for any chunking) and the array itself is a lazy
//! `take` along axis 0. `multinomial` rows are drawn lazily, each from its own keystream window
//! (NumPy's conditional binomials), so any block or tile of the result can draw just its rows.

use std::sync::atomic::Ordering;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

use super::Generator;
use crate::array::chunks::ChunkSpec;
use crate::array::creation::normalize;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::random::{Sampler, VARIABLE_WINDOW};

impl Generator {
    /// A keystream of its own for a draw made while building the graph.
    fn eager_rng(&self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.calls.fetch_add(1, Ordering::Relaxed));
        rng
    }

    /// A random permutation of `0..n` (NumPy's `permutation(n)`), as `i64`.
    ///
    /// ```
    /// use ndchunk::random::Generator;
    /// let mut p = Generator::new(5).permutation(10, [4]).unwrap().compute().unwrap().into_raw_vec_and_offset().0;
    /// p.sort();
    /// assert_eq!(p, (0..10).collect::<Vec<i64>>());
    /// ```
    pub fn permutation(&self, n: usize, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<i64>> {
        let n64 = i64::try_from(n).map_err(|_| Error::Value(format!("permutation of {n} items is too big")))?;
        let all = crate::array::creation::arange::<i64>(0, n64, 1, chunks)?;
        self.permuted(&all)
    }

    /// `x` with its first axis permuted (NumPy's `permutation(x)`; dask's `shuffle`); a 0-d
    /// array is an [`Error::Value`] as in NumPy.
    pub fn permuted<T: Element>(&self, x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        if x.ndim() == 0 {
            return Err(Error::Value("x must be an integer or at least 1-dimensional".into()));
        }
        let n = x.shape()[0];
        if n == crate::UNKNOWN {
            return Err(Error::UnknownChunkSizes { op: "permutation".into() });
        }
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(&mut self.eager_rng());
        x.take(&idx[..], 0)
    }

    /// A new array with `x`'s first axis shuffled (NumPy's in-place `shuffle`, returned as a
    /// lazy array, as dask's); the same as [`Generator::permuted`].
    pub fn shuffle<T: Element>(&self, x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        self.permuted(x)
    }

    /// NumPy's `choice(a, size, replace, p)`: with `replace` as [`Generator::choice`]; without,
    /// `shape.product()` distinct positions of `a` (uniformly, or by weights `p` as NumPy's
    /// weighted sampling without replacement). Errors as NumPy's `ValueError`s: an empty `a`,
    /// `p` of another length, negative, or not summing to 1, more picks than values (or than
    /// non-zero probabilities).
    ///
    /// ```
    /// use ndchunk::random::Generator;
    /// let v = Generator::new(1).choice_with(&[1, 2, 3, 4, 5], None, false, &[5], [2]).unwrap();
    /// let mut v = v.compute().unwrap().into_raw_vec_and_offset().0;
    /// v.sort();
    /// assert_eq!(v, [1, 2, 3, 4, 5]);
    /// ```
    pub fn choice_with<T: Element>(
        &self,
        a: &[T],
        p: Option<&[f64]>,
        replace: bool,
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<T>> {
        if replace {
            return self.choice(a, p, shape, chunks);
        }
        if a.is_empty() && shape.iter().product::<usize>() > 0 {
            return Err(Error::Value("a cannot be empty unless no samples are taken".into()));
        }
        let k = crate::chunks::check_size(shape, 1)?;
        if k > a.len() {
            return Err(Error::Value("Cannot take a larger sample than population when replace is False".into()));
        }
        let mut rng = self.eager_rng();
        let picks = match p {
            None => rand::seq::index::sample(&mut rng, a.len(), k),
            Some(p) => {
                check_probabilities(p, a.len())?;
                if p.iter().filter(|&&q| q > 0.0).count() < k {
                    return Err(Error::Value("Fewer non-zero entries in p than size".into()));
                }
                rand::seq::index::sample_weighted(&mut rng, a.len(), |i| p[i], k)
                    .map_err(|e| Error::Value(format!("choice: {e}")))?
            }
        };
        let values: Vec<T> = picks.into_iter().map(|i| a[i]).collect();
        let arr = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), values).expect("size checked");
        ChunkedArray::from_array(arr, chunks)
    }

    /// Multinomial counts (NumPy's `multinomial(n, pvals, size)`): an array of shape
    /// `shape + [pvals.len()]`, each row `n` trials spread over the categories; chunks apply to
    /// `shape`, the categories are one block. `pvals` must be in `[0, 1]` with the first
    /// `len - 1` summing to at most 1 (the last takes the remainder, as NumPy).
    ///
    /// ```
    /// use ndchunk::random::Generator;
    /// let m = Generator::new(2).multinomial(20, &[0.2, 0.3, 0.5], &[4], [3]).unwrap().compute().unwrap();
    /// assert_eq!(m.shape(), &[4, 3]);
    /// assert!(m.rows().into_iter().all(|r| r.sum() == 20));
    /// ```
    pub fn multinomial(
        &self,
        n: u64,
        pvals: &[f64],
        shape: &[usize],
        chunks: impl Into<ChunkSpec>,
    ) -> Result<ChunkedArray<i64>> {
        if pvals.is_empty() {
            return Err(Error::Value("pvals must have at least 1 element".into()));
        }
        if pvals.iter().any(|&q| !(0.0..=1.0).contains(&q)) {
            return Err(Error::Value("pvals < 0, pvals > 1 or pvals contains NaNs".into()));
        }
        let head: f64 = pvals[..pvals.len() - 1].iter().sum();
        if head > 1.0 + 1e-12 {
            return Err(Error::Value("sum(pvals[:-1]) > 1.0".into()));
        }
        let k = pvals.len();
        let lead = normalize(chunks, shape, 8 * k)?;
        let mut axes = lead.as_slices().to_vec();
        axes.push(vec![k]);
        let mut full = shape.to_vec();
        full.push(k);
        let sampler = Rows { n, p: pvals.to_vec() };
        let key = format!("multinomial({n},{pvals:?})");
        self.make("multinomial", key, &full, crate::Chunks::explicit(axes), sampler)
    }
}

/// `p` has one non-negative probability per value and sums to 1 (NumPy's checks).
fn check_probabilities(p: &[f64], n: usize) -> Result<()> {
    if p.len() != n {
        return Err(Error::Value("a and p must have same size".into()));
    }
    if p.iter().any(|&q| q.is_nan() || q < 0.0) {
        return Err(Error::Value("probabilities are not non-negative".into()));
    }
    let total: f64 = p.iter().sum();
    if (total - 1.0).abs() > 1e-8 {
        return Err(Error::Value(format!("probabilities do not sum to 1 (sum {total})")));
    }
    Ok(())
}

/// Multinomial rows: row `r` (the `k` elements from flat position `r k`) drawn from keystream
/// window `r`, so a run that starts or ends inside a row still gets that row's values.
struct Rows {
    n: u64,
    p: Vec<f64>,
}

impl Rows {
    fn row(&self, rng: &mut ChaCha8Rng, out: &mut [i64]) {
        let (mut left, mut rest) = (self.n, 1.0f64);
        out.fill(0);
        let last = self.p.len() - 1;
        for (j, &pj) in self.p[..last].iter().enumerate() {
            if left == 0 {
                return;
            }
            let q = if rest > 0.0 { (pj / rest).clamp(0.0, 1.0) } else { 1.0 };
            let x = rand_distr::Binomial::new(left, q).map_or(0, |d| d.sample(rng));
            out[j] = x as i64;
            left -= x;
            rest -= pj;
        }
        out[last] = left as i64;
    }
}

impl Sampler<i64> for Rows {
    fn fill(&self, rng: &mut ChaCha8Rng, first: u128, out: &mut [i64]) {
        let k = self.p.len() as u128;
        let mut row = vec![0i64; self.p.len()];
        let mut g = first;
        let end = first + out.len() as u128;
        while g < end {
            let r = g / k;
            rng.set_word_pos(r * VARIABLE_WINDOW);
            self.row(rng, &mut row);
            let (from, to) = ((g - r * k) as usize, ((r + 1) * k).min(end));
            let dst = (g - first) as usize;
            let len = (to - g) as usize;
            out[dst..dst + len].copy_from_slice(&row[from..from + len]);
            g = to;
        }
    }
}
