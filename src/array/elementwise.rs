//! Elementwise API: arithmetic, ufuncs, comparisons, `where_`, `mapv`, `astype`, `map_blocks`.
//!
//! Fallible forms (`a.add(&b)?`) return [`Error::Broadcast`] for shapes that do not
//! broadcast. The operators (`&a + &b`, `&a * 2.0`, `-&a`) are defined on references, as in
//! ndarray, and **panic** with the same message where the fallible form returns `Err`.
//! Operands with different chunkings are rechunked to the common refinement automatically.
//!
//! Integer arithmetic follows NumPy: it wraps on overflow and `x / 0 == x % 0 == 0`; integer
//! `/` is floor division (NumPy's `//`; use `astype::<f64>()` first for true division).

use std::marker::PhantomData;
use std::ops;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD};

use crate::array::chunks::ChunkSpec;
use crate::array::ChunkedArray;
use crate::element::{Arith, Element, Float, Inexact, Number};
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, Dep, Node, Op};
use crate::ops::elementwise::{elementwise_node, MapOp1, MapOp2, MapOp3};

/// Right-hand side of an elementwise operation: an array or a scalar.
pub enum Operand<T: Element> {
    Array(ChunkedArray<T>),
    Scalar(T),
}

impl<T: Element> From<T> for Operand<T> {
    fn from(v: T) -> Self {
        Operand::Scalar(v)
    }
}

impl<T: Element> From<&ChunkedArray<T>> for Operand<T> {
    fn from(a: &ChunkedArray<T>) -> Self {
        Operand::Array(a.clone())
    }
}

impl<T: Element> From<ChunkedArray<T>> for Operand<T> {
    fn from(a: ChunkedArray<T>) -> Self {
        Operand::Array(a)
    }
}

impl<T: Element> ChunkedArray<T> {
    /// `f(x)` for each element, as a fusable elementwise node.
    pub(crate) fn map_unary<U: Element, F>(&self, name: &'static str, key: Option<String>, f: F) -> ChunkedArray<U>
    where
        F: Fn(T) -> U + Send + Sync + 'static,
    {
        let m = self.node.meta();
        let op = MapOp1::<T, U, F> { f: Arc::new(f), key, _t: PhantomData };
        ChunkedArray::from_node(Node::array::<U>(name, vec![self.node.clone()], m.shape.clone(), m.chunks.clone(), op))
    }

    /// `f(x, y)` elementwise with broadcasting and chunk unification.
    pub(crate) fn map_binary<B: Element, U: Element, F>(
        &self,
        other: &ChunkedArray<B>,
        name: &'static str,
        key: Option<String>,
        f: F,
    ) -> Result<ChunkedArray<U>>
    where
        F: Fn(T, B) -> U + Send + Sync + 'static,
    {
        let op = MapOp2::<T, B, U, F> { f: Arc::new(f), key, _t: PhantomData };
        Ok(ChunkedArray::from_node(elementwise_node::<U>(name, vec![self.node.clone(), other.node.clone()], op)?))
    }

    /// `f(x, rhs)` with `rhs` an array or a scalar.
    pub(crate) fn zip_operand<U: Element, F>(
        &self,
        rhs: Operand<T>,
        name: &'static str,
        f: F,
    ) -> Result<ChunkedArray<U>>
    where
        F: Fn(T, T) -> U + Copy + Send + Sync + 'static,
    {
        match rhs {
            Operand::Scalar(s) => Ok(self.map_unary(name, Some(format!("{name}({s:?})")), move |x| f(x, s))),
            Operand::Array(b) => self.map_binary(&b, name, Some(name.into()), f),
        }
    }

    /// Apply `f` to every element (NumPy/ndarray `mapv`); fused with neighbouring elementwise
    /// operations.
    ///
    /// ```
    /// use ndchunk::prelude::*;
    /// let x = ndchunk::arange::<i64>(0, 5, 1, [2]).unwrap();
    /// let y = x.mapv(|v| v as f64 * 0.5);
    /// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[0.0, 0.5, 1.0, 1.5, 2.0]);
    /// ```
    pub fn mapv<U: Element, F: Fn(T) -> U + Send + Sync + 'static>(&self, f: F) -> ChunkedArray<U> {
        self.map_unary("mapv", None, f)
    }

