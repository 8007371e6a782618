//! Differences: `diff` (with `prepend`/`append`), `ediff1d`, `gradient`.
//!
//! Why compositions: a difference along an axis is the difference of two shifted slices of
//! the array (`x[1:] - x[:-1]`), and a gradient is a weighted sum of three shifted slices in
//! the interior plus one-sided formulas on the two edges, joined with `concatenate`. Both are
//! elementwise expressions of lazy slices, so they need no overlap (halo) exchange between
//! blocks: each output block reads the one or two input blocks its slices touch, and the
//! expression fuses into one pass.
//!
//! NumPy semantics: `diff` keeps the element type (integers wrap, as NumPy's subtraction);
//! `n = 0` returns the array; a scalar `prepend`/`append` is broadcast to a slice of length 1
//! along the axis. `gradient` is NumPy's second-order accurate central difference with
//! first- or second-order one-sided edges, for uniform spacing (a scalar per axis) or
//! coordinates (non-uniform spacing, NumPy's three-point formula; coordinates whose steps
//! are all equal use the uniform formula, as NumPy does). `gradient` computes in `f64` for
//! every input type (NumPy keeps `float32`), and returns one array per axis (NumPy returns a
//! bare array when there is one axis).
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ChunkedArray::from_array(ndarray::arr1(&[1i32, 2, 4, 7, 0]), [2])?;
//! assert_eq!(x.diff(1, -1, None, None)?.compute()?.as_slice().unwrap(), &[1, 2, 3, -7]);
//! assert_eq!(x.diff(2, -1, Some(0.into()), None)?.compute()?.as_slice().unwrap(), &[0, 1, 1, -10]);
//! let g = x.gradient(&[], None, 1)?;
//! assert_eq!(g[0].compute()?.as_slice().unwrap(), &[1.0, 1.5, 2.5, -2.0, -7.0]);
//! # Ok::<(), ndchunk::Error>(())
//! ```

use ndarray::{ArrayD, IxDyn};

use crate::array::axes::Axes;
use crate::array::elementwise::Operand;
use crate::array::rearrange::{axis_range, known, ordered_axes};
use crate::array::shape::concatenate;
use crate::array::structure::resolve_axis;
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::{Element, Number};
use crate::error::{Error, Result};

/// The spacing of one axis for [`ChunkedArray::gradient`]: a uniform step, or the
/// coordinates of every position along the axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Spacing {
    /// The same step between all positions.
    Uniform(f64),
    /// Coordinates, one per position (NumPy's 1-D `varargs` entry).
    Coords(Vec<f64>),
}

impl From<f64> for Spacing {
    fn from(h: f64) -> Self {
        Spacing::Uniform(h)
    }
}

impl From<Vec<f64>> for Spacing {
    fn from(c: Vec<f64>) -> Self {
        Spacing::Coords(c)
    }
}

impl From<&[f64]> for Spacing {
    fn from(c: &[f64]) -> Self {
        Spacing::Coords(c.to_vec())
    }
}

/// An operand as an array to join along `axis` of an array of shape `shape`: a scalar becomes
/// a slice of length 1 along `axis`.
fn as_part<T: Element>(op: Operand<T>, shape: &[usize], axis: usize, chunks: &Chunks) -> Result<ChunkedArray<T>> {
    match op {
        Operand::Array(a) => Ok(a),
        Operand::Scalar(v) => {
            let mut s = shape.to_vec();
            s[axis] = 1;
            let mut ch: Vec<usize> = chunks.chunksize();
            ch[axis] = 1;
            crate::array::creation::full(&s, v, ch)
        }
    }
}

/// `a` in the chunks of `like` (same shape). Two slices of one array shifted by `k` along
/// an axis have block boundaries `k` apart; left to the elementwise operation, the common
/// refinement would cut every block in two (a block of `k` elements beside each boundary).
/// Rechunking one of them (each new block copied from two old ones) keeps the array's
/// blocks.
fn aligned<T: Element>(a: ChunkedArray<T>, like: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    if a.chunks() == like.chunks() {
        Ok(a)
    } else {
        a.rechunk(like.chunks().clone())
    }
}

