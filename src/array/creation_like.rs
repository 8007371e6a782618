//! More of NumPy's constructors: `*_like` (shape and chunks of a prototype), `eye_nmk`,
//! `identity`, `tri`-style generated grids (`indices`, `fromfunction`), `meshgrid`, and the
//! spacing functions `linspace_with` (with `endpoint` and the step), `logspace`, `geomspace`.
//!
//! Generated arrays are source nodes that compute each block from its global indices, so
//! nothing is allocated before `compute` and a block costs only its own elements. `meshgrid`
//! is a reshape plus `broadcast_to` of its inputs (no copy of the repeated values).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::array::chunks::ChunkSpec;
use crate::array::creation::{full, normalize};
use crate::array::ChunkedArray;
use crate::element::{Element, Float};
use crate::error::{Error, Result};
use crate::ops::creation::{source_node, FromIndex};

fn prototype_chunks<U: Element>(x: &ChunkedArray<U>, op: &str) -> Result<crate::Chunks> {
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: op.into() });
    }
    Ok(x.chunks().clone())
}

/// An array of `value` with the shape and chunks of `x` (NumPy's `full_like`).
pub fn full_like<T: Element>(x: &ChunkedArray<T>, value: T) -> Result<ChunkedArray<T>> {
    full(x.shape(), value, prototype_chunks(x, "full_like")?)
}

/// Zeros with the shape and chunks of `x`.
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::ones::<f64>(&[5, 4], [2, 3]).unwrap();
/// let z = ndchunk::zeros_like(&x).unwrap();
/// assert_eq!(z.chunks(), x.chunks());
/// assert_eq!(z.sum(None).unwrap().item().unwrap(), 0.0);
/// ```
pub fn zeros_like<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    full_like(x, T::zero())
}

/// Ones with the shape and chunks of `x`.
pub fn ones_like<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    full_like(x, T::one())
}

/// An array with the shape and chunks of `x` whose values must not be relied on (NumPy's
/// `empty_like`). A lazy array has no uninitialised memory to hand out: this is zeros.
pub fn empty_like<T: Element>(x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    full_like(x, T::zero())
}

/// An `n × m` array (`m` defaults to `n`) with ones on the `k`-th diagonal (NumPy's
/// `eye(N, M, k)`; [`eye`](crate::eye) is the square `k = 0` case).
pub fn eye_nmk<T: Element>(
    n: usize,
    m: Option<usize>,
    k: isize,
    chunks: impl Into<ChunkSpec>,
) -> Result<ChunkedArray<T>> {
    let shape = [n, m.unwrap_or(n)];
    let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex {
        f: move |i: &[usize]| if i[1] as i128 - i[0] as i128 == k as i128 { T::one() } else { T::zero() },
        key: format!("eye({k})"),
        _t: PhantomData,
    };
    Ok(ChunkedArray::from_node(source_node::<T>("eye", shape.to_vec(), chunks, op)))
}

/// The `n × n` identity matrix (NumPy's `identity`).
pub fn identity<T: Element>(n: usize, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    crate::array::creation::eye(n, chunks)
}

/// The index grids of an array of shape `dims` (NumPy's `indices`): shape
/// `(dims.len(), *dims)`, where `out[k][i...] = i_k`. `chunks` cuts the `dims` axes; the
/// leading axis has blocks of one grid each.
pub fn indices(dims: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<i64>> {
    let inner = normalize(chunks, dims, std::mem::size_of::<i64>())?;
    let d = dims.len();
    let mut axes = vec![if d == 0 { vec![0] } else { vec![1; d] }];
    axes.extend(inner.as_slices().iter().cloned());
    let mut shape = vec![d];
    shape.extend_from_slice(dims);
    crate::chunks::check_size(&shape, std::mem::size_of::<i64>())?;
    let chunks = crate::Chunks::checked(axes)?;
    let op = FromIndex { f: |i: &[usize]| i[1 + i[0]] as i64, key: "indices".into(), _t: PhantomData };
    Ok(ChunkedArray::from_node(source_node::<i64>("indices", shape, chunks, op)))
}

/// Which axes `meshgrid` gives its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Indexing {
    /// Cartesian (NumPy's default): the first two outputs' axes are swapped, so for `x` of
    /// length `m` and `y` of length `n` the grids have shape `(n, m)`.
    #[default]
    Xy,
    /// Matrix indexing: the grids have shape `(m, n)`.
    Ij,
}

