//! NetCDF4 files written by xarray, netCDF4-python and h5netcdf (fixtures/netcdf/*.nc from
//! fixtures/generate_netcdf.py): raw values, chunks, dimension names and attributes against what
//! netCDF4-python sees, CF decoding against xarray's, typed errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::hdf5::{attrs, decode_cf, from_hdf5_cf, info, AttrValue, Hdf5Error};
use ndchunk::prelude::*;
use ndchunk::DType;
use proptest::prelude::*;

use crate::common;

fn nc(file: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/netcdf")).join(file)
}

fn floats(s: &str) -> Vec<f64> {
    if s.is_empty() {
        return vec![];
    }
    s.split([',', ';']).map(|v| v.parse::<f64>().unwrap()).collect()
}

fn parse_dims(s: &str) -> Vec<String> {
    if s.is_empty() {
        vec![]
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

/// Read `file:var` as its stored type, in blocks `chunks` (None: the file's), as f64.
fn read_raw(file: &str, var: &str, dtype: &str, chunks: Option<Vec<usize>>) -> ArrayD<f64> {
    fn go<T: Element + hdf5::H5Type>(p: PathBuf, var: &str, chunks: Option<Vec<usize>>) -> ArrayD<f64> {
        let x = match chunks {
            None => ChunkedArray::<T>::from_hdf5(&p, var).unwrap(),
            Some(c) => ChunkedArray::<T>::from_hdf5_with_chunks(&p, var, c).unwrap(),
        };
        x.astype::<f64>().compute().unwrap()
    }
    let p = nc(file);
    match dtype {
        "f4" => go::<f32>(p, var, chunks),
        "f8" => go::<f64>(p, var, chunks),
        "i2" => go::<i16>(p, var, chunks),
        "i4" => go::<i32>(p, var, chunks),
        "i8" => go::<i64>(p, var, chunks),
        other => panic!("fixture dtype {other}"),
    }
}

/// netCDF gives every variable along an unlimited dimension the dimension's length (records a
/// variable never had written are its fill value); HDF5, and so ndchunk, the dataset's own
/// extent. The fixture's values within `shape` (the HDF5 extent), after checking that all beyond
/// it is one fill value (or NaN).
fn within_extent(want: &ArrayD<f64>, shape: &[usize], what: &str) -> ArrayD<f64> {
    assert_eq!(want.ndim(), shape.len(), "{what}");
    if shape.is_empty() {
        return want.clone();
    }
    assert_eq!(&want.shape()[1..], &shape[1..], "{what}: only the first (unlimited) axis may differ");
    let n = shape[0];
    if n == want.shape()[0] {
        return want.clone();
    }
    assert!(n < want.shape()[0], "{what}: {shape:?} vs {:?}", want.shape());
    let tail = want.slice_axis(ndarray::Axis(0), (n..).into());
    let first = tail.iter().next().copied().unwrap();
    assert!(tail.iter().all(|&v| v == first || (v.is_nan() && first.is_nan())), "{what}: not fill beyond the extent");
    want.slice_axis(ndarray::Axis(0), (0..n).into()).to_owned()
}

#[test]
fn raw_values_chunks_and_dims_match_netcdf4_python() {
    let fx = common::load_fixture("netcdf.txt");
    let mut seen = 0;
    for r in fx.results.iter().filter(|r| r[2] == "raw") {
        let (file, var, dtype) = (&r[0], &r[1], &r[3]);
        let shape = common::parse_shape(&r[4]);
        let want = ArrayD::from_shape_vec(IxDyn(&shape), floats(&r[7])).unwrap();
        let what = format!("{file}:{var}");
        let v = info(nc(file), var).unwrap();
        let want = within_extent(&want, &v.shape, &what);
        assert_eq!(v.dims, parse_dims(&r[6]), "{what}");
        let chunks = if r[5] == "contiguous" { None } else { Some(common::parse_shape(&r[5])) };
        assert_eq!(v.chunks, chunks, "{what}");
        assert!(!v.data_type.is_empty());
        common::assert_close(&read_raw(file, var, dtype, None), &want, 0.0, &what);
        for c in common::chunkings(&v.shape) {
            common::assert_close(&read_raw(file, var, dtype, Some(c.clone())), &want, 0.0, &format!("{what} {c:?}"));
        }
        seen += 1;
    }
    assert_eq!(seen, 13, "variables in the fixture");
}

#[test]
fn attributes_match_netcdf4_python_and_internal_ones_are_hidden() {
    let fx = common::load_fixture("netcdf.txt");
    let mut by_var: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in fx.results.iter().filter(|r| r[2] == "attr") {
        let (file, var, name, kind, vals) = (&r[0], &r[1], &r[3], &r[4], &r[5]);
        let v = info(nc(file), var).unwrap();
        let got = v.attrs.get(name.as_str()).unwrap_or_else(|| panic!("{file}:{var} has no {name}: {:?}", v.attrs));
        let what = format!("{file}:{var}.{name} = {got:?}");
        match kind.as_str() {
            "str" => {
                let want: Vec<&str> = vals.split(';').collect();
                match got {
                    AttrValue::Str(s) => assert_eq!(vec![s.as_str()], want, "{what}"),
                    AttrValue::Strs(s) => assert_eq!(s.iter().map(String::as_str).collect::<Vec<_>>(), want, "{what}"),
                    _ => panic!("{what}: expected strings"),
                }
            }
            "int" => {
                assert!(matches!(got, AttrValue::Int(_) | AttrValue::Ints(_)), "{what}");
                assert_eq!(got.as_f64s().unwrap(), floats(vals), "{what}");
            }
            _ => {
                assert!(matches!(got, AttrValue::Float(_) | AttrValue::Floats(_)), "{what}");
                let (g, w) = (got.as_f64s().unwrap(), floats(vals));
                assert!(
                    g.iter().zip(&w).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())) && g.len() == w.len(),
                    "{what}"
                );
            }
        }
        *by_var.entry((file.clone(), var.clone())).or_default() += 1;
    }
    // exactly netCDF4-python's attributes: DIMENSION_LIST, CLASS, NAME, _Netcdf4Dimid... are hidden
    for ((file, var), n) in &by_var {
        let v = info(nc(file), var).unwrap();
        assert_eq!(v.attrs.len(), *n, "{file}:{var}: {:?}", v.attrs);
    }
    // scalar forms
    let t = info(nc("xarray.nc"), "temp").unwrap();
    assert_eq!(t.attrs["units"].as_str(), Some("K"));
    assert_eq!(t.attrs["valid_range"], AttrValue::Floats(vec![-100.0, 100.0]));
    let c = info(nc("xarray.nc"), "counts").unwrap();
    assert_eq!(c.attrs["flags"], AttrValue::Ints(vec![1, 2, 4]));
    assert_eq!(c.attrs["names"], AttrValue::Strs(vec!["north".into(), "south".into()]));
    assert_eq!(c.attrs["weight"], AttrValue::Float(2.5));
    assert_eq!(c.dtype, Some(DType::I32));
    let p = info(nc("xarray.nc"), "packed").unwrap();
    assert_eq!(p.attrs["_FillValue"], AttrValue::Int(-32767));
    assert_eq!(p.attrs["scale_factor"].as_f64(), Some(0.01));
    // global attributes
    let g = attrs(nc("xarray.nc"), "/").unwrap();
    assert_eq!(g["title"].as_str(), Some("ndchunk NetCDF fixture"));
    assert_eq!(g["version"].as_f64(), Some(3.0));
    assert!(!g.contains_key("_NCProperties"));
    assert_eq!(format!("{:?}", attrs(nc("xarray.nc"), "temp").unwrap()), format!("{:?}", t.attrs));
}

