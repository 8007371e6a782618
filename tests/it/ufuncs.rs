//! Elementwise functions against NumPy (fixtures/ufuncs.txt, written by
//! fixtures/generate_ufuncs.py): unary ufuncs, binary ufuncs of one type, NumPy's promotion of
//! two types, logical and bitwise operations, each over several chunkings, with NaN, ±inf, ±0,
//! integer overflow, a zero-length axis and a 0-d array.

// the tests pass `&array` as users write it, where an owned temporary would also do
#![allow(clippy::needless_borrows_for_generic_args)]

use std::collections::HashMap;
use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;

use crate::common;

struct Entry {
    dtype: String,
    shape: Vec<usize>,
    values: Vec<f64>,
}

struct Fixture {
    inputs: HashMap<String, Entry>,
    results: HashMap<String, Entry>,
}

fn parse_value(s: &str) -> f64 {
    match s {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap_or_else(|_| panic!("bad value {s}")),
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/ufuncs.txt")).unwrap();
        let mut inputs = HashMap::new();
        let mut results = HashMap::new();
        for l in text.lines() {
            let f: Vec<&str> = l.split('|').collect();
            let (kind, key, rest) = match f[0] {
                "INPUT" => ("INPUT", f[1].to_string(), &f[2..]),
                "RESULT" => ("RESULT", f[1..4].join("|"), &f[4..]),
                _ => panic!("bad fixture line"),
            };
            let shape = rest[1].split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect();
            let values = rest[2].split(',').filter(|x| !x.is_empty()).map(parse_value).collect();
            let e = Entry { dtype: rest[0].to_string(), shape, values };
            if kind == "INPUT" {
                inputs.insert(key, e);
            } else {
                results.insert(key, e);
            }
        }
        Fixture { inputs, results }
    })
}

/// Input `name` as an array of `T`, with the `c`-th chunking of its shape.
fn input<T: Element>(name: &str, c: usize) -> ChunkedArray<T> {
    let e = &fixture().inputs[name];
    assert_eq!(e.dtype, T::DTYPE.name(), "input {name} read as {}", T::DTYPE.name());
    let a = ArrayD::from_shape_vec(IxDyn(&e.shape), e.values.iter().map(|&v| T::from_f64(v)).collect()).unwrap();
    let chunks = common::chunkings(&e.shape);
    ChunkedArray::from_array(a, chunks[c % chunks.len()].clone()).unwrap()
}

const SWEEPS: usize = 4;

/// Compare `build(c)` for every chunking `c` with NumPy's result `key`: element type, shape,
/// values (NaN equal to NaN, zeros of the same sign, floats within `rtol`).
fn check<U: Element>(key: &str, rtol: f64, build: impl Fn(usize) -> ChunkedArray<U>) {
    let want = fixture().results.get(key).unwrap_or_else(|| panic!("no fixture {key}"));
    for c in 0..SWEEPS {
        let y = build(c);
        assert_eq!(y.dtype_name(), want.dtype, "{key}: element type");
        let got = y.compute().unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(got.shape(), want.shape.as_slice(), "{key}: shape");
        for (i, (g, &w)) in got.iter().zip(&want.values).enumerate() {
            let g = g.to_f64();
            let ok = (g.is_nan() && w.is_nan())
                || (g == w && (g != 0.0 || g.is_sign_negative() == w.is_sign_negative()))
                || (g.is_finite() && w.is_finite() && (g - w).abs() <= rtol * w.abs());
            assert!(ok, "{key} (chunking {c}): element {i}: got {g:?}, NumPy {w:?}");
        }
    }
}

fn tol<T: Element>() -> f64 {
    if T::DTYPE == ndchunk::DType::F32 {
        2e-6
    } else {
        4e-15
    }
}

