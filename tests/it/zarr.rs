//! Zarr v2/v3 reading (stores written by zarr-python 3), writing (read back by ndchunk, and by
//! zarr-python through fixtures/check_zarr.py when it is installed), and errors.
//! Fixtures: fixtures/zarr/*.zarr, written by fixtures/generate_zarr.py.

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::zarr::{
    info, store, BloscCname, BloscShuffle, Compressor, ZarrElement, ZarrError, ZarrFormat, ZarrMode, ZarrOptions,
};
use ndchunk::prelude::*;
use proptest::prelude::*;

use crate::common;
use ndchunk::io::zarr::serde_json;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zarr")).join(name)
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ndchunk-zarr-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The values generate_zarr.py writes: (i * 7919 % 1000) reshaped.
fn values(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 7919) % 1000) as f64).collect()).unwrap()
}

fn floats(shape: &[usize]) -> ArrayD<f64> {
    values(shape).mapv(|v| v / 8.0 - 60.0)
}

/// The sparse arrays: `fill` except [0:5, 5:10] = values and [15:20, 15:20] = 2.
fn sparse(fill: f64, conv: impl Fn(f64) -> f64) -> ArrayD<f64> {
    let mut a = ArrayD::from_elem(IxDyn(&[20, 20]), fill);
    let v = values(&[5, 5]).mapv(conv);
    a.slice_mut(ndarray::s![0..5, 5..10]).assign(&v);
    a.slice_mut(ndarray::s![15..20, 15..20]).fill(2.0);
    a
}

fn zarr_err<T: std::fmt::Debug>(r: Result<T>) -> ZarrError {
    match r {
        Err(Error::Zarr(z)) => z,
        other => panic!("expected a Zarr error, got {other:?}"),
    }
}

fn check_dtype<T: ZarrElement>(name: &str, expect: impl Fn(f64) -> T) {
    for store in ["v3.zarr", "v2.zarr"] {
        let mut names = vec![name.to_string()];
        if std::mem::size_of::<T>() > 1 {
            names.push(format!("{name}_be"));
        }
        for arr in names {
            let x = ChunkedArray::<T>::from_zarr(fixture(store), &arr).unwrap();
            assert_eq!(x.shape(), &[23, 17]);
            assert_eq!(x.chunks().axis(0), &[10, 10, 3], "{store}/{arr}");
            assert_eq!(x.chunks().axis(1), &[8, 8, 1]);
            assert_eq!(x.compute().unwrap(), values(&[23, 17]).mapv(&expect), "{store}/{arr}");
        }
    }
}

