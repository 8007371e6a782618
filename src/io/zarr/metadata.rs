//! The metadata document of a new array, written as Zarr v3 `zarr.json` or v2 `.zarray` JSON and
//! handed to zarrs to parse (so zarrs validates it), from [`ZarrOptions`]; and the metadata
//! files themselves, which ndchunk writes (not zarrs: zarrs writes a codec without
//! configuration as a bare string, `"crc32c"`, which zarr-python 3.1 does not read), each
//! atomically (a temporary file renamed over the old one).

use std::path::Path;

use serde_json::{json, Map, Value};
use zarrs::array::ArrayMetadata;

use super::options::{BloscCname, BloscShuffle, Compressor, ZarrFormat, ZarrOptions};
use crate::element::DType;
use crate::error::{Error, Result, ZarrError};

/// The Zarr v3 data type name of `d`.
fn v3_name(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I8 => "int8",
        DType::I16 => "int16",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::U8 => "uint8",
        DType::U16 => "uint16",
        DType::U32 => "uint32",
        DType::U64 => "uint64",
        DType::F32 => "float32",
        DType::F64 => "float64",
        DType::C64 => "complex64",
        DType::C128 => "complex128",
    }
}

/// The NumPy type string of `d` (Zarr v2 `dtype`).
fn v2_name(d: DType, big_endian: bool) -> String {
    let (kind, size) = match d {
        DType::Bool => ("b", 1),
        DType::I8 => ("i", 1),
        DType::I16 => ("i", 2),
        DType::I32 => ("i", 4),
        DType::I64 => ("i", 8),
        DType::U8 => ("u", 1),
        DType::U16 => ("u", 2),
        DType::U32 => ("u", 4),
        DType::U64 => ("u", 8),
        DType::F32 => ("f", 4),
        DType::F64 => ("f", 8),
        DType::C64 => ("c", 8),
        DType::C128 => ("c", 16),
    };
    let order = if size == 1 {
        "|"
    } else if big_endian {
        ">"
    } else {
        "<"
    };
    format!("{order}{kind}{size}")
}

/// The fill value as Zarr metadata writes it: a number, `"NaN"`/`"Infinity"`/`"-Infinity"`,
/// or a bool. An integer fill must be a whole number within the type.
fn fill_json(d: DType, v: f64) -> Result<Value> {
    let bad = || Error::Value(format!("fill value {v} is not a value of {d}"));
    Ok(match d {
        DType::Bool => json!(v != 0.0),
        DType::F32 | DType::F64 => {
            if v.is_nan() {
                json!("NaN")
            } else if v == f64::INFINITY {
                json!("Infinity")
            } else if v == f64::NEG_INFINITY {
                json!("-Infinity")
            } else if d == DType::F32 {
                // the f32 the array will hold, written as the shortest f64 that names it
                json!(f64::from(v as f32))
            } else {
                json!(v)
            }
        }
        _ => {
            let (lo, hi) = match d {
                DType::I8 => (i8::MIN as f64, i8::MAX as f64),
                DType::I16 => (i16::MIN as f64, i16::MAX as f64),
                DType::I32 => (i32::MIN as f64, i32::MAX as f64),
                DType::I64 => (i64::MIN as f64, i64::MAX as f64),
                DType::U8 => (0.0, u8::MAX as f64),
                DType::U16 => (0.0, u16::MAX as f64),
                DType::U32 => (0.0, u32::MAX as f64),
                _ => (0.0, u64::MAX as f64),
            };
            if v.fract() != 0.0 || !(lo..=hi).contains(&v) {
                return Err(bad());
            }
            // within range and whole: the cast is exact up to 2^53, and rounds as f64 does above
            if lo < 0.0 {
                json!(v as i64)
            } else {
                json!(v as u64)
            }
        }
    })
}

fn blosc_cname(c: BloscCname) -> &'static str {
    match c {
        BloscCname::Lz4 => "lz4",
        BloscCname::Lz4hc => "lz4hc",
        BloscCname::Blosclz => "blosclz",
        BloscCname::Zstd => "zstd",
        BloscCname::Zlib => "zlib",
    }
}

