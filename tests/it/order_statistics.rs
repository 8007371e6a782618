//! Order statistics (quantile, percentile, median and nan forms with NumPy's 13 methods; sort,
//! argsort, topk, argtopk) against NumPy over several chunkings, including 1,250 blocks of 16
//! (fixtures/order_statistics.txt, written by fixtures/generate_order_statistics.py); plus
//! partition's contract, a proptest against a sorted reference, and bad arguments.

use crate::common::{self, Fixture};

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{DType, Kth, QuantileMethod, Quantiles, ReduceOptions, Scalar};
use ndchunk_kernels::select::order_key;
use proptest::prelude::*;

fn load() -> Fixture {
    common::load_fixture("order_statistics.txt")
}

fn parse_elem<U: Element>(s: &str) -> U {
    let sc = if U::DTYPE.is_float() {
        Scalar::Float(s.parse().unwrap())
    } else if matches!(U::DTYPE, DType::U8 | DType::U16 | DType::U32 | DType::U64) {
        Scalar::UInt(s.parse().unwrap())
    } else {
        Scalar::Int(s.parse().unwrap())
    };
    U::from_scalar(sc)
}

/// A computed value: floats compared by value (NaN equal to NaN), integers exactly.
#[derive(Debug)]
enum Val {
    F(f64),
    I(i128),
}

fn val<U: Element>(v: U) -> Val {
    match v.to_scalar() {
        Scalar::Float(f) => Val::F(f),
        Scalar::Int(i) => Val::I(i as i128),
        Scalar::UInt(u) => Val::I(u as i128),
        Scalar::Bool(b) => Val::I(b as i128),
        Scalar::Complex(..) => panic!("order statistics have no complex results"),
    }
}

type Got = Result<(Vec<usize>, Vec<Val>)>;

fn done<U: Element>(r: Result<ChunkedArray<U>>) -> Got {
    let a = r?.compute()?;
    Ok((a.shape().to_vec(), a.iter().map(|&v| val(v)).collect()))
}

fn axes(s: &str) -> Axes {
    common::parse_axes(s)
}

fn run<T: Number>(x: &ChunkedArray<T>, op: &str, a: &HashMap<&str, &str>) -> Got {
    let ax = || axes(a["axis"]);
    let kd = a.get("keepdims") == Some(&"1");
    let red = x.reduce_with(ReduceOptions::new().keepdims(kd));
    let q = || -> Quantiles {
        let s = a["q"];
        match s.strip_prefix('[') {
            Some(l) => Quantiles::Many(l.trim_end_matches(']').split(',').map(|v| v.parse().unwrap()).collect()),
            None => Quantiles::One(s.parse().unwrap()),
        }
    };
    let m = || QuantileMethod::from_name(a["method"]).unwrap();
    match op {
        "quantile" => done(red.quantile(q(), ax(), m())),
        "nanquantile" => done(red.nanquantile(q(), ax(), m())),
        "percentile" => done(red.percentile(q(), ax(), m())),
        "nanpercentile" => done(red.nanpercentile(q(), ax(), m())),
        "median" => done(red.median(ax())),
        "nanmedian" => done(red.nanmedian(ax())),
        "sort" => done(x.sort(ax())),
        "argsort" => done(x.argsort(ax())),
        "topk" => done(x.topk(a["k"].parse().unwrap(), a["axis"].parse().unwrap())),
        "argtopk" => done(x.argtopk(a["k"].parse().unwrap(), a["axis"].parse().unwrap())),
        _ => panic!("op {op}"),
    }
}

/// Methods that read one order statistic: NumPy's value bit for bit.
const EXACT: &[&str] = &["inverted_cdf", "closest_observation", "lower", "higher", "nearest"];

/// Whether `got` is NumPy's `want`: equal (NaN equal to NaN; `-0.0 == 0.0`, as NumPy's own
/// comparisons), or within `ulps` units in the last place.
fn same(got: &Val, want: &str, float: bool, ulps: i128) -> bool {
    match got {
        Val::F(g) => {
            let w: f64 = want.parse().unwrap();
            (g.is_nan() && w.is_nan()) || *g == w || (order_key(*g) as i128 - order_key(w) as i128).abs() <= ulps
        }
        Val::I(g) if !float => *g == want.parse::<i128>().unwrap(),
        Val::I(_) => false,
    }
}

