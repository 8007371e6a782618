//! Reductions with NumPy's names and semantics, as tree reductions over the block grid.
//!
//! Every reduction takes [`Axes`] (`None`, an axis, negative axes,
//! several axes). `keepdims` and `split_every` are reachable through
//! [`ChunkedArray::reduce_with`]:
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::ReduceOptions;
//! let x = ndchunk::ones::<f64>(&[6, 4], [2, 2]).unwrap();
//! let s = x.reduce_with(ReduceOptions::new().keepdims(true).split_every(2)).sum(0).unwrap();
//! assert_eq!(s.shape(), &[1, 4]);
//! assert_eq!(s.compute().unwrap()[[0, 0]], 6.0);
//! ```
//!
//! Result element types (as NumPy): `sum`, `prod`, `cumsum`, `cumprod` → `T::SumOut`
//! (`i64` for signed integers and bool, `u64` for unsigned, the float type for floats);
//! `mean`, `var`, `std` and nan forms → `T::Real` (`f64`; `f32` for `f32` input, accumulated in
//! `f64`), except that complex input has a complex `mean` (`T::Mean`) and a real `var`/`std`; `min`, `max` → `T`; `arg*` → `i64` (flat positions when reducing all axes);
//! `any`, `all` → `bool`.
//!
//! Empty reductions follow NumPy: the sum of nothing is 0, the mean and variance NaN, the
//! minimum (and `argmin`, `max`, ... over any empty reduced axis) an
//! [`Error::EmptyReduction`]; with `ddof >= n` the divisor of `var`/`std` is clamped at 0
//! (inf, or NaN for 0 / 0), as NumPy does.

use std::marker::PhantomData;

use crate::array::axes::Axes;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ops::reduce::cumulative::cumulate;
use crate::ops::reduce::kinds::{
    ArgR, ComplexMeanR, ComplexVarR, ExtremeR, LogicalR, MeanFromSum, MeanR, ProdR, SumR, VarR,
};
use crate::ops::reduce::{reduce, ReduceOptions, Reduction};

/// A view of an array with reduction options set; has every reduction method.
pub struct Reducer<'a, T: Element> {
    pub(crate) x: &'a ChunkedArray<T>,
    pub(crate) opts: ReduceOptions,
}

impl<'a, T: Element> Reducer<'a, T> {
    fn run<R: Reduction<In = T>>(&self, r: R, axis: Axes, needs_elements: bool) -> Result<ChunkedArray<R::Out>> {
        let axes = axis.resolve(self.x.ndim())?;
        if needs_elements {
            let shape = self.x.shape();
            // NumPy raises whenever a reduced axis is empty, even if the result is empty too
            // (`zeros((0, 0)).min(axis=1)`)
            if axes.iter().any(|&a| shape[a] == 0) {
                return Err(Error::EmptyReduction(format!(
                    "zero-size array to reduction operation {} which has no identity",
                    r.name()
                )));
            }
        }
        if let Some(k) = self.opts.split_every {
            if k < 2 {
                return Err(Error::Value(format!("split_every must be at least 2, got {k}")));
            }
        }
        Ok(ChunkedArray::from_node(reduce(self.x.node(), r, &axes, self.opts)?))
    }

    fn single_axis(&self, axis: Axes, what: &str) -> Result<Axes> {
        match &axis {
            Axes::Some(v) if v.len() > 1 => Err(Error::Value(format!("{what} takes one axis or None, got {v:?}"))),
            _ => Ok(axis),
        }
    }

