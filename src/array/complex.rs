//! Complex arrays: the parts of complex values and the functions NumPy defines on them.
//!
//! `ChunkedArray<Complex<f32>>` and `ChunkedArray<Complex<f64>>` are NumPy's `complex64` and
//! `complex128` arrays (`Complex` is num-complex's, as in ndarray, faer and rustfft). They are
//! created like any other (`zeros`, `ones`, `full`, `from_array`), from two real arrays with
//! [`complex`], or by `astype` from a real array (imaginary part 0). `astype` to a real type
//! keeps the real part, as NumPy's does (NumPy warns; ndchunk does not, by design: use
//! [`ChunkedArray::real`] to say so).
//!
//! `+ - * /` (Smith's division, as NumPy), negation, `sum`, `prod`, `cumsum`, `cumprod`, `mean`
//! and their nan forms are complex; `abs` (the modulus), `var` and `std` (the mean of
//! `|x - mean|²`) are real, as in NumPy. [`real`](ChunkedArray::real),
//! [`imag`](ChunkedArray::imag), [`conj`](ChunkedArray::conj) and
//! [`angle`](ChunkedArray::angle) also work on real float arrays (imaginary part 0, `conj` the
//! identity), as NumPy's do. There is no order on complex values: `min`, `max`, `sort` and
//! `< <= > >=` do not compile for complex arrays (NumPy orders them lexicographically).
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::Complex;
//! let re = ndchunk::arange::<f64>(0.0, 4.0, 1.0, [3]).unwrap();
//! let z = ndchunk::complex(&re, &(&re * 2.0)).unwrap(); // [0, 1+2i, 2+4i, 3+6i]
//! let w = (&z * Complex::new(0.0, 1.0)).conj();          // -i·z̄
//! assert_eq!(w.compute().unwrap()[1], Complex::new(-2.0, -1.0));
//! assert_eq!(z.abs().compute().unwrap()[2], 20f64.sqrt());
//! assert_eq!(z.mean(None).unwrap().compute().unwrap()[[]], Complex::new(1.5, 3.0));
//! assert_eq!(z.var(None, 0).unwrap().compute().unwrap()[[]], 6.25); // 1.25 + 5
//! assert_eq!(z.imag().sum(None).unwrap().compute().unwrap()[[]], 12.0);
//! ```

use crate::array::ChunkedArray;
use crate::element::{Complex, ComplexElement, Element, Float, Inexact};
use crate::error::Result;

impl<T: Inexact> ChunkedArray<T> {
    /// The real part (NumPy's `x.real`); a real array's values themselves.
    pub fn real(&self) -> ChunkedArray<T::Part> {
        self.map_unary("real", Some("real".into()), |x: T| x.re_part())
    }

    /// The imaginary part (NumPy's `x.imag`); zeros for a real array.
    pub fn imag(&self) -> ChunkedArray<T::Part> {
        self.map_unary("imag", Some("imag".into()), |x: T| x.im_part())
    }

    /// The complex conjugate (NumPy's `conj`/`conjugate`); a real array unchanged.
    pub fn conj(&self) -> ChunkedArray<T> {
        self.map_unary("conj", Some("conj".into()), |x: T| x.conj_value())
    }

    /// Same as [`conj`](Self::conj) (NumPy's long name).
    pub fn conjugate(&self) -> ChunkedArray<T> {
        self.conj()
    }

    /// The argument `atan2(imag, real)` in radians, or in degrees with `deg` (NumPy's
    /// `angle`); for real input 0 or π.
    pub fn angle(&self, deg: bool) -> ChunkedArray<T::Part> {
        self.map_unary("angle", Some(format!("angle(deg={deg})")), move |x: T| {
            let a = num_traits::Float::atan2(x.im_part(), x.re_part());
            if deg {
                num_traits::Float::to_degrees(a)
            } else {
                a
            }
        })
    }

    /// Whether each imaginary part is 0 (NumPy's `isreal`; all true for real input).
    pub fn isreal(&self) -> ChunkedArray<bool> {
        self.map_unary("isreal", Some("isreal".into()), |x: T| x.im_part() == <T::Part as Element>::zero())
    }

    /// Whether each imaginary part is non-zero (NumPy's `iscomplex`; all false for real input).
    pub fn iscomplex(&self) -> ChunkedArray<bool> {
        self.map_unary("iscomplex", Some("iscomplex".into()), |x: T| x.im_part() != <T::Part as Element>::zero())
    }
}

/// `re + i·im` elementwise from two real arrays, broadcasting (NumPy's `re + 1j * im`).
pub fn complex<F: Float>(re: &ChunkedArray<F>, im: &ChunkedArray<F>) -> Result<ChunkedArray<Complex<F>>>
where
    Complex<F>: ComplexElement,
{
    re.map_binary(im, "complex", Some("complex".into()), |a: F, b: F| Complex::new(a, b))
}

/// The real part (NumPy's `real`); see [`ChunkedArray::real`].
pub fn real<T: Inexact>(x: &ChunkedArray<T>) -> ChunkedArray<T::Part> {
    x.real()
}

/// The imaginary part (NumPy's `imag`); see [`ChunkedArray::imag`].
pub fn imag<T: Inexact>(x: &ChunkedArray<T>) -> ChunkedArray<T::Part> {
    x.imag()
}

/// The complex conjugate (NumPy's `conj`); see [`ChunkedArray::conj`].
pub fn conj<T: Inexact>(x: &ChunkedArray<T>) -> ChunkedArray<T> {
    x.conj()
}

/// The argument, in degrees with `deg` (NumPy's `angle`); see [`ChunkedArray::angle`].
pub fn angle<T: Inexact>(x: &ChunkedArray<T>, deg: bool) -> ChunkedArray<T::Part> {
    x.angle(deg)
}

/// Whether the element type is complex (NumPy's `iscomplexobj`).
pub fn iscomplexobj<T: Element>(_: &ChunkedArray<T>) -> bool {
    T::DTYPE.is_complex()
}
