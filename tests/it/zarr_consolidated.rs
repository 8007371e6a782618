//! Writes into Zarr groups with consolidated metadata (fixtures/zarr_consolidated, written by
//! zarr-python 3 through fixtures/generate_zarr_consolidated.py) keep it current: new arrays,
//! nested new groups, overwrites, appends; checked against the metadata files on disk, and by
//! zarr-python's `open_consolidated` (fixtures/check_zarr_consolidated.py) when it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{ArrayD, IxDyn};
use ndchunk::io::zarr::serde_json::{self, Value};
use ndchunk::io::zarr::{ZarrFormat, ZarrMode, ZarrOptions};
use ndchunk::prelude::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// A fresh copy of fixtures/zarr_consolidated/`name`.
fn store_copy(name: &str, tag: &str) -> PathBuf {
    let src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zarr_consolidated")).join(name);
    let dst = std::env::temp_dir().join(format!("ndchunk-consolidated-{}-{tag}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dst);
    copy_dir(&src, &dst);
    dst
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The consolidated entries of the root group: relative path → metadata document(s).
fn consolidated(store: &Path, v2: bool) -> serde_json::Map<String, Value> {
    if v2 {
        json(&store.join(".zmetadata"))["metadata"].as_object().unwrap().clone()
    } else {
        json(&store.join("zarr.json"))["consolidated_metadata"]["metadata"].as_object().unwrap().clone()
    }
}

/// Every metadata file below `store` matches its consolidated entry, and every entry its file.
fn assert_current(store: &Path, v2: bool) {
    let meta = consolidated(store, v2);
    let mut on_disk = serde_json::Map::new();
    fn walk(dir: &Path, store: &Path, v2: bool, out: &mut serde_json::Map<String, Value>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, store, v2, out);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let rel = p.parent().unwrap().strip_prefix(store).unwrap().to_string_lossy().into_owned();
            if rel.is_empty() {
                continue; // the root's own documents
            }
            if v2 && [".zarray", ".zattrs", ".zgroup"].contains(&name.as_str()) {
                out.insert(format!("{rel}/{name}"), json(&p));
            } else if !v2 && name == "zarr.json" {
                out.insert(rel, json(&p));
            }
        }
    }
    walk(store, store, v2, &mut on_disk);
    let strip = |m: &serde_json::Map<String, Value>| -> std::collections::BTreeMap<String, Value> {
        // zarr-python adds an empty consolidated_metadata to the group entries it writes
        m.iter()
            .filter(|(k, _)| !k.starts_with('.'))
            .map(|(k, v)| {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("consolidated_metadata");
                }
                (k.clone(), v)
            })
            .collect()
    };
    assert_eq!(strip(&meta), strip(&on_disk), "{}", store.display());
}

