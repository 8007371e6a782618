//! Walkthrough: `delayed` — inc(1), inc(2), add(x, y) with 1 s sleeps run in 2 s instead of
//! 3, and a loop of 8 incs summed runs in about 1 s with 8 threads.
//!
//! `NDCHUNK_EXAMPLE_SMALL=1` uses 0.1 s sleeps.

use std::time::{Duration, Instant};

use ndchunk::delayed::{delayed, Delayed};
use ndchunk::Config;

fn main() -> ndchunk::Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let pause = Duration::from_millis(if small { 100 } else { 1000 });
    let inc = move |x: i64| {
        std::thread::sleep(pause);
        x + 1
    };
    let add = move |x: i64, y: i64| {
        std::thread::sleep(pause);
        x + y
    };

    let t = Instant::now();
    let z = add(inc(1), inc(2));
    println!("sequential: {z} in {:.2?}", t.elapsed());

    let cfg = Config::default().with_threads(8);
    let x = delayed(move || inc(1));
    let y = delayed(move || inc(2));
    let z = Delayed::zip(&x, &y, move |a, b| add(*a, *b));
    let t = Instant::now();
    println!("delayed:    {} in {:.2?}", z.compute_with(&cfg)?, t.elapsed());

    let parts: Vec<Delayed<i64>> = (0..8).map(|i| delayed(move || inc(i))).collect();
    let total = Delayed::collect(&parts, |v| v.iter().copied().sum::<i64>());
    let t = Instant::now();
    println!("8 incs then sum: {} in {:.2?} (8 threads)", total.compute_with(&cfg)?, t.elapsed());

    let out = std::path::PathBuf::from(std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "out".into()));
    std::fs::create_dir_all(&out)?;
    let p = match total.visualize(out.join("delayed_total.svg")) {
        Ok(p) => p,
        Err(_) => out.join("delayed_total.dot"),
    };
    println!("graph: {}", p.display());
    Ok(())
}
