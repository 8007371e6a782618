//! Sets and counting (unique with index/inverse/counts, union1d, intersect1d, setdiff1d,
//! isin, bincount, digitize, searchsorted, histogram_bin_edges) against NumPy over several
//! chunkings (fixtures/sets.txt, written by fixtures/generate_sets.py), plus bad-argument and
//! property tests. The fixture driver is shared with `differences.rs` (diff, ediff1d,
//! gradient, cov, corrcoef).

use crate::common::{self, Fixture};

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{DType, Scalar, Side, Spacing, UniqueOptions};
use proptest::prelude::*;

pub fn load() -> Fixture {
    common::load_fixture("sets.txt")
}

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

pub struct Ctx<'a> {
    fx: &'a Fixture,
    variant: usize,
}

impl Ctx<'_> {
    fn data<U: Element>(&self, name: &str) -> ArrayD<U> {
        let (dtype, shape, vals) = &self.fx.inputs[name];
        assert_eq!(dtype, U::DTYPE.name(), "input {name}");
        ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse_elem::<U>(v)).collect()).unwrap()
    }
    /// Another input, chunked with the next chunking in the list (so operands differ).
    fn get<U: Element>(&self, name: &str) -> ChunkedArray<U> {
        let shape = &self.fx.inputs[name].1;
        let ch = common::chunkings(shape);
        ChunkedArray::from_array(self.data::<U>(name), ch[(self.variant + 1) % ch.len()].clone()).unwrap()
    }
    fn vec<U: Element>(&self, name: &str) -> Vec<U> {
        self.data::<U>(name).iter().copied().collect()
    }
    fn has(&self, name: &str) -> bool {
        self.fx.inputs.contains_key(name)
    }
    fn opt<U: Element>(&self, name: &str) -> Option<ChunkedArray<U>> {
        (name != "None").then(|| self.get::<U>(name))
    }
    /// A scalar or an input.
    fn operand<U: Element>(&self, v: &str) -> ndchunk::array::Operand<U> {
        if self.has(v) {
            self.get::<U>(v).into()
        } else {
            parse_elem::<U>(v).into()
        }
    }
}

pub type Got = Result<(String, ArrayD<Scalar>)>;

pub fn done<U: Element>(r: Result<ChunkedArray<U>>) -> Got {
    let a = r?.compute()?;
    Ok((U::DTYPE.name().to_string(), a.mapv(|v| v.to_scalar())))
}

fn flag(a: &HashMap<&str, &str>, k: &str) -> bool {
    a[k] == "1"
}

