//! Hostile sizes given to the newer routines (FFT, joining, padding, creation, windows, sets):
//! each must return a typed `Error` or a lazily sized array, never panic or abort.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ndchunk::fft::Norm;
use ndchunk::prelude::*;
use ndchunk::{PadMode, Repeats, WHOLE};

fn probe<R>(what: &str, f: impl FnOnce() -> ndchunk::Result<R>) -> Option<Error> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e),
        Err(p) => panic!(
            "{what} panicked: {:?}",
            p.downcast_ref::<String>().map(|s| s.as_str()).or(p.downcast_ref::<&str>().copied())
        ),
    }
}

/// Sizes whose arrays cannot exist (more bytes than `isize::MAX`): every routine must refuse
/// them with `Error::Value` (NumPy's "array is too big") or `Error::Memory`, before or during
/// compute, and never through a panicking task.
#[test]
fn sizes_beyond_the_address_space_are_typed_errors() {
    let x = ndchunk::ones::<f64>(&[4, 6], [2, 3]).unwrap();
    let v = ndchunk::ones::<f64>(&[5], [2]).unwrap();
    let big = [usize::MAX, usize::MAX / 2, 1 << 62];
    let mut report = Vec::new();
    for &n in &big {
        report.push((
            "fft n",
            probe("fft", || ndchunk::fft::fft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute())),
        ));
        report.push((
            "rfft n",
            probe("rfft", || ndchunk::fft::rfft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute())),
        ));
        report.push((
            "irfft n",
            probe("irfft", || ndchunk::fft::irfft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute())),
        ));
        report.push((
            "fftfreq",
            probe("fftfreq", || ndchunk::fft::fftfreq(n, 1.0, [1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report.push(("tile", probe("tile", || ndchunk::tile(&x, &[n, n]).map(|y| y.shape().to_vec()))));
        report.push(("tile1", probe("tile1", || ndchunk::tile(&x, &[n]).map(|y| y.shape().to_vec()))));
        report.push((
            "repeat",
            probe("repeat", || x.repeat(Repeats::Scalar(n as i64), Some(0)).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "repeat_none",
            probe("repeat_none", || x.repeat(Repeats::Scalar(n as i64), None).map(|y| y.shape().to_vec())),
        ));
        report.push(("pad", probe("pad", || ndchunk::pad(&x, n, PadMode::Constant(0.0)).map(|y| y.shape().to_vec()))));
        report.push((
            "pad_edge",
            probe("pad_edge", || ndchunk::pad(&x, (n, 1), PadMode::Edge).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "pad_reflect",
            probe("pad_reflect", || ndchunk::pad(&x, (1, n), PadMode::Reflect).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "eye_nmk",
            probe("eye", || ndchunk::eye_nmk::<f64>(n, Some(n), 0, [1 << 20, 1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "tri",
            probe("tri", || ndchunk::tri::<f64>(n, None, 0, [1 << 20, 1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report
            .push(("identity", probe("identity", || ndchunk::identity::<f64>(n, [1, 1]).map(|y| y.shape().to_vec()))));
        report.push((
            "indices",
            probe("indices", || ndchunk::indices(&[n, n], [1 << 20, 1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "linspace",
            probe("linspace", || ndchunk::linspace_with(0.0, 1.0, n, true, [1 << 20]).map(|y| y.0.shape().to_vec())),
        ));
        report.push((
            "logspace",
            probe("logspace", || ndchunk::logspace(0.0, 1.0, n, 10.0, true, [1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "geomspace",
            probe("geomspace", || ndchunk::geomspace(1.0, 2.0, n, true, [1 << 20]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "bincount",
            probe("bincount", || {
                let i = ndchunk::arange::<i64>(0, 3, 1, [2]).unwrap();
                i.bincount_counts(n).and_then(|y| y.compute())
            }),
        ));
        report.push((
            "sliding",
            probe("sliding", || ndchunk::sliding_window_view(&x, &[n], &[0]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "broadcast_to",
            probe("broadcast_to", || x.broadcast_to(&[n, n, 4, 6]).map(|y| y.shape().to_vec())),
        ));
        report.push((
            "unravel",
            probe("unravel", || {
                let i = ndchunk::arange::<i64>(0, 3, 1, [2]).unwrap();
                ndchunk::unravel_index(&i, &[n, n, n]).and_then(|y| y[0].compute())
            }),
        ));
        report.push((
            "kron",
            probe("kron", || {
                let a = ndchunk::ones::<f64>(&[1 << 32], [1 << 30]).unwrap();
                ndchunk::kron(&a, &a).map(|y| y.shape().to_vec())
            }),
        ));
        report.push((
            "outer",
            probe("outer", || {
                let a = ndchunk::ones::<f64>(&[1 << 33], [1 << 30]).unwrap();
                ndchunk::outer(&a, &a).map(|y| y.shape().to_vec())
            }),
        ));
    }
    for (name, e) in &report {
        assert!(matches!(e, Some(Error::Value(_) | Error::Memory(_))), "{name}: {e:?}");
    }
    // a roll by any shift is fine (NumPy takes it modulo the length)
    for n in [isize::MAX, isize::MIN, 1 << 62] {
        let r = x.roll(n, Some(0)).unwrap().compute().unwrap();
        let want = x.compute().unwrap();
        assert_eq!(r, want);
    }
}

/// Sizes that fit the address space but not this machine: lazily built, and a compute that
/// would need them is `Error::Memory` (never an abort in the allocator).
#[test]
fn sizes_beyond_memory_fail_at_compute_with_memory_errors() {
    let v = ndchunk::ones::<f64>(&[5], [2]).unwrap();
    let n = 1usize << 40;
    for r in [
        ndchunk::fft::fft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute()).map(|_| ()),
        ndchunk::fft::rfft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute()).map(|_| ()),
        ndchunk::fft::irfft(&v, Some(n), 0, Norm::Backward).and_then(|y| y.compute()).map(|_| ()),
        ndchunk::linspace_with(0.0, 1.0, n, true, WHOLE).and_then(|y| y.0.compute()).map(|_| ()),
        ndchunk::tile(&v, &[n]).and_then(|y| y.rechunk(WHOLE)).and_then(|y| y.compute()).map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::Memory(_))), "{r:?}");
    }
    let lazy = ndchunk::fft::fftfreq(n, 1.0, [1 << 20]).unwrap();
    assert_eq!(lazy.shape(), &[n]);
}
