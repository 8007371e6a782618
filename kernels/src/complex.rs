//! The complex element types, NumPy's `complex64` and `complex128`: `Complex<f32>` and
//! `Complex<f64>` from num-complex (the type ndarray, faer and rustfft use, so blocks pass to
//! them without conversion).
//!
//! Semantics follow NumPy:
//! * `+ - *` are the textbook formulas; `/` is Smith's algorithm as in NumPy's loops (no
//!   overflow of `|b|²` for large divisors; `x / 0` gives inf/NaN parts, never a panic);
//! * `abs` is the modulus `hypot(re, im)` in the real type; `isnan` is true when either part is
//!   NaN, `isfinite` when both parts are finite;
//! * converting complex to a real type keeps the real part (NumPy's `astype`, which warns;
//!   here it is silent and documented), to `bool` tests `re != 0 || im != 0`;
//! * sums and products accumulate in `Complex<f64>`; `mean` is complex, `var`/`std` are real:
//!   the mean of `|x - mean|²`, i.e. `var(re) + var(im)`.
//! * order: NumPy's lexicographic order (`<`, `maximum`, `min`, `argmax`, `sort`, `unique`, ...)
//!   through [`crate::order::Ordered`], since `num_complex::Complex` is not `PartialOrd`.

pub use num_complex::Complex;

use crate::element::{Arith, DType, Element, Float, Scalar};

/// The complex element types, generic over the part type `Part` (`f32` or `f64`).
pub trait ComplexElement: Inexact + Arith<Magnitude = Self::Part> + Element<Real = Self::Part, Mean = Self> {
    fn new(re: Self::Part, im: Self::Part) -> Self;
    /// The value as num-complex's type (the identity: `Self` is `Complex<Self::Part>`).
    fn to_c(self) -> Complex<Self::Part>;
    /// The inverse of [`to_c`](Self::to_c).
    fn from_c(c: Complex<Self::Part>) -> Self;
    /// A slice of values as num-complex's type (the identity), for FFTs in place.
    fn as_c_slice_mut(s: &mut [Self]) -> &mut [Complex<Self::Part>];
    /// Argument in radians, in `[-π, π]` (`atan2(im, re)`).
    fn arg(self) -> Self::Part;
}

/// The inexact types, real floats and complex: the parts of a value and the functions NumPy
/// defines on both (`real`, `imag`, `conj`, `angle`, `exp`, `sqrt`, `log`). For `f32`/`f64`
/// the imaginary part is 0 and `conj` is the identity.
pub trait Inexact: Arith {
    /// The type of the real and imaginary parts (`Self` for real floats).
    type Part: Float;
    /// The complex type with these parts (`Self` for complex types).
    type Complex: ComplexElement<Part = Self::Part>;
    /// Whether the type is complex.
    const IS_COMPLEX: bool;
    fn re_part(self) -> Self::Part;
    fn im_part(self) -> Self::Part;
    fn conj_value(self) -> Self;
    /// `e^x`.
    fn exp_value(self) -> Self;
    /// Square root (complex: principal branch; real: NaN for negative input, as NumPy).
    fn sqrt_value(self) -> Self;
    /// Natural logarithm.
    fn ln_value(self) -> Self;
}

macro_rules! impl_inexact_real {
    ($f:ty) => {
        impl Inexact for $f {
            type Part = $f;
            type Complex = Complex<$f>;
            const IS_COMPLEX: bool = false;
            #[inline]
            fn re_part(self) -> $f {
                self
            }
            #[inline]
            fn im_part(self) -> $f {
                0.0
            }
            #[inline]
            fn conj_value(self) -> $f {
                self
            }
            #[inline]
            fn exp_value(self) -> $f {
                self.exp()
            }
            #[inline]
            fn sqrt_value(self) -> $f {
                self.sqrt()
            }
            #[inline]
            fn ln_value(self) -> $f {
                self.ln()
            }
        }
    };
}

impl_inexact_real!(f32);
impl_inexact_real!(f64);

/// NumPy's complex division (Smith's algorithm, scaled by the larger part of the divisor).
#[inline]
fn smith_div<F: Float>(a: Complex<F>, b: Complex<F>) -> Complex<F> {
    let (ar, ai, br, bi) = (a.re, a.im, b.re, b.im);
    let (abs_br, abs_bi) = (num_traits::Float::abs(br), num_traits::Float::abs(bi));
    if abs_br >= abs_bi {
        if abs_br == <F as num_traits::Zero>::zero() && abs_bi == <F as num_traits::Zero>::zero() {
            // division by zero: complex inf or NaN, as NumPy
            return Complex::new(ar / abs_br, ai / abs_br);
        }
        let rat = bi / br;
        let scl = <F as num_traits::One>::one() / (br + bi * rat);
        Complex::new((ar + ai * rat) * scl, (ai - ar * rat) * scl)
    } else {
        let rat = br / bi;
        let scl = <F as num_traits::One>::one() / (bi + br * rat);
        Complex::new((ar * rat + ai) * scl, (ai * rat - ar) * scl)
    }
}

