//! Walkthrough: an xarray dataset, stored as Zarr and as NetCDF4, read by ndchunk, rechunked
//! for time series, and written back to Zarr in one pass.
//!
//! The inputs are the committed fixtures `fixtures/netcdf/xarray.zarr` (written by
//! `ds.to_zarr(.., consolidated=True)`) and `fixtures/netcdf/xarray.nc` (`ds.to_netcdf(..)`, zlib,
//! an unlimited time axis, a packed int16 variable): see `fixtures/generate_netcdf.py`. No
//! Python is needed to run this.
//! 1. dimension names and attributes of each variable (`io::zarr::info`, `io::hdf5::info`);
//! 2. the packed variable decoded as `xr.open_dataset` does (`_FillValue` → NaN, then
//!    `scale_factor` / `add_offset`), from both files;
//! 3. `temp` rechunked from (2, 4, 6) blocks into whole time series per (lat, lon) point, its
//!    time mean, the decoded `packed` and the coordinates, written to a new Zarr store with the
//!    dimension names and attributes xarray needs (`open_zarr` finds them), all in one pass
//!    (`ndchunk::store_targets`);
//! 4. the copy read back and checked.
//!
//! Output: `target/example-out/xarray_rechunk.zarr` (or `$NDCHUNK_OUT/xarray_rechunk.zarr`).

use std::path::PathBuf;

use ndchunk::io::hdf5::{decode_cf, from_hdf5_cf, AttrValue};
use ndchunk::io::zarr::serde_json::{json, Map, Value};
use ndchunk::io::zarr::{ZarrMode, ZarrOptions};
use ndchunk::prelude::*;
use ndchunk::{store_targets, StoreTarget};

fn main() -> Result<()> {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/netcdf");
    let (zarr, nc) = (fixtures.join("xarray.zarr"), fixtures.join("xarray.nc"));

    // 1. what the variables are
    for var in ["temp", "packed", "lat"] {
        let z = ndchunk::io::zarr::info(&zarr, var)?;
        let h = ndchunk::io::hdf5::info(&nc, var)?;
        println!("{var}: Zarr dims {:?} shape {:?} chunks {:?} {}", z.dimension_names, z.shape, z.chunks, z.data_type);
        println!("{var}: NetCDF dims {:?} shape {:?} chunks {:?} {}", h.dims, h.shape, h.chunks, h.data_type);
        println!("{var}: attributes {:?}", h.attrs);
    }
    let global = ndchunk::io::hdf5::attrs(&nc, "/")?;
    println!("global attributes: {global:?}");

    // 2. the packed variable, decoded as xarray decodes it, from either file
    let from_nc = from_hdf5_cf(&nc, "packed")?;
    let zinfo = ndchunk::io::zarr::info(&zarr, "packed")?;
    let zattrs = zinfo.attributes.iter().map(|(k, v)| (k.clone(), AttrValue::from(v))).collect();
    let from_zarr = decode_cf(&ChunkedArray::<i16>::from_zarr(&zarr, "packed")?, &zattrs)?;
    let (a, b) = ndchunk::compute((&from_nc, &from_zarr))?;
    let same = a.iter().zip(b.iter()).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
    println!(
        "packed (K), decoded: NetCDF and Zarr agree: {same}; first row {:?}",
        a.slice(ndarray::s![0, ..]).to_vec()
    );
    assert!(same, "the two files hold the same dataset");

    // 3. whole time series per point; one pass writes six arrays
    let temp = ChunkedArray::<f32>::from_zarr(&zarr, "temp")?;
    let series = temp.rechunk(vec![ndchunk::WHOLE, 2, 3])?;
    let mean = series.astype::<f64>().nanmean(Some(0))?;
    let out = PathBuf::from(std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "target/example-out".into()))
        .join("xarray_rechunk.zarr");
    let tinfo = ndchunk::io::zarr::info(&zarr, "temp")?;
    let attrs_of = |m: &Map<String, Value>| -> Map<String, Value> {
        // xarray's own encoding keys (its base64 `_FillValue`) stay behind: the fill value is in the metadata
        m.iter().filter(|(k, _)| !k.starts_with('_')).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let opts = |dims: &[&str], attrs: Map<String, Value>, fill: f64| ZarrOptions {
        mode: ZarrMode::Overwrite,
        dimension_names: Some(dims.iter().map(|d| d.to_string()).collect()),
        attributes: attrs,
        fill_value: Some(fill),
        ..Default::default()
    };
    // the coordinates come along (three more element types: one pass writes them all)
    let lat = ChunkedArray::<f32>::from_zarr(&zarr, "lat")?;
    let lon = ChunkedArray::<f64>::from_zarr(&zarr, "lon")?;
    let time = ChunkedArray::<i64>::from_zarr(&zarr, "time")?;
    let coord = |name: &str| -> Result<ZarrOptions> {
        let attrs = attrs_of(&ndchunk::io::zarr::info(&zarr, name)?.attributes);
        Ok(ZarrOptions { fill_value: None, ..opts(&[name], attrs, 0.0) })
    };
    store_targets(&[
        (&lat, StoreTarget::zarr(&out, "lat", coord("lat")?)),
        (&lon, StoreTarget::zarr(&out, "lon", coord("lon")?)),
        (&time, StoreTarget::zarr(&out, "time", coord("time")?)),
        (
            &series,
            StoreTarget::zarr(&out, "temp", opts(&["time", "lat", "lon"], attrs_of(&tinfo.attributes), f64::NAN)),
        ),
        (&mean, StoreTarget::zarr(&out, "temp_mean", opts(&["lat", "lon"], attrs_of(&tinfo.attributes), f64::NAN))),
        (
            &from_nc,
            StoreTarget::zarr(
                &out,
                "packed",
                opts(&["time", "lat"], json!({"units": "K"}).as_object().unwrap().clone(), f64::NAN),
            ),
        ),
    ])?;
    println!("wrote {}", out.display());

    // 4. read the copy back
    let back = ndchunk::io::zarr::info(&out, "temp")?;
    println!("copy: temp chunks {:?} (was {:?}), dims {:?}", back.chunks, tinfo.chunks, back.dimension_names);
    let t = ChunkedArray::<f32>::from_zarr(&out, "temp")?;
    let (orig, copy) = ndchunk::compute((&temp, &t))?;
    let equal = orig.iter().zip(copy.iter()).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
    println!("copy equals the original: {equal}");
    assert!(equal);
    let m = ChunkedArray::<f64>::from_zarr(&out, "temp_mean")?.compute()?;
    println!("time mean of temp at (0, 0): {:.4}", m[[0, 0]]);
    Ok(())
}
