//! The seed workflow: sum, mean, variance and standard deviation of a chunked HDF5 dataset.
//!
//! ```sh
//! cargo run --release --example hdf5_statistics                 # testdata: 3000×3000, chunks (300, 3000)
//! cargo run --release --example hdf5_statistics -- --realdata    # 30000×30000 (7.2 GB), made if absent
//! ```
//! Files go to `data/` (or `$NDCHUNK_DATA`). `NDCHUNK_EXAMPLE_SMALL=1` uses a 600×600 file.
//!
//! Built with the `mpi` feature it runs across the ranks of `mpirun` (each rank reads the
//! chunks it owns; rank 0 prints, and the statistics are the same as one process's):
//!
//! ```sh
//! cargo build --release --features mpi --example hdf5_statistics
//! mpirun -n 4 target/release/examples/hdf5_statistics
//! NDCHUNK_THREADS=1 mpirun -n 2 target/release/examples/hdf5_statistics   # 2 ranks × 1 thread
//! ```
//!
//! Before ndchunk, the user looped over chunks by hand, accumulating Σx and Σx² (the last
//! section reproduces that loop): serial, and `E[x²] − E[x]²` loses every digit when the data
//! have a large offset. ndchunk reads chunks in parallel, decodes them outside libhdf5's lock,
//! merges per-chunk moments with Chan's formula, and keeps only a few chunks in memory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ndarray::{ArrayD, Axis};
use ndchunk::prelude::*;
use ndchunk::random::Generator;

/// Whether this process prints: every process alone, rank 0 under `mpirun`.
static PRINTS: AtomicBool = AtomicBool::new(true);

