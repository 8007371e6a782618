//! Walkthrough: the seed exercise — normal(9, 1) 5000×5000, + ones, keep < 10,
//! histogram(bins=100, range=(-9, 11)) — and a PNG plot of it (plotters).
//!
//! Writes `out/histogram.png` (or `$NDCHUNK_OUT/histogram.png`).

use std::time::Instant;

use ndchunk::prelude::*;
use ndchunk::random::Generator;
use plotters::prelude::*;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let n = if small { 500 } else { 5000 };
    let t = Instant::now();
    let a = &Generator::new(4).normal(9.0, 1.0, &[n, n], [n / 4, n])? + &ndchunk::ones::<f64>(&[n, n], [n / 4, n])?;
    let kept = a.mask(&a.lt(10.0)?)?;
    let (h, edges) = ndchunk::histogram(&kept, 100, Some((-9.0, 11.0)))?;
    let counts = h.compute()?;
    println!("{} values kept of {} in {:.2?}", counts.sum(), n * n, t.elapsed());
    let peak = counts.iter().enumerate().max_by_key(|(_, &c)| c).map(|(i, _)| i).unwrap_or(0);
    println!("fullest bin: [{:.1}, {:.1}) with {} values", edges[peak], edges[peak + 1], counts[peak]);

    let out = std::path::PathBuf::from(std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "out".into()));
    std::fs::create_dir_all(&out)?;
    let path = out.join("histogram.png");
    let top = *counts.iter().max().unwrap_or(&1) as f64;
    {
        let root = BitMapBackend::new(&path, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| Error::Value(e.to_string()))?;
        let (w, hgt) = (800.0, 480.0);
        let (left, right, top_m, bottom) = (40.0, 20.0, 20.0, 40.0);
        let x_of = |v: f64| left + (v + 9.0) / 20.0 * (w - left - right);
        let y_of = |c: f64| hgt - bottom - c / top * (hgt - top_m - bottom);
        for (i, &c) in counts.iter().enumerate() {
            let (x0, x1) = (x_of(edges[i]), x_of(edges[i + 1]));
            root.draw(&Rectangle::new(
                [(x0 as i32, y_of(c as f64) as i32), (x1 as i32, y_of(0.0) as i32)],
                BLUE.mix(0.7).filled(),
            ))
            .map_err(|e| Error::Value(e.to_string()))?;
        }
        // axes and tick marks every 2 units of x
        let axis = [(left as i32, y_of(0.0) as i32), ((w - right) as i32, y_of(0.0) as i32)];
        root.draw(&PathElement::new(axis.to_vec(), BLACK)).map_err(|e| Error::Value(e.to_string()))?;
        root.draw(&PathElement::new(vec![(left as i32, top_m as i32), (left as i32, y_of(0.0) as i32)], BLACK))
            .map_err(|e| Error::Value(e.to_string()))?;
        for k in 0..=10 {
            let x = x_of(-9.0 + 2.0 * k as f64) as i32;
            root.draw(&PathElement::new(vec![(x, y_of(0.0) as i32), (x, y_of(0.0) as i32 + 6)], BLACK))
                .map_err(|e| Error::Value(e.to_string()))?;
        }
        root.present().map_err(|e| Error::Value(e.to_string()))?;
    }
    println!("plot: {} (x from -9 to 11, ticks every 2)", path.display());
    Ok(())
}
