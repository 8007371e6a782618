//! HDF5 reading (parallel decode vs libhdf5's own read, byte for byte), writing, and errors.
//! Fixtures: fixtures/hdf5/*.h5, written by h5py (fixtures/generate_hdf5.py).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::hdf5::{read_path, Hdf5Error, Hdf5Options};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, Stats};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/hdf5")).join(name)
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
    check_dtype::<bool>("bool", |v| (v as u64).is_multiple_of(3));
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

// ---- hostile files (fixtures/generate_hdf5.py: huge.h5, chunk_dims.h5, plugins.h5, enums.h5) ----

fn open_err<T: Element + hdf5::H5Type>(file: &str, ds: &str) -> Error {
    match ChunkedArray::<T>::from_hdf5(fixture(file), ds) {
        Err(e) => e,
        Ok(x) => panic!("{file}:{ds} opened as shape {:?}; expected an error", x.shape()),
    }
}

#[test]
fn huge_declared_shapes_are_typed_errors() {
    // (dataset, element type, expect Error::Memory (too many blocks) or Error::Value (the byte
    // size overflows, NumPy's "array is too big"))
    let memory = [
        "c1_2_40",    // (2^40,) in chunks of 1: 2^40 blocks
        "c4096_2_40", // 2^28 blocks
        "contig_2_50",
    ];
    for ds in memory {
        let e = open_err::<f64>("huge.h5", ds);
        assert!(matches!(e, Error::Memory(_)), "{ds}: {e}");
        assert!(e.to_string().contains(ds), "{ds}: the message names the dataset: {e}");
        let e = ChunkedArray::<f64>::from_hdf5_locked(fixture("huge.h5"), ds).unwrap_err();
        assert!(matches!(e, Error::Memory(_)), "{ds} (locked): {e}");
        let e = ChunkedArray::<f64>::from_hdf5_with_chunks(fixture("huge.h5"), ds, [1 << 30]).unwrap_err();
        assert!(matches!(e, Error::Memory(_)), "{ds} (with chunks): {e}");
    }
    for ds in ["c1_2_62_u1", "c_2_31_sq_u1", "contig_2_62_u1"] {
        let e = open_err::<u8>("huge.h5", ds);
        assert!(matches!(e, Error::Memory(_)), "{ds}: {e}");
    }
    let e = open_err::<i16>("huge.h5", "c_2_20_cube");
    assert!(matches!(e, Error::Memory(_)), "c_2_20_cube: {e}");
    // element counts or byte sizes past isize::MAX: 2^66 elements, 2^65 bytes, (2^63 - 1) * 8 bytes
    for ds in ["c1_2_33_sq", "c1024_2_33_sq", "contig_2_33_sq", "c_2_31_sq_f8", "c_2_63_minus_1"] {
        let e = open_err::<f64>("huge.h5", ds);
        assert!(matches!(e, Error::Value(_)), "{ds}: {e}");
        assert!(e.to_string().contains("too big") && e.to_string().contains(ds), "{ds}: {e}");
        assert!(matches!(read_path(fixture("huge.h5"), ds), Err(Error::Value(_))), "{ds}");
    }
    // read as another type: the dtype error when the dataset fits in its own type, the size
    // error (before the type is compared) when it does not
    assert!(matches!(open_err::<f64>("huge.h5", "c1_2_62_u1"), Error::DType(_)));
    assert!(matches!(open_err::<u8>("huge.h5", "c1_2_33_sq"), Error::Value(_)));
}

#[test]
fn a_huge_unwritten_contiguous_dataset_is_lazy_and_refuses_to_materialise() {
    // 8 TiB declared, nothing stored: the array exists (65536 auto blocks), its slices read as
    // the fill value, and computing all of it is a MemoryError, not an abort
    let x = ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), "contig_2_40").unwrap();
    assert_eq!(x.shape(), &[1 << 40]);
    assert_eq!(x.size(), 1 << 40);
    assert_eq!(x.nbytes(), 1 << 43);
    assert_eq!(x.numblocks(), vec![1 << 16]);
    assert!(matches!(x.compute(), Err(Error::Memory(_))));
    let head = x.slice(s![..5]).unwrap().compute().unwrap();
    assert_eq!(head, ArrayD::<f64>::zeros(IxDyn(&[5])));
    let tail = x.slice(s![(1isize << 40) - 3..]).unwrap().compute().unwrap();
    assert_eq!(tail, ArrayD::<f64>::zeros(IxDyn(&[3])));
}

