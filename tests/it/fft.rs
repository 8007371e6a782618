//! `ndchunk::fft` against `numpy.fft` (fixtures/fft.txt, written by fixtures/generate_fft.py):
//! every transform with `n`/`s` shorter and longer than the axis, odd, prime, even and
//! length-1 axes, every norm, real and complex, 32- and 64-bit, over several chunkings of the
//! input; frequencies and shifts; bad input as typed errors. Round trips, the rechunk in the
//! graph and a proptest against a direct DFT follow. The record parsing and comparison are
//! shared with `complex.rs`.

use crate::common::{self, Fixture};

use ndarray::{ArrayD, Dimension, IxDyn};
use ndchunk::fft::{self, Norm};
use ndchunk::prelude::*;
use ndchunk::{Complex, Inexact};
use proptest::prelude::*;

pub fn load() -> Fixture {
    common::load_fixture("fft.txt")
}

/// dtype name, shape, values as (re, im).
pub type Got = Result<(String, Vec<usize>, Vec<(f64, f64)>)>;

/// The computed result of `r` as a record.
pub fn out<U: Element>(r: Result<ChunkedArray<U>>) -> Got {
    let a = r?.compute()?;
    Ok((U::DTYPE.name().into(), a.shape().to_vec(), a.iter().map(|v| (v.to_f64(), v.imag_f64())).collect()))
}

/// An input of the fixture as an array of `U` (complex values are written re,im interleaved).
pub fn data<U: Element>(fx: &Fixture, name: &str) -> ArrayD<U> {
    let (dtype, shape, vals) = &fx.inputs[name];
    assert_eq!(dtype, U::DTYPE.name(), "input {name}");
    let v: Vec<f64> = vals.iter().map(|s| s.parse().unwrap()).collect();
    let elems: Vec<U> = if U::DTYPE.is_complex() {
        v.chunks(2).map(|p| U::from_scalar(ndchunk::Scalar::Complex(p[0], p[1]))).collect()
    } else {
        v.iter().map(|&x| U::from_f64(x)).collect()
    };
    ArrayD::from_shape_vec(IxDyn(shape), elems).unwrap()
}

/// `key=value` arguments of a record.
pub fn arg<'a>(args: &'a str, key: &str) -> &'a str {
    args.split(';').find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('='))).unwrap_or("None")
}

pub fn opt_usize(s: &str) -> Option<usize> {
    (s != "None").then(|| s.parse().unwrap())
}

pub fn list<T: std::str::FromStr>(s: &str) -> Option<Vec<T>>
where
    T::Err: std::fmt::Debug,
{
    (s != "None").then(|| s.split(',').map(|x| x.parse().unwrap()).collect())
}

fn norm(s: &str) -> Norm {
    match s {
        "backward" => Norm::Backward,
        "ortho" => Norm::Ortho,
        "forward" => Norm::Forward,
        other => panic!("norm {other}"),
    }
}