fn expected_error(class: &str, e: &Error) -> bool {
    matches!((class, e), ("IndexError", Error::Index { .. }) | ("ValueError", Error::Value(_)))
}

/// Compares every result of `name`; returns (comparisons, exact equalities of interpolated
/// values).
fn check_input<T: Number>(fx: &Fixture, name: &str) -> (usize, usize, usize) {
    let (_, shape, vals) = &fx.inputs[name];
    let data = ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse_elem::<T>(v)).collect()).unwrap();
    let mut chunkings = common::chunkings(shape);
    if name.starts_with("big") {
        chunkings.push(vec![16]); // 1,250 blocks
    }
    let (mut checked, mut interp, mut interp_exact) = (0, 0, 0);
    for chunks in chunkings {
        let x = ChunkedArray::from_array(data.clone(), chunks.clone()).unwrap();
        for r in fx.results.iter().filter(|r| r[0] == name) {
            let args: HashMap<&str, &str> = r[2].split(';').map(|kv| kv.split_once('=').unwrap()).collect();
            let what = format!("{name} {} {} chunks={chunks:?}", r[1], r[2]);
            let got = run(&x, &r[1], &args);
            if r[3] == "ERR" {
                match got {
                    Err(e) => assert!(expected_error(&r[4], &e), "{what}: NumPy raises {} ({}), got {e:?}", r[4], r[5]),
                    Ok(g) => panic!("{what}: NumPy raises {} ({}), got {:?}", r[4], r[5], g.1),
                }
                checked += 1;
                continue;
            }
            let (gshape, gvals) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(gshape, common::parse_shape(&r[4]), "{what}: shape");
            let want: Vec<&str> = if r[5].is_empty() { vec![] } else { r[5].split(',').collect() };
            assert_eq!(gvals.len(), want.len(), "{what}: length");
            let exact = args.get("method").is_none_or(|m| EXACT.contains(m)) && !r[1].ends_with("median");
            let float = r[3].starts_with("float");
            for (i, (g, w)) in gvals.iter().zip(&want).enumerate() {
                let ok = same(g, w, float, if exact { 0 } else { 1 });
                assert!(ok, "{what}: element {i}: got {g:?}, NumPy {w}");
                if !exact {
                    interp += 1;
                    interp_exact += usize::from(same(g, w, float, 0));
                }
            }
            checked += 1;
        }
    }
    (checked, interp, interp_exact)
}

#[test]
fn order_statistics_match_numpy_over_chunkings() {
    let fx = load();
    let mut names: Vec<&String> = fx.results.iter().map(|r| &r[0]).collect();
    names.dedup();
    let (mut n, mut interp, mut exact) = (0, 0, 0);
    for name in names {
        let (a, b, c) = match fx.inputs[name.as_str()].0.as_str() {
            "float64" => check_input::<f64>(&fx, name),
            "float32" => check_input::<f32>(&fx, name),
            "int32" => check_input::<i32>(&fx, name),
            "int64" => check_input::<i64>(&fx, name),
            "uint8" => check_input::<u8>(&fx, name),
            d => panic!("dtype {d}"),
        };
        n += a;
        interp += b;
        exact += c;
    }
    eprintln!("order statistics: {n} comparisons with NumPy; {exact} of {interp} interpolated values bit-identical");
    assert!(n > 5000, "only {n} comparisons");
}

fn arr(v: Vec<f64>, chunks: usize) -> ChunkedArray<f64> {
    ChunkedArray::from_array(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).unwrap(), [chunks]).unwrap()
}

