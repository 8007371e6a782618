//! Unary ufuncs beyond arithmetic: `sign`, `square`, `cbrt`, `reciprocal`, logarithms and
//! exponentials, hyperbolic and inverse trigonometric functions, angle conversion, rounding
//! (`rint`, `trunc`, `fix`, `around(decimals)`), tests (`signbit`, `isinf`, `isposinf`,
//! `isneginf`), `nan_to_num`, `positive`, and `clip` with array or one-sided bounds.
//!
//! Each is a fusable elementwise node (no intermediate block), with NumPy's definition where
//! Rust's differs (see `ndchunk_kernels::ufunc`): `sign` is 0 at ±0 and NaN at NaN, `around`
//! rounds half to even at any number of decimals, `clip` is `minimum(maximum(x, lo), hi)`.
//!
//! Functions of real analysis (`cbrt`, `log2`, `arcsin`, ...) are defined on float arrays, as
//! the existing `sqrt` and `exp`: convert integer arrays with `astype::<f64>()` first, or use the
//! promoting free functions of [`crate::array::promotion`].

use crate::array::elementwise::Operand;
use crate::array::ChunkedArray;
use crate::element::{Element, Float, Number, Ordered};
use crate::error::Result;
use ndchunk_kernels::ufunc::nan_to_num;

macro_rules! float_unary {
    ($($name:ident, $expr:expr, $doc:literal;)*) => {
        impl<T: Float> ChunkedArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> ChunkedArray<T> {
                    self.map_unary(stringify!($name), Some(stringify!($name).into()), $expr)
                }
            )*
        }
    };
}

float_unary! {
    cbrt, |x: T| x.cbrt(), "Cube root (negative for negative input).";
    log2, |x: T| x.log2(), "Base-2 logarithm.";
    log1p, |x: T| x.ln_1p(), "`ln(1 + x)`, accurate near 0.";
    expm1, |x: T| x.exp_m1(), "`e^x - 1`, accurate near 0.";
    exp2, |x: T| x.exp2(), "`2^x`.";
    sinh, |x: T| x.sinh(), "Hyperbolic sine.";
    cosh, |x: T| x.cosh(), "Hyperbolic cosine.";
    tanh, |x: T| x.tanh(), "Hyperbolic tangent.";
    arcsin, |x: T| x.asin(), "Inverse sine (NaN outside [-1, 1]).";
    arccos, |x: T| x.acos(), "Inverse cosine (NaN outside [-1, 1]).";
    arctan, |x: T| x.atan(), "Inverse tangent.";
    arcsinh, |x: T| x.asinh(), "Inverse hyperbolic sine.";
    arccosh, |x: T| x.acosh(), "Inverse hyperbolic cosine (NaN below 1).";
    arctanh, |x: T| x.atanh(), "Inverse hyperbolic tangent (±inf at ±1, NaN outside).";
    deg2rad, |x: T| x.to_radians(), "Degrees to radians (NumPy's `deg2rad`, also `radians`).";
    rad2deg, |x: T| x.to_degrees(), "Radians to degrees (NumPy's `rad2deg`, also `degrees`).";
    radians, |x: T| x.to_radians(), "Degrees to radians.";
    degrees, |x: T| x.to_degrees(), "Radians to degrees.";
    rint, |x: T| x.round_even(), "Round to the nearest integer, half to even (NumPy's `rint`).";
    trunc, |x: T| ndchunk_kernels::ufunc::np_trunc(x), "Round towards zero.";
    fix, |x: T| ndchunk_kernels::ufunc::np_trunc(x), "Round towards zero (NumPy's `fix`; same as `trunc`).";
}

impl<T: Float> ChunkedArray<T> {
    /// Whether the sign bit is set (true for `-0.0` and negative NaN).
    pub fn signbit(&self) -> ChunkedArray<bool> {
        self.map_unary("signbit", Some("signbit".into()), |x: T| x.is_sign_negative())
    }

    /// Whether each element is +inf or -inf.
    pub fn isinf(&self) -> ChunkedArray<bool> {
        self.map_unary("isinf", Some("isinf".into()), |x: T| x.is_infinite())
    }

    /// Whether each element is +inf.
    pub fn isposinf(&self) -> ChunkedArray<bool> {
        self.map_unary("isposinf", Some("isposinf".into()), |x: T| x == T::infinity())
    }

