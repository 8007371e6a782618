//! Blocks as bytes: what crosses between ranks.
//!
//! An array block is a header — dtype code (one byte), number of axes (`u32`), the axis
//! lengths (`u64` each) — followed by its elements in C order, little-endian. An intermediate
//! value `Value<ArrayD<V>>` (a reduction's accumulators, a histogram's counts) is the same
//! header without the dtype, then each `V` through [`Wire`]. Which decoder a receiver uses is
//! not in the bytes: every rank has the same plan, so the receiver knows the task, hence the
//! node and its [`Codec`].
//!
//! Values whose op has no codec (selection states, top-k parts, gufunc outputs, delayed
//! objects, multi-consumer streams) never cross: the planner runs such a task on every rank
//! that consumes it (see the module docs of [`crate::distributed`]).

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk_kernels::accumulators::{All, Any as AnyAcc, ArgExtreme, Extreme, Moments, NanSum, Prod, Sum, SumCount};

use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::graph::{Block, Value};

/// Reads what [`Wire::put`] wrote.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(Error::Value("distributed: truncated block message".into()));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| Error::Value("distributed: length does not fit usize".into()))
    }
    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// A plain value's byte encoding (little-endian, fixed size per type).
pub trait Wire: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn get(r: &mut Reader<'_>) -> Result<Self>;
    /// `put` of every element of `xs`, in order (numbers: one resize and a copy loop the
    /// compiler turns into a plain memory copy on little-endian machines).
    fn put_all(xs: &[Self], out: &mut Vec<u8>) {
        for x in xs {
            x.put(out);
        }
    }
    /// `n` values from `r`, as `get` `n` times.
    fn get_all(r: &mut Reader<'_>, n: usize) -> Result<Vec<Self>> {
        (0..n).map(|_| Self::get(r)).collect()
    }
    /// `out.len()` values from `r` into `out`, as `get` for each.
    fn get_into(r: &mut Reader<'_>, out: &mut [Self]) -> Result<()> {
        for x in out {
            *x = Self::get(r)?;
        }
        Ok(())
    }
}

macro_rules! wire_num {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Result<Self> {
                Ok(<$t>::from_le_bytes(r.array()?))
            }
            fn put_all(xs: &[Self], out: &mut Vec<u8>) {
                const W: usize = std::mem::size_of::<$t>();
                let start = out.len();
                out.resize(start + xs.len() * W, 0);
                for (d, x) in out[start..].chunks_exact_mut(W).zip(xs) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
            }
            fn get_into(r: &mut Reader<'_>, out: &mut [Self]) -> Result<()> {
                const W: usize = std::mem::size_of::<$t>();
                let len = out.len().checked_mul(W).ok_or_else(|| Error::Value("distributed: block too large".into()))?;
                for (d, c) in out.iter_mut().zip(r.take(len)?.chunks_exact(W)) {
                    let mut a = [0u8; W];
                    a.copy_from_slice(c);
                    *d = <$t>::from_le_bytes(a);
                }
                Ok(())
            }
            fn get_all(r: &mut Reader<'_>, n: usize) -> Result<Vec<Self>> {
                const W: usize = std::mem::size_of::<$t>();
                let len = n.checked_mul(W).ok_or_else(|| Error::Value("distributed: block too large".into()))?;
                let bytes = r.take(len)?;
                Ok(bytes
                    .chunks_exact(W)
                    .map(|c| {
                        let mut a = [0u8; W];
                        a.copy_from_slice(c);
                        <$t>::from_le_bytes(a)
                    })
                    .collect())
            }
        }
    )*};
}
wire_num!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Wire for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(r.u8()? != 0)
    }
}

/// Complex elements: the real part, then the imaginary part.
impl<F: Wire> Wire for num_complex::Complex<F> {
    fn put(&self, out: &mut Vec<u8>) {
        self.re.put(out);
        self.im.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(num_complex::Complex { re: F::get(r)?, im: F::get(r)? })
    }
}

impl<const N: bool> Wire for ndchunk_kernels::accumulators::ComplexSumCount<N> {
    fn put(&self, out: &mut Vec<u8>) {
        self.sum.put(out);
        self.n.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ndchunk_kernels::accumulators::ComplexSumCount { sum: Wire::get(r)?, n: u64::get(r)? })
    }
}

impl<const N: bool> Wire for ndchunk_kernels::accumulators::ComplexMoments<N> {
    fn put(&self, out: &mut Vec<u8>) {
        self.re.put(out);
        self.im.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ndchunk_kernels::accumulators::ComplexMoments { re: Wire::get(r)?, im: Wire::get(r)? })
    }
}