#[test]
fn partition_meets_numpys_contract() {
    let y = ndchunk::random::Generator::new(4).normal(0.0, 1.0, &[6, 33], [4, 10]).unwrap();
    let base = y.compute().unwrap();
    for (kth, axis) in [(vec![0isize], 1isize), (vec![5, -1, 17], 1), (vec![2], 0), (vec![-6, 3], 0)] {
        let p = y.partition(Kth(kth.clone()), axis).unwrap().compute().unwrap();
        let ax = ndarray::Axis(axis.rem_euclid(2) as usize);
        for (lane, orig) in p.lanes(ax).into_iter().zip(base.lanes(ax)) {
            let mut sorted: Vec<f64> = orig.to_vec();
            sorted.sort_by(f64::total_cmp);
            let mut mine: Vec<f64> = lane.to_vec();
            mine.sort_by(f64::total_cmp);
            assert_eq!(mine, sorted, "partition is a permutation");
            let n = lane.len() as isize;
            for &k in &kth {
                let k = k.rem_euclid(n) as usize;
                assert_eq!(lane[k], sorted[k], "kth {k} in place");
                assert!(lane.iter().take(k).all(|&v| v <= lane[k]));
                assert!(lane.iter().skip(k + 1).all(|&v| v >= lane[k]));
            }
        }
    }
    // NaN goes last
    let z = arr(vec![3.0, f64::NAN, 1.0, 2.0], 3).partition(2, 0).unwrap().compute().unwrap();
    assert_eq!(z[[2]], 3.0);
    assert!(z[[3]].is_nan());
}

#[test]
fn bad_arguments_are_typed_errors() {
    let x = arr(vec![1.0, 2.0, 3.0], 2);
    let lin = QuantileMethod::Linear;
    assert!(matches!(x.quantile(-0.1, None, lin), Err(Error::Value(_))));
    assert!(matches!(x.quantile(f64::NAN, None, lin), Err(Error::Value(_))));
    assert!(matches!(x.percentile([50.0, 100.5], None, lin), Err(Error::Value(_))));
    assert!(matches!(x.quantile(0.5, 1, lin), Err(Error::Axis { .. })));
    assert!(matches!(x.median([0, 0]), Err(Error::Value(_))));
    assert!(matches!(x.sort(2), Err(Error::Axis { .. })));
    assert!(matches!(x.partition(3, 0), Err(Error::Value(_))));
    assert!(matches!(x.partition(-4, 0), Err(Error::Value(_))));
    assert!(matches!(x.topk(2, 1), Err(Error::Axis { .. })));
    let e = ChunkedArray::from_array(ndarray::Array1::<f64>::zeros(0).into_dyn(), [1]).unwrap();
    assert!(matches!(e.quantile(0.5, None, lin).and_then(|r| r.compute()), Err(Error::Index { .. })));
    assert!(e.median(None).unwrap().compute().unwrap()[[]].is_nan());
    // an empty array after a mask (unknown lengths): the error comes at compute time
    let m = x.mask(&x.gt(5.0).unwrap()).unwrap();
    assert!(matches!(m.quantile(0.5, None, lin).unwrap().compute(), Err(Error::Index { .. })));
    assert!(m.nanquantile(0.5, None, lin).unwrap().compute().unwrap()[[]].is_nan());
    assert_eq!(QuantileMethod::from_name("bogus"), None);
}

