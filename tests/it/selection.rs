//! Selection by value (nonzero, argwhere, flatnonzero, compress, extract, choose, select,
//! piecewise, set, put, ravel_multi_index, unravel_index) against NumPy over several
//! chunkings (fixtures/selection.txt, written by fixtures/generate_selection.py), plus
//! bad-argument and property tests. The fixture driver is shared with `statistics.rs`.

use crate::common::{self, Fixture};

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn, SliceInfoElem};
use ndchunk::prelude::*;
use ndchunk::{ChooseMode, Piece, ReduceOptions, Scalar};
use proptest::prelude::*;

pub fn load() -> Fixture {
    common::load_fixture("selection.txt")
}

/// A fixture value as `U` (exact for integers).
fn parse_elem<U: Element>(s: &str) -> U {
    let sc = if U::DTYPE == DType::Bool {
        Scalar::Bool(s == "1")
    } else if U::DTYPE.is_float() {
        Scalar::Float(s.parse().unwrap())
    } else if matches!(U::DTYPE, DType::U8 | DType::U16 | DType::U32 | DType::U64) {
        Scalar::UInt(s.parse().unwrap())
    } else {
        Scalar::Int(s.parse().unwrap())
    };
    U::from_scalar(sc)
}

/// A scalar argument (`value=7`) as `U`, converted as NumPy assigns a Python number.
fn parse_value<U: Element>(s: &str) -> Option<U> {
    s.parse::<f64>().ok().map(|v| U::from_scalar(Scalar::Float(v)))
}

use ndchunk::DType;

/// The test's context: the fixture and which chunking (index into `common::chunkings`) to use.
pub struct Ctx<'a> {
    fx: &'a Fixture,
    name: &'a str,
    variant: usize,
}

impl Ctx<'_> {
    /// Another input, chunked with the next chunking in the list (so operands differ).
    fn get<U: Element>(&self, name: &str) -> ChunkedArray<U> {
        let (dtype, shape, vals) = &self.fx.inputs[name];
        assert_eq!(dtype, U::DTYPE.name(), "input {name}");
        let data = ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse_elem::<U>(v)).collect()).unwrap();
        let ch = common::chunkings(shape);
        ChunkedArray::from_array(data, ch[(self.variant + 1) % ch.len()].clone()).unwrap()
    }
    fn dtype_of(&self, name: &str) -> &str {
        &self.fx.inputs[name].0
    }
}

pub type Got = Result<(String, ArrayD<Scalar>)>;

pub fn done<U: Element>(r: Result<ChunkedArray<U>>) -> Got {
    let a = r?.compute()?;
    Ok((U::DTYPE.name().to_string(), a.mapv(|v| v.to_scalar())))
}

fn nth(r: Result<Vec<ChunkedArray<i64>>>, k: usize) -> Got {
    done(r.map(|mut v| v.swap_remove(k)))
}

fn parse_mode(m: &str) -> ChooseMode {
    match m {
        "raise" => ChooseMode::Raise,
        "wrap" => ChooseMode::Wrap,
        "clip" => ChooseMode::Clip,
        m => panic!("mode {m}"),
    }
}

