//! Every reduction × axes × chunking × dtype against NumPy (fixtures/reductions.txt, written by
//! fixtures/generate.py), plus accuracy and options.

use crate::common;

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{Axes, ReduceOptions, Scalar};

struct Fixture {
    inputs: HashMap<String, (String, Vec<usize>, Vec<String>)>,
    results: Vec<Vec<String>>,
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/reductions.txt")).unwrap();
    let mut inputs = HashMap::new();
    let mut results = Vec::new();
    for l in text.lines() {
        let f: Vec<String> = l.split('|').map(str::to_string).collect();
        match f[0].as_str() {
            "INPUT" => {
                let shape = common::parse_shape(&f[3]);
                let vals = if f[4].is_empty() { vec![] } else { f[4].split(',').map(str::to_string).collect() };
                inputs.insert(f[1].clone(), (f[2].clone(), shape, vals));
            }
            "RESULT" => results.push(f[1..].to_vec()),
            _ => panic!("bad fixture line"),
        }
    }
    Fixture { inputs, results }
}

fn run_op<T: ndchunk::Ordered>(
    x: &ChunkedArray<T>,
    op: &str,
    axes: Axes,
    ddof: usize,
) -> Result<(String, ArrayD<Scalar>)> {
    fn done<U: Element>(r: Result<ChunkedArray<U>>) -> Result<(String, ArrayD<Scalar>)> {
        let a = r?.compute()?;
        Ok((U::DTYPE.name().to_string(), a.mapv(|v| v.to_scalar())))
    }
    match op {
        "sum" => done(x.sum(axes)),
        "prod" => done(x.prod(axes)),
        "mean" => done(x.mean(axes)),
        "min" => done(x.min(axes)),
        "max" => done(x.max(axes)),
        "argmin" => done(x.argmin(axes)),
        "argmax" => done(x.argmax(axes)),
        "any" => done(x.any(axes)),
        "all" => done(x.all(axes)),
        "var" => done(x.var(axes, ddof)),
        "std" => done(x.std(axes, ddof)),
        "nansum" => done(x.nansum(axes)),
        "nanprod" => done(x.nanprod(axes)),
        "nanmean" => done(x.nanmean(axes)),
        "nanmin" => done(x.nanmin(axes)),
        "nanmax" => done(x.nanmax(axes)),
        "nanargmin" => done(x.nanargmin(axes)),
        "nanargmax" => done(x.nanargmax(axes)),
        "nanvar" => done(x.nanvar(axes, ddof)),
        "nanstd" => done(x.nanstd(axes, ddof)),
        "cumsum" => done(x.cumsum(axes)),
        "cumprod" => done(x.cumprod(axes)),
        _ => panic!("unknown op {op}"),
    }
}

fn matches(got: &Scalar, want: &str, rtol: f64) -> bool {
    match got {
        Scalar::Bool(b) => want == if *b { "1" } else { "0" },
        Scalar::Int(i) => want.parse::<i64>() == Ok(*i),
        Scalar::UInt(u) => want.parse::<u64>() == Ok(*u),
        // these fixtures have no complex values
        Scalar::Complex(..) => false,
        Scalar::Float(g) => {
            let w: f64 = want.parse().unwrap();
            (g.is_nan() && w.is_nan()) || *g == w || (g - w).abs() <= rtol * w.abs() + 1e-300
        }
    }
}

fn chunkings_for(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut v = common::chunkings(shape);
    if shape == [6, 5, 4] {
        v.push(vec![4, 2, 3]);
        v.push(vec![1, 5, 2]);
    }
    v
}

