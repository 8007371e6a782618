//! `persist` of operations that write their blocks in place (fused elementwise expressions,
//! random sources, FFTs): each block gets an allocation of its own before it is written (on
//! huge pages from 4 MiB, see `array::persist`). The persisted array must equal the computed
//! one for every chunking (uneven last blocks, one-element blocks, one block, zero-length axes,
//! 0-d), large blocks included, and later graphs must read the blocks as any others.

use ndarray::{ArrayD, IxDyn};
use ndchunk::fft::{self, Norm};
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::{Complex, Config, Error};

use crate::common::chunkings;

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0usize;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        match k % 17 {
            0 => f64::NAN,
            5 => f64::INFINITY,
            9 => f64::NEG_INFINITY,
            _ => ((k * 7) % 31) as f64 - 15.5,
        }
    })
}

fn same(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()), "{what}: {a} != {b}");
}

#[test]
fn persisted_elementwise_expressions_equal_their_compute_for_every_chunking() {
    for shape in [vec![7usize, 5], vec![13], vec![0, 4], vec![3, 0], vec![], vec![2, 3, 4]] {
        let x = data(&shape);
        let want = x.mapv(|v| (v * 2.0 - 1.0).max(-3.0));
        for c in chunkings(&shape) {
            let a = ChunkedArray::from_array(x.clone(), c.as_slice()).unwrap();
            let e = (&a * 2.0 - 1.0).maximum(-3.0).unwrap();
            let p = e.persist().unwrap();
            let what = format!("{shape:?} in {c:?}");
            assert_eq!(p.chunks(), e.chunks(), "{what}");
            assert_eq!(p.numblocks(), e.numblocks(), "{what}");
            // NumPy's maximum propagates NaN; want's f64::max does not: compare with compute
            same(&p.compute().unwrap(), &e.compute().unwrap(), &what);
            let finite = want.iter().zip(p.compute().unwrap().iter()).all(|(w, g)| g.is_nan() || w == g);
            assert!(finite, "{what}");
            // later graphs read the persisted blocks like any others
            same(&p.sum(None).unwrap().compute().unwrap(), &e.sum(None).unwrap().compute().unwrap(), &what);
            if shape.len() == 2 {
                same(&p.t().compute().unwrap(), &e.compute().unwrap().reversed_axes(), &what);
            }
        }
    }
}

#[test]
fn persisted_integer_bool_and_complex_results_equal_their_compute() {
    let shape = [9usize, 4];
    let i = ArrayD::from_shape_fn(IxDyn(&shape), |ix| (ix[0] * 4 + ix[1]) as i32 - 20);
    for c in chunkings(&shape) {
        let a = ChunkedArray::from_array(i.clone(), c.as_slice()).unwrap();
        // integer overflow wraps as NumPy's does
        let big = (&a * i32::MAX).persist().unwrap();
        assert_eq!(big.compute().unwrap(), i.mapv(|v| v.wrapping_mul(i32::MAX)), "{c:?}");
        let m = a.gt(0).unwrap().persist().unwrap();
        assert_eq!(m.compute().unwrap(), i.mapv(|v| v > 0), "{c:?}");
        let f = a.astype::<f64>().persist().unwrap();
        assert_eq!(f.compute().unwrap(), i.mapv(f64::from), "{c:?}");
        let z = fft::fft(&f, None, 1, Norm::Backward).unwrap();
        let zp = z.persist().unwrap();
        let (zc, zpc) = (z.compute().unwrap(), zp.compute().unwrap());
        assert_eq!(zc.shape(), zpc.shape());
        assert!(zc.iter().zip(&zpc).all(|(u, v): (&Complex<f64>, _)| u == v), "{c:?}");
    }
}

#[test]
fn persisted_random_arrays_equal_their_compute_for_every_chunking() {
    // the same values whatever the chunking (a block's values depend on its global positions)
    let want = Generator::new(4).standard_normal(&[11, 6], [11, 6]).unwrap().compute().unwrap();
    for c in chunkings(&[11, 6]) {
        let x = Generator::new(4).standard_normal(&[11, 6], c.as_slice()).unwrap();
        let p = x.persist().unwrap();
        same(&p.compute().unwrap(), &want, &format!("{c:?}"));
        // compute() writes contiguous windows (blocks spanning the trailing axis) in place and
        // copies the others: both give the same values
        same(&x.compute().unwrap(), &want, &format!("{c:?}"));
    }
    let u = Generator::new(1).integers(-5, 5, &[0, 3], [2, 2]).unwrap().persist().unwrap();
    assert_eq!(u.shape(), &[0, 3]);
    assert_eq!(u.compute().unwrap().len(), 0);
}

#[test]
fn large_persisted_blocks_are_read_back_exactly() {
    // blocks of 8 MiB and an uneven last block of 1 MiB + 8 bytes: above and below the
    // huge-page threshold, each in an allocation that starts on a 2 MiB boundary
    let n = (1usize << 20) * 2 + (1 << 17) + 1;
    let x = Generator::new(7).random(&[n], [1 << 20]).unwrap();
    let want = x.compute().unwrap();
    let p = x.persist().unwrap();
    assert_eq!(p.numblocks(), vec![3]);
    same(&p.compute().unwrap(), &want, "random");
    let y = (&p + 1.0).persist().unwrap();
    let got = y.compute().unwrap();
    assert!(got.iter().zip(&want).all(|(g, w)| *g == w + 1.0));
    let (s, w) = (y.sum(None).unwrap().item().unwrap(), want.sum() + n as f64);
    assert!((s - w).abs() <= 1e-9 * w.abs(), "{s} vs {w}");
    same(
        &y.slice(ndarray::s![n - 5..]).unwrap().compute().unwrap(),
        &got.slice(ndarray::s![n - 5..]).to_owned().into_dyn(),
        "tail",
    );
}

#[test]
fn a_task_that_panics_during_persist_is_an_error_and_the_pool_survives() {
    let x = ChunkedArray::from_array(data(&[40]), [7]).unwrap();
    let bad = x.mapv(|v: f64| if v == -15.5 { panic!("bad element") } else { v });
    let e = bad.persist().unwrap_err();
    assert!(matches!(e, Error::TaskPanicked { .. }), "{e}");
    let e = bad.persist_with(&Config::default().with_threads(1)).unwrap_err();
    assert!(matches!(e, Error::TaskPanicked { .. }), "{e}");
    // nothing is left behind: the same array persists fine afterwards
    let ok = x.mapv(|v: f64| v + 1.0).persist().unwrap();
    same(&ok.compute().unwrap(), &data(&[40]).mapv(|v| v + 1.0), "after the panic");
}