/// Equal, NaN equal to NaN.
fn same(a: &Scalar, b: &Scalar) -> bool {
    match (a, b) {
        (Scalar::Float(x), Scalar::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// NumPy's slice syntax (the forms the generator uses) as ndarray slice elements.
fn parse_slice(spec: &str) -> Vec<SliceInfoElem> {
    spec.split(',')
        .map(|p| {
            if p == "None" {
                SliceInfoElem::NewAxis
            } else if p.contains(':') {
                let b: Vec<Option<isize>> = p.split(':').map(|x| x.parse().ok()).collect();
                let step = b.get(2).copied().flatten().unwrap_or(1);
                // the generator uses negative steps only over whole axes, where NumPy and
                // ndarray agree
                assert!(step > 0 || (b[0].is_none() && b[1].is_none()), "slice {p}");
                SliceInfoElem::Slice { start: b[0].unwrap_or(0), end: b[1], step }
            } else {
                SliceInfoElem::Index(p.parse().unwrap())
            }
        })
        .collect()
}

/// Ops every element type supports.
fn run_common<T: ndchunk::Ordered>(ctx: &Ctx, x: &ChunkedArray<T>, op: &str, a: &HashMap<&str, &str>) -> Option<Got> {
    let axis = || common::parse_axes(a["axis"]);
    // keepdims from the record; split_every varied with the chunking, so every statistic is
    // checked through several combine trees
    let opts = ReduceOptions::new().keepdims(a.get("keepdims") == Some(&"1")).split_every(2 + ctx.variant % 3);
    let r = x.reduce_with(opts);
    macro_rules! by_dtype {
        ($dt:expr, $m:ident, $on:expr) => {
            match $dt {
                "bool" => done($on.$m::<bool>(axis())),
                "int8" => done($on.$m::<i8>(axis())),
                "int16" => done($on.$m::<i16>(axis())),
                "int64" => done($on.$m::<i64>(axis())),
                "uint8" => done($on.$m::<u8>(axis())),
                "float32" => done($on.$m::<f32>(axis())),
                "float64" => done($on.$m::<f64>(axis())),
                d => panic!("dtype {d}"),
            }
        };
    }
    Some(match op {
        "count_nonzero" => done(r.count_nonzero(axis())),
        "average" => done(r.average(axis(), None, false).map(|r| r.0)),
        "average_ret1" => done(r.average(axis(), None, true).map(|r| r.1.unwrap())),
        "waverage" => done(r.average(axis(), Some(&ctx.get::<f64>(a["weights"])), false).map(|r| r.0)),
        "waverage_ret1" => done(r.average(axis(), Some(&ctx.get::<f64>(a["weights"])), true).map(|r| r.1.unwrap())),
        "moment" => done(r.moment(a["order"].parse().unwrap(), axis())),
        "moment_ddof" => done(r.moment_ddof(a["order"].parse().unwrap(), axis(), a["ddof"].parse().unwrap())),
        "sum_as" => by_dtype!(a["dtype"], sum_as, r),
        "prod_as" => by_dtype!(a["dtype"], prod_as, r),
        "mean_as" => match a["dtype"] {
            "float32" => done(r.mean_as::<f32>(axis())),
            "float64" => done(r.mean_as::<f64>(axis())),
            d => panic!("dtype {d}"),
        },
        "cumsum_as" => by_dtype!(a["dtype"], cumsum_as, x),
        "cumprod_as" => by_dtype!(a["dtype"], cumprod_as, x),
        "nancumsum" => done(x.nancumsum(axis())),
        "nancumprod" => done(x.nancumprod(axis())),
        "argwhere" => done(ndchunk::argwhere(x)),
        "flatnonzero" => done(ndchunk::flatnonzero(x)),
        _ if op.starts_with("nonzero") => {
            let k: usize = op["nonzero".len()..].parse().unwrap();
            // the 1-argument `where` is `nonzero`: check both spellings agree
            if k == 0 && x.ndim() > 0 {
                let w = ndchunk::where_one(x).unwrap()[0].compute().unwrap();
                assert_eq!(w, x.nonzero().unwrap()[0].compute().unwrap());
            }
            nth(ndchunk::nonzero(x), k)
        }
        "compress" => {
            let cond: Vec<bool> = a["cond"].chars().map(|c| c == '1').collect();
            let ax = match a["axis"] {
                "None" => None,
                s => Some(s.parse().unwrap()),
            };
            let eager = done(ndchunk::compress(&cond, x, ax));
            // a lazy condition (a ChunkedArray<bool>, chunked otherwise) agrees, or is an error
            // when longer than the axis
            let n = match ax {
                None => x.size(),
                Some(a) => x.shape()[a.rem_euclid(x.ndim() as isize) as usize],
            };
            // (NumPy's quirk for arrays without elements, whose result counts true entries past
            // the axis too, is followed for bools only)
            if !cond.is_empty() && (x.size() > 0 || cond.len() <= n) {
                let c =
                    ChunkedArray::from_array(ndarray::Array1::from(cond.clone()), [cond.len().div_ceil(2)]).unwrap();
                let lazy = done(ndchunk::compress(&c, x, ax));
                match (&lazy, &eager) {
                    (Ok(l), Ok(e)) => {
                        assert_eq!(l.1.shape(), e.1.shape(), "lazy compress shape");
                        assert!(l.1.iter().zip(e.1.iter()).all(|(a, b)| same(a, b)), "lazy compress");
                    }
                    (Err(Error::Index { .. }), Err(Error::Index { .. })) => {}
                    _ => panic!("lazy compress {:?} vs eager {:?} (n = {n})", lazy.is_ok(), eager.is_ok()),
                }
            }
            eager
        }
        "extract" => match ctx.dtype_of(a["cond"]) {
            "bool" => done(ndchunk::extract(&ctx.get::<bool>(a["cond"]), x)),
            _ => done(ndchunk::extract(&ctx.get::<i32>(a["cond"]), x)),
        },
        "set" => {
            let m = ctx.get::<bool>(a["mask"]);
            match parse_value::<T>(a["value"]) {
                Some(v) => done(x.set(&m, v)),
                None => done(x.set(&m, ctx.get::<T>(a["value"]))),
            }
        }
        "put" => {
            let s = parse_slice(a["slice"]);
            match parse_value::<T>(a["value"]) {
                Some(v) => done(x.put(&s, v)),
                None => done(x.put(&s, ctx.get::<T>(a["value"]))),
            }
        }
        "choose" => {
            let idx = ctx.get::<i64>(a["index"]);
            let choices: Vec<ChunkedArray<T>> = a["choices"].split(',').map(|n| ctx.get::<T>(n)).collect();
            let refs: Vec<&ChunkedArray<T>> = choices.iter().collect();
            done(ndchunk::choose(&idx, &refs, parse_mode(a["mode"])))
        }
        "select" => {
            let conds: Vec<ChunkedArray<bool>> = a["conds"].split(',').map(|n| ctx.get::<bool>(n)).collect();
            let choices: Vec<ChunkedArray<T>> = a["choices"].split(',').map(|n| ctx.get::<T>(n)).collect();
            let c: Vec<&ChunkedArray<bool>> = conds.iter().collect();
            let ch: Vec<&ChunkedArray<T>> = choices.iter().collect();
            done(ndchunk::select(&c, &ch, parse_value::<T>(a["default"]).unwrap()))
        }
        "ravel_multi_index" => {
            let dims = common::parse_shape(a["dims"]);
            let arrs: Vec<ChunkedArray<i64>> = a["arrays"].split(',').map(|n| ctx.get::<i64>(n)).collect();
            let refs: Vec<&ChunkedArray<i64>> = arrs.iter().collect();
            match a.get("mode") {
                None => done(ndchunk::ravel_multi_index(&refs, &dims)),
                Some(m) => done(ndchunk::ravel_multi_index_with(&refs, &dims, parse_mode(m))),
            }
        }
        _ if op.starts_with("unravel_index") => {
            let k: usize = op["unravel_index".len()..].parse().unwrap();
            let flat = ctx.get::<i64>(ctx.name);
            nth(ndchunk::unravel_index(&flat, &common::parse_shape(a["dims"])), k)
        }
        _ => return None,
    })
}

/// Ops that need arithmetic.
fn run_number<T: Number>(ctx: &Ctx, x: &ChunkedArray<T>, op: &str, a: &HashMap<&str, &str>) -> Option<Got> {
    match op {
        "ptp" => {
            let opts = ReduceOptions::new().keepdims(a.get("keepdims") == Some(&"1")).split_every(2 + ctx.variant % 3);
            Some(done(x.reduce_with(opts).ptp(common::parse_axes(a["axis"]))))
        }
        "piecewise" => {
            let conds: Vec<ChunkedArray<bool>> = a["conds"].split(',').map(|n| ctx.get::<bool>(n)).collect();
            let c: Vec<&ChunkedArray<bool>> = conds.iter().collect();
            let funcs: Vec<Piece<T>> = a["funcs"]
                .split(',')
                .map(|f| match f {
                    "neg" => Piece::func(|v: T| v.num_neg()),
                    "dbl" => Piece::func(|v: T| v.num_mul(T::one().num_add(T::one()))),
                    "c3" => Piece::Const(T::from_f64(3.0)),
                    f => panic!("piece {f}"),
                })
                .collect();
            Some(done(ndchunk::piecewise(x, &c, &funcs)))
        }
        _ => run_common(ctx, x, op, a),
    }
}

fn matches(got: &Scalar, want: &str, rtol: f64, atol: f64) -> bool {
    match got {
        Scalar::Bool(b) => want == if *b { "1" } else { "0" },
        Scalar::Int(i) => want.parse::<i64>() == Ok(*i),
        Scalar::UInt(u) => want.parse::<u64>() == Ok(*u),
        // these fixtures have no complex values
        Scalar::Complex(..) => false,
        Scalar::Float(g) => {
            let w: f64 = want.parse().unwrap();
            (g.is_nan() && w.is_nan()) || *g == w || (g - w).abs() <= rtol * w.abs() + atol
        }
    }
}

/// The error NumPy's exception corresponds to.
fn expected_error(class: &str, msg: &str, e: &Error) -> bool {
    match (class, e) {
        ("IndexError", Error::Index { .. }) => true,
        ("ValueError", Error::Shape(_)) => msg.starts_with("Shape of weights"),
        ("ValueError", Error::EmptyReduction(_)) => msg.starts_with("zero-size array"),
        ("ValueError" | "TypeError" | "ZeroDivisionError", Error::Value(_)) => {
            !msg.starts_with("Shape of weights") && !msg.starts_with("zero-size array")
        }
        _ => false,
    }
}

type Runner<T> = fn(&Ctx, &ChunkedArray<T>, &str, &HashMap<&str, &str>) -> Option<Got>;

fn check_input<T: ndchunk::Ordered>(fx: &Fixture, name: &str, ops: &dyn Fn(&str) -> bool, run: Runner<T>) -> usize {
    let (_, shape, vals) = &fx.inputs[name];
    let data = ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse_elem::<T>(v)).collect()).unwrap();
    let mut checked = 0;
    for (variant, chunks) in common::chunkings(shape).into_iter().enumerate() {
        let x = ChunkedArray::from_array(data.clone(), chunks.clone()).unwrap();
        let ctx = Ctx { fx, name, variant };
        for r in fx.results.iter().filter(|r| r[0] == name && ops(&r[1])) {
            let args: HashMap<&str, &str> =
                r[2].split(';').filter(|s| !s.is_empty()).map(|kv| kv.split_once('=').unwrap()).collect();
            let what = format!("{name} {} {} chunks={chunks:?}", r[1], r[2]);
            let got = run(&ctx, &x, &r[1], &args).unwrap_or_else(|| panic!("{what}: op not handled"));
            if r[3] == "ERR" {
                match got {
                    Err(e) => {
                        assert!(expected_error(&r[4], &r[5], &e), "{what}: NumPy raises {} ({}), got {e:?}", r[4], r[5])
                    }
                    Ok(g) => panic!("{what}: NumPy raises {} ({}), got {:?}", r[4], r[5], g.1),
                }
                checked += 1;
                continue;
            }
            let (dtype, arr) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(dtype, r[3], "{what}: result dtype");
            assert_eq!(arr.shape(), common::parse_shape(&r[4]).as_slice(), "{what}: shape");
            let want: Vec<&str> = if r[5].is_empty() { vec![] } else { r[5].split(',').collect() };
            let f32ish = r[3] == "float32" || fx.inputs[name].0 == "float32";
            let (rtol, atol) = if f32ish { (1e-5, 1e-5) } else { (1e-9, 1e-12) };
            assert_eq!(arr.len(), want.len(), "{what}: length");
            for (i, (g, w)) in arr.iter().zip(&want).enumerate() {
                assert!(matches(g, w, rtol, atol), "{what}: element {i}: got {g:?}, NumPy {w}");
            }
            checked += 1;
        }
    }
    checked
}

/// Check every fixture result whose op passes `ops`; returns how many were compared.
pub fn check_fixture(ops: &dyn Fn(&str) -> bool) -> usize {
    let fx = load();
    let mut names: Vec<&String> = fx.results.iter().map(|r| &r[0]).collect();
    names.dedup();
    let mut n = 0;
    for name in names {
        n += match fx.inputs[name.as_str()].0.as_str() {
            "float64" => check_input::<f64>(&fx, name, ops, run_number::<f64>),
            "float32" => check_input::<f32>(&fx, name, ops, run_number::<f32>),
            "int8" => check_input::<i8>(&fx, name, ops, run_number::<i8>),
            "int32" => check_input::<i32>(&fx, name, ops, run_number::<i32>),
            "int64" => check_input::<i64>(&fx, name, ops, run_number::<i64>),
            "uint8" => check_input::<u8>(&fx, name, ops, run_number::<u8>),
            "bool" => check_input::<bool>(&fx, name, ops, run_common::<bool>),
            d => panic!("dtype {d}"),
        };
    }
    n
}

const SELECTION_OPS: &[&str] = &[
    "argwhere",
    "flatnonzero",
    "nonzero",
    "compress",
    "extract",
    "choose",
    "select",
    "piecewise",
    "set",
    "put",
    "ravel_multi_index",
    "unravel_index",
];

#[test]
fn selection_matches_numpy_over_chunkings() {
    let n = check_fixture(&|op| SELECTION_OPS.iter().any(|s| op.starts_with(s)));
    eprintln!("selection: {n} comparisons with NumPy");
    assert!(n > 1500, "only {n} comparisons");
}

fn arr_f64(v: &[f64], chunks: usize) -> ChunkedArray<f64> {
    ChunkedArray::from_array(ndarray::Array1::from(v.to_vec()), [chunks]).unwrap()
}

#[test]
fn nonzero_has_unknown_chunks_until_computed() {
    let x = ChunkedArray::from_array(ndarray::arr2(&[[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]]), [1, 2]).unwrap();
    let nz = x.nonzero().unwrap();
    assert!(!nz[0].chunks().is_known());
    let known = nz[1].compute_chunk_sizes().unwrap();
    assert_eq!(known.shape(), &[3]);
    // unknown lengths still reduce
    assert_eq!(nz[0].sum(None).unwrap().item().unwrap(), 2);
    let aw = x.argwhere().unwrap();
    assert_eq!(aw.shape()[1], 2);
    assert_eq!(aw.compute().unwrap(), ndarray::arr2(&[[0i64, 1], [1, 0], [1, 2]]).into_dyn());
}

#[test]
fn selection_rejects_bad_arguments() {
    let x = arr_f64(&[1.0, 2.0, 3.0], 2);
    let b = x.gt(1.5).unwrap();
    let i = ChunkedArray::from_array(ndarray::arr1(&[0i64, 1, 0]), [2]).unwrap();
    // choose: no choices; float index; incompatible shapes
    assert!(matches!(ndchunk::choose::<i64, f64>(&i, &[], ChooseMode::Raise), Err(Error::Value(_))));
    assert!(matches!(ndchunk::choose(&x, &[&x], ChooseMode::Raise), Err(Error::DType(_))));
    let y4 = arr_f64(&[1.0; 4], 2);
    assert!(matches!(ndchunk::choose(&i, &[&y4], ChooseMode::Raise), Err(Error::Broadcast { .. })));
    // select: length mismatch, empty lists
    assert!(matches!(ndchunk::select(&[&b], &[&x, &x], 0.0), Err(Error::Value(_))));
    assert!(matches!(ndchunk::select::<f64>(&[], &[], 0.0), Err(Error::Value(_))));
    // piecewise: wrong number of functions, condition of another shape
    assert!(matches!(ndchunk::piecewise(&x, &[&b], &[]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::piecewise(&x, &[&b], &[1.0.into(), 2.0.into(), 3.0.into()]), Err(Error::Value(_))));
    let b4 = y4.gt(0.0).unwrap();
    assert!(matches!(ndchunk::piecewise(&x, &[&b4], &[1.0.into()]), Err(Error::Shape(_))));
    // set: mask of another shape; a value that does not broadcast to the array
    assert!(matches!(x.set(&b4, 1.0), Err(Error::Shape(_))));
    assert!(matches!(x.set(&b, &y4), Err(Error::Broadcast { .. })));
    // put: too many indices, index out of range, zero step, value not broadcasting to the slice
    assert!(matches!(x.put(ndarray::s![0, 0], 1.0), Err(Error::Index { .. })));
    assert!(matches!(x.put(ndarray::s![3], 1.0), Err(Error::Index { .. })));
    assert!(matches!(x.put(ndarray::s![-4], 1.0), Err(Error::Index { .. })));
    assert!(matches!(x.put(ndarray::s![0..2], &x), Err(Error::Broadcast { .. })));
    // compress: axis out of range, true entry past the axis
    assert!(matches!(x.compress(&[true], Some(1)), Err(Error::Axis { .. })));
    assert!(matches!(x.compress(&[false, false, false, true], Some(0)), Err(Error::Index { .. })));
    // extract: a condition larger than the array with a true entry past it, when computed
    let e = ndchunk::extract(&b4, &x).unwrap();
    assert!(matches!(e.compute(), Err(Error::Index { index: 3, .. })));
    // nonzero of a 0-d array
    let s = ndchunk::full::<f64>(&[], 1.0, [0usize; 0]).unwrap();
    assert!(matches!(s.nonzero(), Err(Error::Value(_))));
    // ravel_multi_index: wrong number of arrays, dims too large for int64
    assert!(matches!(ndchunk::ravel_multi_index(&[&i], &[3, 3]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::ravel_multi_index(&[&i, &i], &[usize::MAX / 2, 4]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::unravel_index(&i, &[1 << 40, 1 << 40]), Err(Error::Value(_))));
    // unravel_index / ravel_multi_index / choose raise when computed, with NumPy's ValueError
    let bad = ChunkedArray::from_array(ndarray::arr1(&[0i64, 9, 1]), [1]).unwrap();
    let u = ndchunk::unravel_index(&bad, &[2, 3]).unwrap();
    assert!(matches!(u[1].compute(), Err(Error::Value(_))));
    let r = ndchunk::ravel_multi_index(&[&bad, &i], &[3, 3]).unwrap();
    assert!(matches!(r.compute(), Err(Error::Value(_))));
    let c = ndchunk::choose(&bad, &[&x, &x], ChooseMode::Raise).unwrap();
    assert!(matches!(c.compute(), Err(Error::Value(_))));
    assert_eq!(ndchunk::choose(&bad, &[&x, &x], ChooseMode::Wrap).unwrap().compute().unwrap().len(), 3);
}

#[test]
fn set_and_put_keep_the_chunks() {
    let x = ChunkedArray::from_array(ndarray::Array2::<f64>::zeros((6, 4)), [4, 3]).unwrap();
    let v = ChunkedArray::from_array(ndarray::Array2::<f64>::ones((2, 4)), [1, 1]).unwrap();
    let y = x.put(ndarray::s![1..3, ..], &v).unwrap();
    assert_eq!(y.chunks(), x.chunks());
    let got = y.compute().unwrap();
    let mut want = ndarray::Array2::<f64>::zeros((6, 4));
    want.slice_mut(ndarray::s![1..3, ..]).fill(1.0);
    assert_eq!(got, want.into_dyn());
    let m = x.eq(0.0).unwrap();
    assert_eq!(x.set(&m, 2.0).unwrap().chunks(), x.chunks());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// argwhere (hence nonzero and flatnonzero) against a scan of the ndarray array, and
    /// `unravel_index(flatnonzero) == nonzero`.
    #[test]
    fn argwhere_matches_ndarray((shape, chunks) in common::shape_and_chunks(), seed in 0u64..1000) {
        let n: usize = shape.iter().product();
        let data: Vec<i32> = (0..n as u64).map(|i| ((i * 2654435761 + seed) % 5) as i32 - 2).map(|v| if v > 0 { 0 } else { v }).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let mut want = Vec::new();
        for (idx, &v) in a.indexed_iter() {
            if v != 0 {
                want.extend((0..shape.len()).map(|k| idx[k] as i64));
            }
        }
        let got = x.argwhere().unwrap().compute().unwrap();
        prop_assert_eq!(got.shape(), &[want.len() / shape.len(), shape.len()]);
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
        let flat = x.flatnonzero().unwrap().compute_chunk_sizes().unwrap();
        let coords = ndchunk::unravel_index(&flat, &shape).unwrap();
        let nz = x.nonzero().unwrap();
        for (c, z) in coords.iter().zip(&nz) {
            prop_assert_eq!(c.compute().unwrap(), z.compute().unwrap());
        }
    }

    /// put of a scalar into a random basic slice against ndarray's slice assignment.
    #[test]
    fn put_matches_ndarray((shape, chunks) in common::shape_and_chunks(), lo in 0usize..6, len in 0usize..6, step in 1isize..3) {
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), (0..n).map(|i| i as f64).collect()).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let lo = lo.min(shape[0]);
        let hi = (lo + len).min(shape[0]);
        let elem = [SliceInfoElem::Slice { start: lo as isize, end: Some(hi as isize), step }];
        let got = x.put(elem, -1.0).unwrap().compute().unwrap();
        let mut want = a.clone();
        want.slice_axis_mut(ndarray::Axis(0), ndarray::Slice::new(lo as isize, Some(hi as isize), step)).fill(-1.0);
        prop_assert_eq!(got, want);
    }
}

#[test]
fn lazy_compress_has_unknown_lengths_along_its_axis() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 5]), |i| (i[0] * 5 + i[1]) as i64);
    let x = ChunkedArray::from_array(a.clone(), [2, 2]).unwrap();
    let c = ChunkedArray::from_array(ndarray::arr1(&[true, false, true, true]), [3]).unwrap();
    let y = x.compress(&c, Some(1)).unwrap();
    assert_eq!(y.shape()[0], 3);
    assert!(!y.chunks().axis_is_known(1));
    let want = a.select(ndarray::Axis(1), &[0, 2, 3]);
    assert_eq!(y.compute().unwrap(), want);
    assert_eq!(y.compute_chunk_sizes().unwrap().shape(), &[3, 3]);
    // a 2-D condition is NumPy's ValueError
    let c2 = x.gt(3).unwrap();
    assert!(matches!(x.compress(&c2, Some(0)), Err(Error::Value(_))));
}