fn check_input<T: ndchunk::Ordered>(fx: &Fixture, name: &str, parse: fn(&str) -> T) -> usize {
    let (_, shape, vals) = &fx.inputs[name];
    let data = ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| parse(v)).collect()).unwrap();
    let mut checked = 0;
    for chunks in chunkings_for(shape) {
        let x = ChunkedArray::from_array(data.clone(), chunks.clone()).unwrap();
        for r in fx.results.iter().filter(|r| r[0] == name) {
            let (op, axes, ddof) = (&r[1], common::parse_axes(&r[2]), r[3].parse::<usize>().unwrap());
            let what = format!("{name} {op} axis={} ddof={ddof} chunks={chunks:?}", r[2]);
            let got = run_op(&x, op, axes, ddof);
            if r[4] == "ERR" {
                assert!(got.is_err(), "{what}: NumPy raises {}, got {:?}", r[6], got.map(|g| g.1));
                checked += 1;
                continue;
            }
            let (dtype, arr) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(dtype, r[4], "{what}: result dtype");
            assert_eq!(arr.shape(), common::parse_shape(&r[5]).as_slice(), "{what}: shape");
            let want: Vec<&str> = if r[6].is_empty() { vec![] } else { r[6].split(',').collect() };
            let rtol = if r[4] == "float32" {
                2e-5
            } else if name == "offset" && (op == "var" || op == "std") {
                1e-6
            } else {
                1e-10
            };
            for (i, (g, w)) in arr.iter().zip(&want).enumerate() {
                assert!(matches(g, w, rtol), "{what}: element {i}: got {g:?}, NumPy {w}");
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn all_reductions_match_numpy() {
    let fx = load();
    let mut n = 0;
    n += check_input::<f64>(&fx, "f64", |s| s.parse().unwrap());
    n += check_input::<f64>(&fx, "f64nan", |s| s.parse().unwrap());
    n += check_input::<f32>(&fx, "f32", |s| s.parse().unwrap());
    n += check_input::<f32>(&fx, "f32nan", |s| s.parse().unwrap());
    n += check_input::<i32>(&fx, "i32", |s| s.parse().unwrap());
    n += check_input::<i64>(&fx, "i64", |s| s.parse().unwrap());
    n += check_input::<u8>(&fx, "u8", |s| s.parse().unwrap());
    n += check_input::<bool>(&fx, "bool", |s| s == "1");
    n += check_input::<f64>(&fx, "f64_1d", |s| s.parse().unwrap());
    n += check_input::<f64>(&fx, "f64_empty", |s| s.parse().unwrap());
    n += check_input::<f64>(&fx, "offset", |s| s.parse().unwrap());
    eprintln!("{n} comparisons with NumPy");
    assert!(n > 3000, "only {n} comparisons");
}

#[test]
fn keepdims_and_split_every() {
    let a = ArrayD::from_shape_fn(IxDyn(&[9, 8, 3]), |i| (i[0] * 31 + i[1] * 7 + i[2]) as f64 % 11.0);
    let x = ChunkedArray::from_array(a.clone(), [1, 2, 3]).unwrap();
    for split in [2, 3, 4, 16] {
        let r = x.reduce_with(ReduceOptions::new().keepdims(true).split_every(split));
        let s = r.sum([0, 1]).unwrap();
        assert_eq!(s.shape(), &[1, 1, 3]);
        let want = a
            .sum_axis(ndarray::Axis(0))
            .sum_axis(ndarray::Axis(0))
            .insert_axis(ndarray::Axis(0))
            .insert_axis(ndarray::Axis(0));
        assert_eq!(s.compute().unwrap(), want);
        let m = r.argmax(0).unwrap().compute().unwrap();
        assert_eq!(m.shape(), &[1, 8, 3]);
        let v = r.var(None, 1).unwrap().compute().unwrap();
        assert_eq!(v.shape(), &[1, 1, 1]);
    }
    assert!(x.reduce_with(ReduceOptions::new().split_every(1)).sum(0).is_err());
}

#[test]
fn tree_depth_follows_split_every() {
    // 64 blocks, fan-in 4: partial, two combine levels, aggregate
    let x = ndchunk::ones::<f64>(&[64], [1]).unwrap();
    let s = x.sum(None).unwrap();
    assert_eq!(s.nlayers(), 1 + 1 + 2 + 1);
    let s = x.reduce_with(ReduceOptions::new().split_every(64)).sum(None).unwrap();
    assert_eq!(s.nlayers(), 3);
}

#[test]
fn axes_errors_and_item() {
    let x = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    assert!(matches!(x.sum(2), Err(Error::Axis { axis: 2, ndim: 2 })));
    assert!(matches!(x.sum(-3), Err(Error::Axis { .. })));
    assert!(matches!(x.sum([0, 0]), Err(Error::Value(_))));
    assert!(matches!(x.argmin([0, 1]), Err(Error::Value(_))));
    assert_eq!(
        x.cumsum(None).unwrap().compute().unwrap().as_slice().unwrap(),
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]
    );
    assert_eq!(x.sum(None).unwrap().item().unwrap(), 12.0);
    assert_eq!(x.sum([1usize, 0]).unwrap().item().unwrap(), 12.0);
    assert_eq!(x.mean(-1).unwrap().compute().unwrap().as_slice().unwrap(), &[1.0, 1.0, 1.0]);
    // ddof >= n gives NaN, not a panic
    assert!(x.var(None, 12).unwrap().item().unwrap().is_nan());
    assert!(x.std(0, 5).unwrap().compute().unwrap().iter().all(|v| v.is_nan()));
}

/// Exact variance of f64 data: deviations from a shift are exact for data within a factor of
/// two of each other, and their squares are summed with error-free (TwoSum) accumulation.
fn exact_stats(v: &[f64]) -> (f64, f64) {
    fn two_sum(a: f64, b: f64) -> (f64, f64) {
        let s = a + b;
        let bb = s - a;
        (s, (a - (s - bb)) + (b - bb))
    }
    fn fsum(it: impl Iterator<Item = f64>) -> f64 {
        // Neumaier-compensated with a second-level compensation: exact enough for the check.
        let (mut s, mut c) = (0.0, 0.0);
        for x in it {
            let (t, e) = two_sum(s, x);
            s = t;
            c += e;
        }
        s + c
    }
    let n = v.len() as f64;
    let shift = v[0];
    let mean_dev = fsum(v.iter().map(|x| x - shift)) / n;
    let sum = fsum(v.iter().copied());
    let var = fsum(v.iter().map(|x| {
        let d = (x - shift) - mean_dev;
        d * d
    })) / n;
    (sum, var)
}

#[test]
fn accuracy_on_offset_data_is_no_worse_than_numpy() {
    let fx = load();
    let (_, shape, vals) = &fx.inputs["offset"];
    let v: Vec<f64> = vals.iter().map(|s| s.parse().unwrap()).collect();
    let (exact_sum, exact_var) = exact_stats(&v);
    let numpy = |op: &str| -> f64 {
        fx.results.iter().find(|r| r[0] == "offset" && r[1] == op && r[2] == "None" && r[3] == "0").unwrap()[6]
            .parse()
            .unwrap()
    };
    let (np_sum, np_var, np_std) = (numpy("sum"), numpy("var"), numpy("std"));
    let a = ArrayD::from_shape_vec(IxDyn(shape), v.clone()).unwrap();
    for chunks in [vec![50, 40], vec![7, 40], vec![1, 1], vec![13, 9]] {
        let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        let r =
            ndchunk::compute_all(&[&x.sum(None).unwrap(), &x.var(None, 0).unwrap(), &x.std(None, 0).unwrap()]).unwrap();
        let (s, var, sd) = (r[0][[]], r[1][[]], r[2][[]]);
        let err = |got: f64, exact: f64| ((got - exact) / exact).abs();
        eprintln!(
            "{chunks:?}: rel err sum {:.1e} (numpy {:.1e}), var {:.1e} (numpy {:.1e})",
            err(s, exact_sum),
            err(np_sum, exact_sum),
            err(var, exact_var),
            err(np_var, exact_var)
        );
        // "no worse than NumPy": within NumPy's error, or at the level of a few ulps
        let tol = |np_err: f64| np_err.max(4.0 * f64::EPSILON);
        assert!(err(s, exact_sum) <= tol(err(np_sum, exact_sum)), "{chunks:?} sum {s} vs {exact_sum}");
        assert!(
            err(var, exact_var) <= tol(err(np_var, exact_var)),
            "{chunks:?} var {var} vs {exact_var} (numpy {np_var})"
        );
        assert!(err(sd, exact_var.sqrt()) <= tol(err(np_std, exact_var.sqrt())), "{chunks:?} std");
    }
}

#[test]
fn mixed_magnitudes() {
    // large and tiny values interleaved: pairwise sums stay within a few ulps of the exact sum
    let v: Vec<f64> =
        (0..100_000).map(|i| if i % 2 == 0 { 1e8 + (i % 7) as f64 } else { 1e-8 * (i % 13) as f64 }).collect();
    let exact: f64 = {
        let big: i64 = (0..100_000).filter(|i| i % 2 == 0).map(|i| 100_000_000 + (i % 7) as i64).sum();
        let small: f64 = (0..100_000).filter(|i| i % 2 == 1).map(|i| 1e-8 * (i % 13) as f64).sum();
        big as f64 + small
    };
    let a = ArrayD::from_shape_vec(IxDyn(&[100_000]), v.clone()).unwrap();
    for c in [100_000usize, 999, 64] {
        let x = ChunkedArray::from_array(a.clone(), [c]).unwrap();
        let s = x.sum(None).unwrap().item().unwrap();
        assert!(((s - exact) / exact).abs() < 1e-14, "{c}: {s} vs {exact}");
    }
}

#[test]
fn reductions_of_expressions_and_bool_results() {
    let a = ArrayD::from_shape_fn(IxDyn(&[12, 10]), |i| (i[0] as f64 - 5.5) * (i[1] as f64 + 1.0));
    let x = ChunkedArray::from_array(a.clone(), [5, 3]).unwrap();
    // number of positive elements per column, through a comparison
    let pos = x.gt(0.0).unwrap().sum(0).unwrap().compute().unwrap();
    assert!(pos.iter().all(|&c| c == 6));
    let n_any = x.lt(-50.0).unwrap().any(None).unwrap().item().unwrap();
    assert!(n_any);
    let centered = &x - x.mean(None).unwrap().item().unwrap();
    let v = (&centered * &centered).mean(None).unwrap().item().unwrap();
    assert!((v - x.var(None, 0).unwrap().item().unwrap()).abs() < 1e-9);
}

#[test]
fn reductions_streaming_fused_inputs_match_the_block_path() {
    // `x * 1` is an elementwise node: reductions over trailing axes consume it tile by tile
    // (no block is materialised); the results must equal the reductions of `x` itself.
    let a =
        ArrayD::from_shape_fn(IxDyn(&[7, 6, 50]), |i| ((i[0] * 131 + i[1] * 17 + i[2] * 7) % 23) as f64 - 11.0 + 0.25);
    for chunks in [vec![7, 6, 50], vec![3, 4, 17], vec![1, 1, 50], vec![2, 6, 1]] {
        let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        let y = &x * 1.0;
        for axes in [Axes::All, Axes::Some(vec![-1]), Axes::Some(vec![1, 2])] {
            let what = format!("{chunks:?} {axes:?}");
            assert_eq!(
                y.sum(axes.clone()).unwrap().compute().unwrap(),
                x.sum(axes.clone()).unwrap().compute().unwrap(),
                "sum {what}"
            );
            let (m1, m2) = (
                y.var(axes.clone(), 1).unwrap().compute().unwrap(),
                x.var(axes.clone(), 1).unwrap().compute().unwrap(),
            );
            assert!(m1.iter().zip(m2.iter()).all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1.0)), "var {what}");
            assert_eq!(
                y.max(axes.clone()).unwrap().compute().unwrap(),
                x.max(axes.clone()).unwrap().compute().unwrap(),
                "max {what}"
            );
            assert_eq!(
                y.nanmean(axes.clone()).unwrap().compute().unwrap(),
                x.nanmean(axes.clone()).unwrap().compute().unwrap(),
                "nanmean {what}"
            );
        }
        assert_eq!(
            y.argmax(None).unwrap().compute().unwrap(),
            x.argmax(None).unwrap().compute().unwrap(),
            "argmax {chunks:?}"
        );
        assert_eq!(
            y.argmin(-1).unwrap().compute().unwrap(),
            x.argmin(-1).unwrap().compute().unwrap(),
            "argmin {chunks:?}"
        );
    }
    // sources fused straight into a reduction
    let s = ndchunk::full::<f64>(&[1000, 10], 0.5, [300, 7]).unwrap().sum(None).unwrap().item().unwrap();
    assert_eq!(s, 5000.0);
}

