//! `apply_along_axis` and `apply_over_axes` against ndarray (NumPy's semantics: a scalar
//! result removes the axis, a vector replaces it, more dimensions are inserted in its place).

use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{apply_along_axis, apply_over_axes, Error};

use crate::common::chunkings;

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        ((k * 7) % 13) as f64 - 6.0
    })
}

#[test]
fn lane_results_of_every_rank_replace_the_axis() {
    let shape = [4, 5, 3];
    let x = data(&shape);
    for ch in chunkings(&shape) {
        let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
        for axis in 0..3usize {
            let n = shape[axis];
            // scalar: the lane's weighted sum; the axis disappears
            let w =
                |l: ndarray::ArrayView1<'_, f64>| l.iter().enumerate().map(|(i, v)| v * (i + 1) as f64).sum::<f64>();
            let got = apply_along_axis(&cx, axis as isize, &[], move |l| ArrayD::from_elem(IxDyn(&[]), w(l))).unwrap();
            let want = x.map_axis(Axis(axis), w);
            assert_eq!(got.compute().unwrap(), want, "scalar {ch:?} axis {axis}");
            // vector of another length: cumulative sums and the total
            let f = move |l: ndarray::ArrayView1<'_, f64>| {
                let mut v: Vec<f64> = l
                    .iter()
                    .scan(0.0, |s, &x| {
                        *s += x;
                        Some(*s)
                    })
                    .collect();
                v.push(l.sum());
                ArrayD::from_shape_vec(IxDyn(&[n + 1]), v).unwrap()
            };
            let got = apply_along_axis(&cx, axis as isize, &[n + 1], f).unwrap();
            let mut want_shape = shape.to_vec();
            want_shape[axis] = n + 1;
            let want = ArrayD::from_shape_fn(IxDyn(&want_shape), |ix| {
                let mut src = ix.clone();
                let k = ix[axis];
                let mut s = 0.0;
                for j in 0..n.min(k + 1) {
                    src[axis] = j;
                    s += x[&src];
                }
                s
            });
            assert_eq!(got.compute().unwrap(), want, "vector {ch:?} axis {axis}");
            // a matrix per lane (outer product with [1, 2]): two axes in place of one
            let g = move |l: ndarray::ArrayView1<'_, f64>| {
                ArrayD::from_shape_fn(IxDyn(&[n, 2]), |ix| l[ix[0]] * (ix[1] + 1) as f64)
            };
            let got = apply_along_axis(&cx, axis as isize, &[n, 2], g).unwrap();
            let mut ws = shape.to_vec();
            ws.insert(axis + 1, 2);
            let want = ArrayD::from_shape_fn(IxDyn(&ws), |ix| {
                let mut src: Vec<usize> = ix.as_array_view().to_vec();
                let m = src.remove(axis + 1);
                x[IxDyn(&src)] * (m + 1) as f64
            });
            assert_eq!(got.compute().unwrap(), want, "matrix {ch:?} axis {axis}");
        }
    }
}

#[test]
fn over_axes_keeps_dimensions_and_errors_are_typed() {
    let x = data(&[3, 4, 2]);
    let cx = ChunkedArray::from_array(x.clone(), [2, 3, 1]).unwrap();
    let s = apply_over_axes(&cx, &[0, -1], |a, ax| a.sum(ax as isize)).unwrap();
    let want = x.sum_axis(Axis(0)).insert_axis(Axis(0)).sum_axis(Axis(2)).insert_axis(Axis(2));
    assert_eq!(s.compute().unwrap(), want);
    // a function keeping the dimension is used as it is
    let k = apply_over_axes(&cx, &[1], |a, _| Ok(a.clone())).unwrap();
    assert_eq!(k.shape(), cx.shape());
    assert!(matches!(apply_over_axes(&cx, &[3], |a, ax| a.sum(ax as isize)), Err(Error::Axis { .. })));
    assert!(matches!(apply_over_axes(&cx, &[0], |a, _| a.sum(None)), Err(Error::Shape(_))));
    assert!(matches!(apply_along_axis(&cx, 3, &[], |_| ArrayD::<f64>::zeros(IxDyn(&[]))), Err(Error::Axis { .. })));
    // a lane result of the wrong shape: Error::Shape when computed
    let bad = apply_along_axis(&cx, 0, &[2], |_| ArrayD::<f64>::zeros(IxDyn(&[3]))).unwrap();
    assert!(matches!(bad.compute(), Err(Error::Shape(_))));
}
