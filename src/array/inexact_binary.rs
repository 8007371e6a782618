//! The binary ufuncs whose definition differs between real and complex operands, as the
//! promoted free functions [`divide`](crate::divide), [`power`](crate::power),
//! [`isclose`](crate::isclose) and [`allclose`](crate::allclose) use them:
//!
//! * [`TrueDivide`]: true division; integers divide in `float64` (NumPy's `/`), floats and
//!   complex in their own type (complex by NumPy's Smith algorithm, `x / 0` inf/NaN parts).
//! * [`Power`]: `a ** b`; for complex NumPy's `nc_pow`: `z ** 0 = 1`, `0 ** b = 0` when
//!   `re(b) > 0` and NaN otherwise, integral real exponents with `|n| < 100` by repeated squaring
//!   (`1 / z ** -n` for negative `n`), and `exp(b · ln a)` for the rest. Departure: NumPy
//!   calls C's `cpow` for the rest, which recovers infinities as C99 Annex G asks; with an
//!   infinite exponent part ndchunk may give NaN parts where NumPy gives an infinity.
//! * [`CloseIn`]: the type `isclose` compares in: the float type of real types
//!   ([`ToFloat`](crate::ToFloat)), the complex type itself. For complex, as NumPy's
//!   `abs(x - y) <= atol + rtol * abs(y) & isfinite(y) | (x == y)` (moduli in float64), NaN
//!   (either part) close to NaN only with `equal_nan`.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::Complex;
//! let z = ChunkedArray::from_array(ndarray::array![Complex::new(1.0f32, 1.0), Complex::new(0.0, 2.0)], [1]).unwrap();
//! let n = ChunkedArray::from_array(ndarray::array![2i32, -1], [2]).unwrap();
//! // complex64 with int32 is complex128, as NumPy
//! let p: ChunkedArray<Complex<f64>> = ndchunk::power(&z, &n).unwrap();
//! assert_eq!(p.compute().unwrap().as_slice().unwrap(), &[Complex::new(0.0, 2.0), Complex::new(0.0, -0.5)]);
//! let q = ndchunk::divide(&z, 2.0f32).unwrap(); // complex64
//! assert_eq!(q.compute().unwrap()[0], Complex::new(0.5f32, 0.5));
//! assert!(ndchunk::allclose(&z, &ndchunk::multiply(&q, 2.0f32).unwrap(), 1e-6, 0.0, false).unwrap().item().unwrap());
//! ```
//!
//! The traits are implemented for each element type (not by blanket impls over `Number`, which
//! is a trait of ndchunk-kernels that the complex types could be given).

use crate::array::elementwise::Operand;
use crate::array::ChunkedArray;
use crate::element::{Arith, Complex, ComplexElement, Element};
use crate::error::{Error, Result};

/// True division with NumPy's result type (see the [module](self) docs).
pub trait TrueDivide: Element {
    /// `float64` for integers and bool, the type itself for floats and complex.
    type Quotient: Element;
    /// `x / y` elementwise.
    fn true_divide_arrays(x: &ChunkedArray<Self>, y: Operand<Self>) -> Result<ChunkedArray<Self::Quotient>>;
}

/// `a ** b` (see the [module](self) docs).
pub trait Power: Element {
    /// `x ** e` elementwise.
    fn power_arrays(x: &ChunkedArray<Self>, e: Operand<Self>) -> Result<ChunkedArray<Self>>;
}

/// The type [`isclose`](crate::isclose) compares a promoted type in.
pub trait CloseIn: Element {
    /// The float type of a real type, the complex type itself.
    type In: Close;
}