fn zarr_python() -> bool {
    Command::new("python3")
        .args(["-c", "import zarr, sys; sys.exit(0 if int(zarr.__version__.split('.')[0]) >= 3 else 1)"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn writes_keep_consolidated_metadata_current() {
    for (name, format) in [("v3.zarr", ZarrFormat::V3), ("v2.zarr", ZarrFormat::V2)] {
        let v2 = format == ZarrFormat::V2;
        let s = store_copy(name, "write");
        let opts = ZarrOptions { format, ..Default::default() };
        let c = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as f64 * 1.5);
        ChunkedArray::from_array(c.clone(), [2]).unwrap().to_zarr(&s, "c", &opts).unwrap();
        let d = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (i[0] * 3 + i[1]) as f64);
        ChunkedArray::from_array(d.clone(), [1, 3]).unwrap().to_zarr(&s, "sub/new/d", &opts).unwrap();
        let a = ArrayD::from_shape_fn(IxDyn(&[6]), |i| i[0] as i16 - 3);
        let over = ZarrOptions { mode: ZarrMode::Overwrite, ..opts.clone() };
        ChunkedArray::from_array(a.clone(), [4]).unwrap().to_zarr(&s, "a", &over).unwrap();
        let app = ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 });
        ChunkedArray::from_array(ndarray::arr1(&[13i32, 14]).into_dyn(), [2])
            .unwrap()
            .to_zarr(&s, "sub/b", &app)
            .unwrap();
        let rows = std::iter::once(1..3).collect();
        let region = ZarrOptions::default().with_mode(ZarrMode::Region(rows));
        ChunkedArray::from_array(ndarray::arr1(&[-1.0, -2.0]).into_dyn(), [2])
            .unwrap()
            .to_zarr(&s, "c", &region)
            .unwrap();
        assert_current(&s, v2);
        let meta = consolidated(&s, v2);
        let shape = |k: &str| meta[&if v2 { format!("{k}/.zarray") } else { k.to_string() }]["shape"].clone();
        assert_eq!(shape("a"), serde_json::json!([6]));
        assert_eq!(shape("sub/b"), serde_json::json!([5]));
        assert_eq!(shape("c"), serde_json::json!([5]));
        assert_eq!(shape("sub/new/d"), serde_json::json!([2, 3]));
        assert!(meta.contains_key(if v2 { "sub/new/.zgroup" } else { "sub/new" }), "{meta:?}");
        // what ndchunk reads
        let mut c2 = c.clone();
        c2[1] = -1.0;
        c2[2] = -2.0;
        assert_eq!(ChunkedArray::<f64>::from_zarr(&s, "c").unwrap().compute().unwrap(), c2);
        assert_eq!(ChunkedArray::<i16>::from_zarr(&s, "a").unwrap().compute().unwrap(), a);
        let b = ChunkedArray::<i32>::from_zarr(&s, "sub/b").unwrap().compute().unwrap();
        assert_eq!(b, ndarray::arr1(&[10, 11, 12, 13, 14]).into_dyn());
        // what zarr-python finds through the consolidated metadata alone
        if zarr_python() {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/check_zarr_consolidated.py");
            let out = Command::new("python3").arg(script).arg(&s).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let lines: Vec<Value> =
                String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            let paths: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
            assert_eq!(paths, ["a", "c", "sub/b", "sub/new/d"], "{name}");
            assert_eq!(lines[0]["dtype"], "int16");
            assert_eq!(lines[0]["data"], serde_json::json!(a.iter().map(|&v| v as f64).collect::<Vec<_>>()));
            assert_eq!(lines[1]["data"], serde_json::json!(c2.iter().copied().collect::<Vec<_>>()));
            assert_eq!(lines[2]["data"], serde_json::json!([10.0, 11.0, 12.0, 13.0, 14.0]));
            assert_eq!(lines[2]["attributes"]["u"], 1);
            assert_eq!(lines[3]["shape"], serde_json::json!([2, 3]));
        } else {
            println!("SKIPPED zarr-python half of writes_keep_consolidated_metadata_current: pip install zarr");
        }
        std::fs::remove_dir_all(s.parent().unwrap()).unwrap();
    }
}

#[test]
fn an_overwritten_group_leaves_no_stale_entries_and_failures_change_nothing() {
    for (name, format) in [("v3.zarr", ZarrFormat::V3), ("v2.zarr", ZarrFormat::V2)] {
        let v2 = format == ZarrFormat::V2;
        let s = store_copy(name, "stale");
        let doc = if v2 { s.join(".zmetadata") } else { s.join("zarr.json") };
        // a write that fails (the array exists) leaves the document as it was
        let before = std::fs::read(&doc).unwrap();
        let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0]).into_dyn(), [2]).unwrap();
        let opts = ZarrOptions { format, ..Default::default() };
        assert!(x.to_zarr(&s, "a", &opts).is_err());
        assert_eq!(std::fs::read(&doc).unwrap(), before);
        // the group `sub` (holding `b`) replaced by an array: `sub/b` leaves the document
        x.to_zarr(&s, "sub", ZarrOptions { mode: ZarrMode::Overwrite, ..opts }).unwrap();
        assert_current(&s, v2);
        let meta = consolidated(&s, v2);
        assert!(meta.keys().all(|k| !k.starts_with("sub/b")), "{meta:?}");
        assert!(meta.contains_key(if v2 { "sub/.zarray" } else { "sub" }));
        std::fs::remove_dir_all(s.parent().unwrap()).unwrap();
    }
    // a store without consolidated metadata gets none
    let plain = std::env::temp_dir().join(format!("ndchunk-consolidated-{}-plain", std::process::id()));
    let _ = std::fs::remove_dir_all(&plain);
    let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0]).into_dyn(), [2]).unwrap();
    x.to_zarr(&plain, "g/x", ZarrOptions::default()).unwrap();
    x.to_zarr(&plain, "g/y", ZarrOptions { format: ZarrFormat::V2, ..Default::default() }).unwrap();
    assert!(!plain.join(".zmetadata").exists() && !plain.join("g/.zmetadata").exists());
    assert!(json(&plain.join("g/zarr.json")).get("consolidated_metadata").is_none());
    std::fs::remove_dir_all(&plain).unwrap();
}
