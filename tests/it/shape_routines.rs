//! Shape routines and creation functions against NumPy (fixtures/shape_routines.txt, written by
//! fixtures/generate_shape.py) over several chunkings, property tests against ndarray, and
//! bad arguments.

use crate::common;

use std::collections::HashMap;
use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::PadMode;

struct Case {
    group: String,
    op: String,
    args: HashMap<String, String>,
    raw_args: String,
    inputs: Vec<String>,
    /// `None`: NumPy raised this exception class.
    want: std::result::Result<ArrayD<f64>, String>,
}

struct Fixture {
    inputs: HashMap<String, (String, ArrayD<f64>)>,
    cases: Vec<Case>,
}

fn parse_shape(s: &str) -> Vec<usize> {
    s.split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect()
}

fn parse_vals(shape: &[usize], s: &str) -> ArrayD<f64> {
    let v: Vec<f64> = if s.is_empty() { vec![] } else { s.split(',').map(|x| x.parse().unwrap()).collect() };
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/shape_routines.txt")).unwrap();
        let mut inputs = HashMap::new();
        let mut cases = Vec::new();
        for l in text.lines() {
            let f: Vec<&str> = l.split('|').collect();
            match f[0] {
                "INPUT" => {
                    let shape = parse_shape(f[3]);
                    inputs.insert(f[1].to_string(), (f[2].to_string(), parse_vals(&shape, f[4])));
                }
                "RESULT" => {
                    let args: HashMap<String, String> = f[3]
                        .split(';')
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (k, v) = p.split_once('=').unwrap();
                            (k.to_string(), v.to_string())
                        })
                        .collect();
                    let want =
                        if f[5] == "ERR" { Err(f[7].to_string()) } else { Ok(parse_vals(&parse_shape(f[6]), f[7])) };
                    cases.push(Case {
                        group: f[1].to_string(),
                        op: f[2].to_string(),
                        args,
                        raw_args: f[3].to_string(),
                        inputs: if f[4] == "-" { vec![] } else { f[4].split(',').map(str::to_string).collect() },
                        want,
                    });
                }
                _ => panic!("bad fixture line {l}"),
            }
        }
        Fixture { inputs, cases }
    })
}

/// Typed access to a case's `key=value` arguments.
struct Args<'a>(&'a HashMap<String, String>);

impl Args<'_> {
    fn s(&self, k: &str) -> &str {
        self.0.get(k).unwrap_or_else(|| panic!("argument {k} missing"))
    }
    fn i(&self, k: &str) -> isize {
        self.s(k).parse().unwrap()
    }
    fn u(&self, k: &str) -> usize {
        self.s(k).parse().unwrap()
    }
    fn f(&self, k: &str) -> f64 {
        self.s(k).parse().unwrap()
    }
    fn opt(&self, k: &str) -> Option<isize> {
        match self.s(k) {
            "None" => None,
            v => Some(v.parse().unwrap()),
        }
    }
    fn list(&self, k: &str) -> Vec<isize> {
        self.s(k).split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect()
    }
    fn axes(&self, k: &str) -> Axes {
        match self.s(k) {
            "None" => Axes::All,
            _ => Axes::Some(self.list(k)),
        }
    }
}

fn out<U: Element>(r: Result<ChunkedArray<U>>) -> Result<ArrayD<f64>> {
    Ok(r?.compute()?.mapv(|v| v.to_f64()))
}

