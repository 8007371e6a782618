//! HDF5 reading (parallel decode vs libhdf5's own read, byte for byte), writing, and errors.
//! Fixtures: fixtures/hdf5/*.h5, written by h5py (fixtures/generate_hdf5.py).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::hdf5::{read_path, Hdf5Error, Hdf5Options};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hdf5")).join(name)
}

fn library_read<T: hdf5::H5Type>(file: &str, ds: &str) -> ArrayD<T> {
    hdf5::File::open(fixture(file)).unwrap().dataset(ds).unwrap().read_dyn::<T>().unwrap()
}

/// The values generate_hdf5.py writes: (i * 7919 % 1000) reshaped.
fn values(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 7919) % 1000) as f64).collect()).unwrap()
}

fn check_dtype<T: Element + hdf5::H5Type>(name: &str, expect: impl Fn(f64) -> T) {
    for ds in [name.to_string(), format!("{name}_be")] {
        let x = ChunkedArray::<T>::from_hdf5(fixture("dtypes.h5"), &ds).unwrap();
        assert_eq!(x.shape(), &[23, 17]);
        assert_eq!(x.chunks().axis(0), &[10, 10, 3]);
        assert_eq!(x.chunks().axis(1), &[8, 8, 1]);
        let got = x.compute().unwrap();
        assert_eq!(got, values(&[23, 17]).mapv(&expect), "{ds}");
        if T::DTYPE != ndchunk::DType::Bool {
            assert_eq!(got, library_read::<T>("dtypes.h5", &ds), "{ds} vs libhdf5");
        }
        assert_eq!(read_path(fixture("dtypes.h5"), &ds).unwrap(), "parallel chunk decode");
    }
}

#[test]
fn every_dtype_in_both_byte_orders() {
    check_dtype::<f64>("f8", |v| v / 8.0 - 60.0);
    check_dtype::<f32>("f4", |v| (v / 8.0 - 60.0) as f32);
    check_dtype::<i8>("i1", |v| (v - 500.0) as i64 as i8);
    check_dtype::<i16>("i2", |v| (v - 500.0) as i16);
    check_dtype::<i32>("i4", |v| (v - 500.0) as i32);
    check_dtype::<i64>("i8", |v| (v - 500.0) as i64);
    check_dtype::<u8>("u1", |v| (v as u64 % 256) as u8);
    check_dtype::<u16>("u2", |v| v as u16);
    check_dtype::<u32>("u4", |v| v as u32);
    check_dtype::<u64>("u8", |v| v as u64);
    check_dtype::<bool>("bool", |v| (v as u64) % 3 == 0);
}

#[test]
fn filters_decode_in_parallel_and_match_the_library() {
    let a = values(&[50, 40]).mapv(|v| v / 8.0 - 60.0);
    for ds in ["gzip", "gzip_shuffle", "gzip_shuffle_fletcher", "fletcher", "lzf", "lzf_shuffle", "gzip_be"] {
        assert_eq!(read_path(fixture("filters.h5"), ds).unwrap(), "parallel chunk decode", "{ds}");
        for threads in [1, 2, 4] {
            let x = ChunkedArray::<f64>::from_hdf5(fixture("filters.h5"), ds).unwrap();
            let got = x.compute_with(&ndchunk::Config::default().with_threads(threads)).unwrap();
            assert_eq!(got, a, "{ds}");
        }
        if !ds.starts_with("lzf") {
            // byte-for-byte the library's own read
            let lib = library_read::<f64>("filters.h5", ds);
            let got = ChunkedArray::<f64>::from_hdf5(fixture("filters.h5"), ds).unwrap().compute().unwrap();
            assert!(got.iter().zip(lib.iter()).all(|(p, q)| p.to_bits() == q.to_bits()), "{ds}");
        }
    }
    let i = ChunkedArray::<i32>::from_hdf5(fixture("filters.h5"), "shuffle_i4").unwrap();
    assert_eq!(i.compute().unwrap(), values(&[50, 40]).mapv(|v| (v - 500.0) as i32));
    // scale-offset is decoded by libhdf5 (locked fallback)
    assert_eq!(read_path(fixture("filters.h5"), "scaleoffset").unwrap(), "libhdf5 read (locked)");
    let s = ChunkedArray::<i32>::from_hdf5(fixture("filters.h5"), "scaleoffset").unwrap();
    assert_eq!(s.compute().unwrap(), library_read::<i32>("filters.h5", "scaleoffset"));
}

