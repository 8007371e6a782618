//! `make compare` rows for Zarr (issue 18); the dask side is bench/dask_zarr.py.
//!
//! - `testdata.to_zarr_blosc`: the 3000² f64 testdata (HDF5, 300-row chunks) written to a new
//!   Zarr v3 store, blosc (lz4, level 5, shuffle), chunks = the blocks; vs `da.to_zarr`.
//! - `zarr7GB.sum`: sum of the 7.2 GB realdata as a Zarr array (zstd, 300×30000 chunks), built
//!   once from `data/realdata.hdf5` (which `--big` runs create); vs `da.from_zarr(..).sum()`.
//!   Without that file the row reports NaN at once (it never writes 7.2 GB unasked).
//! - `realdata.rows_to_cols_zarr_1GB` (`--big` only, as every `realdata` row): the 7.2 GB file's
//!   row blocks rechunked to 30000×300 column blocks into a Zarr store under a 1 GB budget
//!   (`rechunk_out_of_core` through a temporary store); the result is the sum read back.

use std::path::Path;

use ndchunk::io::zarr::{Compressor, ZarrMode, ZarrOptions};
use ndchunk::prelude::*;
use ndchunk::Config;

use super::{best, ensure_testdata};

/// The rows this module runs.
pub const ROWS: &[&str] = &["testdata.to_zarr_blosc", "zarr7GB.sum", "realdata.rows_to_cols_zarr_1GB"];

pub fn run(op: &str, data: &Path) -> (f64, f64) {
    match op {
        "testdata.to_zarr_blosc" => {
            let p = ensure_testdata(data, "testdata.hdf5", 3000, 300);
            let x = ChunkedArray::<f64>::from_hdf5(&p, "/data").unwrap();
            let out = data.join("testdata_blosc.zarr");
            let opts = ZarrOptions { compressor: Compressor::blosc(), mode: ZarrMode::Overwrite, ..Default::default() };
            let r = best(5, || {
                x.to_zarr(&out, "data", &opts).unwrap();
                0.0
            });
            let total = ChunkedArray::<f64>::from_zarr(&out, "data").unwrap().sum(None).unwrap().item().unwrap();
            let _ = std::fs::remove_dir_all(&out);
            (r.0, total)
        }
        "zarr7GB.sum" => {
            let store = data.join("realdata_zstd.zarr");
            if !store.join("data/zarr.json").exists() {
                let src = data.join("realdata.hdf5");
                if !src.exists() {
                    eprintln!("zarr7GB.sum: no {} (run with --big once): skipped", src.display());
                    return (f64::NAN, f64::NAN);
                }
                let x = ChunkedArray::<f64>::from_hdf5(&src, "/data").unwrap();
                let opts = ZarrOptions { chunks: Some(vec![300, 30000]), ..Default::default() };
                x.to_zarr(&store, "data", &opts).unwrap();
            }
            let x = ChunkedArray::<f64>::from_zarr(&store, "data").unwrap();
            best(2, || x.sum(None).unwrap().item().unwrap())
        }
        _ => {
            let budget = 1 << 30;
            Config::set_global(Config::global().with_memory_cap(budget));
            let p = ensure_testdata(data, "realdata.hdf5", 30000, 300);
            let out = data.join("realdata_cols.zarr");
            let x = ChunkedArray::<f64>::from_hdf5(&p, "/data").unwrap();
            let r = best(1, || {
                let _ = std::fs::remove_dir_all(&out);
                let y = x.rechunk_out_of_core([30000, 300], budget, Some(data)).unwrap();
                let opts = ZarrOptions { compressor: Compressor::None, ..Default::default() };
                y.to_zarr(&out, "", &opts).unwrap();
                0.0
            });
            let total = ChunkedArray::<f64>::from_zarr(&out, "").unwrap().sum(None).unwrap().item().unwrap();
            let _ = std::fs::remove_dir_all(&out);
            (r.0, total)
        }
    }
}
