//! [`Ordered`]: the element types with an order, NumPy's, complex included.
//!
//! Rust's `PartialOrd` cannot be implemented for the foreign `num_complex::Complex`, and NumPy
//! does order complex numbers, so every ordering operation of ndchunk (`< <= > >=`,
//! `maximum`/`minimum`/`fmax`/`fmin`, `min`/`max`/`argmin`/`argmax` and their `nan` forms,
//! `sort`/`argsort`/`partition`/`topk`, `unique` and the sets, `searchsorted`, `clip`) asks for
//! `T: Ordered` and compares through its methods.
//!
//! * **Real types** (`bool`, the integers, `f32`/`f64`) implement every method with their
//!   `PartialOrd` operators and the existing keys ([`crate::select::sort_key`]), all
//!   `#[inline]`: a generic kernel over `T: Ordered` compiles to the same machine code as it did
//!   over `T: PartialOrd` (the SIMD min/max/argmin loops vectorise as before).
//! * **Complex types** follow NumPy (`numpy/_core/src/umath/loops_utils` and `npysort`): the
//!   comparisons are lexicographic with NumPy's NaN rule,
//!   `CLT(x, y) = (xr < yr && !isnan(xi) && !isnan(yi)) || (xr == yr && xi < yi)`,
//!   `CLE(x, y) = (xr < yr && !isnan(xi) && !isnan(yi)) || (xr == yr && xi <= yi)` and likewise
//!   `>`, `>=` (so a NaN part makes the comparison false, except that equal real parts still
//!   compare the imaginary parts); `maximum`/`minimum` return the first operand when
//!   it has a NaN part or compares `>=` (`<=`), else the second (NaN propagates); `fmax`/`fmin`
//!   return the first operand when the second has a NaN part or the first compares `>=`
//!   (`<=`). The sort order ([`Ordered::sort_key`]) is NumPy's complex sort order: values
//!   without NaN first, lexicographically, then `R + nanj` by real part, then `nan + Rj` by
//!   imaginary part, then `nan + nanj`; `-0.0` equals `0.0` in either part.
//!
//! ```
//! use ndchunk_kernels::{Complex, Ordered};
//! let (a, b) = (Complex::new(1.0f64, 5.0), Complex::new(2.0f64, -1.0));
//! assert!(a.is_lt(b) && b.is_gt(a));
//! let n = Complex::new(2.0f64, f64::NAN);
//! assert!(!a.is_lt(n) && !n.is_gt(a)); // a NaN part makes the comparison false
//! assert!(b.sort_key() < n.sort_key()); // but sorts last
//! assert!(a.ord_maximum(n).is_nan() && a.ord_fmax(n) == a);
//! assert!(3.0f64.is_gt(2.0) && 2.0f64.sort_key() < f64::NAN.sort_key());
//! ```

use std::cmp::Ordering;
use std::hash::Hash;

use crate::complex::Complex;
use crate::element::Element;
use crate::ufunc::NumberUfuncs;

/// Element types with NumPy's order: every type (complex lexicographically, see the module
/// docs). Not `PartialOrd` itself: compare through the methods.
pub trait Ordered: Element {
    /// A key whose `Ord` is NumPy's sort order (NaN last, `-0.0 == 0.0`); equal keys are the
    /// values a stable sort keeps in input order. `u64` for real types.
    type SortKey: Ord + Hash + Copy + Send + Sync + std::fmt::Debug + 'static;

    /// NumPy's `less`.
    fn is_lt(self, o: Self) -> bool;
    /// NumPy's `less_equal`.
    fn is_le(self, o: Self) -> bool;
    /// NumPy's `greater`.
    fn is_gt(self, o: Self) -> bool;
    /// NumPy's `greater_equal`.
    fn is_ge(self, o: Self) -> bool;
    /// The sort key (see [`Ordered::SortKey`]).
    fn sort_key(self) -> Self::SortKey;
    /// NumPy's sort order as a comparison: the order of the sort keys.
    fn sort_cmp(&self, o: &Self) -> Ordering;
    /// NumPy's `maximum` (NaN-propagating).
    fn ord_maximum(self, o: Self) -> Self;
    /// NumPy's `minimum` (NaN-propagating).
    fn ord_minimum(self, o: Self) -> Self;
    /// NumPy's `fmax` (NaN only when both are).
    fn ord_fmax(self, o: Self) -> Self;
    /// NumPy's `fmin`.
    fn ord_fmin(self, o: Self) -> Self;
}

macro_rules! real_common {
    () => {
        type SortKey = u64;
        #[inline(always)]
        fn is_lt(self, o: Self) -> bool {
            self < o
        }
        #[inline(always)]
        fn is_le(self, o: Self) -> bool {
            self <= o
        }
        #[inline(always)]
        fn is_gt(self, o: Self) -> bool {
            self > o
        }
        #[inline(always)]
        fn is_ge(self, o: Self) -> bool {
            self >= o
        }
        #[inline(always)]
        fn sort_key(self) -> u64 {
            crate::select::sort_key(self)
        }
        #[inline(always)]
        fn sort_cmp(&self, o: &Self) -> Ordering {
            match self.partial_cmp(o) {
                Some(r) => r,
                None => self.is_nan().cmp(&o.is_nan()),
            }
        }
    };
}

