//! Walkthrough: `x.std(axis=0)` of a 366×4 array in chunks (366, 2) — one value per column,
//! each computed from per-block moments merged with Chan's formula.

use ndarray::{Array2, Axis};
use ndchunk::prelude::*;

fn main() -> Result<()> {
    let a = Array2::from_shape_fn((366, 4), |(d, c)| {
        // a year of daily values per station: seasonal cycle plus a station offset
        10.0 * c as f64 + 8.0 * (2.0 * std::f64::consts::PI * d as f64 / 366.0).sin() + (d * 37 % 11) as f64 * 0.1
    });
    let x = ChunkedArray::from_array(a.clone(), [366, 2])?;
    println!("{x}\n");
    let s = x.std(0, 0)?;
    println!("{s}\n");
    let got = s.compute()?;
    let want = a.std_axis(Axis(0), 0.0);
    println!("std(axis=0), ndchunk: {got}");
    println!("std(axis=0), ndarray: {want}");
    let sample = x.std(0, 1)?.compute()?;
    println!("std(axis=0, ddof=1):  {sample}");
    assert!(got.iter().zip(want.iter()).all(|(p, q)| (p - q).abs() < 1e-12));
    Ok(())
}