    /// Whether each element is -inf.
    pub fn isneginf(&self) -> ChunkedArray<bool> {
        self.map_unary("isneginf", Some("isneginf".into()), |x: T| x == T::neg_infinity())
    }

    /// NaN to 0, +inf to the largest finite value, -inf to the smallest (NumPy's defaults).
    pub fn nan_to_num(&self) -> ChunkedArray<T> {
        self.nan_to_num_with(<T as Element>::zero(), T::max_value(), T::min_value())
    }

    /// NaN, +inf and -inf replaced by the given values (NumPy's `nan`, `posinf`, `neginf`).
    pub fn nan_to_num_with(&self, nan: T, posinf: T, neginf: T) -> ChunkedArray<T> {
        self.map_unary("nan_to_num", Some(format!("nan_to_num({nan:?},{posinf:?},{neginf:?})")), move |x: T| {
            nan_to_num(x, nan, posinf, neginf)
        })
    }
}

impl<T: Number> ChunkedArray<T> {
    /// `-1`, `0` or `1` by sign; NaN stays NaN and `sign(-0.0) == 0.0` (NumPy's `sign`; Rust's
    /// `signum` gives ±1 at ±0).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::from_array(ndarray::array![-2.0, -0.0, 0.0, 3.0, f64::NAN], [2]).unwrap();
    /// let s = x.sign().compute().unwrap();
    /// assert_eq!(&s.as_slice().unwrap()[..4], &[-1.0, 0.0, 0.0, 1.0]);
    /// assert!(s[4].is_nan());
    /// ```
    pub fn sign(&self) -> ChunkedArray<T> {
        self.map_unary("sign", Some("sign".into()), |x: T| x.np_sign())
    }

    /// `x * x` (wrapping for integers, as NumPy).
    pub fn square(&self) -> ChunkedArray<T> {
        self.map_unary("square", Some("square".into()), |x: T| x.num_mul(x))
    }

    /// `1 / x`; for integers truncated (`reciprocal(2) == 0`), as NumPy.
    pub fn reciprocal(&self) -> ChunkedArray<T> {
        self.map_unary("reciprocal", Some("reciprocal".into()), |x: T| x.np_reciprocal())
    }

    /// A copy (NumPy's unary `+`).
    pub fn positive(&self) -> ChunkedArray<T> {
        self.clone()
    }

    /// Round to `decimals` decimal places, half to even; negative `decimals` round to tens,
    /// hundreds, ... (NumPy's `around`/`round(x, decimals)`; integers are unchanged for
    /// `decimals >= 0`).
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ChunkedArray::from_array(ndarray::array![0.125, 2.675, 1234.5], [2]).unwrap();
    /// assert_eq!(x.around(2).compute().unwrap()[0], 0.12);
    /// assert_eq!(x.around(-2).compute().unwrap()[2], 1200.0);
    /// ```
    pub fn around(&self, decimals: i32) -> ChunkedArray<T> {
        let scale = ndchunk_kernels::ufunc::round_scale::<T>(decimals);
        self.map_unary("around", Some(format!("around({decimals})")), move |x: T| x.np_round_scaled(scale, decimals))
    }

    /// Same as [`around`](Self::around) (NumPy's `round_` / `np.round(x, decimals)`).
    pub fn round_decimals(&self, decimals: i32) -> ChunkedArray<T> {
        self.around(decimals)
    }
}

impl<T: Ordered> ChunkedArray<T> {
    /// `minimum(maximum(x, lo), hi)` with array or scalar bounds (broadcast); NaN in `x` or in a
    /// bound gives NaN, and `lo > hi` gives `hi`, as NumPy's `clip`.
    pub fn clip_with(&self, lo: impl Into<Operand<T>>, hi: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        self.maximum(lo)?.minimum(hi)
    }

    /// `maximum(x, lo)`: clip with only a lower bound (NumPy's `clip(x, lo, None)`).
    pub fn clip_lower(&self, lo: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        self.maximum(lo)
    }

    /// `minimum(x, hi)`: clip with only an upper bound (NumPy's `clip(x, None, hi)`).
    pub fn clip_upper(&self, hi: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
        self.minimum(hi)
    }
}

impl<T: Element> ChunkedArray<T> {
    /// Whether each element is nonzero (NumPy's `astype(bool)`; NaN is true).
    pub fn truthy(&self) -> ChunkedArray<bool> {
        self.map_unary("truthy", Some("truthy".into()), ndchunk_kernels::ufunc::truthy::<T>)
    }
}
