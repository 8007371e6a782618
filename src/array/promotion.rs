//! Binary ufuncs over two element types, with NumPy's type promotion: the free functions
//! `ndchunk::add(&a, &b)`, `ndchunk::maximum(..)`, `ndchunk::arctan2(..)`, ... and
//! [`result_type`].
//!
//! NumPy computes `int32 + float64` in `float64`, `int32 + int64` in `int64`, `uint8 + int8` in
//! `int16`, `float32 + int64` in `float64` and `uint64 + int64` in `float64`; `bool` promotes to
//! the other type. [`Promote`] is that table for the thirteen element types (complex included) (generated from
//! `numpy.result_type`), so the result type of every function here is known at compile time.
//! Both operands are converted to the promoted type inside the fused elementwise node (no
//! intermediate block); an operand already of that type is used as it is.
//!
//! Functions of real analysis (`arctan2`, `hypot`, `logaddexp`, ...) compute in the promoted
//! type's float type ([`ToFloat`]): `float32` for `float32`, `int16` and `uint16`, `float64` for
//! wider integers. NumPy gives `float16` for `bool`, `int8` and `uint8`; ndchunk has no
//! `float16` and uses `float32`, which holds those values exactly. `true_divide` of integers is
//! `float64`, as NumPy's `/`. Bitwise functions and shifts exist only where the promoted type is
//! an integer or `bool` (NumPy's `int64 & uint64` is a `TypeError`; here it does not compile).
//!
//! Either operand may be a scalar of its own type (`ndchunk::add(&a_i32, 2.5f64)` is `float64`;
//! typed scalars promote like arrays, as NumPy scalars do).
//!
//! ```
//! use ndchunk::prelude::*;
//! let a = ndchunk::arange::<i32>(0, 4, 1, [3]).unwrap();
//! let b = ndchunk::full::<f64>(&[4], 0.5, [2]).unwrap();
//! let c: ChunkedArray<f64> = ndchunk::add(&a, &b).unwrap();
//! assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[0.5, 1.5, 2.5, 3.5]);
//! let m = ndchunk::maximum(&a, 2u8).unwrap(); // int32 with uint8: int32
//! assert_eq!(m.compute().unwrap().as_slice().unwrap(), &[2, 2, 2, 3]);
//! assert_eq!(ndchunk::result_type(ndchunk::DType::U64, ndchunk::DType::I64), ndchunk::DType::F64);
//! ```

use std::any::Any;

use crate::array::creation::full;
use crate::array::elementwise::Operand;
pub use crate::array::inexact_binary::{Close, CloseIn, Power, TrueDivide};
use crate::array::{ChunkSpec, ChunkedArray};
use crate::element::{Arith, DType, Element, Float, Number, Ordered};
use crate::error::Result;
use ndchunk_kernels::ufunc::{truthy, Bitwise, Integer};

/// The type NumPy computes `A op B` in (`numpy.result_type(A, B)`).
pub trait Promote<B: Element>: Element {
    /// The promoted element type.
    type Output: Element;
}

/// The float type that functions of real analysis compute a type in.
pub trait ToFloat: Element {
    type F: Float;
}

macro_rules! to_float {
    ($($t:ty => $f:ty),*) => {$( impl ToFloat for $t { type F = $f; } )*};
}

to_float!(bool => f32, i8 => f32, u8 => f32, i16 => f32, u16 => f32, i32 => f64, u32 => f64, i64 => f64,
          u64 => f64, f32 => f32, f64 => f64);

macro_rules! promote_table {
    ($($a:ty => [$($out:ty),*];)*) => {
        $( promote_table!(@row $a; [bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, c64, c128]; [$($out),*]); )*
    };
    (@row $a:ty; [$($b:ty),*]; [$($out:ty),*]) => {
        $( impl Promote<$b> for $a { type Output = $out; } )*
    };
}

#[allow(non_camel_case_types)]
type c64 = num_complex::Complex<f32>;
#[allow(non_camel_case_types)]
type c128 = num_complex::Complex<f64>;

