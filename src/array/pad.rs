//! NumPy's `pad`: widen each axis by `(before, after)` elements chosen by a [`PadMode`].
//!
//! Axes are padded one after the other, as NumPy does, so the corners of a padded 2-d array
//! come from the already padded rows (this is what makes `edge`, `mean`, ... corners agree
//! with NumPy). Each side is a lazy piece joined to the array with `concatenate`, and the
//! array's own blocks are untouched:
//! - `Constant`: a generated constant block;
//! - `Edge` and the statistics (`Maximum`, `Minimum`, `Mean`, `Median`): a length-1 slice or
//!   reduction along the axis, broadcast to the width;
//! - `Reflect`, `Symmetric`, `Wrap`: a `take` of the mirrored/wrapped positions (widths longer
//!   than the axis repeat the pattern, as NumPy's iterated padding does);
//! - `LinearRamp`: the edge slice combined elementwise with a ramp of weights.

use ndarray::Axis;

use crate::array::chunks::{AxisSpec, ChunkSpec};
use crate::array::rearrange::axis_range;
use crate::array::shape::concatenate;
use crate::array::ChunkedArray;
use crate::chunks::{check_size, Chunks};
use crate::element::{Element, Number};
use crate::error::{Error, Result};

/// How `pad` fills the new elements (NumPy's `mode=`). Statistics are taken over the whole
/// axis (NumPy's default `stat_length=None`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode<T> {
    /// This value (NumPy's `constant_values`, one value for every side).
    Constant(T),
    /// The edge value repeated.
    Edge,
    /// A linear ramp from this end value (at the outer edge) to the edge value (NumPy's
    /// `end_values`); integers are rounded down as NumPy's `linspace` does.
    LinearRamp(T),
    /// The maximum along the axis.
    Maximum,
    /// The minimum along the axis.
    Minimum,
    /// The mean along the axis (rounded half to even for integers).
    Mean,
    /// The median along the axis (rounded half to even for integers).
    Median,
    /// Mirror image without repeating the edge: `[1, 2, 3]` → `3 2 | 1 2 3 | 2 1`.
    Reflect,
    /// Mirror image repeating the edge: `[1, 2, 3]` → `2 1 | 1 2 3 | 3 2`.
    Symmetric,
    /// The other end of the axis: `[1, 2, 3]` → `2 3 | 1 2 3 | 1 2`.
    Wrap,
    /// Values not to be relied on (NumPy's `empty`; like `Constant`, it can extend empty
    /// axes). A lazy array has no uninitialised memory: they are zeros.
    Empty,
}

/// Pad widths, as NumPy's `pad_width`: one width for every side (`2`), one `(before, after)`
/// pair for every axis (`(1, 2)` or `&[(1, 2)]`), or a pair per axis (`&[(1, 2), (0, 3)]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PadWidth(Vec<(usize, usize)>);

impl From<usize> for PadWidth {
    fn from(w: usize) -> Self {
        PadWidth(vec![(w, w)])
    }
}

impl From<(usize, usize)> for PadWidth {
    fn from(w: (usize, usize)) -> Self {
        PadWidth(vec![w])
    }
}

impl From<&[(usize, usize)]> for PadWidth {
    fn from(w: &[(usize, usize)]) -> Self {
        PadWidth(w.to_vec())
    }
}

impl<const N: usize> From<[(usize, usize); N]> for PadWidth {
    fn from(w: [(usize, usize); N]) -> Self {
        PadWidth(w.to_vec())
    }
}

impl From<Vec<(usize, usize)>> for PadWidth {
    fn from(w: Vec<(usize, usize)>) -> Self {
        PadWidth(w)
    }
}

impl PadWidth {
    /// A `(before, after)` pair per axis of an `ndim`-dimensional array; a list of another
    /// length than 1 or `ndim` is [`Error::Value`] (NumPy's broadcasting error).
    pub fn resolve(&self, ndim: usize) -> Result<Vec<(usize, usize)>> {
        match self.0.len() {
            1 => Ok(vec![self.0[0]; ndim]),
            n if n == ndim => Ok(self.0.clone()),
            n => Err(Error::Value(format!("pad widths for {n} axes cannot be used for an array of {ndim} dimensions"))),
        }
    }
}

