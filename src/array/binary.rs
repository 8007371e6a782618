//! Binary ufuncs with an array or scalar right-hand side of the same element type: extremes
//! (`maximum`, `fmax`, ...), the division family (`floor_divide`, `remainder`, `fmod`,
//! `divmod`, `true_divide`), powers, the float functions of two arguments (`arctan2`, `hypot`,
//! `copysign`, `nextafter`, `ldexp`, `logaddexp`, `logaddexp2`, `float_power`), `isclose` and
//! `allclose`, logical and bitwise operations and shifts.
//!
//! Operands broadcast and their chunks are unified as for `+`; every operation is one fusable
//! elementwise node. Operands of two different element types go through the free functions of
//! [`crate::array::promotion`] (`ndchunk::maximum(&a_i32, &b_f64)`), which promote as NumPy.
//! Scalar math is NumPy's (`ndchunk_kernels::ufunc`).

use crate::array::elementwise::Operand;
use crate::array::ChunkedArray;
use crate::element::{Element, Float, Number, Ordered};
use crate::error::{Error, Result};
use ndchunk_kernels::ufunc::{isclose, truthy, Bitwise, Integer};

macro_rules! same_type_binary {
    ($bound:ident: $($name:ident, $f:expr, $doc:literal;)*) => {
        impl<T: $bound> ChunkedArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
                    self.zip_operand(rhs.into(), stringify!($name), $f)
                }
            )*
        }
    };
}

same_type_binary! { Ordered:
    maximum, |a: T, b: T| a.ord_maximum(b),
        "Elementwise maximum, NaN if either is NaN (NumPy's `maximum`; Rust's `f64::max` ignores NaN; complex: lexicographic, a NaN in either part is NaN).";
    minimum, |a: T, b: T| a.ord_minimum(b), "Elementwise minimum, NaN if either is NaN (NumPy's `minimum`).";
    fmax, |a: T, b: T| a.ord_fmax(b), "Elementwise maximum ignoring NaN: NaN only where both are (NumPy's `fmax`).";
    fmin, |a: T, b: T| a.ord_fmin(b), "Elementwise minimum ignoring NaN (NumPy's `fmin`).";
}

same_type_binary! { Number:
    floor_divide, |a: T, b: T| a.np_floor_divide(b),
        "`floor(x / y)` (NumPy's `//`): exact floor division for integers (`x // 0 == 0`), NumPy's `divmod` quotient for floats.";
    remainder, |a: T, b: T| a.num_rem(b),
        "Remainder with the sign of the divisor (NumPy's `remainder`, `mod`, `%`); `x % 0` is 0 for integers, NaN for floats.";
    fmod, |a: T, b: T| a.np_fmod(b), "Remainder with the sign of the dividend (C's `fmod`, NumPy's `fmod`).";
}

impl<T: Number> ChunkedArray<T> {
    /// `x ** e` with a scalar or array exponent (NumPy's `power`). Integers wrap on overflow;
    /// a negative scalar exponent of an integer array is an [`Error::Value`], as NumPy
    /// ("Integers to negative integer powers are not allowed"). With an array exponent,
    /// negative integer exponents give `1 / x ** -e` truncated (0 unless `|x| == 1`).
    pub fn power(&self, e: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        let e = e.into();
        if let Operand::Scalar(s) = &e {
            if !T::DTYPE.is_float() && *s < T::zero() {
                return Err(Error::Value("Integers to negative integer powers are not allowed.".into()));
            }
        }
        self.zip_operand(e, "power", |a: T, b: T| a.np_power(b))
    }

    /// `(floor_divide(x, y), remainder(x, y))` (NumPy's `divmod`), sharing the operands.
    pub fn divmod(&self, rhs: impl Into<Operand<T>>) -> Result<(ChunkedArray<T>, ChunkedArray<T>)> {
        let rhs = rhs.into();
        let rhs2 = match &rhs {
            Operand::Scalar(s) => Operand::Scalar(*s),
            Operand::Array(a) => Operand::Array(a.clone()),
        };
        Ok((self.floor_divide(rhs)?, self.remainder(rhs2)?))
    }