#[test]
fn every_dtype_in_both_formats_and_byte_orders() {
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
fn each_codec_decodes_under_any_chunking_and_thread_count() {
    let a = floats(&[23, 17]);
    let cases = [
        ("v3.zarr", "raw"),
        ("v3.zarr", "gzip"),
        ("v3.zarr", "zstd_checksum"),
        ("v3.zarr", "blosc_lz4"),
        ("v3.zarr", "blosc_zstd_bit"),
        ("v3.zarr", "crc32c"),
        ("v3.zarr", "transpose"),
        ("v3.zarr", "sharded"),
        ("v2.zarr", "raw"),
        ("v2.zarr", "blosc"),
        ("v2.zarr", "zstd"),
        ("v2.zarr", "gzip"),
    ];
    for (store, arr) in cases {
        for threads in [1, 2, 4] {
            let x = ChunkedArray::<f64>::from_zarr(fixture(store), arr).unwrap();
            let cfg = ndchunk::Config::default().with_threads(threads);
            assert_eq!(x.compute_with(&cfg).unwrap(), a, "{store}/{arr}");
        }
        for chunks in common::chunkings(&[23, 17]) {
            let x = ChunkedArray::<f64>::from_zarr_with_chunks(fixture(store), arr, chunks.clone()).unwrap();
            assert_eq!(x.chunks().chunksize(), chunks);
            assert_eq!(x.compute().unwrap(), a, "{store}/{arr} in {chunks:?}");
            // streamed into a fused elementwise chain and a reduction
            let s = (&x * 2.0).sum(None).unwrap().compute().unwrap();
            common::assert_close(&s, &ArrayD::from_elem(IxDyn(&[]), a.sum() * 2.0), 1e-12, arr);
        }
    }
}

#[test]
fn sharded_arrays_read_in_shards_and_in_inner_chunks() {
    let x = ChunkedArray::<f64>::from_zarr(fixture("v3.zarr"), "sharded").unwrap();
    // blocks are the shards (10, 8), not the inner chunks (5, 4)
    assert_eq!(x.chunks().axis(0), &[10, 10, 3]);
    assert_eq!(x.chunks().axis(1), &[8, 8, 1]);
    let i = info(fixture("v3.zarr"), "sharded").unwrap();
    assert_eq!((i.chunks.clone(), i.subchunks.clone()), (vec![10, 8], Some(vec![5, 4])));
    assert_eq!(i.codecs, vec!["sharding_indexed"]);
    let inner = ChunkedArray::<f64>::from_zarr_with_chunks(fixture("v3.zarr"), "sharded", [5, 4]).unwrap();
    assert_eq!(inner.compute().unwrap(), floats(&[23, 17]));
    let be = ChunkedArray::<i16>::from_zarr(fixture("v3.zarr"), "sharded_i2_be").unwrap();
    assert_eq!(be.compute().unwrap(), values(&[23, 17]).mapv(|v| (v - 500.0) as i16));
}

#[test]
fn missing_chunks_read_as_the_fill_value() {
    let f8 = |v: f64| v / 8.0 - 60.0;
    for (store, arr) in [("v3.zarr", "missing"), ("v3.zarr", "sharded_missing"), ("v2.zarr", "missing")] {
        let x = ChunkedArray::<f64>::from_zarr(fixture(store), arr).unwrap();
        assert_eq!(x.compute().unwrap(), sparse(-1.0, f8), "{store}/{arr}");
        for chunks in common::chunkings(&[20, 20]) {
            let y = ChunkedArray::<f64>::from_zarr_with_chunks(fixture(store), arr, chunks).unwrap();
            assert_eq!(y.compute().unwrap(), sparse(-1.0, f8), "{store}/{arr}");
        }
    }
    // NaN fill: compare with NaN equal to NaN
    let want = sparse(f64::NAN, f8);
    let x = ChunkedArray::<f32>::from_zarr(fixture("v3.zarr"), "missing_nan").unwrap().astype::<f64>();
    common::assert_close(&x.compute().unwrap(), &want, 0.0, "v3 missing_nan");
    let x = ChunkedArray::<f64>::from_zarr(fixture("v2.zarr"), "missing_nan").unwrap();
    common::assert_close(&x.compute().unwrap(), &want, 0.0, "v2 missing_nan");
    let x = ChunkedArray::<i32>::from_zarr(fixture("v3.zarr"), "missing_i4").unwrap();
    assert_eq!(x.compute().unwrap(), sparse(-7.0, |v| v - 500.0).mapv(|v| v as i32));
    // only the written chunks are files
    assert!(!fixture("v3.zarr/missing/c/0/0").exists() && fixture("v3.zarr/missing/c/0/1").exists());
}

#[test]
fn zero_d_empty_partial_oversized_nested_and_root_arrays() {
    for store in ["v3.zarr", "v2.zarr"] {
        let s = ChunkedArray::<f64>::from_zarr(fixture(store), "scalar").unwrap();
        assert_eq!(s.shape(), &[] as &[usize]);
        assert_eq!(s.compute().unwrap(), ArrayD::from_elem(IxDyn(&[]), 3.5));
        let e = ChunkedArray::<f64>::from_zarr(fixture(store), "empty").unwrap();
        assert_eq!(e.shape(), &[0, 4]);
        assert_eq!(e.compute().unwrap().shape(), &[0, 4]);
        assert_eq!(e.sum(None).unwrap().compute().unwrap()[[]], 0.0);
    }
    let p = ChunkedArray::<i64>::from_zarr(fixture("v3.zarr"), "partial").unwrap();
    assert_eq!(p.chunks().axis(0), &[3, 3, 1]);
    assert_eq!(p.compute().unwrap(), values(&[7]).mapv(|v| (v - 500.0) as i64));
    let o = ChunkedArray::<f64>::from_zarr(fixture("v3.zarr"), "chunk_over").unwrap();
    assert_eq!(o.numblocks(), vec![1, 1]);
    assert_eq!(o.compute().unwrap(), floats(&[3, 4]));
    for path in ["group/inner", "/group/inner", "group/inner/"] {
        let g = ChunkedArray::<i32>::from_zarr(fixture("v3.zarr"), path).unwrap();
        assert_eq!(g.compute().unwrap(), values(&[5]).mapv(|v| (v - 500.0) as i32));
    }
    for path in ["", "/"] {
        let r = ChunkedArray::<u16>::from_zarr(fixture("root_array.zarr"), path).unwrap();
        assert_eq!(r.compute().unwrap(), values(&[6, 4]).mapv(|v| v as u16));
    }
}

#[test]
fn metadata_attributes_and_dimension_names() {
    let v3 = info(fixture("v3.zarr"), "attrs").unwrap();
    assert_eq!(v3.zarr_format, 3);
    assert_eq!(v3.shape, vec![4, 3]);
    assert_eq!(v3.dtype, Some(ndchunk::DType::F64));
    assert_eq!(v3.data_type, "float64");
    assert_eq!(v3.chunks, vec![2, 3]);
    assert_eq!(v3.subchunks, None);
    assert_eq!(v3.codecs, vec!["bytes", "zstd"]);
    assert_eq!(v3.dimension_names, Some(vec![Some("time".into()), Some("x".into())]));
    assert_eq!(v3.attributes["units"], "K");
    assert_eq!(v3.attributes["scale"], 0.5);
    let v2 = info(fixture("v2.zarr"), "attrs").unwrap();
    assert_eq!((v2.zarr_format, v2.data_type.as_str()), (2, "<f8"));
    assert_eq!(v2.codecs, vec!["blosc"]);
    assert_eq!(v2.dimension_names, Some(vec![Some("time".into()), Some("x".into())]));
    assert_eq!(v2.attributes["units"], "K");
    let m = info(fixture("v3.zarr"), "missing_nan").unwrap();
    assert_eq!(m.fill_value, "NaN");
    assert_eq!(info(fixture("v2.zarr"), "i4_be").unwrap().data_type, ">i4");
}

#[test]
fn reading_as_another_type_names_both_types() {
    for (store, arr) in [("v3.zarr", "f8"), ("v2.zarr", "f8")] {
        match ChunkedArray::<f32>::from_zarr(fixture(store), arr) {
            Err(Error::DType(m)) => assert!(m.contains("float64") && m.contains("float32") && m.contains("f64"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    match ChunkedArray::<i64>::from_zarr(fixture("v3.zarr"), "bool") {
        Err(Error::DType(m)) => assert!(m.contains("bool") && m.contains("int64"), "{m}"),
        other => panic!("{other:?}"),
    }
    for arr in ["float16", "complex"] {
        match ChunkedArray::<f64>::from_zarr(fixture("bad.zarr"), arr) {
            Err(Error::DType(m)) => assert!(m.contains(if arr == "complex" { "complex" } else { "float16" }), "{m}"),
            other => panic!("{arr}: {other:?}"),
        }
    }
}

#[test]
fn damaged_stores_are_typed_errors_at_compute_time() {
    let bad = fixture("bad.zarr");
    // a truncated shard loses the end of its index, whose crc32c then fails
    for (arr, corrupt, checksum) in [
        ("corrupt", true, false),
        ("garbage", true, false),
        ("short_raw", true, false),
        ("truncated_shard", true, true),
        ("bad_checksum", false, true),
    ] {
        let x = ChunkedArray::<f64>::from_zarr(&bad, arr).unwrap();
        let e = zarr_err(x.compute());
        match &e {
            ZarrError::Corrupt(m) if corrupt => assert!(m.contains(arr), "{m}"),
            ZarrError::Checksum(m) if checksum => assert!(m.contains(arr), "{m}"),
            _ => panic!("{arr}: {e:?}"),
        }
        // through a reduction too, on several threads
        let cfg = ndchunk::Config::default().with_threads(3);
        assert!(matches!(x.sum(None).unwrap().compute_with(&cfg), Err(Error::Zarr(_))), "{arr}");
    }
    // the undamaged chunks still read
    let x = ChunkedArray::<f64>::from_zarr_with_chunks(&bad, "corrupt", [10, 8]).unwrap();
    let first = x.slice(ndarray::s![0..10, 0..8]).unwrap().compute().unwrap();
    assert_eq!(first, floats(&[23, 17]).slice(ndarray::s![0..10, 0..8]).into_dyn().to_owned());
}

#[test]
fn missing_metadata_unknown_codecs_and_bad_json_fail_when_opened() {
    let bad = fixture("bad.zarr");
    assert!(matches!(zarr_err(ChunkedArray::<f64>::from_zarr(&bad, "no_metadata")), ZarrError::NotFound(_)));
    assert!(matches!(zarr_err(ChunkedArray::<f64>::from_zarr(&bad, "nothing_here")), ZarrError::NotFound(_)));
    assert!(matches!(
        zarr_err(ChunkedArray::<f64>::from_zarr(fixture("no_such_store.zarr"), "x")),
        ZarrError::NotFound(_)
    ));
    match zarr_err(ChunkedArray::<f64>::from_zarr(&bad, "unknown_codec")) {
        ZarrError::UnsupportedCodec(m) => assert!(m.contains("ndchunk_test.unknown_codec"), "{m}"),
        other => panic!("{other:?}"),
    }
    for (arr, codec) in [("lzma", "lzma"), ("delta", "delta")] {
        match zarr_err(ChunkedArray::<f64>::from_zarr(fixture("bad_v2.zarr"), arr)) {
            ZarrError::UnsupportedCodec(m) => assert!(m.contains(codec), "{m}"),
            other => panic!("{arr}: {other:?}"),
        }
    }
    assert!(matches!(zarr_err(ChunkedArray::<f64>::from_zarr(&bad, "bad_json")), ZarrError::Metadata(_)));
}

/// Write a `zarr.json` by hand.
fn write_meta(dir: &Path, shape: &str, chunks: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let m = format!(
        r#"{{"zarr_format":3,"node_type":"array","shape":{shape},"data_type":"float64",
        "chunk_grid":{{"name":"regular","configuration":{{"chunk_shape":{chunks}}}}},
        "chunk_key_encoding":{{"name":"default","configuration":{{"separator":"/"}}}},
        "fill_value":0.0,"codecs":[{{"name":"bytes","configuration":{{"endian":"little"}}}}]}}"#
    );
    std::fs::write(dir.join("zarr.json"), m).unwrap();
}

#[test]
fn hostile_shapes_are_errors_not_allocations() {
    let d = scratch("hostile");
    write_meta(&d.join("a"), "[1099511627776]", "[1]");
    assert!(matches!(ChunkedArray::<f64>::from_zarr(&d, "a"), Err(Error::Memory(_))));
    write_meta(&d.join("b"), "[4611686018427387904]", "[4096]");
    assert!(matches!(ChunkedArray::<f64>::from_zarr(&d, "b"), Err(Error::Value(_) | Error::Memory(_))));
    write_meta(&d.join("c"), "[8]", "[2305843009213693952]");
    assert!(ChunkedArray::<f64>::from_zarr(&d, "c").is_err());
    write_meta(&d.join("d"), "[8, 8]", "[4]");
    assert!(ChunkedArray::<f64>::from_zarr(&d, "d").is_err());
    // 2^40 elements that are all fill: a small region of it still reads
    write_meta(&d.join("e"), "[1099511627776]", "[1048576]");
    let e = ChunkedArray::<f64>::from_zarr(&d, "e").unwrap();
    assert_eq!(e.slice(ndarray::s![0..5]).unwrap().compute().unwrap(), ArrayD::<f64>::zeros(IxDyn(&[5])));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Every kind of write option, each with a check of what `info` reports.
fn option_sets() -> Vec<(&'static str, ZarrOptions)> {
    let d = ZarrOptions::default;
    vec![
        ("default", d()),
        ("v2", ZarrOptions { format: ZarrFormat::V2, ..d() }),
        ("raw", ZarrOptions { compressor: Compressor::None, ..d() }),
        ("gzip", ZarrOptions { compressor: Compressor::Gzip { level: 4 }, ..d() }),
        ("blosc", ZarrOptions { compressor: Compressor::blosc(), ..d() }),
        (
            "blosc_zstd_bit",
            ZarrOptions {
                compressor: Compressor::Blosc { cname: BloscCname::Zstd, clevel: 3, shuffle: BloscShuffle::BitShuffle },
                ..d()
            },
        ),
        (
            "v2_blosc_be",
            ZarrOptions { format: ZarrFormat::V2, compressor: Compressor::blosc(), big_endian: true, ..d() },
        ),
        ("v2_gzip", ZarrOptions { format: ZarrFormat::V2, compressor: Compressor::Gzip { level: 1 }, ..d() }),
        ("checksum_be", ZarrOptions { checksum: true, big_endian: true, ..d() }),
        ("transpose", ZarrOptions { order: Some(vec![1, 0]), ..d() }),
        ("sharded", ZarrOptions { chunks: Some(vec![8, 8]), subchunks: Some(vec![4, 2]), checksum: true, ..d() }),
        ("chunks_7_5", ZarrOptions { chunks: Some(vec![7, 5]), ..d() }),
        ("durable", ZarrOptions { durable: true, ..d() }),
    ]
}

#[test]
fn written_arrays_read_back_for_every_option_and_chunking() {
    let dir = scratch("roundtrip");
    let a = floats(&[23, 17]);
    for (name, opts) in option_sets() {
        for (k, chunks) in common::chunkings(&[23, 17]).into_iter().enumerate() {
            let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
            let path = format!("{name}/c{k}");
            x.to_zarr(&dir, &path, &opts).unwrap();
            let i = info(&dir, &path).unwrap();
            let want_chunks = opts.chunks.clone().unwrap_or(chunks.clone());
            assert_eq!(i.chunks, want_chunks, "{name}");
            assert_eq!(i.zarr_format, if opts.format == ZarrFormat::V2 { 2 } else { 3 });
            assert_eq!(i.subchunks, opts.subchunks);
            let y = ChunkedArray::<f64>::from_zarr(&dir, &path).unwrap();
            assert_eq!(y.compute().unwrap(), a, "{name} {chunks:?}");
        }
    }
    // no temporary directory is left anywhere
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            assert!(!e.file_name().to_string_lossy().contains("ndchunk-"), "{:?}", e.path());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn roundtrip<T: ZarrElement>(dir: &Path, name: &str, a: ArrayD<T>, chunks: Vec<usize>, opts: &ZarrOptions) {
    ChunkedArray::from_array(a.clone(), chunks).unwrap().to_zarr(dir, name, opts).unwrap();
    assert_eq!(ChunkedArray::<T>::from_zarr(dir, name).unwrap().compute().unwrap(), a, "{name}");
}

#[test]
fn every_dtype_zero_d_and_empty_arrays_write() {
    let dir = scratch("dtypes");
    for (f, opts) in
        [("v3", ZarrOptions::default()), ("v2", ZarrOptions { format: ZarrFormat::V2, ..Default::default() })]
    {
        for be in [false, true] {
            let opts = ZarrOptions { big_endian: be, ..opts.clone() };
            let v = values(&[9, 5]);
            let p = |t: &str| format!("{f}/{t}_{be}");
            roundtrip(&dir, &p("f4"), v.mapv(|x| x as f32 / 3.0), vec![4, 2], &opts);
            roundtrip(&dir, &p("i1"), v.mapv(|x| (x as i64 - 500) as i8), vec![4, 2], &opts);
            roundtrip(&dir, &p("i2"), v.mapv(|x| (x as i64 - 500) as i16), vec![4, 2], &opts);
            roundtrip(&dir, &p("i4"), v.mapv(|x| (x as i64 - 500) as i32 * 1000), vec![4, 2], &opts);
            roundtrip(&dir, &p("i8"), v.mapv(|x| (x as i64 - 500) << 40), vec![4, 2], &opts);
            roundtrip(&dir, &p("u1"), v.mapv(|x| x as u8), vec![4, 2], &opts);
            roundtrip(&dir, &p("u2"), v.mapv(|x| x as u16), vec![4, 2], &opts);
            roundtrip(&dir, &p("u4"), v.mapv(|x| x as u32 * 4_000_000), vec![4, 2], &opts);
            roundtrip(&dir, &p("u8"), v.mapv(|x| (x as u64) << 54), vec![4, 2], &opts);
            roundtrip(&dir, &p("bool"), v.mapv(|x| (x as u64).is_multiple_of(3)), vec![4, 2], &opts);
            let special =
                ArrayD::from_shape_vec(IxDyn(&[5]), vec![f64::NAN, f64::INFINITY, -0.0, f64::MIN_POSITIVE, 1e300])
                    .unwrap();
            ChunkedArray::from_array(special.clone(), [2]).unwrap().to_zarr(&dir, &p("special"), &opts).unwrap();
            let got = ChunkedArray::<f64>::from_zarr(&dir, &p("special")).unwrap().compute().unwrap();
            assert!(got.iter().zip(special.iter()).all(|(g, w)| g.to_bits() == w.to_bits()), "{got}");
            roundtrip(&dir, &p("scalar"), ArrayD::from_elem(IxDyn(&[]), 2.5f64), vec![], &opts);
            roundtrip(&dir, &p("empty"), ArrayD::<f64>::zeros(IxDyn(&[0, 3])), vec![1, 3], &opts);
            roundtrip(&dir, &p("empty3"), ArrayD::<i32>::zeros(IxDyn(&[2, 0, 4])), vec![1, 1, 2], &opts);
            assert_eq!(info(&dir, &p("empty3")).unwrap().shape, vec![2, 0, 4]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fill_values_skip_chunks_and_read_back() {
    let dir = scratch("fill");
    let mut a = ArrayD::from_elem(IxDyn(&[8, 8]), -1.0);
    a.slice_mut(ndarray::s![0..4, 4..8]).assign(&floats(&[4, 4]));
    let opts = ZarrOptions { chunks: Some(vec![4, 4]), fill_value: Some(-1.0), ..Default::default() };
    roundtrip(&dir, "f", a.clone(), vec![4, 4], &opts);
    // only the chunk that is not all fill was stored
    let stored: Vec<_> = ["0/0", "0/1", "1/0", "1/1"].iter().filter(|c| dir.join("f/c").join(c).exists()).collect();
    assert_eq!(stored, vec![&"0/1"]);
    assert_eq!(info(&dir, "f").unwrap().fill_value, -1.0);
    let nan = ZarrOptions { fill_value: Some(f64::NAN), ..Default::default() };
    ChunkedArray::from_array(a.clone(), [4, 4]).unwrap().to_zarr(&dir, "nan", &nan).unwrap();
    assert_eq!(info(&dir, "nan").unwrap().fill_value, "NaN");
    let bad = ZarrOptions { fill_value: Some(300.0), ..Default::default() };
    let x = ChunkedArray::from_array(values(&[4]).mapv(|v| v as u8), [2]).unwrap();
    assert!(matches!(x.to_zarr(&dir, "u8", &bad), Err(Error::Value(_))));
    assert!(!dir.join("u8").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_tasks_follow_the_stored_grid() {
    use ndchunk::io::zarr::store::{aligned_chunks, create_array, write_node};
    let dir = scratch("aligned");
    let a = floats(&[23, 17]);
    // blocks (6, 5) straddle the stored chunks (4, 4): rechunked to exactly the stored grid
    let x = ChunkedArray::from_array(a.clone(), [6, 5]).unwrap();
    let (array, _) = create_array::<f64>(&dir.join("arr"), &[23, 17], &[4, 4], &ZarrOptions::default()).unwrap();
    let node = write_node(&x, array.clone(), &[0, 0], &[4, 4], "arr").unwrap().unwrap();
    assert_eq!(node.grid, vec![6, 5]);
    // a region at an offset: the first and last blocks are the chunks' parts
    let c = aligned_chunks(&[10, 5], &[3, 2], &[4, 4]).unwrap();
    assert_eq!(c.axis(0), &[1, 4, 4, 1]);
    assert_eq!(c.axis(1), &[2, 3]);
    // blocks already on the grid are not rechunked
    let y = ChunkedArray::from_array(a, [4, 4]).unwrap();
    let node = write_node(&y, array, &[0, 0], &[4, 4], "arr").unwrap().unwrap();
    assert!(std::sync::Arc::ptr_eq(&node.inputs[0], &y.node_for_tests()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn create_overwrite_append_and_region_modes() {
    let dir = scratch("modes");
    let a = floats(&[10, 6]);
    let x = ChunkedArray::from_array(a.clone(), [3, 6]).unwrap();
    let opts = ZarrOptions { chunks: Some(vec![4, 4]), ..Default::default() };
    x.to_zarr(&dir, "g/a", &opts).unwrap();
    // Create on an existing array
    assert!(matches!(zarr_err(x.to_zarr(&dir, "g/a", &opts)), ZarrError::Exists(_)));
    // Overwrite with another shape and type
    let b = values(&[5]).mapv(|v| v as i32);
    let xb = ChunkedArray::from_array(b.clone(), [2]).unwrap();
    xb.to_zarr(&dir, "g/a", &ZarrOptions { mode: ZarrMode::Overwrite, ..Default::default() }).unwrap();
    assert_eq!(ChunkedArray::<i32>::from_zarr(&dir, "g/a").unwrap().compute().unwrap(), b);
    assert!(!dir.join("g/a/c/2/1").exists(), "old chunks removed");
    // Overwrite reading from the array it replaces
    let src = ChunkedArray::<i32>::from_zarr(&dir, "g/a").unwrap();
    (&src * 2).to_zarr(&dir, "g/a", ZarrOptions::overwrite()).unwrap();
    assert_eq!(ChunkedArray::<i32>::from_zarr(&dir, "g/a").unwrap().compute().unwrap(), b.mapv(|v| v * 2));

    // Append along each axis, the old last chunk partial (10 rows in chunks of 4)
    for (axis, app_shape) in [(0usize, [7usize, 6]), (1, [10, 3])] {
        let name = format!("app{axis}");
        x.to_zarr(&dir, &name, &opts).unwrap();
        let extra = floats(&app_shape).mapv(|v| v + 1000.0);
        let xe = ChunkedArray::from_array(extra.clone(), [2, 2]).unwrap();
        let app = ZarrOptions::default().with_mode(ZarrMode::Append { axis });
        xe.to_zarr(&dir, &name, &app).unwrap();
        let got = ChunkedArray::<f64>::from_zarr(&dir, &name).unwrap().compute().unwrap();
        let want = ndarray::concatenate(ndarray::Axis(axis), &[a.view(), extra.view()]).unwrap();
        assert_eq!(got, want, "append along {axis}");
        assert_eq!(info(&dir, &name).unwrap().chunks, vec![4, 4]);
        // mismatched shapes, axes and types
        let wrong = ChunkedArray::from_array(floats(&[2, 5]), [2, 5]).unwrap();
        assert!(matches!(wrong.to_zarr(&dir, &name, &app), Err(Error::Shape(_))));
        let ints = ChunkedArray::from_array(values(&[2, 6]).mapv(|v| v as i64), [2, 6]).unwrap();
        assert!(matches!(ints.to_zarr(&dir, &name, &app), Err(Error::DType(_))));
    }
    let bad_axis = ZarrOptions::default().with_mode(ZarrMode::Append { axis: 2 });
    assert!(matches!(x.to_zarr(&dir, "app0", &bad_axis), Err(Error::Axis { .. })));
    assert!(matches!(zarr_err(x.to_zarr(&dir, "nothing", &bad_axis)), ZarrError::NotFound(_)));

    // Region writes at offsets that straddle chunks, in place
    x.to_zarr(&dir, "r", &opts).unwrap();
    let patch = values(&[5, 3]).mapv(|v| -v);
    let xp = ChunkedArray::from_array(patch.clone(), [2, 2]).unwrap();
    xp.to_zarr(&dir, "r", ZarrOptions::default().with_mode(ZarrMode::Region(vec![3..8, 2..5]))).unwrap();
    let mut want = a.clone();
    want.slice_mut(ndarray::s![3..8, 2..5]).assign(&patch);
    assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, "r").unwrap().compute().unwrap(), want);
    let one_axis: Vec<std::ops::Range<usize>> = std::iter::once(3..8).collect();
    for region in [vec![3..8, 2..6], one_axis, vec![6..11, 2..5], vec![0..5, 4..7]] {
        let r = ZarrOptions::default().with_mode(ZarrMode::Region(region.clone()));
        assert!(matches!(xp.to_zarr(&dir, "r", &r), Err(Error::Shape(_))), "{region:?}");
    }
    // a group ancestor got group metadata; bad chunk options are errors
    assert!(dir.join("g/zarr.json").exists() && dir.join("zarr.json").exists());
    let bad = ZarrOptions { chunks: Some(vec![4]), ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Chunks(_))));
    let bad = ZarrOptions { chunks: Some(vec![4, 0]), ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Chunks(_))));
    let bad = ZarrOptions { chunks: Some(vec![4, 4]), subchunks: Some(vec![3, 4]), ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Chunks(_))));
    let bad = ZarrOptions { format: ZarrFormat::V2, checksum: true, ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Value(_))));
    let bad = ZarrOptions { order: Some(vec![0, 0]), ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Value(_))));
    let bad = ZarrOptions { dimension_names: Some(vec!["t".into()]), ..Default::default() };
    assert!(matches!(x.to_zarr(&dir, "badchunks", &bad), Err(Error::Value(_))));
    assert!(!dir.join("badchunks").exists());
    // an array cannot be written inside another
    assert!(matches!(x.to_zarr(&dir, "r/inner", &opts), Err(Error::Value(_))));
    // unknown chunk sizes
    let keep = ChunkedArray::from_array(a.mapv(|v| v > 0.0).into_shape_with_order(IxDyn(&[60])).unwrap(), [7]).unwrap();
    let masked = x.ravel().unwrap().mask(&keep).unwrap();
    assert!(matches!(masked.to_zarr(&dir, "unknown", &opts), Err(Error::UnknownChunkSizes { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_leaves_no_array_claiming_its_data() {
    let dir = scratch("failed");
    // an input whose chunk (1, 1) is damaged: the write fails part way
    let broken = ChunkedArray::<f64>::from_zarr(fixture("bad.zarr"), "corrupt").unwrap();
    let opts = ZarrOptions { chunks: Some(vec![5, 4]), ..Default::default() };
    assert!(matches!(broken.to_zarr(&dir, "new", &opts), Err(Error::Zarr(ZarrError::Corrupt(_)))));
    assert!(!dir.join("new").exists());
    // Overwrite: the old array is untouched
    let a = floats(&[23, 17]);
    ChunkedArray::from_array(a.clone(), [10, 8]).unwrap().to_zarr(&dir, "old", &opts).unwrap();
    assert!(broken.to_zarr(&dir, "old", &ZarrOptions { mode: ZarrMode::Overwrite, ..opts.clone() }).is_err());
    assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, "old").unwrap().compute().unwrap(), a);
    // Append: the metadata still says the old shape, and the old data reads as before
    let app = ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 });
    assert!(broken.to_zarr(&dir, "old", &app).is_err());
    assert_eq!(info(&dir, "old").unwrap().shape, vec![23, 17]);
    assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, "old").unwrap().compute().unwrap(), a);
    // no temporary directory is left
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().contains("ndchunk-")), "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn store_writes_several_arrays_in_one_pass() {
    let dir = scratch("store");
    let a = floats(&[12, 9]);
    let x = ChunkedArray::from_array(a.clone(), [5, 9]).unwrap();
    let y = &x * 2.0;
    let z = x.sum(Some(0)).unwrap();
    store(&[(&x, "x"), (&y, "sub/y"), (&z, "z")], &dir, &ZarrOptions::default()).unwrap();
    assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, "x").unwrap().compute().unwrap(), a);
    assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, "sub/y").unwrap().compute().unwrap(), a.mapv(|v| v * 2.0));
    let zs = ChunkedArray::<f64>::from_zarr(&dir, "z").unwrap().compute().unwrap();
    common::assert_close(&zs, &a.sum_axis(ndarray::Axis(0)).into_dyn(), 1e-12, "z");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[derive(Default)]