fn float_unary<T: Float>(name: &str) {
    let t = tol::<T>();
    let k = |f: &str| format!("{f}|{name}|");
    check(&k("sign"), 0.0, |c| input::<T>(name, c).sign());
    check(&k("square"), 0.0, |c| input::<T>(name, c).square());
    check(&k("cbrt"), t, |c| input::<T>(name, c).cbrt());
    check(&k("reciprocal"), 0.0, |c| input::<T>(name, c).reciprocal());
    check(&k("log2"), t, |c| input::<T>(name, c).log2());
    check(&k("log1p"), t, |c| input::<T>(name, c).log1p());
    check(&k("expm1"), t, |c| input::<T>(name, c).expm1());
    check(&k("exp2"), t, |c| input::<T>(name, c).exp2());
    check(&k("sinh"), t, |c| input::<T>(name, c).sinh());
    check(&k("cosh"), t, |c| input::<T>(name, c).cosh());
    check(&k("tanh"), t, |c| input::<T>(name, c).tanh());
    check(&k("arcsin"), t, |c| input::<T>(name, c).arcsin());
    check(&k("arccos"), t, |c| input::<T>(name, c).arccos());
    check(&k("arctan"), t, |c| input::<T>(name, c).arctan());
    check(&k("arcsinh"), t, |c| input::<T>(name, c).arcsinh());
    check(&k("arccosh"), t, |c| input::<T>(name, c).arccosh());
    check(&k("arctanh"), t, |c| input::<T>(name, c).arctanh());
    check(&k("deg2rad"), t, |c| input::<T>(name, c).deg2rad());
    check(&k("rad2deg"), t, |c| input::<T>(name, c).rad2deg());
    check(&k("rint"), 0.0, |c| input::<T>(name, c).rint());
    check(&k("trunc"), 0.0, |c| input::<T>(name, c).trunc());
    check(&k("fix"), 0.0, |c| input::<T>(name, c).fix());
    check(&k("signbit"), 0.0, |c| input::<T>(name, c).signbit());
    check(&k("isinf"), 0.0, |c| input::<T>(name, c).isinf());
    check(&k("isposinf"), 0.0, |c| input::<T>(name, c).isposinf());
    check(&k("isneginf"), 0.0, |c| input::<T>(name, c).isneginf());
    check(&k("nan_to_num"), 0.0, |c| input::<T>(name, c).nan_to_num());
    check(&k("positive"), 0.0, |c| input::<T>(name, c).positive());
    check(&k("logical_not"), 0.0, |c| input::<T>(name, c).logical_not());
    for d in [0, 1, 2, -1, -2] {
        check(&format!("around|{name}|{d}"), 0.0, |c| input::<T>(name, c).around(d));
    }
    let (m1, nine) = (T::from_f64(-1.0), T::from_f64(9.0));
    check(&k("nan_to_num_with"), 0.0, |c| input::<T>(name, c).nan_to_num_with(m1, nine, T::from_f64(-9.0)));
    let (lo, hi) = (T::from_f64(-1.0), T::from_f64(2.0));
    check(&format!("clip|{name}|-1,2"), 0.0, |c| input::<T>(name, c).clip(lo, hi));
    check(&format!("clip|{name}|2,-1"), 0.0, |c| input::<T>(name, c).clip(hi, lo));
    check(&format!("clip|{name}|-1,2"), 0.0, |c| input::<T>(name, c).clip_with(lo, hi).unwrap());
}

#[test]
fn float_unary_ufuncs_match_numpy() {
    for name in ["fa", "ez", "s0"] {
        float_unary::<f64>(name);
    }
    float_unary::<f32>("ga");
}