/// The source position for padded position `p` (`-before..n + after`) in a mirrored or
/// wrapped mode over an axis of length `n > 0`.
fn source(mode_reflect: u8, p: i128, n: i128) -> usize {
    let j = match mode_reflect {
        // reflect: period 2(n - 1), the edges not repeated
        0 => {
            if n == 1 {
                0
            } else {
                let period = 2 * (n - 1);
                let j = p.rem_euclid(period);
                if j >= n {
                    period - j
                } else {
                    j
                }
            }
        }
        // symmetric: period 2n, the edges repeated
        1 => {
            let j = p.rem_euclid(2 * n);
            if j >= n {
                2 * n - 1 - j
            } else {
                j
            }
        }
        // wrap
        _ => p.rem_euclid(n),
    };
    j as usize // in 0..n
}

fn round_if_int<T: Element>(v: f64) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(v)
    } else {
        T::from_f64(v.round_ties_even())
    }
}

/// The median of a lane (NaN if it holds one), as NumPy's.
fn lane_median<T: Element>(lane: ndarray::ArrayView1<'_, T>) -> f64 {
    let mut v: Vec<f64> = lane.iter().map(|x| x.to_f64()).collect();
    if v.iter().any(|x| x.is_nan()) || v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(|a, b| a.total_cmp(b));
    let h = v.len() / 2;
    if v.len() % 2 == 1 {
        v[h]
    } else {
        (v[h - 1] + v[h]) / 2.0
    }
}

/// One statistic along `axis`, kept as a length-1 axis.
fn statistic<T: Number>(x: &ChunkedArray<T>, axis: usize, mode: PadMode<T>) -> Result<ChunkedArray<T>> {
    let a = axis as isize;
    let s = match mode {
        PadMode::Maximum => x.max(a)?,
        PadMode::Minimum => x.min(a)?,
        PadMode::Mean => x.mean(a)?.mapv(|m| round_if_int::<T>(m.to_f64())),
        PadMode::Median => {
            // the whole axis in each block, then one median per lane
            let c = x.chunks();
            let mut whole: Vec<Vec<usize>> = c.as_slices().to_vec();
            whole[axis] = vec![x.shape()[axis]];
            let y = x.rechunk(Chunks::explicit(whole.clone()))?;
            whole[axis] = vec![1];
            return y.map_blocks_with_chunks(
                move |b| b.map_axis(Axis(axis), |lane| round_if_int::<T>(lane_median(lane))).insert_axis(Axis(axis)),
                Chunks::explicit(whole),
            );
        }
        _ => unreachable!("not a statistic"),
    };
    s.expand_dims(a)
}

/// The rest of NumPy's `pad` arguments, for [`pad_with`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PadOptions<T> {
    /// `(before, after)` values per axis (one pair for all axes, or one per axis) for
    /// `Constant` (NumPy's `constant_values`) and `LinearRamp` (`end_values`); they replace
    /// the value in the mode.
    pub values: Option<Vec<(T, T)>>,
    /// Statistics (`Maximum`, `Minimum`, `Mean`, `Median`) over at most this many elements at
    /// each edge: `(before, after)` per axis, or one pair for all (NumPy's `stat_length`).
    /// A length of 0 is [`Error::Value`] for `Maximum`/`Minimum` and for integer means and
    /// medians (NumPy casts its NaN to an arbitrary integer there), and NaN for float ones.
    pub stat_length: Option<Vec<(usize, usize)>>,
    /// NumPy's `reflect_type='odd'` for `Reflect` and `Symmetric`: the mirrored values are
    /// reflected through the edge value too (`2 * edge - mirrored`), extending trends.
    pub reflect_odd: bool,
}

fn per_axis<V: Clone>(v: &[V], ndim: usize, what: &str) -> Result<Vec<V>> {
    match v.len() {
        1 => Ok(vec![v[0].clone(); ndim]),
        n if n == ndim => Ok(v.to_vec()),
        n => Err(Error::Value(format!("{what} for {n} axes cannot be used for an array of {ndim} dimensions"))),
    }
}

