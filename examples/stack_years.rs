//! Walkthrough: four yearly (12, 444, 922) cubes stacked into (4, 12, 444, 922), then the
//! mean over years — the stack only renumbers blocks, nothing is copied.

use ndchunk::prelude::*;
use ndchunk::random::Generator;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let (ny, nx) = if small { (44, 92) } else { (444, 922) };
    let g = Generator::new(11);
    let years: Vec<ChunkedArray<f64>> = (0..4)
        .map(|k| Ok(&g.normal(15.0 + k as f64, 3.0, &[12, ny, nx], [1, ny, nx])? + 0.0))
        .collect::<Result<_>>()?;
    let refs: Vec<&ChunkedArray<f64>> = years.iter().collect();
    let all = ndchunk::stack(&refs, 0)?;
    println!("{all}\n");
    let climatology = all.mean(0)?; // (12, ny, nx): mean over the four years
    println!("{climatology}\n");
    let per_year = all.mean([1, 2, 3])?.compute()?;
    println!("mean per year: {per_year}");
    let c = climatology.mean(None)?.item()?;
    println!("overall mean: {c:.4}");
    assert!((c - 16.5).abs() < 0.1);
    Ok(())
}
