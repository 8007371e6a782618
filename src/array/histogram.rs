//! `histogram`, `histogram2d`, `histogramdd` with NumPy's edge rules.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::random::Generator;
//! // the seed exercise, small: normal(9, 1), + 1, keep < 10, 100 bins over (-9, 11)
//! let a = &Generator::new(4).normal(9.0, 1.0, &[500, 500], [125, 500])? + 1.0;
//! let kept = a.mask(&a.lt(10.0)?)?;
//! let (counts, edges) = ndchunk::histogram(&kept, 100, Some((-9.0, 11.0)))?;
//! assert_eq!(edges.len(), 101);
//! let c = counts.compute()?;
//! assert_eq!(c.sum(), kept.compute_chunk_sizes()?.shape()[0] as i64);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use ndarray::Array1;
use ndchunk_kernels::histogram::BinSpec;

use crate::array::chunks::Chunks;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::Node;
use crate::ops::histogram::{histogram_node, Count};

/// Bins of one axis: a count (then a range is required, as in dask) or explicit edges.
#[derive(Clone, Debug, PartialEq)]
pub enum Bins {
    Count(usize),
    Edges(Vec<f64>),
}

impl From<usize> for Bins {
    fn from(n: usize) -> Self {
        Bins::Count(n)
    }
}

impl From<i32> for Bins {
    fn from(n: i32) -> Self {
        Bins::Count(n.max(0) as usize)
    }
}

impl From<Vec<f64>> for Bins {
    fn from(e: Vec<f64>) -> Self {
        Bins::Edges(e)
    }
}

impl From<&[f64]> for Bins {
    fn from(e: &[f64]) -> Self {
        Bins::Edges(e.to_vec())
    }
}

impl<const N: usize> From<[f64; N]> for Bins {
    fn from(e: [f64; N]) -> Self {
        Bins::Edges(e.to_vec())
    }
}

/// Weights, density and tree fan-in.
#[derive(Clone, Default)]
pub struct HistogramOptions<'a> {
    /// A weight per element (same shape as the data; chunks are unified).
    pub weights: Option<&'a ChunkedArray<f64>>,
    /// Normalise to a probability density (counts / total / bin volume).
    pub density: bool,
    /// Fan-in of the tree sum of counts (default 8).
    pub split_every: Option<usize>,
}

pub(crate) fn spec(bins: Bins, range: Option<(f64, f64)>) -> Result<BinSpec> {
    match bins {
        Bins::Count(n) => {
            if n == 0 {
                return Err(Error::Value("`bins` must be positive".into()));
            }
            let (lo, hi) = range.ok_or_else(|| {
                Error::Value(
                    "histogram with a number of bins needs a range (as dask: the data are not scanned first)".into(),
                )
            })?;
            if !(lo.is_finite() && hi.is_finite()) {
                return Err(Error::Value(format!("supplied range of [{lo}, {hi}] is not finite")));
            }
            if lo > hi {
                return Err(Error::Value(format!("max must be larger than min in range parameter, got ({lo}, {hi})")));
            }
            // the edges are allocated here: a count from a user must not abort the process
            let nedges = n.checked_add(1).ok_or_else(|| Error::Value(format!("{n} bins are too many")))?;
            crate::memory::check_fits(
                crate::memory::bytes_of::<f64>(nedges, "histogram bin edges")?,
                "histogram bin edges",
            )?;
            let s = BinSpec::uniform(n, (lo, hi));
            // NumPy: edges that are not finite and strictly increasing cannot make finite bins
            let e = s.edges();
            if e.iter().any(|v| !v.is_finite()) || e.windows(2).any(|w| w[0] >= w[1]) {
                return Err(Error::Value(format!(
                    "Too many bins for data range. Cannot create {n} finite-sized bins."
                )));
            }
            Ok(s)
        }
        Bins::Edges(e) => {
            if e.len() < 2 {
                return Err(Error::Value("bin edges need at least two values".into()));
            }
            if e.iter().any(|v| v.is_nan()) || e.windows(2).any(|w| w[0] > w[1]) {
                return Err(Error::Value("`bins` must increase monotonically, when an array".into()));
            }
            Ok(BinSpec::Edges(e))
        }
    }
}

/// Bring arrays to the chunks of the first (rechunking when the chunks differ).
fn unify(nodes: Vec<std::sync::Arc<Node>>) -> Result<Vec<std::sync::Arc<Node>>> {
    let first = nodes[0].meta().clone();
    for n in &nodes[1..] {
        if n.meta().shape != first.shape {
            return Err(Error::Shape(format!(
                "histogram inputs have shapes {:?} and {:?}",
                first.shape,
                n.meta().shape
            )));
        }
    }
    if nodes.iter().all(|n| n.meta().chunks == first.chunks) {
        return Ok(nodes);
    }
    if nodes.iter().any(|n| !n.meta().chunks.is_known()) {
        return Err(Error::UnknownChunkSizes { op: "histogram of differently chunked arrays".into() });
    }
    let nd = first.shape.len();
    let target = Chunks::explicit(
        (0..nd)
            .map(|a| {
                let lists: Vec<&[usize]> = nodes.iter().map(|n| n.meta().chunks.axis(a)).collect();
                crate::ops::elementwise::refine(&lists)
            })
            .collect(),
    );
    nodes.into_iter().map(|n| crate::ops::rechunk::rechunk_node(&n, target.clone())).collect()
}