/// Concatenate the non-empty parts along `axis` (the first part when all are empty).
fn join<T: Element>(parts: Vec<ChunkedArray<T>>, axis: usize) -> Result<ChunkedArray<T>> {
    let nonempty: Vec<&ChunkedArray<T>> = parts.iter().filter(|p| p.shape()[axis] > 0).collect();
    match nonempty.len() {
        0 => Ok(parts[0].clone()),
        1 => Ok(nonempty[0].clone()),
        _ => concatenate(&nonempty, axis as isize),
    }
}

impl<T: Number> ChunkedArray<T> {
    /// The `n`-th discrete difference along `axis` (NumPy's `diff`): `out[i] = x[i+1] - x[i]`,
    /// applied `n` times, after joining `prepend` and `append` (scalars or arrays) to the two
    /// ends of the axis. Result `ChunkedArray<T>` (integers wrap), the axis `n` shorter (or
    /// empty). A 0-d array is an [`Error::Value`], an axis out of range an [`Error::Axis`],
    /// `prepend`/`append` arrays that do not fit the other axes an error from `concatenate`.
    pub fn diff(
        &self,
        n: usize,
        axis: isize,
        prepend: Option<Operand<T>>,
        append: Option<Operand<T>>,
    ) -> Result<ChunkedArray<T>> {
        // NumPy returns the array for n = 0 before looking at anything else
        if n == 0 {
            return Ok(self.clone());
        }
        if self.ndim() == 0 {
            return Err(Error::Value("diff requires input that is at least one dimensional".into()));
        }
        let axis = resolve_axis(axis, self.ndim())?;
        known(self, "diff")?;
        let mut parts = Vec::new();
        if let Some(p) = prepend {
            parts.push(as_part(p, self.shape(), axis, self.chunks())?);
        }
        parts.push(self.clone());
        if let Some(p) = append {
            parts.push(as_part(p, self.shape(), axis, self.chunks())?);
        }
        let mut x = if parts.len() == 1 {
            self.clone()
        } else {
            let refs: Vec<&ChunkedArray<T>> = parts.iter().collect();
            concatenate(&refs, axis as isize)?
        };
        known(&x, "diff")?;
        for _ in 0..n {
            let len = x.shape()[axis];
            if len <= 1 {
                return axis_range(&x, axis, 0, 0);
            }
            let hi = axis_range(&x, axis, 1, len)?;
            let lo = aligned(axis_range(&x, axis, 0, len - 1)?, &hi)?;
            x = hi.sub(&lo)?;
        }
        Ok(x)
    }

    /// Differences of consecutive elements of the flattened array, with `to_begin` and
    /// `to_end` (scalars or arrays, flattened) joined to its ends (NumPy's `ediff1d`). Result
    /// a 1-D `ChunkedArray<T>`.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::from_array(ndarray::arr2(&[[1, 2], [4, 7]]), [1, 1])?;
    /// let d = x.ediff1d(Some(99.into()), Some((-1).into()))?;
    /// assert_eq!(d.compute()?.as_slice().unwrap(), &[-1, 1, 2, 3, 99]);
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    pub fn ediff1d(&self, to_end: Option<Operand<T>>, to_begin: Option<Operand<T>>) -> Result<ChunkedArray<T>> {
        known(self, "ediff1d")?;
        let flat = if self.ndim() == 1 { self.clone() } else { self.ravel()? };
        let d = flat.diff(1, 0, None, None)?;
        let flat_part = |op: Operand<T>| -> Result<ChunkedArray<T>> {
            match op {
                Operand::Scalar(v) => crate::array::creation::full(&[1], v, [1]),
                Operand::Array(a) => {
                    if a.ndim() == 1 {
                        Ok(a)
                    } else {
                        a.ravel()
                    }
                }
            }
        };
        let mut parts = Vec::new();
        if let Some(b) = to_begin {
            parts.push(flat_part(b)?);
        }
        parts.push(d);
        if let Some(e) = to_end {
            parts.push(flat_part(e)?);
        }
        join(parts, 0)
    }
}