macro_rules! impl_complex {
    ($f:ty, $dt:ident) => {
        impl Element for Complex<$f> {
            const DTYPE: DType = DType::$dt;
            type Acc = Complex<f64>;
            type SumOut = Complex<$f>;
            type Real = $f;
            type Mean = Complex<$f>;
            #[inline]
            fn to_scalar(self) -> Scalar {
                Scalar::Complex(self.re as f64, self.im as f64)
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::Complex(re, im) => Complex::new(re as $f, im as $f),
                    other => Complex::new(other.real() as $f, 0.0),
                }
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self.re as f64
            }
            #[inline]
            fn imag_f64(self) -> f64 {
                self.im as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                Complex::new(v as $f, 0.0)
            }
            #[inline]
            fn to_acc(self) -> Complex<f64> {
                Complex::new(self.re as f64, self.im as f64)
            }
            #[inline]
            fn is_nan(self) -> bool {
                self.re.is_nan() || self.im.is_nan()
            }
            #[inline]
            fn is_finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
            #[inline]
            fn zero() -> Self {
                Complex::new(0.0, 0.0)
            }
            #[inline]
            fn one() -> Self {
                Complex::new(1.0, 0.0)
            }
        }

        impl Arith for Complex<$f> {
            type Magnitude = $f;
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
                smith_div(self, o)
            }
            #[inline]
            fn num_neg(self) -> Self {
                -self
            }
            #[inline]
            fn magnitude(self) -> $f {
                self.re.hypot(self.im)
            }
        }

        impl Inexact for Complex<$f> {
            type Part = $f;
            type Complex = Complex<$f>;
            const IS_COMPLEX: bool = true;
            #[inline]
            fn re_part(self) -> $f {
                self.re
            }
            #[inline]
            fn im_part(self) -> $f {
                self.im
            }
            #[inline]
            fn conj_value(self) -> Self {
                Complex::conj(&self)
            }
            #[inline]
            fn exp_value(self) -> Self {
                Complex::exp(self)
            }
            #[inline]
            fn sqrt_value(self) -> Self {
                Complex::sqrt(self)
            }
            #[inline]
            fn ln_value(self) -> Self {
                Complex::ln(self)
            }
        }

        impl ComplexElement for Complex<$f> {
            #[inline]
            fn new(re: $f, im: $f) -> Self {
                Complex::new(re, im)
            }
            #[inline]
            fn to_c(self) -> Self {
                self
            }
            #[inline]
            fn from_c(c: Self) -> Self {
                c
            }
            #[inline]
            fn as_c_slice_mut(s: &mut [Self]) -> &mut [Self] {
                s
            }
            #[inline]
            fn arg(self) -> $f {
                self.im.atan2(self.re)
            }
        }
    };
}

impl_complex!(f32, C64);
impl_complex!(f64, C128);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_is_smiths_and_total() {
        let q = Complex::new(1.0f64, 2.0).num_div(Complex::new(3.0, -4.0));
        assert!((q.re - (-0.2)).abs() < 1e-15 && (q.im - 0.4).abs() < 1e-15);
        // |b|² overflows f64 in the textbook formula; Smith's does not
        let big = Complex::new(1e300f64, 1e300);
        let one = big.num_div(big);
        assert!((one.re - 1.0).abs() < 1e-15 && one.im.abs() < 1e-15);
        let z = Complex::new(1.0f64, 0.0).num_div(Complex::new(0.0, 0.0));
        assert!(z.re.is_infinite() && z.im.is_nan());
    }

    #[test]
    fn casts_follow_numpy() {
        let z = Complex::new(2.5f64, -1.0);
        assert_eq!(z.cast::<f64>(), 2.5);
        assert_eq!(z.cast::<i32>(), 2);
        assert!(Complex::new(0.0f32, 1.0).cast::<bool>());
        assert!(!Complex::new(0.0f32, 0.0).cast::<bool>());
        assert_eq!(3i16.cast::<Complex<f32>>(), Complex::new(3.0, 0.0));
        assert_eq!(z.cast::<Complex<f32>>(), Complex::new(2.5f32, -1.0));
        assert!(Complex::new(f64::NAN, 0.0).is_nan() && !Complex::new(f64::INFINITY, 0.0).is_finite());
        assert_eq!(Complex::new(3.0f64, 4.0).magnitude(), 5.0);
    }
}
