//! Differences and covariance (diff, ediff1d, gradient, cov, corrcoef) against NumPy over
//! several chunkings (fixtures/sets.txt through the driver in `sets.rs`), plus bad-argument
//! and property tests.

use crate::common;
use crate::sets::check_fixture;

use ndarray::{ArrayD, Axis, IxDyn};
use ndchunk::prelude::*;
use ndchunk::Spacing;
use proptest::prelude::*;

#[test]
fn differences_match_numpy_over_chunkings() {
    let n = check_fixture(&|op| op == "diff" || op == "ediff1d" || op.starts_with("gradient"));
    eprintln!("differences: {n} comparisons with NumPy");
    assert!(n > 600, "only {n} comparisons");
}

#[test]
fn covariance_matches_numpy_over_chunkings() {
    let n = check_fixture(&|op| op == "cov" || op == "corrcoef");
    eprintln!("covariance: {n} comparisons with NumPy");
    assert!(n > 400, "only {n} comparisons");
}

#[test]
fn differences_reject_bad_arguments() {
    let x = ChunkedArray::from_array(ndarray::arr2(&[[1.0, 2.0, 4.0], [0.0, 1.0, 3.0]]), [1, 2]).unwrap();
    let s = ndchunk::full::<f64>(&[], 1.0, [0usize; 0]).unwrap();
    assert!(matches!(s.diff(1, 0, None, None), Err(Error::Value(_))));
    assert_eq!(s.diff(0, 5, None, None).unwrap().item().unwrap(), 1.0); // NumPy: n = 0 returns the input
    assert!(matches!(x.diff(1, 2, None, None), Err(Error::Axis { .. })));
    assert!(matches!(x.diff(1, -3, None, None), Err(Error::Axis { .. })));
    // a prepend array that does not fit the other axis
    let bad = ndchunk::zeros::<f64>(&[3, 1], [1, 1]).unwrap();
    assert!(x.diff(1, 1, Some((&bad).into()), None).is_err());
    assert!(matches!(x.gradient(&[], None, 3), Err(Error::Value(_))));
    assert!(matches!(x.gradient(&[], None, 2), Err(Error::Value(_)))); // axis 0 has 2 < 3 elements
    assert!(matches!(x.gradient(&[Spacing::Coords(vec![0.0, 1.0])], 1, 1), Err(Error::Value(_))));
    assert!(matches!(x.gradient(&[1.0.into(), 2.0.into(), 3.0.into()], None, 1), Err(Error::Value(_))));
    assert!(matches!(x.gradient(&[], 2, 1), Err(Error::Axis { .. })));
    assert!(matches!(s.gradient(&[], None, 1), Err(Error::Value(_))));
    // cov: 3-D input, wrong weights, observations that differ from y's
    let c3 = ndchunk::zeros::<f64>(&[2, 2, 2], [1, 1, 1]).unwrap();
    assert!(matches!(ndchunk::cov(&c3, None, true, false, None, None, None), Err(Error::Value(_))));
    let w = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0]), [1]).unwrap();
    assert!(matches!(ndchunk::cov(&x, None, true, false, None, None, Some(&w)), Err(Error::Shape(_))));
    let y = ndchunk::zeros::<f64>(&[2, 4], [1, 1]).unwrap();
    assert!(matches!(ndchunk::cov(&x, Some(&y), true, false, None, None, None), Err(Error::Shape(_))));
    let neg = ChunkedArray::from_array(ndarray::arr1(&[1i64, -2, 1]), [2]).unwrap();
    let c = ndchunk::cov(&x, None, true, false, None, Some(&neg), None).unwrap();
    assert!(matches!(c.compute(), Err(Error::Value(_))));
}

#[test]
fn integer_diff_wraps_and_gradient_is_f64() {
    let x = ChunkedArray::from_array(ndarray::arr1(&[i64::MIN, i64::MAX, 0]), [1]).unwrap();
    assert_eq!(x.diff(1, 0, None, None).unwrap().compute().unwrap().as_slice().unwrap(), &[-1, -i64::MAX]);
    let g = x.gradient(&[], None, 1).unwrap();
    assert_eq!(g[0].dtype_name(), "float64");
    // unknown chunk sizes are reported, not guessed
    let m = x.mask(&x.ne(0).unwrap()).unwrap();
    assert!(matches!(m.diff(1, 0, None, None), Err(Error::UnknownChunkSizes { .. })));
}