/// Ops every element type supports.
fn run_common<T: ndchunk::Ordered + PartialOrd>(
    ctx: &Ctx,
    x: &ChunkedArray<T>,
    op: &str,
    a: &HashMap<&str, &str>,
) -> Option<Got> {
    let split = Some(2 + ctx.variant % 3);
    let uopts = UniqueOptions { return_index: true, return_inverse: true, return_counts: true, split_every: split };
    Some(match op {
        "unique" => {
            // the plain form and the full form agree
            let plain = x.unique().unwrap().compute().unwrap();
            let full = x.unique_with(uopts).unwrap().values.compute().unwrap();
            assert!(plain.iter().zip(full.iter()).all(|(p, f)| p == f || (p.is_nan() && f.is_nan())));
            done(x.unique_with(uopts).map(|u| u.values))
        }
        "unique_index" => done(x.unique_with(uopts).map(|u| u.indices.unwrap())),
        "unique_inverse" => done(x.unique_with(uopts).map(|u| u.inverse_indices.unwrap())),
        "unique_counts" => done(x.unique_with(uopts).map(|u| u.counts.unwrap())),
        "union1d" => done(ndchunk::union1d(x, &ctx.get::<T>(a["b"]))),
        "intersect1d" => done(ndchunk::intersect1d(x, &ctx.get::<T>(a["b"]), flag(a, "assume_unique"))),
        "setdiff1d" => done(ndchunk::setdiff1d(x, &ctx.get::<T>(a["b"]), flag(a, "assume_unique"))),
        "isin" => {
            let t = ctx.get::<T>(a["b"]);
            if flag(a, "invert") {
                done(ndchunk::isin_with(x, &t, true))
            } else {
                done(ndchunk::isin(x, &t))
            }
        }
        "bincount" => match a["weights"] {
            "None" => {
                let m: usize = a["minlength"].parse().unwrap();
                // the f64 form holds the same counts
                if let (Ok(c), Ok(f)) = (x.bincount_counts(m), x.bincount(None, m)) {
                    if let (Ok(c), Ok(f)) = (c.compute(), f.compute()) {
                        assert_eq!(c.mapv(|v| v as f64), f);
                    }
                }
                done(x.bincount_counts(m))
            }
            w => done(x.bincount(Some(&ctx.get::<f64>(w)), a["minlength"].parse().unwrap())),
        },
        "digitize" => done(ndchunk::digitize(x, &ctx.vec::<T>(a["bins"]), flag(a, "right"))),
        "searchsorted" => {
            let side = if a["side"] == "left" { Side::Left } else { Side::Right };
            match a.get("sorter") {
                Some(s) => done(ndchunk::searchsorted_with(&ctx.get::<T>(a["a"]), x, side, Some(&ctx.get::<i64>(s)))),
                None => done(ndchunk::searchsorted(&ctx.get::<T>(a["a"]), x, side)),
            }
        }
        "intersect1d_values" | "intersect1d_index_a" | "intersect1d_index_b" => {
            let r = ndchunk::intersect1d_with_indices(x, &ctx.get::<T>(a["b"]), flag(a, "assume_unique"));
            match op {
                "intersect1d_values" => done(r.map(|t| t.0)),
                "intersect1d_index_a" => done(r.map(|t| t.1)),
                _ => done(r.map(|t| t.2)),
            }
        }
        "histogram_bin_edges" => {
            let range = match a["range"] {
                "None" => None,
                r => {
                    let (lo, hi) = r.split_once(',').unwrap();
                    Some((lo.parse().unwrap(), hi.parse().unwrap()))
                }
            };
            if let Some(e) = a.get("estimator") {
                return Some(done(ndchunk::histogram_bin_edges_estimated(x, e.parse().unwrap(), range)));
            }
            match a.get("edges") {
                Some(e) => done(ndchunk::histogram_bin_edges(x, ctx.vec::<f64>(e), range)),
                None => done(ndchunk::histogram_bin_edges(x, a["bins"].parse::<usize>().unwrap(), range)),
            }
        }
        "cov" => done(ndchunk::cov(
            x,
            ctx.opt::<T>(a["y"]).as_ref(),
            flag(a, "rowvar"),
            flag(a, "bias"),
            a["ddof"].parse().ok(),
            ctx.opt::<i64>(a["fweights"]).as_ref(),
            ctx.opt::<f64>(a["aweights"]).as_ref(),
        )),
        "corrcoef" => done(ndchunk::corrcoef(x, ctx.opt::<T>(a["y"]).as_ref(), flag(a, "rowvar"))),
        _ if op.starts_with("gradient") => {
            let k: usize = op["gradient".len()..].parse().unwrap();
            let spacing: Vec<Spacing> =
                a["spacing"]
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        if ctx.has(s) {
                            Spacing::Coords(ctx.vec::<f64>(s))
                        } else {
                            Spacing::Uniform(s.parse().unwrap())
                        }
                    })
                    .collect();
            let axes = common::parse_axes(a["axis"]);
            let eo: usize = a["edge_order"].parse().unwrap();
            done(x.gradient(&spacing, axes, eo).map(|mut v| v.swap_remove(k)))
        }
        _ => return None,
    })
}

