//! Walkthrough: the power spectrum of a chunked array of noisy signals, with `ndchunk::fft`,
//! plotted to a PNG (plotters).
//!
//! 256 signals of 8192 samples at 1024 Hz (chunks of 64 × 2048): sines at 50 Hz and 120 Hz
//! (on frequency bins) plus normal noise. `rfft` along the time axis (rechunked to whole signals by the op, visible in
//! the graph), `|X|²` averaged over the signals, against `rfftfreq`. Then a timing of `fft`
//! along axis 1 of a 4096 × 4096 complex128 array in (512, 4096) chunks (issue 17's row).
//!
//! `cargo run --release --example power_spectrum` (set `NDCHUNK_EXAMPLE_SMALL=1` for a quick
//! run). Writes `out/power_spectrum.png` (or `$NDCHUNK_OUT/power_spectrum.png`).

use std::time::Instant;

use ndchunk::fft::{self, Norm};
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::Complex;
use plotters::prelude::*;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let (signals, samples, fs) = if small { (32, 2048, 1024.0) } else { (256, 8192, 1024.0) };
    let t = Instant::now();
    let time = &ndchunk::arange::<f64>(0.0, samples as f64, 1.0, [2048])? * (1.0 / fs);
    let tone = |f: f64, a: f64| (&time * (2.0 * std::f64::consts::PI * f)).sin() * a;
    let clean = &tone(50.0, 1.0) + &tone(120.0, 0.5);
    let noise = Generator::new(17).normal(0.0, 2.0, &[signals, samples], [64, 2048])?;
    let x = &noise + &clean; // broadcast over the signals
    let spec = fft::rfft(&x, None, -1, Norm::Backward)?;
    let power = (&spec.abs() * &spec.abs()).mean(0)?; // mean |X|² over signals
    let freqs = fft::rfftfreq(samples, 1.0 / fs, [samples])?;
    let (p, f) = (power.compute()?, freqs.compute()?);
    println!("{signals} signals × {samples} samples: spectrum in {:.2?}", t.elapsed());
    let mut peaks: Vec<(f64, f64)> = f.iter().zip(p.iter()).map(|(&a, &b)| (a, b)).collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("strongest frequencies: {:.1} Hz, {:.1} Hz", peaks[0].0, peaks[1].0);

    let out = std::path::PathBuf::from(std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "out".into()));
    std::fs::create_dir_all(&out)?;
    let path = out.join("power_spectrum.png");
    {
        let err = |e: DrawingAreaErrorKind<_>| Error::Value(e.to_string());
        let root = BitMapBackend::new(&path, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let logs: Vec<f64> = p.iter().map(|&v| v.max(1e-12).log10()).collect();
        let (lo, hi) = logs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let fmax = f[f.len() - 1];
        let (w, h, m) = (800.0, 480.0, 30.0);
        let pt = |fr: f64, lv: f64| {
            ((m + fr / fmax * (w - 2.0 * m)) as i32, (h - m - (lv - lo) / (hi - lo) * (h - 2.0 * m)) as i32)
        };
        let line: Vec<(i32, i32)> = f.iter().zip(&logs).map(|(&fr, &lv)| pt(fr, lv)).collect();
        root.draw(&PathElement::new(line, BLUE)).map_err(err)?;
        root.draw(&PathElement::new(vec![pt(0.0, lo), pt(fmax, lo)], BLACK)).map_err(err)?;
        root.draw(&PathElement::new(vec![pt(0.0, lo), pt(0.0, hi)], BLACK)).map_err(err)?;
        for k in 0..=10 {
            let (x, y) = pt(fmax * k as f64 / 10.0, lo);
            root.draw(&PathElement::new(vec![(x, y), (x, y + 6)], BLACK)).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    println!("plot: {} (log10 power, 0 to {} Hz, ticks every {} Hz)", path.display(), fs / 2.0, fs / 20.0);

    // issue 17's row: fft along axis 1 of a complex128 array in (512, n) chunks
    let n = if small { 512 } else { 4096 };
    let re = Generator::new(1).standard_normal(&[n, n], [n / 8, n])?;
    let z = ndchunk::complex(&re, &(&re * 0.5))?.persist()?;
    let t = Instant::now();
    let spectrum = fft::fft(&z, None, 1, Norm::Backward)?.persist()?;
    let t_fft = t.elapsed();
    let s: Complex<f64> = spectrum.sum(None)?.item()?;
    println!("fft of {n}×{n} complex128 in ({}, {n}) chunks: {t_fft:.2?} (sum of the result {s:.3})", n / 8);
    Ok(())
}