/// Check a computed record against NumPy's (`rec` = input, op, args, dtype|ERR, ...).
pub fn check(rec: &[String], got: Got, what: &str) {
    if rec[3] == "ERR" {
        let e = got.err().unwrap_or_else(|| panic!("{what}: NumPy raised {} {}, ndchunk did not", rec[4], rec[5]));
        let ok = match rec[4].as_str() {
            "ValueError" => matches!(e, Error::Value(_)),
            "IndexError" => matches!(e, Error::Axis { .. }),
            other => panic!("{what}: unexpected NumPy error class {other}"),
        };
        assert!(ok, "{what}: NumPy raised {} ({}), ndchunk {e:?}", rec[4], rec[5]);
        return;
    }
    let (dtype, shape, vals) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(dtype, rec[3], "{what}: dtype");
    assert_eq!(shape, common::parse_shape(&rec[4]), "{what}: shape");
    let nums: Vec<f64> =
        if rec[5].is_empty() { vec![] } else { rec[5].split(',').map(|s| s.parse().unwrap()).collect() };
    let want: Vec<(f64, f64)> = if dtype.starts_with("complex") {
        nums.chunks(2).map(|p| (p[0], p[1])).collect()
    } else {
        nums.iter().map(|&x| (x, 0.0)).collect()
    };
    assert_eq!(vals.len(), want.len(), "{what}: length");
    let single = dtype == "complex64" || dtype == "float32";
    let (rtol, atol_rel) = if single { (2e-5, 2e-6) } else { (1e-10, 1e-13) };
    let scale = want.iter().filter(|w| w.0.is_finite() && w.1.is_finite()).map(|w| w.0.hypot(w.1)).fold(0.0, f64::max);
    let atol = atol_rel * scale + 1e-300;
    let close = |g: f64, w: f64| g == w || (g - w).abs() <= atol + rtol * w.abs();
    for (i, (g, w)) in vals.iter().zip(&want).enumerate() {
        // a complex value with a NaN part is NaN (NumPy's isnan); its other part is unspecified
        let ok = if w.0.is_nan() || w.1.is_nan() {
            g.0.is_nan() || g.1.is_nan()
        } else {
            close(g.0, w.0) && close(g.1, w.1)
        };
        assert!(ok, "{what}: element {i}: got {g:?}, NumPy {w:?}");
    }
}

fn one_d<T: Inexact>(x: &ChunkedArray<T>, op: &str, args: &str) -> Option<Got>
where
    T::Part: fft::FftFloat,
{
    let (n, axis, nm) = (opt_usize(arg(args, "n")), arg(args, "axis"), || norm(arg(args, "norm")));
    let axis: isize = if axis == "None" { -1 } else { axis.parse().unwrap() };
    let (s, axes) = (list::<usize>(arg(args, "s")), list::<isize>(arg(args, "axes")));
    let nm_nd = || norm(arg(args, "norm"));
    Some(match op {
        "fft" => out(fft::fft(x, n, axis, nm())),
        "ifft" => out(fft::ifft(x, n, axis, nm())),
        "irfft" => out(fft::irfft(x, n, axis, nm())),
        "hfft" => out(fft::hfft(x, n, axis, nm())),
        "fftn" => out(fft::fftn(x, s.as_deref(), axes.as_deref(), nm_nd())),
        "ifftn" => out(fft::ifftn(x, s.as_deref(), axes.as_deref(), nm_nd())),
        "irfftn" => out(fft::irfftn(x, s.as_deref(), axes.as_deref(), nm_nd())),
        "fft2" => out(fft::fft2(x, s.as_deref(), &axes.unwrap(), nm_nd())),
        "ifft2" => out(fft::ifft2(x, s.as_deref(), &axes.unwrap(), nm_nd())),
        "irfft2" => out(fft::irfft2(x, s.as_deref(), &axes.unwrap(), nm_nd())),
        _ => return None,
    })
}

fn real_only<F: ndchunk::Float + fft::FftFloat>(x: &ChunkedArray<F>, op: &str, args: &str) -> Option<Got> {
    let (n, axis) = (opt_usize(arg(args, "n")), arg(args, "axis"));
    let axis: isize = if axis == "None" { -1 } else { axis.parse().unwrap() };
    let (s, axes) = (list::<usize>(arg(args, "s")), list::<isize>(arg(args, "axes")));
    let nm = || norm(arg(args, "norm"));
    Some(match op {
        "rfft" => out(fft::rfft(x, n, axis, nm())),
        "ihfft" => out(fft::ihfft(x, n, axis, nm())),
        "rfftn" => out(fft::rfftn(x, s.as_deref(), axes.as_deref(), nm())),
        "rfft2" => out(fft::rfft2(x, s.as_deref(), &axes.unwrap(), nm())),
        _ => return None,
    })
}

fn shifts<T: Element>(x: &ChunkedArray<T>, op: &str, args: &str) -> Option<Got> {
    let axes = list::<isize>(arg(args, "axes"));
    Some(match op {
        "fftshift" => out(fft::fftshift(x, axes.as_deref())),
        "ifftshift" => out(fft::ifftshift(x, axes.as_deref())),
        _ => return None,
    })
}