    /// Sum of elements.
    pub fn sum(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.run(SumR::<T, false>(PhantomData), axis.into(), false)
    }
    /// Sum treating NaN as zero.
    pub fn nansum(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.run(SumR::<T, true>(PhantomData), axis.into(), false)
    }
    /// Product of elements.
    pub fn prod(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.run(ProdR::<T, false>(PhantomData), axis.into(), false)
    }
    /// Product treating NaN as one.
    pub fn nanprod(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        self.run(ProdR::<T, true>(PhantomData), axis.into(), false)
    }
    /// Arithmetic mean (NaN for no elements); complex for complex input.
    pub fn mean(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::Mean>> {
        let axis = axis.into();
        if T::DTYPE.is_complex() {
            return self.run(ComplexMeanR::<T, false>(PhantomData), axis, false);
        }
        if T::DTYPE.is_float() && self.x.chunks().is_known() {
            // floats: pairwise sum / count, sharing the sum's pass (NumPy computes it this way)
            let axes = axis.resolve(self.x.ndim())?;
            let count: usize = axes.iter().map(|&a| self.x.shape()[a]).product();
            return self.run(MeanFromSum::<T> { count: count as f64, _t: PhantomData }, axis, false);
        }
        self.run(MeanR::<T, false>(PhantomData), axis, false)
    }
    /// Mean of the non-NaN elements.
    pub fn nanmean(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::Mean>> {
        if T::DTYPE.is_complex() {
            return self.run(ComplexMeanR::<T, true>(PhantomData), axis.into(), false);
        }
        self.run(MeanR::<T, true>(PhantomData), axis.into(), false)
    }
    fn var_like<const NAN_SKIP: bool>(&self, axis: Axes, ddof: usize, sqrt: bool) -> Result<ChunkedArray<T::Real>> {
        let ddof = ddof as f64;
        if T::DTYPE.is_complex() {
            return self.run(ComplexVarR::<T, NAN_SKIP> { ddof, sqrt, _t: PhantomData }, axis, false);
        }
        self.run(VarR::<T, NAN_SKIP> { ddof, sqrt, _t: PhantomData }, axis, false)
    }
    /// Variance with `ddof` delta degrees of freedom (real for complex input: the mean of
    /// `|x - mean|²`, as NumPy).
    pub fn var(&self, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<T::Real>> {
        self.var_like::<false>(axis.into(), ddof, false)
    }
    /// Standard deviation with `ddof` delta degrees of freedom.
    pub fn std(&self, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<T::Real>> {
        self.var_like::<false>(axis.into(), ddof, true)
    }
    /// Variance of the non-NaN elements.
    pub fn nanvar(&self, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<T::Real>> {
        self.var_like::<true>(axis.into(), ddof, false)
    }
    /// Standard deviation of the non-NaN elements.
    pub fn nanstd(&self, axis: impl Into<Axes>, ddof: usize) -> Result<ChunkedArray<T::Real>> {
        self.var_like::<true>(axis.into(), ddof, true)
    }
    /// Minimum (NaN if any element is NaN).
    pub fn min(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>>
    where
        T: crate::element::Ordered,
    {
        self.run(ExtremeR::<T, false, false>(PhantomData), axis.into(), true)
    }
    /// Maximum (NaN if any element is NaN).
    pub fn max(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>>
    where
        T: crate::element::Ordered,
    {
        self.run(ExtremeR::<T, true, false>(PhantomData), axis.into(), true)
    }
    /// Minimum ignoring NaN (NaN for an all-NaN slice).
    pub fn nanmin(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>>
    where
        T: crate::element::Ordered,
    {
        self.run(ExtremeR::<T, false, true>(PhantomData), axis.into(), true)
    }
    /// Maximum ignoring NaN (NaN for an all-NaN slice).
    pub fn nanmax(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T>>
    where
        T: crate::element::Ordered,
    {
        self.run(ExtremeR::<T, true, true>(PhantomData), axis.into(), true)
    }
    /// Position of the minimum (first occurrence; the first NaN if any).
    pub fn argmin(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>>
    where
        T: crate::element::Ordered,
    {
        let a = self.single_axis(axis.into(), "argmin")?;
        self.run(ArgR::<T, false, false>(PhantomData), a, true)
    }
    /// Position of the maximum (first occurrence; the first NaN if any).
    pub fn argmax(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>>
    where
        T: crate::element::Ordered,
    {
        let a = self.single_axis(axis.into(), "argmax")?;
        self.run(ArgR::<T, true, false>(PhantomData), a, true)
    }
    /// Position of the minimum ignoring NaN (an error for an all-NaN slice, as NumPy).
    pub fn nanargmin(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>>
    where
        T: crate::element::Ordered,
    {
        let a = self.single_axis(axis.into(), "nanargmin")?;
        self.run(ArgR::<T, false, true>(PhantomData), a, true)
    }
    /// Position of the maximum ignoring NaN (an error for an all-NaN slice, as NumPy).
    pub fn nanargmax(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<i64>>
    where
        T: crate::element::Ordered,
    {
        let a = self.single_axis(axis.into(), "nanargmax")?;
        self.run(ArgR::<T, true, true>(PhantomData), a, true)
    }
    /// Whether any element is non-zero.
    pub fn any(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<bool>> {
        self.run(LogicalR::<T, false>(PhantomData), axis.into(), false)
    }
    /// Whether all elements are non-zero.
    pub fn all(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<bool>> {
        self.run(LogicalR::<T, true>(PhantomData), axis.into(), false)
    }
}

macro_rules! delegate {
    ($bound:path: $($name:ident($($arg:ident : $ty:ty),*) -> $out:ty;)*) => {
        impl<T: $bound> ChunkedArray<T> {
            $(
                #[doc = concat!("`", stringify!($name), "` over `axis` (see [`Reducer::", stringify!($name), "`]).")]
                pub fn $name(&self, axis: impl Into<Axes>, $($arg: $ty),*) -> Result<$out> {
                    self.reduce_with(ReduceOptions::default()).$name(axis, $($arg),*)
                }
            )*
        }
    };
}

delegate! { Element:
    sum() -> ChunkedArray<T::SumOut>;
    nansum() -> ChunkedArray<T::SumOut>;
    prod() -> ChunkedArray<T::SumOut>;
    nanprod() -> ChunkedArray<T::SumOut>;
    mean() -> ChunkedArray<T::Mean>;
    nanmean() -> ChunkedArray<T::Mean>;
    var(ddof: usize) -> ChunkedArray<T::Real>;
    std(ddof: usize) -> ChunkedArray<T::Real>;
    nanvar(ddof: usize) -> ChunkedArray<T::Real>;
    nanstd(ddof: usize) -> ChunkedArray<T::Real>;
    any() -> ChunkedArray<bool>;
    all() -> ChunkedArray<bool>;
}

delegate! { crate::array::elementwise::Ordered:
    min() -> ChunkedArray<T>;
    max() -> ChunkedArray<T>;
    nanmin() -> ChunkedArray<T>;
    nanmax() -> ChunkedArray<T>;
    argmin() -> ChunkedArray<i64>;
    argmax() -> ChunkedArray<i64>;
    nanargmin() -> ChunkedArray<i64>;
    nanargmax() -> ChunkedArray<i64>;
}

impl<T: Element> ChunkedArray<T> {
    /// Reductions with options (`keepdims`, `split_every`).
    pub fn reduce_with(&self, opts: ReduceOptions) -> Reducer<'_, T> {
        Reducer { x: self, opts }
    }

    /// Cumulative sum along `axis`; `None` runs over the flattened array, as NumPy.
    pub fn cumsum(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        let axis = axis.into();
        if axis == Axes::All && self.ndim() != 1 {
            return self.ravel()?.cumsum(0);
        }
        let a = self.scan_axis(axis, "cumsum")?;
        Ok(ChunkedArray::from_node(cumulate::<T, false>(self.node(), a)))
    }

    /// Cumulative product along `axis`; `None` runs over the flattened array, as NumPy.
    pub fn cumprod(&self, axis: impl Into<Axes>) -> Result<ChunkedArray<T::SumOut>> {
        let axis = axis.into();
        if axis == Axes::All && self.ndim() != 1 {
            return self.ravel()?.cumprod(0);
        }
        let a = self.scan_axis(axis, "cumprod")?;
        Ok(ChunkedArray::from_node(cumulate::<T, true>(self.node(), a)))
    }

    fn scan_axis(&self, axis: Axes, what: &str) -> Result<usize> {
        let axes = axis.resolve(self.ndim())?;
        if axes.len() != 1 {
            return Err(Error::Value(format!("{what} takes exactly one axis, got {axes:?}")));
        }
        Ok(axes[0])
    }
}
