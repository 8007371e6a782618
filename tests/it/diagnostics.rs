//! Graph pictures, chunk pictures, profilers, persist and delayed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::{ArrayD, IxDyn};
use ndchunk::delayed::{delayed, Delayed};
use ndchunk::diagnostics::{Profiler, ResourceProfiler};
use ndchunk::prelude::*;
use ndchunk::Config;

fn count(s: &str, pat: &str) -> usize {
    s.matches(pat).count()
}

#[test]
fn dot_output_has_one_node_per_task() {
    let x = ndchunk::ones::<f64>(&[15, 15], [5, 5]).unwrap();
    let r = ndchunk::arange::<f64>(0.0, 225.0, 1.0, [225])
        .unwrap()
        .reshape(&[15, 15])
        .unwrap()
        .rechunk([5, 5])
        .unwrap()
        .persist()
        .unwrap();
    // unoptimised: 9 blocks + 9 transposes + 9 adds
    let y = &r + &r.t();
    let raw = y.to_dot_with(false);
    assert!(raw.starts_with("digraph"));
    assert!(raw.trim_end().ends_with('}'));
    assert_eq!(count(&raw, "shape=ellipse"), 27);
    assert_eq!(count(&raw, "shape=box"), 27);
    assert_eq!(count(&raw, "->"), 27 + 9 + 18);
    // optimised: an elementwise chain and its source become one task per block
    let chain = &(&x * 2.0) + 1.0;
    assert_eq!(count(&chain.to_dot_with(false), "shape=ellipse"), 27);
    let opt = chain.to_dot();
    assert_eq!(count(&opt, "shape=ellipse"), 9, "{opt}");
    assert!(opt.contains("add(mul(full))"), "{opt}");
    // a reduction streaming a fused chain
    let s2 = (&x * 2.0).sum(None).unwrap();
    assert!(s2.to_dot().contains("sum-partial(mul(full))"), "{}", s2.to_dot());
    // every edge references declared nodes
    for line in opt.lines().filter(|l| l.contains("->")) {
        let parts: Vec<&str> = line.trim().trim_end_matches(';').split(" -> ").collect();
        for p in parts {
            assert!(opt.contains(&format!("  {p} [")), "undeclared {p}");
        }
    }
    // the transpose of a constant is a constant: no transpose tasks
    assert_eq!(count(&(&x + &x.t()).to_dot_with(false), "shape=ellipse"), 27);
    assert!(!(&x + &x.t()).to_dot_with(false).contains("transpose"));
    // a reduction tree
    let s = x.sum(0).unwrap();
    let d = s.to_dot_with(false);
    assert_eq!(count(&d, "shape=ellipse"), 9 + 9 + 3);
}