/// The per-axis spacing of `gradient`, resolved: a uniform step or the steps between
/// coordinates.
enum Steps {
    Uniform(f64),
    Steps(Vec<f64>),
}

/// A 1-D vector laid out along `axis` of an `ndim`-array (length 1 elsewhere), for
/// broadcasting against slices of the data.
fn along(v: Vec<f64>, axis: usize, ndim: usize) -> Result<ChunkedArray<f64>> {
    let n = v.len();
    let shape: Vec<usize> = (0..ndim).map(|a| if a == axis { n } else { 1 }).collect();
    let arr = ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| Error::Shape(e.to_string()))?;
    let chunks: Vec<usize> = shape.iter().map(|&s| s.max(1)).collect();
    ChunkedArray::from_array(arr, chunks)
}

impl<T: Element> ChunkedArray<T> {
    /// The gradient along each of `axes` (NumPy's `gradient`; `None` for all axes), in `f64`:
    /// central differences inside, one-sided differences of order `edge_order` (1 or 2) at the
    /// ends. `spacing` is empty (unit spacing), one [`Spacing`] for every axis, or one per axis
    /// in `axes`. Returns one `ChunkedArray<f64>` per axis, each of the array's shape.
    ///
    /// Errors ([`Error::Value`], as NumPy's `ValueError`): `edge_order` not 1 or 2, an axis
    /// shorter than `edge_order + 1`, a wrong number of spacings, coordinates whose length is
    /// not the axis'; an axis out of range is an [`Error::Axis`].
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// use ndchunk::Spacing;
    /// let f = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 7.0, 11.0]), [2])?;
    /// let x = Spacing::Coords(vec![0.0, 1.0, 1.5, 3.5, 4.0]);
    /// let g = f.gradient(&[x], None, 2)?;
    /// assert_eq!(g[0].compute()?.len(), 5);
    /// # Ok::<(), ndchunk::Error>(())
    /// ```
    pub fn gradient(
        &self,
        spacing: &[Spacing],
        axes: impl Into<Axes>,
        edge_order: usize,
    ) -> Result<Vec<ChunkedArray<f64>>> {
        if edge_order != 1 && edge_order != 2 {
            return Err(Error::Value(format!("'edge_order' {edge_order} is not supported: use 1 or 2")));
        }
        let nd = self.ndim();
        if nd == 0 {
            return Err(Error::Value("gradient needs an array of at least one dimension".into()));
        }
        let axes = ordered_axes(&axes.into(), nd, "axis")?;
        known(self, "gradient")?;
        let steps: Vec<Spacing> = match spacing.len() {
            0 => vec![Spacing::Uniform(1.0); axes.len()],
            1 if matches!(spacing[0], Spacing::Uniform(_)) => vec![spacing[0].clone(); axes.len()],
            n if n == axes.len() => spacing.to_vec(),
            n => {
                return Err(Error::Value(format!("invalid number of arguments: {n} spacings for {} axes", axes.len())))
            }
        };
        let f = self.astype::<f64>();
        axes.iter()
            .zip(steps)
            .map(|(&axis, s)| {
                let len = self.shape()[axis];
                let steps = match s {
                    Spacing::Uniform(h) => Steps::Uniform(h),
                    Spacing::Coords(c) => {
                        if c.len() != len {
                            return Err(Error::Value(
                                "when 1d, distances must match the length of the corresponding dimension".into(),
                            ));
                        }
                        let d: Vec<f64> = c.windows(2).map(|w| w[1] - w[0]).collect();
                        if !d.is_empty() && d.iter().all(|&v| v == d[0]) {
                            Steps::Uniform(d[0])
                        } else {
                            Steps::Steps(d)
                        }
                    }
                };
                if len < edge_order + 1 {
                    return Err(Error::Value(format!(
                        "Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) = {} elements are required.",
                        edge_order + 1
                    )));
                }
                gradient_axis(&f, axis, len, &steps, edge_order)
            })
            .collect()
    }
}