const FFT_OPS: &[&str] = &[
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "hfft",
    "ihfft",
    "fftn",
    "ifftn",
    "rfftn",
    "irfftn",
    "fft2",
    "ifft2",
    "rfft2",
    "irfft2",
    "fftshift",
    "ifftshift",
];

fn run_records<T: Inexact>(
    fx: &Fixture,
    rec: &[String],
    real: impl Fn(&ChunkedArray<T>, &str, &str) -> Option<Got>,
) -> usize
where
    T::Part: fft::FftFloat,
{
    let a = data::<T>(fx, &rec[0]);
    let mut checked = 0;
    for ch in common::chunkings(a.shape()) {
        let x = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
        let (op, args) = (rec[1].as_str(), rec[2].as_str());
        let got = one_d(&x, op, args).or_else(|| real(&x, op, args)).or_else(|| shifts(&x, op, args));
        let got = got.unwrap_or_else(|| panic!("no runner for {op} on {}", T::DTYPE));
        check(rec, got, &format!("{op}({}, {args}) chunks {ch:?}", rec[0]));
        checked += 1;
    }
    checked
}

#[test]
fn transforms_match_numpy_over_chunkings() {
    let fx = load();
    let mut n = 0;
    for rec in fx.results.iter().filter(|r| FFT_OPS.contains(&r[1].as_str())) {
        n += match fx.inputs[&rec[0]].0.as_str() {
            "float64" => run_records::<f64>(&fx, rec, real_only::<f64>),
            "float32" => run_records::<f32>(&fx, rec, real_only::<f32>),
            "complex128" => run_records::<Complex<f64>>(&fx, rec, |_, _, _| None),
            "complex64" => run_records::<Complex<f32>>(&fx, rec, |_, _, _| None),
            d => panic!("input dtype {d}"),
        };
    }
    assert!(n > 2000, "only {n} checks ran");
}

#[test]
fn frequencies_match_numpy() {
    let fx = load();
    let mut n = 0;
    for rec in fx.results.iter().filter(|r| r[1] == "fftfreq" || r[1] == "rfftfreq") {
        let (len, d) = (arg(&rec[2], "n").parse::<usize>().unwrap(), arg(&rec[2], "d").parse::<f64>().unwrap());
        for ch in [1usize, 3, 100] {
            let got = if rec[1] == "fftfreq" { fft::fftfreq(len, d, [ch]) } else { fft::rfftfreq(len, d, [ch]) };
            check(rec, out(got), &format!("{}({}) chunks {ch}", rec[1], rec[2]));
            n += 1;
        }
    }
    assert_eq!(n, 36);
    assert!(matches!(fft::fftfreq(0, 1.0, [1]), Err(Error::Value(_))));
}

#[test]
fn the_transformed_axis_is_rechunked_in_the_graph_and_other_axes_keep_their_chunks() {
    let x = ndchunk::ones::<f64>(&[6, 10], [2, 3]).unwrap();
    let y = fft::fft(&x, None, 1, Norm::Backward).unwrap();
    assert_eq!(y.chunks().axis(0), &[2, 2, 2]);
    assert_eq!(y.chunks().axis(1), &[10]);
    let dot = y.to_dot();
    assert!(dot.contains("rechunk") && dot.contains("fft"), "{dot}");
    // already whole along the axis: no rechunk
    let z = fft::rfft(&x.rechunk([3, 10]).unwrap(), Some(16), -1, Norm::Ortho).unwrap();
    assert_eq!(z.chunks().axis(0), &[3, 3]);
    assert_eq!(z.shape(), &[6, 9]);
}