#[test]
fn chunks_larger_than_the_dataset_and_empty_axes() {
    let a = ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), "chunk_over_1d").unwrap();
    assert_eq!(a.numblocks(), vec![1]);
    assert_eq!(a.compute().unwrap(), ArrayD::from_shape_vec(IxDyn(&[5]), vec![0.0, 1.0, 2.0, 3.0, 4.0]).unwrap());
    for ds in ["chunk_over_1d", "chunk_over_2d"] {
        let x = ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), ds).unwrap();
        assert_eq!(x.compute().unwrap(), library_read::<f64>("huge.h5", ds), "{ds}");
        assert_eq!(x.sum(None).unwrap().item().unwrap(), library_read::<f64>("huge.h5", ds).sum(), "{ds}");
        let locked = ChunkedArray::<f64>::from_hdf5_locked(fixture("huge.h5"), ds).unwrap();
        assert_eq!(locked.compute().unwrap(), library_read::<f64>("huge.h5", ds), "{ds}");
    }
    assert_eq!(
        ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), "chunk_over_2d").unwrap().compute().unwrap(),
        values(&[3, 4]).mapv(|v| v / 8.0 - 60.0)
    );
    let i = ChunkedArray::<i32>::from_hdf5(fixture("huge.h5"), "chunk_over_i4").unwrap();
    assert_eq!(i.compute().unwrap(), values(&[7, 3]).mapv(|v| (v - 500.0) as i32));
    let u = ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), "chunk_over_unwritten").unwrap();
    assert_eq!(u.compute().unwrap(), ArrayD::from_elem(IxDyn(&[5, 5]), 2.5));
    // zero-length axes, chunked or not, beside axes of any length
    for (ds, shape) in [
        ("empty_chunked_1d", vec![0]),
        ("empty_chunked_3d", vec![3, 0, 5]),
        ("empty_contig_1d", vec![0]),
        ("empty_contig_2d", vec![0, 0]),
        ("empty_contig_huge", vec![0, 1 << 62]),
        ("empty_chunked_huge", vec![0, 1 << 62]),
    ] {
        let x = ChunkedArray::<f64>::from_hdf5(fixture("huge.h5"), ds).unwrap();
        assert_eq!(x.shape(), shape.as_slice(), "{ds}");
        assert_eq!(x.size(), 0, "{ds}");
        assert_eq!(x.compute().unwrap().shape(), shape.as_slice(), "{ds}");
        assert_eq!(x.sum(None).unwrap().item().unwrap(), 0.0, "{ds}");
    }
}

#[test]
fn chunk_dimensions_no_library_writes_are_errors() {
    // a chunk dimension of 0, and one of 2^32 - 1 elements of 8 bytes (libhdf5 refuses both)
    for ds in ["chunk_dim_zero", "chunk_dim_max"] {
        for r in [
            ChunkedArray::<f64>::from_hdf5(fixture("chunk_dims.h5"), ds).map(|_| ()),
            ChunkedArray::<f64>::from_hdf5_locked(fixture("chunk_dims.h5"), ds).map(|_| ()),
            read_path(fixture("chunk_dims.h5"), ds).map(|_| ()),
        ] {
            match r {
                Err(Error::Hdf5(Hdf5Error::Corrupt(m) | Hdf5Error::Library(m))) => assert!(m.contains(ds), "{m}"),
                other => panic!("{ds}: expected an HDF5 error, got {other:?}"),
            }
        }
    }
}

/// Datasets of plugins.h5 whose filter this libhdf5 lacks: (dataset, id, name).
const MISSING_FILTERS: &[(&str, &str, &str)] = &[
    ("zstd", "32015", "zstd"),
    ("blosc", "32001", "blosc"),
    ("blosc_40_params", "32001", "blosc"),
    ("lz4", "32004", "lz4"),
    ("bzip2", "307", "bzip2"),
    ("bitshuffle", "32008", "bitshuffle"),
    ("zfp_3_params", "32013", "zfp"),
    ("lzo", "305", "lzo"),
    ("unknown_40_params", "40000", "unknown"),
    ("unknown_300_params", "40001", "unknown"),
    ("shuffle_then_zstd", "32015", "zstd"),
    ("zstd_skipped", "32015", "zstd"),
];