#[test]
fn layouts_and_special_datasets() {
    // contiguous: auto blocks, parallel positional reads
    let c = ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "contiguous").unwrap();
    assert_eq!(read_path(fixture("dtypes.h5"), "contiguous").unwrap(), "parallel contiguous read");
    assert_eq!(c.compute().unwrap(), library_read::<f64>("dtypes.h5", "contiguous"));
    let c2 = ChunkedArray::<f64>::from_hdf5_with_chunks(fixture("dtypes.h5"), "contiguous", [5, 4]).unwrap();
    assert_eq!(c2.numblocks(), vec![8, 3]);
    assert_eq!(c2.compute().unwrap(), library_read::<f64>("dtypes.h5", "contiguous"));
    // scalar and empty datasets
    let s = ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "scalar").unwrap();
    assert_eq!(s.item().unwrap(), 3.5);
    let e = ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "empty").unwrap();
    assert_eq!(e.compute().unwrap().shape(), &[0, 4]);
    assert_eq!(e.sum(None).unwrap().item().unwrap(), 0.0);
    // chunks never written read as the fill value
    let sp = ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "sparse").unwrap();
    assert_eq!(sp.compute().unwrap(), library_read::<f64>("dtypes.h5", "sparse"));
    assert_eq!(sp.compute().unwrap()[[10, 10]], -1.0);
    // nested path
    let g = ChunkedArray::<i32>::from_hdf5(fixture("dtypes.h5"), "/group/inner").unwrap();
    assert_eq!(g.compute().unwrap().len(), 5);
    // a user block shifts every address
    for ds in ["data", "contiguous"] {
        let u = ChunkedArray::<f64>::from_hdf5(fixture("userblock.h5"), ds).unwrap();
        assert_eq!(u.compute().unwrap(), library_read::<f64>("userblock.h5", ds), "{ds}");
    }
}

#[test]
fn rechunked_reads() {
    let lib = library_read::<f64>("filters.h5", "gzip_shuffle");
    for spec in [vec![8, 8], vec![32, 40], vec![50, 16], vec![7, 9], vec![1, 40]] {
        let x =
            ChunkedArray::<f64>::from_hdf5_with_chunks(fixture("filters.h5"), "gzip_shuffle", spec.clone()).unwrap();
        assert_eq!(x.chunks().chunksize(), spec.iter().zip([50, 40]).map(|(&c, n)| c.min(n)).collect::<Vec<_>>());
        assert_eq!(x.compute().unwrap(), lib, "{spec:?}");
    }
}

fn hdf5_err(r: Result<ChunkedArray<f64>>) -> Hdf5Error {
    match r {
        Err(Error::Hdf5(e)) => e,
        other => panic!("expected an HDF5 error, got {other:?}"),
    }
}

