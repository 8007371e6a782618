//! Element types: the scalar types a block may hold, and the arithmetic NumPy gives them.
//!
//! `Element` is implemented for `bool`, the fixed-width integers, `f32`/`f64` and
//! `Complex<f32>`/`Complex<f64>` (NumPy's `complex64`/`complex128`, see [`crate::complex`]). It carries
//! the NumPy type name, lossless conversion through [`Scalar`] (used by `astype`), and the
//! accumulation types NumPy's reductions use: integer sums in `i64`/`u64`, means and
//! variances in floating point.
//!
//! [`Arith`] is the arithmetic every numeric type has, complex included (`+ - * /`, negation,
//! magnitude), with NumPy's semantics rather than Rust's: integer overflow wraps and integer
//! division or remainder by zero gives 0 (NumPy warns and does the same), so a task never
//! panics on data values. [`Number`] adds what needs an order (`%`, min/max identities, `abs`
//! in the type itself): every type but `bool` and the complex types.
//!
//! `Element` does not require `PartialOrd` (`num_complex::Complex` has none): code that
//! compares elements asks for [`Ordered`] (NumPy's order, complex lexicographically, see
//! [`crate::order`]) or for `Number` (real types, which are also `PartialOrd`).

use std::fmt::{Debug, Display};

pub use crate::order::Ordered;

/// The element type of an array, by NumPy name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    /// `complex64`: `Complex<f32>`.
    C64,
    /// `complex128`: `Complex<f64>`.
    C128,
}

impl DType {
    /// NumPy's name for the type (`"float64"`, `"int32"`, `"bool"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
        }
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// Whether the type is real floating point.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Whether the type is complex.
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C64 | DType::C128)
    }
}

impl Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A value of any element type, wide enough to hold each exactly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// Real and imaginary parts.
    Complex(f64, f64),
}

impl Scalar {
    /// The value as a real number: `Bool` as 0/1, a complex value's real part (NumPy's
    /// complex-to-real `astype` drops the imaginary part).
    #[inline]
    pub fn real(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(v) => v as f64,
            Scalar::UInt(v) => v as f64,
            Scalar::Float(v) => v,
            Scalar::Complex(re, _) => re,
        }
    }
}

/// A type that can be an element of a `ChunkedArray`.
pub trait Element: Copy + Send + Sync + Debug + Display + PartialEq + Default + 'static {
    /// The NumPy dtype.
    const DTYPE: DType;
    /// Accumulator for sums and products (`i64` for signed integers and bool, `u64` for
    /// unsigned, `f64` for floats, `Complex<f64>` for complex).
    type Acc: Arith;
    /// Result type of `sum`/`prod`/`cumsum` (NumPy: int64/uint64 for integers, the float or
    /// complex type itself for floats and complex).
    type SumOut: Arith;
    /// Result type of `var`/`std` (NumPy: float64, or float32 for float32 and complex64 input);
    /// also `mean` of real types.
    type Real: Float;
    /// Result type of `mean` (`Real` for real types, the complex type itself for complex).
    type Mean: Arith;

    fn to_scalar(self) -> Scalar;
    /// Conversion with the semantics of Rust's `as` (NumPy's `astype` for in-range values;
    /// out-of-range floats saturate, NaN becomes 0; complex to real keeps the real part).
    fn from_scalar(s: Scalar) -> Self;
    /// The value (for complex: the real part) as `f64`.
    fn to_f64(self) -> f64;
    /// The imaginary part as `f64` (0 for real types).
    #[inline]
    fn imag_f64(self) -> f64 {
        0.0
    }
    fn from_f64(v: f64) -> Self;
    fn to_acc(self) -> Self::Acc;
    fn is_nan(self) -> bool {
        false
    }
    fn is_finite(self) -> bool {
        true
    }
    fn zero() -> Self;
    fn one() -> Self;

    /// Convert to another element type (`astype`).
    #[inline]
    fn cast<U: Element>(self) -> U {
        U::from_scalar(self.to_scalar())
    }
}