#[test]
fn diff_and_gradient_keep_the_blocks() {
    // shifted slices are aligned to one another: no block is cut in two
    let x = ndchunk::arange::<f64>(0.0, 4000.0, 1.0, [1000]).unwrap();
    let d = x.diff(1, 0, None, None).unwrap();
    assert_eq!(d.numblocks(), vec![4]);
    assert_eq!(d.diff(1, 0, None, None).unwrap().numblocks(), vec![4]);
    let g = x.gradient(&[], None, 2).unwrap().pop().unwrap();
    assert!(g.numblocks()[0] <= 6, "{:?}", g.chunks());
    assert!(g.compute().unwrap().iter().all(|&v| (v - 1.0).abs() < 1e-12));
}

/// `x[1:] - x[:-1]` along `axis`, `n` times, on a plain ndarray array.
fn reference_diff(a: &ArrayD<f64>, n: usize, axis: usize) -> ArrayD<f64> {
    let mut x = a.clone();
    for _ in 0..n {
        let len = x.shape()[axis];
        if len == 0 {
            break;
        }
        let hi = x.slice_axis(Axis(axis), ndarray::Slice::from(1..));
        let lo = x.slice_axis(Axis(axis), ndarray::Slice::from(..len - 1));
        x = &hi - &lo;
    }
    x
}

/// NumPy's uniform-spacing gradient along `axis` with first-order edges, on a plain array.
fn reference_gradient(a: &ArrayD<f64>, axis: usize, h: f64) -> ArrayD<f64> {
    let n = a.shape()[axis];
    let mut out = a.clone();
    for i in 0..n {
        let v = if i == 0 {
            (&a.index_axis(Axis(axis), 1) - &a.index_axis(Axis(axis), 0)) / h
        } else if i == n - 1 {
            (&a.index_axis(Axis(axis), n - 1) - &a.index_axis(Axis(axis), n - 2)) / h
        } else {
            (&a.index_axis(Axis(axis), i + 1) - &a.index_axis(Axis(axis), i - 1)) / (2.0 * h)
        };
        out.index_axis_mut(Axis(axis), i).assign(&v);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// diff and gradient against plain-ndarray references, random shapes and chunks.
    #[test]
    fn diff_and_gradient_match_reference((shape, chunks) in common::shape_and_chunks(), n in 0usize..4, ax in 0usize..3, seed in 0u64..1000) {
        let size: usize = shape.iter().product();
        let data: Vec<f64> = (0..size as u64).map(|i| ((i * 2654435761 + seed) % 17) as f64 - 8.0).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let axis = ax % shape.len();
        let got = x.diff(n, axis as isize, None, None).unwrap().compute().unwrap();
        prop_assert_eq!(got, reference_diff(&a, n, axis));
        if shape[axis] >= 2 {
            let g = x.gradient(&[0.5.into()], axis, 1).unwrap().pop().unwrap().compute().unwrap();
            common::assert_close(&g, &reference_gradient(&a, axis, 0.5), 1e-12, "gradient");
        }
    }

    /// cov of random (k, n) data against the definition.
    #[test]
    fn cov_matches_definition(k in 1usize..4, n in 2usize..9, ck in 1usize..4, cn in 1usize..9, seed in 0u64..1000) {
        let data: Vec<f64> = (0..(k * n) as u64).map(|i| ((i * 2654435761 + seed) % 13) as f64 * 0.5).collect();
        let a = ndarray::Array2::from_shape_vec((k, n), data).unwrap();
        let x = ChunkedArray::from_array(a.clone(), [ck, cn]).unwrap();
        let got = ndchunk::cov(&x, None, true, false, None, None, None).unwrap().compute().unwrap();
        let mean = a.mean_axis(Axis(1)).unwrap();
        let c = &a - &mean.insert_axis(Axis(1));
        let want = c.dot(&c.t()) / (n as f64 - 1.0);
        let want = if k == 1 { want.into_dyn().index_axis(Axis(0), 0).index_axis(Axis(0), 0).to_owned() } else { want.into_dyn() };
        common::assert_close(&got, &want, 1e-12, "cov");
    }
}