#[test]
fn missing_filter_plugins_are_unsupported_filter_errors_when_opening() {
    for &(ds, id, name) in MISSING_FILTERS {
        let check = |what: &str, r: Result<()>| match r {
            Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(m))) => {
                assert!(m.contains(ds) && m.contains(id) && m.contains(name), "{ds} ({what}): {m}");
                assert!(m.contains("plugin"), "{ds} ({what}): {m}");
            }
            other => panic!("{ds} ({what}): expected UnsupportedFilter, got {other:?}"),
        };
        check("from_hdf5", ChunkedArray::<f64>::from_hdf5(fixture("plugins.h5"), ds).map(|_| ()));
        check("locked", ChunkedArray::<f64>::from_hdf5_locked(fixture("plugins.h5"), ds).map(|_| ()));
        check("with chunks", ChunkedArray::<f64>::from_hdf5_with_chunks(fixture("plugins.h5"), ds, [2]).map(|_| ()));
        check("read_path", read_path(fixture("plugins.h5"), ds).map(|_| ()));
    }
    // the message keeps the other filters of the pipeline too
    match ChunkedArray::<f64>::from_hdf5(fixture("plugins.h5"), "shuffle_then_zstd") {
        Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(m))) => assert!(m.contains("shuffle"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn filters_with_many_parameters_read_or_fail_cleanly() {
    // more parameters than hdf5-metno's 32-slot buffer, on filters that ignore the extras
    for ds in ["fletcher_40_params", "gzip_fletcher_33_params"] {
        assert_eq!(read_path(fixture("plugins.h5"), ds).unwrap(), "parallel chunk decode", "{ds}");
        let want = values(&[20, 12]).mapv(|v| v / 8.0 - 60.0);
        let x = ChunkedArray::<f64>::from_hdf5(fixture("plugins.h5"), ds).unwrap();
        assert_eq!(x.compute().unwrap(), want, "{ds}");
        assert_eq!(library_read::<f64>("plugins.h5", ds), want, "{ds}");
        let locked = ChunkedArray::<f64>::from_hdf5_locked(fixture("plugins.h5"), ds).unwrap();
        assert_eq!(locked.compute().unwrap(), want, "{ds}");
    }
    // 40 and 300 parameters on filters nobody here has: an error naming the dataset, no panic
    for ds in ["unknown_40_params", "unknown_300_params", "blosc_40_params"] {
        for _ in 0..2 {
            match ChunkedArray::<f64>::from_hdf5(fixture("plugins.h5"), ds) {
                Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(m))) => assert!(m.contains(ds), "{m}"),
                other => panic!("{ds}: {other:?}"),
            }
        }
    }
    // and the library is still usable afterwards
    assert_eq!(ChunkedArray::<f64>::from_hdf5(fixture("filters.h5"), "gzip").unwrap().shape(), &[50, 40]);
}

#[test]
fn filters_ndchunk_decodes_but_libhdf5_lacks() {
    // LZF is h5py's filter: this libhdf5 has no LZF plugin, ndchunk decodes it itself; the
    // locked mode reads through the library and so cannot
    for ds in ["lzf", "lzf_shuffle"] {
        assert_eq!(read_path(fixture("filters.h5"), ds).unwrap(), "parallel chunk decode");
        assert!(ChunkedArray::<f64>::from_hdf5(fixture("filters.h5"), ds).unwrap().compute().is_ok());
        match ChunkedArray::<f64>::from_hdf5_locked(fixture("filters.h5"), ds) {
            Err(Error::Hdf5(Hdf5Error::UnsupportedFilter(m))) => {
                assert!(m.contains("32000") && m.contains("lzf") && m.contains(ds), "{m}")
            }
            other => panic!("{ds}: {other:?}"),
        }
    }
}

#[test]
fn only_h5pys_bool_enum_reads_as_bool() {
    let want = values(&[6, 5]).mapv(|v| (v as u64).is_multiple_of(3));
    for ds in ["bool", "bool_u1", "bool_true_first"] {
        let x = ChunkedArray::<bool>::from_hdf5(fixture("enums.h5"), ds).unwrap();
        assert_eq!(x.compute().unwrap(), want, "{ds}");
        assert_eq!(ChunkedArray::<bool>::from_hdf5_locked(fixture("enums.h5"), ds).unwrap().compute().unwrap(), want);
    }
    for (ds, members) in [
        ("rgb", &["RED: 1", "GREEN: 2"][..]),
        ("ab", &["A: 0", "B: 1"]),
        ("lowercase", &["false: 0", "true: 1"]),
        ("swapped", &["FALSE: 1", "TRUE: 0"]),
        ("three", &["FALSE: 0", "TRUE: 1", "MAYBE: 2"]),
        ("one", &["FALSE: 0"]),
        ("wide", &["FALSE: 0", "TRUE: 1"]),
        ("signed", &["NEG: -1", "POS: 1"]),
    ] {
        for e in [open_err::<bool>("enums.h5", ds), open_err::<i8>("enums.h5", ds), open_err::<f64>("enums.h5", ds)] {
            match e {
                Error::DType(m) => {
                    assert!(m.contains("enum") && m.contains(ds), "{ds}: {m}");
                    for mem in members {
                        assert!(m.contains(mem), "{ds}: {mem} missing from {m}");
                    }
                }
                other => panic!("{ds}: expected Error::DType, got {other:?}"),
            }
        }
    }
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
