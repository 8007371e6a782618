//! Bounded memory on a file larger than the blocks in flight (ignored by default: it writes a
//! 2 GB file; run with `cargo test --release --test it hdf5_memory -- --ignored`, as the benchmark
//! script does). The fast default check of live blocks is in tests/it/hdf5.rs.

use std::sync::{Arc, Mutex};

use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats};

#[derive(Default)]
struct Peak(Mutex<Option<Stats>>);

impl Callback for Peak {
    fn on_finish(&self, s: &Stats) {
        *self.0.lock().unwrap() = Some(s.clone());
    }
}

#[test]
#[ignore = "writes a 2 GB file; run explicitly"]
fn statistics_of_a_2gb_file_in_bounded_memory() {
    let dir = std::env::var("NDCHUNK_DATA").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("memory-test-2gb.hdf5");
    let (n, rows) = (16000, 250);
    if !path.exists() {
        ndchunk::random::Generator::new(0).random(&[n, n], [rows, n]).unwrap().to_hdf5(&path, "/data").unwrap();
    }
    let x = ChunkedArray::<f64>::from_hdf5(&path, "/data").unwrap();
    assert_eq!(x.nbytes(), n * n * 8);
    let probe = Arc::new(Peak::default());
    let cfg = ndchunk::Config::default().with_callback(probe.clone());
    let s = x.sum(None).unwrap().compute_with(&cfg).unwrap()[[]];
    assert!((s / (n * n) as f64 - 0.5).abs() < 1e-3);
    let sum_live = probe.0.lock().unwrap().clone().unwrap().peak_live_bytes;
    let r = ndchunk::compute_all_with(
        &[&x.sum(None).unwrap(), &x.mean(None).unwrap(), &x.var(None, 0).unwrap(), &x.std(None, 0).unwrap()],
        &cfg,
    )
    .unwrap();
    assert!((r[2][[]] - 1.0 / 12.0).abs() < 1e-3);
    let all_live = probe.0.lock().unwrap().clone().unwrap().peak_live_bytes;
    let rss = ndchunk::diagnostics::peak_rss_bytes().unwrap_or(0);
    eprintln!("peak live bytes: sum {sum_live}, all four {all_live}; process peak RSS {} MB", rss >> 20);
    assert!(sum_live < 64 << 20, "{sum_live}");
    assert!(all_live < 64 << 20, "{all_live}");
    // the whole process, file writing included, stays far below the file's 2 GB
    assert!(rss < 300 << 20, "peak RSS {} MB", rss >> 20);
    if std::env::var_os("NDCHUNK_KEEP_DATA").is_none() {
        let _ = std::fs::remove_file(&path);
    }
}