fn int_unary<T: Number + ndchunk::Integer>(name: &str) {
    let k = |f: &str| format!("{f}|{name}|");
    check(&k("sign"), 0.0, |c| input::<T>(name, c).sign());
    check(&k("square"), 0.0, |c| input::<T>(name, c).square());
    check(&k("reciprocal_nonzero"), 0.0, |c| {
        let x = input::<T>(name, c);
        ndchunk::where_(&x.eq(T::zero()).unwrap(), T::one(), &x).unwrap().reciprocal()
    });
    // values near the type's limits left out (NumPy's result there is an undefined cast)
    let limits = |c| {
        let x = input::<T>(name, c);
        let near =
            x.gt(T::MAX.num_sub(T::from_f64(100.0))).unwrap() | x.lt(T::MIN.num_add(T::from_f64(100.0))).unwrap();
        ndchunk::where_(&near, T::zero(), &x).unwrap()
    };
    check(&k("around_input"), 0.0, limits);
    for d in [1, -1, -2] {
        check(&format!("around|{name}|{d}"), 0.0, |c| limits(c).around(d));
    }
    check(&k("invert"), 0.0, |c| input::<T>(name, c).invert());
    check(&k("invert"), 0.0, |c| !&input::<T>(name, c));
    check(&k("logical_not"), 0.0, |c| input::<T>(name, c).logical_not());
    check(&k("abs"), 0.0, |c| input::<T>(name, c).abs());
}

#[test]
fn integer_and_bool_unary_ufuncs_match_numpy() {
    int_unary::<i32>("ia");
    int_unary::<i8>("ca");
    int_unary::<u8>("ua");
    int_unary::<i64>("la");
    int_unary::<u64>("qa");
    for name in ["ba", "bb"] {
        check(&format!("invert|{name}|"), 0.0, |c| input::<bool>(name, c).invert());
        check(&format!("invert|{name}|"), 0.0, |c| !input::<bool>(name, c));
        check(&format!("logical_not|{name}|"), 0.0, |c| input::<bool>(name, c).logical_not());
    }
}

fn binary_common<T: Number>(a: &str, b: &str) {
    let k = |f: &str| format!("{f}|{a},{b}|");
    let x = |c| input::<T>(a, c);
    let y = |c| input::<T>(b, c);
    check(&k("maximum"), 0.0, |c| x(c).maximum(&y(c)).unwrap());
    check(&k("minimum"), 0.0, |c| x(c).minimum(&y(c)).unwrap());
    check(&k("fmax"), 0.0, |c| x(c).fmax(&y(c)).unwrap());
    check(&k("fmin"), 0.0, |c| x(c).fmin(&y(c)).unwrap());
    check(&k("floor_divide"), 0.0, |c| x(c).floor_divide(&y(c)).unwrap());
    check(&k("remainder"), 0.0, |c| x(c).remainder(&y(c)).unwrap());
    check(&k("remainder"), 0.0, |c| &x(c) % &y(c));
    check(&k("fmod"), 0.0, |c| x(c).fmod(&y(c)).unwrap());
    check(&k("true_divide"), 0.0, |c| x(c).true_divide(&y(c)).unwrap());
    check(&k("floor_divide"), 0.0, |c| x(c).divmod(&y(c)).unwrap().0);
    check(&k("remainder"), 0.0, |c| x(c).divmod(&y(c)).unwrap().1);
    check(&k("logical_and"), 0.0, |c| x(c).logical_and(&y(c)).unwrap());
    check(&k("logical_or"), 0.0, |c| x(c).logical_or(&y(c)).unwrap());
    check(&k("logical_xor"), 0.0, |c| x(c).logical_xor(&y(c)).unwrap());
    check(&k("greater"), 0.0, |c| x(c).gt(&y(c)).unwrap());
    check(&k("less_equal"), 0.0, |c| x(c).le(&y(c)).unwrap());
    check(&k("not_equal"), 0.0, |c| x(c).ne(&y(c)).unwrap());
    check(&k("add"), 0.0, |c| x(c) + y(c));
    check(&k("subtract"), 0.0, |c| x(c) - &y(c));
    check(&k("multiply"), 0.0, |c| &x(c) * y(c));
    check(&k("add"), 0.0, |c| {
        let mut z = x(c);
        z += &y(c);
        z
    });
    check(&k("multiply"), 0.0, |c| {
        let mut z = x(c);
        z *= y(c);
        z
    });
}