impl Wire for usize {
    fn put(&self, out: &mut Vec<u8>) {
        (*self as u64).put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        r.usize()
    }
}

/// One element of a generic `T: Element`, through its concrete type.
fn put_elem<T: Element>(v: &T, out: &mut Vec<u8>) {
    let v = v as &dyn Any;
    crate::with_dtype!(T::DTYPE, U => v.downcast_ref::<U>().expect("T::DTYPE names T").put(out))
}

fn get_elem<T: Element>(r: &mut Reader<'_>) -> Result<T> {
    crate::with_dtype!(T::DTYPE, U => {
        let u: Box<dyn Any> = Box::new(U::get(r)?);
        Ok(*u.downcast::<T>().expect("T::DTYPE names T"))
    })
}

impl<A: Element> Wire for Sum<A> {
    fn put(&self, out: &mut Vec<u8>) {
        put_elem(&self.0, out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        get_elem(r).map(Sum)
    }
}

impl<A: Element> Wire for NanSum<A> {
    fn put(&self, out: &mut Vec<u8>) {
        put_elem(&self.0, out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        get_elem(r).map(NanSum)
    }
}

impl<A: Element, const N: bool> Wire for Prod<A, N> {
    fn put(&self, out: &mut Vec<u8>) {
        put_elem(&self.0, out);
        self.1.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Prod(get_elem(r)?, bool::get(r)?))
    }
}

impl<const N: bool> Wire for SumCount<N> {
    fn put(&self, out: &mut Vec<u8>) {
        self.sum.put(out);
        self.n.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SumCount { sum: f64::get(r)?, n: u64::get(r)? })
    }
}

impl<const N: bool> Wire for Moments<N> {
    fn put(&self, out: &mut Vec<u8>) {
        for v in [self.n, self.shift, self.mean, self.m2] {
            v.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Moments { n: f64::get(r)?, shift: f64::get(r)?, mean: f64::get(r)?, m2: f64::get(r)? })
    }
}

/// The position `i` travels only for complex types (real types leave it 0): a real min/max
/// partial stays as small as before.
impl<T: Element, const M: bool, const N: bool> Wire for Extreme<T, M, N> {
    fn put(&self, out: &mut Vec<u8>) {
        put_elem(&self.v, out);
        self.seen.put(out);
        if T::DTYPE.is_complex() {
            self.i.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        let (v, seen) = (get_elem(r)?, bool::get(r)?);
        let i = if T::DTYPE.is_complex() { usize::get(r)? } else { 0 };
        Ok(Extreme { v, seen, i })
    }
}

impl<T: Element, const M: bool, const N: bool> Wire for ArgExtreme<T, M, N> {
    fn put(&self, out: &mut Vec<u8>) {
        put_elem(&self.v, out);
        self.i.put(out);
        self.seen.put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ArgExtreme { v: get_elem(r)?, i: usize::get(r)?, seen: bool::get(r)? })
    }
}

impl Wire for AnyAcc {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        bool::get(r).map(AnyAcc)
    }
}

impl Wire for All {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self> {
        bool::get(r).map(All)
    }
}

/// Encodes and decodes the blocks of one node.
pub trait Codec: Send + Sync {
    fn encode(&self, b: &Block, out: &mut Vec<u8>) -> Result<()>;
    fn decode(&self, r: &mut Reader<'_>) -> Result<Block>;
}

fn put_shape(shape: &[usize], out: &mut Vec<u8>) {
    (shape.len() as u32).put(out);
    for &l in shape {
        l.put(out);
    }
}

fn get_shape(r: &mut Reader<'_>) -> Result<(Vec<usize>, usize)> {
    let nd = r.u32()? as usize;
    if nd > 64 {
        return Err(Error::Value(format!("distributed: block message with {nd} axes")));
    }
    let shape: Vec<usize> = (0..nd).map(|_| r.usize()).collect::<Result<_>>()?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &l| a.checked_mul(l))
        .ok_or_else(|| Error::Value("distributed: block message shape overflows".into()))?;
    Ok((shape, n))
}

/// The codec of `Value<ArrayD<V>>` blocks.
pub struct ValueCodec<V>(PhantomData<fn() -> V>);

impl<V> ValueCodec<V> {
    pub fn boxed() -> Box<dyn Codec>
    where
        V: Wire + Send + Sync + 'static,
    {
        Box::new(ValueCodec::<V>(PhantomData))
    }
}

