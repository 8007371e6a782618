//! `ndchunk::reduction` (dask's `da.reduction`) with user functions against ndarray, over
//! chunkings, axes, `split_every` and `keepdims`.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{reduction, Error, ReductionOptions};

use crate::common::chunkings;

fn data(shape: &[usize]) -> ArrayD<i64> {
    let mut k = 0i64;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        (k * 37) % 101 - 50
    })
}

/// max over `axes` of a view, reduced axes kept with length 1
fn max_keep(v: ArrayViewD<'_, i64>, axes: &[usize]) -> ArrayD<i64> {
    let mut r = v.to_owned();
    for &a in axes {
        r = r.map_axis(Axis(a), |l| l.iter().copied().max().unwrap_or(i64::MIN)).insert_axis(Axis(a));
    }
    r
}

fn reference(x: &ArrayD<i64>, axes: &[usize], keepdims: bool) -> ArrayD<i64> {
    let mut r = max_keep(x.view(), axes);
    if !keepdims {
        for &a in axes.iter().rev() {
            r = r.index_axis_move(Axis(a), 0);
        }
    }
    r
}

#[test]
fn max_and_sum_count_mean_over_axes_and_fan_ins() {
    let shape = [9, 10];
    let x = data(&shape);
    let mut cks = chunkings(&shape);
    cks.push(vec![1, 1]);
    for ch in cks {
        let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
        for axes in [vec![0usize], vec![1], vec![0, 1]] {
            for split in [2usize, 3, 4, 16] {
                for keepdims in [false, true] {
                    let opts = ReductionOptions { keepdims, split_every: Some(split), ..Default::default() };
                    let ax: Vec<isize> = axes.iter().map(|&a| a as isize).collect();
                    let r = reduction(&cx, ax, &opts, max_keep, max_keep, max_keep).unwrap();
                    assert_eq!(
                        r.compute().unwrap(),
                        reference(&x, &axes, keepdims),
                        "{ch:?} {axes:?} {split} {keepdims}"
                    );
                }
            }
        }
        // partials of another type with an extra axis: (sum, count) → mean along axis 1
        let chunk = |b: ArrayViewD<'_, i64>, _: &[usize]| {
            let s = b.mapv(|v| v as f64).sum_axis(Axis(1));
            let n = ArrayD::from_elem(s.raw_dim(), b.shape()[1] as f64);
            ndarray::stack(Axis(1), &[s.view(), n.view()]).unwrap().insert_axis(Axis(1))
        };
        let combine = |p: ArrayViewD<'_, f64>, _: &[usize]| p.sum_axis(Axis(1)).insert_axis(Axis(1));
        let aggregate = |p: ArrayViewD<'_, f64>, _: &[usize]| {
            let s = p.sum_axis(Axis(1));
            let m = s.index_axis(Axis(1), 0).to_owned() / s.index_axis(Axis(1), 1);
            m.insert_axis(Axis(1))
        };
        let opts = ReductionOptions { split_every: Some(2), partial_shape: Some(vec![0, 1, 2]), ..Default::default() };
        let r = reduction(&cx, 1, &opts, chunk, combine, aggregate).unwrap();
        let want = x.mapv(|v| v as f64).mean_axis(Axis(1)).unwrap();
        let got = r.compute().unwrap();
        assert_eq!(got.shape(), want.shape());
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12), "{ch:?}");
    }
}

#[test]
fn errors_are_typed() {
    let x = ChunkedArray::from_array(data(&[4, 5]), [2, 2]).unwrap();
    let opts = ReductionOptions::default();
    assert!(matches!(reduction(&x, 2, &opts, max_keep, max_keep, max_keep), Err(Error::Axis { .. })));
    let bad = ReductionOptions { partial_shape: Some(vec![1]), ..Default::default() };
    assert!(matches!(reduction(&x, 0, &bad, max_keep, max_keep, max_keep), Err(Error::Shape(_))));
    // a chunk function that does not keep the reduced axis: an error when computed
    let r =
        reduction(&x, 0, &opts, |b: ArrayViewD<'_, i64>, _: &[usize]| b.sum_axis(Axis(0)), max_keep, max_keep).unwrap();
    assert!(matches!(r.compute(), Err(Error::Shape(_))));
}

#[test]
fn cumreduction_scans_like_a_sequential_fold() {
    use ndchunk::cumreduction;
    let shape = [5, 7, 3];
    let x = data(&shape);
    for ch in chunkings(&shape) {
        let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
        for axis in 0..3usize {
            // running sums (integers: exact in any grouping) and running maxima
            let sum_scan = |b: ArrayViewD<'_, i64>, ax: usize| {
                let mut o = b.to_owned();
                o.accumulate_axis_inplace(Axis(ax), |&p, c| *c = c.wrapping_add(p));
                o
            };
            let got = cumreduction(&cx, axis as isize, sum_scan, |a: i64, b: i64| a.wrapping_add(b), 0).unwrap();
            let mut want = x.clone();
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c = c.wrapping_add(p));
            assert_eq!(got.compute().unwrap(), want, "sum {ch:?} axis {axis}");
            let max_scan = |b: ArrayViewD<'_, i64>, ax: usize| {
                let mut o = b.to_owned();
                o.accumulate_axis_inplace(Axis(ax), |&p, c| *c = (*c).max(p));
                o
            };
            let got = cumreduction(&cx, -(3 - axis as isize), max_scan, |a: i64, b: i64| a.max(b), i64::MIN).unwrap();
            let mut want = x.clone();
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c = (*c).max(p));
            assert_eq!(got.compute().unwrap(), want, "max {ch:?} axis {axis}");
        }
    }
    // errors: axis out of range; a block function changing the shape
    let cx = ChunkedArray::from_array(x.clone(), [2, 3, 1]).unwrap();
    let id = |b: ArrayViewD<'_, i64>, _: usize| b.to_owned();
    assert!(matches!(cumreduction(&cx, 3, id, |a: i64, b: i64| a + b, 0), Err(Error::Axis { .. })));
    let bad = cumreduction(&cx, 0, |b: ArrayViewD<'_, i64>, _: usize| b.sum_axis(Axis(0)), |a: i64, b: i64| a + b, 0)
        .unwrap();
    assert!(matches!(bad.compute(), Err(Error::Shape(_))));
}