// numpy.result_type(row, column); columns: bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64,
// c64 (complex64), c128 (complex128)
promote_table! {
    bool => [bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, c64, c128];
    i8 => [i8, i8, i16, i32, i64, i16, i32, i64, f64, f32, f64, c64, c128];
    i16 => [i16, i16, i16, i32, i64, i16, i32, i64, f64, f32, f64, c64, c128];
    i32 => [i32, i32, i32, i32, i64, i32, i32, i64, f64, f64, f64, c128, c128];
    i64 => [i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64, c128, c128];
    u8 => [u8, i16, i16, i32, i64, u8, u16, u32, u64, f32, f64, c64, c128];
    u16 => [u16, i32, i32, i32, i64, u16, u16, u32, u64, f32, f64, c64, c128];
    u32 => [u32, i64, i64, i64, i64, u32, u32, u32, u64, f64, f64, c128, c128];
    u64 => [u64, f64, f64, f64, f64, u64, u64, u64, u64, f64, f64, c128, c128];
    f32 => [f32, f32, f32, f64, f64, f32, f32, f64, f64, f32, f64, c64, c128];
    f64 => [f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, c128, c128];
    c64 => [c64, c64, c64, c128, c128, c64, c64, c128, c128, c64, c128, c64, c128];
    c128 => [c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128];
}

/// The promoted type of two element types at run time (NumPy's `result_type` of two dtypes).
pub fn result_type(a: DType, b: DType) -> DType {
    crate::with_dtype!(a, A => crate::with_dtype!(b, B => <A as Promote<B>>::Output::DTYPE))
}

/// `x` as an array of `P`: itself when it already is one, else a fused conversion.
fn to_type<A: Element, P: Element>(x: &ChunkedArray<A>) -> ChunkedArray<P> {
    match (x as &dyn Any).downcast_ref::<ChunkedArray<P>>() {
        Some(same) => same.clone(),
        None => x.astype::<P>(),
    }
}

fn operand_to<A: Element, P: Element>(x: Operand<A>) -> Operand<P> {
    match x {
        Operand::Scalar(s) => Operand::Scalar(s.cast::<P>()),
        Operand::Array(a) => Operand::Array(to_type::<A, P>(&a)),
    }
}

/// Both operands in type `P`, the left one as an array (a 0-d array when both are scalars).
fn promote_pair<A: Element, B: Element, P: Element>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
) -> Result<(ChunkedArray<P>, Operand<P>)> {
    let lhs = match operand_to::<A, P>(a.into()) {
        Operand::Array(x) => x,
        Operand::Scalar(s) => full::<P>(&[], s, ChunkSpec::Uniform(vec![]))?,
    };
    Ok((lhs, operand_to::<B, P>(b.into())))
}

type P<A, B> = <A as Promote<B>>::Output;
type F<A, B> = <<A as Promote<B>>::Output as ToFloat>::F;
/// A quotient and a remainder in the promoted type.
type Pair<A, B> = (ChunkedArray<P<A, B>>, ChunkedArray<P<A, B>>);

macro_rules! promoted_fns {
    ($bound:ident: $($name:ident => $method:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Operands of two element types are promoted as NumPy (see the [module](self) docs).
        pub fn $name<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<P<A, B>>>
        where
            A: Promote<B>,
            B: Element,
            P<A, B>: $bound,
        {
            let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
            x.$method(y)
        }
    )*};
}

/// `f` of two operands in their promoted type `P`. Two arrays of different element types make
/// one node that converts each element as it reads it (NumPy's casting inner loop), instead of
/// an `astype` node feeding the operation: one pass over a tile instead of two (measured on
/// `int32 + float64`, 4M elements, one thread: see `kernel1t.add_i32_f64` in BENCHMARKS.md).
fn arith_in<A, B, P, F>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
    name: &'static str,
    f: F,
) -> Result<ChunkedArray<P>>
where
    A: Element,
    B: Element,
    P: Arith,
    F: Fn(P, P) -> P + Copy + Send + Sync + 'static,
{
    match (a.into(), b.into()) {
        (Operand::Array(x), Operand::Array(y)) if A::DTYPE != P::DTYPE || B::DTYPE != P::DTYPE => {
            let key = format!("{name}({}, {} -> {})", A::DTYPE, B::DTYPE, P::DTYPE);
            x.map_binary(&y, name, Some(key), move |u: A, v: B| f(u.cast::<P>(), v.cast::<P>()))
        }
        (a, b) => {
            let (x, y) = promote_pair::<A, B, P>(a, b)?;
            x.zip_operand(y, name, f)
        }
    }
}

