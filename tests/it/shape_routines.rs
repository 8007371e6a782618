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
                    let shape = common::parse_shape(f[3]);
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
                    let want = if f[5] == "ERR" {
                        Err(f[7].to_string())
                    } else {
                        Ok(parse_vals(&common::parse_shape(f[6]), f[7]))
                    };
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
        "insert_at" => match c.args.get("value") {
            Some(_) => out(ndchunk::insert_at(x(), &a.list("idx"), from(a.f("value")), a.opt("axis"))),
            None => out(ndchunk::insert_at(x(), &a.list("idx"), &xs[1], a.opt("axis"))),
        },
        "delete" => out(ndchunk::delete(x(), &a.list("idx"), a.opt("axis"))),
        "append" => out(ndchunk::append(x(), &xs[1], a.opt("axis"))),
        "pad" | "pad_with" | "pad_fn" => {
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
            if c.op == "pad_fn" {
                // the function of fixtures/generate_shape.py
                let consts: Vec<T> = (0..16).map(|k| from(k as f64)).collect();
                let (two, axis_t) = (consts[2], move |k: usize| consts[k]);
                return out(ndchunk::pad_with_fn(
                    x(),
                    width,
                    move |mut v: ndarray::ArrayViewMut1<'_, T>, (b, e), k| {
                        let n = v.len();
                        if b > 0 {
                            let fill = if n > b { v[b].num_mul(axis_t(k).num_add(two)) } else { axis_t(k) };
                            v.slice_mut(ndarray::s![..b]).fill(fill);
                        }
                        if e > 0 {
                            let fill =
                                if n > e { v[n - e - 1].num_sub(axis_t(k)) } else { T::zero().num_sub(axis_t(k)) };
                            v.slice_mut(ndarray::s![n - e..]).fill(fill);
                        }
                    },
                ));
            }
            let mode = match a.s("mode") {
                "constant" => PadMode::Constant(c.args.get("cv").map_or(from(0.0), |_| from(a.f("cv")))),
                "edge" => PadMode::Edge,
                "reflect" => PadMode::Reflect,
                "symmetric" => PadMode::Symmetric,
                "wrap" => PadMode::Wrap,
                "linear_ramp" => PadMode::LinearRamp(c.args.get("cv").map_or(from(0.0), |_| from(a.f("cv")))),
                "maximum" => PadMode::Maximum,
                "minimum" => PadMode::Minimum,
                "mean" => PadMode::Mean,
                "median" => PadMode::Median,
                m => panic!("mode {m}"),
            };
            if c.op == "pad" {
                return out(ndchunk::pad(x(), width, mode));
            }
            let pairs = |k: &str| -> Option<Vec<(f64, f64)>> {
                let s = c.args.get(k)?;
                Some(if s.contains(':') {
                    s.split(',')
                        .map(|p| {
                            let (b, e) = p.split_once(':').unwrap();
                            (b.parse().unwrap(), e.parse().unwrap())
                        })
                        .collect()
                } else {
                    let v: f64 = s.parse().unwrap();
                    vec![(v, v)]
                })
            };
            let opts = ndchunk::PadOptions {
                values: pairs("vals").map(|v| v.into_iter().map(|(b, e)| (from(b), from(e))).collect()),
                stat_length: pairs("sl").map(|v| v.into_iter().map(|(b, e)| (b as usize, e as usize)).collect()),
                reflect_odd: c.args.contains_key("odd"),
            };
            out(ndchunk::pad_with(x(), width, mode, &opts))
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
            let v = if a.u("sparse") == 1 {
                ndchunk::meshgrid_with(&refs, idx, true)?
            } else {
                ndchunk::meshgrid(&refs, idx)?
            };
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

// ---------------------------------------------------------------- property tests vs ndarray

use ndarray::Axis;
use proptest::prelude::*;

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).map(|v| (v * 37) % 101 - 50).collect()).unwrap()
}

/// A shape of 1 to 4 axes (zero-length ones included), block lengths for it, and an axis.
fn shaped() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, usize)> {
    prop::collection::vec(0usize..6, 1..=4).prop_flat_map(|shape| {
        let c: Vec<_> = shape.iter().map(|&n| 1..=n.max(1)).collect();
        let nd = shape.len();
        (Just(shape), c, 0..nd)
    })
}

