//! Keeping consolidated metadata current after a write.
//!
//! zarr-python and xarray (`open_zarr(consolidated=True)`, the default when present) find a
//! group's members and their metadata in one document instead of listing the store: `.zmetadata`
//! beside a Zarr v2 group's `.zgroup` (`{"metadata": {"a/.zarray": .., "a/.zattrs": ..},
//! "zarr_consolidated_format": 1}`), or `consolidated_metadata.metadata` in a Zarr v3 group's
//! `zarr.json` (`{"a": <a's zarr.json>, "sub": .., "sub/b": ..}`, keys relative to the group).
//! An array written without updating it would be invisible to those readers (or, after an
//! append or overwrite, described with its old shape). So after each new array, overwrite or
//! append, every group from the store root down to the array's parent that holds consolidated
//! metadata gets the array's entries replaced by its metadata files as written (and entries for
//! groups ndchunk created on the way); entries below a replaced node (the old children of what
//! an overwrite replaced) are removed. The document is rewritten through a temporary file
//! renamed over it. Region writes change no metadata and leave it alone.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result, ZarrError};

fn bad(at: &Path, what: impl std::fmt::Display) -> Error {
    Error::Zarr(ZarrError::Metadata(format!("{}: {what}", at.display())))
}

fn read_json(path: &Path) -> Result<Option<Value>> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map(Some).map_err(|e| bad(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Zarr(ZarrError::Storage(format!("{}: {e}", path.display())))),
    }
}

/// Write `value` to `path` through a temporary file renamed over it.
fn write_json(path: &Path, value: &Value) -> Result<()> {
    let io = |e: std::io::Error| Error::Zarr(ZarrError::Storage(format!("{}: {e}", path.display())));
    let tmp = crate::io::temp_path(path, "meta");
    let text = serde_json::to_string_pretty(value).map_err(|e| bad(path, e))?;
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// `/`-joined path of `p` below `base`.
fn relative(p: &Path, base: &Path) -> String {
    let rel = p.strip_prefix(base).unwrap_or(p);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// Remove `rel` and every entry below it from a v3 map (`key == rel` or `rel/...`), or v2 keys
/// below `rel/` (its `.zarray`/`.zattrs`/`.zgroup` and its children's).
fn remove_below(meta: &mut Map<String, Value>, rel: &str) {
    let prefix = format!("{rel}/");
    meta.retain(|k, _| k != rel && !k.starts_with(&prefix));
}

/// Update the consolidated metadata of every group from `root` down to `node`'s parent after
/// `node` (an array directory inside the store at `root`) was written.
pub(crate) fn update(root: &Path, node: &Path) -> Result<()> {
    let groups: Vec<&Path> = node.ancestors().skip(1).take_while(|p| p.starts_with(root)).collect();
    for g in groups {
        let rel = relative(node, g);
        // the groups between g and node (exclusive), top down
        let mut between: Vec<&Path> = node.ancestors().skip(1).take_while(|p| *p != g).collect();
        between.reverse();
        let zmeta = g.join(".zmetadata");
        if let Some(mut doc) = read_json(&zmeta)? {
            let meta = doc
                .get_mut("metadata")
                .and_then(Value::as_object_mut)
                .ok_or_else(|| bad(&zmeta, "no \"metadata\" object"))?;
            for d in &between {
                let r = relative(d, g);
                for f in [".zgroup", ".zattrs"] {
                    let key = format!("{r}/{f}");
                    if !meta.contains_key(&key) {
                        if let Some(v) = read_json(&d.join(f))? {
                            meta.insert(key, v);
                        }
                    }
                }
            }
            remove_below(meta, &rel);
            for f in [".zarray", ".zattrs", ".zgroup"] {
                if let Some(v) = read_json(&node.join(f))? {
                    meta.insert(format!("{rel}/{f}"), v);
                }
            }
            write_json(&zmeta, &doc)?;
        }
        let zjson = g.join("zarr.json");
        if let Some(mut doc) = read_json(&zjson)? {
            let Some(meta) = doc
                .get_mut("consolidated_metadata")
                .and_then(Value::as_object_mut)
                .and_then(|c| c.get_mut("metadata"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for d in &between {
                let r = relative(d, g);
                if !meta.contains_key(&r) {
                    if let Some(v) = read_json(&d.join("zarr.json"))? {
                        meta.insert(r, v);
                    }
                }
            }
            remove_below(meta, &rel);
            if let Some(v) = read_json(&node.join("zarr.json"))? {
                meta.insert(rel, v);
            }
            write_json(&zjson, &doc)?;
        }
    }
    Ok(())
}
