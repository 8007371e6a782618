//! Hostile input, deep graphs and faults: every case returns a typed error or NumPy's answer,
//! never a panic, an abort or a hang. Cases that could hang run under a watchdog.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use ndarray::{ArrayD, IxDyn};
use ndchunk::config::Config;
use ndchunk::linalg::NormOrd;
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats, TaskEvent};
use ndchunk::{Axes, Nested, WHOLE};

use crate::common::chunkings;

/// Run `f` on its own thread and fail (instead of hanging the suite) if it takes too long.
fn within<R: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).unwrap_or_else(|_| panic!("{what}: no answer in {secs} s (hang)"))
}

fn arr(v: &[f64], chunk: usize) -> ChunkedArray<f64> {
    ChunkedArray::from_array(ndarray::Array1::from(v.to_vec()), [chunk]).unwrap()
}

// ---------------------------------------------------------------- deep graphs

#[test]
fn a_million_deep_elementwise_chain_builds_runs_prints_and_drops() {
    within(600, "1M-deep chain", || {
        let mut y = ndchunk::ones::<f64>(&[1000], [100]).unwrap();
        for _ in 0..1_000_000 {
            y = &y + 1.0;
        }
        assert_eq!(y.sum(None).unwrap().item().unwrap(), 1000.0 * 1_000_001.0);
        assert!(format!("{y}").contains("1000"));
        let dot = y.sum(None).unwrap().to_dot();
        assert!(dot.starts_with("digraph"));
        drop(y);
    });
}

#[test]
fn deep_chains_with_a_shared_operand() {
    within(300, "deep shared chain", || {
        let x = ndchunk::arange::<f64>(0.0, 1000.0, 1.0, [100]).unwrap();
        let mut y = ndchunk::ones::<f64>(&[1000], [100]).unwrap();
        for _ in 0..100_000 {
            y = &y + &x;
        }
        let expect: f64 = (0..1000).map(|i| 1.0 + 100_000.0 * i as f64).sum();
        assert_eq!(y.sum(None).unwrap().item().unwrap(), expect);
        // the unoptimised graph too (no fusion at all)
        let mut z = ndchunk::ones::<f64>(&[10], [5]).unwrap();
        for _ in 0..20_000 {
            z = &z * 1.0;
        }
        assert!(z.to_dot_with(false).starts_with("digraph"));
        assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[10]), 1.0));
    });
}

#[test]
fn a_hundred_thousand_deep_mixed_graph() {
    within(600, "100k-deep mixed graph", || {
        let x = ndchunk::ones::<f64>(&[8, 6], [4, 3]).unwrap();
        let mut y = x.clone();
        let mut expect = ArrayD::from_elem(IxDyn(&[8, 6]), 1.0);
        for i in 0..100_000 {
            y = match i % 6 {
                0 => &y + 1.0,
                1 => y.rechunk(if i % 12 == 1 { [2, 6] } else { [4, 3] }).unwrap(),
                2 => y.slice(s![..;-1, ..]).unwrap(),
                3 => y.map_blocks(|b| b.mapv(|v| v * 1.0)).unwrap(),
                4 => &y - &y.mean(None).unwrap(),
                _ => &(&y + &x) - 1.0,
            };
            match i % 6 {
                0 => expect.mapv_inplace(|v| v + 1.0),
                2 => expect.invert_axis(ndarray::Axis(0)),
                4 => {
                    let m = expect.mean().unwrap();
                    expect.mapv_inplace(|v| v - m);
                }
                _ => {}
            }
        }
        assert!(format!("{y}").contains("8"));
        assert!(y.to_dot().starts_with("digraph"));
        let got = y.compute().unwrap();
        for (g, e) in got.iter().zip(expect.iter()) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        drop(y);
    });
}

// ---------------------------------------------------------------- hangs

#[derive(Clone, Copy, PartialEq)]
enum Where {
    Start,
    TaskStart,
    TaskFinish,
    Finish,
    Cancelled,
}

struct Panicking(Where);

