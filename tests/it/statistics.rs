//! ptp, count_nonzero, average, moment, nancumsum/nancumprod and the `dtype=` reductions
//! (`sum_as`, `prod_as`, `mean_as`) against NumPy over several chunkings
//! (fixtures/selection.txt, driver in `selection.rs`), plus options, overflow, bad arguments
//! and property tests.

use crate::common;
use ndarray::{ArrayD, Axis, IxDyn};
use ndchunk::prelude::*;
use ndchunk::ReduceOptions;
use proptest::prelude::*;

const STAT_OPS: &[&str] = &[
    "ptp",
    "count_nonzero",
    "average",
    "waverage",
    "moment",
    "sum_as",
    "prod_as",
    "mean_as",
    "nancumsum",
    "cumsum_as",
    "cumprod_as",
    "nancumprod",
];

#[test]
fn statistics_match_numpy_over_chunkings() {
    let n = crate::selection::check_fixture(&|op| STAT_OPS.iter().any(|s| op.starts_with(s)));
    eprintln!("statistics: {n} comparisons with NumPy");
    assert!(n > 2000, "only {n} comparisons");
}

fn i8_array(v: &[i8], chunk: usize) -> ChunkedArray<i8> {
    ChunkedArray::from_array(ndarray::Array1::from(v.to_vec()), [chunk]).unwrap()
}

#[test]
fn integer_sums_accumulate_wide_unless_asked() {
    // 100 * 3 overflows i8: sum accumulates in i64 (NumPy's default), sum_as::<i8> wraps
    let x = i8_array(&[100, 100, 100, -128, -128], 2);
    assert_eq!(x.sum(None).unwrap().item().unwrap(), 300 - 256);
    let wrapped = x.sum_as::<i8>(None).unwrap().item().unwrap();
    assert_eq!(wrapped, 100i8.wrapping_add(100).wrapping_add(100).wrapping_add(-128).wrapping_add(-128));
    assert_eq!(x.sum_as::<i16>(None).unwrap().item().unwrap(), 44);
    // (-128)^2 = 2^14 is 0 modulo 2^8
    assert_eq!(x.prod_as::<i8>(None).unwrap().item().unwrap(), 0);
    let u = ChunkedArray::from_array(ndarray::arr1(&[200u8, 100, 7]), [1]).unwrap();
    assert_eq!(u.sum(None).unwrap().item().unwrap(), 307u64);
    assert_eq!(u.sum_as::<u8>(None).unwrap().item().unwrap(), (307 % 256) as u8);
}

#[test]
fn options_reach_the_new_reductions() {
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 5]), |i| (i[0] * 7 + i[1] * 3) as f64 % 11.0);
    let x = ChunkedArray::from_array(a.clone(), [2, 2]).unwrap();
    let opts = ReduceOptions::new().keepdims(true).split_every(2);
    let r = x.reduce_with(opts);
    assert_eq!(r.ptp(0).unwrap().shape(), &[1, 5]);
    assert_eq!(r.count_nonzero(1).unwrap().shape(), &[6, 1]);
    assert_eq!(r.moment(2, 0).unwrap().shape(), &[1, 5]);
    assert_eq!(r.sum_as::<f32>(None).unwrap().shape(), &[1, 1]);
    let (avg, w) = r.average(0, None, true).unwrap();
    assert_eq!(avg.shape(), &[1, 5]);
    assert_eq!(w.unwrap().shape(), &[1, 5]);
    // values with keepdims equal ndarray's
    let ptp = r.ptp(0).unwrap().compute().unwrap();
    let want = &a.map_axis(Axis(0), |c| c.fold(f64::MIN, |m, &v| m.max(v)))
        - &a.map_axis(Axis(0), |c| c.fold(f64::MAX, |m, &v| m.min(v)));
    assert_eq!(ptp, want.insert_axis(Axis(0)));
    let m2 = r.moment(2, 0).unwrap().compute().unwrap();
    let v = x.reduce_with(opts).var(0, 0).unwrap().compute().unwrap();
    crate::common::assert_close(&m2, &v, 1e-12, "moment 2 == var");
    // split_every < 2 is rejected by the new reductions too
    assert!(matches!(x.reduce_with(ReduceOptions::new().split_every(1)).ptp(0), Err(Error::Value(_))));
}

