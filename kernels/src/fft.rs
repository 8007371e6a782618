//! One-dimensional FFTs along one axis of a block, with NumPy's `n` (truncate or zero-pad the
//! input) and `norm` conventions, by rustfft (complex) and realfft (real input/output).
//!
//! Plans are cached per element type, length and direction: rustfft's and realfft's planners
//! keep every plan they made, and one planner per part type lives for the program (behind a
//! mutex held only while a plan is looked up). Each lane along the axis is copied into its
//! output lane (zero-padded or truncated to `n`) and transformed there with a scratch buffer
//! reused for the whole block (through a contiguous buffer when the lane is strided, and for
//! the real transforms, whose input and output lanes differ in type), then scaled. The
//! `*_into` forms write into memory the caller owns (`compute()`'s result).
//!
//! Scaling (`norm`, as `numpy.fft`): `Backward` leaves the forward transform unscaled and
//! divides the inverse by `n`; `Ortho` scales both by `1/√n`; `Forward` divides the forward
//! transform by `n` and leaves the inverse unscaled. Inverse real transforms (`c2r`) ignore the
//! imaginary parts of the zero-frequency term and, for even `n`, of the Nyquist term, as
//! NumPy's pocketfft does.

use std::sync::{Mutex, OnceLock};

use ndarray::{ArrayD, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, IxDyn, Zip};
use num_complex::Complex;
use realfft::RealFftPlanner;
use rustfft::{FftDirection, FftNum, FftPlanner};

use crate::complex::{ComplexElement, Inexact};
use crate::element::{Element, Float};

/// Normalisation of a transform pair (NumPy's `norm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Norm {
    /// Forward unscaled, inverse scaled by `1/n` (NumPy's default, `norm=None`).
    #[default]
    Backward,
    /// Both directions scaled by `1/√n` (unitary).
    Ortho,
    /// Forward scaled by `1/n`, inverse unscaled.
    Forward,
}

impl Norm {
    /// The same normalisation seen from the other direction (`hfft`/`ihfft` are inverse/forward
    /// real transforms with swapped directions).
    pub fn swapped(self) -> Norm {
        match self {
            Norm::Backward => Norm::Forward,
            Norm::Forward => Norm::Backward,
            Norm::Ortho => Norm::Ortho,
        }
    }

    /// NumPy's name (`"backward"`, `"ortho"`, `"forward"`).
    pub fn name(self) -> &'static str {
        match self {
            Norm::Backward => "backward",
            Norm::Ortho => "ortho",
            Norm::Forward => "forward",
        }
    }

    /// The factor a transform of length `n` in direction `forward` is multiplied by (`None`
    /// for 1).
    fn factor(self, n: usize, forward: bool) -> Option<f64> {
        match (self, forward) {
            (Norm::Backward, true) | (Norm::Forward, false) => None,
            (Norm::Ortho, _) => Some(1.0 / (n as f64).sqrt()),
            _ => Some(1.0 / n as f64),
        }
    }
}

/// The planners of one part type.
pub struct Planners<F: FftNum> {
    complex: Mutex<FftPlanner<F>>,
    real: Mutex<RealFftPlanner<F>>,
}

impl<F: FftNum> Planners<F> {
    fn new() -> Self {
        Planners { complex: Mutex::new(FftPlanner::new()), real: Mutex::new(RealFftPlanner::new()) }
    }
}

/// Part types with FFTs (`f32`, `f64`): access to their program-wide planners.
pub trait FftFloat: FftNum {
    fn planners() -> &'static Planners<Self>;
    fn from_f64_lossy(v: f64) -> Self;
}

macro_rules! fft_float {
    ($f:ty) => {
        impl FftFloat for $f {
            fn planners() -> &'static Planners<$f> {
                static P: OnceLock<Planners<$f>> = OnceLock::new();
                P.get_or_init(Planners::new)
            }
            fn from_f64_lossy(v: f64) -> $f {
                v as $f
            }
        }
    };
}

fft_float!(f32);
fft_float!(f64);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // a planner poisoned by a panic elsewhere still holds valid plans
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn out_shape(shape: &[usize], axis: usize, len: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    s[axis] = len;
    s
}

