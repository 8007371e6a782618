//! Complex arrays against NumPy (fixtures/fft.txt, written by fixtures/generate_fft.py):
//! `abs`, `real`, `imag`, `conj`, negation, `exp`, `sqrt`, `log`, `isreal`, `iscomplex`,
//! `isnan`, `isfinite`, `angle` (radians and degrees), `astype` both ways, `+ - * /` of two
//! complex arrays (NaN, inf and a zero divisor included) and of complex with real (NumPy
//! promotion), and the reductions `sum`, `prod`, `mean`, `nansum`, `nanmean`, `var`, `std`,
//! `nanvar`, `nanstd`, `cumsum`, `cumprod`, for complex128 and complex64, over several
//! chunkings; `matmul`/`dot` of complex matrices (faer's complex GEMM per block). Record parsing and comparison are `fft.rs`'s.

use crate::common;
use crate::fft::{arg, check, data, load, out, Got};

use ndchunk::prelude::*;
use ndchunk::{Axes, Complex, ComplexElement, Inexact};

fn axes(args: &str) -> Axes {
    common::parse_axes(arg(args, "axis"))
}

fn unary<T: ComplexElement>(x: &ChunkedArray<T>, op: &str, args: &str) -> Option<Got>
where
    T::Part: Inexact,
{
    let ddof = || arg(args, "ddof").parse::<usize>().unwrap();
    Some(match op {
        "abs" => out(Ok(x.abs())),
        "real" => out(Ok(x.real())),
        "imag" => out(Ok(x.imag())),
        "conj" => out(Ok(x.conj())),
        "neg" => out(Ok(-x)),
        "exp" => out(Ok(x.exp())),
        "sqrt" => out(Ok(x.sqrt())),
        "log" => out(Ok(x.log())),
        "isreal" => out(Ok(x.isreal())),
        "iscomplex" => out(Ok(x.iscomplex())),
        "isnan" => out(Ok(x.isnan())),
        "isfinite" => out(Ok(x.isfinite())),
        "astype_float64" => out(Ok(x.astype::<f64>())),
        "angle" => out(Ok(x.angle(arg(args, "deg") == "1"))),
        "sum" => out(x.sum(axes(args))),
        "prod" => out(x.prod(axes(args))),
        "mean" => out(x.mean(axes(args))),
        "nansum" => out(x.nansum(axes(args))),
        "nanmean" => out(x.nanmean(axes(args))),
        "var" => out(x.var(axes(args), ddof())),
        "std" => out(x.std(axes(args), ddof())),
        "nanvar" => out(x.nanvar(axes(args), ddof())),
        "nanstd" => out(x.nanstd(axes(args), ddof())),
        "cumsum" => out(x.cumsum(axes(args))),
        "cumprod" => out(x.cumprod(axes(args))),
        _ => return None,
    })
}

const OPS: &[&str] = &[
    "abs",
    "real",
    "imag",
    "conj",
    "neg",
    "exp",
    "sqrt",
    "log",
    "isreal",
    "iscomplex",
    "isnan",
    "isfinite",
    "astype_float64",
    "angle",
    "sum",
    "prod",
    "mean",
    "nansum",
    "nanmean",
    "var",
    "std",
    "nanvar",
    "nanstd",
    "cumsum",
    "cumprod",
];

fn run<T: ComplexElement>(fx: &common::Fixture, rec: &[String]) -> usize
where
    T::Part: Inexact,
{
    let a = data::<T>(fx, &rec[0]);
    let mut n = 0;
    for ch in common::chunkings(a.shape()) {
        let x = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
        let got = unary(&x, &rec[1], &rec[2]).unwrap();
        check(rec, got, &format!("{}({}, {}) chunks {ch:?}", rec[1], rec[0], rec[2]));
        n += 1;
    }
    n
}

#[test]
fn complex_ufuncs_and_reductions_match_numpy_over_chunkings() {
    let fx = load();
    let mut n = 0;
    for rec in fx.results.iter().filter(|r| OPS.contains(&r[1].as_str())) {
        n += match fx.inputs[&rec[0]].0.as_str() {
            "complex128" => run::<Complex<f64>>(&fx, rec),
            "complex64" => run::<Complex<f32>>(&fx, rec),
            d => panic!("input dtype {d}"),
        };
    }
    assert!(n > 900, "only {n} checks ran");
}