#[test]
fn round_trips_recover_the_input() {
    let a = ndarray::Array::from_shape_fn(IxDyn(&[5, 11]), |i| ((i[0] * 7 + i[1] * 3) % 13) as f64 - 6.0);
    for ch in common::chunkings(&[5, 11]) {
        let x = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
        for nm in [Norm::Backward, Norm::Ortho, Norm::Forward] {
            let back = fft::ifft(&fft::fft(&x, None, 0, nm).unwrap(), None, 0, nm).unwrap().real();
            common::assert_close(&back.compute().unwrap(), &a, 1e-12, "ifft(fft)");
            let back = fft::irfft(&fft::rfft(&x, None, -1, nm).unwrap(), Some(11), -1, nm).unwrap();
            common::assert_close(&back.compute().unwrap(), &a, 1e-12, "irfft(rfft)");
            let back = fft::irfftn(&fft::rfftn(&x, None, None, nm).unwrap(), Some(&[5, 11]), None, nm).unwrap();
            common::assert_close(&back.compute().unwrap(), &a, 1e-12, "irfftn(rfftn)");
            let back = fft::hfft(&fft::ihfft(&x, None, 1, nm).unwrap(), Some(11), 1, nm).unwrap();
            common::assert_close(&back.compute().unwrap(), &a, 1e-12, "hfft(ihfft)");
        }
        let s = fft::ifftshift(&fft::fftshift(&x, None).unwrap(), None).unwrap();
        assert_eq!(s.compute().unwrap(), a);
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    let x = ndchunk::ones::<f64>(&[4, 3], [2, 2]).unwrap();
    assert!(matches!(fft::fft(&x, Some(0), -1, Norm::Backward), Err(Error::Value(_))));
    assert!(matches!(fft::rfft(&x, None, 2, Norm::Backward), Err(Error::Axis { .. })));
    assert!(matches!(fft::irfft(&x, None, -3, Norm::Backward), Err(Error::Axis { .. })));
    assert!(matches!(fft::fftn(&x, Some(&[2]), Some(&[0, 1]), Norm::Backward), Err(Error::Value(_))));
    assert!(matches!(fft::rfftn(&x, None, Some(&[]), Norm::Backward), Err(Error::Value(_))));
    assert!(matches!(fft::fftshift(&x, Some(&[5])), Err(Error::Axis { .. })));
    let e = ndchunk::zeros::<f64>(&[0], [1]).unwrap();
    assert!(matches!(fft::fft(&e, None, 0, Norm::Backward), Err(Error::Value(_))));
    // a 0-length other axis is fine: an empty result
    let e2 = ndchunk::zeros::<f64>(&[0, 4], [1, 2]).unwrap();
    assert_eq!(fft::fft(&e2, None, 1, Norm::Backward).unwrap().compute().unwrap().shape(), &[0, 4]);
}

fn dft(x: &[Complex<f64>], n: usize) -> Vec<Complex<f64>> {
    (0..n)
        .map(|k| {
            (0..n.min(x.len()))
                .map(|j| {
                    let t = -2.0 * std::f64::consts::PI * ((j * k) % n) as f64 / n as f64;
                    x[j] * Complex::new(t.cos(), t.sin())
                })
                .sum()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn fft_along_any_axis_matches_a_direct_dft((shape, chunks) in common::shape_and_chunks(), axis_pick in 0usize..3, extra in 0usize..4) {
        let axis = axis_pick % shape.len();
        let a = ndarray::Array::from_shape_fn(IxDyn(&shape), |i| {
            let s: usize = i.slice().iter().enumerate().map(|(k, &v)| (k + 2) * v).sum();
            Complex::new((s % 7) as f64 - 3.0, (s % 5) as f64 * 0.5)
        });
        let n = shape[axis] + extra;
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let r = fft::fft(&x, Some(n), axis as isize, Norm::Backward);
        if n == 0 {
            prop_assert!(matches!(r, Err(Error::Value(_))));
            return Ok(());
        }
        let got = r.unwrap().compute().unwrap();
        for (lane_in, lane_out) in a.lanes(ndarray::Axis(axis)).into_iter().zip(got.lanes(ndarray::Axis(axis))) {
            let want = dft(&lane_in.to_vec(), n);
            for (g, w) in lane_out.iter().zip(&want) {
                prop_assert!((g - w).norm() <= 1e-9 * (1.0 + w.norm()), "{} vs {}", g, w);
            }
        }
    }
}