/// Elements with `+ - * /` and negation: every type but `bool` (the [`Number`]s and the
/// complex types).
pub trait Arith: Element {
    /// `|x|`'s type: `Self` for real types, the real float type for complex.
    type Magnitude: Element;
    fn num_add(self, o: Self) -> Self;
    fn num_sub(self, o: Self) -> Self;
    fn num_mul(self, o: Self) -> Self;
    /// True division for floats and complex; for integers, floor division with x / 0 == 0.
    fn num_div(self, o: Self) -> Self;
    fn num_neg(self) -> Self;
    /// Absolute value (complex: the modulus, `hypot(re, im)`).
    fn magnitude(self) -> Self::Magnitude;
    /// Conversion from the accumulator type back to the sum output type.
    fn from_acc<A: Arith>(a: A) -> Self {
        a.cast()
    }
}

/// Real elements with arithmetic and an order (every type but `bool` and complex).
pub trait Number: Arith<Magnitude = Self> + PartialOrd + Ordered + crate::ufunc::NumberUfuncs {
    /// Smallest and largest finite value (identities of max and min).
    const MIN: Self;
    const MAX: Self;
    /// Remainder with the sign of the divisor (NumPy's `%`), x % 0 == 0.
    fn num_rem(self, o: Self) -> Self;
    fn num_abs(self) -> Self;
}

/// Floating-point elements.
pub trait Float:
    Number
    + Element<Real = Self, Mean = Self>
    + crate::complex::Inexact<Part = Self>
    + num_traits::Float
    + crate::ufunc::FloatUfuncs
{
    /// Round half to even, as NumPy's `round`.
    fn round_even(self) -> Self;
}

macro_rules! impl_int {
    ($t:ty, $dt:ident, $acc:ty, $variant:ident, $wide:ty) => {
        impl Element for $t {
            const DTYPE: DType = DType::$dt;
            type Acc = $acc;
            type SumOut = $acc;
            type Real = f64;
            type Mean = f64;
            #[inline]
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self as $wide)
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::Bool(b) => b as $t,
                    Scalar::Int(v) => v as $t,
                    Scalar::UInt(v) => v as $t,
                    Scalar::Float(v) | Scalar::Complex(v, _) => v as $t,
                }
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_acc(self) -> $acc {
                self as $acc
            }
            #[inline]
            fn zero() -> Self {
                0
            }
            #[inline]
            fn one() -> Self {
                1
            }
        }

        impl Arith for $t {
            type Magnitude = $t;
            #[inline]
            fn magnitude(self) -> Self {
                self.num_abs()
            }
            #[inline]
            fn num_add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline]
            fn num_sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline]
            fn num_mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            #[inline]
            fn num_div(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let q = self.wrapping_div(o);
                // floor division: adjust when the signs differ and there is a remainder
                #[allow(unused_comparisons)]
                if (self.wrapping_rem(o) != 0) && ((self < 0) != (o < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                }
            }
            #[inline]
            fn num_neg(self) -> Self {
                (0 as $t).wrapping_sub(self)
            }
        }

        impl Number for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            #[inline]
            fn num_rem(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(o);
                #[allow(unused_comparisons)]
                if r != 0 && ((r < 0) != (o < 0)) {
                    r.wrapping_add(o)
                } else {
                    r
                }
            }
            #[inline]
            fn num_abs(self) -> Self {
                #[allow(unused_comparisons)]
                if self < 0 {
                    self.num_neg()
                } else {
                    self
                }
            }
        }
    };
}

impl_int!(i8, I8, i64, Int, i64);
impl_int!(i16, I16, i64, Int, i64);
impl_int!(i32, I32, i64, Int, i64);
impl_int!(i64, I64, i64, Int, i64);
impl_int!(u8, U8, u64, UInt, u64);
impl_int!(u16, U16, u64, UInt, u64);
impl_int!(u32, U32, u64, UInt, u64);
impl_int!(u64, U64, u64, UInt, u64);