    /// Convert elements to `U` with Rust's `as` semantics (NumPy's `astype` for in-range
    /// values; floats to integers truncate, saturate out of range, NaN becomes 0).
    pub fn astype<U: Element>(&self) -> ChunkedArray<U> {
        self.map_unary("astype", Some(format!("astype({})", U::DTYPE)), |x: T| x.cast::<U>())
    }

    /// Apply `f` to each block; the result keeps the chunks (use
    /// [`map_blocks_with_chunks`](Self::map_blocks_with_chunks) to declare others). A block of
    /// another shape is an error at compute time.
    pub fn map_blocks<U: Element, F>(&self, f: F) -> Result<ChunkedArray<U>>
    where
        F: Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let chunks = self.chunks().clone();
        self.map_blocks_with_chunks(f, chunks)
    }

    /// Apply `f` to each block, declaring the output chunks (same number of blocks per axis;
    /// the number of axes may differ only if the grid does not, e.g. `(n,)` blocks to `(n, 1)`).
    pub fn map_blocks_with_chunks<U: Element, F>(&self, f: F, chunks: impl Into<ChunkSpec>) -> Result<ChunkedArray<U>>
    where
        F: Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let spec = chunks.into();
        let chunks = match spec {
            ChunkSpec::Explicit(c) => c,
            other => {
                let m = self.node.meta();
                other.normalize(&m.shape, std::mem::size_of::<U>(), crate::Config::global().chunk_target_bytes)?
            }
        };
        let grid: Vec<usize> = chunks.numblocks().into_iter().filter(|&g| g != 1).collect();
        let mine: Vec<usize> = self.numblocks().into_iter().filter(|&g| g != 1).collect();
        if grid != mine {
            return Err(Error::Chunks(format!(
                "map_blocks output chunks have {:?} blocks but the input has {:?}",
                chunks.numblocks(),
                self.numblocks()
            )));
        }
        let shape = chunks.shape();
        let op = MapBlocks::<T, U, F> { f, _t: PhantomData };
        Ok(ChunkedArray::from_node(Node::array::<U>("map_blocks", vec![self.node.clone()], shape, chunks, op)))
    }

    /// Whether each element is NaN (always false for integers).
    pub fn isnan(&self) -> ChunkedArray<bool> {
        self.map_unary("isnan", Some("isnan".into()), |x: T| x.is_nan())
    }

    /// Whether each element is finite (always true for integers).
    pub fn isfinite(&self) -> ChunkedArray<bool> {
        self.map_unary("isfinite", Some("isfinite".into()), |x: T| x.is_finite())
    }
}

macro_rules! comparisons {
    ($bound:path: $($name:ident, $f:expr, $doc:literal;)*) => {
        impl<T: $bound> ChunkedArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<bool>> {
                    self.zip_operand(rhs.into(), stringify!($name), $f)
                }
            )*
        }
    };
}

/// Element types with NumPy's order: every type, complex lexicographically with NumPy's NaN
/// rule (see [`ndchunk_kernels::order`]). Compare through its methods (`is_lt`, `sort_cmp`,
/// ...): complex types are not `PartialOrd`.
pub use crate::element::Ordered;

comparisons! { Ordered:
    gt, |a: T, b: T| a.is_gt(b), "`self > rhs` elementwise (complex: NumPy's lexicographic order, false where a NaN part decides).";
    ge, |a: T, b: T| a.is_ge(b), "`self >= rhs` elementwise.";
    lt, |a: T, b: T| a.is_lt(b), "`self < rhs` elementwise.";
    le, |a: T, b: T| a.is_le(b), "`self <= rhs` elementwise.";
}
comparisons! { Element:
    eq, |a: T, b: T| a == b, "`self == rhs` elementwise.";
    ne, |a: T, b: T| a != b, "`self != rhs` elementwise.";
}

