//! `ndchunk::fft`: discrete Fourier transforms of chunked arrays, with `numpy.fft`'s names,
//! arguments and results (`dask.array.fft`).
//!
//! * `n` (or `s` per axis for the 2-d/n-d forms): the transform length; the input is truncated
//!   or zero-padded along the axis to it. `None` uses the axis length (for `irfft`/`hfft`:
//!   `2 * (m - 1)`). A length of 0 is an [`Error::Value`]; an axis out of range an
//!   [`Error::Axis`].
//! * `norm`: [`Norm::Backward`] (NumPy's default, `1/n` on the inverse), [`Norm::Ortho`]
//!   (`1/√n` both ways), [`Norm::Forward`] (`1/n` on the forward transform).
//! * Element types: `fft`/`ifft` take real or complex arrays and return the complex type of the
//!   same precision (`float32` → `complex64`, as NumPy 2); `rfft`/`ihfft` take real arrays;
//!   `irfft`/`hfft` return real arrays. Integer arrays are converted with `astype` first.
//! * Chunking: a transform needs each lane whole, so the transformed axis is rechunked to one
//!   block first (dask raises instead; the `rechunk` nodes are visible in the graph); the other
//!   axes keep their chunks and every block is transformed independently. The n-d forms apply
//!   one-dimensional transforms axis after axis (as `numpy.fft` does), each rechunking its axis.
//! * Everything is lazy; plans are made once per length (rustfft, realfft) and shared.
//!
//! `fftfreq`, `rfftfreq` (sample frequencies, `float64`), `fftshift` and `ifftshift` (rolls by
//! half the axis) complete the module.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::fft::{self, Norm};
//! let x = ndchunk::arange::<f64>(0.0, 8.0, 1.0, [3]).unwrap();
//! let spec = fft::rfft(&x, None, -1, Norm::Backward).unwrap(); // complex128, 5 bins
//! assert_eq!(spec.shape(), &[5]);
//! let back = fft::irfft(&spec, Some(8), -1, Norm::Backward).unwrap();
//! let y = back.compute().unwrap();
//! assert!((y[3] - 3.0).abs() < 1e-12);
//! let f = fft::fftfreq(8, 0.5, [8]).unwrap().compute().unwrap();
//! assert_eq!(f.as_slice().unwrap(), &[0.0, 0.25, 0.5, 0.75, -1.0, -0.75, -0.5, -0.25]);
//! ```

use std::any::Any;
use std::sync::Arc;

use ndarray::ArrayViewD;
pub use ndchunk_kernels::fft::{FftFloat, Norm};

use crate::array::structure::resolve_axis;
use crate::array::{ChunkSpec, ChunkedArray};
use crate::element::{ComplexElement, Element, Float, Inexact};
use crate::error::{Error, Result};
use crate::ops::fft::{along_axis, Kernels};
use ndchunk_kernels::fft::{c2c, c2c_into, c2r, c2r_into, r2c, r2c_into};

/// NumPy's check on `n` (at least one point), plus the size check every array gets: a lane of
/// `n` complex f64 values (the kernels' work buffer) must fit in memory's address space, so an
/// absurd `n` is `Error::Value` here and not a panic in a task.
fn check_len(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Value(format!("Invalid number of FFT data points ({n}) specified.")));
    }
    // not `chunks::check_size`, which skips `usize::MAX` (the unknown-length marker)
    if n > isize::MAX.unsigned_abs() / (2 * std::mem::size_of::<f64>()) {
        return Err(Error::Value(format!(
            "array is too big: {n} FFT data points are larger than the maximum possible size"
        )));
    }
    Ok(())
}

/// `x` as an array of `U`: itself when it already is one, else a fused conversion.
fn as_type<T: Element, U: Element>(x: &ChunkedArray<T>) -> ChunkedArray<U> {
    match (x as &dyn Any).downcast_ref::<ChunkedArray<U>>() {
        Some(same) => same.clone(),
        None => x.astype::<U>(),
    }
}

