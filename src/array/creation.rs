//! Creating arrays: from ndarray arrays, and NumPy's constructors.

use std::marker::PhantomData;

use ndarray::{ArcArray, Array, ArrayBase, ArrayView, Dimension, IxDyn};

use crate::array::chunks::ChunkSpec;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::{Element, Float, Number};
use crate::error::{Error, Result};
use crate::ops::creation::{source_node, Fill, FromArray, FromIndex};

/// Arrays `from_array` accepts: owned arrays are moved in (no copy), shared arrays are
/// shared, views and references are copied once.
pub trait IntoSharedArray<T> {
    fn into_shared_dyn(self) -> ArcArray<T, IxDyn>;
}

impl<T: Element, D: Dimension> IntoSharedArray<T> for Array<T, D> {
    fn into_shared_dyn(self) -> ArcArray<T, IxDyn> {
        self.into_shared().into_dyn()
    }
}

impl<T: Element, D: Dimension> IntoSharedArray<T> for ArcArray<T, D> {
    fn into_shared_dyn(self) -> ArcArray<T, IxDyn> {
        self.into_dyn()
    }
}

impl<T: Element, D: Dimension> IntoSharedArray<T> for ArrayView<'_, T, D> {
    fn into_shared_dyn(self) -> ArcArray<T, IxDyn> {
        self.to_shared().into_dyn()
    }
}

impl<T: Element, S: ndarray::Data<Elem = T>, D: Dimension> IntoSharedArray<T> for &ArrayBase<S, D> {
    fn into_shared_dyn(self) -> ArcArray<T, IxDyn> {
        self.to_shared().into_dyn()
    }
}

pub(crate) fn normalize(spec: impl Into<ChunkSpec>, shape: &[usize], itemsize: usize) -> Result<crate::Chunks> {
    // a created array's axes are all known: `usize::MAX` (which means UNKNOWN elsewhere) is
    // simply too big
    if shape.contains(&crate::UNKNOWN) {
        return Err(Error::Value(format!(
            "array is too big: shape {shape:?} is larger than the maximum possible size"
        )));
    }
    spec.into().normalize(shape, itemsize, Config::global().chunk_target_bytes)
}

impl<T: Element> ChunkedArray<T> {
    /// A chunked array over an ndarray array (blocks are zero-copy slices of it).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let a = ndarray::Array::from_shape_vec((4, 6), (0..24).map(|v| v as f64).collect()).unwrap();
    /// let x = ChunkedArray::from_array(a.clone(), [2, 3]).unwrap();
    /// assert_eq!(x.numblocks(), vec![2, 2]);
    /// assert_eq!(x.compute().unwrap(), a.into_dyn());
    /// ```
    pub fn from_array(a: impl IntoSharedArray<T>, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
        let src = a.into_shared_dyn();
        let shape = src.shape().to_vec();
        let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
        Ok(ChunkedArray::from_node(source_node::<T>("array", shape, chunks, FromArray { src })))
    }
}

/// An array filled with `value`.
pub fn full<T: Element>(shape: &[usize], value: T, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    let chunks = normalize(chunks, shape, std::mem::size_of::<T>())?;
    Ok(ChunkedArray::from_node(source_node::<T>("full", shape.to_vec(), chunks, Fill { value })))
}

/// An array of zeros.
pub fn zeros<T: Element>(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    full(shape, T::zero(), chunks)
}

/// An array of ones.
pub fn ones<T: Element>(shape: &[usize], chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    full(shape, T::one(), chunks)
}