#[test]
fn cf_decoding_matches_xarray() {
    let fx = common::load_fixture("netcdf.txt");
    let mut seen = 0;
    for r in fx.results.iter().filter(|r| r[2] == "decoded") {
        let (file, var) = (&r[0], &r[1]);
        let shape = common::parse_shape(&r[3]);
        let want = ArrayD::from_shape_vec(IxDyn(&shape), floats(&r[4])).unwrap();
        let what = format!("{file}:{var}");
        let x = from_hdf5_cf(nc(file), var).unwrap();
        let want = within_extent(&want, x.shape(), &what);
        common::assert_close(&x.compute().unwrap(), &want, 1e-15, &what);
        for c in common::chunkings(x.shape()) {
            let x = x.rechunk(c.clone()).unwrap();
            common::assert_close(&x.compute().unwrap(), &want, 1e-15, &format!("{what} {c:?}"));
        }
        seen += 1;
    }
    assert!(seen >= 13, "{seen}");
    // the packed variable: its missing value is NaN, the rest scaled and offset
    let p = from_hdf5_cf(nc("xarray.nc"), "packed").unwrap().compute().unwrap();
    assert!(p[[2, 1]].is_nan());
    assert_eq!(p.iter().filter(|v| v.is_nan()).count(), 1);
    // a reduction streams through the decoding: NumPy's nanmean of xarray's values
    let want: Vec<f64> = fx
        .results
        .iter()
        .find(|r| r[0] == "xarray.nc" && r[1] == "packed" && r[2] == "decoded")
        .map(|r| floats(&r[4]))
        .unwrap();
    let finite: Vec<f64> = want.into_iter().filter(|v| !v.is_nan()).collect();
    let mean = from_hdf5_cf(nc("xarray.nc"), "packed").unwrap().nanmean(None).unwrap().compute().unwrap()[[]];
    assert!((mean - finite.iter().sum::<f64>() / finite.len() as f64).abs() < 1e-9, "{mean}");
    // `w` had records 0..3 written while `time` grew to 10: HDF5's extent is 3 records (netCDF
    // pads to 10 with the fill value); in its last chunk (records 2..4) record 3 was never
    // written either, and is cut off by the extent
    let w = info(nc("netcdf4.nc"), "w").unwrap();
    assert_eq!((w.shape.clone(), w.dims.clone()), (vec![3, 7], vec!["time".to_string(), "x".to_string()]));
    assert_eq!(info(nc("netcdf4.nc"), "time").unwrap().shape, vec![10]);
    let wd = from_hdf5_cf(nc("netcdf4.nc"), "w").unwrap().compute().unwrap();
    assert_eq!(wd[[2, 6]], 20.0);
}