/// Pad `x` by `width` elements on each side of each axis, filled as `mode` says (NumPy's
/// `pad`). A 0-d array is returned as it is. Modes other than `Constant` cannot extend an
/// empty axis ([`Error::Value`], as NumPy); pad widths for a wrong number of axes are
/// [`Error::Value`].
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::PadMode;
/// let x = ndchunk::arange::<i64>(1, 4, 1, [2]).unwrap();
/// let r = ndchunk::pad(&x, (2, 3), PadMode::Reflect).unwrap().compute().unwrap();
/// assert_eq!(r.as_slice().unwrap(), &[3, 2, 1, 2, 3, 2, 1, 2]);
/// let c = ndchunk::pad(&x, 1, PadMode::Constant(0)).unwrap().compute().unwrap();
/// assert_eq!(c.as_slice().unwrap(), &[0, 1, 2, 3, 0]);
/// ```
pub fn pad<T: Number>(x: &ChunkedArray<T>, width: impl Into<PadWidth>, mode: PadMode<T>) -> Result<ChunkedArray<T>> {
    pad_with(x, width, mode, &PadOptions::default())
}

/// [`pad`] with NumPy's other arguments: per-side `constant_values`/`end_values` and
/// `stat_length` (see [`PadOptions`]).
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::{PadMode, PadOptions};
/// let x = ndchunk::arange::<f64>(1.0, 6.0, 1.0, [2]).unwrap();
/// let opts = PadOptions { stat_length: Some(vec![(2, 2)]), ..PadOptions::default() };
/// let y = ndchunk::pad_with(&x, 1, PadMode::Maximum, &opts).unwrap().compute().unwrap();
/// assert_eq!(y.as_slice().unwrap(), &[2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0]);
/// ```
pub fn pad_with<T: Number>(
    x: &ChunkedArray<T>,
    width: impl Into<PadWidth>,
    mode: PadMode<T>,
    opts: &PadOptions<T>,
) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    let widths = width.into().resolve(nd)?;
    let values: Vec<Option<(T, T)>> = match (&opts.values, mode) {
        (Some(v), _) => per_axis(v, nd, "pad values")?.into_iter().map(Some).collect(),
        (None, PadMode::Constant(v) | PadMode::LinearRamp(v)) => vec![Some((v, v)); nd],
        (None, _) => vec![None; nd],
    };
    let stats: Vec<Option<(usize, usize)>> = match &opts.stat_length {
        Some(v) => per_axis(v, nd, "stat_length")?.into_iter().map(Some).collect(),
        None => vec![None; nd],
    };
    if nd == 0 {
        return Ok(x.clone());
    }
    if !x.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: "pad".into() });
    }
    let mut shape = x.shape().to_vec();
    for (a, &(b, e)) in widths.iter().enumerate() {
        if shape[a] == 0 && b + e > 0 && !matches!(mode, PadMode::Constant(_) | PadMode::Empty) {
            return Err(Error::Value(format!(
                "can't extend empty axis {a} using modes other than 'constant' or 'empty'"
            )));
        }
        shape[a] = shape[a]
            .checked_add(b)
            .and_then(|v| v.checked_add(e))
            .ok_or_else(|| Error::Value("array is too big: pad widths overflow".into()))?;
    }
    check_size(&shape, std::mem::size_of::<T>())?;
    if x.size() == 0 && !matches!(mode, PadMode::Constant(_) | PadMode::Empty) {
        // no value to extend and nothing to compute: the (empty) padded shape
        return crate::array::creation::zeros(&shape, shape.iter().map(|&n| n.max(1)).collect::<Vec<_>>());
    }
    let mut out = x.clone();
    for (axis, &(before, after)) in widths.iter().enumerate() {
        if before == 0 && after == 0 {
            continue;
        }
        out = if opts.reflect_odd && matches!(mode, PadMode::Reflect | PadMode::Symmetric) && out.shape()[axis] > 1 {
            odd_reflect(&out, axis, (before, after), matches!(mode, PadMode::Symmetric))?
        } else {
            pad_axis(&out, axis, (before, after), mode, values[axis], stats[axis])?
        };
    }
    Ok(out)
}