macro_rules! arithmetic {
    ($bound:ident: $($name:ident, $method:ident, $trait:ident, $doc:literal;)*) => {
        impl<T: $bound> ChunkedArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self, rhs: impl Into<Operand<T>>) -> Result<ChunkedArray<T>> {
                    self.zip_operand(rhs.into(), stringify!($name), |a: T, b: T| a.$method(b))
                }
            )*
        }
        $(
            impl<T: $bound> ops::$trait<&ChunkedArray<T>> for &ChunkedArray<T> {
                type Output = ChunkedArray<T>;
                /// Panics where the fallible method returns `Err` (shapes that do not broadcast).
                fn $name(self, rhs: &ChunkedArray<T>) -> ChunkedArray<T> {
                    ChunkedArray::$name(self, rhs).unwrap_or_else(|e| panic!("{e}"))
                }
            }
            impl<T: $bound> ops::$trait<T> for &ChunkedArray<T> {
                type Output = ChunkedArray<T>;
                fn $name(self, rhs: T) -> ChunkedArray<T> {
                    ChunkedArray::$name(self, rhs).unwrap_or_else(|e| panic!("{e}"))
                }
            }
        )*
    };
}

arithmetic! { Arith:
    add, num_add, Add, "`self + rhs` elementwise (NumPy broadcasting).";
    sub, num_sub, Sub, "`self - rhs` elementwise.";
    mul, num_mul, Mul, "`self * rhs` elementwise.";
    div, num_div, Div, "`self / rhs` elementwise (floor division for integers, x / 0 == 0).";
}
arithmetic! { Number:
    rem, num_rem, Rem, "`self % rhs` elementwise, with the sign of the divisor (NumPy's `%`).";
}

macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        impl ops::Add<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn add(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary("radd", Some(format!("radd({self:?})")), move |x: $t| self.num_add(x))
            }
        }
        impl ops::Sub<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn sub(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary("rsub", Some(format!("rsub({self:?})")), move |x: $t| self.num_sub(x))
            }
        }
        impl ops::Mul<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn mul(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary("rmul", Some(format!("rmul({self:?})")), move |x: $t| self.num_mul(x))
            }
        }
        impl ops::Div<&ChunkedArray<$t>> for $t {
            type Output = ChunkedArray<$t>;
            fn div(self, rhs: &ChunkedArray<$t>) -> ChunkedArray<$t> {
                rhs.map_unary("rdiv", Some(format!("rdiv({self:?})")), move |x: $t| self.num_div(x))
            }
        }
    )*};
}

scalar_lhs!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, crate::element::Complex<f32>, crate::element::Complex<f64>);

impl<T: Arith> ops::Neg for &ChunkedArray<T> {
    type Output = ChunkedArray<T>;
    fn neg(self) -> ChunkedArray<T> {
        self.neg()
    }
}

impl<T: Arith> ChunkedArray<T> {
    /// `-self` elementwise (wrapping for integers, as NumPy).
    #[allow(clippy::should_implement_trait)]
    pub fn neg(&self) -> ChunkedArray<T> {
        self.map_unary("neg", Some("neg".into()), |x: T| x.num_neg())
    }

    /// Absolute value; for complex the modulus `hypot(re, im)`, a real array (NumPy's
    /// `abs` of `complex128` is `float64`).
    pub fn abs(&self) -> ChunkedArray<T::Magnitude> {
        self.map_unary("abs", Some("abs".into()), |x: T| x.magnitude())
    }
}

impl<T: Ordered> ChunkedArray<T> {
    /// Limit values to `[min, max]`: `minimum(maximum(x, min), max)`, as NumPy's `clip`
    /// (NaN in `x` or in a bound gives NaN; `min > max` gives `max`; complex in NumPy's
    /// lexicographic order). Array or one-sided bounds: [`clip_with`](Self::clip_with),
    /// [`clip_lower`](Self::clip_lower), [`clip_upper`](Self::clip_upper).
    pub fn clip(&self, min: T, max: T) -> ChunkedArray<T> {
        self.map_unary("clip", Some(format!("clip({min:?},{max:?})")), move |x: T| x.ord_maximum(min).ord_minimum(max))
    }
}