#[test]
fn missing_variables_and_bad_attributes_are_typed_errors() {
    let hdf = |r: Result<ndchunk::io::hdf5::VariableInfo>| match r {
        Err(Error::Hdf5(e)) => e,
        other => panic!("expected an HDF5 error, got {other:?}"),
    };
    assert!(matches!(hdf(info(nc("xarray.nc"), "nope")), Hdf5Error::DatasetNotFound { .. }));
    assert!(matches!(hdf(info(nc("absent.nc"), "temp")), Hdf5Error::FileNotFound(_)));
    assert!(matches!(hdf(info(nc("xarray.nc"), "/")), Hdf5Error::NotADataset { .. }));
    assert!(matches!(attrs(nc("xarray.nc"), "nope"), Err(Error::Hdf5(Hdf5Error::DatasetNotFound { .. }))));
    assert!(matches!(from_hdf5_cf(nc("xarray.nc"), "nope"), Err(Error::Hdf5(Hdf5Error::DatasetNotFound { .. }))));
    let not_hdf5 = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/netcdf.txt"));
    assert!(matches!(hdf(info(&not_hdf5, "x")), Hdf5Error::NotHdf5(_)));
    // reading a variable as another type names both
    assert!(matches!(ChunkedArray::<f64>::from_hdf5(nc("xarray.nc"), "packed"), Err(Error::DType(_))));
    // a scale factor that is not one number
    let x = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[3]), 1i16), [2]).unwrap();
    let mut a = BTreeMap::new();
    a.insert("scale_factor".to_string(), AttrValue::Floats(vec![1.0, 2.0]));
    assert!(matches!(decode_cf(&x, &a), Err(Error::Value(_))));
    a.insert("scale_factor".to_string(), AttrValue::Str("two".into()));
    assert!(matches!(decode_cf(&x, &a), Err(Error::Value(_))));
}

