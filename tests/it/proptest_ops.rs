//! Property tests: random shapes (0–4 axes, empty axes included) × random chunkings × random
//! chains of operations give the same values as ndarray.
#![allow(clippy::eq_op)]

use ndarray::{ArrayD, Axis, IxDyn};
use ndchunk::prelude::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    AddScalar(f64),
    MulScalar(f64),
    Neg,
    /// `x + x` with `x` rechunked to other chunks first.
    AddRechunked(Vec<usize>),
    Transpose,
    AbsSqrt,
    Rechunk(Vec<usize>),
    Square,
    /// `x - x.sum(axis, keepdims)`: a reduction broadcast back.
    SubSum(usize),
    /// Reshape to the reversed shape (C order; zero-length axes included).
    ReshapeReversed,
    /// `cumsum` along an axis (the blocked scan).
    Cumsum(usize),
}

fn chunk_sizes(shape: &[usize]) -> impl Strategy<Value = Vec<usize>> {
    shape.iter().map(|&n| 1..=n.max(1)).collect::<Vec<_>>()
}

fn step(shape: Vec<usize>) -> impl Strategy<Value = Step> {
    let nd = shape.len();
    prop_oneof![
        (-3.0..3.0f64).prop_map(Step::AddScalar),
        (-2.0..2.0f64).prop_map(Step::MulScalar),
        Just(Step::Neg),
        chunk_sizes(&shape).prop_map(Step::AddRechunked),
        Just(Step::Transpose),
        Just(Step::AbsSqrt),
        chunk_sizes(&shape).prop_map(Step::Rechunk),
        Just(Step::Square),
        (0..nd.max(1)).prop_map(Step::SubSum),
        Just(Step::ReshapeReversed),
        (0..nd.max(1)).prop_map(Step::Cumsum),
    ]
}

fn case() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<Step>, u8)> {
    prop::collection::vec(0usize..6, 0..=4).prop_flat_map(|shape| {
        // transposes reverse the shape; chunk sizes for the reversed shape are drawn per step
        // against the larger of the two extents so they stay valid either way
        let sym: Vec<usize> = shape.iter().zip(shape.iter().rev()).map(|(a, b)| *a.max(b)).collect();
        (Just(shape.clone()), chunk_sizes(&shape), prop::collection::vec(step(sym), 1..5), 0u8..4)
    })
}

fn reference(a: &ArrayD<f64>, steps: &[Step]) -> ArrayD<f64> {
    let mut r = a.clone();
    for s in steps {
        r = match s {
            Step::AddScalar(c) => &r + *c,
            Step::MulScalar(c) => &r * *c,
            Step::Neg => -&r,
            Step::AddRechunked(_) => &r + &r,
            Step::Transpose => r.t().to_owned(),
            Step::AbsSqrt => r.mapv(|v| v.abs().sqrt()),
            Step::Rechunk(_) => r,
            Step::Square => &r * &r,
            Step::SubSum(ax) => {
                if r.ndim() == 0 {
                    &r - &r
                } else {
                    let ax = ax % r.ndim();
                    let s = r.sum_axis(Axis(ax)).insert_axis(Axis(ax));
                    &r - &s
                }
            }
            Step::ReshapeReversed => {
                let rev: Vec<usize> = r.shape().iter().rev().copied().collect();
                r.as_standard_layout().into_owned().into_shape_with_order(IxDyn(&rev)).unwrap()
            }
            Step::Cumsum(ax) => {
                if r.ndim() == 0 {
                    r
                } else {
                    let mut c = r.clone();
                    c.accumulate_axis_inplace(Axis(ax % r.ndim()), |&p, v| *v += p);
                    c
                }
            }
        };
    }
    r
}

fn fit(sizes: &[usize], shape: &[usize]) -> Vec<usize> {
    shape.iter().zip(sizes).map(|(&n, &c)| c.min(n.max(1)).max(1)).collect()
}

fn lazy(x: &ChunkedArray<f64>, steps: &[Step]) -> ChunkedArray<f64> {
    let mut y = x.clone();
    for s in steps {
        y = match s {
            Step::AddScalar(c) => &y + *c,
            Step::MulScalar(c) => &y * *c,
            Step::Neg => -&y,
            Step::AddRechunked(c) => {
                let other = y.rechunk(fit(c, y.shape())).unwrap();
                &y + &other
            }
            Step::Transpose => y.t(),
            Step::AbsSqrt => y.abs().sqrt(),
            Step::Rechunk(c) => y.rechunk(fit(c, y.shape())).unwrap(),
            Step::Square => &y * &y,
            Step::SubSum(ax) => {
                if y.ndim() == 0 {
                    &y - &y
                } else {
                    let ax = ax % y.ndim();
                    let s = y.reduce_with(ndchunk::ReduceOptions::new().keepdims(true)).sum(ax).unwrap();
                    &y - &s
                }
            }
            Step::ReshapeReversed => {
                let rev: Vec<usize> = y.shape().iter().rev().copied().collect();
                y.reshape(&rev).unwrap()
            }
            Step::Cumsum(ax) => {
                if y.ndim() == 0 {
                    y
                } else {
                    y.cumsum(ax % y.ndim()).unwrap()
                }
            }
        };
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1200, ..ProptestConfig::default() })]

    #[test]
    fn op_chains_match_ndarray((shape, chunks, steps, fin) in case()) {
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), (0..n).map(|i| ((i * 7919) % 23) as f64 - 11.0).collect()).unwrap();
        let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        let want = reference(&a, &steps);
        let y = lazy(&x, &steps);
        prop_assert_eq!(y.shape(), want.shape());
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let close = |g: &ArrayD<f64>, w: &ArrayD<f64>| {
            g.shape() == w.shape() && g.iter().zip(w.iter()).all(|(p, q)| (p.is_nan() && q.is_nan()) || (p - q).abs() <= 1e-9 * scale.max(1.0))
        };
        match fin {
            0 => {
                let got = y.compute().unwrap();
                prop_assert!(close(&got, &want), "{:?} vs {:?}", got, want);
            }
            1 => {
                let got = y.sum(None).unwrap().compute().unwrap();
                let w = ArrayD::from_elem(IxDyn(&[]), want.sum());
                prop_assert!((got[[]] - w[[]]).abs() <= 1e-9 * scale.max(1.0) * (n.max(1) as f64));
            }
            2 if want.ndim() > 0 => {
                let got = y.mean(0).unwrap().compute().unwrap();
                let w = if want.shape()[0] == 0 {
                    ArrayD::from_elem(IxDyn(&want.shape()[1..]), f64::NAN)
                } else {
                    want.mean_axis(Axis(0)).unwrap()
                };
                prop_assert!(close(&got, &w), "{:?} vs {:?}", got, w);
            }
            _ => {
                if !want.is_empty() {
                    let got = y.max(None).unwrap().item().unwrap();
                    let w = want.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    prop_assert!((got - w).abs() <= 1e-9 * scale.max(1.0) || (got.is_nan() && want.iter().any(|v| v.is_nan())));
                }
            }
        }
    }
}