impl Callback for Panicking {
    fn on_start(&self, _: usize) {
        if self.0 == Where::Start {
            panic!("callback on_start");
        }
    }
    fn on_task_start(&self, _: &TaskEvent<'_>) {
        if self.0 == Where::TaskStart {
            panic!("callback on_task_start");
        }
    }
    fn on_task_finish(&self, _: &TaskEvent<'_>) {
        if self.0 == Where::TaskFinish {
            panic!("callback on_task_finish");
        }
    }
    fn on_finish(&self, _: &Stats) {
        if self.0 == Where::Finish {
            panic!("callback on_finish");
        }
    }
    fn cancelled(&self) -> bool {
        if self.0 == Where::Cancelled {
            panic!("callback cancelled");
        }
        false
    }
}

#[test]
fn panicking_callbacks_are_errors_and_the_pool_survives() {
    for threads in [1, 2, 4] {
        for w in [Where::Start, Where::TaskStart, Where::TaskFinish, Where::Finish, Where::Cancelled] {
            let r = within(60, "panicking callback", move || {
                let x = ndchunk::ones::<f64>(&[100, 100], [10, 10]).unwrap();
                let cfg = Config::default().with_threads(threads).with_callback(Arc::new(Panicking(w)));
                (x.sum(None).unwrap().compute_with(&cfg).map(|_| ()), (&x + 1.0).compute_with(&cfg).map(|_| ()))
            });
            assert!(matches!(r.0, Err(Error::TaskPanicked { .. })), "{threads} threads: {:?}", r.0);
            assert!(matches!(r.1, Err(Error::TaskPanicked { .. })), "{threads} threads: {:?}", r.1);
            // the same pool still computes
            let x = ndchunk::ones::<f64>(&[100, 100], [10, 10]).unwrap();
            let cfg = Config::default().with_threads(threads);
            assert_eq!(x.sum(None).unwrap().compute_with(&cfg).unwrap()[[]], 10_000.0);
        }
    }
}

#[test]
fn compute_inside_a_task_runs_instead_of_hanging() {
    for threads in [1, 2, 4] {
        let got = within(60, "nested compute", move || {
            let cfg = Config::default().with_threads(threads);
            let x = ndchunk::ones::<f64>(&[64, 64], [8, 8]).unwrap();
            let y = x.map_blocks(move |b| {
                let inner = ndchunk::arange::<f64>(0.0, 100.0, 1.0, [7]).unwrap();
                // a nested compute, with the same and another pool size
                let s = inner.sum(None).unwrap().item().unwrap();
                let t = inner.sum(None).unwrap().compute_with(&Config::default().with_threads(4)).unwrap()[[]];
                b.mapv(|v| v * s + t)
            });
            y.unwrap().sum(None).unwrap().compute_with(&cfg).unwrap()[[]]
        });
        assert_eq!(got, 64.0 * 64.0 * (4950.0 * 2.0), "{threads} threads");
    }
}

#[test]
fn a_panicking_task_is_an_error_at_every_thread_count() {
    for threads in [1, 2, 4] {
        let r = within(60, "panicking task", move || {
            let x = ndchunk::ones::<f64>(&[40], [4]).unwrap();
            let y = x.map_blocks(|b| -> ArrayD<f64> {
                if b.len() == 4 {
                    panic!("boom")
                }
                b.to_owned()
            });
            y.unwrap().sum(None).unwrap().compute_with(&Config::default().with_threads(threads))
        });
        assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{r:?}");
    }
}

#[test]
fn absurd_thread_counts_are_errors() {
    let x = ndchunk::ones::<f64>(&[10], [5]).unwrap();
    for n in [1_000_000, usize::MAX] {
        let r = x.sum(None).unwrap().compute_with(&Config::default().with_threads(n));
        assert!(matches!(r, Err(Error::Value(_))), "{n}: {r:?}");
    }
}

// ---------------------------------------------------------------- allocation and sizes