#[test]
fn decoding_zero_d_empty_and_attribute_free_arrays() {
    let none = BTreeMap::new();
    let s = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[]), 7i32), Vec::<usize>::new()).unwrap();
    assert_eq!(decode_cf(&s, &none).unwrap().compute().unwrap()[[]], 7.0);
    let mut a = BTreeMap::new();
    a.insert("missing_value".to_string(), AttrValue::Ints(vec![7, 9]));
    a.insert("add_offset".to_string(), AttrValue::Float(0.5));
    assert!(decode_cf(&s, &a).unwrap().compute().unwrap()[[]].is_nan());
    let e = ChunkedArray::from_array(ArrayD::<u8>::zeros(IxDyn(&[0, 3])), [1, 3]).unwrap();
    assert_eq!(decode_cf(&e, &a).unwrap().compute().unwrap().shape(), &[0, 3]);
    // float data: NaN and infinities pass through, a NaN _FillValue masks nothing more
    let f = ChunkedArray::from_array(ndarray::arr1(&[f64::NAN, f64::INFINITY, -1.0]).into_dyn(), [2]).unwrap();
    let mut a = BTreeMap::new();
    a.insert("_FillValue".to_string(), AttrValue::Float(f64::NAN));
    a.insert("scale_factor".to_string(), AttrValue::Float(2.0));
    let d = decode_cf(&f, &a).unwrap().compute().unwrap();
    assert!(d[0].is_nan() && d[1] == f64::INFINITY && d[2] == -2.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Any shape, blocks, fill value, scale and offset: xarray's rule elementwise.
    #[test]
    fn decoding_follows_the_cf_rule((shape, chunks) in common::shape_and_chunks(), seed in 0u64..1000,
                                    fill in -3i16..3, scale in prop::option::of(-4.0f64..4.0), offset in prop::option::of(-100.0f64..100.0)) {
        let n: usize = shape.iter().product();
        let data: Vec<i16> = (0..n as u64).map(|i| ((i * 2654435761 + seed) % 7) as i16 - 3).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let mut attrs = BTreeMap::new();
        attrs.insert("_FillValue".to_string(), AttrValue::Int(fill as i64));
        if let Some(s) = scale { attrs.insert("scale_factor".to_string(), AttrValue::Float(s)); }
        if let Some(o) = offset { attrs.insert("add_offset".to_string(), AttrValue::Floats(vec![o])); }
        let got = decode_cf(&ChunkedArray::from_array(a.clone(), chunks).unwrap(), &attrs).unwrap().compute().unwrap();
        let want = a.mapv(|v| if v == fill { f64::NAN } else { v as f64 * scale.unwrap_or(1.0) + offset.unwrap_or(0.0) });
        common::assert_close(&got, &want, 0.0, "decode");
    }
}

#[test]
fn json_attributes_convert_and_decode_zarr_variables_like_xarray() {
    use ndchunk::io::zarr::serde_json::json;
    assert_eq!(AttrValue::from(&json!(3)), AttrValue::Int(3));
    assert_eq!(AttrValue::from(&json!(0.5)), AttrValue::Float(0.5));
    assert_eq!(AttrValue::from(&json!("K")), AttrValue::Str("K".into()));
    assert_eq!(AttrValue::from(&json!([1, 2])), AttrValue::Ints(vec![1, 2]));
    assert_eq!(AttrValue::from(&json!([1, 2.5])), AttrValue::Floats(vec![1.0, 2.5]));
    assert_eq!(AttrValue::from(&json!(["a", "b"])), AttrValue::Strs(vec!["a".into(), "b".into()]));
    assert!(matches!(AttrValue::from(&json!({"a": 1})), AttrValue::Other(_)));
    assert!(matches!(AttrValue::from(&json!([1, "a"])), AttrValue::Other(_)));
    // the packed variable as xarray wrote it to Zarr decodes to what xarray reads from the .nc file
    let z = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/netcdf/xarray.zarr"));
    let zi = ndchunk::io::zarr::info(&z, "packed").unwrap();
    assert_eq!(zi.dimension_names, Some(vec![Some("time".to_string()), Some("lat".to_string())]));
    let attrs: BTreeMap<String, AttrValue> =
        zi.attributes.iter().map(|(k, v)| (k.clone(), AttrValue::from(v))).collect();
    let got = decode_cf(&ChunkedArray::<i16>::from_zarr(&z, "packed").unwrap(), &attrs).unwrap().compute().unwrap();
    let want = from_hdf5_cf(nc("xarray.nc"), "packed").unwrap().compute().unwrap();
    common::assert_close(&got, &want, 0.0, "zarr vs netcdf");
}
