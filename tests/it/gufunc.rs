//! `ndchunk::apply_gufunc` against loops over ndarray: broadcasting loop dimensions, core
//! dimensions in several blocks (rechunked), output-only core letters, and errors.

use ndarray::{ArrayD, ArrayViewD, Axis, Ix1, Ix2, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{apply_gufunc, Error};

fn data(shape: &[usize], k: usize) -> ArrayD<f64> {
    let mut i = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        i += 1;
        ((i * 5 + k * 3) % 13) as f64 - 6.0
    })
}

fn matvec(m: ArrayViewD<'_, f64>, v: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    m.into_dimensionality::<Ix2>().unwrap().dot(&v.into_dimensionality::<Ix1>().unwrap()).into_dyn()
}

#[test]
fn batched_matvec_and_dots_match_loops() {
    // (batch 3, 2) of 4×5 matrices with (2,) of 5-vectors broadcast over the first batch axis
    let m = data(&[3, 2, 4, 5], 1);
    let v = data(&[2, 5], 2);
    let want = ArrayD::from_shape_fn(IxDyn(&[3, 2, 4]), |ix| {
        (0..5).map(|j| m[[ix[0], ix[1], ix[2], j]] * v[[ix[1], j]]).sum::<f64>()
    });
    for (cm, cv) in [([1, 1, 2, 2], [1, 5]), ([3, 2, 4, 5], [2, 2]), ([2, 1, 3, 1], [1, 3])] {
        let xm = ChunkedArray::from_array(m.clone(), cm).unwrap();
        let xv = ChunkedArray::from_array(v.clone(), cv).unwrap();
        let y = apply_gufunc("(i,j),(j)->(i)", (&xm, &xv), &[], |(a, b)| matvec(a, b)).unwrap();
        assert_eq!(y.shape(), &[3, 2, 4]);
        let got = y.compute().unwrap();
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12), "{cm:?} {cv:?}");
    }
    // no loop dimensions at all: one call
    let a = ChunkedArray::from_array(data(&[6], 3), [4]).unwrap();
    let d = apply_gufunc("(i),(i)->()", (&a, &a), &[], |(x, y)| ndarray::arr0((&x * &y).sum()).into_dyn()).unwrap();
    let v6 = data(&[6], 3);
    assert_eq!(d.compute().unwrap()[[]], (&v6 * &v6).sum());
    let rows = data(&[5, 6], 4);
    let xr = ChunkedArray::from_array(rows.clone(), [2, 4]).unwrap();
    let s = apply_gufunc("(i),(i)->()", (&xr, &a), &[], |(x, y)| ndarray::arr0((&x * &y).sum()).into_dyn()).unwrap();
    let want = rows.dot_rows(&data(&[6], 3));
    assert_eq!(s.compute().unwrap(), want);
}

trait DotRows {
    fn dot_rows(&self, v: &ArrayD<f64>) -> ArrayD<f64>;
}

impl DotRows for ArrayD<f64> {
    fn dot_rows(&self, v: &ArrayD<f64>) -> ArrayD<f64> {
        self.map_axis(Axis(1), |r| r.iter().zip(v.iter()).map(|(a, b)| a * b).sum::<f64>())
    }
}

#[test]
fn output_only_core_letters_take_their_sizes() {
    let x = data(&[4, 7], 5);
    let cx = ChunkedArray::from_array(x.clone(), [3, 2]).unwrap();
    let y = apply_gufunc("(i)->(k)", (&cx,), &[('k', 2)], |(r,)| {
        let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        ndarray::arr1(&[lo, hi]).into_dyn()
    })
    .unwrap();
    assert_eq!(y.shape(), &[4, 2]);
    let want = ArrayD::from_shape_fn(IxDyn(&[4, 2]), |ix| {
        let r = x.index_axis(Axis(0), ix[0]);
        if ix[1] == 0 {
            r.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            r.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        }
    });
    assert_eq!(y.compute().unwrap(), want);
}

#[test]
fn bad_signatures_and_shapes_are_typed_errors() {
    let a = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    let b = ndchunk::ones::<f64>(&[5], [2]).unwrap();
    let c = ndchunk::ones::<f64>(&[2, 4], [1, 2]).unwrap();
    let f = |(x, _): (ArrayViewD<'_, f64>, ArrayViewD<'_, f64>)| ndarray::arr0(x.sum()).into_dyn();
    assert!(matches!(apply_gufunc("(i),(i)->()", (&a, &b), &[], f), Err(Error::Shape(_))));
    assert!(matches!(apply_gufunc("(i),(i)->()", (&a, &c), &[], f), Err(Error::Broadcast { .. })));
    assert!(matches!(apply_gufunc("(i)->()", (&a, &c), &[], f), Err(Error::Value(_))));
    assert!(matches!(apply_gufunc("(i),(i)", (&a, &c), &[], f), Err(Error::Value(_))));
    assert!(matches!(apply_gufunc("(i1),(i)->()", (&a, &c), &[], f), Err(Error::Value(_))));
    assert!(matches!(apply_gufunc("(i),(i)->(k)", (&a, &a), &[], f), Err(Error::Value(_))));
    assert!(matches!(apply_gufunc("(i,j,k),(i)->()", (&a, &a), &[], f), Err(Error::Value(_))));
    // a core result of the wrong shape: an error when computed
    let y = apply_gufunc("(i),(i)->()", (&a, &a), &[], |(x, _)| x.to_owned()).unwrap();
    assert!(matches!(y.compute(), Err(Error::Shape(_))));
}