fn binary_float<T: Float>(a: &str, b: &str) {
    binary_common::<T>(a, b);
    let t = tol::<T>();
    let k = |f: &str| format!("{f}|{a},{b}|");
    let x = |c| input::<T>(a, c);
    let y = |c| input::<T>(b, c);
    check(&k("arctan2"), t, |c| x(c).arctan2(&y(c)).unwrap());
    check(&k("hypot"), t, |c| x(c).hypot(&y(c)).unwrap());
    check(&k("copysign"), 0.0, |c| x(c).copysign(&y(c)).unwrap());
    check(&k("nextafter"), 0.0, |c| x(c).nextafter(&y(c)).unwrap());
    check(&k("logaddexp"), t, |c| x(c).logaddexp(&y(c)).unwrap());
    check(&k("logaddexp2"), t, |c| x(c).logaddexp2(&y(c)).unwrap());
    check(&k("power"), t, |c| x(c).power(&y(c)).unwrap());
    check(&k("float_power"), 4e-15, |c| x(c).float_power(&y(c)).unwrap());
    check(&k("isclose"), 0.0, |c| x(c).isclose(&y(c), 1e-5, 1e-8, false).unwrap());
    check(&k("isclose_nan"), 0.0, |c| x(c).isclose(&y(c), 0.1, 0.5, true).unwrap());
    check(&k("allclose"), 0.0, |c| x(c).allclose(&y(c), 1e-5, 1e-8, false).unwrap());
}

fn binary_int<T: Number + ndchunk::Integer>(a: &str, b: &str) {
    binary_common::<T>(a, b);
    let k = |f: &str| format!("{f}|{a},{b}|");
    let x = |c| input::<T>(a, c);
    let y = |c| input::<T>(b, c);
    check(&k("bitwise_and"), 0.0, |c| &x(c) & &y(c));
    check(&k("bitwise_or"), 0.0, |c| x(c) | y(c));
    check(&k("bitwise_xor"), 0.0, |c| x(c).bitwise_xor(&y(c)).unwrap());
    check(&k("left_shift"), 0.0, |c| &x(c) << &y(c));
    check(&k("right_shift"), 0.0, |c| x(c).right_shift(&y(c)).unwrap());
    check(&k("right_shift"), 0.0, |c| {
        let mut z = x(c);
        z >>= y(c);
        z
    });
}

#[test]
fn binary_ufuncs_of_one_type_match_numpy() {
    binary_float::<f64>("fa", "fb");
    binary_float::<f32>("ga", "gb");
    binary_float::<f64>("fa", "fr");
    binary_float::<f64>("fr", "fa");
    binary_int::<i32>("ia", "ib");
    binary_int::<i8>("ca", "cb");
    binary_int::<u8>("ua", "ub");
    check("power|ia,ie|", 0.0, |c| input::<i32>("ia", c).power(&input::<i32>("ie", c)).unwrap());
    check("power|ca,cb_abs|", 0.0, |c| {
        let e = input::<i8>("cb", c).abs();
        input::<i8>("ca", c).power(&e).unwrap()
    });
    check("float_power|ia,ie|", 4e-15, |c| input::<i32>("ia", c).float_power(&input::<i32>("ie", c)).unwrap());
    check("ldexp|fa,ib|", 0.0, |c| input::<f64>("fa", c).ldexp(&input::<i32>("ib", c)).unwrap());
    check("ldexp|ga,ib|", 0.0, |c| input::<f32>("ga", c).ldexp(&input::<i32>("ib", c)).unwrap());
    check("clip_with|fa,fr,fb|", 0.0, |c| {
        input::<f64>("fa", c).clip_with(&input::<f64>("fr", c), &input::<f64>("fb", c)).unwrap()
    });
}