#[test]
fn too_many_blocks_or_elements_are_errors_not_aborts() {
    assert!(matches!(ndchunk::ones::<u8>(&[1 << 40], [1]), Err(Error::Memory(_))));
    assert!(matches!(ndchunk::ones::<u8>(&[1 << 20, 1 << 20], [1, 1]), Err(Error::Memory(_))));
    assert!(matches!(ndchunk::zeros::<f64>(&[1 << 40], ChunkSpec::AutoBytes(1)), Err(Error::Memory(_))));
    // element counts that overflow usize, or bytes that overflow isize: NumPy's "array is too big"
    for shape in [vec![usize::MAX, 2], vec![1 << 32, 1 << 32], vec![1 << 62, 4]] {
        let r = ndchunk::zeros::<f64>(&shape, WHOLE);
        assert!(matches!(r, Err(Error::Value(ref m)) if m.contains("too big")), "{shape:?}: {r:?}");
        let a = ndchunk::ones::<u8>(&[4], [2]).unwrap();
        assert!(a.broadcast_to(&shape).is_err(), "{shape:?}");
    }
    // explicit block lengths whose sum overflows
    let spec = ChunkSpec::from(ndchunk::Chunks::explicit(vec![vec![usize::MAX, 2]]));
    assert!(matches!(ndchunk::ones::<f64>(&[1], spec), Err(Error::Chunks(_))));
    let r = ndchunk::ones::<f64>(&[10], [usize::MAX - 1]).unwrap();
    assert_eq!(r.numblocks(), vec![1]);
}

#[test]
fn derived_shapes_and_grids_that_overflow_are_errors() {
    let col = ndchunk::ones::<f64>(&[1 << 32, 1], [1 << 30, 1]).unwrap();
    let row = ndchunk::ones::<f64>(&[1, 1 << 32], [1, 1 << 30]).unwrap();
    // broadcasting (2^32, 1) with (1, 2^32): 2^64 elements
    assert!(matches!(col.add(&row), Err(Error::Value(_))));
    // their product too
    assert!(matches!(col.dot(&row), Err(Error::Value(_))));
    // 2^13 × 2^13 one-element blocks by broadcasting: more blocks than a graph may hold
    let c = ndchunk::ones::<f64>(&[1 << 13, 1], [1, 1]).unwrap();
    let r = ndchunk::ones::<f64>(&[1, 1 << 13], [1, 1]).unwrap();
    assert!(matches!(c.add(&r), Err(Error::Memory(_))));
    assert!(matches!(c.dot(&r), Err(Error::Memory(_))));
    // concatenations whose length overflows or whose bytes exceed isize
    let big = ndchunk::ones::<u8>(&[1 << 62], [1 << 42]).unwrap();
    assert!(matches!(ndchunk::concatenate(&[&big, &big, &big, &big], 0), Err(Error::Value(_))));
    assert!(ndchunk::stack(&[&big; 20], 0).is_err());
    // and ordinary ones still work
    assert_eq!(c.add(ndchunk::ones::<f64>(&[1, 2], [1, 1]).unwrap()).unwrap().shape(), &[1 << 13, 2]);
}