macro_rules! ordered_number {
    ($($t:ty),*) => {$(
        impl Ordered for $t {
            real_common!();
            #[inline(always)]
            fn ord_maximum(self, o: Self) -> Self {
                self.np_maximum(o)
            }
            #[inline(always)]
            fn ord_minimum(self, o: Self) -> Self {
                self.np_minimum(o)
            }
            #[inline(always)]
            fn ord_fmax(self, o: Self) -> Self {
                self.np_fmax(o)
            }
            #[inline(always)]
            fn ord_fmin(self, o: Self) -> Self {
                self.np_fmin(o)
            }
        }
    )*};
}

ordered_number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Ordered for bool {
    real_common!();
    #[inline(always)]
    fn ord_maximum(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn ord_minimum(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn ord_fmax(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn ord_fmin(self, o: Self) -> Self {
        self & o
    }
}

macro_rules! ordered_complex {
    ($($f:ty),*) => {$(
        impl Ordered for Complex<$f> {
            /// (NaN pattern: 0 none, 1 imaginary, 2 real, 3 both; real part key; imaginary part
            /// key), a NaN part's key being a constant.
            type SortKey = (u8, u64, u64);
            #[inline]
            fn is_lt(self, o: Self) -> bool {
                (self.re < o.re && !self.im.is_nan() && !o.im.is_nan()) || (self.re == o.re && self.im < o.im)
            }
            #[inline]
            fn is_le(self, o: Self) -> bool {
                (self.re < o.re && !self.im.is_nan() && !o.im.is_nan()) || (self.re == o.re && self.im <= o.im)
            }
            #[inline]
            fn is_gt(self, o: Self) -> bool {
                (self.re > o.re && !self.im.is_nan() && !o.im.is_nan()) || (self.re == o.re && self.im > o.im)
            }
            #[inline]
            fn is_ge(self, o: Self) -> bool {
                (self.re > o.re && !self.im.is_nan() && !o.im.is_nan()) || (self.re == o.re && self.im >= o.im)
            }
            #[inline]
            fn sort_key(self) -> (u8, u64, u64) {
                let group = ((self.re.is_nan() as u8) << 1) | self.im.is_nan() as u8;
                (group, crate::select::sort_key(self.re), crate::select::sort_key(self.im))
            }
            #[inline]
            fn sort_cmp(&self, o: &Self) -> Ordering {
                self.sort_key().cmp(&o.sort_key())
            }
            #[inline]
            fn ord_maximum(self, o: Self) -> Self {
                if self.is_nan() || self.is_ge(o) { self } else { o }
            }
            #[inline]
            fn ord_minimum(self, o: Self) -> Self {
                if self.is_nan() || self.is_le(o) { self } else { o }
            }
            #[inline]
            fn ord_fmax(self, o: Self) -> Self {
                if o.is_nan() || self.is_ge(o) { self } else { o }
            }
            #[inline]
            fn ord_fmin(self, o: Self) -> Self {
                if o.is_nan() || self.is_le(o) { self } else { o }
            }
        }
    )*};
}

ordered_complex!(f32, f64);

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> Complex<f64> {
        Complex::new(re, im)
    }

    #[test]
    fn complex_sort_order_is_numpys() {
        let nan = f64::NAN;
        // NumPy: np.sort([nan+nanj, nan+1j, 1+nanj, 2+0j, 1+5j, -inf+0j])
        let mut v = [c(nan, nan), c(nan, 1.0), c(1.0, nan), c(2.0, 0.0), c(1.0, 5.0), c(f64::NEG_INFINITY, 0.0)];
        v.sort_by(Ordered::sort_cmp);
        let want = [c(f64::NEG_INFINITY, 0.0), c(1.0, 5.0), c(2.0, 0.0), c(1.0, nan), c(nan, 1.0), c(nan, nan)];
        for (a, b) in v.iter().zip(&want) {
            assert_eq!(a.sort_key(), b.sort_key(), "{v:?}");
        }
        assert_eq!(c(-0.0, 0.0).sort_cmp(&c(0.0, -0.0)), Ordering::Equal);
    }

    #[test]
    fn complex_comparisons_follow_numpy_nan_rule() {
        let nan = f64::NAN;
        // equal real parts still compare the imaginary parts; a NaN part otherwise gives false
        assert!(c(1.0, 0.0).is_lt(c(1.0, 1.0)));
        assert!(!c(0.0, nan).is_lt(c(1.0, 0.0)));
        assert!(!c(0.0, 0.0).is_lt(c(1.0, nan)));
        assert!(!c(nan, 0.0).is_ge(c(nan, 0.0)));
        assert!(c(f64::INFINITY, nan).is_gt(c(f64::INFINITY, nan)) == (nan > nan));
        assert!(c(1.0, 1.0).ord_minimum(c(nan, 0.0)).is_nan());
        assert_eq!(c(1.0, 1.0).ord_fmin(c(nan, 0.0)), c(1.0, 1.0));
        assert_eq!(c(nan, 0.0).ord_fmin(c(1.0, 1.0)), c(1.0, 1.0));
    }
}
