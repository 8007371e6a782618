//! `coarsen` and `sliding_window_view` against direct window arithmetic on the whole array
//! (NumPy's `sliding_window_view` layout: windowed axes shrink to n - w + 1, window axes
//! appended in `axis` order), over several chunkings.

use ndarray::{ArrayD, Dimension, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{coarsen, sliding_window_view, Error};
use proptest::prelude::*;

use crate::common::chunkings;

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        if k % 19 == 0 {
            f64::NAN
        } else {
            ((k * 11) % 23) as f64 - 11.0
        }
    })
}

fn windows_reference(x: &ArrayD<f64>, w: &[usize], axes: &[usize]) -> ArrayD<f64> {
    let nd = x.ndim();
    let mut shape: Vec<usize> = x.shape().to_vec();
    for (&a, &wl) in axes.iter().zip(w) {
        shape[a] = shape[a] + 1 - wl;
    }
    shape.extend_from_slice(w);
    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let mut src = ix.slice()[..nd].to_vec();
        for (k, &a) in axes.iter().enumerate() {
            src[a] += ix[nd + k];
        }
        x[IxDyn(&src)]
    })
}

fn coarsen_reference(x: &ArrayD<f64>, fac: &[usize], f: impl Fn(&[f64]) -> f64) -> ArrayD<f64> {
    let shape: Vec<usize> = x.shape().iter().zip(fac).map(|(&n, &k)| n / k).collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let mut vals = Vec::new();
        for off in ndarray::indices(IxDyn(fac)) {
            let src: Vec<usize> = (0..fac.len()).map(|a| ix[a] * fac[a] + off[a]).collect();
            vals.push(x[IxDyn(&src)]);
        }
        f(&vals)
    })
}

fn same(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())), "{what}");
}

#[test]
fn sliding_windows_match_the_whole_array() {
    for (shape, w, axes) in [
        (vec![10], vec![3], vec![0isize]),
        (vec![10], vec![10], vec![0]),
        (vec![10], vec![1], vec![-1]),
        (vec![6, 7], vec![2, 3], vec![0, 1]),
        (vec![6, 7], vec![3, 2], vec![1, 0]),
        (vec![4, 5, 3], vec![2], vec![1]),
    ] {
        let x = data(&shape);
        let ax: Vec<usize> =
            axes.iter().map(|&a| if a < 0 { (shape.len() as isize + a) as usize } else { a as usize }).collect();
        let want = windows_reference(&x, &w, &ax);
        for ch in chunkings(&shape) {
            let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
            let v = sliding_window_view(&cx, &w, &axes).unwrap();
            assert_eq!(v.shape(), want.shape());
            same(&v.compute().unwrap(), &want, &format!("{shape:?} {w:?} {axes:?} {ch:?}"));
        }
    }
}

#[test]
fn coarsen_matches_window_reductions() {
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let max = |v: &[f64]| {
        v.iter().copied().fold(f64::NEG_INFINITY, |a, b| if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) })
    };
    for (shape, fac) in
        [(vec![12], vec![3]), (vec![6, 8], vec![2, 4]), (vec![6, 8], vec![1, 2]), (vec![4, 6, 2], vec![2, 3, 1])]
    {
        let x = data(&shape);
        let pairs: Vec<(isize, usize)> = fac.iter().enumerate().map(|(a, &k)| (a as isize, k)).collect();
        for ch in chunkings(&shape) {
            let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
            let s = coarsen(&cx, &pairs, false, move |w| w.iter().sum::<f64>()).unwrap();
            same(&s.compute().unwrap(), &coarsen_reference(&x, &fac, sum), &format!("sum {shape:?} {ch:?}"));
            let m = coarsen(&cx, &pairs, false, move |w| {
                max(w.as_slice().unwrap_or(&w.iter().copied().collect::<Vec<_>>()))
            })
            .unwrap();
            same(&m.compute().unwrap(), &coarsen_reference(&x, &fac, max), &format!("max {shape:?} {ch:?}"));
        }
    }
}

#[test]
fn trim_excess_integers_and_errors() {
    let x = ndchunk::arange::<i64>(0, 11, 1, [4]).unwrap();
    assert!(matches!(coarsen(&x, &[(0, 3)], false, |w| w.sum()), Err(Error::Value(_))));
    let c = coarsen(&x, &[(0, 3)], true, |w| w.sum()).unwrap();
    assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[3, 12, 21]);
    assert!(matches!(coarsen(&x, &[(1, 2)], false, |w| w.sum()), Err(Error::Axis { .. })));
    assert!(matches!(coarsen(&x, &[(0, 0)], false, |w| w.sum()), Err(Error::Value(_))));
    assert!(matches!(sliding_window_view(&x, &[12], &[0]), Err(Error::Value(_))));
    assert!(matches!(sliding_window_view(&x, &[0], &[0]), Err(Error::Value(_))));
    assert!(matches!(sliding_window_view(&x, &[2, 2], &[0]), Err(Error::Value(_))));
    assert!(matches!(sliding_window_view(&x, &[2], &[1]), Err(Error::Axis { .. })));
    // an empty axis coarsens to an empty axis
    let e = ChunkedArray::from_array(ArrayD::<f64>::zeros(IxDyn(&[0, 4])), [1, 2]).unwrap();
    let c = coarsen(&e, &[(1, 2)], false, |w| w.sum()).unwrap();
    assert_eq!(c.compute().unwrap().shape(), &[0, 2]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn windows_along_one_axis((shape, ch) in crate::common::shape_and_chunks(), w in 1usize..4, a in 0usize..3) {
        let a = a % shape.len();
        prop_assume!(w <= shape[a]);
        let x = data(&shape);
        let cx = ChunkedArray::from_array(x.clone(), ch).unwrap();
        let v = sliding_window_view(&cx, &[w], &[a as isize]).unwrap();
        same(&v.compute().unwrap(), &windows_reference(&x, &[w], &[a]), "windows");
        let fac: Vec<(isize, usize)> = vec![(a as isize, w)];
        let c = coarsen(&cx, &fac, true, |v| v.iter().sum::<f64>()).unwrap();
        let mut f = vec![1; shape.len()];
        f[a] = w;
        let trimmed = x.slice_each_axis(|ax| {
            let n = ax.len;
            let k = f[ax.axis.index()];
            ndarray::Slice::from(0..n - n % k)
        }).to_owned();
        same(&c.compute().unwrap(), &coarsen_reference(&trimmed, &f, |v| v.iter().sum::<f64>()), "coarsen");
    }
}