/// The Zarr v3 codecs that encode the bytes of a chunk (`bytes`, the compressor, `crc32c`).
fn v3_inner_codecs(d: DType, opts: &ZarrOptions) -> Vec<Value> {
    let mut codecs = vec![if d.itemsize() == 1 {
        json!({"name": "bytes"})
    } else {
        json!({"name": "bytes", "configuration": {"endian": if opts.big_endian { "big" } else { "little" }}})
    }];
    match opts.compressor {
        Compressor::None => {}
        Compressor::Zstd { level } => codecs.push(json!({"name": "zstd", "configuration": {"level": level, "checksum": false}})),
        Compressor::Gzip { level } => codecs.push(json!({"name": "gzip", "configuration": {"level": level}})),
        Compressor::Blosc { cname, clevel, shuffle } => codecs.push(json!({"name": "blosc", "configuration": {
            "cname": blosc_cname(cname),
            "clevel": clevel,
            "shuffle": match shuffle { BloscShuffle::NoShuffle => "noshuffle", BloscShuffle::Shuffle => "shuffle", BloscShuffle::BitShuffle => "bitshuffle" },
            "typesize": d.itemsize(),
            "blocksize": 0,
        }})),
    }
    if opts.checksum {
        codecs.push(json!({"name": "crc32c"}));
    }
    codecs
}

/// The metadata files of an array: `zarr.json`, or `.zarray` and `.zattrs` (see [`create_array`](super::store::create_array)).
#[derive(Clone, Debug)]
pub struct MetadataFiles(Vec<(&'static str, Value)>);

impl MetadataFiles {
    /// Split a v2 document (with `attributes`) into `.zarray` and `.zattrs`.
    fn v2(mut doc: Value) -> Self {
        let attrs = doc.as_object_mut().and_then(|m| m.remove("attributes")).unwrap_or_else(|| json!({}));
        MetadataFiles(vec![(".zarray", doc), (".zattrs", attrs)])
    }

    /// Read the files of the array in `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Self> {
        let load = |f: &str| -> Result<Option<Value>> {
            match std::fs::read_to_string(dir.join(f)) {
                Ok(t) => serde_json::from_str(&t)
                    .map(Some)
                    .map_err(|e| Error::Zarr(ZarrError::Metadata(format!("{}: {e}", dir.join(f).display())))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::Zarr(ZarrError::Storage(format!("{}: {e}", dir.join(f).display())))),
            }
        };
        if let Some(v3) = load("zarr.json")? {
            return Ok(MetadataFiles(vec![("zarr.json", v3)]));
        }
        match load(".zarray")? {
            Some(z) => {
                Ok(MetadataFiles(vec![(".zarray", z), (".zattrs", load(".zattrs")?.unwrap_or_else(|| json!({})))]))
            }
            None => Err(Error::Zarr(ZarrError::NotFound(format!("{}: no array metadata", dir.display())))),
        }
    }

    /// Set the shape and merge `attributes` into the user attributes.
    pub(crate) fn update(&mut self, shape: &[usize], attributes: &Map<String, Value>) {
        for (name, doc) in &mut self.0 {
            match *name {
                "zarr.json" => {
                    doc["shape"] = json!(shape);
                    if !attributes.is_empty() {
                        if !doc["attributes"].is_object() {
                            doc["attributes"] = json!({});
                        }
                        if let Some(m) = doc["attributes"].as_object_mut() {
                            m.extend(attributes.clone());
                        }
                    }
                }
                ".zarray" => doc["shape"] = json!(shape),
                _ => {
                    if let Some(m) = doc.as_object_mut() {
                        m.extend(attributes.clone());
                    }
                }
            }
        }
    }

    /// Write the files into `dir`, each through a temporary file renamed over the old one.
    pub fn write(&self, dir: &Path) -> Result<()> {
        for (name, doc) in &self.0 {
            let path = dir.join(name);
            let tmp = dir.join(format!(".{name}.ndchunk-tmp-{}", std::process::id()));
            let text = serde_json::to_string_pretty(doc).map_err(|e| Error::Value(e.to_string()))?;
            let io = |e: std::io::Error| Error::Zarr(ZarrError::Storage(format!("{}: {e}", path.display())));
            std::fs::write(&tmp, text).map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                io(e)
            })?;
        }
        Ok(())
    }
}

