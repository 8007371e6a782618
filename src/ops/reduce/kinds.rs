//! The reductions: which accumulator each NumPy reduction uses and how it finalises.
//!
//! Result types follow NumPy: `sum`/`prod` of integers in `i64`/`u64` (`T::SumOut`), of
//! floats in the float type; `mean`/`var`/`std` in `f64` (`f32` for `f32` input, computed in
//! `f64`); `min`/`max` in `T`; `argmin`/`argmax` as `i64`; `any`/`all` as `bool`.

use std::marker::PhantomData;

use ndchunk_kernels::accumulators::{
    All, Any, ArgExtreme, ComplexMoments, ComplexSumCount, Extreme, Moments, NanSum, Prod, Sum, SumCount,
};

use crate::element::{Element, Scalar};
use crate::error::{Error, Result};
use crate::ops::reduce::Reduction;

/// `sum` (`NAN_SKIP`: `nansum`).
pub struct SumR<T, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: Element> Reduction for SumR<T, false> {
    fn order_independent(&self) -> bool {
        !T::DTYPE.is_float() && !T::DTYPE.is_complex()
    }
    type In = T;
    type Acc = Sum<T::Acc>;
    type Out = T::SumOut;
    fn acc_name(&self) -> &'static str {
        "sum"
    }
    fn name(&self) -> String {
        "sum".into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        Ok(acc.0.cast())
    }
}

impl<T: Element> Reduction for SumR<T, true> {
    fn order_independent(&self) -> bool {
        !T::DTYPE.is_float() && !T::DTYPE.is_complex()
    }
    type In = T;
    type Acc = NanSum<T::Acc>;
    type Out = T::SumOut;
    fn acc_name(&self) -> &'static str {
        "nansum"
    }
    fn name(&self) -> String {
        "nansum".into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        Ok(acc.0.cast())
    }
}

/// `prod` / `nanprod`.
pub struct ProdR<T, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: Element, const NAN_SKIP: bool> Reduction for ProdR<T, NAN_SKIP> {
    fn order_independent(&self) -> bool {
        !T::DTYPE.is_float() && !T::DTYPE.is_complex()
    }
    type In = T;
    type Acc = Prod<T::Acc, NAN_SKIP>;
    type Out = T::SumOut;
    fn acc_name(&self) -> &'static str {
        if NAN_SKIP {
            "nanprod"
        } else {
            "prod"
        }
    }
    fn name(&self) -> String {
        self.acc_name().into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        Ok(acc.0.cast())
    }
}

/// `mean` / `nanmean`.
pub struct MeanR<T, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: Element, const NAN_SKIP: bool> Reduction for MeanR<T, NAN_SKIP> {
    type In = T;
    type Acc = SumCount<NAN_SKIP>;
    type Out = T::Mean;
    fn acc_name(&self) -> &'static str {
        if NAN_SKIP {
            "nansumcount"
        } else {
            "sumcount"
        }
    }
    fn name(&self) -> String {
        if NAN_SKIP { "nanmean" } else { "mean" }.into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        Ok(<T::Mean as Element>::from_f64(acc.mean()))
    }
}

/// `mean` of floats whose element count is known: the sum's accumulator divided by the count,
/// so that `compute_all(sum, mean, ...)` shares one pass for both (same partial nodes).
pub struct MeanFromSum<T> {
    pub count: f64,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element> Reduction for MeanFromSum<T> {
    type In = T;
    type Acc = Sum<T::Acc>;
    type Out = T::Mean;
    fn acc_name(&self) -> &'static str {
        "sum"
    }
    fn name(&self) -> String {
        "mean".into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        let m = if self.count == 0.0 { f64::NAN } else { acc.0.to_f64() / self.count };
        Ok(<T::Mean as Element>::from_f64(m))
    }
}

/// `mean` / `nanmean` of complex values: a complex sum and a count.
pub struct ComplexMeanR<T, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: Element, const NAN_SKIP: bool> Reduction for ComplexMeanR<T, NAN_SKIP> {
    type In = T;
    type Acc = ComplexSumCount<NAN_SKIP>;
    type Out = T::Mean;
    fn acc_name(&self) -> &'static str {
        if NAN_SKIP {
            "complex-nansumcount"
        } else {
            "complex-sumcount"
        }
    }
    fn name(&self) -> String {
        if NAN_SKIP { "nanmean" } else { "mean" }.into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        let m = acc.mean();
        Ok(<T::Mean as Element>::from_scalar(Scalar::Complex(m.re, m.im)))
    }
}

/// `var`/`std` of complex values (real results: the mean of `|x - mean|²`).
pub struct ComplexVarR<T, const NAN_SKIP: bool> {
    pub ddof: f64,
    pub sqrt: bool,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element, const NAN_SKIP: bool> Reduction for ComplexVarR<T, NAN_SKIP> {
    type In = T;
    type Acc = ComplexMoments<NAN_SKIP>;
    type Out = T::Real;
    fn acc_name(&self) -> &'static str {
        if NAN_SKIP {
            "complex-nanmoments"
        } else {
            "complex-moments"
        }
    }
    fn name(&self) -> String {
        VarR::<T, NAN_SKIP> { ddof: self.ddof, sqrt: self.sqrt, _t: PhantomData }.name()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        let v = acc.var(self.ddof);
        Ok(<T::Real as Element>::from_f64(if self.sqrt { v.sqrt() } else { v }))
    }
}

/// `var`/`std` (with `sqrt`) and their nan forms.
pub struct VarR<T, const NAN_SKIP: bool> {
    pub ddof: f64,
    pub sqrt: bool,
    pub _t: PhantomData<fn() -> T>,
}