/// `reflect_type='odd'` along one axis, in NumPy's rounds: each round mirrors at most the
/// part already built (a whole number of original periods) on both sides, through the current
/// edge values, so widths beyond the axis extend the pattern exactly as NumPy does.
fn odd_reflect<T: Number>(
    x: &ChunkedArray<T>,
    axis: usize,
    (mut lp, mut rp): (usize, usize),
    symmetric: bool,
) -> Result<ChunkedArray<T>> {
    let n = x.shape()[axis]; // > 1
    let mut cur = x.clone();
    let through = |edge: &ChunkedArray<T>, chunk: &ChunkedArray<T>| {
        edge.map_binary(chunk, "pad-odd", Some("pad-odd".into()), |e: T, v: T| e.num_add(e).num_sub(v))
    };
    while lp > 0 || rp > 0 {
        let m = cur.shape()[axis];
        let (old, eo) = if symmetric { (m / n * n, 1) } else { ((m - 1) / (n - 1) * (n - 1), 0) };
        let mut parts = Vec::with_capacity(3);
        if lp > 0 {
            let cl = old.min(lp);
            // cur[cl - eo], ..., cur[1 - eo], through cur[0]
            let mut idx = crate::memory::try_vec::<usize>(cl, "pad's index list")?;
            idx.extend((0..cl).map(|k| cl - eo - k));
            let chunk = cur.take(&idx, axis as isize)?;
            parts.push(through(&axis_range(&cur, axis, 0, 1)?, &chunk)?);
            lp -= cl;
        }
        parts.push(cur.clone());
        if rp > 0 {
            let cl = old.min(rp);
            // cur[m - 2 + eo], ..., cur[m - 1 + eo - cl], through cur[m - 1]
            let mut idx = crate::memory::try_vec::<usize>(cl, "pad's index list")?;
            idx.extend((0..cl).map(|k| m - 2 + eo - k));
            let chunk = cur.take(&idx, axis as isize)?;
            parts.push(through(&axis_range(&cur, axis, m - 1, m)?, &chunk)?);
            rp -= cl;
        }
        let refs: Vec<&ChunkedArray<T>> = parts.iter().collect();
        cur = concatenate(&refs, axis as isize)?;
    }
    Ok(cur)
}

fn pad_axis<T: Number>(
    x: &ChunkedArray<T>,
    axis: usize,
    (before, after): (usize, usize),
    mode: PadMode<T>,
    values: Option<(T, T)>,
    stat: Option<(usize, usize)>,
) -> Result<ChunkedArray<T>> {
    let n = x.shape()[axis];
    let cs = x.chunks().chunksize()[axis].max(1);
    // block length of a generated side: the array's, unless that makes more than 4096 blocks
    let side_cs = |w: usize| if w.div_ceil(cs) > 4096 { w.div_ceil(4096) } else { cs };
    let value = |left: bool| values.map(|(b, a)| if left { b } else { a }).unwrap_or_else(T::zero);
    let side_shape = |w: usize| {
        let mut s = x.shape().to_vec();
        s[axis] = w;
        s
    };
    let side = |w: usize, left: bool| -> Result<ChunkedArray<T>> {
        match mode {
            PadMode::Constant(_) | PadMode::Empty => {
                let v = value(left);
                // the array's blocks on the other axes, its block length along this one (a wide
                // pad is several blocks, not one huge one)
                let spec: Vec<AxisSpec> = (0..x.ndim())
                    .map(|a| {
                        if a == axis {
                            AxisSpec::Size(side_cs(w))
                        } else {
                            AxisSpec::Explicit(x.chunks().axis(a).to_vec())
                        }
                    })
                    .collect();
                crate::array::creation::full(&side_shape(w), v, ChunkSpec::PerAxis(spec))
            }
            PadMode::Edge => {
                let e = if left { axis_range(x, axis, 0, 1)? } else { axis_range(x, axis, n - 1, n)? };
                e.broadcast_to(&side_shape(w))
            }
            PadMode::Maximum | PadMode::Minimum | PadMode::Mean | PadMode::Median => {
                let part = match stat {
                    None => x.clone(),
                    Some((lb, la)) => {
                        let l = if left { lb } else { la }.min(n);
                        if l == 0 {
                            if matches!(mode, PadMode::Mean | PadMode::Median) && T::DTYPE.is_float() {
                                return crate::array::creation::full(
                                    &side_shape(w),
                                    T::from_f64(f64::NAN),
                                    side_shape(w).iter().map(|&v| v.max(1)).collect::<Vec<_>>(),
                                );
                            }
                            return Err(Error::Value("stat_length of 0 yields no value for padding".into()));
                        }
                        if left {
                            axis_range(x, axis, 0, l)?
                        } else {
                            axis_range(x, axis, n - l, n)?
                        }
                    }
                };
                statistic(&part, axis, mode)?.broadcast_to(&side_shape(w))
            }
            PadMode::Reflect | PadMode::Symmetric | PadMode::Wrap => {
                let m = match mode {
                    PadMode::Reflect => 0,
                    PadMode::Symmetric => 1,
                    _ => 2,
                };
                let (n, w) = (n as i128, w as i128);
                let mut idx = crate::memory::try_vec::<usize>(w as usize, "pad's index list")?;
                if left {
                    idx.extend((-w..0).map(|p| source(m, p, n)));
                } else {
                    idx.extend((n..n + w).map(|p| source(m, p, n)));
                }
                x.take(&idx, axis as isize)
            }
            PadMode::LinearRamp(_) => {
                let end = value(left);
                let e = if left { axis_range(x, axis, 0, 1)? } else { axis_range(x, axis, n - 1, n)? };
                // t: position in NumPy's linspace(end, edge, w, endpoint=False), reversed on the right
                let mut ramp_shape = vec![1isize; x.ndim()];
                ramp_shape[axis] = w as isize;
                let t = crate::array::creation::arange::<f64>(0.0, w as f64, 1.0, [side_cs(w)])?;
                let t = if left { t } else { t.flip(0)? };
                let t = t.reshape(&ramp_shape)?;
                let end = end.to_f64();
                let wf = w as f64;
                e.map_binary(&t, "pad-linear-ramp", None, move |edge: T, t: f64| {
                    let v = t * ((edge.to_f64() - end) / wf) + end;
                    if T::DTYPE.is_float() {
                        T::from_f64(v)
                    } else {
                        T::from_f64(v.floor())
                    }
                })
            }
        }
    };
    let mut parts = Vec::with_capacity(3);
    if before > 0 {
        parts.push(side(before, true)?);
    }
    parts.push(x.clone());
    if after > 0 {
        parts.push(side(after, false)?);
    }
    let refs: Vec<&ChunkedArray<T>> = parts.iter().collect();
    concatenate(&refs, axis as isize)
}

