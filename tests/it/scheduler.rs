//! The scheduler: big graphs, sharing, panics, concurrency, bounded memory, cancellation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats, TaskEvent};
use ndchunk::Config;

/// Records the stats of the last compute and counts started tasks.
#[derive(Default)]
struct Probe {
    stats: Mutex<Option<Stats>>,
    started: AtomicUsize,
    cancel_after: Option<usize>,
}

impl Callback for Probe {
    fn on_task_start(&self, _: &TaskEvent<'_>) {
        self.started.fetch_add(1, Ordering::SeqCst);
    }
    fn on_finish(&self, stats: &Stats) {
        *self.stats.lock().unwrap() = Some(stats.clone());
    }
    fn cancelled(&self) -> bool {
        self.cancel_after.is_some_and(|n| self.started.load(Ordering::SeqCst) >= n)
    }
}

fn counted_source(n: usize, chunk: usize, reads: Arc<AtomicUsize>) -> ChunkedArray<f64> {
    let a = ArrayD::from_shape_fn(IxDyn(&[n]), |i| i[0] as f64);
    ChunkedArray::from_array(a, [chunk])
        .unwrap()
        .map_blocks(move |b| {
            reads.fetch_add(1, Ordering::SeqCst);
            b.to_owned()
        })
        .unwrap()
}

#[test]
fn graph_of_100k_blocks() {
    let x = ndchunk::ones::<f64>(&[1_000_000], [10]).unwrap();
    assert_eq!(x.numblocks(), vec![100_000]);
    assert_eq!(x.sum(None).unwrap().item().unwrap(), 1e6);
    let y = (&x * 2.0).compute().unwrap();
    assert_eq!(y.len(), 1_000_000);
    assert!(y.iter().all(|&v| v == 2.0));
}

#[test]
fn fan_out_and_fan_in_share_inputs() {
    let reads = Arc::new(AtomicUsize::new(0));
    let x = counted_source(1000, 64, reads.clone());
    // four statistics in one graph read each block once
    let r = ndchunk::compute_all(&[
        &x.sum(None).unwrap(),
        &x.mean(None).unwrap(),
        &x.var(None, 0).unwrap(),
        &x.std(None, 0).unwrap(),
    ])
    .unwrap();
    assert_eq!(reads.load(Ordering::SeqCst), 16);
    assert_eq!(r[0][[]], 499500.0);
    assert_eq!(r[1][[]], 499.5);
    assert!((r[2][[]] - 83333.25).abs() < 1e-6);
    assert!((r[3][[]] - 83333.25f64.sqrt()).abs() < 1e-9);
    // fan-out inside one expression: x used four times
    reads.store(0, Ordering::SeqCst);
    let y = &(&(&x + &x) * &x) - &x;
    let out = y.compute().unwrap();
    assert_eq!(reads.load(Ordering::SeqCst), 16);
    assert_eq!(out[3], 3.0 * 3.0 + 3.0 * 3.0 - 3.0);
}

#[test]
fn var_and_std_share_their_moments() {
    let x = ndchunk::arange::<f64>(0.0, 100.0, 1.0, [10]).unwrap();
    let probe = Arc::new(Probe::default());
    let cfg = Config::default().with_threads(2).with_callback(probe.clone());
    let v = x.var(None, 0).unwrap();
    let s = x.std(None, 0).unwrap();
    ndchunk::compute_all_with(&[&v, &s], &cfg).unwrap();
    let both = probe.stats.lock().unwrap().clone().unwrap().tasks;
    v.compute_with(&cfg).unwrap();
    let one = probe.stats.lock().unwrap().clone().unwrap().tasks;
    assert_eq!(both, one + 1, "only the final step differs");
}

#[test]
fn a_panicking_task_becomes_an_error_with_its_key() {
    let x = ndchunk::ones::<f64>(&[100], [10]).unwrap();
    // every block panics; which one is reported first does not matter
    let bad: ChunkedArray<f64> = x.map_blocks(|_| panic!("boom in a block")).unwrap();
    for threads in [1, 2, 4] {
        let cfg = Config::default().with_threads(threads);
        match bad.compute_with(&cfg) {
            Err(Error::TaskPanicked { key, message }) => {
                assert!(key.contains("map_blocks"), "{key}");
                assert_eq!(message, "boom in a block");
            }
            other => panic!("expected TaskPanicked, got {other:?}"),
        }
        // the pool is still usable
        assert_eq!(x.sum(None).unwrap().compute_with(&cfg).unwrap()[[]], 100.0);
    }
}

