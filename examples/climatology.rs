//! Walkthrough: a climatology of a daily temperature field, as a dask user writes it.
//!
//! Ten years of daily (time, y, x) temperatures in one-month time blocks:
//! 1. monthly means (a reshape of time into (year, month, day) and a mean over days);
//! 2. the climatology (the mean of each calendar month over the years) and the anomalies
//!    (monthly means minus their month's climatology, broadcast over the years);
//! 3. the 90th percentile of the daily values along time at every point, exact (dask's
//!    `da.percentile` is approximate and works on 1-d arrays only);
//! 4. a smoothed anomaly field: a 3×3 mean filter through `map_overlap` (reflect boundary,
//!    as `scipy.ndimage.uniform_filter`);
//! 5. all three computed in one pass over the daily data (`ndchunk::compute` of a tuple) and
//!    written out to HDF5.
//!
//! Days are 30 per month and 360 per year (a model calendar), so the reshape is exact.

use ndarray::{Array2, ArrayD, ArrayViewD, Ix2};
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::{Boundary, QuantileMethod};

/// 3×3 mean of a 2-d block (the edges of the block are halo, trimmed afterwards).
fn box3(b: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let b = b.into_dimensionality::<Ix2>().expect("2-d field");
    let (h, w) = b.dim();
    let mut out = Array2::<f64>::zeros((h, w));
    for i in 1..h.saturating_sub(1) {
        for j in 1..w.saturating_sub(1) {
            let mut s = 0.0;
            for di in 0..3 {
                for dj in 0..3 {
                    s += b[[i + di - 1, j + dj - 1]];
                }
            }
            out[[i, j]] = s / 9.0;
        }
    }
    out.into_dyn()
}

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let (years, ny, nx) = if small { (3, 24, 32) } else { (10, 180, 360) };
    let days = years * 360;
    let out_dir = std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "target/example-out".into());
    std::fs::create_dir_all(&out_dir)?;

    // synthetic daily temperatures: a seasonal cycle, a north-south gradient, noise
    let g = Generator::new(2026);
    let t = ndchunk::arange::<f64>(0.0, days as f64, 1.0, [30])?.reshape(&[days, 1, 1])?;
    let season = (&t * (2.0 * std::f64::consts::PI / 360.0)).sin() * 8.0;
    let lat = ndchunk::linspace::<f64>(25.0, -5.0, ny, [ny])?.reshape(&[1, ny, 1])?;
    // one month per block in time, the field cut in 3 × 4 tiles (the percentile along time
    // joins the months of one tile: 3600 × 60 × 90 values at full size)
    let noise = g.normal(0.0, 2.0, &[days, ny, nx], [30, ny / 3, nx / 4])?;
    let temp = season.add(&lat)?.add(&noise)?;
    println!("daily temperatures: {temp}\n");

    // 1. monthly means: (years, 12, 30, y, x) → mean over the 30 days
    let monthly = temp.reshape(&[years, 12, 30, ny, nx])?.mean(2)?;
    // 2. climatology per calendar month and anomalies (broadcast over the years axis)
    let clim = monthly.mean(0)?;
    let anomalies = monthly.sub(&clim)?;
    // 3. exact 90th percentile of the daily values along time
    let p90 = temp.percentile(90.0, 0, QuantileMethod::Linear)?;
    // 4. the last month's anomaly, smoothed with a 3×3 mean (reflect at the edges)
    let last = anomalies.getitem(&[ndchunk::Idx::from(-1), ndchunk::Idx::from(-1)])?;
    let smoothed = last.map_overlap(1, Boundary::Reflect, box3)?;

    // 5. one graph, one pass over the daily data for all three results
    let (clim_v, p90_v, smooth_v) = ndchunk::compute((&clim, &p90, &smoothed))?;
    println!("climatology (12, y, x): mean {:.3}", clim_v.mean().unwrap_or(f64::NAN));
    println!("90th percentile (y, x): mean {:.3}", p90_v.mean().unwrap_or(f64::NAN));
    println!("smoothed last anomaly (y, x): mean {:.3}", smooth_v.mean().unwrap_or(f64::NAN));

    // the 90th percentile of a normal(mean, 2) plus the seasonal cycle lies above the mean
    let mean_t = temp.mean(0)?.compute()?;
    assert!(p90_v.iter().zip(mean_t.iter()).all(|(p, m)| p > m));
    // anomalies of a month average to zero over the years
    let anom_mean = anomalies.mean(0)?.abs().max(None)?.item()?;
    assert!(anom_mean < 1e-9, "{anom_mean}");

    // the computed results (held in memory) written to one HDF5 file each, chunked as they were
    for (name, v, like) in
        [("climatology", &clim_v, &clim), ("p90", &p90_v, &p90), ("smoothed_anomaly", &smooth_v, &smoothed)]
    {
        let path = std::path::Path::new(&out_dir).join(format!("{name}.h5"));
        ChunkedArray::from_array(v.clone(), like.chunks().clone())?.to_hdf5(&path, "/data")?;
        let back = ChunkedArray::<f64>::from_hdf5(&path, "/data")?.compute()?;
        assert_eq!(&back, v);
        println!("written {}", path.display());
    }
    Ok(())
}