macro_rules! impl_float {
    ($t:ty, $dt:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$dt;
            type Acc = f64;
            type SumOut = $t;
            type Real = $t;
            type Mean = $t;
            #[inline]
            fn to_scalar(self) -> Scalar {
                Scalar::Float(self as f64)
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::Bool(b) => b as u8 as $t,
                    Scalar::Int(v) => v as $t,
                    Scalar::UInt(v) => v as $t,
                    Scalar::Float(v) | Scalar::Complex(v, _) => v as $t,
                }
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_acc(self) -> f64 {
                self as f64
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn zero() -> Self {
                0.0
            }
            #[inline]
            fn one() -> Self {
                1.0
            }
        }

        impl Arith for $t {
            type Magnitude = $t;
            #[inline]
            fn magnitude(self) -> Self {
                self.abs()
            }
            #[inline]
            fn num_add(self, o: Self) -> Self {
                self + o
            }
            #[inline]
            fn num_sub(self, o: Self) -> Self {
                self - o
            }
            #[inline]
            fn num_mul(self, o: Self) -> Self {
                self * o
            }
            #[inline]
            fn num_div(self, o: Self) -> Self {
                self / o
            }
            #[inline]
            fn num_neg(self) -> Self {
                -self
            }
        }

        impl Number for $t {
            const MIN: Self = <$t>::NEG_INFINITY;
            const MAX: Self = <$t>::INFINITY;
            #[inline]
            fn num_rem(self, o: Self) -> Self {
                // NumPy's fmod-based remainder takes the sign of the divisor.
                let r = self % o;
                if r != 0.0 && ((r < 0.0) != (o < 0.0)) {
                    r + o
                } else {
                    r
                }
            }
            #[inline]
            fn num_abs(self) -> Self {
                self.abs()
            }
        }

        impl Float for $t {
            #[inline]
            fn round_even(self) -> Self {
                // `(|x| + 2^p) - 2^p` rounds to an integer, half to even, in the default rounding
                // mode (p = 52 for f64, 23 for f32); values at or above 2^p are integers already
                // and NaN fails the comparison. Unlike `round_ties_even`, which is a libm call on
                // baseline x86-64 (no SSE4.1), this vectorises.
                const C: $t = 1.0 / <$t>::EPSILON;
                let a = self.abs();
                if a < C {
                    ((a + C) - C).copysign(self)
                } else {
                    self
                }
            }
        }
    };
}

impl_float!(f32, F32);
impl_float!(f64, F64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    type Acc = i64;
    type SumOut = i64;
    type Real = f64;
    type Mean = f64;
    #[inline]
    fn to_scalar(self) -> Scalar {
        Scalar::Bool(self)
    }
    #[inline]
    fn from_scalar(s: Scalar) -> Self {
        match s {
            Scalar::Bool(b) => b,
            Scalar::Int(v) => v != 0,
            Scalar::UInt(v) => v != 0,
            Scalar::Float(v) => v != 0.0,
            // NumPy: a complex value is truthy when either part is non-zero
            Scalar::Complex(re, im) => re != 0.0 || im != 0.0,
        }
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline]
    fn to_acc(self) -> i64 {
        self as i64
    }
    #[inline]
    fn zero() -> Self {
        false
    }
    #[inline]
    fn one() -> Self {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_follows_numpy() {
        assert_eq!(7i32.num_div(2), 3);
        assert_eq!((-7i32).num_div(2), -4);
        assert_eq!(7i32.num_div(-2), -4);
        assert_eq!(7i32.num_div(0), 0);
        assert_eq!((-7i32).num_rem(2), 1);
        assert_eq!(7i32.num_rem(-2), -1);
        assert_eq!(7u8.num_rem(0), 0);
        assert_eq!(i8::MIN.num_div(-1), i8::MIN);
        assert_eq!(255u8.num_add(1), 0);
    }

    #[test]
    fn float_remainder_takes_divisor_sign() {
        assert_eq!((-7.0f64).num_rem(2.0), 1.0);
        assert_eq!(7.0f64.num_rem(-2.0), -1.0);
        assert_eq!(2.5f64.round_even(), 2.0);
        assert_eq!(3.5f64.round_even(), 4.0);
    }

    #[test]
    fn casts_are_exact_for_wide_integers() {
        assert_eq!(u64::MAX.cast::<u64>(), u64::MAX);
        assert_eq!(i64::MIN.cast::<i64>(), i64::MIN);
        assert_eq!(3.9f64.cast::<i32>(), 3);
        assert_eq!(f64::NAN.cast::<i32>(), 0);
        assert!(2u8.cast::<bool>());
        assert_eq!(true.cast::<f32>(), 1.0);
    }
}