macro_rules! say {
    ($($t:tt)*) => {
        if PRINTS.load(Ordering::Relaxed) {
            println!($($t)*);
        }
    };
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

fn ensure_file(path: &PathBuf, n: usize, rows: usize, barrier: &dyn Fn()) -> Result<()> {
    // every rank looks before any rank writes (under mpirun the write is shared by the ranks)
    let exists = path.exists();
    barrier();
    if exists {
        return Ok(());
    }
    say!("writing {} ({n}×{n} float64, chunks ({rows}, {n}), uniform [0, 1)) ...", path.display());
    let (r, t) = timed(|| Generator::new(0).random(&[n, n], [rows, n])?.to_hdf5(path, "/data"));
    r?;
    say!("  written in {t:.2?}");
    Ok(())
}

fn main() -> Result<()> {
    #[cfg(feature = "mpi")]
    let mpi = ndchunk::distributed::init()?;
    #[cfg(feature = "mpi")]
    let (barrier, ranks): (Box<dyn Fn() + '_>, usize) = {
        PRINTS.store(mpi.rank() == 0, Ordering::Relaxed);
        (Box::new(|| mpi.barrier()), mpi.size())
    };
    #[cfg(not(feature = "mpi"))]
    let (barrier, ranks): (Box<dyn Fn()>, usize) = (Box::new(|| ()), 1);
    if let Some(t) = std::env::var("NDCHUNK_THREADS").ok().and_then(|v| v.parse().ok()) {
        ndchunk::Config::set_global(ndchunk::Config::global().with_threads(t));
    }
    let args: Vec<String> = std::env::args().collect();
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let dir = PathBuf::from(std::env::var("NDCHUNK_DATA").unwrap_or_else(|_| "data".into()));
    std::fs::create_dir_all(&dir)?;
    let (name, n, rows) = if args.iter().any(|a| a == "--realdata") {
        ("realdata.hdf5", 30000, 300)
    } else if small {
        ("testdata_small.hdf5", 600, 60)
    } else {
        ("testdata.hdf5", 3000, 300)
    };
    let path = dir.join(name);
    ensure_file(&path, n, rows, &barrier)?;

    let x = ChunkedArray::<f64>::from_hdf5(&path, "/data")?;
    say!("\n{}: /data", path.display());
    say!("{x}");
    say!("read path: {}", ndchunk::io::hdf5::read_path(&path, "/data")?);

    let threads = ndchunk::Config::global().effective_threads();
    if ranks > 1 {
        say!("\nndchunk ({ranks} MPI ranks × {threads} threads):");
    } else {
        say!("\nndchunk ({threads} threads):");
    }
    let (s, t) = timed(|| x.sum(None)?.item());
    say!("  sum  = {:<22} {t:>10.2?}", s?);
    let (m, t) = timed(|| x.mean(None)?.item());
    say!("  mean = {:<22} {t:>10.2?}", m?);
    let (v, t) = timed(|| x.var(None, 0)?.item());
    say!("  var  = {:<22} {t:>10.2?}", v?);
    let (sd, t) = timed(|| x.std(None, 0)?.item());
    say!("  std  = {:<22} {t:>10.2?}", sd?);
    let (all, t) = timed(|| ndchunk::compute_all(&[&x.sum(None)?, &x.mean(None)?, &x.var(None, 0)?, &x.std(None, 0)?]));
    let all = all?;
    say!("  all four in one pass: {:?} {t:.2?}", all.iter().map(|a| a[[]]).collect::<Vec<_>>());
    let (col_std, t) = timed(|| x.std(0, 0)?.compute());
    let col_std = col_std?;
    say!("  std(axis=0): {} values, first {:.6}, {t:.2?}", col_std.len(), col_std[0]);
    if !PRINTS.load(Ordering::Relaxed) {
        // the comparisons below read the file whole on one process: rank 0's job
        return Ok(());
    }

    if n <= 3000 {
        // The same through ndarray: read everything, then reduce (one thread).
        let (a, t_read) = timed(|| -> Result<ArrayD<f64>> {
            let f = hdf5::File::open(&path).map_err(|e| Error::Value(e.to_string()))?;
            f.dataset("/data").and_then(|d| d.read_dyn::<f64>()).map_err(|e| Error::Value(e.to_string()))
        });
        let a = a?;
        println!("\nndarray (whole array in memory, read in {t_read:.2?}):");
        let (s, t) = timed(|| a.sum());
        println!("  sum  = {s:<22} {t:>10.2?}");
        let (m, t) = timed(|| a.mean().unwrap_or(f64::NAN));
        println!("  mean = {m:<22} {t:>10.2?}");
        let (v, t) = timed(|| a.var(0.0));
        println!("  var  = {v:<22} {t:>10.2?}");
        let (sd, t) = timed(|| a.std(0.0));
        println!("  std  = {sd:<22} {t:>10.2?}");
        let col = a.std_axis(Axis(0), 0.0);
        let max_diff = col.iter().zip(col_std.iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
        println!("  std(axis=0) max |ndarray − ndchunk| = {max_diff:.2e}");
        assert!((all[0][[]] - s).abs() <= 1e-9 * s.abs());
        assert!((all[2][[]] - v).abs() <= 1e-9 * v.abs());
    }

    // The hand-written loop the seed started from: serial chunk reads, Σx and Σx².
    let (r, t) = timed(|| -> Result<(f64, f64)> {
        let f = hdf5::File::open(&path).map_err(|e| Error::Value(e.to_string()))?;
        let d = f.dataset("/data").map_err(|e| Error::Value(e.to_string()))?;
        let (mut s, mut s2, mut cnt) = (0.0, 0.0, 0.0);
        for start in (0..n).step_by(rows) {
            let c = d
                .read_slice_2d::<f64, _>(ndarray::s![start..(start + rows).min(n), ..])
                .map_err(|e| Error::Value(e.to_string()))?;
            s += c.sum();
            s2 += c.mapv(|v| v * v).sum();
            cnt += c.len() as f64;
        }
        let mean = s / cnt;
        Ok((mean, s2 / cnt - mean * mean))
    });
    let (mean, var) = r?;
    println!("\nhand-written chunk loop (serial, E[x²] − E[x]²): mean {mean}, var {var}, {t:.2?}");
    println!("  its variance differs from ndchunk's by {:.2e}", (var - all[2][[]]).abs());
    Ok(())
}
