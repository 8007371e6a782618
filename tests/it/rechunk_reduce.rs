//! Reductions of rechunked arrays read the rechunk's input: same values and result chunks as
//! the rechunked array would give, without materialising gathered blocks.

use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, TaskEvent};
use ndchunk::{Config, ReduceOptions};
use proptest::prelude::*;

use crate::common::chunkings;

fn data(shape: &[usize]) -> ArrayD<i64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let f = i.slice().iter().fold(0i64, |acc, &k| acc * 31 + k as i64);
        (f * 7919) % 23 - 11
    })
}

/// NumPy's sum over `axes` (sorted), optionally keeping them.
fn sum_ref(a: &ArrayD<i64>, axes: &[usize], keepdims: bool) -> ArrayD<i64> {
    let mut r = a.clone();
    for &ax in axes.iter().rev() {
        r = r.sum_axis(Axis(ax));
        if keepdims {
            r.insert_axis_inplace(Axis(ax));
        }
    }
    r
}

/// Largest input-plus-output bytes of one task.
#[derive(Default)]
struct TaskBytes(Mutex<usize>);

impl Callback for TaskBytes {
    fn on_task_finish(&self, ev: &TaskEvent<'_>) {
        let mut m = self.0.lock().unwrap();
        *m = (*m).max(ev.bytes_in + ev.bytes_out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn reductions_of_rechunked_arrays_match(
        (shape, a, b, mask, keepdims) in prop::collection::vec(0usize..7, 1..=3).prop_flat_map(|shape| {
            let c1 = shape.iter().map(|&n| 1..=n.max(1)).collect::<Vec<_>>();
            let c2 = shape.iter().map(|&n| 1..=n.max(1)).collect::<Vec<_>>();
            let nd = shape.len();
            (Just(shape), c1, c2, 0u32..(1 << nd), any::<bool>())
        })
    ) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), a).unwrap();
        let y = x.rechunk(b).unwrap();
        let axes: Vec<usize> = (0..shape.len()).filter(|k| mask & (1 << k) != 0).collect();
        let axes = if axes.is_empty() { (0..shape.len()).collect() } else { axes };
        let s = y.reduce_with(ReduceOptions::new().keepdims(keepdims)).sum(axes.clone()).unwrap();
        // the result is cut as the rechunked array's kept axes
        let want_chunks: Vec<Vec<usize>> = (0..shape.len())
            .filter_map(|k| match (axes.contains(&k), keepdims) {
                (false, _) => Some(y.chunks().axis(k).to_vec()),
                (true, true) => Some(vec![1]),
                (true, false) => None,
            })
            .collect();
        let got_chunks: Vec<Vec<usize>> = (0..s.ndim()).map(|k| s.chunks().axis(k).to_vec()).collect();
        prop_assert_eq!(got_chunks, want_chunks);
        prop_assert_eq!(s.compute().unwrap(), sum_ref(&d, &axes, keepdims));
        // arg-reductions keep global positions
        if !d.is_empty() {
            let am = y.argmax(None).unwrap().item().unwrap();
            let flat: Vec<i64> = d.iter().copied().collect();
            let best = flat.iter().copied().max().unwrap();
            prop_assert_eq!(am as usize, flat.iter().position(|&v| v == best).unwrap());
        }
    }
}

#[test]
fn float_statistics_of_rechunked_arrays_with_nan() {
    let shape = [9usize, 7];
    let a = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
        let v = (i[0] * 7 + i[1] * 3) as f64 - 20.0;
        if (i[0] + i[1]) % 5 == 0 {
            f64::NAN
        } else if i[0] == 4 && i[1] == 2 {
            f64::INFINITY
        } else {
            v
        }
    });
    for c1 in chunkings(&shape) {
        for c2 in chunkings(&shape) {
            let y = ChunkedArray::from_array(a.clone(), c1.clone()).unwrap().rechunk(c2.clone()).unwrap();
            for axis in [0usize, 1] {
                let nanmax = y.nanmax(axis).unwrap().compute().unwrap();
                let want = a.map_axis(Axis(axis), |l| {
                    l.iter().copied().filter(|v| !v.is_nan()).fold(f64::NEG_INFINITY, f64::max)
                });
                assert_eq!(nanmax, want, "{c1:?} → {c2:?} axis {axis}");
                let max = y.max(axis).unwrap().compute().unwrap();
                let want = a.map_axis(Axis(axis), |l| {
                    if l.iter().any(|v| v.is_nan()) {
                        f64::NAN
                    } else {
                        l.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    }
                });
                assert!(max.iter().zip(&want).all(|(g, w)| g == w || (g.is_nan() && w.is_nan())), "{c1:?} → {c2:?}");
                let mean = y.nanmean(axis).unwrap().compute().unwrap();
                let want = a.map_axis(Axis(axis), |l| {
                    let v: Vec<f64> = l.iter().copied().filter(|v| !v.is_nan()).collect();
                    v.iter().sum::<f64>() / v.len() as f64
                });
                assert!(
                    mean.iter().zip(&want).all(|(g, w)| g == w || (g - w).abs() <= 1e-12 * w.abs()),
                    "{mean} vs {want}"
                );
            }
        }
    }
}

#[test]
fn rows_to_columns_then_sum_streams_the_row_blocks() {
    // 40 row blocks → 40 column blocks: a column block gathers a piece of every row block, so
    // materialising it would hold the whole array in one task
    let a = ArrayD::from_shape_fn(IxDyn(&[400, 400]), |i| (i[0] * 400 + i[1]) as f64);
    let x = ChunkedArray::from_array(a.clone(), [10, 400]).unwrap();
    let y = x.rechunk([400, 10]).unwrap();
    for r in [y.sum(None).unwrap(), y.sum(0).unwrap().sum(None).unwrap(), &y.mean(None).unwrap() * 160_000.0] {
        let probe = Arc::new(TaskBytes::default());
        let cfg = Config::default().with_threads(2).with_callback(probe.clone());
        let got = r.compute_with(&cfg).unwrap().into_iter().next().unwrap();
        assert_eq!(got, a.sum());
        let block = 10 * 400 * 8;
        let most = *probe.0.lock().unwrap();
        assert!(most <= 2 * block, "a task held {most} bytes (block {block})");
    }
    // the rechunked array itself is still the rechunked array
    assert_eq!(y.compute().unwrap(), a);
    assert_eq!(y.sum(0).unwrap().chunks().axis(0), &[10; 40][..]);
}