#[test]
fn unknown_lengths_and_k_zero() {
    let x = arr((0..50).map(|i| ((i * 37) % 50) as f64).collect(), 7);
    let m = x.mask(&x.ge(10.0).unwrap()).unwrap(); // 40 values 10..49, unknown lengths
    assert_eq!(m.median(None).unwrap().item().unwrap(), 29.5);
    assert_eq!(m.quantile(1.0, None, QuantileMethod::Lower).unwrap().item().unwrap(), 49.0);
    assert!(matches!(m.sort(0), Err(Error::UnknownChunkSizes { .. })));
    assert_eq!(x.topk(0, 0).unwrap().compute().unwrap().len(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn whole_array_quantiles_equal_a_sorted_reference(
        (shape, chunks) in common::shape_and_chunks(),
        seed in 0u64..1000,
        qs in prop::collection::vec(0.0f64..=1.0, 1..4),
        ties in any::<bool>(),
    ) {
        let n: usize = shape.iter().product();
        let x = ndchunk::random::Generator::new(seed).normal(0.0, 1.0, &shape, chunks.clone()).unwrap();
        let x = if ties { x.around(0) } else { x };
        let data = x.compute().unwrap();
        let mut sorted: Vec<f64> = data.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        for m in QuantileMethod::ALL {
            let got = x.quantile(qs.as_slice(), None, m);
            if n == 0 {
                let is_index_error = matches!(got.and_then(|g| g.compute()), Err(Error::Index { .. }));
                prop_assert!(is_index_error);
                continue;
            }
            let got = got.unwrap().compute().unwrap();
            for (i, &q) in qs.iter().enumerate() {
                let p = ndchunk_kernels::select::pick(m, n, q);
                let [a, b] = p.positions();
                let want = ndchunk_kernels::select::combine(&p, sorted[a], sorted[b], false);
                prop_assert_eq!(got[[i]].to_bits(), want.to_bits(), "{:?} q={}", m, q);
            }
        }
        if n > 0 && shape.len() > 1 {
            // along the last axis: each lane's sorted reference
            let got = x.median(-1).unwrap().compute().unwrap();
            let k = shape.len() - 1;
            for (lane, g) in data.lanes(ndarray::Axis(k)).into_iter().zip(got.iter()) {
                let mut s: Vec<f64> = lane.to_vec();
                s.sort_by(f64::total_cmp);
                let h = s.len() / 2;
                let want = if s.len() % 2 == 1 { s[h] } else { (s[h - 1] + s[h]) / 2.0 };
                prop_assert!(*g == want || (g.is_nan() && want.is_nan()));
            }
        }
    }
}

/// dask's rule by a sort: positions of the |k| largest (k > 0, decreasing, equal values by
/// position) or smallest (k < 0, increasing) of a lane; NaN largest, `-0.0` equal to `0.0`.
fn topk_reference(lane: &[f64], k: isize) -> Vec<usize> {
    let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
    let mut idx: Vec<usize> = (0..lane.len()).collect();
    idx.sort_by(|&a, &b| {
        // `-0.0 == 0.0`, as NumPy compares
        let o = key(lane[a]).partial_cmp(&key(lane[b])).unwrap().then((lane[a].is_nan()).cmp(&lane[b].is_nan()));
        (if k > 0 { o.reverse() } else { o }).then(a.cmp(&b))
    });
    idx.truncate(k.unsigned_abs());
    idx
}

#[test]
fn topk_merges_many_blocks_as_a_tree() {
    // 143 blocks along the axis: three merge levels (143 -> 18 -> 3 -> 1)
    let g = ndchunk::random::Generator::new(9);
    let x = g.normal(0.0, 1.0, &[3, 1000], [2, 7]).unwrap().around(1);
    let x = x.set(&x.gt(2.2).unwrap(), f64::NAN).unwrap();
    let data = x.compute().unwrap().into_dimensionality::<ndarray::Ix2>().unwrap();
    for k in [1isize, 5, 50, -1, -5, -999, 1000, 2000, -2000] {
        let v = x.topk(k, 1).unwrap().compute().unwrap();
        let i = x.argtopk(k, -1).unwrap().compute().unwrap().into_dimensionality::<ndarray::Ix2>().unwrap();
        for r in 0..3 {
            let lane: Vec<f64> = data.row(r).to_vec();
            let want = topk_reference(&lane, k);
            let got: Vec<usize> = i.row(r).iter().map(|&p| p as usize).collect();
            assert_eq!(got, want, "argtopk k={k} row {r}");
            for (j, &p) in want.iter().enumerate() {
                let (a, b) = (v[[r, j]], lane[p]);
                assert!(a == b || (a.is_nan() && b.is_nan()), "topk k={k} row {r} pos {j}");
            }
        }
        // along axis 0 (two blocks)
        let v0 = x.topk(k, 0).unwrap().compute().unwrap();
        assert_eq!(v0.shape(), &[k.unsigned_abs().min(3), 1000]);
    }
}