macro_rules! float_ufuncs {
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

impl<T: Inexact> ChunkedArray<T> {
    /// Square root (complex: the principal root, branch cut along the negative real axis).
    pub fn sqrt(&self) -> ChunkedArray<T> {
        self.map_unary("sqrt", Some("sqrt".into()), |x: T| x.sqrt_value())
    }
    /// e^x.
    pub fn exp(&self) -> ChunkedArray<T> {
        self.map_unary("exp", Some("exp".into()), |x: T| x.exp_value())
    }
    /// Natural logarithm (complex: principal branch).
    pub fn ln(&self) -> ChunkedArray<T> {
        self.map_unary("ln", Some("ln".into()), |x: T| x.ln_value())
    }
    /// Natural logarithm (NumPy's name; same as `ln`).
    pub fn log(&self) -> ChunkedArray<T> {
        self.map_unary("log", Some("log".into()), |x: T| x.ln_value())
    }
}

float_ufuncs! {
    log10, |x: T| x.log10(), "Base-10 logarithm.";
    sin, |x: T| x.sin(), "Sine.";
    cos, |x: T| x.cos(), "Cosine.";
    tan, |x: T| x.tan(), "Tangent.";
    floor, |x: T| ndchunk_kernels::ufunc::np_floor(x), "Round down.";
    ceil, |x: T| ndchunk_kernels::ufunc::np_ceil(x), "Round up.";
    round, |x: T| x.round_even(), "Round half to even (NumPy's `round`).";
}

impl<T: Float> ChunkedArray<T> {
    /// `x^p` with a floating exponent.
    pub fn powf(&self, p: T) -> ChunkedArray<T> {
        self.map_unary("powf", Some(format!("powf({p:?})")), move |x: T| x.powf(p))
    }

    /// `x^p` with an integer exponent.
    pub fn powi(&self, p: i32) -> ChunkedArray<T> {
        self.map_unary("powi", Some(format!("powi({p})")), move |x: T| x.powi(p))
    }
}

/// `cond ? a : b` elementwise, broadcasting all three (NumPy's `where`).
///
/// ```
/// use ndchunk::prelude::*;
/// let x = ndchunk::arange::<f64>(0.0, 6.0, 1.0, [4]).unwrap();
/// let y = ndchunk::where_(&x.lt(3.0).unwrap(), &x, -1.0).unwrap();
/// assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[0.0, 1.0, 2.0, -1.0, -1.0, -1.0]);
/// ```
pub fn where_<T: Element>(
    cond: &ChunkedArray<bool>,
    a: impl Into<Operand<T>>,
    b: impl Into<Operand<T>>,
) -> Result<ChunkedArray<T>> {
    let scalar_array = |v: T| crate::array::creation::full::<T>(&[], v, ChunkSpec::Uniform(vec![]));
    let a = match a.into() {
        Operand::Array(x) => x,
        Operand::Scalar(v) => scalar_array(v)?,
    };
    let b = match b.into() {
        Operand::Array(x) => x,
        Operand::Scalar(v) => scalar_array(v)?,
    };
    let f = |c: bool, x: T, y: T| if c { x } else { y };
    let op = MapOp3::<bool, T, T, T, _> { f: Arc::new(f), key: Some("where".into()), _t: PhantomData };
    Ok(ChunkedArray::from_node(elementwise_node::<T>(
        "where",
        vec![cond.node.clone(), a.node.clone(), b.node.clone()],
        op,
    )?))
}

/// A user function applied block by block.
struct MapBlocks<T, U, F> {
    f: F,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Element, U: Element, F> Op for MapBlocks<T, U, F>
where
    F: Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        // Same grid position; axes of length-1 grids may be added or dropped.
        let in_grid = &node.inputs[0].grid;
        let pos: Vec<usize> = b.iter().zip(&node.grid).filter(|(_, &g)| g != 1).map(|(&i, _)| i).collect();
        let mut it = pos.into_iter();
        let ib: Vec<usize> = in_grid.iter().map(|&g| if g == 1 { 0 } else { it.next().unwrap_or(0) }).collect();
        out.push(Dep { input: 0, block: crate::graph::ravel(in_grid, &ib) });
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<T>(&inputs[0])?;
        let y = (self.f)(x.view());
        let chunks = &node.meta().chunks;
        if chunks.is_known() {
            let want = chunks.block_shape(b);
            if y.shape() != want.as_slice() {
                return Err(Error::Shape(format!(
                    "map_blocks function returned a block of shape {:?} where {:?} was declared",
                    y.shape(),
                    want
                )));
            }
        }
        Ok(Arc::new(y.into_shared()))
    }
}
