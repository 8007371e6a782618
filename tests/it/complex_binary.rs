//! The promoted free functions `ndchunk::divide`, `power`, `isclose` and `allclose` on complex
//! operands (complex with complex, real or integer; NumPy's result types) against NumPy
//! (fixtures/complex_binary.txt, written by fixtures/generate_complex_binary.py), over several
//! chunkings; NumPy's special cases of complex `power` (zero base, integral exponents by
//! repeated squaring, |n| ≥ 100 through exp/log); bad tolerances are `Error::Value`.

use std::collections::HashMap;

use ndarray::ArrayD;
use ndchunk::prelude::*;
use ndchunk::{Complex, Error};

use crate::common::chunkings;

type Rec = crate::common::Record;

fn load() -> HashMap<String, Rec> {
    crate::common::load_records("complex_binary.txt")
}

/// An input record as an array of `T` (complex records: interleaved parts).
fn input<T: Element>(fx: &HashMap<String, Rec>, name: &str) -> ArrayD<T> {
    crate::common::record_array(fx, name)
}

/// `got` (computed) against the record `name`: same dtype name, parts equal (NaN to NaN,
/// infinities exactly) or within `tol` relative.
fn check<T: Element>(fx: &HashMap<String, Rec>, name: &str, got: &ArrayD<T>, tol: f64, what: &str) {
    let (dt, shape, want) = &fx[name];
    assert_eq!(dt, T::DTYPE.name(), "{what}: result type");
    assert_eq!(got.shape(), shape.as_slice(), "{what}");
    let parts: Vec<f64> = if T::DTYPE.is_complex() {
        got.iter().flat_map(|v| [v.to_f64(), v.imag_f64()]).collect()
    } else {
        got.iter().map(|v| v.to_f64()).collect()
    };
    for (i, (g, w)) in parts.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * w.abs().max(1e-300);
        assert!(ok, "{what}: part {i}: {g} vs {w}");
    }
}

fn chunked<T: Element>(a: &ArrayD<T>, ch: &[usize]) -> ChunkedArray<T> {
    ChunkedArray::from_array(a.clone(), ch.to_vec()).unwrap()
}

macro_rules! divide_case {
    ($fx:expr, $l:literal: $A:ty, $r:literal: $B:ty, $tol:expr) => {{
        let (a, b) = (input::<$A>($fx, $l), input::<$B>($fx, $r));
        for ch in chunkings(a.shape()) {
            let got = ndchunk::divide(&chunked(&a, &ch), &chunked(&b, &ch)).unwrap().compute().unwrap();
            check($fx, concat!("divide:", $l, ":", $r), &got, $tol, &format!("divide {} {} {ch:?}", $l, $r));
        }
    }};
}

#[test]
fn divide_promotes_and_matches_numpy() {
    let fx = &load();
    type C16 = Complex<f64>;
    type C8 = Complex<f32>;
    divide_case!(fx, "x_c128": C16, "y_c128": C16, 1e-15);
    divide_case!(fx, "x_c64": C8, "y_c64": C8, 1e-6);
    divide_case!(fx, "x_c64": C8, "y_f64": f64, 1e-15);
    divide_case!(fx, "x_c64": C8, "y_f32": f32, 1e-6);
    divide_case!(fx, "x_c128": C16, "y_i32": i32, 1e-15);
    divide_case!(fx, "y_i32": i32, "x_c64": C8, 1e-15);
    divide_case!(fx, "y_f64": f64, "x_c64": C8, 1e-15);
    // a scalar operand
    let x = chunked(&input::<C16>(fx, "x_c128"), &[3, 4]);
    let half = ndchunk::divide(&x, 2.0f64).unwrap().compute().unwrap();
    check(fx, "divide:x_c128:2.0", &half, 0.0, "divide by a scalar");
}