/// The metadata of a new array of `shape` in stored chunks `chunks`, as `opts` asks: as zarrs
/// parsed it, and as the files to write.
pub(crate) fn build(
    d: DType,
    shape: &[usize],
    chunks: &[usize],
    opts: &ZarrOptions,
) -> Result<(ArrayMetadata, MetadataFiles)> {
    let nd = shape.len();
    let fill = fill_json(d, opts.fill_value.unwrap_or(0.0))?;
    let mut attributes: Map<String, Value> = opts.attributes.clone();
    if let Some(names) = &opts.dimension_names {
        if names.len() != nd {
            return Err(Error::Value(format!("{} dimension names for an array of {nd} dimensions", names.len())));
        }
    }
    let meta = match opts.format {
        ZarrFormat::V3 => {
            let mut codecs = Vec::new();
            if let Some(order) = &opts.order {
                let mut sorted = order.clone();
                sorted.sort_unstable();
                if sorted != (0..nd).collect::<Vec<_>>() {
                    return Err(Error::Value(format!("transpose order {order:?} is not a permutation of 0..{nd}")));
                }
                codecs.push(json!({"name": "transpose", "configuration": {"order": order}}));
            }
            let inner = v3_inner_codecs(d, opts);
            match &opts.subchunks {
                Some(sub) => {
                    if sub.len() != nd || sub.contains(&0) || sub.iter().zip(chunks).any(|(s, c)| c % s != 0) {
                        return Err(Error::Chunks(format!(
                            "inner chunk shape {sub:?} must divide the shard shape {chunks:?} on every axis"
                        )));
                    }
                    codecs.push(json!({"name": "sharding_indexed", "configuration": {
                        "chunk_shape": sub,
                        "codecs": inner,
                        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
                        "index_location": "end",
                    }}));
                }
                None => codecs.extend(inner),
            }
            let mut m = json!({
                "zarr_format": 3,
                "node_type": "array",
                "shape": shape,
                "data_type": v3_name(d),
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
                "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                "fill_value": fill,
                "codecs": codecs,
                "attributes": attributes,
            });
            if let Some(names) = &opts.dimension_names {
                m["dimension_names"] = json!(names);
            }
            m
        }
        ZarrFormat::V2 => {
            let v3_only = [
                (opts.order.is_some(), "a transpose order"),
                (opts.subchunks.is_some(), "sharding"),
                (opts.checksum, "the crc32c checksum"),
            ];
            if let Some((_, what)) = v3_only.iter().find(|(set, _)| *set) {
                return Err(Error::Value(format!("{what} needs Zarr v3 (ZarrFormat::V3)")));
            }
            let compressor = match opts.compressor {
                Compressor::None => Value::Null,
                Compressor::Zstd { level } => json!({"id": "zstd", "level": level}),
                Compressor::Gzip { level } => json!({"id": "gzip", "level": level}),
                Compressor::Blosc { cname, clevel, shuffle } => json!({
                    "id": "blosc",
                    "cname": blosc_cname(cname),
                    "clevel": clevel,
                    "shuffle": match shuffle { BloscShuffle::NoShuffle => 0, BloscShuffle::Shuffle => 1, BloscShuffle::BitShuffle => 2 },
                    "blocksize": 0,
                }),
            };
            if let Some(names) = &opts.dimension_names {
                // xarray's convention for dimension names in Zarr v2
                attributes.insert("_ARRAY_DIMENSIONS".into(), json!(names));
            }
            json!({
                "zarr_format": 2,
                "shape": shape,
                "chunks": chunks,
                "dtype": v2_name(d, opts.big_endian),
                "compressor": compressor,
                "fill_value": fill,
                "order": "C",
                "filters": null,
                "dimension_separator": ".",
                "attributes": attributes,
            })
        }
    };
    let text = meta.to_string();
    let parsed = match opts.format {
        ZarrFormat::V3 => serde_json::from_str(&text).map(ArrayMetadata::V3),
        ZarrFormat::V2 => serde_json::from_str(&text).map(ArrayMetadata::V2),
    };
    let parsed =
        parsed.map_err(|e| Error::Value(format!("these options do not make valid Zarr metadata: {e}: {text}")))?;
    let files = match opts.format {
        ZarrFormat::V3 => MetadataFiles(vec![("zarr.json", meta)]),
        ZarrFormat::V2 => MetadataFiles::v2(meta),
    };
    Ok((parsed, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_values_are_checked_against_the_type() {
        assert_eq!(fill_json(DType::F64, f64::NAN).unwrap(), json!("NaN"));
        assert_eq!(fill_json(DType::F32, f64::NEG_INFINITY).unwrap(), json!("-Infinity"));
        assert_eq!(fill_json(DType::I8, -128.0).unwrap(), json!(-128));
        assert_eq!(fill_json(DType::U64, 7.0).unwrap(), json!(7));
        assert_eq!(fill_json(DType::Bool, 1.0).unwrap(), json!(true));
        for (d, v) in [(DType::I8, 128.0), (DType::U8, -1.0), (DType::I32, 0.5), (DType::U16, f64::NAN)] {
            assert!(matches!(fill_json(d, v), Err(Error::Value(_))), "{d} {v}");
        }
    }

    #[test]
    fn v2_type_strings() {
        assert_eq!(v2_name(DType::F64, false), "<f8");
        assert_eq!(v2_name(DType::I16, true), ">i2");
        assert_eq!(v2_name(DType::Bool, true), "|b1");
    }
}
