//! Walkthrough: a NumPy array cut into chunks, lazy operations, and compute.
//!
//! `cargo run --release --example chunked_basics` (set `NDCHUNK_EXAMPLE_SMALL=1` for a quick run).

use std::time::Instant;

use ndarray::{Array1, Array2};
use ndchunk::prelude::*;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();

    // from_array with 4 chunks
    let a = Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as f64);
    let x = ChunkedArray::from_array(a.clone(), [2, 2])?;
    println!("{x}\n");
    println!("chunks: {:?}", x.chunks().as_slices());
    println!("x.sum() = {} (ndarray: {})", x.sum(None)?.item()?, a.sum());
    println!("x.sum(axis=0) = {}", x.sum(0)?.compute()?);

    // elementwise expressions stay lazy until compute
    let y = &(&x + &x.t()) * 0.5;
    println!("\n(x + x.T) / 2 =\n{}", y.compute()?);

    // a 1-D mean over 8 chunks
    let n = if small { 1 << 16 } else { 1000 * 1024 * 1024 / 8 };
    let big = Array1::from_shape_fn(n, |i| (i % 1000) as f64);
    let t0 = Instant::now();
    let expect = big.mean().unwrap_or(f64::NAN);
    let t_nd = t0.elapsed();
    let xb = ChunkedArray::from_array(big, [n / 8])?;
    let t0 = Instant::now();
    let m = xb.mean(None)?.item()?;
    let t_nc = t0.elapsed();
    println!(
        "\nmean of {} MB in 8 chunks: {m} in {t_nc:?} (ndarray single-threaded: {expect} in {t_nd:?})",
        (n * 8) >> 20
    );
    assert!((m - expect).abs() < 1e-9 * expect.abs().max(1.0));
    Ok(())
}
