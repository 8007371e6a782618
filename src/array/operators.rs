//! Operator ergonomics beyond `&a + &b` (defined with the arithmetic in `elementwise.rs`):
//! owned operands (`(&x * 2.0) - 1.0`), scalars on the left (`2.0 - &x`, `1.0 / &x`),
//! compound assignment (`x += &y`, rebinding `x` to the lazy sum), the logical/bitwise
//! operators `& | ^ !` on `bool` and integer arrays, and the shifts `<< >>` on integers.
//!
//! As ndarray's, the operators panic where the fallible method (`add`, `bitwise_and`, ...)
//! returns `Err`: on shapes that do not broadcast. Every operator is a fusable elementwise
//! node; an owned operand is consumed without copying any data (arrays are lazy handles).
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ndchunk::arange::<f64>(0.0, 4.0, 1.0, [3]).unwrap();
//! let mut y = (&x * 2.0) - 1.0;          // owned left operand
//! y += &x;                                // compound assignment: y = y + x
//! let z = 1.0 / &y;                       // scalar on the left
//! assert_eq!(z.compute().unwrap().as_slice().unwrap(), &[-1.0, 0.5, 0.2, 1.0 / 8.0]);
//! let m = x.gt(0.5).unwrap() & x.lt(2.5).unwrap();
//! assert_eq!(m.compute().unwrap().as_slice().unwrap(), &[false, true, true, false]);
//! ```

use std::ops;

use crate::array::ChunkedArray;
use crate::element::{Arith, Number};
use ndchunk_kernels::ufunc::{Bitwise, Integer};