struct PeakProbe(std::sync::Mutex<Option<ndchunk::scheduler::Stats>>);

impl ndchunk::scheduler::Callback for PeakProbe {
    fn on_finish(&self, s: &ndchunk::scheduler::Stats) {
        *self.0.lock().unwrap() = Some(s.clone());
    }
}

#[test]
fn reading_streams_chunks_through_reductions() {
    let dir = scratch("live");
    // 200 stored chunks of one row each
    let a = values(&[200, 500]);
    ChunkedArray::from_array(a.clone(), [1, 500]).unwrap().to_zarr(&dir, "rows", ZarrOptions::default()).unwrap();
    let y = ChunkedArray::<f64>::from_zarr(&dir, "rows").unwrap();
    assert_eq!(y.numblocks(), vec![200, 1]);
    let probe = std::sync::Arc::new(PeakProbe::default());
    let cfg = ndchunk::Config::default().with_threads(2).with_callback(probe.clone());
    let got =
        ndchunk::compute_all_with(&[&y.sum(None).unwrap(), &y.max(None).unwrap(), &y.mean(0).unwrap()], &cfg).unwrap();
    assert_eq!(got[0][[]], a.sum());
    assert_eq!(got[1][[]], 999.0);
    common::assert_close(&got[2], &a.mean_axis(ndarray::Axis(0)).unwrap().into_dyn(), 1e-12, "mean");
    let st = probe.0.lock().unwrap().clone().unwrap();
    // chunks are released as they are reduced: far fewer than the 200 chunks (and their 200
    // row partials of the mean) are ever held at once
    assert!(st.peak_live_blocks <= 100, "{} blocks alive at once", st.peak_live_blocks);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// zarr-python is importable here.
fn zarr_python() -> bool {
    Command::new("python3")
        .args(["-c", "import zarr, sys; sys.exit(0 if int(zarr.__version__.split('.')[0]) >= 3 else 1)"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn zarr_python_reads_what_ndchunk_writes() {
    if !zarr_python() {
        println!(
            "SKIPPED zarr_python_reads_what_ndchunk_writes: python3 with zarr >= 3 is not installed (pip install zarr)"
        );
        return;
    }
    let root = scratch("interop");
    let (dir, dir2) = (root.join("v3.zarr"), root.join("v2.zarr"));
    let a = floats(&[23, 17]);
    let mut names = Vec::new();
    let mut v2_names = Vec::new();
    for (name, opts) in option_sets() {
        let path = format!("o_{name}");
        let opts = ZarrOptions {
            dimension_names: Some(vec!["y".into(), "x".into()]),
            attributes: serde_json::json!({"units": "m", "n": 3}).as_object().unwrap().clone(),
            ..opts
        };
        let v2 = opts.format == ZarrFormat::V2;
        ChunkedArray::from_array(a.clone(), [6, 5])
            .unwrap()
            .to_zarr(if v2 { &dir2 } else { &dir }, &path, &opts)
            .unwrap();
        if v2 {
            v2_names.push((path, opts))
        } else {
            names.push((path, opts))
        };
    }
    ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[]), 2.5f64), Vec::<usize>::new())
        .unwrap()
        .to_zarr(&dir, "scalar", ZarrOptions::default())
        .unwrap();
    ChunkedArray::from_array(ArrayD::<i16>::zeros(IxDyn(&[0, 3])), [1, 3])
        .unwrap()
        .to_zarr(&dir, "empty", ZarrOptions::default())
        .unwrap();
    ChunkedArray::from_array(values(&[6]).mapv(|v| (v as u64).is_multiple_of(3)), [4])
        .unwrap()
        .to_zarr(&dir, "bool", ZarrOptions::default())
        .unwrap();
    let mut paths: Vec<String> = names.iter().map(|(p, _)| p.clone()).collect();
    paths.extend(["scalar", "empty", "bool"].map(String::from));
    let check = |store: &Path, paths: &[String]| -> Vec<serde_json::Value> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/check_zarr.py");
        let out = Command::new("python3").arg(script).arg(store).args(paths).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), paths.len());
        lines
    };
    let lines = check(&dir, &paths);
    let v2_paths: Vec<String> = v2_names.iter().map(|(p, _)| p.clone()).collect();
    let v2_lines = check(&dir2, &v2_paths);
    let flat: Vec<f64> = a.iter().copied().collect();
    for (seen, (path, opts)) in lines.iter().zip(&names).chain(v2_lines.iter().zip(&v2_names)) {
        assert_eq!(seen["path"], path.as_str());
        let data: Vec<f64> = seen["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(data, flat, "{path}");
        assert_eq!(seen["shape"], serde_json::json!([23, 17]));
        assert_eq!(seen["zarr_format"], if opts.format == ZarrFormat::V2 { 2 } else { 3 });
        assert_eq!(seen["endian"], if opts.big_endian { "big" } else { "little" }, "{path}");
        assert_eq!(seen["dimension_names"], serde_json::json!(["y", "x"]));
        assert_eq!(seen["attributes"]["units"], "m");
        match &opts.subchunks {
            Some(sub) => {
                assert_eq!(seen["chunks"], serde_json::json!(sub));
                assert_eq!(seen["shards"], serde_json::json!(opts.chunks.clone().unwrap()));
            }
            None => assert_eq!(seen["chunks"], serde_json::json!(opts.chunks.clone().unwrap_or(vec![6, 5]))),
        }
        let compressors = seen["compressors"].to_string().to_lowercase();
        let want = match opts.compressor {
            Compressor::None => "[]",
            Compressor::Zstd { .. } => "zstd",
            Compressor::Gzip { .. } => "gzip",
            Compressor::Blosc { .. } => "blosc",
        };
        assert!(compressors.contains(want), "{path}: {compressors}");
    }
    let n = lines.len();
    assert_eq!(lines[n - 3]["data"], serde_json::json!([2.5]));
    assert_eq!(lines[n - 2]["shape"], serde_json::json!([0, 3]));
    let bools: Vec<bool> = values(&[6]).iter().map(|&v| (v as u64).is_multiple_of(3)).collect();
    assert_eq!(lines[n - 1]["data"], serde_json::json!(bools));
    std::fs::remove_dir_all(&root).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any shape, blocks and stored chunks: what is written reads back, in any blocks.
    #[test]
    fn writes_and_reads_round_trip((shape, chunks) in common::shape_and_chunks(), stored in prop::collection::vec(1usize..5, 3), v2 in any::<bool>(), seed in 0u64..1000) {
        let dir = scratch(&format!("prop-{seed}-{}", shape.len()));
        let n: usize = shape.iter().product();
        let data: Vec<i32> = (0..n as u64).map(|i| ((i * 2654435761 + seed) % 1000) as i32 - 500).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let stored = stored[..shape.len()].to_vec();
        let opts = ZarrOptions {
            chunks: Some(stored.clone()),
            format: if v2 { ZarrFormat::V2 } else { ZarrFormat::V3 },
            ..Default::default()
        };
        ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap().to_zarr(&dir, "a", &opts).unwrap();
        let back = ChunkedArray::<i32>::from_zarr(&dir, "a").unwrap();
        prop_assert_eq!(back.compute().unwrap(), a.clone());
        let back = ChunkedArray::<i32>::from_zarr_with_chunks(&dir, "a", chunks).unwrap();
        prop_assert_eq!(back.compute().unwrap(), a);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A `python3 -m http.server` on loopback serving fixtures/zarr, stopped when dropped.
#[cfg(feature = "zarr-http")]
struct Server {
    child: std::process::Child,
    port: u16,
}

#[cfg(feature = "zarr-http")]
impl Server {
    fn start() -> Option<Server> {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(fixture(""))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
        let port = line.split(" port ").nth(1)?.split_whitespace().next()?.parse().ok()?;
        Some(Server { child, port })
    }

    fn url(&self, store: &str) -> String {
        format!("http://127.0.0.1:{}/{store}", self.port)
    }
}

#[cfg(feature = "zarr-http")]
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "zarr-http")]
#[test]
fn http_stores_read_like_directories() {
    let Some(server) = Server::start() else {
        println!("SKIPPED http_stores_read_like_directories: cannot start python3 -m http.server");
        return;
    };
    let a = floats(&[23, 17]);
    for (store, arr) in
        [("v3.zarr", "f8"), ("v3.zarr", "sharded"), ("v3.zarr", "crc32c"), ("v2.zarr", "f8_be"), ("v2.zarr", "zstd")]
    {
        let x = ChunkedArray::<f64>::from_zarr_url(&server.url(store), arr).unwrap();
        assert_eq!(x.chunks().axis(0), &[10, 10, 3]);
        let cfg = ndchunk::Config::default().with_threads(4);
        assert_eq!(x.compute_with(&cfg).unwrap(), a, "{store}/{arr}");
        let y = ChunkedArray::<f64>::from_zarr_url_with_chunks(&server.url(store), arr, [7, 17]).unwrap();
        assert_eq!(y.compute().unwrap(), a, "{store}/{arr}");
    }
    // missing chunks (404) are the fill value
    let m = ChunkedArray::<f64>::from_zarr_url(&server.url("v3.zarr"), "missing").unwrap();
    assert_eq!(m.compute().unwrap(), sparse(-1.0, |v| v / 8.0 - 60.0));
    let s = ChunkedArray::<f64>::from_zarr_url(&server.url("v3.zarr"), "scalar").unwrap();
    assert_eq!(s.compute().unwrap()[[]], 3.5);
    let i = ndchunk::io::zarr::info_url(&server.url("v3.zarr"), "attrs").unwrap();
    assert_eq!(i.attributes["units"], "K");
    // errors: no array, another type, a damaged chunk
    assert!(matches!(
        zarr_err(ChunkedArray::<f64>::from_zarr_url(&server.url("v3.zarr"), "nothing")),
        ZarrError::NotFound(_)
    ));
    assert!(matches!(ChunkedArray::<i32>::from_zarr_url(&server.url("v3.zarr"), "f8"), Err(Error::DType(_))));
    let c = ChunkedArray::<f64>::from_zarr_url(&server.url("bad.zarr"), "corrupt").unwrap();
    assert!(matches!(zarr_err(c.compute()), ZarrError::Corrupt(_)));
    // a server that is gone: a storage error, not a panic
    let url = server.url("v3.zarr");
    drop(server);
    match ChunkedArray::<f64>::from_zarr_url(&url, "f8") {
        Err(Error::Zarr(ZarrError::Storage(_) | ZarrError::NotFound(_))) => {}
        other => panic!("{other:?}"),
    }
}