/// NumPy's `pad(x, width, mode=function)` (dask's `pad` with a callable): the array padded with
/// zeros, then, for each axis in order, `f(vector, (before, after), axis)` called on every 1-d
/// lane along that axis, changing it in place (NumPy's `padding_func(vector, iaxis_pad_width,
/// iaxis, kwargs)`; capture what NumPy passes as `kwargs`). Each axis's pass sees the values
/// the earlier passes wrote, as in NumPy. Each axis is made one block for its pass (as
/// `apply_along_axis`, and as dask's `pad` with a callable does); the other axes keep their
/// chunks. A panic in `f` is an `Err` of the compute.
///
/// ```
/// use ndchunk::prelude::*;
/// // NumPy's documentation example: pad with 10 on every side
/// let x = ndchunk::arange::<i64>(0, 6, 1, [4]).unwrap().reshape(&[2, 3]).unwrap();
/// let y = ndchunk::pad_with_fn(&x, 2, |mut v: ndarray::ArrayViewMut1<'_, i64>, (b, e), _axis| {
///     let n = v.len();
///     v.slice_mut(ndarray::s![..b]).fill(10);
///     v.slice_mut(ndarray::s![n - e..]).fill(10);
/// })
/// .unwrap()
/// .compute()
/// .unwrap();
/// assert_eq!(y.shape(), &[6, 7]);
/// let row = |i: usize| y.index_axis(ndarray::Axis(0), i).iter().copied().collect::<Vec<_>>();
/// assert_eq!(row(2), vec![10, 10, 0, 1, 2, 10, 10]);
/// assert_eq!(row(0), vec![10; 7]);
/// ```
pub fn pad_with_fn<T: Number, F>(x: &ChunkedArray<T>, width: impl Into<PadWidth>, f: F) -> Result<ChunkedArray<T>>
where
    F: Fn(ndarray::ArrayViewMut1<'_, T>, (usize, usize), usize) + Send + Sync + 'static,
{
    let nd = x.ndim();
    let widths = width.into().resolve(nd)?;
    if nd == 0 {
        return Ok(x.clone());
    }
    let mut y = pad(x, widths.as_slice(), PadMode::Constant(T::zero()))?;
    let f = std::sync::Arc::new(f);
    for (axis, &w) in widths.iter().enumerate() {
        let n = y.shape()[axis];
        let f = f.clone();
        // `axis` < nd, the length of a Vec, so at most isize::MAX
        y = crate::array::apply::apply_along_axis(&y, axis as isize, &[n], move |lane| {
            let mut v = lane.to_owned();
            f(v.view_mut(), w, axis);
            v.into_dyn()
        })?;
    }
    Ok(y)
}
