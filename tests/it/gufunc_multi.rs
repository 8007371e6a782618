//! `ndchunk::apply_gufunc_with`: several outputs and `vectorize` true/false against NumPy's
//! `np.vectorize(f, signature=...)` (fixtures/gufunc.txt), over chunkings, and its errors.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{apply_gufunc, apply_gufunc_with, Error, GufuncOptions};

use crate::common::{assert_close, chunkings, load_fixture, parse_shape, Fixture};

fn input(fx: &Fixture, name: &str) -> ArrayD<f64> {
    let (_, shape, vals) = &fx.inputs[name];
    ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|v| v.parse().unwrap()).collect()).unwrap()
}

fn expected(fx: &Fixture, name: &str) -> Vec<ArrayD<f64>> {
    let mut outs: Vec<_> = fx.results.iter().filter(|r| r[1] == name).collect();
    outs.sort_by_key(|r| r[2].parse::<usize>().unwrap());
    outs.iter()
        .map(|r| {
            let v = r[5].split(',').filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
            ArrayD::from_shape_vec(IxDyn(&parse_shape(&r[4])), v).unwrap()
        })
        .collect()
}

/// NaN-propagating maximum along the last axis (NumPy's `max`).
fn max_last(a: &ArrayViewD<'_, f64>) -> ArrayD<f64> {
    a.fold_axis(
        Axis(a.ndim() - 1),
        f64::NEG_INFINITY,
        |m, &v| if m.is_nan() || v.is_nan() { f64::NAN } else { m.max(v) },
    )
}

fn sum_last(a: &ArrayViewD<'_, f64>) -> ArrayD<f64> {
    a.sum_axis(Axis(a.ndim() - 1))
}

fn opts(vectorize: bool) -> GufuncOptions {
    GufuncOptions { output_sizes: vec![('j', 5)], vectorize }
}

fn check(got: Vec<ChunkedArray<f64>>, want: &[ArrayD<f64>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.shape(), w.shape(), "{what}: declared shape of output {k}");
        assert_close(&g.compute().unwrap(), w, 1e-14, &format!("{what}: output {k}"));
    }
}

#[test]
fn several_outputs_match_numpy_vectorize_in_both_modes() {
    let fx = load_fixture("gufunc.txt");
    let (x, y) = (input(&fx, "x"), input(&fx, "y"));
    let yc = chunkings(y.shape());
    let mut cases = 0;
    for (n, cx) in chunkings(x.shape()).into_iter().enumerate() {
        let cy = &yc[n % yc.len()];
        let xa = ChunkedArray::from_array(x.clone(), cx.clone()).unwrap();
        let ya = ChunkedArray::from_array(y.clone(), cy.clone()).unwrap();
        for vectorize in [true, false] {
            let what = format!("x chunks {cx:?}, y chunks {cy:?}, vectorize {vectorize}");
            // (i),(i)->(),(i): a·b and a − 2b
            let got = apply_gufunc_with("(i),(i)->(),(i)", (&xa, &ya), &opts(vectorize), |(a, b)| {
                vec![sum_last(&(&a * &b).view()), &a - &(&b * 2.0)]
            })
            .unwrap();
            check(got, &expected(&fx, "dot_diff"), &format!("dot_diff {what}"));
            // (i)->(),(): mean and max
            let got = apply_gufunc_with("(i)->(),()", (&xa,), &opts(vectorize), |(a,)| {
                let n = a.shape()[a.ndim() - 1] as f64;
                vec![sum_last(&a) / n, max_last(&a)]
            })
            .unwrap();
            check(got, &expected(&fx, "stats"), &format!("stats {what}"));
            // (i)->(i,j),(): an output-only letter
            let got = apply_gufunc_with("(i)->(i,j),()", (&xa,), &opts(vectorize), |(a,)| {
                let nd = a.ndim();
                let col = a.clone().insert_axis(Axis(nd));
                let row = a.clone().insert_axis(Axis(nd - 1));
                vec![&col * &row, sum_last(&a)]
            })
            .unwrap();
            check(got, &expected(&fx, "outer_sum"), &format!("outer_sum {what}"));
            cases += 1;
        }
    }
    assert!(cases >= 6);
}

#[test]
fn whole_blocks_hold_the_loop_axes_of_one_block() {
    // vectorize = false: one call per block, each seeing that block's loop shape
    let x = ndchunk::arange::<f64>(0.0, 24.0, 1.0, [24]).unwrap().reshape(&[6, 4]).unwrap().rechunk([4, 3]).unwrap();
    let out = apply_gufunc_with("(i)->()", (&x,), &GufuncOptions::default(), |(b,)| {
        vec![ArrayD::from_elem(IxDyn(&b.shape()[..1]), b.shape()[0] as f64)]
    })
    .unwrap();
    assert_eq!(out[0].compute().unwrap().as_slice().unwrap(), &[4.0, 4.0, 4.0, 4.0, 2.0, 2.0]);
    // one output through apply_gufunc_with equals apply_gufunc
    let a = apply_gufunc("(i)->()", (&x,), &[], |(r,)| ndarray::arr0(r.sum()).into_dyn()).unwrap();
    let b = apply_gufunc_with("(i)->()", (&x,), &GufuncOptions { vectorize: true, ..Default::default() }, |(r,)| {
        vec![ndarray::arr0(r.sum()).into_dyn()]
    })
    .unwrap();
    assert_eq!(a.compute().unwrap(), b[0].compute().unwrap());
}

#[test]
fn multi_output_errors_are_typed() {
    let a = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    let two = |(x,): (ArrayViewD<'_, f64>,)| vec![sum_last(&x), sum_last(&x)];
    // apply_gufunc has one output
    assert!(matches!(
        apply_gufunc("(i)->(),()", (&a,), &[], |(x,)| ndarray::arr0(x.sum()).into_dyn()),
        Err(Error::Value(_))
    ));
    // no outputs, unknown output letter
    assert!(matches!(apply_gufunc_with("(i)->", (&a,), &GufuncOptions::default(), two), Err(Error::Value(_))));
    assert!(matches!(apply_gufunc_with("(i)->(),(k)", (&a,), &GufuncOptions::default(), two), Err(Error::Value(_))));
    // the function returns another number of arrays, or a wrong shape: errors when computed
    for vectorize in [true, false] {
        let o = GufuncOptions { vectorize, ..Default::default() };
        let r = apply_gufunc_with("(i)->(),(),()", (&a,), &o, two).unwrap();
        assert_eq!(r.len(), 3);
        assert!(matches!(r[0].compute(), Err(Error::Shape(_))));
        let r = apply_gufunc_with("(i)->(),()", (&a,), &o, |(x,)| vec![x.to_owned(), sum_last(&x)]).unwrap();
        assert!(matches!(r[1].compute(), Err(Error::Shape(_))));
    }
}