/// NumPy's gradient of `f` along `axis` (of length `len >= edge_order + 1`).
fn gradient_axis(
    f: &ChunkedArray<f64>,
    axis: usize,
    len: usize,
    steps: &Steps,
    edge_order: usize,
) -> Result<ChunkedArray<f64>> {
    let nd = f.ndim();
    let sl = |a: usize, b: usize| axis_range(f, axis, a, b);
    // the interior's slices, in the chunks of the middle one
    let mid = sl(1, len - 1)?;
    let isl = |a: usize, b: usize| aligned(sl(a, b)?, &mid);
    let interior = match steps {
        Steps::Uniform(h) => isl(2, len)?.sub(&isl(0, len - 2)?)?.div(2.0 * h)?,
        Steps::Steps(d) => {
            let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
            for w in d.windows(2) {
                let (dx1, dx2) = (w[0], w[1]);
                a.push(-dx2 / (dx1 * (dx1 + dx2)));
                b.push((dx2 - dx1) / (dx1 * dx2));
                c.push(dx1 / (dx2 * (dx1 + dx2)));
            }
            let (a, b, c) = (along(a, axis, nd)?, along(b, axis, nd)?, along(c, axis, nd)?);
            a.mul(&isl(0, len - 2)?)?.add(&b.mul(&mid)?)?.add(&c.mul(&isl(2, len)?)?)?
        }
    };
    let (first, last) = if edge_order == 1 {
        let (d0, dn) = match steps {
            Steps::Uniform(h) => (*h, *h),
            Steps::Steps(d) => (d[0], d[d.len() - 1]),
        };
        (sl(1, 2)?.sub(&sl(0, 1)?)?.div(d0)?, sl(len - 1, len)?.sub(&sl(len - 2, len - 1)?)?.div(dn)?)
    } else {
        let ((a0, b0, c0), (an, bn, cn)) = match steps {
            Steps::Uniform(h) => ((-1.5 / h, 2.0 / h, -0.5 / h), (0.5 / h, -2.0 / h, 1.5 / h)),
            Steps::Steps(d) => {
                let (dx1, dx2) = (d[0], d[1]);
                let head =
                    (-(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2)), (dx1 + dx2) / (dx1 * dx2), -dx1 / (dx2 * (dx1 + dx2)));
                let (dx1, dx2) = (d[d.len() - 2], d[d.len() - 1]);
                let tail =
                    (dx2 / (dx1 * (dx1 + dx2)), -(dx2 + dx1) / (dx1 * dx2), (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2)));
                (head, tail)
            }
        };
        let three = |i: usize, a: f64, b: f64, c: f64| -> Result<ChunkedArray<f64>> {
            sl(i, i + 1)?.mul(a)?.add(&sl(i + 1, i + 2)?.mul(b)?)?.add(&sl(i + 2, i + 3)?.mul(c)?)
        };
        (three(0, a0, b0, c0)?, three(len - 3, an, bn, cn)?)
    };
    join(vec![first, interior, last], axis)
}

/// NumPy's `diff(x, n, axis, prepend, append)`; see [`ChunkedArray::diff`].
pub fn diff<T: Number>(
    x: &ChunkedArray<T>,
    n: usize,
    axis: isize,
    prepend: Option<Operand<T>>,
    append: Option<Operand<T>>,
) -> Result<ChunkedArray<T>> {
    x.diff(n, axis, prepend, append)
}

/// NumPy's `ediff1d(x, to_end, to_begin)`; see [`ChunkedArray::ediff1d`].
pub fn ediff1d<T: Number>(
    x: &ChunkedArray<T>,
    to_end: Option<Operand<T>>,
    to_begin: Option<Operand<T>>,
) -> Result<ChunkedArray<T>> {
    x.ediff1d(to_end, to_begin)
}

/// NumPy's `gradient(f, *spacing, axis, edge_order)`; see [`ChunkedArray::gradient`].
pub fn gradient<T: Element>(
    f: &ChunkedArray<T>,
    spacing: &[Spacing],
    axes: impl Into<Axes>,
    edge_order: usize,
) -> Result<Vec<ChunkedArray<f64>>> {
    f.gradient(spacing, axes, edge_order)
}