#[test]
fn logical_and_bitwise_operators_on_bool_match_numpy() {
    let x = |c| input::<bool>("ba", c);
    let y = |c| input::<bool>("bb", c);
    check("bitwise_and|ba,bb|", 0.0, |c| &x(c) & &y(c));
    check("bitwise_or|ba,bb|", 0.0, |c| x(c) | &y(c));
    check("bitwise_xor|ba,bb|", 0.0, |c| &x(c) ^ y(c));
    check("logical_and|ba,bb|", 0.0, |c| x(c).logical_and(&y(c)).unwrap());
    check("logical_or|ba,bb|", 0.0, |c| ndchunk::logical_or(&x(c), &y(c)).unwrap());
    check("logical_xor|ba,bb|", 0.0, |c| x(c).logical_xor(&y(c)).unwrap());
    check("bitwise_and|ba,bb|", 0.0, |c| {
        let mut z = x(c);
        z &= y(c);
        z
    });
}

/// The promoting free functions for one pair of element types.
macro_rules! mixed {
    ($a:literal: $A:ty, $b:literal: $B:ty) => {{
        let k = |f: &str| format!("{f}|{},{}|", $a, $b);
        let x = |c| input::<$A>($a, c);
        let y = |c| input::<$B>($b, c);
        check(&k("add"), 0.0, |c| ndchunk::add(&x(c), &y(c)).unwrap());
        check(&k("subtract"), 0.0, |c| ndchunk::subtract(&x(c), &y(c)).unwrap());
        check(&k("multiply"), 0.0, |c| ndchunk::multiply(&x(c), &y(c)).unwrap());
        check(&k("maximum"), 0.0, |c| ndchunk::maximum(&x(c), &y(c)).unwrap());
        check(&k("minimum"), 0.0, |c| ndchunk::minimum(&x(c), &y(c)).unwrap());
        check(&k("floor_divide"), 0.0, |c| ndchunk::floor_divide(&x(c), &y(c)).unwrap());
        check(&k("remainder"), 0.0, |c| ndchunk::remainder(&x(c), &y(c)).unwrap());
        check(&k("true_divide"), 0.0, |c| ndchunk::divide(&x(c), &y(c)).unwrap());
        check(&k("greater"), 0.0, |c| ndchunk::greater(&x(c), &y(c)).unwrap());
        check(&k("equal"), 0.0, |c| ndchunk::equal(&x(c), &y(c)).unwrap());
        check(&k("logical_and"), 0.0, |c| ndchunk::logical_and(&x(c), &y(c)).unwrap());
        assert_eq!(
            ndchunk::result_type(<$A as Element>::DTYPE, <$B as Element>::DTYPE).name(),
            fixture().results[&k("add")].dtype
        );
    }};
}

#[test]
fn mixed_element_types_promote_as_numpy() {
    mixed!("ia": i32, "fa": f64);
    mixed!("fa": f64, "ia": i32);
    mixed!("ca": i8, "ua": u8);
    mixed!("la": i64, "qa": u64);
    mixed!("ga": f32, "la": i64);
    mixed!("ba": bool, "ca": i8);
    mixed!("ua": u8, "ia": i32);
    mixed!("ga": f32, "ca": i8);
    mixed!("ia": i32, "la": i64);
    let t = 4e-15;
    check("arctan2|ia,fa|", t, |c| ndchunk::arctan2(&input::<i32>("ia", c), &input::<f64>("fa", c)).unwrap());
    check("hypot|ia,fa|", t, |c| ndchunk::hypot(&input::<i32>("ia", c), &input::<f64>("fa", c)).unwrap());
    check("logaddexp|ga,la|", t, |c| ndchunk::logaddexp(&input::<f32>("ga", c), &input::<i64>("la", c)).unwrap());
    check("arctan2|ga,ua|", 2e-6, |c| ndchunk::arctan2(&input::<f32>("ga", c), &input::<u8>("ua", c)).unwrap());
    check("hypot|ia,la|", t, |c| ndchunk::hypot(&input::<i32>("ia", c), &input::<i64>("la", c)).unwrap());
    check("bitwise_and|ca,ua|", 0.0, |c| ndchunk::bitwise_and(&input::<i8>("ca", c), &input::<u8>("ua", c)).unwrap());
    check("bitwise_or|ia,la|", 0.0, |c| ndchunk::bitwise_or(&input::<i32>("ia", c), &input::<i64>("la", c)).unwrap());
    check("bitwise_xor|ba,ca|", 0.0, |c| ndchunk::bitwise_xor(&input::<bool>("ba", c), &input::<i8>("ca", c)).unwrap());
}

