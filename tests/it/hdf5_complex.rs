//! HDF5 complex datasets as h5py writes them (a compound {r, i} of two floats): reading
//! complex128/complex64, little- and big-endian, gzip + shuffle, contiguous and empty datasets
//! (fixtures/hdf5/complex.h5 from fixtures/generate_hdf5_complex.py), in parallel and through
//! libhdf5; writing with `to_hdf5`/`to_hdf5_with` over several chunkings, read back by ndchunk
//! and by h5py (fixtures/check_hdf5_complex.py); compounds that are not h5py's complex and
//! reading as the wrong type are `Error::DType`.

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::hdf5::{read_path, Hdf5Options};
use ndchunk::prelude::*;
use ndchunk::{Complex, ComplexElement, Error};

use crate::common::chunkings;
use ndchunk::io::zarr::serde_json;

fn fixture() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/hdf5/complex.h5"))
}

/// The values generate_hdf5_complex.py writes.
fn values<T: ComplexElement>(shape: &[usize]) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    let v = (0..n)
        .map(|k| {
            let (re, im) = match k {
                0 if n > 1 => (f64::NAN, f64::INFINITY),
                1 if n > 1 => (f64::NEG_INFINITY, -0.0),
                _ => (((k * 7919) % 1000) as f64 / 8.0 - 60.0, ((k * 104729) % 997) as f64 / 4.0 - 100.0),
            };
            T::new(T::Part::from_f64(re), T::Part::from_f64(im))
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// Equal part by part, bit for bit (NaN equal to NaN, -0.0 distinct from 0.0).
fn same<T: ComplexElement>(a: &ArrayD<T>, b: &ArrayD<T>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let bits = |v: T| (v.re_part().to_f64().to_bits(), v.im_part().to_f64().to_bits());
        let nan = |v: T| (v.re_part().to_f64().is_nan(), v.im_part().to_f64().is_nan());
        assert!(bits(*x) == bits(*y) || (nan(*x) == nan(*y) && nan(*x) != (false, false)), "{what}: {i}: {x} vs {y}");
    }
}

fn check_read<T: ComplexElement + hdf5::H5Type>(name: &str, chunked: bool) {
    let x = ChunkedArray::<T>::from_hdf5(fixture(), name).unwrap();
    assert_eq!(x.shape(), &[23, 17]);
    if chunked {
        assert_eq!(x.chunks().axis(0), &[10, 10, 3], "{name}");
        assert_eq!(read_path(fixture(), name).unwrap(), "parallel chunk decode", "{name}");
    }
    let want = values::<T>(&[23, 17]);
    same(&x.compute().unwrap(), &want, name);
    let locked = ChunkedArray::<T>::from_hdf5_locked(fixture(), name).unwrap();
    same(&locked.compute().unwrap(), &want, &format!("{name} through libhdf5"));
    let direct = hdf5::File::open(fixture()).unwrap().dataset(name).unwrap().read_dyn::<T>().unwrap();
    same(&direct, &want, &format!("{name} as hdf5-metno reads it"));
}

#[test]
fn reads_h5py_complex_datasets() {
    for name in ["c16", "c16_be", "c16_gzip_shuffle"] {
        check_read::<Complex<f64>>(name, true);
    }
    for name in ["c8", "c8_be"] {
        check_read::<Complex<f32>>(name, true);
    }
    check_read::<Complex<f32>>("c8_contiguous", false);
    let e = ChunkedArray::<Complex<f64>>::from_hdf5(fixture(), "c16_empty").unwrap();
    assert_eq!(e.shape(), &[0, 3]);
    assert_eq!(e.compute().unwrap().len(), 0);
    // reductions on what was read
    let s = ChunkedArray::<Complex<f64>>::from_hdf5(fixture(), "c16_gzip_shuffle").unwrap();
    let tail = s.slice(ndarray::s![1.., ..]).unwrap().sum(None).unwrap().item().unwrap();
    let want: Complex<f64> = values::<Complex<f64>>(&[23, 17]).iter().skip(17).sum();
    assert!((tail - want).norm() < 1e-9 * want.norm(), "{tail} vs {want}");
}

#[test]
fn wrong_types_and_other_compounds_are_dtype_errors() {
    let p = fixture();
    assert!(matches!(ChunkedArray::<Complex<f32>>::from_hdf5(&p, "c16"), Err(Error::DType(_))));
    assert!(matches!(ChunkedArray::<Complex<f64>>::from_hdf5(&p, "c8"), Err(Error::DType(_))));
    assert!(matches!(ChunkedArray::<f64>::from_hdf5(&p, "c16"), Err(Error::DType(_))));
    for name in ["pair_ab", "pair_mixed"] {
        match ChunkedArray::<Complex<f64>>::from_hdf5(&p, name) {
            Err(Error::DType(m)) => assert!(m.contains("compound") && m.contains(name), "{m}"),
            other => panic!("{name}: {other:?}"),
        }
        assert!(matches!(ChunkedArray::<f64>::from_hdf5(&p, name), Err(Error::DType(_))));
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ndchunk-h5c-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn h5py_available() -> bool {
    Command::new("python3").args(["-c", "import h5py"]).output().map(|o| o.status.success()).unwrap_or(false)
}

/// What h5py reads from `file` (fixtures/check_hdf5_complex.py), one JSON value per dataset.
fn h5py_sees(file: &Path, names: &[&str]) -> Vec<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/check_hdf5_complex.py");
    let out = Command::new("python3").arg(script).arg(file).args(names).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn part(v: &serde_json::Value) -> f64 {
    match v.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        Some(other) => panic!("{other}"),
        None => v.as_f64().unwrap(),
    }
}

fn check_written<T: ComplexElement + hdf5::H5Type>(tag: &str, numpy_dtype: &str) {
    let dir = scratch(tag);
    let want = values::<T>(&[23, 17]);
    let h5py = h5py_available();
    if !h5py {
        eprintln!("h5py not importable: skipping the h5py side of the complex HDF5 write test");
    }
    for (i, ch) in chunkings(&[23, 17]).into_iter().enumerate() {
        let x = ChunkedArray::from_array(want.clone(), ch.clone()).unwrap();
        let file = dir.join(format!("w{i}.h5"));
        x.to_hdf5(&file, "plain").unwrap();
        let file_gz = dir.join(format!("gz{i}.h5"));
        let opts = Hdf5Options { chunks: Some(vec![7, 5]), ..Hdf5Options::gzip(3) };
        x.to_hdf5_with(&file_gz, "/grp/gz", &opts).unwrap();
        let what = format!("{tag} {ch:?}");
        same(&ChunkedArray::<T>::from_hdf5(&file, "plain").unwrap().compute().unwrap(), &want, &what);
        let back = ChunkedArray::<T>::from_hdf5(&file_gz, "/grp/gz").unwrap();
        assert_eq!(back.chunks().axis(0)[0], 7, "{what}");
        same(&back.compute().unwrap(), &want, &format!("{what} gzip"));
        if !h5py {
            continue;
        }
        for (f, name, compression) in [(&file, "plain", None), (&file_gz, "/grp/gz", Some("gzip"))] {
            let seen = &h5py_sees(f, &[name])[0];
            assert_eq!(seen["dtype"], numpy_dtype, "{what} {name}");
            assert_eq!(seen["fields"], serde_json::json!(["r", "i"]), "{what} {name}");
            assert_eq!(seen["shape"], serde_json::json!([23, 17]), "{what} {name}");
            assert_eq!(seen["compression"].as_str(), compression, "{what} {name}");
            assert_eq!(seen["shuffle"], compression.is_some(), "{what} {name}");
            let data: Vec<T> = seen["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| T::new(T::Part::from_f64(part(&p[0])), T::Part::from_f64(part(&p[1]))))
                .collect();
            same(&ArrayD::from_shape_vec(IxDyn(&[23, 17]), data).unwrap(), &want, &format!("{what} {name} by h5py"));
        }
    }
    // an empty complex array round-trips
    let e = ChunkedArray::from_array(ArrayD::<T>::from_shape_vec(IxDyn(&[0, 4]), vec![]).unwrap(), [1, 2]).unwrap();
    let file = dir.join("empty.h5");
    e.to_hdf5(&file, "e").unwrap();
    assert_eq!(ChunkedArray::<T>::from_hdf5(&file, "e").unwrap().shape(), &[0, 4]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writes_complex_datasets_h5py_reads() {
    check_written::<Complex<f64>>("c16", "<c16");
    check_written::<Complex<f32>>("c8", "<c8");
}