#[test]
fn complex_arithmetic_and_promotion_match_numpy() {
    let fx = load();
    let a = data::<Complex<f64>>(&fx, "ca");
    let b = data::<Complex<f64>>(&fx, "cb");
    let r = data::<f64>(&fx, "rb");
    let mut n = 0;
    for rec in fx.results.iter().filter(|r| ["add", "sub", "mul", "div"].contains(&r[1].trim_end_matches("_real"))) {
        for ch in common::chunkings(a.shape()) {
            let x = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
            let y = ChunkedArray::from_array(b.clone(), [1, 2]).unwrap();
            let z = ChunkedArray::from_array(r.clone(), [2, 3]).unwrap();
            let got = match rec[1].as_str() {
                "add" => out(Ok(&x + &y)),
                "sub" => out(Ok(&x - &y)),
                "mul" => out(Ok(&x * &y)),
                "div" => out(Ok(&x / &y)),
                "add_real" => out(ndchunk::add(&x, &z)),
                "sub_real" => out(ndchunk::subtract(&x, &z)),
                "mul_real" => out(ndchunk::multiply(&x, &z)),
                "div_real" => out(Ok(&x / &z.astype::<Complex<f64>>())),
                op => panic!("{op}"),
            };
            check(rec, got, &format!("{} chunks {ch:?}", rec[1]));
            n += 1;
        }
    }
    assert_eq!(n, 8 * common::chunkings(a.shape()).len());
    let rec = fx.results.iter().find(|r| r[1] == "astype_complex128").unwrap();
    check(rec, out(Ok(ChunkedArray::from_array(r, [2, 2]).unwrap().astype::<Complex<f64>>())), "astype complex128");
}

#[test]
fn complex_matrix_products_match_numpy() {
    let fx = load();
    let (a, b) = (data::<Complex<f64>>(&fx, "cm1"), data::<Complex<f64>>(&fx, "cm2"));
    let mut n = 0;
    for rec in fx.results.iter().filter(|r| r[1] == "matmul" || r[1] == "dot_conj") {
        for (ca, cb) in [([5, 7], [7, 4]), ([2, 3], [3, 2]), ([1, 7], [7, 1])] {
            let x = ChunkedArray::from_array(a.clone(), ca).unwrap();
            let y = ChunkedArray::from_array(b.clone(), cb).unwrap();
            let x = if rec[1] == "dot_conj" { x.conj() } else { x };
            check(rec, out(x.matmul(&y)), &format!("{} chunks {ca:?} {cb:?}", rec[1]));
            check(rec, out(x.dot(&y)), &format!("dot for {} chunks {ca:?} {cb:?}", rec[1]));
            n += 1;
        }
    }
    assert_eq!(n, 6);
}

#[test]
fn complex_creation_scalars_and_dtype() {
    let z = ndchunk::full::<Complex<f64>>(&[3, 2], Complex::new(1.0, -2.0), [2, 2]).unwrap();
    assert_eq!(z.dtype_name(), "complex128");
    assert_eq!(ndchunk::DType::C64.itemsize(), 8);
    assert_eq!(ndchunk::zeros::<Complex<f32>>(&[2], [1]).unwrap().dtype_name(), "complex64");
    let w = (2.0f64.into_c() - &z) * Complex::new(0.0, 1.0);
    let got = w.compute().unwrap();
    assert!(got.iter().all(|&v| v == Complex::new(-2.0, 1.0)), "{got:?}");
    let ones = ndchunk::ones::<Complex<f64>>(&[4], [3]).unwrap();
    assert_eq!(ones.sum(None).unwrap().compute().unwrap()[[]], Complex::new(4.0, 0.0));
    assert!(ndchunk::iscomplexobj(&ones) && !ndchunk::iscomplexobj(&ones.real()));
    assert_eq!(ndchunk::result_type(ndchunk::DType::C64, ndchunk::DType::F64), ndchunk::DType::C128);
    assert_eq!(ndchunk::result_type(ndchunk::DType::I16, ndchunk::DType::C64), ndchunk::DType::C64);
    assert!(format!("{z}").contains("complex128"));
    let c = ndchunk::complex(&ones.real(), &ndchunk::arange::<f64>(0.0, 4.0, 1.0, [2]).unwrap()).unwrap();
    assert_eq!(c.compute().unwrap()[3], Complex::new(1.0, 3.0));
}

trait IntoC {
    fn into_c(self) -> Complex<f64>;
}
impl IntoC for f64 {
    fn into_c(self) -> Complex<f64> {
        Complex::new(self, 0.0)
    }
}