#[test]
fn unknown_chunk_sizes_are_reported_or_handled() {
    let x = ChunkedArray::from_array(ndarray::arr1(&[0.0, 1.0, 0.0, 2.0, 3.0]), [2]).unwrap();
    let m = x.mask(&x.ge(0.0).unwrap()).unwrap(); // unknown block lengths
    assert!(matches!(m.nonzero(), Err(Error::UnknownChunkSizes { .. })));
    assert!(matches!(m.compress(&[true], Some(0)), Err(Error::UnknownChunkSizes { .. })));
    assert!(matches!(m.put(ndarray::s![0..1], 1.0), Err(Error::UnknownChunkSizes { .. })));
    // reductions run on unknown lengths
    assert_eq!(m.count_nonzero(None).unwrap().item().unwrap(), 3);
    assert_eq!(m.ptp(None).unwrap().item().unwrap(), 3.0);
    // after compute_chunk_sizes, selection works
    let k = m.compute_chunk_sizes().unwrap();
    assert_eq!(k.nonzero().unwrap()[0].compute().unwrap().as_slice().unwrap(), &[1, 3, 4]);
}

#[test]
fn zero_dimensional_operands() {
    let s = ndchunk::full::<f64>(&[], 4.0, [0usize; 0]).unwrap();
    let t = s.gt(3.0).unwrap();
    assert_eq!(s.argwhere().unwrap().compute().unwrap().shape(), &[1, 0]);
    assert_eq!(s.flatnonzero().unwrap().compute().unwrap().as_slice().unwrap(), &[0]);
    assert_eq!(s.set(&t, 1.0).unwrap().item().unwrap(), 1.0);
    assert_eq!(s.put(ndarray::s![], 2.0).unwrap().item().unwrap(), 2.0);
    let i = ndchunk::full::<i64>(&[], 1, [0usize; 0]).unwrap();
    let x = ndchunk::arange::<f64>(0.0, 3.0, 1.0, [2]).unwrap();
    // a 0-d index broadcasts against 1-d choices
    let c = ndchunk::choose(&i, &[&s, &x], ChooseMode::Raise).unwrap();
    assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[0.0, 1.0, 2.0]);
    let y = ndchunk::select(&[&t], &[&s], 0.0).unwrap();
    assert_eq!(y.item().unwrap(), 4.0);
    let u = ndchunk::unravel_index(&i, &[2, 3]).unwrap();
    assert_eq!((u[0].item().unwrap(), u[1].item().unwrap()), (0, 1));
    assert_eq!(ndchunk::ravel_multi_index(&[&i, &i], &[2, 3]).unwrap().item().unwrap(), 4);
}