#[test]
fn visualize_writes_dot_and_explains_missing_graphviz() {
    let dir = std::env::temp_dir().join(format!("ndchunk-viz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let x = ndchunk::ones::<f64>(&[10], [5]).unwrap();
    let p = x.visualize(dir.join("g.dot")).unwrap();
    assert!(std::fs::read_to_string(&p).unwrap().starts_with("digraph"));
    let has_dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    match x.visualize(dir.join("g.svg")) {
        Ok(p) => {
            assert!(has_dot);
            assert!(std::fs::read_to_string(p).unwrap().contains("<svg"));
        }
        Err(Error::Value(m)) => {
            assert!(!has_dot);
            assert!(m.contains("not installed") && m.contains("g.dot"), "{m}");
        }
        Err(e) => panic!("{e}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn well_formed_svg(s: &str) {
    assert!(s.starts_with("<svg"));
    assert!(s.trim_end().ends_with("</svg>"));
    // every element is self-closed or closed
    let opens = count(s, "<text") + count(s, "<svg");
    let closes = count(s, "</text>") + count(s, "</svg>");
    assert_eq!(opens, closes);
    assert!(!s.contains("NaN") && !s.contains("inf"));
}

#[test]
fn chunk_pictures_for_every_rank() {
    for shape in [vec![], vec![100], vec![30, 40], vec![12, 444, 922], vec![4, 12, 444, 922], vec![2, 3, 4, 5, 6]] {
        let chunks: Vec<usize> = shape.iter().map(|&n: &usize| (n / 3).max(1)).collect();
        let x = ndchunk::zeros::<f32>(&shape, chunks).unwrap();
        let svg = x.to_svg();
        well_formed_svg(&svg);
        if shape.len() >= 2 {
            assert!(count(&svg, "<line") >= 4, "{shape:?}");
        }
        let html = x.to_html();
        assert!(html.contains("<table>") && html.contains("<svg"));
    }
    // grid lines are capped
    let many = ndchunk::zeros::<f64>(&[1_000_000], [10]).unwrap();
    assert!(count(&many.to_svg(), "<line") < 10);
    // unknown sizes are drawn dashed and labelled
    let x = ndchunk::arange::<f64>(0.0, 10.0, 1.0, [3]).unwrap();
    let m = x.mask(&x.gt(4.0).unwrap()).unwrap();
    let svg = m.to_svg();
    well_formed_svg(&svg);
    assert!(svg.contains("stroke-dasharray") && svg.contains("unknown chunk sizes"));
}

#[test]
fn profiler_records_every_task_once() {
    let prof = Arc::new(Profiler::new());
    let cfg = Config::default().with_threads(2).with_callback(prof.clone());
    let x = ndchunk::ones::<f64>(&[64, 64], [16, 16]).unwrap();
    let y = x.map_blocks(|b| b.mapv(|v| v * 2.0)).unwrap();
    let s = y.sum(None).unwrap();
    s.compute_with(&cfg).unwrap();
    let recs = prof.records();
    let plan = ndchunk::graph::Plan::build(&[s.node_for_tests()]).unwrap();
    assert_eq!(recs.len(), plan.ntasks());
    let mut keys: Vec<&str> = recs.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), recs.len());
    assert!(recs.iter().all(|r| r.end >= r.start && r.worker < 2));
    let trace = prof.chrome_trace();
    assert!(trace.starts_with("{\"traceEvents\":["));
    assert_eq!(count(&trace, "\"ph\":\"X\""), recs.len());
}

#[test]
fn resource_profiler_samples_memory_and_cpu() {
    let rp = Arc::new(ResourceProfiler::new(Duration::from_millis(10)));
    let cfg = Config::default().with_callback(rp.clone());
    let x = ndchunk::random::Generator::new(1).random(&[2000, 2000], [500, 2000]).unwrap();
    (&x * &x).sum(None).unwrap().compute_with(&cfg).unwrap();
    let s = rp.samples();
    assert!(!s.is_empty());
    assert!(s.iter().all(|r| r.rss > 0));
    assert!(rp.to_csv().starts_with("time_s,rss_bytes,cpu_percent\n"));
    assert!(rp.to_json().starts_with('['));
}

#[test]
fn persist_keeps_blocks_and_fixes_unknown_sizes() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let x = ndchunk::arange::<f64>(0.0, 100.0, 1.0, [10])
        .unwrap()
        .map_blocks(move |b| {
            c2.fetch_add(1, Ordering::SeqCst);
            b.to_owned()
        })
        .unwrap();
    let p = x.persist().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    assert_eq!(p.sum(None).unwrap().item().unwrap(), 4950.0);
    assert_eq!((&p * 2.0).max(None).unwrap().item().unwrap(), 198.0);
    assert_eq!(calls.load(Ordering::SeqCst), 10, "persisted blocks are not recomputed");
    let m = p.mask(&p.gt(90.0).unwrap()).unwrap().persist().unwrap();
    assert!(m.chunks().is_known());
    assert_eq!(m.shape(), &[9]);
}

fn inc(x: i64) -> i64 {
    std::thread::sleep(Duration::from_millis(200));
    x + 1
}

#[test]
fn delayed_runs_independent_closures_in_parallel() {
    let cfg = Config::default().with_threads(8);
    let x = delayed(|| inc(1));
    let y = delayed(|| inc(2));
    let z = Delayed::zip(&x, &y, |a, b| a + b);
    let t0 = Instant::now();
    assert_eq!(z.compute_with(&cfg).unwrap(), 5);
    let t = t0.elapsed();
    // sequential would be 400 ms; parallel inc + inc then add: ~200 ms
    assert!(t < Duration::from_millis(380), "{t:?}");
    let parts: Vec<Delayed<i64>> = (0..8).map(|i| delayed(move || inc(i))).collect();
    let total = Delayed::collect(&parts, |v| v.iter().copied().sum::<i64>());
    let t0 = Instant::now();
    assert_eq!(total.compute_with(&cfg).unwrap(), 36);
    assert!(t0.elapsed() < Duration::from_millis(1000), "{:?}", t0.elapsed());
    let dot = total.to_dot();
    assert_eq!(count(&dot, "shape=ellipse"), 9);
    // map and value
    assert_eq!(Delayed::value(20).map(|v| v * 2).compute().unwrap(), 40);
}

#[test]
fn delayed_errors_and_panics() {
    let bad: Delayed<i32> = delayed(|| panic!("closure failed"));
    match bad.compute() {
        Err(Error::TaskPanicked { message, key }) => {
            assert_eq!(message, "closure failed");
            assert!(key.contains("delayed"));
        }
        other => panic!("{other:?}"),
    }
    let r: Delayed<std::result::Result<i32, Error>> = delayed(|| Err(Error::Value("nope".into())));
    assert!(matches!(r.try_compute(), Err(Error::Value(_))));
}

#[test]
fn delayed_and_arrays_interoperate() {
    let x =
        ChunkedArray::from_array(ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| (i[0] * 4 + i[1]) as f64), [3, 4]).unwrap();
    let blocks = x.to_delayed();
    assert_eq!(blocks.len(), 2);
    let sums = Delayed::collect(&blocks, |bs| bs.iter().map(|b| b.sum()).sum::<f64>());
    assert_eq!(sums.compute().unwrap(), 276.0);
    let d = delayed(|| ArrayD::from_elem(IxDyn(&[3, 2]), 1.5f64));
    let a = ChunkedArray::from_delayed(&d, &[3, 2]);
    assert_eq!(a.sum(None).unwrap().item().unwrap(), 9.0);
    let wrong = ChunkedArray::from_delayed(&d, &[2, 3]);
    assert!(matches!(wrong.compute(), Err(Error::Shape(_))));
}