#[test]
fn an_error_in_one_block_stops_the_compute() {
    let a = ArrayD::from_shape_fn(IxDyn(&[40, 4]), |i| i[0] as f64);
    let x = ChunkedArray::from_array(a, [4, 4]).unwrap();
    // block 7 returns a block of the wrong shape
    let bad = x
        .map_blocks(
            |b| if b[[0, 0]] == 28.0 { b.slice(ndarray::s![..1, ..]).to_owned().into_dyn() } else { b.to_owned() },
        )
        .unwrap();
    let e = bad.sum(None).unwrap().compute().unwrap_err();
    assert!(matches!(e, Error::Shape(_)), "{e}");
    // computed directly, the block does not fit its window of the result
    let e = bad.compute().unwrap_err();
    assert!(matches!(e, Error::Shape(_)), "{e}");
}

#[test]
fn compute_writes_output_blocks_into_the_result() {
    let a = ArrayD::from_shape_fn(IxDyn(&[40, 40]), |i| (i[0] * 40 + i[1]) as f64 / 7.0);
    let x = ChunkedArray::from_array(a.clone(), [7, 9]).unwrap();
    let a2 = a.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    let cases: Vec<(&str, ChunkedArray<f64>, ArrayD<f64>)> = vec![
        // written tile by tile into the windows
        ("fused elementwise", &(&x + &x.t()) * 2.0, (&a + &a.t()) * 2.0),
        // copied into the windows as each block completes
        ("map_blocks", x.map_blocks(|b| b.mapv(|v| v - 1.0)).unwrap(), a.mapv(|v| v - 1.0)),
        ("rechunk", x.rechunk([40, 3]).unwrap(), a.clone()),
        ("dot", x.dot(&x).unwrap(), a2.dot(&a2).into_dyn()),
        ("sum over an axis", x.sum(0).unwrap(), a.sum_axis(ndarray::Axis(0))),
    ];
    for (name, y, want) in &cases {
        for threads in [1, 2, 4] {
            let probe = Arc::new(Probe::default());
            let cfg = Config::default().with_threads(threads).with_callback(probe.clone());
            let got = y.compute_with(&cfg).unwrap();
            assert_eq!(got.shape(), want.shape(), "{name}");
            let err = got.iter().zip(want.iter()).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
            assert!(err < 1e-9, "{name}, {threads} threads: {err}");
            if *name == "fused elementwise" {
                // no output block is held: they never exist outside the result
                let st = probe.stats.lock().unwrap().clone().unwrap();
                assert!(st.peak_live_bytes < got.len() * 8 / 2, "{name}: {} live bytes", st.peak_live_bytes);
            }
        }
    }
}

/// `compute()` allocates results under 32 MiB uninitialised and larger ones zeroed
/// (`graph::window`): either way every element of the result is written, whichever way the
/// output blocks reach it (tiles, block copies, the FFT's own writes, uneven last blocks).
#[test]
fn results_allocated_uninitialised_or_zeroed_are_written_everywhere() {
    for n in [1_003usize, 4_200_000] {
        let a = ArrayD::from_shape_fn(IxDyn(&[n]), |i| (i[0] % 1_000) as f64 - 499.5);
        let x = ChunkedArray::from_array(a.clone(), [n / 3 + 1]).unwrap();
        for threads in [1, 2] {
            let cfg = Config::default().with_threads(threads);
            let got = (&x * 2.0).compute_with(&cfg).unwrap();
            assert_eq!(got, a.mapv(|v| v * 2.0), "fused elementwise, n = {n}");
            let got = x.gt(0.0).unwrap().compute_with(&cfg).unwrap();
            assert_eq!(got, a.mapv(|v| v > 0.0), "a bool result, n = {n}");
            let got = x.map_blocks(|b| b.mapv(|v| v - 1.0)).unwrap().compute_with(&cfg).unwrap();
            assert_eq!(got, a.mapv(|v| v - 1.0), "block copies, n = {n}");
        }
    }
    // the FFT writes its windows itself (after they are zero-filled)
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 8]), |i| (i[0] * 8 + i[1]) as f64);
    let x = ChunkedArray::from_array(a.clone(), [2, 8]).unwrap();
    let y = ndchunk::fft::fft(&x, None, 1, ndchunk::fft::Norm::Backward).unwrap().compute().unwrap();
    for ((r, k), v) in (0..5).flat_map(|r| (0..8).map(move |k| (r, k))).zip(y.iter()) {
        // the direct DFT of row r at frequency k
        let (mut re, mut im) = (0.0, 0.0);
        for j in 0..8 {
            let t = -2.0 * std::f64::consts::PI * (j * k) as f64 / 8.0;
            re += a[[r, j]] * t.cos();
            im += a[[r, j]] * t.sin();
        }
        assert!((v.re - re).abs() < 1e-9 && (v.im - im).abs() < 1e-9, "({r}, {k}): {v} against {re} + {im}i");
    }
}