/// Where padded position `p` of an axis of length `n` reads from, by walking the mirror
/// (reflect/symmetric) or the period (wrap) one step at a time: an independent statement of
/// NumPy's modes.
fn bounce(mode: &str, mut p: i64, n: i64) -> usize {
    loop {
        if (0..n).contains(&p) {
            return p as usize;
        }
        p = match mode {
            "reflect" if n == 1 => 0,
            "reflect" if p < 0 => -p,
            "reflect" => 2 * (n - 1) - p,
            "symmetric" if p < 0 => -p - 1,
            "symmetric" => 2 * n - 1 - p,
            _ if p < 0 => p + n,
            _ => p - n,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn flip_and_roll_match_ndarray((shape, chunks, axis) in shaped(), shift in -13isize..13) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), chunks).unwrap();
        let n = shape[axis];
        let flipped = x.flip(axis as isize).unwrap().compute().unwrap();
        let rev: Vec<usize> = (0..n).rev().collect();
        prop_assert_eq!(flipped, d.select(Axis(axis), &rev));
        let rolled = x.roll(shift, Some(axis as isize)).unwrap().compute().unwrap();
        // out[i] = in[i - shift mod n]
        let src: Vec<usize> = (0..n).map(|i| (i as isize - shift).rem_euclid(n.max(1) as isize) as usize).collect();
        prop_assert_eq!(rolled, d.select(Axis(axis), &src));
    }

    #[test]
    fn moveaxis_matches_ndarray((shape, chunks, src) in shaped(), dst_seed in 0usize..4) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), chunks).unwrap();
        let nd = shape.len();
        let dst = dst_seed % nd;
        let mut perm: Vec<usize> = (0..nd).filter(|&a| a != src).collect();
        perm.insert(dst, src);
        let got = ndchunk::moveaxis(&x, src as isize, dst as isize).unwrap().compute().unwrap();
        prop_assert_eq!(got, d.view().permuted_axes(IxDyn(&perm)).to_owned());
        // and back again, with negative axes
        let back = ndchunk::moveaxis(&ndchunk::moveaxis(&x, src, dst).unwrap(), dst as isize - nd as isize, src).unwrap();
        prop_assert_eq!(back.compute().unwrap(), d);
    }

    #[test]
    fn repeat_and_tile_match_ndarray((shape, chunks, axis) in shaped(), r in 0usize..4) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), chunks).unwrap();
        let n = shape[axis];
        let rep: Vec<usize> = (0..n * r).map(|i| i / r.max(1)).collect();
        prop_assert_eq!(x.repeat(r, Some(axis as isize)).unwrap().compute().unwrap(), d.select(Axis(axis), &rep));
        let counts: Vec<usize> = (0..n).map(|i| (i + r) % 3).collect();
        let per: Vec<usize> = (0..n).flat_map(|i| std::iter::repeat_n(i, counts[i])).collect();
        prop_assert_eq!(x.repeat(counts.clone(), Some(axis as isize)).unwrap().compute().unwrap(), d.select(Axis(axis), &per));
        let mut reps = vec![1usize; shape.len()];
        reps[axis] = r;
        let tiled: Vec<usize> = (0..n * r).map(|i| i % n.max(1)).collect();
        prop_assert_eq!(ndchunk::tile(&x, &reps).unwrap().compute().unwrap(), d.select(Axis(axis), &tiled));
    }

    #[test]
    fn mirrored_pads_match_a_walk((shape, chunks, axis) in shaped(), before in 0usize..12, after in 0usize..12) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), chunks).unwrap();
        let n = shape[axis] as i64;
        let mut widths = vec![(0usize, 0usize); shape.len()];
        widths[axis] = (before, after);
        for (mode, m) in [("reflect", PadMode::Reflect), ("symmetric", PadMode::Symmetric), ("wrap", PadMode::Wrap), ("edge", PadMode::Edge)] {
            let got = ndchunk::pad(&x, widths.as_slice(), m);
            if n == 0 && before + after > 0 {
                prop_assert!(matches!(got, Err(Error::Value(_))));
                continue;
            }
            let src: Vec<usize> = (-(before as i64)..n + after as i64)
                .map(|p| if mode == "edge" { p.clamp(0, n - 1) as usize } else { bounce(mode, p, n) })
                .collect();
            prop_assert_eq!(got.unwrap().compute().unwrap(), d.select(Axis(axis), &src), "{}", mode);
        }
    }

    #[test]
    fn diagonal_and_trace_match_loops(rows in 0usize..7, cols in 0usize..7, depth in 1usize..3, cr in 1usize..4, cc in 1usize..4, offset in -8isize..8) {
        let d = data(&[depth, rows, cols]);
        let x = ChunkedArray::from_array(d.clone(), [1, cr, cc]).unwrap();
        let got = x.diagonal(offset, 1, 2).unwrap().compute().unwrap();
        let tr = x.trace_axes(offset, -2, -1).unwrap().compute().unwrap();
        for k in 0..depth {
            let want: Vec<i64> = (0..rows as isize)
                .filter_map(|i| {
                    let j = i + offset;
                    (0..cols as isize).contains(&j).then(|| d[[k, i as usize, j as usize]])
                })
                .collect();
            prop_assert_eq!(got.index_axis(Axis(0), k).iter().copied().collect::<Vec<i64>>(), want.clone());
            prop_assert_eq!(tr[[k]], want.iter().sum::<i64>());
        }
    }
}