/// Ops that need arithmetic.
fn run_number<T: Number>(ctx: &Ctx, x: &ChunkedArray<T>, op: &str, a: &HashMap<&str, &str>) -> Option<Got> {
    let opt = |k: &str| a.get(k).filter(|v| **v != "None").map(|v| ctx.operand::<T>(v));
    match op {
        "diff" => {
            Some(done(x.diff(a["n"].parse().unwrap(), a["axis"].parse().unwrap(), opt("prepend"), opt("append"))))
        }
        "ediff1d" => Some(done(x.ediff1d(opt("to_end"), opt("to_begin")))),
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
fn expected_error(class: &str, e: &Error) -> bool {
    matches!(
        (class, e),
        ("ValueError" | "ZeroDivisionError", Error::Value(_))
            | ("ValueError" | "RuntimeError", Error::Shape(_))
            | ("TypeError", Error::Value(_) | Error::DType(_))
            | ("AxisError", Error::Axis { .. })
    )
}

type Runner<T> = fn(&Ctx, &ChunkedArray<T>, &str, &HashMap<&str, &str>) -> Option<Got>;

/// Floats whose result NumPy computes in another order (sums of weights, products).
fn tolerance(op: &str, dtype: &str) -> (f64, f64) {
    if dtype == "float32" {
        (1e-5, 1e-6)
    } else if matches!(op, "cov" | "corrcoef" | "bincount") || op.starts_with("gradient") {
        (1e-12, 1e-13)
    } else {
        (0.0, 0.0)
    }
}

fn check_input<T: ndchunk::Ordered + PartialOrd>(
    fx: &Fixture,
    name: &str,
    ops: &dyn Fn(&str) -> bool,
    run: Runner<T>,
) -> usize {
    let (_, shape, vals) = &fx.inputs[name];
    let data = ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse_elem::<T>(v)).collect()).unwrap();
    let mut checked = 0;
    for (variant, chunks) in common::chunkings(shape).into_iter().enumerate() {
        let x = ChunkedArray::from_array(data.clone(), chunks.clone()).unwrap();
        let ctx = Ctx { fx, variant };
        for r in fx.results.iter().filter(|r| r[0] == name && ops(&r[1])) {
            // a negative Python scalar for an unsigned array: not expressible as a Rust scalar
            if r[3] == "ERR" && r[4] == "OverflowError" {
                continue;
            }
            let args: HashMap<&str, &str> =
                r[2].split(';').filter(|s| !s.is_empty()).map(|kv| kv.split_once('=').unwrap()).collect();
            let what = format!("{name} {} {} chunks={chunks:?}", r[1], r[2]);
            let got = run(&ctx, &x, &r[1], &args).unwrap_or_else(|| panic!("{what}: op not handled"));
            if r[3] == "ERR" {
                match got {
                    Err(e) => assert!(expected_error(&r[4], &e), "{what}: NumPy raises {} ({}), got {e:?}", r[4], r[5]),
                    Ok(g) => panic!("{what}: NumPy raises {} ({}), got {:?}", r[4], r[5], g.1),
                }
                checked += 1;
                continue;
            }
            let (dtype, arr) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(dtype, r[3], "{what}: result dtype");
            assert_eq!(arr.shape(), common::parse_shape(&r[4]).as_slice(), "{what}: shape");
            let want: Vec<&str> = if r[5].is_empty() { vec![] } else { r[5].split(',').collect() };
            let (rtol, atol) = tolerance(&r[1], &fx.inputs[name].0);
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

const SET_OPS: &[&str] = &["unique", "union1d", "intersect1d", "setdiff1d", "isin"];
const COUNTING_OPS: &[&str] = &["bincount", "digitize", "searchsorted", "histogram_bin_edges"];

#[test]
fn sets_match_numpy_over_chunkings() {
    let n = check_fixture(&|op| SET_OPS.iter().any(|s| op.starts_with(s)));
    eprintln!("sets: {n} comparisons with NumPy");
    assert!(n > 400, "only {n} comparisons");
}

#[test]
fn counting_matches_numpy_over_chunkings() {
    let n = check_fixture(&|op| COUNTING_OPS.contains(&op));
    eprintln!("counting: {n} comparisons with NumPy");
    assert!(n > 300, "only {n} comparisons");
}

#[test]
fn set_results_have_one_block_of_unknown_length() {
    let x = ChunkedArray::from_array(ndarray::arr1(&[5, 1, 5, 2, 1]), [2]).unwrap();
    let u = x.unique().unwrap();
    assert!(!u.chunks().is_known());
    assert_eq!(u.numblocks(), vec![1]);
    assert_eq!(u.compute_chunk_sizes().unwrap().shape(), &[3]);
    // isin and the inverse keep the input's chunks
    let inv =
        x.unique_with(UniqueOptions { return_inverse: true, ..Default::default() }).unwrap().inverse_indices.unwrap();
    assert_eq!(inv.chunks(), x.chunks());
    // unknown-length inputs work (after a mask), except for return_index
    let m = x.mask(&x.gt(1).unwrap()).unwrap();
    assert_eq!(m.unique().unwrap().compute().unwrap().as_slice().unwrap(), &[2, 5]);
    let opts = UniqueOptions { return_index: true, ..Default::default() };
    assert!(matches!(m.unique_with(opts), Err(Error::UnknownChunkSizes { .. })));
    // searchsorted into an array of unknown length
    let s = ndchunk::searchsorted(&u, &x, Side::Left).unwrap();
    assert_eq!(s.compute().unwrap().as_slice().unwrap(), &[2, 0, 2, 1, 0]);
}

#[test]
fn counting_rejects_bad_arguments() {
    let f = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0]), [1]).unwrap();
    assert!(matches!(f.bincount_counts(0), Err(Error::DType(_))));
    let m = ChunkedArray::from_array(ndarray::arr2(&[[1i64, 2]]), [1, 1]).unwrap();
    assert!(matches!(m.bincount_counts(0), Err(Error::Shape(_))));
    let i = ChunkedArray::from_array(ndarray::arr1(&[1i64, 2, 3]), [2]).unwrap();
    assert!(matches!(i.bincount(Some(&f), 0), Err(Error::Shape(_))));
    // a value needing more bins than memory: an error, not an abort
    let huge = ChunkedArray::from_array(ndarray::arr1(&[i64::MAX]), [1]).unwrap();
    assert!(matches!(huge.bincount_counts(0).unwrap().compute(), Err(Error::Memory(_))));
    let neg = ChunkedArray::from_array(ndarray::arr1(&[3i8, -1]), [1]).unwrap();
    assert!(matches!(neg.bincount_counts(0).unwrap().compute(), Err(Error::Value(_))));
    assert!(matches!(ndchunk::digitize(&f, &[0.0, f64::NAN], false), Err(Error::Value(_))));
    assert!(matches!(ndchunk::digitize(&f, &[0.0, 2.0, 1.0], false), Err(Error::Value(_))));
    assert!(matches!(ndchunk::searchsorted(&m, &m, Side::Left), Err(Error::Shape(_))));
    assert!(matches!(ndchunk::histogram_bin_edges(&f, 0, None), Err(Error::Value(_))));
    assert!(matches!(ndchunk::histogram_bin_edges(&f, usize::MAX, None), Err(Error::Value(_))));
    assert_eq!("auto".parse::<ndchunk::BinEstimator>().unwrap(), ndchunk::BinEstimator::Auto);
    assert!(matches!("FD".parse::<ndchunk::BinEstimator>(), Err(Error::Value(_))));
    assert!(matches!("nope".parse::<ndchunk::BinEstimator>(), Err(Error::Value(_))));
    let sturges = ndchunk::BinEstimator::Sturges;
    assert!(matches!(ndchunk::histogram_bin_edges_estimated(&f, sturges, Some((2.0, 1.0))), Err(Error::Value(_))));
    let nan = ChunkedArray::from_array(ndarray::arr1(&[1.0, f64::NAN]), [1]).unwrap();
    assert!(matches!(
        ndchunk::histogram_bin_edges_estimated(&nan, sturges, None).unwrap().compute(),
        Err(Error::Value(_))
    ));
    assert!(matches!(ndchunk::histogram_bin_edges(&nan, 3, None).unwrap().compute(), Err(Error::Value(_))));
}