fn c2c_axis<C: ComplexElement>(
    x: &ChunkedArray<C>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
    inverse: bool,
) -> Result<ChunkedArray<C>>
where
    C::Part: FftFloat,
{
    let ax = resolve_axis(axis, x.ndim())?;
    let n = n.unwrap_or(x.shape()[ax]);
    check_len(n)?;
    let name = if inverse { "ifft" } else { "fft" };
    let kernel = Kernels::<C, C> {
        alloc: Arc::new(move |v: ArrayViewD<'_, C>| Ok(c2c(v, ax, n, inverse, norm))),
        into: Arc::new(move |v, out| {
            c2c_into(v, out, ax, inverse, norm);
            Ok(())
        }),
    };
    let key = format!("{name}(n={n},axis={ax},norm={})", norm.name());
    Ok(ChunkedArray::from_node(along_axis(x.node(), ax, n, name, key, kernel)?))
}

fn r2c_axis<F: Float + FftFloat>(
    x: &ChunkedArray<F>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
    name: &'static str,
) -> Result<ChunkedArray<F::Complex>> {
    let ax = resolve_axis(axis, x.ndim())?;
    let n = n.unwrap_or(x.shape()[ax]);
    check_len(n)?;
    let kernel = Kernels::<F, F::Complex> {
        alloc: Arc::new(move |v: ArrayViewD<'_, F>| r2c(v, ax, n, norm)),
        into: Arc::new(move |v, out| r2c_into(v, out, ax, n, norm)),
    };
    let key = format!("{name}(n={n},axis={ax},norm={})", norm.name());
    Ok(ChunkedArray::from_node(along_axis(x.node(), ax, n / 2 + 1, name, key, kernel)?))
}

fn c2r_axis<C: ComplexElement>(
    x: &ChunkedArray<C>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
    name: &'static str,
) -> Result<ChunkedArray<C::Part>>
where
    C::Part: FftFloat,
{
    let ax = resolve_axis(axis, x.ndim())?;
    let n = match n {
        Some(n) => n,
        None => 2 * x.shape()[ax].saturating_sub(1),
    };
    check_len(n)?;
    let kernel = Kernels::<C, C::Part> {
        alloc: Arc::new(move |v: ArrayViewD<'_, C>| c2r(v, ax, n, norm)),
        into: Arc::new(move |v, out| c2r_into(v, out, ax, norm)),
    };
    let key = format!("{name}(n={n},axis={ax},norm={})", norm.name());
    Ok(ChunkedArray::from_node(along_axis(x.node(), ax, n, name, key, kernel)?))
}

/// One-dimensional discrete Fourier transform along `axis` (NumPy's `fft.fft`).
pub fn fft<T: Inexact>(
    x: &ChunkedArray<T>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    c2c_axis(&as_type::<T, T::Complex>(x), n, axis, norm, false)
}

/// Inverse of [`fft`] (NumPy's `fft.ifft`).
pub fn ifft<T: Inexact>(
    x: &ChunkedArray<T>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    c2c_axis(&as_type::<T, T::Complex>(x), n, axis, norm, true)
}

/// Transform of real input: the `n / 2 + 1` non-negative frequency terms (NumPy's `fft.rfft`).
pub fn rfft<F: Float + FftFloat>(
    x: &ChunkedArray<F>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
) -> Result<ChunkedArray<F::Complex>> {
    r2c_axis(x, n, axis, norm, "rfft")
}

/// Inverse of [`rfft`]: `n` real outputs (default `2 * (m - 1)` for `m` input terms) from the
/// non-negative frequency terms (NumPy's `fft.irfft`).
pub fn irfft<T: Inexact>(
    x: &ChunkedArray<T>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
) -> Result<ChunkedArray<T::Part>>
where
    T::Part: FftFloat,
{
    c2r_axis(&as_type::<T, T::Complex>(x), n, axis, norm, "irfft")
}

/// Transform of a Hermitian-symmetric signal given by its first half: real output of length
/// `n` (default `2 * (m - 1)`) (NumPy's `fft.hfft`: `irfft(conj(x))` with swapped norm).
pub fn hfft<T: Inexact>(x: &ChunkedArray<T>, n: Option<usize>, axis: isize, norm: Norm) -> Result<ChunkedArray<T::Part>>
where
    T::Part: FftFloat,
{
    let c = as_type::<T, T::Complex>(x).conj();
    c2r_axis(&c, n, axis, norm.swapped(), "hfft")
}

/// Inverse of [`hfft`]: the first `n / 2 + 1` terms of a Hermitian spectrum (NumPy's
/// `fft.ihfft`: `conj(rfft(x))` with swapped norm).
pub fn ihfft<F: Float + FftFloat>(
    x: &ChunkedArray<F>,
    n: Option<usize>,
    axis: isize,
    norm: Norm,
) -> Result<ChunkedArray<F::Complex>> {
    Ok(r2c_axis(x, n, axis, norm.swapped(), "ihfft")?.conj())
}

/// NumPy's `_cook_nd_args`: per transformed axis, the length (`s`) and the resolved axis.
fn cook(
    shape: &[usize],
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    inverse_real: bool,
) -> Result<(Vec<usize>, Vec<isize>)> {
    let nd = shape.len();
    let axes: Vec<isize> = match (axes, s) {
        (Some(a), _) => a.to_vec(),
        (None, Some(s)) => (0..s.len()).map(|k| k as isize - s.len() as isize).collect(),
        (None, None) => (0..nd as isize).collect(),
    };
    let resolved: Vec<usize> = axes.iter().map(|&a| resolve_axis(a, nd)).collect::<Result<_>>()?;
    let lens: Vec<usize> = match s {
        Some(s) => {
            if s.len() != axes.len() {
                return Err(Error::Value("Shape and axes have different lengths.".into()));
            }
            s.to_vec()
        }
        None => {
            let mut l: Vec<usize> = resolved.iter().map(|&a| shape[a]).collect();
            if inverse_real {
                if let Some(last) = l.last_mut() {
                    *last = 2 * last.saturating_sub(1);
                }
            }
            l
        }
    };
    Ok((lens, axes))
}

fn c2c_nd<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: Norm,
    inverse: bool,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    let (lens, axes) = cook(x.shape(), s, axes, false)?;
    let mut a = as_type::<T, T::Complex>(x);
    // NumPy transforms the last listed axis first
    for (n, ax) in lens.iter().zip(&axes).rev() {
        a = c2c_axis(&a, Some(*n), *ax, norm, inverse)?;
    }
    Ok(a)
}

/// N-dimensional transform over `axes` (default all) with lengths `s` (NumPy's `fft.fftn`).
pub fn fftn<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    c2c_nd(x, s, axes, norm, false)
}

/// Inverse of [`fftn`] (NumPy's `fft.ifftn`).
pub fn ifftn<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    c2c_nd(x, s, axes, norm, true)
}