#[test]
fn statistics_reject_bad_arguments() {
    let x = ChunkedArray::from_array(ndarray::Array2::<f64>::ones((4, 3)), [2, 2]).unwrap();
    assert!(matches!(x.ptp(2), Err(Error::Axis { .. })));
    assert!(matches!(x.count_nonzero(-3), Err(Error::Axis { .. })));
    assert!(matches!(x.moment(3, [0, 0]), Err(Error::Value(_))));
    assert!(matches!(x.nancumsum(5), Err(Error::Axis { .. })));
    assert!(matches!(x.nancumprod([0, 1]), Err(Error::Value(_))));
    assert!(matches!(x.sum_as::<i8>(2), Err(Error::Axis { .. })));
    let w3 = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]), [2]).unwrap();
    // weights of another shape need an axis, and must match it
    assert!(matches!(x.average(None, Some(&w3), false), Err(Error::Value(_))));
    assert!(matches!(x.average(0, Some(&w3), false), Err(Error::Shape(_))));
    assert!(matches!(x.average(2, Some(&w3), false), Err(Error::Axis { .. })));
    assert!(x.average(1, Some(&w3), false).is_ok());
    // weights summing to zero: NumPy's ZeroDivisionError, when computed
    let wz = ChunkedArray::from_array(ndarray::arr1(&[1.0, -1.0, 0.0]), [1]).unwrap();
    let (avg, _) = x.average(1, Some(&wz), false).unwrap();
    assert!(matches!(avg.compute(), Err(Error::Value(_))));
    // ptp of an empty axis has no identity
    let e = ChunkedArray::from_array(ndarray::Array2::<f64>::zeros((0, 3)), [1, 1]).unwrap();
    assert!(matches!(e.ptp(0), Err(Error::EmptyReduction(_))));
}

#[test]
fn nancumsum_treats_nan_as_zero_and_keeps_inf() {
    let x = ChunkedArray::from_array(ndarray::arr1(&[f64::NAN, 1.0, f64::INFINITY, f64::NAN, -2.0]), [2]).unwrap();
    let s = x.nancumsum(0).unwrap().compute().unwrap();
    assert_eq!(s.as_slice().unwrap(), &[0.0, 1.0, f64::INFINITY, f64::INFINITY, f64::INFINITY]);
    let p = x.nancumprod(0).unwrap().compute().unwrap();
    assert_eq!(p.as_slice().unwrap(), &[1.0, 1.0, f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// count_nonzero and ptp along each axis against ndarray folds.
    #[test]
    fn count_nonzero_and_ptp_match_ndarray((shape, chunks) in common::shape_and_chunks(), axis in 0usize..3, seed in 0u64..1000) {
        let axis = axis % shape.len();
        let n: usize = shape.iter().product();
        let data: Vec<i32> = (0..n as u64).map(|i| ((i * 2654435761 + seed) % 7) as i32 - 3).map(|v| if v > 1 { 0 } else { v }).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let got = x.count_nonzero(axis as isize).unwrap().compute().unwrap();
        let want = a.map_axis(Axis(axis), |l| l.iter().filter(|&&v| v != 0).count() as i64);
        prop_assert_eq!(got, want);
        if shape[axis] > 0 {
            let got = x.ptp(axis as isize).unwrap().compute().unwrap();
            let want = a.map_axis(Axis(axis), |l| l.iter().max().unwrap() - l.iter().min().unwrap());
            prop_assert_eq!(got, want);
        } else {
            prop_assert!(matches!(x.ptp(axis as isize), Err(Error::EmptyReduction(_))));
        }
    }

    /// average with 1-D weights along an axis against the weighted sum over ndarray lanes.
    #[test]
    fn average_matches_ndarray((shape, chunks) in common::shape_and_chunks(), axis in 0usize..3, wchunk in 1usize..4) {
        let axis = axis % shape.len();
        prop_assume!(shape[axis] > 0);
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), (0..n).map(|i| (i % 13) as f64 - 4.0).collect()).unwrap();
        let w = ndarray::Array1::from_shape_fn(shape[axis], |i| 0.5 + i as f64);
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let wc = ChunkedArray::from_array(w.clone(), [wchunk]).unwrap();
        let (avg, sw) = x.average(axis as isize, Some(&wc), true).unwrap();
        let want = a.map_axis(Axis(axis), |l| l.iter().zip(&w).map(|(v, k)| v * k).sum::<f64>() / w.sum());
        crate::common::assert_close(&avg.compute().unwrap(), &want, 1e-12, "average");
        let sw = sw.unwrap().compute().unwrap();
        prop_assert!(sw.iter().all(|&s| (s - w.sum()).abs() < 1e-12));
    }
}
