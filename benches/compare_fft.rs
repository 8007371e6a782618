//! `make compare` rows of issue 17 (FFT): the ndchunk side. The NumPy and dask side is
//! bench/dask_fft.py (same data, same chunks).
//!
//! * `fft4096.axis1_512rows`: `fft` along axis 1 of a 4096×4096 complex128 array in
//!   (512, 4096) blocks (each block's lanes whole: no rechunk), result computed into memory;
//!   target ≤ 0.5× dask, ≤ 1.5× NumPy's one call on the whole array.
//! * `rfft2_8192.f64`: `rfft2` of an 8192² float64 array in (1024, 8192) row blocks: the rfft
//!   along axis 1 runs per block, then axis 0 is rechunked to one block (columns split) for the
//!   second transform; time and peak RSS against dask (whose `rfft2` needs the whole array in one
//!   chunk).

use std::path::Path;
use std::time::Instant;

use ndchunk::fft::{fft, rfft2, Norm};
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::Complex;

fn best<F: FnMut() -> f64>(n: usize, mut f: F) -> (f64, f64) {
    let mut t = f64::INFINITY;
    let mut r = 0.0;
    for _ in 0..n {
        let t0 = Instant::now();
        r = f();
        t = t.min(t0.elapsed().as_secs_f64());
    }
    (t, r)
}

/// Run one FFT workload (`op` is the name without the group, `data` unused: in-memory data).
pub fn run(op: &str, _data: &Path) -> (f64, f64) {
    match op {
        "axis1_512rows" => {
            let n = 4096;
            let g = Generator::new(17);
            let re = g.standard_normal(&[n, n], [512, n]).unwrap().compute().unwrap();
            let im = Generator::new(18).standard_normal(&[n, n], [512, n]).unwrap().compute().unwrap();
            let z = ndarray::Zip::from(&re).and(&im).map_collect(|&a, &b| Complex::new(a, b));
            drop((re, im));
            let x = ChunkedArray::from_array(z, [512, n]).unwrap();
            best(3, || {
                let y = fft(&x, None, 1, Norm::Backward).unwrap().compute().unwrap();
                y[[1, 1]].re
            })
        }
        _ => {
            let n = 8192;
            let a = Generator::new(19).standard_normal(&[n, n], [1024, n]).unwrap().compute().unwrap();
            let x = ChunkedArray::from_array(a, [1024, n]).unwrap();
            best(2, || {
                let y = rfft2(&x, None, &[-2, -1], Norm::Backward).unwrap().compute().unwrap();
                y[[1, 1]].re
            })
        }
    }
}