/// Coordinate grids from coordinate vectors (NumPy's `meshgrid`; inputs of more than one
/// dimension are flattened first). Each grid is a broadcast view of its vector.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::Indexing;
/// let x = ndchunk::arange::<f64>(0.0, 3.0, 1.0, [2]).unwrap();
/// let y = ndchunk::arange::<f64>(0.0, 2.0, 1.0, [1]).unwrap();
/// let g = ndchunk::meshgrid(&[&x, &y], Indexing::Xy).unwrap();
/// assert_eq!(g[0].shape(), &[2, 3]);
/// assert_eq!(g[1].compute().unwrap().as_slice().unwrap(), &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
/// ```
pub fn meshgrid<T: Element>(arrays: &[&ChunkedArray<T>], indexing: Indexing) -> Result<Vec<ChunkedArray<T>>> {
    meshgrid_with(arrays, indexing, false)
}

/// [`meshgrid`] with NumPy's `sparse`: when true, each grid keeps length 1 on every axis but
/// its own (shapes `(1, m)` and `(n, 1)` for `Xy`), to be broadcast by the caller.
pub fn meshgrid_with<T: Element>(
    arrays: &[&ChunkedArray<T>],
    indexing: Indexing,
    sparse: bool,
) -> Result<Vec<ChunkedArray<T>>> {
    let flat: Vec<ChunkedArray<T>> = arrays.iter().map(|a| a.ravel()).collect::<Result<_>>()?;
    let nd = flat.len();
    let pos = |i: usize| match indexing {
        Indexing::Xy if nd >= 2 && i < 2 => 1 - i,
        _ => i,
    };
    let mut shape = vec![0usize; nd];
    for (i, a) in flat.iter().enumerate() {
        shape[pos(i)] = a.shape()[0];
    }
    flat.iter()
        .enumerate()
        .map(|(i, a)| {
            let mut s = vec![1isize; nd];
            // an existing array's length: its byte size passed `check_size` (at most isize::MAX)
            s[pos(i)] = a.shape()[0] as isize;
            let r = a.reshape(&s)?;
            if sparse {
                Ok(r)
            } else {
                r.broadcast_to(&shape)
            }
        })
        .collect()
}

static FROMFUNCTION_ID: AtomicU64 = AtomicU64::new(0);