/// Types `isclose` compares.
pub trait Close: Element {
    /// `isclose` elementwise (tolerances already checked).
    fn isclose_arrays(
        x: &ChunkedArray<Self>,
        y: Operand<Self>,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> Result<ChunkedArray<bool>>;
}

macro_rules! real_impls {
    ($($t:ty),*) => {$(
        impl TrueDivide for $t {
            type Quotient = <$t as Element>::Real;
            fn true_divide_arrays(x: &ChunkedArray<$t>, y: Operand<$t>) -> Result<ChunkedArray<Self::Quotient>> {
                x.true_divide(y)
            }
        }
        impl Power for $t {
            fn power_arrays(x: &ChunkedArray<$t>, e: Operand<$t>) -> Result<ChunkedArray<$t>> {
                x.power(e)
            }
        }
        impl CloseIn for $t {
            type In = <$t as crate::ToFloat>::F;
        }
    )*};
}

real_impls!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl CloseIn for bool {
    type In = <bool as crate::ToFloat>::F;
}

macro_rules! float_close {
    ($($t:ty),*) => {$(
        impl Close for $t {
            fn isclose_arrays(
                x: &ChunkedArray<$t>,
                y: Operand<$t>,
                rtol: f64,
                atol: f64,
                equal_nan: bool,
            ) -> Result<ChunkedArray<bool>> {
                x.isclose(y, rtol, atol, equal_nan)
            }
        }
    )*};
}

float_close!(f32, f64);

/// NumPy's `nc_pow` (numpy/_core/src/umath/funcs.inc.src).
fn complex_pow<T: ComplexElement>(a: T, b: T) -> T {
    let c = |v: T| -> Complex<f64> { Complex::new(v.re_part().to_f64(), v.im_part().to_f64()) };
    let back = |v: Complex<f64>| T::new(T::Part::from_f64(v.re), T::Part::from_f64(v.im));
    let (za, zb) = (a.to_c(), b.to_c());
    let zero = <T::Part as Element>::zero();
    let (br, bi) = (zb.re, zb.im);
    if br == zero && bi == zero {
        return T::one();
    }
    if za.re == zero && za.im == zero {
        // NumPy 2: 0 for any exponent with a positive real part, NaN otherwise
        return if br > zero { T::zero() } else { back(Complex::new(f64::NAN, f64::NAN)) };
    }
    let brf = br.to_f64();
    if bi == zero && brf == brf.trunc() && brf.abs() < 100.0 {
        let n = brf as i64;
        let mul = |x: Complex<T::Part>, y: Complex<T::Part>| -> Complex<T::Part> {
            Complex::new(x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re)
        };
        match n {
            1 => return a,
            2 => return T::from_c(mul(za, za)),
            3 => return T::from_c(mul(mul(za, za), za)),
            _ => {}
        }
        let m = n.unsigned_abs();
        let mut mask = 1u64;
        let mut aa = Complex::new(<T::Part as Element>::one(), zero);
        let mut p = za;
        loop {
            if m & mask != 0 {
                aa = mul(aa, p);
            }
            mask <<= 1;
            if m < mask {
                break;
            }
            p = mul(p, p);
        }
        let r = T::from_c(aa);
        return if n < 0 { T::one().num_div(r) } else { r };
    }
    back((c(b) * c(a).ln()).exp())
}

/// NumPy's complex `isclose` (see the [module](self) docs).
fn complex_close<T: ComplexElement>(a: T, b: T, rtol: f64, atol: f64, equal_nan: bool) -> bool {
    let (an, bn) = (a.is_nan(), b.is_nan());
    if an || bn {
        return equal_nan && an && bn;
    }
    if a == b {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    let c = |v: T| -> Complex<f64> { Complex::new(v.re_part().to_f64(), v.im_part().to_f64()) };
    (c(a) - c(b)).norm() <= atol + rtol * c(b).norm()
}

macro_rules! complex_impls {
    ($($f:ty),*) => {$(
        impl TrueDivide for Complex<$f> {
            type Quotient = Complex<$f>;
            fn true_divide_arrays(x: &ChunkedArray<Self>, y: Operand<Self>) -> Result<ChunkedArray<Self>> {
                x.zip_operand(y, "true_divide", |a: Self, b: Self| a.num_div(b))
            }
        }
        impl Power for Complex<$f> {
            fn power_arrays(x: &ChunkedArray<Self>, e: Operand<Self>) -> Result<ChunkedArray<Self>> {
                x.zip_operand(e, "power", complex_pow::<Self>)
            }
        }
        impl CloseIn for Complex<$f> {
            type In = Complex<$f>;
        }
        impl Close for Complex<$f> {
            fn isclose_arrays(
                x: &ChunkedArray<Self>,
                y: Operand<Self>,
                rtol: f64,
                atol: f64,
                equal_nan: bool,
            ) -> Result<ChunkedArray<bool>> {
                if rtol.is_nan() || atol.is_nan() || rtol < 0.0 || atol < 0.0 {
                    return Err(Error::Value(format!(
                        "isclose tolerances must be non-negative, got rtol={rtol}, atol={atol}"
                    )));
                }
                x.zip_operand(y, "isclose", move |a: Self, b: Self| complex_close(a, b, rtol, atol, equal_nan))
            }
        }
    )*};
}

complex_impls!(f32, f64);