impl<V: Wire + Send + Sync + 'static> Codec for ValueCodec<V> {
    fn encode(&self, b: &Block, out: &mut Vec<u8>) -> Result<()> {
        let v = crate::graph::as_value::<ArrayD<V>>(b)?;
        put_shape(v.shape(), out);
        for x in v.iter() {
            x.put(out);
        }
        Ok(())
    }
    fn decode(&self, r: &mut Reader<'_>) -> Result<Block> {
        let (shape, n) = get_shape(r)?;
        // every element takes at least one byte: a bad length cannot make us allocate much
        if n > r.buf.len() {
            return Err(Error::Value("distributed: truncated value message".into()));
        }
        let vals: Vec<V> = (0..n).map(|_| V::get(r)).collect::<Result<_>>()?;
        let a = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(Value(a)))
    }
}

/// The codec of `Value<ArrayD<T>>` blocks of an element type (a histogram's counts).
pub struct ElemValueCodec<T>(PhantomData<fn() -> T>);

impl<T: Element> ElemValueCodec<T> {
    pub fn boxed() -> Box<dyn Codec> {
        Box::new(ElemValueCodec::<T>(PhantomData))
    }
}

impl<T: Element> Codec for ElemValueCodec<T> {
    fn encode(&self, b: &Block, out: &mut Vec<u8>) -> Result<()> {
        let v = crate::graph::as_value::<ArrayD<T>>(b)?;
        put_shape(v.shape(), out);
        for x in v.iter() {
            put_elem(x, out);
        }
        Ok(())
    }
    fn decode(&self, r: &mut Reader<'_>) -> Result<Block> {
        let (shape, n) = get_shape(r)?;
        if n > r.buf.len() {
            return Err(Error::Value("distributed: truncated value message".into()));
        }
        let vals: Vec<T> = (0..n).map(|_| get_elem(r)).collect::<Result<_>>()?;
        let a = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(Value(a)))
    }
}

/// The codec of `Value<ArrayD<Array2<T>>>` blocks: the matrices a factorization task makes
/// (Q and R of a block, ...). Each matrix keeps its memory order (C or Fortran), which the
/// linear-algebra ops hand to faer as is.
pub struct MatsCodec<T>(PhantomData<fn() -> T>);

impl<T: Element> MatsCodec<T> {
    pub fn boxed() -> Box<dyn Codec> {
        Box::new(MatsCodec::<T>(PhantomData))
    }
}

impl<T: Element> Codec for MatsCodec<T> {
    fn encode(&self, b: &Block, out: &mut Vec<u8>) -> Result<()> {
        let v = crate::graph::as_value::<ArrayD<ndarray::Array2<T>>>(b)?;
        put_shape(v.shape(), out);
        for m in v.iter() {
            let fortran = !m.is_standard_layout() && m.t().is_standard_layout();
            fortran.put(out);
            m.nrows().put(out);
            m.ncols().put(out);
            let it: Box<dyn Iterator<Item = &T>> =
                if fortran { Box::new(m.t().into_iter()) } else { Box::new(m.iter()) };
            for x in it {
                put_elem(x, out);
            }
        }
        Ok(())
    }
    fn decode(&self, r: &mut Reader<'_>) -> Result<Block> {
        use ndarray::ShapeBuilder;
        let (shape, n) = get_shape(r)?;
        if n > r.buf.len() {
            return Err(Error::Value("distributed: truncated matrices message".into()));
        }
        let mut mats = Vec::with_capacity(n);
        for _ in 0..n {
            let fortran = bool::get(r)?;
            let (rows, cols) = (r.usize()?, r.usize()?);
            let len = rows
                .checked_mul(cols)
                .filter(|&l| l <= r.buf.len())
                .ok_or_else(|| Error::Value("distributed: truncated matrices message".into()))?;
            let vals: Vec<T> = (0..len).map(|_| get_elem(r)).collect::<Result<_>>()?;
            let m = if fortran {
                ndarray::Array2::from_shape_vec((rows, cols).f(), vals)
            } else {
                ndarray::Array2::from_shape_vec((rows, cols), vals)
            }
            .map_err(|e| Error::Shape(e.to_string()))?;
            mats.push(m);
        }
        let a = ArrayD::from_shape_vec(IxDyn(&shape), mats).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(Value(a)))
    }
}

fn dtype_code(d: DType) -> u8 {
    d as u8
}

/// The codec of array blocks of `dtype`.
pub struct ArrayCodec(pub DType);