/// Evenly spaced values in `[start, stop)` with `step` (NumPy's `arange`; values are
/// `start + i * step`).
///
/// For integer element types the length and every value are computed in exact integer
/// arithmetic, as NumPy does (`arange::<i64>(i64::MAX - 10, i64::MAX, 1, ..)` has ten distinct
/// values); for floats, the length is `ceil((stop - start) / step)`. A length that does not fit
/// in memory's address space is NumPy's "Maximum allowed size exceeded" error.
pub fn arange<T: Number>(start: T, stop: T, step: T, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    use crate::element::Scalar;
    let wide = |v: T| match v.to_scalar() {
        Scalar::Int(i) => Some(i as i128),
        Scalar::UInt(u) => Some(u as i128),
        Scalar::Bool(b) => Some(b as i128),
        Scalar::Float(_) | Scalar::Complex(..) => None,
    };
    if let (Some(a), Some(b), Some(s)) = (wide(start), wide(stop), wide(step)) {
        if s == 0 {
            return Err(Error::Value(format!("arange needs a non-zero step, got ({start}, {stop}, {step})")));
        }
        // ceil((b - a) / s) in integers, 0 when the range is empty
        let d = b - a;
        let n = if (d > 0) != (s > 0) || d == 0 { 0 } else { (d.abs() + s.abs() - 1) / s.abs() };
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| Error::Value(format!("arange({start}, {stop}, {step}): maximum allowed size exceeded")))?;
        let shape = [n];
        let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
        // every value lies between start and stop, so it fits T: through i64, or u64 for u64
        let unsigned = T::DTYPE == crate::element::DType::U64;
        let op = FromIndex {
            f: move |i: &[usize]| {
                let v = a + i[0] as i128 * s;
                T::from_scalar(if unsigned { Scalar::UInt(v as u64) } else { Scalar::Int(v as i64) })
            },
            key: format!("arange-int({a},{s})"),
            _t: PhantomData,
        };
        return Ok(ChunkedArray::from_node(source_node::<T>("arange", shape.to_vec(), chunks, op)));
    }
    let (a, b, s) = (start.to_f64(), stop.to_f64(), step.to_f64());
    if s == 0.0 || !s.is_finite() || !a.is_finite() || !b.is_finite() {
        return Err(Error::Value(format!(
            "arange needs a finite non-zero step and bounds, got ({start}, {stop}, {step})"
        )));
    }
    let len = ((b - a) / s).ceil().max(0.0);
    if len.is_nan() || len > (isize::MAX as usize / std::mem::size_of::<T>().max(1)) as f64 {
        return Err(Error::Value(format!("arange({start}, {stop}, {step}): maximum allowed size exceeded")));
    }
    let n = len as usize; // finite, >= 0 and below isize::MAX / itemsize (checked above)
    let shape = [n];
    let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex {
        f: move |i: &[usize]| T::from_f64(a + i[0] as f64 * s),
        key: format!("arange({a},{s})"),
        _t: PhantomData,
    };
    Ok(ChunkedArray::from_node(source_node::<T>("arange", shape.to_vec(), chunks, op)))
}

/// `num` evenly spaced values from `start` to `stop` inclusive (NumPy's `linspace`).
pub fn linspace<T: Float>(start: T, stop: T, num: usize, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    let (a, b) = (start.to_f64(), stop.to_f64());
    let step = if num > 1 { (b - a) / (num - 1) as f64 } else { 0.0 };
    let shape = [num];
    let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex {
        f: move |i: &[usize]| {
            if num > 1 && i[0] == num - 1 {
                T::from_f64(b)
            } else {
                T::from_f64(a + i[0] as f64 * step)
            }
        },
        key: format!("linspace({a},{b},{num})"),
        _t: PhantomData,
    };
    Ok(ChunkedArray::from_node(source_node::<T>("linspace", shape.to_vec(), chunks, op)))
}

/// The `n × n` identity matrix.
pub fn eye<T: Element>(n: usize, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<T>> {
    let shape = [n, n];
    let chunks = normalize(chunks, &shape, std::mem::size_of::<T>())?;
    let op = FromIndex {
        f: |i: &[usize]| if i[0] == i[1] { T::one() } else { T::zero() },
        key: "eye".into(),
        _t: PhantomData,
    };
    Ok(ChunkedArray::from_node(source_node::<T>("eye", shape.to_vec(), chunks, op)))
}