#[test]
fn zero_dimensional_and_empty_operands() {
    let s = ndchunk::full::<i64>(&[], 4, [0usize; 0]).unwrap();
    let a = ChunkedArray::from_array(ndarray::arr1(&[1i64, 4, 4, 9]), [3]).unwrap();
    let e = ndchunk::zeros::<i64>(&[0], [1]).unwrap();
    // 0-d values keep their shape in searchsorted, digitize and isin
    assert_eq!(ndchunk::searchsorted(&a, &s, Side::Right).unwrap().compute().unwrap().shape(), &[] as &[usize]);
    assert_eq!(ndchunk::searchsorted(&a, &s, Side::Left).unwrap().item().unwrap(), 1);
    assert_eq!(ndchunk::digitize(&s, &[1, 4, 9], true).unwrap().item().unwrap(), 1);
    assert!(ndchunk::isin(&s, &a).unwrap().item().unwrap());
    // empty operands
    assert_eq!(ndchunk::searchsorted(&e, &a, Side::Left).unwrap().compute().unwrap().sum(), 0);
    assert!(!ndchunk::isin(&a, &e).unwrap().compute().unwrap().iter().any(|&b| b));
    assert_eq!(e.unique().unwrap().compute().unwrap().len(), 0);
    assert_eq!(ndchunk::union1d(&e, &a).unwrap().compute().unwrap().as_slice().unwrap(), &[1, 4, 9]);
    assert_eq!(ndchunk::intersect1d(&e, &a, false).unwrap().compute().unwrap().len(), 0);
    assert_eq!(e.bincount_counts(3).unwrap().compute().unwrap().as_slice().unwrap(), &[0, 0, 0]);
    assert_eq!(ndchunk::digitize(&e, &[1, 2], false).unwrap().compute().unwrap().len(), 0);
    // a hostile minlength is a memory error when computed, not an abort
    assert!(matches!(a.bincount_counts(usize::MAX).unwrap().compute(), Err(Error::Memory(_))));
}