fn run<T: Element, A: Count>(
    coords: Vec<std::sync::Arc<Node>>,
    specs: Vec<BinSpec>,
    opts: &HistogramOptions<'_>,
) -> Result<ChunkedArray<A>> {
    let mut nodes = coords;
    let ncoords = nodes.len();
    if let Some(w) = opts.weights {
        nodes.push(w.node().clone());
    }
    // the counts array: one entry per bin of every axis
    let nbins: Vec<usize> = specs.iter().map(|s| s.nbins()).collect();
    let n = crate::memory::size_of_shape(&nbins, "histogram counts")?;
    crate::memory::check_fits(crate::memory::bytes_of::<A>(n, "histogram counts")?, "histogram counts")?;
    let mut nodes = unify(nodes)?;
    let weights = if nodes.len() > ncoords { nodes.pop() } else { None };
    let node = histogram_node::<T, A>(nodes, weights, specs, opts.density, opts.split_every.unwrap_or(8))?;
    Ok(ChunkedArray::from_node(node))
}

/// Counts of `x`'s values in `bins` (NumPy's `histogram`): with a number of bins, `range` is
/// required; with explicit edges it is ignored. Returns the lazy counts and the edges.
pub fn histogram<T: Element>(
    x: &ChunkedArray<T>,
    bins: impl Into<Bins>,
    range: Option<(f64, f64)>,
) -> Result<(ChunkedArray<i64>, Array1<f64>)> {
    let s = spec(bins.into(), range)?;
    let edges = Array1::from(s.edges().to_vec());
    Ok((run::<T, i64>(vec![x.node().clone()], vec![s], &HistogramOptions::default())?, edges))
}

/// [`histogram`] with weights and/or density (the result is then `f64`).
pub fn histogram_with<T: Element>(
    x: &ChunkedArray<T>,
    bins: impl Into<Bins>,
    range: Option<(f64, f64)>,
    opts: &HistogramOptions<'_>,
) -> Result<(ChunkedArray<f64>, Array1<f64>)> {
    let s = spec(bins.into(), range)?;
    let edges = Array1::from(s.edges().to_vec());
    Ok((run::<T, f64>(vec![x.node().clone()], vec![s], opts)?, edges))
}

/// Joint histogram of two arrays of the same shape (NumPy's `histogram2d`); `bins` applies
/// to both axes. Returns counts `(nx, ny)` and the two edge arrays. The counts are `f64`, as
/// NumPy's `histogram2d`/`histogramdd` return them (1-D [`histogram`] counts are `i64`).
pub fn histogram2d<T: Element>(
    x: &ChunkedArray<T>,
    y: &ChunkedArray<T>,
    bins: impl Into<Bins>,
    range: Option<[(f64, f64); 2]>,
) -> Result<(ChunkedArray<f64>, Array1<f64>, Array1<f64>)> {
    let b = bins.into();
    let sx = spec(b.clone(), range.map(|r| r[0]))?;
    let sy = spec(b, range.map(|r| r[1]))?;
    let (ex, ey) = (Array1::from(sx.edges().to_vec()), Array1::from(sy.edges().to_vec()));
    let h = run::<T, f64>(vec![x.node().clone(), y.node().clone()], vec![sx, sy], &HistogramOptions::default())?;
    Ok((h, ex, ey))
}

/// Histogram of an `(N, D)` sample (NumPy's `histogramdd`): `bins` per dimension, `range`
/// per dimension (required for counts). The sample may be chunked along both axes. Counts
/// are `f64`, as in NumPy.
pub fn histogramdd<T: Element>(
    sample: &ChunkedArray<T>,
    bins: &[Bins],
    range: Option<&[(f64, f64)]>,
) -> Result<(ChunkedArray<f64>, Vec<Array1<f64>>)> {
    histogramdd_impl::<T, f64>(sample, bins, range, &HistogramOptions::default())
}

/// [`histogramdd`] with weights (one per sample row) and/or density.
pub fn histogramdd_with<T: Element>(
    sample: &ChunkedArray<T>,
    bins: &[Bins],
    range: Option<&[(f64, f64)]>,
    opts: &HistogramOptions<'_>,
) -> Result<(ChunkedArray<f64>, Vec<Array1<f64>>)> {
    histogramdd_impl::<T, f64>(sample, bins, range, opts)
}

fn histogramdd_impl<T: Element, A: Count>(
    sample: &ChunkedArray<T>,
    bins: &[Bins],
    range: Option<&[(f64, f64)]>,
    opts: &HistogramOptions<'_>,
) -> Result<(ChunkedArray<A>, Vec<Array1<f64>>)> {
    if sample.ndim() != 2 {
        return Err(Error::Shape(format!("histogramdd takes an (N, D) sample, got shape {:?}", sample.shape())));
    }
    let d = sample.shape()[1];
    if bins.len() != d || range.is_some_and(|r| r.len() != d) {
        return Err(Error::Value(format!("histogramdd of {d} dimensions needs {d} bins and ranges")));
    }
    let specs: Vec<BinSpec> = (0..d).map(|k| spec(bins[k].clone(), range.map(|r| r[k]))).collect::<Result<_>>()?;
    let edges = specs.iter().map(|s| Array1::from(s.edges().to_vec())).collect();
    let cols: Vec<_> =
        (0..d).map(|k| sample.slice(ndarray::s![.., k as isize]).map(|c| c.node().clone())).collect::<Result<_>>()?;
    Ok((run::<T, A>(cols, specs, opts)?, edges))
}