macro_rules! arith_fns {
    ($($name:ident => $op:ident, $num:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Operands of two element types are promoted as NumPy (see the [module](self) docs).
        pub fn $name<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<P<A, B>>>
        where
            A: Promote<B>,
            B: Element,
            P<A, B>: Arith,
        {
            arith_in(a, b, stringify!($op), |u: P<A, B>, v: P<A, B>| u.$num(v))
        }
    )*};
}

arith_fns! {
    add => add, num_add, "`a + b` elementwise (NumPy's `add`).";
    subtract => sub, num_sub, "`a - b` elementwise (NumPy's `subtract`).";
    multiply => mul, num_mul, "`a * b` elementwise (NumPy's `multiply`).";
}

promoted_fns! { Number:
    floor_divide => floor_divide, "`a // b` elementwise (NumPy's `floor_divide`).";
    remainder => remainder, "`a % b` with the sign of `b` (NumPy's `remainder`/`mod`).";
    fmod => fmod, "C's remainder, with the sign of `a` (NumPy's `fmod`).";
}

promoted_fns! { Ordered:
    maximum => maximum, "Elementwise maximum, NaN-propagating (NumPy's `maximum`).";
    minimum => minimum, "Elementwise minimum, NaN-propagating (NumPy's `minimum`).";
    fmax => fmax, "Elementwise maximum ignoring NaN (NumPy's `fmax`).";
    fmin => fmin, "Elementwise minimum ignoring NaN (NumPy's `fmin`).";
}

/// `(a // b, a % b)` (NumPy's `divmod`).
pub fn divmod<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<Pair<A, B>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: Number,
{
    let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
    x.divmod(y)
}

/// `a / b` as true division (NumPy's `divide` and `true_divide`): integers give `float64`,
/// floats and complex their own type ([`TrueDivide`]).
pub fn divide<A, B>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
) -> Result<ChunkedArray<<P<A, B> as TrueDivide>::Quotient>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: TrueDivide,
{
    let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
    P::<A, B>::true_divide_arrays(&x, y)
}

/// `a ** b` (NumPy's `power`; complex as NumPy's `nc_pow`, see [`Power`]).
///
/// Operands of two element types are promoted as NumPy (see the [module](self) docs).
pub fn power<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<P<A, B>>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: Power,
{
    let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
    P::<A, B>::power_arrays(&x, y)
}

/// Same as [`divide`].
pub fn true_divide<A, B>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
) -> Result<ChunkedArray<<P<A, B> as TrueDivide>::Quotient>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: TrueDivide,
{
    divide(a, b)
}

/// `a ** b` in `float64` (NumPy's `float_power`).
pub fn float_power<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<f64>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: Number,
{
    let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
    x.float_power(y)
}

macro_rules! float_fns {
    ($($name:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Computed in the float type of the promoted type (see the [module](self) docs).
        pub fn $name<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<F<A, B>>>
        where
            A: Promote<B>,
            B: Element,
            P<A, B>: ToFloat,
        {
            let (x, y) = promote_pair::<A, B, F<A, B>>(a, b)?;
            x.$name(y)
        }
    )*};
}

float_fns! {
    arctan2, "`atan2(a, b)`, quadrant-aware (NumPy's `arctan2`).";
    hypot, "`sqrt(a² + b²)` without intermediate overflow (NumPy's `hypot`).";
    copysign, "The magnitude of `a` with the sign of `b` (NumPy's `copysign`).";
    nextafter, "The next float after `a` towards `b` (NumPy's `nextafter`).";
    logaddexp, "`ln(e^a + e^b)` (NumPy's `logaddexp`).";
    logaddexp2, "`log2(2^a + 2^b)` (NumPy's `logaddexp2`).";
}

/// `a * 2^e` (NumPy's `ldexp`): `a` a float array, `e` integers of any width.
pub fn ldexp<T: Float, I: Integer>(a: &ChunkedArray<T>, e: impl Into<Operand<I>>) -> Result<ChunkedArray<T>> {
    a.ldexp(e)
}