/// An array whose element at index `i` is `f(i)` (NumPy's `fromfunction`, called once per
/// element with the index, not with index grids). `f` runs block by block at compute time.
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::fromfunction(&[2, 3], |i: &[usize]| (10 * i[0] + i[1]) as i32, [1, 2]).unwrap();
/// assert_eq!(x.compute().unwrap().as_slice().unwrap(), &[0, 1, 2, 10, 11, 12]);
/// ```
pub fn fromfunction<T: Element, F>(shape: &[usize], f: F, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>>
where
    F: Fn(&[usize]) -> T + Send + Sync + 'static,
{
    let chunks = normalize(chunks, shape, std::mem::size_of::<T>())?;
    // every call is its own function: a unique key keeps two of them from being merged
    let id = FROMFUNCTION_ID.fetch_add(1, Ordering::Relaxed);
    let op = FromIndex { f, key: format!("fromfunction#{id}"), _t: PhantomData };
    Ok(ChunkedArray::from_node(source_node::<T>("fromfunction", shape.to_vec(), chunks, op)))
}

/// The spacing NumPy's `linspace` uses: value `i` is `i * step + start`, and with
/// `endpoint` the last one is exactly `stop`; the step is NaN for fewer than two intervals'
/// worth of points (`num == 0`, or `num == 1` with `endpoint`).
#[derive(Clone, Copy)]
struct Spacing {
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    step: f64,
}

impl Spacing {
    fn new(start: f64, stop: f64, num: usize, endpoint: bool) -> Spacing {
        let div = if endpoint { num as f64 - 1.0 } else { num as f64 };
        let step = if div > 0.0 { (stop - start) / div } else { f64::NAN };
        Spacing { start, stop, num, endpoint, step }
    }

    fn at(&self, i: usize) -> f64 {
        if self.endpoint && self.num > 1 && i == self.num - 1 {
            self.stop
        } else if self.step.is_nan() {
            self.start
        } else {
            i as f64 * self.step + self.start
        }
    }
}

fn spaced<T: Element>(
    name: &'static str,
    num: usize,
    chunks: impl Into<ChunkSpec>,
    key: String,
    f: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Result<ChunkedArray<T>> {
    let shape = [num];
    let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex { f: move |i: &[usize]| f(i[0]), key, _t: PhantomData };
    Ok(ChunkedArray::from_node(source_node::<T>(name, shape.to_vec(), chunks, op)))
}

/// NumPy's `linspace(start, stop, num, endpoint, retstep=True)`: `num` evenly spaced values
/// and the step between them (NaN when undefined: `num == 0`, or `num == 1` with `endpoint`).
/// `endpoint = false` leaves `stop` out (the step is then `(stop - start) / num`).
pub fn linspace_with<T: Float>(
    start: T,
    stop: T,
    num: usize,
    endpoint: bool,
    chunks: impl Into<ChunkSpec>,
) -> Result<(ChunkedArray<T>, T)> {
    let sp = Spacing::new(start.to_f64(), stop.to_f64(), num, endpoint);
    let key = format!("linspace({},{},{num},{endpoint})", sp.start, sp.stop);
    let x = spaced("linspace", num, chunks, key, move |i| T::from_f64(sp.at(i)))?;
    Ok((x, T::from_f64(sp.step)))
}

/// `base` raised to `num` evenly spaced exponents from `start` to `stop` (NumPy's
/// `logspace`).
pub fn logspace<T: Float>(
    start: T,
    stop: T,
    num: usize,
    base: T,
    endpoint: bool,
    chunks: impl Into<ChunkSpec>,
) -> Result<ChunkedArray<T>> {
    let sp = Spacing::new(start.to_f64(), stop.to_f64(), num, endpoint);
    let b = base.to_f64();
    let key = format!("logspace({},{},{num},{endpoint},{b})", sp.start, sp.stop);
    spaced("logspace", num, chunks, key, move |i| T::from_f64(b.powf(sp.at(i))))
}

/// `num` values from `start` to `stop` in geometric progression (NumPy's `geomspace`; the
/// ends are exact). Both ends must be non-zero and of one sign ([`Error::Value`] otherwise:
/// NumPy would return NaN for real inputs of opposite signs).
pub fn geomspace<T: Float>(
    start: T,
    stop: T,
    num: usize,
    endpoint: bool,
    chunks: impl Into<ChunkSpec>,
) -> Result<ChunkedArray<T>> {
    let (a, b) = (start.to_f64(), stop.to_f64());
    if a == 0.0 || b == 0.0 {
        return Err(Error::Value("Geometric sequence cannot include zero".into()));
    }
    if (a < 0.0) != (b < 0.0) || a.is_nan() || b.is_nan() {
        return Err(Error::Value(format!(
            "geomspace needs start and stop of the same sign (got {a} and {b}); the real logarithm of a negative number is undefined"
        )));
    }
    let sign = if a < 0.0 { -1.0 } else { 1.0 };
    let sp = Spacing::new((a * sign).log10(), (b * sign).log10(), num, endpoint);
    let key = format!("geomspace({a},{b},{num},{endpoint})");
    spaced("geomspace", num, chunks, key, move |i| {
        let v = if i == 0 {
            a * sign
        } else if endpoint && num > 1 && i == num - 1 {
            b * sign
        } else {
            10f64.powf(sp.at(i))
        };
        T::from_f64(sign * v)
    })
}