#[test]
fn concurrent_computes_from_several_threads() {
    let x = ndchunk::arange::<f64>(0.0, 10_000.0, 1.0, [100]).unwrap();
    let handles: Vec<_> = (0..6)
        .map(|k| {
            let x = x.clone();
            std::thread::spawn(move || {
                let y = &x * (k as f64);
                y.sum(None).unwrap().item().unwrap()
            })
        })
        .collect();
    for (k, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), 49_995_000.0 * k as f64);
    }
}

#[test]
fn live_blocks_stay_bounded_on_a_long_chain() {
    // 2000 blocks through two unfusable steps and a reduction: depth-first order keeps only
    // a handful of blocks alive at once.
    let x = ndchunk::ones::<f64>(&[2000, 100], [1, 100]).unwrap();
    let y = x.map_blocks(|b| b.mapv(|v| v + 1.0)).unwrap().map_blocks(|b| b.mapv(|v| v * 2.0)).unwrap();
    let s = y.sum(None).unwrap();
    for threads in [1, 2, 4] {
        let probe = Arc::new(Probe::default());
        let cfg = Config::default().with_threads(threads).with_callback(probe.clone());
        assert_eq!(s.compute_with(&cfg).unwrap()[[]], 2000.0 * 100.0 * 4.0);
        let st = probe.stats.lock().unwrap().clone().unwrap();
        assert!(st.peak_live_blocks <= 8 * threads + 12, "threads {threads}: {} live blocks", st.peak_live_blocks);
    }
}

#[test]
fn the_memory_cap_bounds_bytes_in_flight() {
    // 64 blocks of 80 kB each, kept alive until a row-wise sum; a 400 kB cap.
    let x = ndchunk::ones::<f64>(&[64, 10_000], [1, 10_000]).unwrap();
    let y = x.map_blocks(|b| b.mapv(|v| v * 3.0)).unwrap();
    let s = y.sum(None).unwrap();
    let cap = 400_000;
    let probe = Arc::new(Probe::default());
    let cfg = Config::default().with_threads(4).with_memory_cap(cap).with_callback(probe.clone());
    assert_eq!(s.compute_with(&cfg).unwrap()[[]], 64.0 * 10_000.0 * 3.0);
    let st = probe.stats.lock().unwrap().clone().unwrap();
    // at most the cap plus what the running tasks produce
    assert!(st.peak_live_bytes <= cap + 4 * 80_000, "{} bytes", st.peak_live_bytes);
}

#[test]
fn a_cap_below_one_block_is_an_error() {
    let x = ndchunk::ones::<f64>(&[1000], [500]).unwrap();
    let cfg = Config::default().with_memory_cap(1000);
    match x.map_blocks(|b| b.to_owned()).unwrap().compute_with(&cfg) {
        Err(Error::MemoryCap { cap: 1000, needed: 4000 }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_callback_can_cancel() {
    let x = ndchunk::ones::<f64>(&[1000], [10]).unwrap();
    let probe = Arc::new(Probe { cancel_after: Some(5), ..Default::default() });
    let cfg = Config::default().with_threads(2).with_callback(probe.clone());
    assert!(matches!(x.sum(None).unwrap().compute_with(&cfg), Err(Error::Cancelled)));
}

#[test]
fn display_summarises_like_dask() {
    let x = ndchunk::ones::<f64>(&[15, 15], [5, 5]).unwrap();
    let s = format!("{x}");
    assert!(s.contains("shape=(15, 15)"), "{s}");
    assert!(s.contains("dtype=float64"), "{s}");
    assert!(s.contains("chunksize=(5, 5)"), "{s}");
    assert!(s.contains("1.76 KiB"), "{s}");
    assert!(s.contains("9 chunks"), "{s}");
    assert!(s.contains("9 tasks"), "{s}");
    let y = &x + &x.t();
    assert!(format!("{y}").contains("27 tasks"), "{y}");
}
