//! NetCDF4 variables: the dimension names and attributes of an HDF5 dataset ([`info`]), and CF
//! decoding of packed and masked values ([`decode_cf`], [`from_hdf5_cf`]).
//!
//! A NetCDF4 file is an HDF5 file: each variable is a dataset, read by `from_hdf5` like any
//! other (zlib = deflate, shuffle, chunked or contiguous, an unlimited axis = a chunked
//! dataset with an unlimited maximum shape; records never written read as the fill value).
//!
//! **Dimensions.** NetCDF4 (netCDF-C, netCDF4-python, xarray, h5netcdf) attaches HDF5
//! *dimension scales* to each variable: its `DIMENSION_LIST` attribute holds, per axis, a
//! reference to the dataset that names the dimension (a coordinate variable such as `time`, or
//! an empty dataset standing for a dimension without one). [`VariableInfo::dims`] are those
//! datasets' names (netCDF-C's `_nc4_non_coord_` prefix removed), as `var.dimensions` in
//! netCDF4-python and `da.dims` in xarray; a coordinate variable (itself a dimension scale) has
//! its own name. A dataset with no dimension scales (plain HDF5 from h5py) has no names (`dims`
//! is empty; xarray's h5netcdf would call them `phony_dim_N`); an axis without a scale in a
//! `DIMENSION_LIST` is `""`.
//!
//! **Attributes.** [`VariableInfo::attrs`] are the dataset's attributes as [`AttrValue`]s:
//! strings (fixed-length or variable-length, ASCII or UTF-8), integers and floats (as `i64` and
//! `f64`; a one-element array, as netCDF stores a number, is a scalar as netCDF4-python gives
//! it), and arrays of them. The attributes that implement the netCDF data model
//! (`DIMENSION_LIST`, `REFERENCE_LIST`, `CLASS`, `NAME`, `_Netcdf4Dimid`, `_Netcdf4Coordinates`,
//! `_NCProperties`, `_nc3_strict`) are left out, as netCDF4-python and xarray hide them. Other
//! types (compound, references, enums) are [`AttrValue::Other`] naming the type.
//! [`attrs`] reads a group's attributes (`"/"`: the file's global attributes).
//!
//! **Unlimited dimensions.** A variable's shape is its dataset's HDF5 extent. netCDF gives
//! every variable along an unlimited dimension the dimension's current length (the longest
//! variable's), reading the records a variable never had written as its fill value; xarray and
//! netCDF4-python show that length. ndchunk does not pad: a variable written for fewer records
//! than its unlimited dimension has (rare: xarray writes each variable whole) is shorter than
//! in xarray. Compare `info(path, var).shape` with the dimension's coordinate variable
//! (`info(path, "time").shape`) and pad with `ndchunk::pad` if the records beyond are wanted.
//!
//! **Packed data (scale_factor / add_offset / _FillValue).** `from_hdf5` reads the values as
//! stored, like netCDF4-python with `set_auto_maskandscale(False)` or xarray with
//! `mask_and_scale=False`. xarray's default is CF decoding: stored values equal to `_FillValue`
//! or `missing_value` become NaN, then `value * scale_factor + add_offset`. [`from_hdf5_cf`]
//! does that lazily (chunk by chunk, fused into what follows), as `xr.open_dataset(path)[var]`,
//! always into `f64` (xarray gives `f32` for small integers packed with an `f32` scale factor,
//! and for `f32` variables; ndchunk's values are the same numbers in `f64`). `valid_min`,
//! `valid_max`, `valid_range` and `_Unsigned` are not applied (xarray does not mask on the
//! first three either).

use std::collections::BTreeMap;
use std::path::Path;

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenArray, VarLenAscii, VarLenUnicode};

use super::source::{dtype_of, open_dataset};
use crate::array::ChunkedArray;
use crate::element::{DType, Element};
use crate::error::{Error, Hdf5Error, Result};

/// The value of an HDF5 / NetCDF4 attribute.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AttrValue {
    /// An integer (any width, signed or not, that fits in `i64`).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// Integers (an attribute of several, or none).
    Ints(Vec<i64>),
    /// Floating-point numbers.
    Floats(Vec<f64>),
    /// Strings.
    Strs(Vec<String>),
    /// A value of another type (compound, reference, enum, ...; or unreadable), described.
    Other(String),
}