/// N-dimensional transform of real input: `rfft` over the last of `axes`, then `fft` over the
/// others (NumPy's `fft.rfftn`).
pub fn rfftn<F: Float + FftFloat>(
    x: &ChunkedArray<F>,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: Norm,
) -> Result<ChunkedArray<F::Complex>> {
    let (lens, axes) = cook(x.shape(), s, axes, false)?;
    let k = axes.len().checked_sub(1).ok_or_else(|| Error::Value("rfftn needs at least one axis".into()))?;
    let mut a = r2c_axis(x, Some(lens[k]), axes[k], norm, "rfft")?;
    for i in 0..k {
        a = c2c_axis(&a, Some(lens[i]), axes[i], norm, false)?;
    }
    Ok(a)
}

/// Inverse of [`rfftn`]: `ifft` over all but the last of `axes`, then `irfft` over it, whose
/// output length defaults to `2 * (m - 1)` (NumPy's `fft.irfftn`).
pub fn irfftn<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: Norm,
) -> Result<ChunkedArray<T::Part>>
where
    T::Part: FftFloat,
{
    let (lens, axes) = cook(x.shape(), s, axes, true)?;
    let k = axes.len().checked_sub(1).ok_or_else(|| Error::Value("irfftn needs at least one axis".into()))?;
    let mut a = as_type::<T, T::Complex>(x);
    for i in 0..k {
        a = c2c_axis(&a, Some(lens[i]), axes[i], norm, true)?;
    }
    c2r_axis(&a, Some(lens[k]), axes[k], norm, "irfft")
}