#[test]
fn complex_power_matches_numpy() {
    let fx = &load();
    let base = input::<Complex<f64>>(fx, "b_c128");
    let mut exps: Vec<String> = fx
        .keys()
        .filter(|k| k.starts_with("power:b_c128:e_"))
        .map(|k| k["power:b_c128:".len()..].to_string())
        .collect();
    exps.sort();
    assert_eq!(exps.len(), 15);
    exps.push("ey_c128".into());
    for e in &exps {
        let ex = input::<Complex<f64>>(fx, e);
        for ch in chunkings(base.shape()) {
            let got = ndchunk::power(chunked(&base, &ch), chunked(&ex, &ch)).unwrap().compute().unwrap();
            check(fx, &format!("power:b_c128:{e}"), &got, 1e-12, &format!("power {e} {ch:?}"));
        }
    }
    // complex64 to int32 powers: complex128 (NumPy's promotion)
    let b8 = input::<Complex<f32>>(fx, "b_c64");
    let n = input::<i32>(fx, "y_i32");
    for ch in chunkings(b8.shape()) {
        let got = ndchunk::power(chunked(&b8, &ch), chunked(&n, &ch)).unwrap().compute().unwrap();
        check(fx, "power:b_c64:y_i32", &got, 1e-12, &format!("power c64 i32 {ch:?}"));
    }
    // a scalar exponent
    let sq = ndchunk::power(chunked(&base, &[2, 5]), Complex::new(2.0, 0.0)).unwrap().compute().unwrap();
    check(fx, "power:b_c128:e_2", &sq, 1e-12, "power by a scalar 2");
}

#[test]
fn complex_isclose_matches_numpy() {
    let fx = &load();
    let x = input::<Complex<f64>>(fx, "x_c128");
    let near = input::<Complex<f64>>(fx, "n_c128");
    let x8 = input::<Complex<f32>>(fx, "x_c64");
    let y = input::<f64>(fx, "y_f64");
    for ch in chunkings(x.shape()) {
        let what = format!("{ch:?}");
        let (cx, cn) = (chunked(&x, &ch), chunked(&near, &ch));
        for (rtol, atol, eq) in [(1e-5, 1e-8, false), (1e-5, 1e-8, true), (1e-3, 0.0, false)] {
            let got = ndchunk::isclose(&cx, &cn, rtol, atol, eq).unwrap().compute().unwrap();
            let name = format!("isclose:x_c128:n_c128:{rtol:?}:{atol:?}:{}", eq as u8);
            check(fx, &name.replace("1e-5", "1e-05").replace("1e-8", "1e-08"), &got, 0.0, &what);
        }
        let got = ndchunk::isclose(chunked(&x8, &ch), chunked(&y, &ch), 1.0, 0.5, false).unwrap().compute().unwrap();
        check(fx, "isclose:x_c64:y_f64:1.0:0.5:0", &got, 0.0, &what);
        let got = ndchunk::isclose(&cx, chunked(&x8, &ch), 1e-5, 1e-8, true).unwrap().compute().unwrap();
        check(fx, "isclose:x_c128:x_c64:1e-05:1e-08:1", &got, 0.0, &what);
        let all = ndchunk::allclose(&cx, chunked(&x8, &ch), 1e-5, 1e-8, true).unwrap().item().unwrap();
        assert!(all, "{what}");
        assert!(!ndchunk::allclose(&cx, &cn, 1e-5, 1e-8, true).unwrap().item().unwrap(), "{what}");
    }
    let cx = chunked(&x, &[2, 2]);
    assert!(matches!(ndchunk::isclose(&cx, &cx, -1.0, 0.0, false), Err(Error::Value(_))));
    assert!(matches!(ndchunk::isclose(&cx, &cx, 0.0, f64::NAN, false), Err(Error::Value(_))));
    // a real scalar against complex64 elements: x8[0, 0] is 0, |0 - 1| <= 1.5
    let z = chunked(&x8, &[2, 2]);
    let got = ndchunk::isclose(&z, 1.0f32, 0.0, 1.5, false).unwrap().compute().unwrap();
    assert!(got[[0, 0]] && !got[[0, 2]]);
}