/// One fixture case on chunked inputs of element type `T`.
fn run<T: Number>(c: &Case, xs: &[ChunkedArray<T>], from: impl Fn(f64) -> T) -> Result<ArrayD<f64>> {
    let a = Args(&c.args);
    let x = || &xs[0];
    let refs: Vec<&ChunkedArray<T>> = xs.iter().collect();
    match c.op.as_str() {
        "moveaxis" => out(ndchunk::moveaxis(x(), a.list("src"), a.list("dst"))),
        "rollaxis" => out(ndchunk::rollaxis(x(), a.i("axis"), a.i("start"))),
        "flip" => out(ndchunk::flip(x(), a.axes("axis"))),
        "fliplr" => out(ndchunk::fliplr(x())),
        "flipud" => out(ndchunk::flipud(x())),
        "rot90" => {
            let ax = a.list("axes");
            out(ndchunk::rot90(x(), a.i("k"), (ax[0], ax[1])))
        }
        "roll" => {
            let sh = a.list("shift");
            match a.s("axis") {
                "None" => out(ndchunk::roll(x(), sh[0], None)),
                _ => out(x().roll_axes(&sh, &a.list("axis"))),
            }
        }
        "transpose" => out(x().transpose_axes(&a.list("axes"))),
        "atleast_1d" => out(ndchunk::atleast_1d(x())),
        "atleast_2d" => out(ndchunk::atleast_2d(x())),
        "atleast_3d" => out(ndchunk::atleast_3d(x())),
        "broadcast_arrays" => {
            let v = ndchunk::broadcast_arrays(&refs)?;
            out(Ok(v[a.u("out")].clone()))
        }
        "hstack" => out(ndchunk::hstack(&refs)),
        "vstack" => out(ndchunk::vstack(&refs)),
        "dstack" => out(ndchunk::dstack(&refs)),
        "column_stack" => out(ndchunk::column_stack(&refs)),
        "tile" => {
            let reps: Vec<usize> = a.list("reps").iter().map(|&r| r as usize).collect();
            out(ndchunk::tile(x(), &reps))
        }
        "repeat" => match c.args.get("r") {
            Some(_) => out(x().repeat(a.i("r"), a.opt("axis"))),
            None => out(ndchunk::repeat(x(), a.list("rs"), a.opt("axis"))),
        },
        "insert" => match c.args.get("value") {
            Some(_) => out(ndchunk::insert(x(), a.i("index"), from(a.f("value")), a.opt("axis"))),
            None => out(ndchunk::insert(x(), a.i("index"), &xs[1], a.opt("axis"))),
        },
        "delete" => out(ndchunk::delete(x(), &a.list("idx"), a.opt("axis"))),
        "append" => out(ndchunk::append(x(), &xs[1], a.opt("axis"))),
        "pad" => {
            let ws = a.s("w");
            let width: ndchunk::PadWidth = if ws.contains(':') {
                ws.split(',')
                    .map(|p| {
                        let (b, e) = p.split_once(':').unwrap();
                        (b.parse().unwrap(), e.parse().unwrap())
                    })
                    .collect::<Vec<(usize, usize)>>()
                    .into()
            } else {
                a.u("w").into()
            };
            let mode = match a.s("mode") {
                "constant" => PadMode::Constant(from(a.f("cv"))),
                "edge" => PadMode::Edge,
                "reflect" => PadMode::Reflect,
                "symmetric" => PadMode::Symmetric,
                "wrap" => PadMode::Wrap,
                "linear_ramp" => PadMode::LinearRamp(from(a.f("cv"))),
                "maximum" => PadMode::Maximum,
                "minimum" => PadMode::Minimum,
                "mean" => PadMode::Mean,
                "median" => PadMode::Median,
                m => panic!("mode {m}"),
            };
            out(ndchunk::pad(x(), width, mode))
        }
        "tril" => out(x().tril(a.i("k"))),
        "triu" => out(ndchunk::triu(x(), a.i("k"))),
        "diagonal" => out(x().diagonal(a.i("offset"), a.i("axis1"), a.i("axis2"))),
        "trace" => out(ndchunk::trace(x(), a.i("offset"), a.i("axis1"), a.i("axis2"))),
        "diag" => out(ndchunk::diag(x(), a.i("k"))),
        "zeros_like" => out(ndchunk::zeros_like(x())),
        "ones_like" => out(ndchunk::ones_like(x())),
        "full_like" => out(ndchunk::full_like(x(), from(a.f("value")))),
        "meshgrid" => {
            let idx = if a.s("indexing") == "xy" { ndchunk::Indexing::Xy } else { ndchunk::Indexing::Ij };
            let v = ndchunk::meshgrid(&refs, idx)?;
            out(Ok(v[a.u("out")].clone()))
        }
        op => panic!("no dispatch for {op}"),
    }
}

/// A creation case (no inputs), with chunks `chunks` for its output.
fn create(c: &Case, chunks: Vec<usize>) -> Result<ArrayD<f64>> {
    let a = Args(&c.args);
    let n1 = |v: &[usize]| v.first().copied().unwrap_or(1);
    match c.op.as_str() {
        "tri" => {
            let m = a.opt("m").map(|m| m as usize);
            out(ndchunk::tri::<f64>(a.u("n"), m, a.i("k"), chunks))
        }
        "eye_nmk" => {
            let m = a.opt("m").map(|m| m as usize);
            out(ndchunk::eye_nmk::<f64>(a.u("n"), m, a.i("k"), chunks))
        }
        "identity" => out(ndchunk::identity::<f64>(a.u("n"), chunks)),
        "indices" => {
            let dims: Vec<usize> = a.list("dims").iter().map(|&d| d as usize).collect();
            let ch = if chunks.is_empty() { vec![] } else { chunks[1..].to_vec() };
            out(ndchunk::indices(&dims, ch))
        }
        "linspace_with" | "linspace_step" => {
            let (x, step) =
                ndchunk::linspace_with(a.f("start"), a.f("stop"), a.u("num"), a.u("endpoint") == 1, [n1(&chunks)])?;
            if c.op == "linspace_step" {
                Ok(ndarray::arr0(step).into_dyn())
            } else {
                out(Ok(x))
            }
        }
        "logspace" => out(ndchunk::logspace(
            a.f("start"),
            a.f("stop"),
            a.u("num"),
            a.f("base"),
            a.u("endpoint") == 1,
            [n1(&chunks)],
        )),
        "geomspace" => {
            out(ndchunk::geomspace(a.f("start"), a.f("stop"), a.u("num"), a.u("endpoint") == 1, [n1(&chunks)]))
        }
        op => panic!("no dispatch for {op}"),
    }
}