#[test]
fn arange_lengths_beyond_memory_are_errors() {
    assert!(matches!(ndchunk::arange(0.0, 1e30, 1.0, [1000]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::arange(0.0f32, 3e38, 1e-3, [1000]), Err(Error::Value(_))));
    assert!(ndchunk::arange::<i64>(i64::MIN, i64::MAX, 1, [1000]).is_err());
    assert!(ndchunk::arange::<u64>(0, u64::MAX, 1, [1 << 20]).is_err());
    assert!(ndchunk::arange::<i32>(0, 10, 0, [5]).is_err());
    assert!(ndchunk::arange(0.0, 1.0, f64::NAN, [5]).is_err());
}

#[test]
fn results_and_blocks_larger_than_memory_are_memory_errors() {
    // a result of 8 TiB: the allocation is refused before anything runs
    let x = ndchunk::ones::<f64>(&[1 << 40], [1 << 24]).unwrap();
    assert!(matches!(x.compute(), Err(Error::Memory(_))));
    assert!(matches!((&x + 1.0).compute(), Err(Error::Memory(_))));
    // one block larger than the machine
    let y = ndchunk::ones::<f64>(&[1 << 40], WHOLE).unwrap();
    assert!(matches!(y.map_blocks(|b| b.to_owned()).unwrap().sum(None).unwrap().compute(), Err(Error::Memory(_))));
    let e = ndchunk::arange::<i64>(0, 1 << 40, 1, WHOLE).unwrap();
    assert!(matches!(e.compute(), Err(Error::Memory(_))));
}

#[test]
fn reshape_to_overflowing_shapes_is_an_error() {
    let x = ndchunk::ones::<f64>(&[4, 4], [2, 2]).unwrap();
    for shape in [vec![isize::MAX, 4], vec![1 << 32, 1 << 32, 16], vec![-1, isize::MAX, 2], vec![0, isize::MAX]] {
        assert!(x.reshape(&shape).is_err(), "{shape:?}");
    }
}

#[test]
fn histogram_bin_counts_and_ranges() {
    let x = arr(&[1.0, 2.0, 3.0], 2);
    for bins in [usize::MAX, usize::MAX - 1, 1 << 62] {
        let r = ndchunk::histogram(&x, bins, Some((0.0, 1.0)));
        assert!(matches!(r, Err(Error::Value(_)) | Err(Error::Memory(_))), "{bins}: {:?}", r.map(|_| ()));
    }
    // NumPy: "Too many bins for data range"
    for (lo, hi, n) in [(-1e308, 1e308, 10), (-1.7e308, 1.7e308, 3), (1.0, 1.0 + 1e-15, 100)] {
        let r = ndchunk::histogram(&x, n, Some((lo, hi)));
        assert!(
            matches!(r, Err(Error::Value(ref m)) if m.contains("Too many bins")),
            "({lo}, {hi}): {:?}",
            r.map(|_| ())
        );
    }
    assert!(matches!(ndchunk::histogram(&x, 3, Some((f64::NEG_INFINITY, 1.0))), Err(Error::Value(_))));
    // a product of bin counts too large for memory
    let s = ndchunk::ones::<f64>(&[4, 3], [2, 3]).unwrap();
    let bins = [ndchunk::Bins::Count(1 << 22), ndchunk::Bins::Count(1 << 22), ndchunk::Bins::Count(1 << 22)];
    assert!(ndchunk::histogramdd(&s, &bins, Some(&[(0.0, 1.0); 3])).is_err());
    // NumPy's histogram2d/histogramdd counts are float64
    let (h, _, _) = ndchunk::histogram2d(&x, &x, 2, Some([(0.0, 4.0), (0.0, 4.0)])).unwrap();
    let h: ndarray::ArrayD<f64> = h.compute().unwrap();
    assert_eq!(h.sum(), 3.0);
}

#[test]
fn block_of_nothing_and_nested_blocks() {
    assert!(matches!(ndchunk::block::<f64>(&[]), Err(Error::Value(_))));
    assert!(matches!(ndchunk::block::<f64>(&[&[]]), Err(Error::Value(_))));
    let a = ndchunk::arange::<i64>(0, 3, 1, [2]).unwrap();
    // NumPy: np.block([[a, a], [a, a]]) of 1-d parts is (2, 6)
    let b = ndchunk::block(&[&[&a, &a], &[&a, &a]]).unwrap();
    assert_eq!(b.shape(), &[2, 6]);
    assert_eq!(
        b.compute().unwrap().index_axis(ndarray::Axis(0), 1).iter().copied().collect::<Vec<_>>(),
        vec![0, 1, 2, 0, 1, 2]
    );
    // mixed 1-d and 2-d parts: np.block([[m], [a]]) with m of shape (1, 3) is (2, 3)
    let m = ndchunk::ones::<i64>(&[1, 3], [1, 2]).unwrap();
    let b = ndchunk::block(&[&[&m], &[&a]]).unwrap();
    assert_eq!(b.shape(), &[2, 3]);
    assert_eq!(b.compute().unwrap().into_raw_vec_and_offset().0, vec![1, 1, 1, 0, 1, 2]);
    // (3, 2): np.block([[c], [d]]) with c (1, 2) and d (2, 2)
    let c = ndchunk::zeros::<i64>(&[1, 2], [1, 1]).unwrap();
    let d = ndchunk::ones::<i64>(&[2, 2], [1, 2]).unwrap();
    assert_eq!(ndchunk::block(&[&[&c], &[&d]]).unwrap().shape(), &[3, 2]);
    // one level: np.block([a, a]) is (6,)
    let one: Nested<i64> = vec![&a, &a].into();
    assert_eq!(ndchunk::block_nested(&one).unwrap().shape(), &[6]);
    // three levels of 2-d parts: (2, 2, 4); three levels of 1-d parts: (2, 1, 6)
    let three: Nested<i64> = vec![vec![vec![&d, &d]], vec![vec![&d, &d]]].into();
    let t = ndchunk::block_nested(&three).unwrap();
    assert_eq!(t.shape(), &[2, 2, 4]);
    let three_1d: Nested<i64> = vec![vec![vec![&a, &a]], vec![vec![&a, &a]]].into();
    assert_eq!(ndchunk::block_nested(&three_1d).unwrap().shape(), &[2, 1, 6]);
    // mismatched depths and shapes
    let bad = Nested::List(vec![Nested::Array(&a), Nested::List(vec![Nested::Array(&a)])]);
    assert!(matches!(ndchunk::block_nested(&bad), Err(Error::Value(_))));
    assert!(ndchunk::block(&[&[&a], &[&d]]).is_err());
}

// ---------------------------------------------------------------- wrong answers

#[test]
fn out_of_range_axes_and_indices_are_errors_not_wrapped() {
    let x = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    for a in [usize::MAX, usize::MAX - 1, 2, 1 << 63] {
        assert!(matches!(x.sum(a), Err(Error::Axis { .. })), "{a}");
        assert!(matches!(x.max(vec![a]), Err(Error::Axis { .. })), "{a}");
        assert!(matches!(x.sum(Some(a)), Err(Error::Axis { .. })), "{a}");
    }
    assert!(matches!(x.sum([0usize, 0]), Err(Error::Value(_))));
    for i in [usize::MAX, 3, 1 << 63] {
        assert!(matches!(x.take(&[i], 0), Err(Error::Index { .. })), "{i}");
        assert!(matches!(x.take(&vec![0, i], 0), Err(Error::Index { .. })), "{i}");
    }
    assert!(matches!(x.take(&[u32::MAX], 1), Err(Error::Index { .. })));
    assert!(matches!(x.take(&[i64::MIN], 1), Err(Error::Index { .. })));
    assert_eq!(x.take(&[-1isize], 0).unwrap().shape(), &[1, 4]);
}

#[test]
fn integer_arange_is_exact_near_the_type_limits() {
    let start = i64::MAX - 10_000;
    let x = ndchunk::arange::<i64>(start, i64::MAX, 1, [1000]).unwrap();
    assert_eq!(x.shape(), &[10_000]);
    let v = x.compute().unwrap();
    assert!(v.iter().enumerate().all(|(i, &e)| e == start + i as i64));
    let y = ndchunk::arange::<i64>(i64::MIN, i64::MIN + 30, 7, [2]).unwrap().compute().unwrap();
    assert_eq!(y.iter().copied().collect::<Vec<_>>(), (0..5).map(|i| i64::MIN + 7 * i).collect::<Vec<_>>());
    let u = ndchunk::arange::<u64>(u64::MAX - 5, u64::MAX, 2, [2]).unwrap().compute().unwrap();
    assert_eq!(u.iter().copied().collect::<Vec<_>>(), vec![u64::MAX - 5, u64::MAX - 3, u64::MAX - 1]);
    let d = ndchunk::arange::<i32>(10, 0, -3, [3]).unwrap().compute().unwrap();
    assert_eq!(d.iter().copied().collect::<Vec<_>>(), vec![10, 7, 4, 1]);
    assert_eq!(ndchunk::arange::<i8>(5, 5, 1, [3]).unwrap().shape(), &[0]);
    assert_eq!(ndchunk::arange::<u8>(5, 0, 1, [3]).unwrap().shape(), &[0]);
}

#[test]
fn reshapes_with_zero_length_axes() {
    let cases: [(&[usize], &[isize]); 6] = [
        (&[0, 4], &[4, 0]),
        (&[0], &[0, 3]),
        (&[2, 0, 3], &[0, 6]),
        (&[3, 0], &[0]),
        (&[0, 5], &[5, 0, 2]),
        (&[4, 0, 2], &[2, 0, 4]),
    ];
    for (from, to) in cases {
        for c in chunkings(from) {
            let x = ndchunk::ones::<f64>(from, c.clone()).unwrap();
            let y = x.reshape(to).unwrap();
            let want: Vec<usize> = to.iter().map(|&v| v as usize).collect();
            assert_eq!(y.shape(), &want[..], "{from:?} -> {to:?} in {c:?}");
            assert_eq!(y.compute().unwrap().shape(), &want[..], "{from:?} -> {to:?} in {c:?}");
            assert_eq!(y.sum(None).unwrap().item().unwrap(), 0.0);
        }
    }
    let x = ndchunk::ones::<f64>(&[0, 4], [1, 2]).unwrap();
    assert!(x.reshape(&[-1isize, 0]).is_err()); // NumPy: ambiguous
    assert!(x.reshape(&[3isize]).is_err());
}

/// NumPy's sequential scan: every element is one more left-to-right step.
fn scan(v: &[f64], prod: bool) -> Vec<f64> {
    let mut acc = if prod { 1.0 } else { 0.0 };
    v.iter()
        .map(|&x| {
            acc = if prod { acc * x } else { acc + x };
            acc
        })
        .collect()
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

#[test]
fn blocked_scans_give_numpys_sequential_values() {
    let data: Vec<Vec<f64>> = vec![
        vec![0.0, 1e200, 1e200, 2.0, 3.0],
        vec![1e200, 1e200, 0.0, 5.0],
        vec![1e-200, 1e-200, 1e300, 1e300, 7.0],
        vec![1e308, 1e308, -1e308, -1e308, 1.0],
        vec![f64::INFINITY, 0.0, 1.0],
        vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1],
        vec![f64::NAN, 1.0, 2.0],
    ];
    for v in &data {
        for chunk in 1..=v.len() {
            let x = arr(v, chunk);
            let p = x.cumprod(None).unwrap().compute().unwrap();
            assert!(same(p.as_slice().unwrap(), &scan(v, true)), "cumprod {v:?} in {chunk}: {p}");
            let s = x.cumsum(None).unwrap().compute().unwrap();
            assert!(same(s.as_slice().unwrap(), &scan(v, false)), "cumsum {v:?} in {chunk}: {s}");
            // along axis 0 of a 2-d array (several lanes)
            let m = ndarray::Array2::from_shape_fn((v.len(), 3), |(i, j)| v[i] * (j + 1) as f64);
            let x2 = ChunkedArray::from_array(m.clone(), [chunk, 2]).unwrap();
            let p2 = x2.cumprod(0).unwrap().compute().unwrap();
            for j in 0..3 {
                let col: Vec<f64> = m.column(j).iter().copied().collect::<Vec<_>>();
                let got: Vec<f64> = p2.index_axis(ndarray::Axis(1), j).iter().copied().collect::<Vec<_>>();
                assert!(same(&got, &scan(&col, true)), "cumprod axis 0 col {j} {v:?} in {chunk}");
            }
        }
    }
    // integers wrap as NumPy's int64
    let i = ChunkedArray::from_array(ndarray::Array1::from(vec![i64::MAX, 2, 3, 0, 5]), [2]).unwrap();
    let p = i.cumprod(None).unwrap().compute().unwrap();
    assert_eq!(
        p.iter().copied().collect::<Vec<_>>(),
        vec![i64::MAX, i64::MAX.wrapping_mul(2), i64::MAX.wrapping_mul(6), 0, 0]
    );
}

#[test]
fn var_and_std_with_ddof_at_least_n_follow_numpy() {
    // NumPy clamps the divisor n - ddof at 0: inf when the values differ, NaN when all equal
    for c in [1, 2, 3] {
        let x = arr(&[1.0, 2.0, 4.0], c);
        for ddof in [3, 4, 100] {
            assert_eq!(x.var(None, ddof).unwrap().item().unwrap(), f64::INFINITY, "ddof {ddof}");
            assert_eq!(x.std(None, ddof).unwrap().item().unwrap(), f64::INFINITY);
            assert_eq!(x.nanvar(None, ddof).unwrap().item().unwrap(), f64::INFINITY);
            assert_eq!(x.nanstd(None, ddof).unwrap().item().unwrap(), f64::INFINITY);
        }
        let e = arr(&[5.0, 5.0, 5.0], c);
        assert!(e.var(None, 3).unwrap().item().unwrap().is_nan());
        let n = arr(&[1.0, f64::NAN, 3.0], c);
        assert_eq!(n.nanvar(None, 2).unwrap().item().unwrap(), f64::INFINITY);
        assert!(n.var(None, 5).unwrap().item().unwrap().is_nan());
    }
    // per axis, on integers
    let m = ChunkedArray::from_array(ndarray::array![[1i32, 2], [3, 5]], [1, 1]).unwrap();
    assert_eq!(
        m.var(0, 2).unwrap().compute().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![f64::INFINITY, f64::INFINITY]
    );
}

#[test]
fn extremes_over_empty_axes_are_errors_as_in_numpy() {
    type R = fn(&ChunkedArray<f64>, Axes) -> Result<()>;
    let ops: [(&str, R); 6] = [
        ("min", |x, a| x.min(a).map(drop)),
        ("max", |x, a| x.max(a).map(drop)),
        ("argmin", |x, a| x.argmin(a).map(drop)),
        ("argmax", |x, a| x.argmax(a).map(drop)),
        ("nanmin", |x, a| x.nanmin(a).map(drop)),
        ("nanmax", |x, a| x.nanmax(a).map(drop)),
    ];
    // (shape, axis, NumPy raises)
    let cases: [(&[usize], Option<usize>, bool); 6] = [
        (&[0, 0], Some(1), true),
        (&[3, 0], Some(1), true),
        (&[0, 3], Some(0), true),
        (&[0, 3], Some(1), false),
        (&[0], None, true),
        (&[2, 0, 3], Some(2), false),
    ];
    for (shape, axis, raises) in cases {
        let x = ndchunk::zeros::<f64>(shape, [2; 3][..shape.len()].to_vec()).unwrap();
        for (name, f) in ops {
            let ax = match axis {
                Some(a) => Axes::from(a),
                None => Axes::All,
            };
            let r = f(&x, ax);
            if raises {
                assert!(matches!(r, Err(Error::EmptyReduction(_))), "{name} {shape:?} {axis:?}: {r:?}");
            } else {
                assert!(r.is_ok(), "{name} {shape:?} {axis:?}: {r:?}");
            }
        }
    }
}

#[test]
fn matrix_norms_respect_the_axis_order_and_vector_ord_zero_counts() {
    let m = ndarray::array![[1.0, -7.0, 2.0], [3.0, 4.0, -0.5]];
    for c in [[1, 1], [2, 3], [1, 2]] {
        let x = ChunkedArray::from_array(m.clone(), c).unwrap();
        let n = |ord, axis: [usize; 2]| ndchunk::linalg::norm(&x, ord, axis).unwrap().item().unwrap();
        // NumPy: norm(m, 1, (0, 1)) = max column sum 11; norm(m, 1, (1, 0)) = max row sum 10
        assert_eq!(n(NormOrd::One, [0, 1]), 11.0);
        assert_eq!(n(NormOrd::One, [1, 0]), 10.0);
        assert_eq!(n(NormOrd::Inf, [0, 1]), 10.0);
        assert_eq!(n(NormOrd::Inf, [1, 0]), 11.0);
        assert_eq!(n(NormOrd::NegInf, [0, 1]), 7.5);
        assert_eq!(n(NormOrd::NegInf, [1, 0]), 2.5);
        assert_eq!(n(NormOrd::P(-1.0), [0, 1]), 2.5);
        assert_eq!(n(NormOrd::P(-1.0), [1, 0]), 7.5);
        assert_eq!(n(NormOrd::P(1.0), [1, 0]), 10.0);
        assert_eq!(n(NormOrd::P(f64::INFINITY), [1, 0]), 11.0);
        let fro = m.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((n(NormOrd::Fro, [1, 0]) - fro).abs() < 1e-12);
        assert!(ndchunk::linalg::norm(&x, NormOrd::P(3.0), [0usize, 1]).is_err());
        assert!(ndchunk::linalg::norm(&x, NormOrd::One, [0usize, 0]).is_err());
        // vector ord = 0 counts non-zero elements (NaN counts)
        let v = arr(&[0.0, 1.5, 0.0, -2.0, f64::NAN], c[0].max(1));
        assert_eq!(ndchunk::linalg::norm(&v, NormOrd::P(0.0), None).unwrap().item().unwrap(), 3.0);
        let z = ndchunk::linalg::norm(&x, NormOrd::P(0.0), 1).unwrap().compute().unwrap();
        assert_eq!(z.iter().copied().collect::<Vec<_>>(), vec![3.0, 3.0]);
        let w = arr(&[3.0, -4.0], 1);
        assert_eq!(ndchunk::linalg::norm(&w, NormOrd::P(f64::NEG_INFINITY), None).unwrap().item().unwrap(), 3.0);
        assert_eq!(ndchunk::linalg::norm(&w, NormOrd::P(2.0), None).unwrap().item().unwrap(), 5.0);
    }
}