#[test]
fn errors_are_typed() {
    assert!(matches!(hdf5_err(ChunkedArray::from_hdf5(fixture("missing.h5"), "/x")), Hdf5Error::FileNotFound(_)));
    assert!(matches!(
        hdf5_err(ChunkedArray::from_hdf5(fixture("dtypes.h5"), "/nope")),
        Hdf5Error::DatasetNotFound { .. }
    ));
    assert!(matches!(hdf5_err(ChunkedArray::from_hdf5(fixture("dtypes.h5"), "/group")), Hdf5Error::NotADataset { .. }));
    assert!(matches!(hdf5_err(ChunkedArray::from_hdf5(fixture("not_hdf5.h5"), "/x")), Hdf5Error::NotHdf5(_)));
    match ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "i4") {
        Err(Error::DType(m)) => assert!(m.contains("int32") && m.contains("astype"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(ChunkedArray::<f64>::from_hdf5(fixture("dtypes.h5"), "strings"), Err(Error::DType(_))));
    // truncated file: either the metadata or the data read fails, with an error
    match ChunkedArray::<f64>::from_hdf5(fixture("truncated.h5"), "f8") {
        Err(Error::Hdf5(_)) => {}
        Ok(x) => assert!(x.compute().is_err()),
        Err(e) => panic!("unexpected {e}"),
    }
    let x = ChunkedArray::<f64>::from_hdf5(fixture("truncated.h5"), "f8");
    if let Ok(x) = x {
        assert!(x.sum(None).unwrap().compute().is_err());
    }
    // a chunk whose checksum fails
    let x = ChunkedArray::<f64>::from_hdf5(fixture("bad_checksum.h5"), "fletcher").unwrap();
    match x.compute() {
        Err(Error::Hdf5(Hdf5Error::Checksum(m))) => assert!(m.contains("fletcher"), "{m}"),
        other => panic!("expected a checksum error, got {other:?}"),
    }
}

#[test]
fn write_round_trip_with_compression() {
    let dir = std::env::temp_dir().join(format!("ndchunk-h5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = values(&[33, 21]);
    let x = ChunkedArray::from_array(a.clone(), [10, 7]).unwrap();
    let y = &x * 0.5;
    for (file, opts) in [("plain.h5", Hdf5Options::default()), ("gz.h5", Hdf5Options::gzip(4))] {
        let p = dir.join(file);
        ndchunk::io::hdf5::store(&[(&x, "/x"), (&y, "/y")], &p, &opts).unwrap();
        let rx = ChunkedArray::<f64>::from_hdf5(&p, "/x").unwrap();
        assert_eq!(rx.chunks().chunksize(), vec![10, 7]);
        assert_eq!(rx.compute().unwrap(), a);
        assert_eq!(ChunkedArray::<f64>::from_hdf5(&p, "/y").unwrap().compute().unwrap(), &a * 0.5);
        if opts.gzip.is_some() {
            assert_eq!(read_path(&p, "/x").unwrap(), "parallel chunk decode");
        }
    }
    // integer and bool round trips through to_hdf5
    let i = x.astype::<i16>();
    i.to_hdf5(dir.join("i.h5"), "d").unwrap();
    assert_eq!(ChunkedArray::<i16>::from_hdf5(dir.join("i.h5"), "d").unwrap().compute().unwrap(), a.mapv(|v| v as i16));
    let b = x.gt(500.0).unwrap();
    b.to_hdf5(dir.join("b.h5"), "d").unwrap();
    assert_eq!(
        ChunkedArray::<bool>::from_hdf5(dir.join("b.h5"), "d").unwrap().compute().unwrap(),
        a.mapv(|v| v > 500.0)
    );
    // a failing compute leaves the old file untouched and no temporary behind
    let target = dir.join("plain.h5");
    let before = std::fs::read(&target).unwrap();
    let bad: ChunkedArray<f64> = x.map_blocks(|_| panic!("disk full")).unwrap();
    assert!(bad.to_hdf5(&target, "/x").is_err());
    assert_eq!(std::fs::read(&target).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[derive(Default)]
struct PeakProbe(Mutex<Option<Stats>>);

impl Callback for PeakProbe {
    fn on_finish(&self, s: &Stats) {
        *self.0.lock().unwrap() = Some(s.clone());
    }
}

#[test]
fn reading_a_file_keeps_few_blocks_alive() {
    let dir = std::env::temp_dir().join(format!("ndchunk-h5-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("rows.h5");
    // 200 chunks of one row each
    let x = ChunkedArray::from_array(values(&[200, 500]), [1, 500]).unwrap();
    x.to_hdf5_with(&p, "/data", &Hdf5Options::gzip(1)).unwrap();
    let y = ChunkedArray::<f64>::from_hdf5(&p, "/data").unwrap();
    assert_eq!(y.numblocks(), vec![200, 1]);
    let probe = Arc::new(PeakProbe::default());
    let cfg = ndchunk::Config::default().with_threads(2).with_callback(probe.clone());
    let stats = ndchunk::compute_all_with(
        &[&y.sum(None).unwrap(), &y.mean(None).unwrap(), &y.var(None, 0).unwrap(), &y.std(None, 0).unwrap()],
        &cfg,
    )
    .unwrap();
    let a = values(&[200, 500]);
    assert_eq!(stats[0][[]], a.sum());
    let st = probe.0.lock().unwrap().clone().unwrap();
    assert!(st.peak_live_blocks <= 40, "{} blocks alive at once", st.peak_live_blocks);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn streamed_reductions_match_the_library() {
    // sums consume uncompressed chunks straight from the file in pieces (and read filtered
    // or clipped chunks whole): every layout must give the library's values
    for (file, ds) in [
        ("dtypes.h5", "f8"),
        ("dtypes.h5", "f8_be"),
        ("dtypes.h5", "contiguous"),
        ("userblock.h5", "contiguous"),
        ("userblock.h5", "data"),
        ("filters.h5", "gzip_shuffle"),
    ] {
        let lib = library_read::<f64>(file, ds);
        let x = ChunkedArray::<f64>::from_hdf5(fixture(file), ds).unwrap();
        let s = x.sum(None).unwrap().item().unwrap();
        assert!((s - lib.sum()).abs() < 1e-9 * lib.sum().abs().max(1.0), "{file}:{ds}");
        let rows = (&x * 1.0).sum(-1).unwrap().compute().unwrap();
        let want = lib.sum_axis(ndarray::Axis(1));
        assert!(rows.iter().zip(want.iter()).all(|(p, q)| (p - q).abs() < 1e-9), "{file}:{ds}");
        assert_eq!(x.max(None).unwrap().item().unwrap(), lib.iter().copied().fold(f64::MIN, f64::max));
    }
    let i = ChunkedArray::<i32>::from_hdf5(fixture("dtypes.h5"), "i4_be").unwrap();
    assert_eq!(
        i.sum(None).unwrap().item().unwrap(),
        library_read::<i32>("dtypes.h5", "i4_be").iter().map(|&v| v as i64).sum::<i64>()
    );
}

#[test]
fn a_file_cut_short_is_an_error_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("ndchunk-h5-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("cut.h5");
    let x = ChunkedArray::from_array(values(&[400, 100]), [20, 100]).unwrap();
    x.to_hdf5(&p, "/data").unwrap();
    // the file is opened lazily (metadata only), then cut short before any data is read
    let lazy = ChunkedArray::<f64>::from_hdf5(&p, "/data").unwrap();
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(len / 3).unwrap();
    for r in [lazy.sum(None).unwrap().compute(), lazy.mean(-1).unwrap().compute().map(|a| a.sum_axis(ndarray::Axis(0)))]
    {
        match r {
            Err(Error::Hdf5(_)) | Err(Error::Io(_)) => {}
            other => panic!("expected an HDF5 or I/O error from the cut file, got {other:?}"),
        }
    }
    let bytes = std::fs::read(&p).unwrap();
    // and a file cut before it is opened
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    match ChunkedArray::<f64>::from_hdf5(&p, "/data") {
        Err(e) => assert!(matches!(e, Error::Hdf5(_)), "{e}"),
        Ok(y) => {
            eprintln!("opened the cut file; reading must fail");
            for r in [
                y.sum(None).unwrap().compute(),
                (&y * 2.0).compute().map(|a| a.sum_axis(ndarray::Axis(0)).sum_axis(ndarray::Axis(0))),
            ] {
                match r {
                    Err(Error::Hdf5(_)) | Err(Error::Io(_)) => {}
                    other => panic!("expected an HDF5 or I/O error, got {other:?}"),
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn temp_leftovers(dir: &std::path::Path, keep: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect()
}

#[test]
fn concurrent_writers_to_one_path_leave_one_complete_file() {
    let dir = std::env::temp_dir().join(format!("ndchunk-h5-race-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("shared.h5");
    let (threads, rounds) = (4usize, 3usize);
    for round in 0..rounds {
        let barrier = Arc::new(std::sync::Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (p, barrier) = (p.clone(), barrier.clone());
                std::thread::spawn(move || {
                    // each writer its own values, shape and chunking
                    let v = (round * threads + t) as f64;
                    let x = ndchunk::full(&[40 + t, 30], v, [7 + t, 11]).unwrap();
                    barrier.wait();
                    x.to_hdf5(&p, "/x")
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let got = ChunkedArray::<f64>::from_hdf5(&p, "/x").unwrap().compute().unwrap();
        let t = got.shape()[0] - 40;
        assert!(t < threads && got.shape()[1] == 30, "{:?}", got.shape());
        assert_eq!(got, ArrayD::from_elem(IxDyn(&[40 + t, 30]), (round * threads + t) as f64), "round {round}");
        assert_eq!(temp_leftovers(&dir, "shared.h5"), Vec::<String>::new(), "round {round}");
    }
    // writers that fail, racing writers that succeed: the failures leave nothing behind
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (p, barrier) = (p.clone(), barrier.clone());
            std::thread::spawn(move || {
                let x = ndchunk::full(&[20, 20], t as f64, [5, 5]).unwrap();
                let x = if t % 2 == 0 { x.map_blocks::<f64, _>(|_| panic!("disk full")).unwrap() } else { x };
                barrier.wait();
                (t, x.to_hdf5(&p, "/x").is_ok())
            })
        })
        .collect();
    for h in handles {
        let (t, ok) = h.join().unwrap();
        assert_eq!(ok, t % 2 == 1, "writer {t}");
    }
    let got = ChunkedArray::<f64>::from_hdf5(&p, "/x").unwrap().compute().unwrap();
    assert!(got == ArrayD::from_elem(IxDyn(&[20, 20]), 1.0) || got == ArrayD::from_elem(IxDyn(&[20, 20]), 3.0));
    assert_eq!(temp_leftovers(&dir, "shared.h5"), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}