/// Whether `e` is the error NumPy's exception class corresponds to.
fn error_matches(e: &Error, numpy: &str) -> bool {
    match numpy {
        "AxisError" => matches!(e, Error::Axis { .. }),
        "IndexError" => matches!(e, Error::Index { .. }),
        "ValueError" => matches!(e, Error::Value(_) | Error::Shape(_) | Error::Broadcast { .. }),
        _ => false,
    }
}

fn check(c: &Case, got: Result<ArrayD<f64>>, what: &str) {
    match (&c.want, got) {
        (Err(cls), Err(e)) => assert!(error_matches(&e, cls), "{what}: NumPy raises {cls}, got error {e:?}"),
        (Err(cls), Ok(g)) => panic!("{what}: NumPy raises {cls}, got {g:?}"),
        (Ok(_), Err(e)) => panic!("{what}: unexpected error {e}"),
        (Ok(w), Ok(g)) => common::assert_close(&g, w, 1e-12, what),
    }
}

/// Every case of `group` over every chunking of its inputs; returns how many were checked.
fn check_group(group: &str) -> usize {
    let fx = fixture();
    let mut n = 0;
    for c in fx.cases.iter().filter(|c| c.group == group) {
        let ins: Vec<&(String, ArrayD<f64>)> = c.inputs.iter().map(|k| &fx.inputs[k]).collect();
        let all_int = !ins.is_empty() && ins.iter().all(|(dt, _)| dt == "int64");
        let lists: Vec<Vec<Vec<usize>>> = ins.iter().map(|(_, d)| common::chunkings(d.shape())).collect();
        if ins.is_empty() {
            let shape = match &c.want {
                Ok(w) => w.shape().to_vec(),
                Err(_) => vec![3],
            };
            for ch in common::chunkings(&shape) {
                let what = format!("{} {} [{}] chunks {ch:?}", c.group, c.op, c.raw_args);
                check(c, create(c, ch), &what);
                n += 1;
            }
            continue;
        }
        let nk = lists.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..nk {
            let chunks: Vec<&Vec<usize>> = lists.iter().map(|l| &l[k % l.len()]).collect();
            let what = format!("{} {} [{}] on {:?} chunks {chunks:?}", c.group, c.op, c.raw_args, c.inputs);
            let got = if all_int {
                let xs: Vec<ChunkedArray<i64>> = ins
                    .iter()
                    .zip(&chunks)
                    .map(|((_, d), ch)| ChunkedArray::from_array(d.mapv(|v| v as i64), (*ch).clone()).unwrap())
                    .collect();
                run(c, &xs, |v| v as i64)
            } else {
                let xs: Vec<ChunkedArray<f64>> = ins
                    .iter()
                    .zip(&chunks)
                    .map(|((_, d), ch)| ChunkedArray::from_array(d.clone(), (*ch).clone()).unwrap())
                    .collect();
                run(c, &xs, |v| v)
            };
            check(c, got, &what);
            n += 1;
        }
    }
    assert!(n > 0, "no fixture cases for {group}");
    eprintln!("{group}: {n} checks");
    n
}

#[test]
fn rearrange_matches_numpy() {
    check_group("rearrange");
}

#[test]
fn joining_matches_numpy() {
    check_group("joining");
}

#[test]
fn triangles_match_numpy() {
    check_group("triangles");
}

#[test]
fn creation_matches_numpy() {
    check_group("creation");
}

#[test]
fn pad_matches_numpy() {
    check_group("pad");
}

/// Two constants of one value, or one array broadcast to two shapes, on the same block grid
/// are different arrays: the planner's shared-subexpression pass must not merge them (it did
/// before it compared block lengths, and `pad` with `Constant` broke).
#[test]
fn equal_keys_with_different_shapes_are_not_merged() {
    let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [10]).unwrap().reshape(&[2, 5]).unwrap();
    let a = ndchunk::full(&[1, 5], 6.0, [1, 5]).unwrap();
    let b = ndchunk::full(&[2, 5], 6.0, [2, 5]).unwrap();
    let y = ndchunk::concatenate(&[&a, &x, &b], 0).unwrap().compute().unwrap();
    assert_eq!(y.shape(), &[5, 5]);
    assert_eq!(y.sum(), 6.0 * 15.0 + 45.0);
    let r = x.sum(0).unwrap().expand_dims(0).unwrap();
    let (p, q) = (r.broadcast_to(&[1, 5]).unwrap(), r.broadcast_to(&[3, 5]).unwrap());
    let z = ndchunk::concatenate(&[&p, &q], 0).unwrap().compute().unwrap();
    assert_eq!(z.shape(), &[4, 5]);
    assert_eq!(z.sum(), 4.0 * 45.0);
}