/// Whether `|a - b| <= atol + rtol * |b|` elementwise (NumPy's `isclose`), in the float type
/// of the promoted type, or the complex type ([`CloseIn`]; `|·|` the modulus).
pub fn isclose<A, B>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
) -> Result<ChunkedArray<bool>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: CloseIn,
{
    let (x, y) = promote_pair::<A, B, <P<A, B> as CloseIn>::In>(a, b)?;
    <P<A, B> as CloseIn>::In::isclose_arrays(&x, y, rtol, atol, equal_nan)
}

/// Whether every element is close, as a lazy 0-d `bool` array (dask's `allclose`).
pub fn allclose<A, B>(
    a: impl Into<Operand<A>>,
    b: impl Into<Operand<B>>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
) -> Result<ChunkedArray<bool>>
where
    A: Promote<B>,
    B: Element,
    P<A, B>: CloseIn,
{
    isclose(a, b, rtol, atol, equal_nan)?.all(None)
}

macro_rules! comparison_fns {
    ($bound:path: $($name:ident => $method:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Compared in the promoted type (`int64` against `uint64` in `float64`, as NumPy).
        pub fn $name<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<bool>>
        where
            A: Promote<B>,
            B: Element,
            P<A, B>: $bound,
        {
            let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
            x.$method(y)
        }
    )*};
}

comparison_fns! { crate::array::elementwise::Ordered:
    greater => gt, "`a > b` elementwise (NumPy's `greater`).";
    greater_equal => ge, "`a >= b` elementwise (NumPy's `greater_equal`).";
    less => lt, "`a < b` elementwise (NumPy's `less`).";
    less_equal => le, "`a <= b` elementwise (NumPy's `less_equal`).";
}

comparison_fns! { Element:
    equal => eq, "`a == b` elementwise (NumPy's `equal`).";
    not_equal => ne, "`a != b` elementwise (NumPy's `not_equal`).";
}

macro_rules! logical_fns {
    ($($name:ident, $op:expr, $doc:literal;)*) => {$(
        #[doc = $doc]
        pub fn $name<A: Element, B: Element>(a: &ChunkedArray<A>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<bool>> {
            let f = $op;
            match b.into() {
                Operand::Scalar(s) => {
                    let t = truthy(s);
                    Ok(a.map_unary(stringify!($name), Some(format!(concat!(stringify!($name), "({})"), t)), move |x: A| f(truthy(x), t)))
                }
                Operand::Array(b) => a.map_binary(&b, stringify!($name), Some(stringify!($name).into()), move |x: A, y: B| f(truthy(x), truthy(y))),
            }
        }
    )*};
}

logical_fns! {
    logical_and, |x: bool, y: bool| x && y, "`bool(a) and bool(b)` elementwise, for any two element types.";
    logical_or, |x: bool, y: bool| x || y, "`bool(a) or bool(b)` elementwise.";
    logical_xor, |x: bool, y: bool| x != y, "`bool(a) != bool(b)` elementwise.";
}

/// `not bool(a)` elementwise (NumPy's `logical_not`).
pub fn logical_not<A: Element>(a: &ChunkedArray<A>) -> ChunkedArray<bool> {
    a.logical_not()
}

macro_rules! bit_fns {
    ($bound:ident: $($name:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        pub fn $name<A, B>(a: impl Into<Operand<A>>, b: impl Into<Operand<B>>) -> Result<ChunkedArray<P<A, B>>>
        where
            A: Promote<B>,
            B: Element,
            P<A, B>: $bound,
        {
            let (x, y) = promote_pair::<A, B, P<A, B>>(a, b)?;
            x.$name(y)
        }
    )*};
}

bit_fns! { Bitwise:
    bitwise_and, "`a & b` elementwise (NumPy's `bitwise_and`), promoted as NumPy.";
    bitwise_or, "`a | b` elementwise (NumPy's `bitwise_or`).";
    bitwise_xor, "`a ^ b` elementwise (NumPy's `bitwise_xor`).";
}

bit_fns! { Integer:
    left_shift, "`a << b` elementwise (NumPy's `left_shift`).";
    right_shift, "`a >> b` elementwise (NumPy's `right_shift`).";
}

/// `!a` / `~a` (NumPy's `invert` and `bitwise_not`).
pub fn invert<T: Bitwise>(a: &ChunkedArray<T>) -> ChunkedArray<T> {
    a.invert()
}