/// Complex-to-complex transform of length `n` along `axis` (`inverse`: `ifft`).
pub fn c2c<C: ComplexElement>(x: ArrayViewD<'_, C>, axis: usize, n: usize, inverse: bool, norm: Norm) -> ArrayD<C>
where
    C::Part: FftFloat,
{
    let whole_lanes = axis + 1 == x.ndim() && x.len_of(Axis(axis)) == n && x.is_standard_layout();
    if whole_lanes {
        // the block as it is (one copy, which is also the first touch of the output's pages;
        // zero-filling first and copying over it measured as a second pass of page faults),
        // then every lane transformed where it is
        let mut out = x.to_owned();
        c2c_lanes(out.view_mut(), None, axis, inverse, norm);
        return out;
    }
    let mut out = ArrayD::from_elem(IxDyn(&out_shape(x.shape(), axis, n)), C::zero());
    c2c_into(x, out.view_mut(), axis, inverse, norm);
    out
}

/// [`c2c`] written into `out`, whose length along `axis` is the transform's `n` (the other
/// axes as `x`'s): each input lane is copied into its output lane (truncated or zero-padded)
/// and transformed there, so a lane is read once and written once, and it is still in cache
/// when it is transformed. `compute()` hands the result's own memory here.
pub fn c2c_into<C: ComplexElement>(
    x: ArrayViewD<'_, C>,
    out: ArrayViewMutD<'_, C>,
    axis: usize,
    inverse: bool,
    norm: Norm,
) where
    C::Part: FftFloat,
{
    c2c_lanes(out, Some(x), axis, inverse, norm)
}

/// Transform every lane of `out` along `axis` in place, first copying each lane of `x` into
/// it when given.
fn c2c_lanes<C: ComplexElement>(
    mut out: ArrayViewMutD<'_, C>,
    x: Option<ArrayViewD<'_, C>>,
    axis: usize,
    inverse: bool,
    norm: Norm,
) where
    C::Part: FftFloat,
{
    type F<C> = <C as Inexact>::Part;
    let zero = Complex::new(<F<C> as num_traits::Zero>::zero(), <F<C> as num_traits::Zero>::zero());
    let n = out.len_of(Axis(axis));
    if out.is_empty() {
        return;
    }
    let dir = if inverse { FftDirection::Inverse } else { FftDirection::Forward };
    let plan = lock(&F::<C>::planners().complex).plan_fft(n, dir);
    let scale = norm.factor(n, !inverse).map(F::<C>::from_f64_lossy);
    let mut scratch = vec![zero; plan.get_inplace_scratch_len()];
    let mut buf = Vec::new();
    let mut transform = |lane: &mut [Complex<F<C>>]| {
        plan.process_with_scratch(lane, &mut scratch);
        if let Some(s) = scale {
            lane.iter_mut().for_each(|v| *v = *v * s);
        }
    };
    let mut one_lane = |xin: Option<ArrayView1<'_, C>>, mut o: ArrayViewMut1<'_, C>| {
        if let Some(xin) = xin {
            let m = xin.len().min(n);
            match (xin.as_slice(), o.as_slice_mut()) {
                (Some(src), Some(dst)) => dst[..m].copy_from_slice(&src[..m]),
                _ => o.iter_mut().zip(xin.iter().take(m)).for_each(|(o, &v)| *o = v),
            }
            o.iter_mut().skip(m).for_each(|o| *o = C::from_c(zero));
        }
        match o.as_slice_mut() {
            Some(lane) => transform(C::as_c_slice_mut(lane)),
            None => {
                // a strided lane: through a contiguous buffer
                buf.clear();
                buf.extend(o.iter().map(|v| v.to_c()));
                transform(&mut buf);
                o.iter_mut().zip(&buf).for_each(|(o, &v)| *o = C::from_c(v));
            }
        }
    };
    match x {
        Some(x) => {
            Zip::from(x.lanes(Axis(axis))).and(out.lanes_mut(Axis(axis))).for_each(|xin, o| one_lane(Some(xin), o))
        }
        None => out.lanes_mut(Axis(axis)).into_iter().for_each(|o| one_lane(None, o)),
    }
}

/// Real-to-complex forward transform of length `n` along `axis` (`rfft`): `n / 2 + 1`
/// outputs per lane.
pub fn r2c<F: Float + FftFloat>(
    x: ArrayViewD<'_, F>,
    axis: usize,
    n: usize,
    norm: Norm,
) -> Result<ArrayD<F::Complex>, String> {
    let mut out = ArrayD::from_elem(IxDyn(&out_shape(x.shape(), axis, n / 2 + 1)), <F::Complex as Element>::zero());
    r2c_into(x, out.view_mut(), axis, n, norm)?;
    Ok(out)
}

/// [`r2c`] written into `out` (`n / 2 + 1` along `axis`, the other axes as `x`'s).
pub fn r2c_into<F: Float + FftFloat>(
    x: ArrayViewD<'_, F>,
    mut out: ArrayViewMutD<'_, F::Complex>,
    axis: usize,
    n: usize,
    norm: Norm,
) -> Result<(), String> {
    if out.is_empty() || n == 0 {
        return Ok(());
    }
    let plan = lock(&F::planners().real).plan_fft_forward(n);
    let scale = norm.factor(n, true).map(F::from_f64_lossy);
    let mut scratch = plan.make_scratch_vec();
    let mut buf = vec![<F as Element>::zero(); n];
    let mut spec = plan.make_output_vec();
    let m = x.len_of(Axis(axis)).min(n);
    let mut err = None;
    Zip::from(x.lanes(Axis(axis))).and(out.lanes_mut(Axis(axis))).for_each(|xin, mut o| {
        for (b, &v) in buf.iter_mut().zip(xin.iter().take(m)) {
            *b = v;
        }
        buf[m..].fill(<F as Element>::zero());
        if let Err(e) = plan.process_with_scratch(&mut buf, &mut spec, &mut scratch) {
            err.get_or_insert(e.to_string());
        }
        match scale {
            Some(s) => o.iter_mut().zip(&spec).for_each(|(o, &v)| *o = F::Complex::from_c(v * s)),
            None => o.iter_mut().zip(&spec).for_each(|(o, &v)| *o = F::Complex::from_c(v)),
        }
    });
    err.map_or(Ok(()), Err)
}

/// Complex-to-real inverse transform with `n` real outputs per lane along `axis` (`irfft`):
/// the first `n / 2 + 1` inputs of each lane are used (zero-padded if fewer).
pub fn c2r<C: ComplexElement>(
    x: ArrayViewD<'_, C>,
    axis: usize,
    n: usize,
    norm: Norm,
) -> Result<ArrayD<C::Part>, String>
where
    C::Part: FftFloat,
{
    let mut out = ArrayD::from_elem(IxDyn(&out_shape(x.shape(), axis, n)), <C::Part as Element>::zero());
    c2r_into(x, out.view_mut(), axis, norm)?;
    Ok(out)
}

/// [`c2r`] written into `out`, whose length along `axis` is the transform's `n`.
pub fn c2r_into<C: ComplexElement>(
    x: ArrayViewD<'_, C>,
    mut out: ArrayViewMutD<'_, C::Part>,
    axis: usize,
    norm: Norm,
) -> Result<(), String>
where
    C::Part: FftFloat,
{
    type F<C> = <C as Inexact>::Part;
    let zero = Complex::new(<F<C> as num_traits::Zero>::zero(), <F<C> as num_traits::Zero>::zero());
    let n = out.len_of(Axis(axis));
    if out.is_empty() {
        return Ok(());
    }
    let plan = lock(&F::<C>::planners().real).plan_fft_inverse(n);
    let scale = norm.factor(n, false).map(F::<C>::from_f64_lossy);
    let mut scratch = plan.make_scratch_vec();
    let mut spec = plan.make_input_vec();
    let mut buf = vec![zero.re; n];
    let half = n / 2 + 1;
    let m = x.len_of(Axis(axis)).min(half);
    let mut err = None;
    Zip::from(x.lanes(Axis(axis))).and(out.lanes_mut(Axis(axis))).for_each(|xin, mut o| {
        for (b, &v) in spec.iter_mut().zip(xin.iter().take(m)) {
            *b = v.to_c();
        }
        spec[m..].fill(zero);
        // the imaginary parts of the DC and (even n) Nyquist terms do not contribute
        spec[0].im = zero.re;
        if n.is_multiple_of(2) {
            spec[half - 1].im = zero.re;
        }
        if let Err(e) = plan.process_with_scratch(&mut spec, &mut buf, &mut scratch) {
            err.get_or_insert(e.to_string());
        }
        match scale {
            Some(s) => o.iter_mut().zip(&buf).for_each(|(o, &v)| *o = v * s),
            None => o.iter_mut().zip(&buf).for_each(|(o, &v)| *o = v),
        }
    });
    err.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn naive(x: &[Complex<f64>], inverse: bool) -> Vec<Complex<f64>> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                x.iter()
                    .enumerate()
                    .map(|(j, &v)| {
                        let t = sign * 2.0 * std::f64::consts::PI * (j * k) as f64 / n as f64;
                        v * Complex::new(t.cos(), t.sin())
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn c2c_matches_the_definition_with_padding_and_norms() {
        let x: Vec<Complex<f64>> = (0..7).map(|i| Complex::new(i as f64, (i * i) as f64 % 5.0)).collect();
        let a = ndarray::Array1::from(x.clone()).into_dyn();
        for n in [3usize, 7, 11] {
            let mut padded = x.clone();
            padded.resize(n, Complex::new(0.0, 0.0));
            let want = naive(&padded[..n], false);
            let got = c2c(a.view(), 0, n, false, Norm::Ortho);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w / (n as f64).sqrt()).norm() < 1e-12, "{g} {w}");
            }
            let back = c2c(got.view(), 0, n, true, Norm::Ortho);
            for (g, w) in back.iter().zip(&padded) {
                assert!((g - w).norm() < 1e-12);
            }
        }
    }

    #[test]
    fn real_transforms_round_trip() {
        let x = array![[1.0f64, 2.0, -1.0, 0.5, 3.0], [0.0, 1.0, 0.0, 1.0, 0.0]].into_dyn();
        for n in [4usize, 5] {
            let s = r2c(x.view(), 1, n, Norm::Backward).unwrap();
            assert_eq!(s.shape(), &[2, n / 2 + 1]);
            let y = c2r(s.view(), 1, n, Norm::Backward).unwrap();
            for i in 0..2 {
                for j in 0..n {
                    assert!((y[[i, j]] - x[[i, j]]).abs() < 1e-12);
                }
            }
        }
    }
}