/// NumPy's sorted unique with counts, first index and inverse, on a plain vector.
fn reference_unique(v: &[i32]) -> (Vec<i32>, Vec<i64>, Vec<i64>, Vec<i64>) {
    let mut u: Vec<i32> = v.to_vec();
    u.sort();
    u.dedup();
    let first = u.iter().map(|x| v.iter().position(|y| y == x).unwrap() as i64).collect();
    let counts = u.iter().map(|x| v.iter().filter(|y| *y == x).count() as i64).collect();
    let inverse = v.iter().map(|x| u.binary_search(x).unwrap() as i64).collect();
    (u, first, counts, inverse)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// unique (all outputs), isin and searchsorted against plain-vector references, for random
    /// shapes, chunks and split_every.
    #[test]
    fn unique_matches_reference((shape, chunks) in common::shape_and_chunks(), seed in 0u64..1000, split in 2usize..5) {
        let n: usize = shape.iter().product();
        let data: Vec<i32> = (0..n as u64).map(|i| ((i * 2654435761 + seed * 97) % 7) as i32 - 3).collect();
        let x = ChunkedArray::from_array(ArrayD::from_shape_vec(IxDyn(&shape), data.clone()).unwrap(), chunks).unwrap();
        let opts = UniqueOptions { return_index: true, return_inverse: true, return_counts: true, split_every: Some(split) };
        let u = x.unique_with(opts).unwrap();
        let (v, i, inv, c) = ndchunk::compute((&u.values, &u.indices.unwrap(), &u.inverse_indices.unwrap(), &u.counts.unwrap())).unwrap();
        let (rv, ri, rc, rinv) = reference_unique(&data);
        prop_assert_eq!(v.iter().copied().collect::<Vec<_>>(), rv.clone());
        prop_assert_eq!(i.iter().copied().collect::<Vec<_>>(), ri);
        prop_assert_eq!(c.iter().copied().collect::<Vec<_>>(), rc);
        prop_assert_eq!(inv.shape(), shape.as_slice());
        prop_assert_eq!(inv.iter().copied().collect::<Vec<_>>(), rinv);
        let test = ChunkedArray::from_array(ndarray::arr1(&[-3, 0, 2]), [2]).unwrap();
        let got = ndchunk::isin(&x, &test).unwrap().compute().unwrap();
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), data.iter().map(|v| [-3, 0, 2].contains(v)).collect::<Vec<_>>());
        let sorted = ChunkedArray::from_array(ndarray::Array1::from(rv.clone()), [2]).unwrap();
        let s = ndchunk::searchsorted(&sorted, &x, Side::Right).unwrap().compute().unwrap();
        prop_assert_eq!(s.iter().copied().collect::<Vec<_>>(), data.iter().map(|v| rv.partition_point(|e| e <= v) as i64).collect::<Vec<_>>());
    }

    /// bincount with weights and minlength against a plain count.
    #[test]
    fn bincount_matches_reference(len in 0usize..40, chunk in 1usize..9, minlength in 0usize..12, seed in 0u64..1000) {
        let data: Vec<u16> = (0..len as u64).map(|i| ((i * 2654435761 + seed) % 9) as u16).collect();
        let w: Vec<f64> = (0..len).map(|i| i as f64 * 0.5).collect();
        let x = ChunkedArray::from_array(ndarray::Array1::from(data.clone()), [chunk]).unwrap();
        let wa = ChunkedArray::from_array(ndarray::Array1::from(w.clone()), [chunk + 1]).unwrap();
        let n = data.iter().map(|&v| v as usize + 1).max().unwrap_or(0).max(minlength);
        let mut want = vec![0.0; n];
        for (&v, &wv) in data.iter().zip(&w) {
            want[v as usize] += wv;
        }
        let got = x.bincount(Some(&wa), minlength).unwrap().compute().unwrap();
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
    }
}