// ---------------------------------------------------------------- bad arguments

#[test]
fn bad_arguments_are_typed_errors() {
    let x = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[3, 4]).unwrap();
    let v = ndchunk::arange::<f64>(0.0, 5.0, 1.0, [2]).unwrap();
    let s0 = ndchunk::full(&[], 1.0, Vec::<usize>::new()).unwrap();
    // axes
    assert!(matches!(ndchunk::moveaxis(&x, 2, 0), Err(Error::Axis { axis: 2, ndim: 2 })));
    assert!(matches!(ndchunk::moveaxis(&x, [0, 0], [0, 1]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::moveaxis(&x, [0], [0, 1]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::rollaxis(&x, 0, 3), Err(Error::Axis { .. })));
    assert!(matches!(x.flip(-3), Err(Error::Axis { .. })));
    assert!(matches!(x.roll(1, Some(2)), Err(Error::Axis { .. })));
    assert!(matches!(x.roll_axes(&[1, 2, 3], &[0, 1]), Err(Error::Shape(_))));
    assert!(matches!(x.transpose_axes(&[0, -2]), Err(Error::Value(_))));
    assert!(matches!(x.transpose_axes(&[0]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::rot90(&x, 1, (0, 0)), Err(Error::Value(_))));
    assert!(matches!(ndchunk::rot90(&v, 1, (0, 1)), Err(Error::Value(_))));
    assert!(matches!(ndchunk::fliplr(&v), Err(Error::Value(_))));
    assert!(matches!(ndchunk::flipud(&s0), Err(Error::Value(_))));
    assert!(matches!(ndchunk::broadcast_arrays(&[&x, &v]), Err(Error::Broadcast { .. })));
    // joining
    assert!(matches!(ndchunk::vstack(&[&x, &v]), Err(Error::Shape(_))));
    assert!(matches!(ndchunk::hstack::<f64>(&[]), Err(Error::Value(_))));
    assert!(matches!(x.repeat(-1, Some(0)), Err(Error::Value(_))));
    assert!(matches!(x.repeat([1, -2, 1], Some(0)), Err(Error::Value(_))));
    assert!(matches!(x.repeat([1, 2], Some(0)), Err(Error::Shape(_))));
    assert!(matches!(x.repeat(2, Some(2)), Err(Error::Axis { .. })));
    assert!(matches!(x.repeat(usize::MAX, Some(0)), Err(Error::Value(_))));
    assert!(matches!(ndchunk::tile(&x, &[usize::MAX, 2]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::insert(&x, 4, 1.0, Some(0)), Err(Error::Index { index: 4, .. })));
    assert!(matches!(ndchunk::insert(&x, -4, 1.0, Some(0)), Err(Error::Index { .. })));
    assert!(matches!(ndchunk::delete(&x, &[3], Some(0)), Err(Error::Index { .. })));
    assert!(matches!(ndchunk::delete(&x, &[0], Some(-3)), Err(Error::Axis { .. })));
    assert!(matches!(ndchunk::append(&x, &v, Some(0)), Err(Error::Value(_))));
    // pad
    assert!(matches!(ndchunk::pad(&x, [(1, 1), (1, 1), (1, 1)], PadMode::Edge), Err(Error::Value(_))));
    let e = ndchunk::zeros::<f64>(&[0, 3], [1, 3]).unwrap();
    assert!(matches!(ndchunk::pad(&e, 1, PadMode::Reflect), Err(Error::Value(_))));
    assert!(matches!(ndchunk::pad(&e, 1, PadMode::Mean), Err(Error::Value(_))));
    assert!(ndchunk::pad(&e, 1, PadMode::Constant(2.0)).is_ok());
    assert!(matches!(ndchunk::pad(&x, usize::MAX, PadMode::Constant(0.0)), Err(Error::Value(_))));
    assert!(matches!(ndchunk::pad(&x, (1 << 40, 1 << 40), PadMode::Edge), Err(Error::Value(_))));
    let no_stat = ndchunk::PadOptions { stat_length: Some(vec![(0, 1)]), ..Default::default() };
    let xi = x.astype::<i64>();
    assert!(matches!(ndchunk::pad_with(&xi, 1, PadMode::Mean, &no_stat), Err(Error::Value(_))));
    assert!(matches!(ndchunk::pad_with(&xi, 1, PadMode::Maximum, &no_stat), Err(Error::Value(_))));
    let three = ndchunk::PadOptions { values: Some(vec![(1.0, 2.0); 3]), ..Default::default() };
    assert!(matches!(ndchunk::pad_with(&x, 1, PadMode::Constant(0.0), &three), Err(Error::Value(_))));
    // sizes that fit isize but not this machine: errors, not aborts, and no huge lists
    let one = ndchunk::ones::<u8>(&[1], [1]).unwrap();
    assert!(matches!(one.repeat([1usize << 50], Some(0)), Err(Error::Memory(_))));
    assert!(matches!(ndchunk::pad(&one, (1 << 50, 0), PadMode::Reflect), Err(Error::Memory(_))));
    let big = ndchunk::tile(&one, &[1 << 50]).unwrap(); // lazy: a broadcast, not 2^50 parts
    assert_eq!(big.shape(), &[1 << 50]);
    // a wide constant pad is lazy and cut into blocks of the array's block length
    let wide = ndchunk::pad(&one, (0, 1 << 40), PadMode::Constant(1)).unwrap();
    assert_eq!(wide.shape(), &[(1 << 40) + 1]);
    assert_eq!(wide.chunks().axis(0).len(), 1 + 4096);
    // mode Empty: like Constant, it may extend an empty axis; only the shape is defined
    let e0 = ndchunk::zeros::<f64>(&[0, 3], [1, 2]).unwrap();
    assert_eq!(ndchunk::pad(&e0, [(1, 2), (0, 1)], PadMode::Empty).unwrap().compute().unwrap().shape(), &[3, 4]);
    assert_eq!(ndchunk::broadcast_shapes(&[&[2, 1, 3], &[5, 1], &[1]]).unwrap(), vec![2, 5, 3]);
    assert!(matches!(ndchunk::broadcast_shapes(&[&[2, 3], &[3, 2]]), Err(Error::Broadcast { .. })));
    let fine = ndchunk::ones::<u8>(&[1 << 13], [1]).unwrap();
    assert!(matches!(ndchunk::diag(&fine, 0), Err(Error::Memory(_)))); // a 2^26-block mask
                                                                       // triangles
    assert!(matches!(s0.tril(0), Err(Error::Value(_))));
    assert!(matches!(v.diagonal(0, 0, 1), Err(Error::Value(_))));
    assert!(matches!(x.diagonal(0, 1, -1), Err(Error::Value(_))));
    assert!(matches!(x.diagonal(0, 0, 2), Err(Error::Axis { .. })));
    assert!(matches!(x.trace_axes(0, 0, 5), Err(Error::Axis { .. })));
    let a3 = ndchunk::zeros::<f64>(&[2, 2, 2], [1, 1, 1]).unwrap();
    assert!(matches!(ndchunk::diag(&a3, 0), Err(Error::Value(_))));
    assert!(matches!(ndchunk::diag(&v, isize::MIN), Err(Error::Value(_))));
    // unknown axis lengths (after masking)
    let u = v.mask(&v.gt(1.0).unwrap()).unwrap();
    let unknown = |r: Result<ChunkedArray<f64>>| matches!(r, Err(Error::UnknownChunkSizes { .. }));
    assert!(unknown(u.roll(1, Some(0))));
    assert!(unknown(ndchunk::tile(&u, &[2])));
    assert!(unknown(u.repeat(2, Some(0))));
    assert!(unknown(ndchunk::insert(&u, 0, 1.0, None)));
    assert!(unknown(ndchunk::insert_at(&u, &[0, 1], 1.0, None)));
    assert!(unknown(ndchunk::delete(&u, &[0], None)));
    assert!(unknown(ndchunk::diag(&u, 0)));
    assert!(unknown(ndchunk::pad(&u, 1, PadMode::Edge)));
    assert!(unknown(u.tril(0)));
    assert!(unknown(ndchunk::zeros_like(&u)));
    let u2 = ndchunk::stack(&[&u, &u], 0).unwrap();
    assert!(unknown(u2.diagonal(0, 0, 1)));
    assert!(unknown(u2.trace(0)));
    // creation
    assert!(matches!(ndchunk::geomspace(0.0, 1.0, 5, true, [2]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::geomspace(-1.0, 1.0, 5, true, [2]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::eye_nmk::<f64>(1 << 40, None, 0, [1 << 20, 1 << 20]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::indices(&[1 << 40, 1 << 40], [1 << 20, 1 << 20]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::meshgrid(&[&v, &v], ndchunk::Indexing::Ij).map(|g| g.len()), Ok(2)));
}

#[test]
fn creation_like_follows_the_prototype_and_fromfunction_is_lazy() {
    let x = ChunkedArray::from_array(data(&[5, 7]), [2, 3]).unwrap();
    for y in [ndchunk::zeros_like(&x).unwrap(), ndchunk::empty_like(&x).unwrap(), ndchunk::full_like(&x, 4).unwrap()] {
        assert_eq!(y.chunks(), x.chunks());
    }
    assert_eq!(ndchunk::ones_like(&x).unwrap().compute().unwrap(), ArrayD::from_elem(IxDyn(&[5, 7]), 1i64));
    // an unknown-length prototype (after masking) has no chunks to copy
    let m = x.mask(&x.gt(0).unwrap()).unwrap();
    assert!(matches!(ndchunk::zeros_like(&m), Err(Error::UnknownChunkSizes { .. })));
    // fromfunction: the function runs only at compute time, once per element
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = calls.clone();
    let f = ndchunk::fromfunction(
        &[4, 3],
        move |i: &[usize]| {
            c2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (i[0] * 3 + i[1]) as f64
        },
        [3, 2],
    )
    .unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 0);
    let want = ArrayD::from_shape_vec(IxDyn(&[4, 3]), (0..12).map(|v| v as f64).collect()).unwrap();
    assert_eq!(f.compute().unwrap(), want);
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 12);
    // two functions over one shape are different arrays (not merged as one subexpression)
    let g = ndchunk::fromfunction(&[4, 3], |_: &[usize]| 1.0, [3, 2]).unwrap();
    let h = ndchunk::fromfunction(&[4, 3], |_: &[usize]| 2.0, [3, 2]).unwrap();
    assert_eq!((&g + &h).sum(None).unwrap().item().unwrap(), 36.0);
}

/// The routines are lazy compositions: the input's blocks survive inside the result.
#[test]
fn results_keep_the_input_blocks() {
    let x = ChunkedArray::from_array(data(&[7, 5]), [3, 2]).unwrap();
    assert_eq!(x.flip(0).unwrap().chunks().axis(0), &[1, 3, 3]);
    let p = ndchunk::pad(&x, [(2, 1), (0, 4)], PadMode::Constant(0)).unwrap();
    assert_eq!(p.chunks().axis(0), &[2, 3, 3, 1, 1]);
    // a side wider than the array's blocks is cut like them
    assert_eq!(p.chunks().axis(1), &[2, 2, 1, 2, 2]);
    let r = x.roll(2, Some(0)).unwrap();
    // the last two rows (5..7, across the cut at 6) move first, then rows 0..5
    assert_eq!(r.chunks().axis(0), &[1, 1, 3, 2]);
    let t = ndchunk::tile(&x, &[2, 1]).unwrap();
    assert_eq!(t.chunks().axis(0), &[3, 3, 1, 3, 3, 1]);
    assert_eq!(ndchunk::tril(&x, 0).unwrap().chunks(), x.chunks());
    let m = ndchunk::moveaxis(&x, 0, 1).unwrap();
    assert_eq!(m.chunks().axis(1), &[3, 3, 1]);
}

/// The diagonal of a blocked matrix reads only the blocks on it, in a task or two per block.
#[test]
fn diagonal_touches_only_diagonal_blocks() {
    let x = ndchunk::fromfunction(&[1000, 1200], |i: &[usize]| (i[0] * 2000 + i[1]) as f64, [100, 150]).unwrap();
    let d = x.diagonal(30, 0, 1).unwrap();
    let got = d.compute().unwrap();
    let want: Vec<f64> = (0..1000).map(|i| (i * 2000 + i + 30) as f64).collect();
    assert_eq!(got.as_slice().unwrap(), want.as_slice());
    // 80 blocks in x; the diagonal crosses 18 of them
    let plan = ndchunk::graph::Plan::build(&[d.node_for_tests()]).unwrap();
    assert!(plan.ntasks() <= 4 * 18 + 2, "{} tasks", plan.ntasks());
    assert_eq!(x.trace(30).unwrap().item().unwrap(), want.iter().sum::<f64>());
}

/// Many repetitions go through a broadcast instead of a list of parts; same values.
#[test]
fn tile_with_many_reps_matches_ndarray() {
    let d = data(&[3, 4]);
    let x = ChunkedArray::from_array(d.clone(), [2, 3]).unwrap();
    let t = ndchunk::tile(&x, &[70, 2]).unwrap();
    let rows: Vec<usize> = (0..210).map(|i| i % 3).collect();
    let cols: Vec<usize> = (0..8).map(|j| j % 4).collect();
    assert_eq!(t.compute().unwrap(), d.select(Axis(0), &rows).select(Axis(1), &cols));
}

#[test]
fn atleast_nd_of_several_arrays_is_each_one_alone() {
    let arrays = [
        ndchunk::full::<f64>(&[], 2.0, ndchunk::ChunkSpec::Uniform(vec![])).unwrap(),
        ndchunk::arange::<f64>(0.0, 5.0, 1.0, [2]).unwrap(),
        ndchunk::arange::<f64>(0.0, 6.0, 1.0, [4]).unwrap().reshape(&[2, 3]).unwrap(),
        ndchunk::zeros::<f64>(&[2, 0, 3, 1], [1, 1, 2, 1]).unwrap(),
    ];
    let refs: Vec<&ChunkedArray<f64>> = arrays.iter().collect();
    type One = fn(&ChunkedArray<f64>) -> ndchunk::Result<ChunkedArray<f64>>;
    type All = fn(&[&ChunkedArray<f64>]) -> ndchunk::Result<Vec<ChunkedArray<f64>>>;
    let forms: [(One, All, [&[usize]; 4]); 3] = [
        (ndchunk::atleast_1d, ndchunk::atleast_1d_all, [&[1], &[5], &[2, 3], &[2, 0, 3, 1]]),
        (ndchunk::atleast_2d, ndchunk::atleast_2d_all, [&[1, 1], &[1, 5], &[2, 3], &[2, 0, 3, 1]]),
        (ndchunk::atleast_3d, ndchunk::atleast_3d_all, [&[1, 1, 1], &[1, 5, 1], &[2, 3, 1], &[2, 0, 3, 1]]),
    ];
    for (one, all, shapes) in forms {
        let got = all(&refs).unwrap();
        assert_eq!(got.len(), arrays.len());
        for ((g, x), shape) in got.iter().zip(&arrays).zip(shapes) {
            assert_eq!(g.shape(), shape);
            assert_eq!(g.compute().unwrap(), one(x).unwrap().compute().unwrap());
            // NumPy's atleast_nd only adds axes of length 1: the values, in order, are x's
            assert_eq!(
                g.compute().unwrap().iter().collect::<Vec<_>>(),
                x.compute().unwrap().iter().collect::<Vec<_>>()
            );
        }
    }
    assert!(ndchunk::atleast_2d_all::<f64>(&[]).unwrap().is_empty());
}

#[test]
fn pad_with_a_function_reports_its_failures() {
    let x = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[3, 4]).unwrap();
    // a panicking function is an error of the compute, not a panic of the caller
    let y = ndchunk::pad_with_fn(&x, 1, |_v: ndarray::ArrayViewMut1<'_, f64>, _w, axis| {
        if axis == 1 {
            panic!("no padding on axis 1");
        }
    })
    .unwrap();
    assert!(y.compute().is_err());
    // widths for too many axes: a typed error when building
    let w: Vec<(usize, usize)> = vec![(1, 1); 3];
    assert!(ndchunk::pad_with_fn(&x, w, |_v: ndarray::ArrayViewMut1<'_, f64>, _w, _a| {}).is_err());
    // nothing to pad: the values are x's, the function sees every lane
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s2 = seen.clone();
    let z = ndchunk::pad_with_fn(&x, 0, move |_v: ndarray::ArrayViewMut1<'_, f64>, _w, _a| {
        s2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(z.compute().unwrap(), x.compute().unwrap());
    // 4 lanes along axis 0, 3 along axis 1
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 7);
}
