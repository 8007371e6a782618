//! Rechunks bigger than the memory budget go through a temporary Zarr store: the same values,
//! a bounded number of live bytes, and no store left behind (also after a failed compute).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, Dimension, IxDyn};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats};
use ndchunk::Config;
use proptest::prelude::*;

/// A fresh directory for one test's temporary stores.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ndchunk-ooc-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|r| r.count()).unwrap_or(0)
}

fn data(shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| i.as_array_view().iter().fold(0.0, |a, &k| a * 97.0 + k as f64))
}

#[derive(Default)]
struct Peak(Mutex<Option<Stats>>);

impl Callback for Peak {
    fn on_finish(&self, stats: &Stats) {
        *self.0.lock().unwrap() = Some(stats.clone());
    }
}

#[test]
fn rows_to_columns_through_a_store_hold_a_few_blocks() {
    let dir = scratch("rows");
    let a = data(&[400, 400]);
    let x = ChunkedArray::from_array(a.clone(), [10, 400]).unwrap();
    let block = 10 * 400 * 8;
    let y = x.rechunk_out_of_core([400, 10], 8 * block, Some(&dir)).unwrap();
    assert_eq!(y.chunks().axis(1), &[10; 40][..]);
    assert_eq!(entries(&dir), 1, "one temporary store while the result exists");
    let peak = Arc::new(Peak::default());
    let cfg = Config::default().with_threads(2).with_callback(peak.clone());
    assert_eq!(y.compute_with(&cfg).unwrap(), a);
    let st = peak.0.lock().unwrap().clone().unwrap();
    // in memory, every row block is held until the last column block is done (1.28 MB)
    assert!(st.peak_live_bytes <= 8 * block, "{} live bytes (block {block})", st.peak_live_bytes);
    // computed twice: the store is rewritten, same values
    assert_eq!(y.compute().unwrap(), a);
    // downstream operations see an ordinary array
    assert_eq!(y.sum(0).unwrap().compute().unwrap(), a.sum_axis(ndarray::Axis(0)));
    drop(y);
    assert_eq!(entries(&dir), 0, "the store is removed with the result");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn small_or_simple_rechunks_stay_in_memory() {
    let dir = scratch("simple");
    let x = ChunkedArray::from_array(data(&[40, 40]), [10, 40]).unwrap();
    // within the budget
    let _y = x.rechunk_out_of_core([40, 10], 1 << 20, Some(&dir)).unwrap();
    // a merge along one axis only
    let _z = x.rechunk_out_of_core([20, 40], 100, Some(&dir)).unwrap();
    assert_eq!(entries(&dir), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_compute_leaves_no_store_behind() {
    let dir = scratch("fail");
    let x = ChunkedArray::from_array(data(&[60, 60]), [6, 60])
        .unwrap()
        .map_blocks(|b| {
            if b.iter().any(|&v| v == 97.0 * 30.0 + 5.0) {
                panic!("bad block");
            }
            b.to_owned()
        })
        .unwrap();
    let y = x.rechunk_out_of_core([60, 6], 1000, Some(&dir)).unwrap();
    assert!(y.compute().is_err());
    drop(y);
    assert_eq!(entries(&dir), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unusable_temporary_directory_is_a_typed_error() {
    let x = ChunkedArray::from_array(data(&[40, 40]), [4, 40]).unwrap();
    let r = x.rechunk_out_of_core([40, 4], 100, Some(Path::new("/nonexistent/ndchunk/tmp")));
    assert!(matches!(r, Err(Error::Zarr(_))), "{r:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn out_of_core_rechunks_preserve_data(
        (shape, a, b) in prop::collection::vec(1usize..12, 2..=3).prop_flat_map(|shape| {
            let c1 = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            let c2 = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            (Just(shape), c1, c2)
        })
    ) {
        let dir = scratch("prop");
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), a).unwrap();
        let y = x.rechunk_out_of_core(b.clone(), 8, Some(&dir)).unwrap();
        let want: Vec<usize> = b.iter().zip(&shape).map(|(&c, &n)| c.min(n)).collect();
        prop_assert_eq!(y.chunks().chunksize(), want);
        prop_assert_eq!(y.compute().unwrap(), d);
        drop(y);
        prop_assert_eq!(entries(&dir), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