impl<T: Element, const NAN_SKIP: bool> Reduction for VarR<T, NAN_SKIP> {
    type In = T;
    type Acc = Moments<NAN_SKIP>;
    type Out = T::Real;
    fn acc_name(&self) -> &'static str {
        if NAN_SKIP {
            "nanmoments"
        } else {
            "moments"
        }
    }
    fn name(&self) -> String {
        let base = if self.sqrt { "std" } else { "var" };
        let nan = if NAN_SKIP { "nan" } else { "" };
        if self.ddof == 0.0 {
            format!("{nan}{base}")
        } else {
            format!("{nan}{base}(ddof={})", self.ddof)
        }
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<Self::Out> {
        let v = acc.var(self.ddof);
        Ok(<T::Real as Element>::from_f64(if self.sqrt { v.sqrt() } else { v }))
    }
}

/// `min`/`max`/`nanmin`/`nanmax`.
pub struct ExtremeR<T, const MAX: bool, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: crate::element::Ordered, const MAX: bool, const NAN_SKIP: bool> Reduction for ExtremeR<T, MAX, NAN_SKIP> {
    // (floats: which of -0.0 and 0.0, or of equal values, is kept can follow the order)
    fn order_independent(&self) -> bool {
        !T::DTYPE.is_float() && !T::DTYPE.is_complex()
    }
    type In = T;
    type Acc = Extreme<T, MAX, NAN_SKIP>;
    type Out = T;
    fn acc_name(&self) -> &'static str {
        match (MAX, NAN_SKIP) {
            (false, false) => "min",
            (true, false) => "max",
            (false, true) => "nanmin",
            (true, true) => "nanmax",
        }
    }
    fn name(&self) -> String {
        self.acc_name().into()
    }
    /// Complex: `acc.i` orders NaNs and ties as NumPy's flat order (see `Extreme`).
    fn relabel(&self, acc: &mut Self::Acc, global: &dyn Fn(usize) -> usize) {
        acc.i = global(acc.i);
    }
    fn needs_positions(&self) -> bool {
        T::DTYPE.is_complex()
    }
    fn positions_optional(&self) -> bool {
        true
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<T> {
        if acc.seen {
            Ok(acc.v)
        } else if NAN_SKIP && T::DTYPE.is_float() {
            // an all-NaN slice: NumPy returns NaN (with a RuntimeWarning)
            Ok(T::from_f64(f64::NAN))
        } else if NAN_SKIP && T::DTYPE.is_complex() && acc.v.is_nan() {
            // complex: NumPy's `fmax.reduce` gives the slice's first element
            Ok(acc.v)
        } else {
            Err(Error::EmptyReduction(format!(
                "zero-size array to reduction operation {} which has no identity",
                self.acc_name()
            )))
        }
    }
}

/// `argmin`/`argmax`/`nanargmin`/`nanargmax`: positions as `i64` (flat C-order positions when
/// reducing all axes).
pub struct ArgR<T, const MAX: bool, const NAN_SKIP: bool>(pub PhantomData<fn() -> T>);

impl<T: crate::element::Ordered, const MAX: bool, const NAN_SKIP: bool> Reduction for ArgR<T, MAX, NAN_SKIP> {
    // (floats: which of -0.0 and 0.0, or of equal values, is kept can follow the order)
    fn order_independent(&self) -> bool {
        !T::DTYPE.is_float() && !T::DTYPE.is_complex()
    }
    type In = T;
    type Acc = ArgExtreme<T, MAX, NAN_SKIP>;
    type Out = i64;
    fn acc_name(&self) -> &'static str {
        match (MAX, NAN_SKIP) {
            (false, false) => "argmin",
            (true, false) => "argmax",
            (false, true) => "nanargmin",
            (true, true) => "nanargmax",
        }
    }
    fn name(&self) -> String {
        self.acc_name().into()
    }
    fn finalize(&self, acc: &Self::Acc) -> Result<i64> {
        if acc.seen {
            Ok(acc.i as i64)
        } else if NAN_SKIP {
            Err(Error::EmptyReduction("All-NaN slice encountered".into()))
        } else {
            Err(Error::EmptyReduction(format!("attempt to get {} of an empty sequence", self.acc_name())))
        }
    }
    fn relabel(&self, acc: &mut Self::Acc, global: &dyn Fn(usize) -> usize) {
        if acc.seen {
            acc.i = global(acc.i);
        }
    }
    fn needs_positions(&self) -> bool {
        true
    }
}

/// `any` / `all`.
pub struct LogicalR<T, const ALL: bool>(pub PhantomData<fn() -> T>);

impl<T: Element> Reduction for LogicalR<T, false> {
    fn order_independent(&self) -> bool {
        true
    }
    type In = T;
    type Acc = Any;
    type Out = bool;
    fn acc_name(&self) -> &'static str {
        "any"
    }
    fn name(&self) -> String {
        "any".into()
    }
    fn finalize(&self, acc: &Any) -> Result<bool> {
        Ok(acc.0)
    }
}

impl<T: Element> Reduction for LogicalR<T, true> {
    fn order_independent(&self) -> bool {
        true
    }
    type In = T;
    type Acc = All;
    type Out = bool;
    fn acc_name(&self) -> &'static str {
        "all"
    }
    fn name(&self) -> String {
        "all".into()
    }
    fn finalize(&self, acc: &All) -> Result<bool> {
        Ok(acc.0)
    }
}