    /// True division: integers give `f64` (NumPy's `/` on integers), floats their own type.
    pub fn true_divide(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<T::Real>> {
        self.zip_operand(rhs.into(), "true_divide", |a: T, b: T| {
            let (x, y): (T::Real, T::Real) = (a.cast(), b.cast());
            x / y
        })
    }

    /// `x ** e` computed in `f64` (NumPy's `float_power`: at least float64).
    pub fn float_power(&self, e: impl Into<Operand<T>>) -> Result<ChunkedArray<f64>> {
        self.zip_operand(e.into(), "float_power", |a: T, b: T| a.to_f64().powf(b.to_f64()))
    }
}

same_type_binary! { Float:
    arctan2, |a: T, b: T| a.atan2(b), "`atan2(self, rhs)`: the angle of the point `(rhs, self)`, quadrant-aware.";
    hypot, |a: T, b: T| a.hypot(b), "`sqrt(x² + y²)` without intermediate overflow.";
    copysign, |a: T, b: T| a.copysign(b), "The magnitude of `self` with the sign of `rhs`.";
    nextafter, |a: T, b: T| a.np_nextafter(b), "The next representable value after `self` towards `rhs`.";
    logaddexp, |a: T, b: T| a.np_logaddexp(b), "`ln(e^x + e^y)` without overflow.";
    logaddexp2, |a: T, b: T| a.np_logaddexp2(b), "`log2(2^x + 2^y)` without overflow.";
}

impl<T: Float> ChunkedArray<T> {
    /// `self * 2^e` with an integer exponent array or scalar (NumPy's `ldexp`).
    pub fn ldexp<I: Integer>(&self, e: impl Into<Operand<I>>) -> Result<ChunkedArray<T>> {
        match e.into() {
            Operand::Scalar(s) => {
                let e = s.to_f64() as i64;
                Ok(self.map_unary("ldexp", Some(format!("ldexp({e})")), move |x: T| x.np_ldexp(e)))
            }
            Operand::Array(a) => {
                self.map_binary(&a, "ldexp", Some("ldexp".into()), |x: T, e: I| x.np_ldexp(e.to_f64() as i64))
            }
        }
    }

    /// Whether `|self - rhs| <= atol + rtol * |rhs|` elementwise (NumPy's `isclose`,
    /// asymmetric in `rhs`); infinities are close only to themselves, NaN to NaN only with
    /// `equal_nan`. NumPy's defaults are `rtol = 1e-5`, `atol = 1e-8`.
    pub fn isclose(
        &self,
        rhs: impl Into<Operand<T>>,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> Result<ChunkedArray<bool>> {
        if rtol.is_nan() || atol.is_nan() || rtol < 0.0 || atol < 0.0 {
            return Err(Error::Value(format!("isclose tolerances must be non-negative, got rtol={rtol}, atol={atol}")));
        }
        self.zip_operand(rhs.into(), "isclose", move |a: T, b: T| isclose(a, b, rtol, atol, equal_nan))
    }

    /// Whether every element is close (`isclose(..).all()`), as a lazy 0-d array (dask's
    /// `allclose`; `.item()` gives the `bool`).
    pub fn allclose(
        &self,
        rhs: impl Into<Operand<T>>,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> Result<ChunkedArray<bool>> {
        self.isclose(rhs, rtol, atol, equal_nan)?.all(None)
    }
}

impl<T: Element> ChunkedArray<T> {
    /// `bool(x) and bool(y)` elementwise (nonzero is true).
    pub fn logical_and(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<bool>> {
        self.zip_operand(rhs.into(), "logical_and", |a: T, b: T| truthy(a) && truthy(b))
    }

    /// `bool(x) or bool(y)` elementwise.
    pub fn logical_or(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<bool>> {
        self.zip_operand(rhs.into(), "logical_or", |a: T, b: T| truthy(a) || truthy(b))
    }

    /// `bool(x) != bool(y)` elementwise.
    pub fn logical_xor(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<bool>> {
        self.zip_operand(rhs.into(), "logical_xor", |a: T, b: T| truthy(a) != truthy(b))
    }

    /// `not bool(x)` elementwise.
    pub fn logical_not(&self) -> ChunkedArray<bool> {
        self.map_unary("logical_not", Some("logical_not".into()), |a: T| !truthy(a))
    }
}

same_type_binary! { Bitwise:
    bitwise_and, |a: T, b: T| a & b, "`x & y` elementwise (logical for `bool`).";
    bitwise_or, |a: T, b: T| a | b, "`x | y` elementwise (logical for `bool`).";
    bitwise_xor, |a: T, b: T| a ^ b, "`x ^ y` elementwise (logical for `bool`).";
}

impl<T: Bitwise> ChunkedArray<T> {
    /// `!x` / `~x` elementwise: bitwise complement, logical not for `bool` (NumPy's `invert`).
    pub fn invert(&self) -> ChunkedArray<T> {
        self.map_unary("invert", Some("invert".into()), |a: T| !a)
    }

    /// Same as [`invert`](Self::invert) (NumPy's `bitwise_not`).
    pub fn bitwise_not(&self) -> ChunkedArray<T> {
        self.invert()
    }
}

same_type_binary! { Integer:
    left_shift, |a: T, b: T| a.np_shl(b),
        "`x << n` elementwise; 0 for `n` negative or at least the bit width (NumPy's `left_shift`).";
    right_shift, |a: T, b: T| a.np_shr(b),
        "`x >> n` elementwise (arithmetic for signed types); for `n` out of range 0, or -1 for negative `x`.";
}