impl Codec for ArrayCodec {
    fn encode(&self, b: &Block, out: &mut Vec<u8>) -> Result<()> {
        crate::with_dtype!(self.0, T => {
            let a = crate::graph::as_array::<T>(b)?;
            out.push(dtype_code(self.0));
            put_shape(a.shape(), out);
            out.reserve(a.len() * std::mem::size_of::<T>());
            match a.as_slice() {
                Some(xs) => T::put_all(xs, out),
                None => a.iter().for_each(|x| x.put(out)),
            }
            Ok(())
        })
    }
    fn decode(&self, r: &mut Reader<'_>) -> Result<Block> {
        let code = r.u8()?;
        if code != dtype_code(self.0) {
            return Err(Error::DType(format!(
                "distributed: block message of dtype code {code}, expected {}",
                self.0.name()
            )));
        }
        let (shape, n) = get_shape(r)?;
        crate::with_dtype!(self.0, T => {
            let size = std::mem::size_of::<T>();
            let bytes = r.take(n.checked_mul(size).ok_or_else(|| Error::Value("distributed: block too large".into()))?)?;
            let vals: Vec<T> = T::get_all(&mut Reader::new(bytes), n)?;
            let a = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
            Ok(Arc::new(a.into_shared()) as Block)
        })
    }
}