#[test]
fn several_reductions_of_one_stream_read_it_once() {
    // sum, mean, var, std, max and argmax of one elementwise expression: one streaming task
    // per block feeds all six partials; results equal separate computes.
    let a = ArrayD::from_shape_fn(IxDyn(&[40, 30]), |i| ((i[0] * 37 + i[1] * 11) % 29) as f64 * 0.5 - 3.0);
    for chunks in [vec![40, 30], vec![7, 30], vec![1, 30], vec![9, 4]] {
        let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        let y = &x * 2.0;
        let outs = [
            y.sum(None).unwrap(),
            y.mean(None).unwrap(),
            y.var(None, 0).unwrap(),
            y.std(None, 1).unwrap(),
            y.max(None).unwrap(),
            y.argmax(None).unwrap().astype::<f64>(),
        ];
        let refs: Vec<&ChunkedArray<f64>> = outs.iter().collect();
        let together = ndchunk::compute_all(&refs).unwrap();
        for (o, t) in outs.iter().zip(&together) {
            assert_eq!(&o.compute().unwrap(), t, "{chunks:?} {}", o.name());
        }
        let yy = &a * 2.0;
        assert_eq!(together[0][[]], yy.sum());
        assert!((together[2][[]] - yy.var(0.0)).abs() < 1e-12);
        // the plan has one streaming task per block of y, not one per reduction
        let nodes: Vec<_> = outs.iter().map(|o| o.node_for_tests()).collect();
        let plan = ndchunk::graph::Plan::build(&nodes).unwrap();
        assert_eq!(plan.multi.len(), 1);
        let streams = plan
            .tasks
            .iter()
            .filter(|t| t.stages.iter().any(|s| matches!(s.kind, ndchunk::graph::plan::StageKind::Multi(_))))
            .count();
        assert_eq!(streams, x.numblocks().iter().product::<usize>());
    }
}
