//! Walkthrough: a (12, 444, 922) cube with one NaN, chunks (1, 444, 922).
//! Plain `min/max/mean` return NaN (NumPy's rule); the `nan*` forms skip it.
//!
//! `cargo run --release --example nan_reductions` (`NDCHUNK_EXAMPLE_SMALL=1`: a smaller cube)

use std::time::Instant;

use ndchunk::prelude::*;
use ndchunk::random::Generator;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let shape = if small { [12, 44, 92] } else { [12, 444, 922] };
    let mut a = Generator::new(2).random(&shape, [1, shape[1], shape[2]])?.compute()?;
    a[[5, 23, 34]] = f64::NAN;
    let x = ChunkedArray::from_array(a, [1, shape[1], shape[2]])?;
    println!("{x}\n");
    for (name, r) in [("min", x.min(None)?), ("max", x.max(None)?), ("mean", x.mean(None)?)] {
        println!("x.{name}()    = {}", r.item()?);
    }
    for (name, r) in [
        ("nanmin", x.nanmin(None)?),
        ("nanmax", x.nanmax(None)?),
        ("nanmean", x.nanmean(None)?),
        ("nanstd", x.nanstd(None, 0)?),
    ] {
        let t = Instant::now();
        let v = r.item()?;
        println!("x.{name}() = {v:<22} ({:.2?})", t.elapsed());
        assert!(!v.is_nan());
    }
    // per time step: the NaN only affects step 5 of the plain mean
    let per_step = x.mean([1, 2])?.compute()?;
    let nan_steps: Vec<usize> = per_step.iter().enumerate().filter(|(_, v)| v.is_nan()).map(|(i, _)| i).collect();
    println!("\nmean over space per step: NaN at steps {nan_steps:?}");
    assert_eq!(nan_steps, vec![5]);
    println!("argmax ignoring NaN: flat index {}", x.nanargmax(None)?.item()?);
    Ok(())
}