impl ArrayCodec {
    /// Decode an array block straight into `window` (a result's window of the block's shape
    /// and dtype): no block of its own is allocated.
    pub(crate) fn decode_into(&self, r: &mut Reader<'_>, window: &mut crate::graph::OutWindow) -> Result<()> {
        let code = r.u8()?;
        if code != dtype_code(self.0) {
            return Err(Error::DType(format!(
                "distributed: block message of dtype code {code}, expected {}",
                self.0.name()
            )));
        }
        let (shape, _) = get_shape(r)?;
        if shape != window.shape() {
            return Err(Error::Shape(format!(
                "distributed: a block of shape {shape:?} arrived for a window of shape {:?}",
                window.shape()
            )));
        }
        crate::with_dtype!(self.0, T => {
            let mut v = window
                .view_mut::<T>()
                .ok_or_else(|| Error::DType(format!("internal: a result window not of {}", self.0.name())))?;
            if v.ndim() == 0 {
                return T::get_into(r, std::slice::from_mut(&mut v[[]]));
            }
            // C order: the rows of the last axis one after the other
            let last = ndarray::Axis(v.ndim() - 1);
            for mut row in v.lanes_mut(last) {
                match row.as_slice_mut() {
                    Some(xs) => T::get_into(r, xs)?,
                    None => {
                        for x in row.iter_mut() {
                            *x = T::get(r)?;
                        }
                    }
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_into_a_window_fills_it() {
        // a 5 x 7 result; the block of rows 1..4 and columns 2..6 (strided rows in the result)
        let a = ndarray::ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 10 + i[1]) as i16 - 7);
        let b: Block = Arc::new(a.clone().into_shared());
        let mut buf = Vec::new();
        ArrayCodec(DType::I16).encode(&b, &mut buf).unwrap();
        let mut out = ndarray::ArrayD::<i16>::zeros(IxDyn(&[5, 7]));
        {
            let view = out.slice_mut(ndarray::s![1..4, 2..6]).into_dyn();
            // SAFETY: `out` is not touched while the window lives (dropped at the end of this block)
            let mut w = unsafe { crate::graph::OutWindow::new(view) };
            ArrayCodec(DType::I16).decode_into(&mut Reader::new(&buf), &mut w).unwrap();
            // wrong dtype, wrong shape, truncated: errors
            assert!(ArrayCodec(DType::F64).decode_into(&mut Reader::new(&buf), &mut w).is_err());
            assert!(ArrayCodec(DType::I16).decode_into(&mut Reader::new(&buf[..buf.len() - 1]), &mut w).is_err());
        }
        assert_eq!(out.slice(ndarray::s![1..4, 2..6]), a.view().into_dimensionality::<ndarray::Ix2>().unwrap());
        assert_eq!(out.iter().filter(|&&x| x != 0).count() + a.iter().filter(|&&x| x == 0).count(), 12);
        let small = ndarray::ArrayD::<i16>::zeros(IxDyn(&[2, 4]));
        let mut s2 = small.clone();
        let mut w = unsafe { crate::graph::OutWindow::new(s2.view_mut()) };
        assert!(ArrayCodec(DType::I16).decode_into(&mut Reader::new(&buf), &mut w).is_err());
        drop(w);
        // 0-d
        let z: Block = Arc::new(ndarray::arr0(2.5f64).into_dyn().into_shared());
        let mut buf = Vec::new();
        ArrayCodec(DType::F64).encode(&z, &mut buf).unwrap();
        let mut out = ndarray::arr0(0.0f64).into_dyn();
        let mut w = unsafe { crate::graph::OutWindow::new(out.view_mut()) };
        ArrayCodec(DType::F64).decode_into(&mut Reader::new(&buf), &mut w).unwrap();
        drop(w);
        assert_eq!(out[[]], 2.5);
    }

    #[test]
    fn array_and_value_round_trip() {
        let a = ndarray::ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.5f32, -0.0, f32::NAN, 4.0, 5.0, 6.0]).unwrap();
        let b: Block = Arc::new(a.t().to_owned().into_shared());
        let mut buf = Vec::new();
        ArrayCodec(DType::F32).encode(&b, &mut buf).unwrap();
        let back = ArrayCodec(DType::F32).decode(&mut Reader::new(&buf)).unwrap();
        let back = crate::graph::as_array::<f32>(&back).unwrap();
        assert_eq!(back.shape(), &[3, 2]);
        assert_eq!(back[[1, 0]].to_bits(), (-0.0f32).to_bits());
        assert!(back[[2, 0]].is_nan());
        assert_eq!(back[[0, 1]], 4.0);
        let m = ArrayD::from_elem(IxDyn(&[2]), Moments::<true> { n: 3.0, shift: 1.0, mean: 0.5, m2: 2.0 });
        let v: Block = Arc::new(Value(m));
        let mut buf = Vec::new();
        ValueCodec::<Moments<true>>::boxed().encode(&v, &mut buf).unwrap();
        let back = ValueCodec::<Moments<true>>::boxed().decode(&mut Reader::new(&buf)).unwrap();
        let back = crate::graph::as_value::<ArrayD<Moments<true>>>(&back).unwrap();
        assert_eq!((back[[1]].n, back[[1]].m2), (3.0, 2.0));
        assert!(ArrayCodec(DType::F64).decode(&mut Reader::new(&buf[..3])).is_err());
    }

    /// Contiguous blocks take the bulk path (`put_all` / `get_all`), strided ones the
    /// per-element one: both give the same bytes and the same values back, for every kind of
    /// element, and a cut message is an error.
    #[test]
    fn bulk_and_strided_encodings_agree() {
        fn check<T: Element + Wire + PartialEq + std::fmt::Debug>(dt: DType, vals: Vec<T>) {
            let a = ArrayD::from_shape_vec(IxDyn(&[2, vals.len() / 2]), vals).unwrap();
            let contiguous: Block = Arc::new(a.t().as_standard_layout().into_owned().into_shared());
            let strided: Block = Arc::new(a.clone().reversed_axes().into_shared());
            let (mut x, mut y) = (Vec::new(), Vec::new());
            ArrayCodec(dt).encode(&contiguous, &mut x).unwrap();
            ArrayCodec(dt).encode(&strided, &mut y).unwrap();
            assert_eq!(x, y);
            let back = ArrayCodec(dt).decode(&mut Reader::new(&x)).unwrap();
            assert_eq!(crate::graph::as_array::<T>(&back).unwrap(), &a.t());
            assert!(ArrayCodec(dt).decode(&mut Reader::new(&x[..x.len() - 1])).is_err());
        }
        check(DType::F64, vec![1.0, -0.0, f64::INFINITY, 4.0, 5.5, -6.0]);
        check(DType::I16, vec![i16::MIN, -1, 0, 1, 300, i16::MAX]);
        check(DType::U64, vec![u64::MAX, 0, 1, 2, 3, 1 << 40]);
        check(DType::Bool, vec![true, false, false, true]);
        check(DType::C64, vec![num_complex::Complex::new(1.0f32, -2.0), num_complex::Complex::new(0.5, 3.0)]);
    }

    #[test]
    fn matrices_keep_their_memory_order() {
        use ndarray::ShapeBuilder;
        let f = ndarray::Array2::from_shape_vec((2, 3).f(), vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let c = ndarray::Array2::from_shape_vec((1, 2), vec![7.0f64, 8.0]).unwrap();
        let v: Block = Arc::new(Value(ArrayD::from_shape_vec(IxDyn(&[2]), vec![f.clone(), c.clone()]).unwrap()));
        let mut buf = Vec::new();
        MatsCodec::<f64>::boxed().encode(&v, &mut buf).unwrap();
        let back = MatsCodec::<f64>::boxed().decode(&mut Reader::new(&buf)).unwrap();
        let back = crate::graph::as_value::<ArrayD<ndarray::Array2<f64>>>(&back).unwrap();
        assert_eq!((&back[[0]], &back[[1]]), (&f, &c));
        assert!(back[[0]].t().is_standard_layout() && back[[1]].is_standard_layout());
        assert!(MatsCodec::<f64>::boxed().decode(&mut Reader::new(&buf[..buf.len() - 1])).is_err());
    }
}