/// Two-dimensional transform over `axes` (NumPy's default `(-2, -1)`) (NumPy's `fft.fft2`).
pub fn fft2<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: &[isize],
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    fftn(x, s, Some(axes), norm)
}

/// Inverse of [`fft2`] (NumPy's `fft.ifft2`).
pub fn ifft2<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: &[isize],
    norm: Norm,
) -> Result<ChunkedArray<T::Complex>>
where
    T::Part: FftFloat,
{
    ifftn(x, s, Some(axes), norm)
}

/// Two-dimensional transform of real input (NumPy's `fft.rfft2`).
pub fn rfft2<F: Float + FftFloat>(
    x: &ChunkedArray<F>,
    s: Option<&[usize]>,
    axes: &[isize],
    norm: Norm,
) -> Result<ChunkedArray<F::Complex>> {
    rfftn(x, s, Some(axes), norm)
}

/// Inverse of [`rfft2`] (NumPy's `fft.irfft2`).
pub fn irfft2<T: Inexact>(
    x: &ChunkedArray<T>,
    s: Option<&[usize]>,
    axes: &[isize],
    norm: Norm,
) -> Result<ChunkedArray<T::Part>>
where
    T::Part: FftFloat,
{
    irfftn(x, s, Some(axes), norm)
}

/// Sample frequencies of an `n`-point transform with sample spacing `d`:
/// `[0, 1, ..., (n-1)/2, -(n/2), ..., -1] / (d n)` (NumPy's `fft.fftfreq`; `float64`).
pub fn fftfreq(n: usize, d: f64, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
    check_len(n)?;
    let idx = crate::array::creation::arange::<i64>(0, n as i64, 1, chunks)?;
    let (half, nn, scale) = (n.div_ceil(2) as i64, n as i64, 1.0 / (n as f64 * d));
    Ok(idx.map_unary("fftfreq", Some(format!("fftfreq({n},{d:?})")), move |i: i64| {
        (if i < half { i } else { i - nn }) as f64 * scale
    }))
}

/// Sample frequencies of [`rfft`]'s `n / 2 + 1` outputs: `[0, 1, ..., n/2] / (d n)` (NumPy's
/// `fft.rfftfreq`; `float64`).
pub fn rfftfreq(n: usize, d: f64, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<f64>> {
    check_len(n)?;
    let idx = crate::array::creation::arange::<i64>(0, (n / 2 + 1) as i64, 1, chunks)?;
    let scale = 1.0 / (n as f64 * d);
    Ok(idx.map_unary("rfftfreq", Some(format!("rfftfreq({n},{d:?})")), move |i: i64| i as f64 * scale))
}

fn shift<T: Element>(x: &ChunkedArray<T>, axes: Option<&[isize]>, inverse: bool) -> Result<ChunkedArray<T>> {
    let axes: Vec<isize> = match axes {
        Some(a) => a.to_vec(),
        None => (0..x.ndim() as isize).collect(),
    };
    if axes.is_empty() {
        return Ok(x.clone());
    }
    let shifts: Vec<isize> = axes
        .iter()
        .map(|&a| {
            let n = x.shape()[resolve_axis(a, x.ndim())?] as isize;
            Ok(if inverse { -(n / 2) } else { n / 2 })
        })
        .collect::<Result<_>>()?;
    x.roll_axes(&shifts, &axes)
}

/// Move the zero-frequency term to the centre: roll each of `axes` (default all) by half its
/// length (NumPy's `fft.fftshift`).
pub fn fftshift<T: Element>(x: &ChunkedArray<T>, axes: Option<&[isize]>) -> Result<ChunkedArray<T>> {
    shift(x, axes, false)
}

/// Inverse of [`fftshift`] (differs from it for odd lengths) (NumPy's `fft.ifftshift`).
pub fn ifftshift<T: Element>(x: &ChunkedArray<T>, axes: Option<&[isize]>) -> Result<ChunkedArray<T>> {
    shift(x, axes, true)
}