impl AttrValue {
    /// The number, for a numeric scalar (or one-element array).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Int(v) => Some(*v as f64),
            AttrValue::Float(v) => Some(*v),
            AttrValue::Ints(v) if v.len() == 1 => Some(v[0] as f64),
            AttrValue::Floats(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// The numbers, for a numeric scalar or array.
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        match self {
            AttrValue::Int(v) => Some(vec![*v as f64]),
            AttrValue::Float(v) => Some(vec![*v]),
            AttrValue::Ints(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::Floats(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The string, for a string scalar (or one-element array).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            AttrValue::Strs(v) if v.len() == 1 => Some(&v[0]),
            _ => None,
        }
    }
}

/// A JSON attribute (Zarr's `.zattrs` / `attributes`, [`crate::io::zarr::ZarrInfo::attributes`])
/// as an [`AttrValue`], so that [`decode_cf`] applies to Zarr variables too: numbers, strings
/// and arrays of either; anything else (objects, mixed arrays, null, booleans) is `Other` with
/// its JSON text. xarray writes a float `_FillValue` of a Zarr v3 array base64-encoded: that is
/// a string here, so it masks nothing (a NaN fill is NaN anyway).
impl From<&serde_json::Value> for AttrValue {
    fn from(v: &serde_json::Value) -> AttrValue {
        use serde_json::Value as J;
        let num = |x: &J| -> Option<AttrValue> {
            x.as_i64()
                .map(AttrValue::Int)
                .or_else(|| if x.is_number() { x.as_f64().map(AttrValue::Float) } else { None })
        };
        match v {
            J::Number(_) => num(v).unwrap_or_else(|| AttrValue::Other(v.to_string())),
            J::String(s) => AttrValue::Str(s.clone()),
            J::Array(items) if items.iter().all(J::is_string) => {
                AttrValue::Strs(items.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            }
            J::Array(items) if items.iter().all(|x| x.as_i64().is_some()) => {
                AttrValue::Ints(items.iter().filter_map(J::as_i64).collect())
            }
            J::Array(items) if items.iter().all(J::is_number) => {
                AttrValue::Floats(items.iter().filter_map(J::as_f64).collect())
            }
            other => AttrValue::Other(other.to_string()),
        }
    }
}

/// What [`info`] knows about a dataset: a NetCDF4 variable's shape, storage, dimension names
/// and attributes.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VariableInfo {
    /// The dataset's shape (an unlimited axis: its current length).
    pub shape: Vec<usize>,
    /// The chunk shape (`None`: contiguous or compact storage).
    pub chunks: Option<Vec<usize>>,
    /// The element type, when ndchunk reads it (`None`: see `data_type`).
    pub dtype: Option<DType>,
    /// The stored type as hdf5 describes it (`f32`, `i16`, `string (var len)`, ...).
    pub data_type: String,
    /// Dimension names, one per axis (see the [module docs](self)); empty when the dataset
    /// has no dimension scales.
    pub dims: Vec<String>,
    /// Attributes by name (the netCDF-internal ones left out).
    pub attrs: BTreeMap<String, AttrValue>,
}

/// Attributes that implement the netCDF data model, hidden as netCDF4-python and xarray do.
const HIDDEN: [&str; 8] = [
    "DIMENSION_LIST",
    "REFERENCE_LIST",
    "CLASS",
    "NAME",
    "_Netcdf4Dimid",
    "_Netcdf4Coordinates",
    "_NCProperties",
    "_nc3_strict",
];

fn lib(at: &str, e: hdf5::Error) -> Error {
    Error::Hdf5(Hdf5Error::Library(format!("{at}: {e}")))
}

/// Shape, chunks, type, dimension names and attributes of dataset `dataset` of the HDF5 /
/// NetCDF4 file at `path` (metadata only). A missing file, a missing dataset and a group are
/// `Hdf5Error::{FileNotFound, DatasetNotFound, NotADataset}`.
///
/// ```no_run
/// let v = ndchunk::io::hdf5::info("air.nc", "air")?;
/// println!("{:?} {:?} {:?}", v.dims, v.shape, v.attrs.get("units").and_then(|u| u.as_str()));
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn info(path: impl AsRef<Path>, dataset: &str) -> Result<VariableInfo> {
    let path = path.as_ref();
    let ds = open_dataset(path, dataset)?;
    let at = format!("{}:{dataset}", path.display());
    let desc = ds.dtype().and_then(|t| t.to_descriptor()).map_err(|e| lib(&at, e))?;
    Ok(VariableInfo {
        shape: ds.shape(),
        chunks: ds.chunk(),
        dtype: dtype_of(&desc).ok(),
        data_type: desc.to_string(),
        dims: dims(&ds),
        attrs: read_attrs(&ds, &at)?,
    })
}

/// The attributes of the group or dataset `object` of the HDF5 file at `path` (`"/"`: the
/// file's global attributes), the netCDF-internal ones left out.
///
/// ```no_run
/// let global = ndchunk::io::hdf5::attrs("air.nc", "/")?;
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn attrs(path: impl AsRef<Path>, object: &str) -> Result<BTreeMap<String, AttrValue>> {
    let path = path.as_ref();
    let at = format!("{}:{object}", path.display());
    if !path.exists() {
        return Err(Error::Hdf5(Hdf5Error::FileNotFound(path.display().to_string())));
    }
    let file =
        hdf5::File::open(path).map_err(|e| Error::Hdf5(Hdf5Error::NotHdf5(format!("{}: {e}", path.display()))))?;
    if let Ok(g) = file.group(object) {
        return read_attrs(&g, &at);
    }
    let ds = open_dataset(path, object)?;
    read_attrs(&ds, &at)
}

fn read_attrs(loc: &hdf5::Location, at: &str) -> Result<BTreeMap<String, AttrValue>> {
    let mut out = BTreeMap::new();
    for name in loc.attr_names().map_err(|e| lib(at, e))? {
        if HIDDEN.contains(&name.as_str()) {
            continue;
        }
        let value = match loc.attr(&name) {
            Ok(a) => attr_value(&a).unwrap_or_else(|e| AttrValue::Other(format!("unreadable: {e}"))),
            Err(e) => AttrValue::Other(format!("unreadable: {e}")),
        };
        out.insert(name, value);
    }
    Ok(out)
}

/// Scalars for one-element attributes (netCDF stores a number as a one-element array).
fn pick<T, F: Fn(T) -> AttrValue, G: Fn(Vec<T>) -> AttrValue>(v: Vec<T>, one: F, many: G) -> AttrValue {
    if v.len() == 1 {
        one(v.into_iter().next().expect("one element"))
    } else {
        many(v)
    }
}

fn strings(v: Vec<String>) -> AttrValue {
    pick(v, AttrValue::Str, AttrValue::Strs)
}

/// Read fixed-length strings of at most `N` bytes (libhdf5 converts between fixed lengths).
fn fixed_ascii<const N: usize>(a: &hdf5::Attribute) -> hdf5::Result<AttrValue> {
    Ok(strings(a.read_raw::<FixedAscii<N>>()?.iter().map(|s| s.as_str().to_string()).collect()))
}

fn fixed_unicode<const N: usize>(a: &hdf5::Attribute) -> hdf5::Result<AttrValue> {
    Ok(strings(a.read_raw::<FixedUnicode<N>>()?.iter().map(|s| s.as_str().to_string()).collect()))
}

fn attr_value(a: &hdf5::Attribute) -> hdf5::Result<AttrValue> {
    let desc = a.dtype()?.to_descriptor()?;
    Ok(match desc {
        TypeDescriptor::Integer(_) => pick(a.read_raw::<i64>()?, AttrValue::Int, AttrValue::Ints),
        TypeDescriptor::Boolean => {
            pick(a.read_raw::<bool>()?.into_iter().map(i64::from).collect(), AttrValue::Int, AttrValue::Ints)
        }
        TypeDescriptor::Unsigned(_) => {
            let v = a.read_raw::<u64>()?;
            match v.iter().map(|&x| i64::try_from(x)).collect::<std::result::Result<Vec<i64>, _>>() {
                Ok(v) => pick(v, AttrValue::Int, AttrValue::Ints),
                Err(_) => AttrValue::Other(format!("u64 values beyond i64: {v:?}")),
            }
        }
        TypeDescriptor::Float(_) => pick(a.read_raw::<f64>()?, AttrValue::Float, AttrValue::Floats),
        TypeDescriptor::VarLenUnicode => {
            strings(a.read_raw::<VarLenUnicode>()?.iter().map(|s| s.as_str().to_string()).collect())
        }
        TypeDescriptor::VarLenAscii => {
            strings(a.read_raw::<VarLenAscii>()?.iter().map(|s| s.as_str().to_string()).collect())
        }
        TypeDescriptor::FixedAscii(n) if n <= 256 => fixed_ascii::<256>(a)?,
        TypeDescriptor::FixedAscii(n) if n <= 16384 => fixed_ascii::<16384>(a)?,
        TypeDescriptor::FixedUnicode(n) if n <= 256 => fixed_unicode::<256>(a)?,
        TypeDescriptor::FixedUnicode(n) if n <= 16384 => fixed_unicode::<16384>(a)?,
        other => AttrValue::Other(other.to_string()),
    })
}

/// The dimension names of `ds` from its dimension scales (see the module docs).
fn dims(ds: &hdf5::Dataset) -> Vec<String> {
    let base = |name: String| -> String {
        let b = name.rsplit('/').next().unwrap_or("").to_string();
        b.strip_prefix("_nc4_non_coord_").map(str::to_string).unwrap_or(b)
    };
    if let Ok(a) = ds.attr("DIMENSION_LIST") {
        if let Ok(lists) = a.read_raw::<VarLenArray<hdf5::ObjectReference1>>() {
            return lists
                .iter()
                .map(|refs| {
                    refs.iter()
                        .next()
                        .and_then(|r| match ds.dereference(r) {
                            Ok(hdf5::ReferencedObject::Dataset(d)) => Some(base(d.name())),
                            _ => None,
                        })
                        .unwrap_or_default()
                })
                .collect();
        }
    }
    let is_scale =
        ds.attr("CLASS").ok().and_then(|a| attr_value(&a).ok()).is_some_and(|v| v.as_str() == Some("DIMENSION_SCALE"));
    if is_scale && ds.ndim() == 1 {
        return vec![base(ds.name())];
    }
    Vec::new()
}

/// CF decoding as xarray's default (`mask_and_scale=True`) by the variable's attributes `attrs`
/// (from [`info`], or built by hand for other sources): stored values equal to `_FillValue` or `missing_value` become NaN, then `v * scale_factor + add_offset`
/// (each only when the attribute is there). Lazy: one fused elementwise step per block.
///
/// ```no_run
/// use ndchunk::prelude::*;
/// use ndchunk::io::hdf5::{decode_cf, info};
/// let raw = ChunkedArray::<i16>::from_hdf5("air.nc", "air")?;   // packed shorts
/// let air = decode_cf(&raw, &info("air.nc", "air")?.attrs)?;     // f64 kelvin, NaN where missing
/// # Ok::<(), ndchunk::Error>(())
/// ```
///
/// A `scale_factor` or `add_offset` that is not one number is an [`Error::Value`].
pub fn decode_cf<T: Element>(raw: &ChunkedArray<T>, attrs: &BTreeMap<String, AttrValue>) -> Result<ChunkedArray<f64>> {
    let number = |name: &str| -> Result<Option<f64>> {
        match attrs.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| Error::Value(format!("{name} is {v:?}, not one number: cannot decode"))),
        }
    };
    let scale = number("scale_factor")?;
    let offset = number("add_offset")?;
    let mut missing: Vec<f64> = Vec::new();
    for name in ["_FillValue", "missing_value"] {
        if let Some(v) = attrs.get(name).and_then(AttrValue::as_f64s) {
            missing.extend(v.into_iter().filter(|m| !m.is_nan()));
        }
    }
    let x = raw.astype::<f64>();
    if scale.is_none() && offset.is_none() && missing.is_empty() {
        return Ok(x);
    }
    let (s, o) = (scale.unwrap_or(1.0), offset.unwrap_or(0.0));
    let (has_s, has_o) = (scale.is_some(), offset.is_some());
    x.map_blocks(move |b| {
        b.mapv(|v| {
            if missing.contains(&v) {
                return f64::NAN;
            }
            let v = if has_s { v * s } else { v };
            if has_o {
                v + o
            } else {
                v
            }
        })
    })
}