/// Whole zstd chunks are streamed into fused consumers (src/io/zarr/stream.rs): the same bits
/// as the blocks read whole, for v3 and v2, every chunking (interior chunks stream, edge chunks
/// and missing chunks go through zarrs), and damaged chunks are typed errors on that path too.
#[test]
fn whole_zstd_chunks_stream_into_fused_consumers() {
    let dir = scratch("stream");
    let a = floats(&[23, 17]);
    for (f, format) in [("v3", ZarrFormat::V3), ("v2", ZarrFormat::V2)] {
        for (k, chunks) in common::chunkings(&[23, 17]).into_iter().enumerate() {
            let path = format!("{f}/c{k}");
            let opts = ZarrOptions { format, ..Default::default() };
            ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap().to_zarr(&dir, &path, &opts).unwrap();
            let y = ChunkedArray::<f64>::from_zarr(&dir, &path).unwrap();
            let m = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
            let same = |p: &ChunkedArray<f64>, q: &ChunkedArray<f64>| {
                assert_eq!(p.compute().unwrap(), q.compute().unwrap(), "{path} {chunks:?}");
            };
            same(&y.sum(None).unwrap(), &m.sum(None).unwrap());
            same(&(&(&y * 2.0) + 1.0).max(Some(0)).unwrap(), &(&(&m * 2.0) + 1.0).max(Some(0)).unwrap());
            same(&y.mean(Some(1)).unwrap(), &m.mean(Some(1)).unwrap());
            // and written back out through a fused chain
            let z = format!("{path}_x3");
            (&y * 3.0).to_zarr(&dir, &z, ZarrOptions::default()).unwrap();
            assert_eq!(ChunkedArray::<f64>::from_zarr(&dir, &z).unwrap().compute().unwrap(), a.mapv(|v| v * 3.0));
        }
    }
    // a missing interior chunk (all fill value, so not written) reads as the fill value
    let mut s = a.clone();
    s.slice_mut(ndarray::s![5..10, 0..17]).fill(0.0);
    ChunkedArray::from_array(s.clone(), [5, 17]).unwrap().to_zarr(&dir, "holes", ZarrOptions::default()).unwrap();
    let y = ChunkedArray::<f64>::from_zarr(&dir, "holes").unwrap();
    let want = ChunkedArray::from_array(s, [5, 17]).unwrap().sum(None).unwrap().item().unwrap();
    assert_eq!(y.sum(None).unwrap().item().unwrap(), want);
    // damaged chunks: cut short, or followed by a second frame (decodes to too many bytes)
    ChunkedArray::from_array(a.clone(), [5, 17]).unwrap().to_zarr(&dir, "bad", ZarrOptions::default()).unwrap();
    let chunk = dir.join("bad/c/1/0");
    let bytes = std::fs::read(&chunk).unwrap();
    for damaged in [bytes[..bytes.len() / 2].to_vec(), [bytes.clone(), bytes.clone()].concat()] {
        std::fs::write(&chunk, &damaged).unwrap();
        let y = ChunkedArray::<f64>::from_zarr(&dir, "bad").unwrap();
        for threads in [1, 3] {
            let cfg = ndchunk::Config::default().with_threads(threads);
            match y.sum(None).unwrap().compute_with(&cfg) {
                Err(Error::Zarr(ZarrError::Corrupt(m))) => assert!(m.contains("bad"), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(y.compute(), Err(Error::Zarr(_))));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
