//! `ndchunk::store_targets`: HDF5 and Zarr outputs of several element types written in one pass
//! (each source block read once), atomic per output, typed errors.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::zarr::{Compressor, ZarrError, ZarrFormat, ZarrMode, ZarrOptions};
use ndchunk::prelude::*;
use ndchunk::{store_targets, Hdf5Options, StoreTarget};
use proptest::prelude::*;

use crate::common;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ndchunk-targets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn values(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 7919) % 1000) as f64 / 4.0 - 100.0).collect()).unwrap()
}

/// `a` in blocks `chunks`, counting every block read into `reads`.
fn counted(a: &ArrayD<f64>, chunks: Vec<usize>, reads: Arc<AtomicUsize>) -> ChunkedArray<f64> {
    ChunkedArray::from_array(a.clone(), chunks)
        .unwrap()
        .map_blocks(move |b| {
            reads.fetch_add(1, Ordering::SeqCst);
            b.to_owned()
        })
        .unwrap()
}

/// The names in `dir`: nothing temporary may be left behind.
fn no_temporaries(dir: &Path) {
    let names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains("ndchunk-")), "{names:?}");
}

#[test]
fn mixed_hdf5_and_zarr_outputs_share_one_pass() {
    for shape in [vec![12usize, 9], vec![7], vec![0, 4]] {
        for chunks in common::chunkings(&shape) {
            let dir = scratch("mixed");
            let a = values(&shape);
            let reads = Arc::new(AtomicUsize::new(0));
            let x = counted(&a, chunks.clone(), reads.clone());
            let y = &x * 2.0;
            let s = x.sum(Some(0)).unwrap();
            let pos = x.gt(0.0).unwrap();
            let ints = x.astype::<i32>();
            let (h5, h5b, zs) = (dir.join("a.h5"), dir.join("b.h5"), dir.join("out.zarr"));
            let blosc = ZarrOptions {
                compressor: Compressor::blosc(),
                chunks: Some(vec![3; shape.len()]),
                ..Default::default()
            };
            let v2 = ZarrOptions { format: ZarrFormat::V2, ..Default::default() };
            store_targets(&[
                (&x, StoreTarget::hdf5(&h5, "/x")),
                (&y, StoreTarget::zarr(&zs, "y", &blosc)),
                (&s, StoreTarget::hdf5_with(&h5b, "sum", Hdf5Options::gzip(4))),
                (&pos, StoreTarget::hdf5(&h5, "grp_pos")),
                (&ints, StoreTarget::zarr(&zs, "sub/ints", v2)),
                (&x, StoreTarget::zarr(&zs, "x", ZarrOptions::default())),
            ])
            .unwrap();
            let blocks: usize =
                ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap().numblocks().iter().product();
            assert_eq!(reads.load(Ordering::SeqCst), blocks, "{shape:?} {chunks:?}: each block read once");
            let what = format!("{shape:?} {chunks:?}");
            assert_eq!(ChunkedArray::<f64>::from_hdf5(&h5, "/x").unwrap().compute().unwrap(), a, "{what}");
            assert_eq!(
                ChunkedArray::<bool>::from_hdf5(&h5, "grp_pos").unwrap().compute().unwrap(),
                a.mapv(|v| v > 0.0),
                "{what}"
            );
            common::assert_close(
                &ChunkedArray::<f64>::from_hdf5(&h5b, "sum").unwrap().compute().unwrap(),
                &a.sum_axis(ndarray::Axis(0)).into_dyn(),
                1e-12,
                &what,
            );
            assert_eq!(ChunkedArray::<f64>::from_zarr(&zs, "y").unwrap().compute().unwrap(), &a * 2.0, "{what}");
            assert_eq!(ChunkedArray::<f64>::from_zarr(&zs, "x").unwrap().compute().unwrap(), a, "{what}");
            let zi = ndchunk::io::zarr::info(&zs, "sub/ints").unwrap();
            assert_eq!(zi.zarr_format, 2);
            assert_eq!(
                ChunkedArray::<i32>::from_zarr(&zs, "sub/ints").unwrap().compute().unwrap(),
                a.mapv(|v| v as i32),
                "{what}"
            );
            no_temporaries(&dir);
            no_temporaries(&zs);
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

#[test]
fn zero_d_arrays_and_zarr_appends_and_regions_mix_with_hdf5() {
    let dir = scratch("modes");
    let zs = dir.join("s.zarr");
    let a = values(&[6, 4]);
    let x = ChunkedArray::from_array(a.clone(), [4, 4]).unwrap();
    x.to_zarr(&zs, "app", ZarrOptions::default()).unwrap();
    x.to_zarr(&zs, "reg", ZarrOptions::default()).unwrap();
    let total = x.sum(None).unwrap();
    store_targets(&[
        (&x, StoreTarget::zarr(&zs, "app", ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 }))),
        (
            &(&x * 0.0),
            StoreTarget::zarr(&zs, "reg", ZarrOptions::default().with_mode(ZarrMode::Region(vec![0..6, 0..4]))),
        ),
        (&total, StoreTarget::hdf5(dir.join("t.h5"), "total")),
        (&total, StoreTarget::zarr(&zs, "total", ZarrOptions::default())),
    ])
    .unwrap();
    let app = ChunkedArray::<f64>::from_zarr(&zs, "app").unwrap().compute().unwrap();
    assert_eq!(app, ndarray::concatenate(ndarray::Axis(0), &[a.view(), a.view()]).unwrap());
    assert!(ChunkedArray::<f64>::from_zarr(&zs, "reg").unwrap().compute().unwrap().iter().all(|&v| v == 0.0));
    let t = ChunkedArray::<f64>::from_hdf5(dir.join("t.h5"), "total").unwrap().compute().unwrap();
    assert_eq!(t.shape(), &[] as &[usize]);
    common::assert_close(&t, &ArrayD::from_elem(IxDyn(&[]), a.sum()), 1e-12, "0-d hdf5");
    assert_eq!(ChunkedArray::<f64>::from_zarr(&zs, "total").unwrap().compute().unwrap(), t);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_compute_leaves_every_target_as_it_was() {
    let dir = scratch("fail");
    let zs = dir.join("s.zarr");
    let a = values(&[10, 3]);
    let x = ChunkedArray::from_array(a.clone(), [2, 3]).unwrap();
    x.to_hdf5(dir.join("old.h5"), "d").unwrap();
    let before = std::fs::read(dir.join("old.h5")).unwrap();
    // the block of rows 6..8 panics
    let marker = a[[6, 0]];
    let bad: ChunkedArray<f64> = x
        .map_blocks(move |b| {
            if b[[0, 0]] == marker {
                panic!("boom")
            }
            b.to_owned()
        })
        .unwrap();
    let r = store_targets(&[
        (&x, StoreTarget::zarr(&zs, "x", ZarrOptions::default())),
        (&bad, StoreTarget::hdf5(dir.join("old.h5"), "d")),
        (&x, StoreTarget::hdf5(dir.join("new.h5"), "d")),
    ]);
    assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{r:?}");
    assert_eq!(std::fs::read(dir.join("old.h5")).unwrap(), before);
    assert!(!dir.join("new.h5").exists());
    assert!(!zs.join("x").exists());
    no_temporaries(&dir);
    if zs.exists() {
        no_temporaries(&zs);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_targets_are_typed_errors_before_anything_is_written() {
    let dir = scratch("bad");
    let zs = dir.join("s.zarr");
    let x = ChunkedArray::from_array(values(&[5, 5]), [2, 5]).unwrap();
    // the same dataset twice (names with and without the leading slash are one dataset)
    let r = store_targets(&[
        (&x, StoreTarget::hdf5(dir.join("a.h5"), "/d")),
        (&x, StoreTarget::hdf5(dir.join("a.h5"), "d")),
    ]);
    assert!(matches!(r, Err(Error::Value(ref m)) if m.contains("two targets")), "{r:?}");
    let r = store_targets(&[
        (&x, StoreTarget::zarr(&zs, "a", ZarrOptions::default())),
        (&x, StoreTarget::zarr(&zs, "/a/", ZarrOptions::default())),
    ]);
    assert!(matches!(r, Err(Error::Value(ref m)) if m.contains("two targets")), "{r:?}");
    // unknown block lengths
    let m = x.ravel().unwrap().mask(&x.ravel().unwrap().gt(0.0).unwrap()).unwrap();
    let r = store_targets(&[(&m, StoreTarget::hdf5(dir.join("a.h5"), "m"))]);
    assert!(matches!(r, Err(Error::UnknownChunkSizes { .. })), "{r:?}");
    let r = store_targets(&[
        (&x, StoreTarget::hdf5(dir.join("a.h5"), "x")),
        (&m, StoreTarget::zarr(&zs, "m", ZarrOptions::default())),
    ]);
    assert!(matches!(r, Err(Error::UnknownChunkSizes { .. })), "{r:?}");
    // an existing Zarr array in Create mode; a bad HDF5 chunk shape
    x.to_zarr(&zs, "there", ZarrOptions::default()).unwrap();
    let r = store_targets(&[
        (&x, StoreTarget::hdf5(dir.join("a.h5"), "x")),
        (&x, StoreTarget::zarr(&zs, "there", ZarrOptions::default())),
    ]);
    assert!(matches!(r, Err(Error::Zarr(ZarrError::Exists(_)))), "{r:?}");
    let opts = Hdf5Options { chunks: Some(vec![2]), ..Default::default() };
    let r = store_targets(&[(&x, StoreTarget::hdf5_with(dir.join("a.h5"), "x", &opts))]);
    assert!(matches!(r, Err(Error::Chunks(_))), "{r:?}");
    assert!(!dir.join("a.h5").exists());
    no_temporaries(&dir);
    no_temporaries(&zs);
    // nothing to write
    store_targets(&[]).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Any shape and blocks: both formats read back what was written in one pass.
    #[test]
    fn both_formats_round_trip((shape, chunks) in common::shape_and_chunks(), seed in 0u64..1000) {
        let dir = scratch(&format!("prop-{seed}-{}", shape.len()));
        let n: usize = shape.iter().product();
        let data: Vec<i64> = (0..n as u64).map(|i| ((i * 2654435761 + seed) % 1000) as i64 - 500).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let neg = -&x;
        store_targets(&[
            (&x, StoreTarget::hdf5(dir.join("p.h5"), "x")),
            (&neg, StoreTarget::zarr(dir.join("p.zarr"), "neg", ZarrOptions::default())),
        ]).unwrap();
        prop_assert_eq!(ChunkedArray::<i64>::from_hdf5(dir.join("p.h5"), "x").unwrap().compute().unwrap(), a.clone());
        prop_assert_eq!(ChunkedArray::<i64>::from_zarr(dir.join("p.zarr"), "neg").unwrap().compute().unwrap(), a.mapv(|v| -v));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