#[test]
fn promotion_table_is_numpys() {
    use ndchunk::DType::*;
    let all = [Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64];
    for a in all {
        assert_eq!(ndchunk::result_type(a, a), a);
        assert_eq!(ndchunk::result_type(Bool, a), a);
        for b in all {
            assert_eq!(ndchunk::result_type(a, b), ndchunk::result_type(b, a), "{a} {b}");
        }
    }
    assert_eq!(ndchunk::result_type(U8, I8), I16);
    assert_eq!(ndchunk::result_type(U32, I32), I64);
    assert_eq!(ndchunk::result_type(F32, I32), F64);
    assert_eq!(ndchunk::result_type(F32, I16), F32);
    assert_eq!(ndchunk::result_type(U64, I8), F64);
}

#[test]
fn scalars_on_either_side_and_owned_operands() {
    let a = ndarray::array![[1.0, -2.0, 4.0], [0.5, 8.0, -1.0]].into_dyn();
    for chunks in common::chunkings(&[2, 3]) {
        let x: ChunkedArray<f64> = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        assert_eq!((2.0 - &x).compute().unwrap(), a.mapv(|v| 2.0 - v));
        assert_eq!((1.0 / &x).compute().unwrap(), a.mapv(|v| 1.0 / v));
        let numpy_rem = |a: f64, b: f64| {
            let r = a % b;
            if r != 0.0 && (r < 0.0) != (b < 0.0) {
                r + b
            } else {
                r
            }
        };
        assert_eq!((3.0 % &x).compute().unwrap(), a.mapv(|v| numpy_rem(3.0, v)));
        assert_eq!(((&x * 2.0) - 1.0).compute().unwrap(), a.mapv(|v| v * 2.0 - 1.0));
        assert_eq!((-(x.clone() + 1.0)).compute().unwrap(), a.mapv(|v| -(v + 1.0)));
        assert_eq!((2.0 * x.clone()).compute().unwrap(), a.mapv(|v| 2.0 * v));
        let mut y = x.clone();
        y -= 1.0;
        y /= &x;
        y %= 0.75;
        let want = a.mapv(|v| numpy_rem((v - 1.0) / v, 0.75));
        assert_eq!(y.compute().unwrap(), want);
        let i = x.astype::<i32>();
        assert_eq!((6 & &i).compute().unwrap(), a.mapv(|v| 6 & v as i32));
        assert_eq!((&i << 2).compute().unwrap(), a.mapv(|v| (v as i32) << 2));
        assert_eq!((7i32 - i.clone()).compute().unwrap(), a.mapv(|v| 7 - v as i32));
        let m = x.gt(0.0).unwrap();
        assert_eq!((true ^ &m).compute().unwrap(), a.mapv(|v| v <= 0.0));
        assert_eq!(ndchunk::add(&x, 1u8).unwrap().compute().unwrap(), a.mapv(|v| v + 1.0));
        assert_eq!(ndchunk::add(2i64, &i).unwrap().compute().unwrap(), a.mapv(|v| 2 + v as i64));
    }
}