/// A random in-range slice element for an axis of length `n` (ndarray's semantics).
fn slice_elem(n: usize) -> impl Strategy<Value = SliceInfoElem> {
    let range = (0..=n, 0..=n, prop_oneof![1isize..3, -2isize..0]).prop_map(|(a, b, step)| {
        let (lo, hi) = (a.min(b), a.max(b));
        SliceInfoElem::Slice { start: lo as isize, end: Some(hi as isize), step }
    });
    if n == 0 {
        range.boxed()
    } else {
        prop_oneof![3 => range, 1 => (0..n).prop_map(|i| SliceInfoElem::Index(i as isize))].boxed()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// put of an array value into a random n-d basic slice (steps of either sign, integer
    /// indices) against ndarray's slice assignment; the value is the slice's shape.
    #[test]
    fn put_array_matches_ndarray(
        (shape, chunks, elems) in common::shape_and_chunks().prop_flat_map(|(shape, chunks)| {
            let e: Vec<_> = shape.iter().map(|&n| slice_elem(n)).collect();
            (Just(shape), Just(chunks), e)
        })
    ) {
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), (0..n).map(|i| i as f64).collect()).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let info: ndarray::SliceInfo<Vec<SliceInfoElem>, IxDyn, IxDyn> = elems.clone().try_into().unwrap();
        let mut want = a.clone();
        let target_shape = want.slice(&info).shape().to_vec();
        let m: usize = target_shape.iter().product();
        let v = ArrayD::from_shape_vec(IxDyn(&target_shape), (0..m).map(|i| -1.0 - i as f64).collect()).unwrap();
        want.slice_mut(&info).assign(&v);
        let vc = ChunkedArray::from_array(v, 2usize).unwrap();
        let got = x.put(&elems, &vc).unwrap().compute().unwrap();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn mismatched_unknown_lengths_are_an_error_when_computed() {
    let x = ChunkedArray::from_array(ndarray::arr1(&[0.0, 1.0, 2.0, 3.0]), [2]).unwrap();
    let a = x.mask(&x.gt(0.5).unwrap()).unwrap(); // 3 elements, unknown when built
    let b = x.mask(&x.gt(1.5).unwrap()).unwrap(); // 2 elements
    let i = a.mapv(|_| 0i64);
    let c = ndchunk::choose(&i, &[&a, &b], ChooseMode::Raise).unwrap();
    assert!(matches!(c.compute(), Err(Error::Shape(_))));
    let j = b.mapv(|_| 1i64);
    let r = ndchunk::ravel_multi_index(&[&i, &j], &[4, 4]).unwrap();
    assert!(matches!(r.compute(), Err(Error::Shape(_))));
}