/// Owned and mixed owned/borrowed forms of a binary operator whose `&a op &b` and `&a op s`
/// forms exist, plus the compound assignment.
macro_rules! owned_forms {
    ($bound:ident: $($trait:ident, $method:ident, $assign:ident, $assign_method:ident, $fallible:ident;)*) => {$(
        impl<T: $bound> ops::$trait<ChunkedArray<T>> for ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            fn $method(self, rhs: ChunkedArray<T>) -> ChunkedArray<T> {
                ChunkedArray::$fallible(&self, &rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: $bound> ops::$trait<&ChunkedArray<T>> for ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            fn $method(self, rhs: &ChunkedArray<T>) -> ChunkedArray<T> {
                ChunkedArray::$fallible(&self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: $bound> ops::$trait<ChunkedArray<T>> for &ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            fn $method(self, rhs: ChunkedArray<T>) -> ChunkedArray<T> {
                ChunkedArray::$fallible(self, &rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: $bound> ops::$trait<T> for ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            fn $method(self, rhs: T) -> ChunkedArray<T> {
                ChunkedArray::$fallible(&self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: $bound> ops::$assign<&ChunkedArray<T>> for ChunkedArray<T> {
            /// Rebinds `self` to the lazy result; panics where the operator does.
            fn $assign_method(&mut self, rhs: &ChunkedArray<T>) {
                *self = ChunkedArray::$fallible(self, rhs).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        impl<T: $bound> ops::$assign<ChunkedArray<T>> for ChunkedArray<T> {
            fn $assign_method(&mut self, rhs: ChunkedArray<T>) {
                *self = ChunkedArray::$fallible(self, &rhs).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        impl<T: $bound> ops::$assign<T> for ChunkedArray<T> {
            fn $assign_method(&mut self, rhs: T) {
                *self = ChunkedArray::$fallible(self, rhs).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    )*};
}

owned_forms! { Arith:
    Add, add, AddAssign, add_assign, add;
    Sub, sub, SubAssign, sub_assign, sub;
    Mul, mul, MulAssign, mul_assign, mul;
    Div, div, DivAssign, div_assign, div;
}
owned_forms! { Number:
    Rem, rem, RemAssign, rem_assign, rem;
}

/// `&a op &b` and `&a op s` for operators whose arithmetic lives in `binary.rs`.
macro_rules! ref_forms {
    ($bound:ident: $($trait:ident, $method:ident, $fallible:ident;)*) => {$(
        impl<T: $bound> ops::$trait<&ChunkedArray<T>> for &ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            /// Panics where the fallible method returns `Err` (shapes that do not broadcast).
            fn $method(self, rhs: &ChunkedArray<T>) -> ChunkedArray<T> {
                ChunkedArray::$fallible(self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: $bound> ops::$trait<T> for &ChunkedArray<T> {
            type Output = ChunkedArray<T>;
            fn $method(self, rhs: T) -> ChunkedArray<T> {
                ChunkedArray::$fallible(self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
    )*};
}

ref_forms! { Bitwise:
    BitAnd, bitand, bitwise_and;
    BitOr, bitor, bitwise_or;
    BitXor, bitxor, bitwise_xor;
}
owned_forms! { Bitwise:
    BitAnd, bitand, BitAndAssign, bitand_assign, bitwise_and;
    BitOr, bitor, BitOrAssign, bitor_assign, bitwise_or;
    BitXor, bitxor, BitXorAssign, bitxor_assign, bitwise_xor;
}
ref_forms! { Integer:
    Shl, shl, left_shift;
    Shr, shr, right_shift;
}
owned_forms! { Integer:
    Shl, shl, ShlAssign, shl_assign, left_shift;
    Shr, shr, ShrAssign, shr_assign, right_shift;
}

impl<T: Bitwise> ops::Not for &ChunkedArray<T> {
    type Output = ChunkedArray<T>;
    fn not(self) -> ChunkedArray<T> {
        self.invert()
    }
}

impl<T: Bitwise> ops::Not for ChunkedArray<T> {
    type Output = ChunkedArray<T>;
    fn not(self) -> ChunkedArray<T> {
        self.invert()
    }
}

impl<T: Arith> ops::Neg for ChunkedArray<T> {
    type Output = ChunkedArray<T>;
    fn neg(self) -> ChunkedArray<T> {
        ChunkedArray::neg(&self)
    }
}

/// `s op array` for a scalar `s` on the left, borrowed and owned arrays.
macro_rules! scalar_left {
    ($($t:ty),*) => {$(
        scalar_left!(@op $t, Add, add, num_add, "radd");
        scalar_left!(@op $t, Sub, sub, num_sub, "rsub");
        scalar_left!(@op $t, Mul, mul, num_mul, "rmul");
        scalar_left!(@op $t, Div, div, num_div, "rdiv");
    )*};
    (@op $t:ty, $trait:ident, $method:ident, $num:ident, $name:literal) => {
        impl ops::$trait<ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn $method(self, rhs: ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary($name, Some(format!(concat!($name, "({:?})"), self)), move |x: $t| self.$num(x))
            }
        }
    };
}

scalar_left!(
    f32,
    f64,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    crate::element::Complex<f32>,
    crate::element::Complex<f64>
);

macro_rules! scalar_left_rem_ref {
    ($($t:ty),*) => {$(
        scalar_left!(@op $t, Rem, rem, num_rem, "rmod");
        impl ops::Rem<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn rem(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary("rmod", Some(format!("rmod({self:?})")), move |x: $t| self.num_rem(x))
            }
        }
    )*};
}

scalar_left_rem_ref!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);

/// `s & array`, `s | array`, `s ^ array` with a scalar on the left.
macro_rules! scalar_left_bits {
    ($($t:ty),*) => {$(
        scalar_left_bits!(@op $t, BitAnd, bitand, &, "rand");
        scalar_left_bits!(@op $t, BitOr, bitor, |, "ror");
        scalar_left_bits!(@op $t, BitXor, bitxor, ^, "rxor");
    )*};
    (@op $t:ty, $trait:ident, $method:ident, $op:tt, $name:literal) => {
        impl ops::$trait<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn $method(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary($name, Some(format!(concat!($name, "({:?})"), self)), move |x: $t| self $op x)
            }
        }
        impl ops::$trait<ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn $method(self, rhs: ChunkedArray<$t>) -> ChunkedArray<$t> {
                self $op &rhs
            }
        }
    };
}

scalar_left_bits!(bool, i8, i16, i32, i64, u8, u16, u32, u64);