#[test]
fn compute_tuple_keeps_each_type_and_shares_work() {
    let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [3]).unwrap();
    let i = x.astype::<i32>();
    let (s, m, b, v) =
        ndchunk::compute((&x.sum(None).unwrap(), &i.max(None).unwrap(), &x.gt(4.5).unwrap(), &i)).unwrap();
    assert_eq!(s[[]], 45.0);
    assert_eq!(m[[]], 9);
    assert_eq!(b.iter().filter(|&&t| t).count(), 5);
    assert_eq!(v.as_slice().unwrap(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let (one,) = ndchunk::compute((&x,)).unwrap();
    assert_eq!(one.len(), 10);
}

#[test]
fn bad_arguments_are_errors() {
    let x = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    let y = ndchunk::ones::<f64>(&[3, 5], [2, 2]).unwrap();
    assert!(matches!(x.maximum(&y), Err(Error::Broadcast { .. })));
    assert!(matches!(x.arctan2(&y), Err(Error::Broadcast { .. })));
    assert!(matches!(ndchunk::add(&x, &y.astype::<i32>()), Err(Error::Broadcast { .. })));
    assert!(matches!(x.isclose(&x, -1.0, 0.0, false), Err(Error::Value(_))));
    assert!(matches!(x.isclose(&x, f64::NAN, 0.0, false), Err(Error::Value(_))));
    let i = x.astype::<i64>();
    assert!(matches!(i.power(-1), Err(Error::Value(_))));
    assert!(matches!(x.clip_with(&y, 1.0), Err(Error::Broadcast { .. })));
    let m = x.gt(0.0).unwrap();
    let n = m.slice(ndarray::s![.., 0..3]).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| &m & &n));
    assert!(r.is_err(), "an operator on shapes that do not broadcast panics, as ndarray's");
}

#[test]
fn new_elementwise_ops_fuse_into_one_task_per_block() {
    let x = ndchunk::ones::<f64>(&[40, 40], [10, 10]).unwrap();
    let y = x.sign().maximum(&x.square()).unwrap().hypot(2.0).unwrap().around(3).cbrt();
    let plan = ndchunk::graph::Plan::build(&[y.node_for_tests()]).unwrap();
    // 16 source blocks of `ones` and one fused task per output block
    assert!(plan.ntasks() <= 32, "expected the chain fused, got {} tasks", plan.ntasks());
    let want = ((5f64.sqrt() * 1000.0).round_ties_even() / 1000.0).cbrt();
    assert!(y.compute().unwrap().iter().all(|&v| v == want));
}

mod properties {
    //! Random shapes × chunkings × broadcasting for the binary ufuncs, against ndarray's
    //! broadcasting applied to NumPy's scalar rules (the scalar values themselves are checked
    //! against NumPy above; this exercises chunk unification and broadcasting).
    use ndarray::{ArrayD, IxDyn, Zip};
    use ndchunk::prelude::*;
    use ndchunk::ufunc::{FloatUfuncs, Integer, NumberUfuncs};
    use proptest::prelude::*;

    const VALUES: [f64; 9] = [0.0, -0.0, 1.5, -2.5, 3.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 7.25];