/// Dataset `dataset` of the NetCDF4 / HDF5 file at `path` CF-decoded into `f64`, as
/// `xr.open_dataset(path)[dataset]` (see [`decode_cf`]); any stored numeric type.
///
/// ```no_run
/// let air = ndchunk::io::hdf5::from_hdf5_cf("air.nc", "air")?;
/// let mean = air.nanmean(None)?.compute()?;
/// # Ok::<(), ndchunk::Error>(())
/// ```
pub fn from_hdf5_cf(path: impl AsRef<Path>, dataset: &str) -> Result<ChunkedArray<f64>> {
    let path = path.as_ref();
    let v = info(path, dataset)?;
    match v.dtype {
        Some(DType::F64) => decode_cf(&ChunkedArray::<f64>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::F32) => decode_cf(&ChunkedArray::<f32>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::I8) => decode_cf(&ChunkedArray::<i8>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::I16) => decode_cf(&ChunkedArray::<i16>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::I32) => decode_cf(&ChunkedArray::<i32>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::I64) => decode_cf(&ChunkedArray::<i64>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::U8) => decode_cf(&ChunkedArray::<u8>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::U16) => decode_cf(&ChunkedArray::<u16>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::U32) => decode_cf(&ChunkedArray::<u32>::from_hdf5(path, dataset)?, &v.attrs),
        Some(DType::U64) => decode_cf(&ChunkedArray::<u64>::from_hdf5(path, dataset)?, &v.attrs),
        _ => Err(Error::DType(format!(
            "{}:{dataset} holds {}: CF decoding needs numbers (int8..uint64, float32, float64)",
            path.display(),
            v.data_type
        ))),
    }
}