    fn shapes() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
        prop::collection::vec(0usize..5, 0..=3).prop_flat_map(|a| {
            let n = a.len();
            (Just(a), 0..=n, prop::collection::vec(any::<bool>(), n)).prop_map(move |(a, k, ones)| {
                // b: a suffix of a's shape with some axes of length 1 (broadcast)
                let b = a[n - k..].iter().zip(&ones[n - k..]).map(|(&d, &one)| if one { 1 } else { d }).collect();
                (a, b)
            })
        })
    }

    fn chunks(shape: &[usize]) -> impl Strategy<Value = Vec<usize>> {
        shape.iter().map(|&n| 1..=n.max(1)).collect::<Vec<_>>()
    }

    fn case() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, usize, u64)> {
        shapes().prop_flat_map(|(a, b)| {
            (Just(a.clone()), Just(b.clone()), chunks(&a), chunks(&b), 0usize..10, any::<u64>())
        })
    }

    fn fill(shape: &[usize], seed: u64) -> ArrayD<f64> {
        let mut s = seed | 1;
        ArrayD::from_shape_fn(IxDyn(shape), |_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            VALUES[(s % VALUES.len() as u64) as usize]
        })
    }

    fn reference<T: Copy, U>(a: &ArrayD<T>, b: &ArrayD<T>, f: impl Fn(T, T) -> U) -> ArrayD<U> {
        Zip::from(a).and_broadcast(b).map_collect(|&x, &y| f(x, y))
    }

    fn same(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
        a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn binary_float_ufuncs_broadcast_over_any_chunks((sa, sb, ca, cb, op, seed) in case()) {
            let (a, b) = (fill(&sa, seed), fill(&sb, seed.rotate_left(17)));
            let x = ChunkedArray::from_array(a.clone(), ca).unwrap();
            let y = ChunkedArray::from_array(b.clone(), cb).unwrap();
            let (got, want) = match op {
                0 => (x.maximum(&y).unwrap(), reference(&a, &b, |p: f64, q| p.np_maximum(q))),
                1 => (x.fmin(&y).unwrap(), reference(&a, &b, |p: f64, q| p.np_fmin(q))),
                2 => (x.floor_divide(&y).unwrap(), reference(&a, &b, |p: f64, q| p.np_floor_divide(q))),
                3 => (x.remainder(&y).unwrap(), reference(&a, &b, |p: f64, q| ndchunk::Number::num_rem(p, q))),
                4 => (x.fmod(&y).unwrap(), reference(&a, &b, |p: f64, q| p % q)),
                5 => (x.hypot(&y).unwrap(), reference(&a, &b, |p: f64, q| p.hypot(q))),
                6 => (x.logaddexp(&y).unwrap(), reference(&a, &b, |p: f64, q| p.np_logaddexp(q))),
                7 => (x.copysign(&y).unwrap(), reference(&a, &b, |p: f64, q| p.copysign(q))),
                8 => (ndchunk::add(&x, &y.astype::<i32>()).unwrap(), reference(&a, &b, |p: f64, q| p + q as i32 as f64)),
                _ => (x.isclose(&y, 1e-5, 1e-8, true).unwrap().astype::<f64>(),
                      reference(&a, &b, |p: f64, q| ndchunk::ufunc::isclose(p, q, 1e-5, 1e-8, true) as u8 as f64)),
            };
            prop_assert!(same(&got.compute().unwrap(), &want), "op {op}");
        }

        #[test]
        fn integer_bitwise_and_shifts_broadcast_over_any_chunks((sa, sb, ca, cb, op, seed) in case()) {
            let a = fill(&sa, seed).mapv(|v| if v.is_finite() { (v * 3.0) as i16 } else { -7 });
            let b = fill(&sb, seed ^ 0x9e37).mapv(|v| if v.is_finite() { v as i16 } else { 17 });
            let x = ChunkedArray::from_array(a.clone(), ca).unwrap();
            let y = ChunkedArray::from_array(b.clone(), cb).unwrap();
            let (got, want) = match op % 5 {
                0 => (&x & &y, reference(&a, &b, |p: i16, q| p & q)),
                1 => (&x ^ &y, reference(&a, &b, |p: i16, q| p ^ q)),
                2 => (&x << &y, reference(&a, &b, |p: i16, q| p.np_shl(q))),
                3 => (&x >> &y, reference(&a, &b, |p: i16, q| p.np_shr(q))),
                _ => (x.floor_divide(&y).unwrap(), reference(&a, &b, |p: i16, q| p.np_floor_divide(q))),
            };
            prop_assert_eq!(got.compute().unwrap(), want, "op {}", op);
        }
    }
}
