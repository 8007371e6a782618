//! Rechunk, reshape, slicing, take, masks, joins and shape changes vs ndarray.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::chunkings;
use ndarray::{s, ArrayD, Axis, IxDyn, NewAxis};
use ndchunk::prelude::*;
use ndchunk::scheduler::{Callback, TaskEvent};
use ndchunk::{Config, RechunkOptions};
use proptest::prelude::*;

fn data(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
}

/// Largest bytes_in + bytes_out of any task.
#[derive(Default)]
struct TaskBytes(Mutex<usize>);

impl Callback for TaskBytes {
    fn on_task_finish(&self, e: &TaskEvent<'_>) {
        let mut m = self.0.lock().unwrap();
        *m = (*m).max(e.bytes_in + e.bytes_out);
    }
}

fn max_task_bytes<T: Element>(x: &ChunkedArray<T>) -> (ArrayD<T>, usize) {
    let probe = Arc::new(TaskBytes::default());
    let cfg = Config::default().with_threads(2).with_callback(probe.clone());
    let r = x.compute_with(&cfg).unwrap();
    let m = *probe.0.lock().unwrap();
    (r, m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_rechunk_preserves_data(
        (shape, a, b) in prop::collection::vec(1usize..9, 1..=3).prop_flat_map(|shape| {
            let c1 = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            let c2 = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            (Just(shape), c1, c2)
        })
    ) {
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), a).unwrap();
        let y = x.rechunk(b.clone()).unwrap();
        let want: Vec<usize> = b.iter().zip(&shape).map(|(&c, &n)| c.min(n)).collect();
        prop_assert_eq!(y.chunks().chunksize(), want);
        prop_assert_eq!(y.compute().unwrap(), d);
    }

    #[test]
    fn every_reshape_matches_ndarray(
        (shape, chunks, perm) in prop::collection::vec(1usize..6, 1..=4).prop_flat_map(|shape| {
            let c = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
            let n = shape.len();
            (Just(shape), c, Just(()).prop_perturb(move |_, mut rng| {
                let mut idx: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() { idx.swap(i, (rng.next_u32() as usize) % (i + 1)); }
                idx
            }))
        })
    ) {
        // target: the same factors in another order, split or merged
        let d = data(&shape);
        let x = ChunkedArray::from_array(d.clone(), chunks).unwrap();
        let target: Vec<usize> = perm.iter().map(|&i| shape[i]).collect();
        let flat = d.as_slice().unwrap().to_vec();
        for t in [target.clone(), vec![d.len()], vec![1, d.len(), 1]] {
            let ti: Vec<isize> = t.iter().map(|&v| v as isize).collect();
            let y = x.reshape(&ti).unwrap();
            let got = y.compute().unwrap();
            prop_assert_eq!(got.shape(), t.as_slice());
            let std = got.as_standard_layout();
            prop_assert_eq!(std.as_slice().unwrap(), flat.as_slice());
        }
    }
}

#[test]
fn transpose_like_rechunk_graph_is_bounded() {
    // 1000 row blocks to 1000 column blocks: direct would be 10^6 block pairs
    let x = ndchunk::ones::<f32>(&[1000, 1000], [1, 1000]).unwrap();
    let y = x.rechunk([1000, 1]).unwrap();
    let plan = ndchunk::graph::Plan::build_with(&[y.node_for_tests()], false).unwrap();
    let deps: usize = plan.tasks.iter().map(|t| t.deps.len()).sum();
    assert!(deps < 150_000, "{deps} dependencies");
    assert!(plan.ntasks() < 10_000, "{} tasks", plan.ntasks());
    assert_eq!(y.sum(None).unwrap().item().unwrap(), 1e6);
    // per-task memory: output plus overlapping inputs stay within a few blocks
    let a = data(&[120, 120]).mapv(|v| v as f64);
    let x = ChunkedArray::from_array(a.clone(), [4, 120]).unwrap();
    let y = x.rechunk([120, 4]).unwrap();
    let (r, bytes) = max_task_bytes(&y);
    assert_eq!(r, a);
    let block = 4 * 120 * 8;
    assert!(bytes <= 8 * block, "{bytes} bytes in one task, block {block}");
    let z = x.rechunk_with([120, 4], &RechunkOptions { block_size_limit: Some(block), threshold: 1.0 }).unwrap();
    assert_eq!(z.compute().unwrap(), a);
}

#[test]
fn dask_reshape_golden_cases() {
    // (inshape, outshape, prechunks) of dask's test_reshape_rechunk
    type Case = (Vec<usize>, Vec<usize>, Vec<Vec<usize>>);
    let cases: Vec<Case> = vec![
        (vec![4], vec![4], vec![vec![2, 2]]),
        (vec![4], vec![2, 2], vec![vec![2, 2]]),
        (vec![4], vec![4, 1], vec![vec![2, 2]]),
        (vec![4], vec![1, 4], vec![vec![2, 2]]),
        (vec![1, 4], vec![4], vec![vec![1], vec![2, 2]]),
        (vec![4, 1], vec![4], vec![vec![2, 2], vec![1]]),
        (vec![4, 1, 4], vec![4, 4], vec![vec![2, 2], vec![1], vec![2, 2]]),
        (vec![4, 4], vec![4, 1, 4], vec![vec![2, 2], vec![2, 2]]),
        (vec![2, 2], vec![4], vec![vec![2], vec![2]]),
        (vec![2, 2], vec![4], vec![vec![1, 1], vec![2]]),
        (vec![2, 2], vec![4], vec![vec![2], vec![1, 1]]),
        (vec![64], vec![4, 4, 4], vec![vec![8; 8]]),
        (vec![64], vec![4, 4, 4], vec![vec![32, 32]]),
        (vec![64], vec![4, 4, 4], vec![vec![16, 48]]),
        (vec![64], vec![4, 4, 4], vec![vec![20, 44]]),
        (vec![64, 4], vec![8, 8, 4], vec![vec![16; 4], vec![2, 2]]),
        // shapes dask refuses
        (vec![6, 5, 4], vec![4, 5, 6], vec![vec![2, 2, 2], vec![5], vec![2, 2]]),
        (vec![6, 5, 4], vec![2, 60], vec![vec![3, 3], vec![2, 3], vec![4]]),
        (vec![10, 6, 6], vec![60, 6], vec![vec![5, 5], vec![2, 2, 2], vec![3, 3]]),
    ];
    for (ins, outs, pre) in cases {
        let d = data(&ins);
        let x = ChunkedArray::from_array(d.clone(), Chunks::explicit(pre.clone())).unwrap();
        let o: Vec<isize> = outs.iter().map(|&v| v as isize).collect();
        let y = x.reshape(&o).unwrap();
        assert_eq!(
            y.compute().unwrap(),
            d.clone().into_shape_with_order(IxDyn(&outs)).unwrap(),
            "{ins:?} -> {outs:?} {pre:?}"
        );
    }
}

#[test]
fn the_reshape_dask_refuses_runs_in_bounded_memory() {
    // (5000, 5000) chunks (2500, 2500) -> (1000, 5000, 5), scaled down 10x per axis
    let a = data(&[500, 500]).mapv(|v| v as f64);
    let x = ChunkedArray::from_array(a.clone(), [250, 250]).unwrap();
    let y = x.reshape(&[100, 500, 5]).unwrap();
    let (r, bytes) = max_task_bytes(&y);
    assert_eq!(r, a.clone().into_shape_with_order(IxDyn(&[100, 500, 5])).unwrap());
    let block = 250 * 250 * 8;
    assert!(bytes <= 4 * block, "{bytes} bytes in one task (block {block})");
    assert_eq!(y.sum(None).unwrap().item().unwrap(), a.sum());
    // the bound holds for a reshape with coprime trailing axes too
    let b = data(&[77, 91]).mapv(|v| v as f64);
    let x = ChunkedArray::from_array(b.clone(), [20, 30]).unwrap();
    let y = x.reshape(&[91, 77]).unwrap();
    let (r, bytes) = max_task_bytes(&y);
    assert_eq!(r, b.into_shape_with_order(IxDyn(&[91, 77])).unwrap());
    assert!(bytes <= 4 * 30 * 30 * 8 + 4 * 91 * 8 * 8, "{bytes}");
    // errors
    assert!(matches!(x.reshape(&[5, -1]), Err(Error::Shape(_))));
    assert!(matches!(x.reshape(&[-1, -1]), Err(Error::Value(_))));
}

#[test]
fn slicing_matches_ndarray() {
    let d = data(&[9, 8, 5]);
    for c in chunkings(&[9, 8, 5]) {
        let x = ChunkedArray::from_array(d.clone(), c.clone()).unwrap();
        let check = |got: ChunkedArray<i64>, want: ndarray::ArrayViewD<'_, i64>| {
            assert_eq!(got.compute().unwrap(), want, "{c:?}");
        };
        check(x.slice(s![.., .., ..]).unwrap(), d.slice(s![.., .., ..]).into_dyn());
        check(x.slice(s![2..7, 1..;3, ..;-1]).unwrap(), d.slice(s![2..7, 1..;3, ..;-1]).into_dyn());
        check(x.slice(s![-3.., 4, 1..2]).unwrap(), d.slice(s![-3.., 4, 1..2]).into_dyn());
        check(x.slice(s![1..8;-2, .., -1]).unwrap(), d.slice(s![1..8;-2, .., -1]).into_dyn());
        check(
            x.slice(s![3, NewAxis, 2..6, NewAxis, ..]).unwrap(),
            d.slice(s![3, NewAxis, 2..6, NewAxis, ..]).into_dyn(),
        );
        check(x.slice(s![4..4, .., ..]).unwrap(), d.slice(s![4..4, .., ..]).into_dyn());
        check(x.slice(s![..;4]).unwrap(), d.slice(s![..;4, .., ..]).into_dyn());
        check(x.slice(s![8, 7, 4]).unwrap(), d.slice(s![8, 7, 4]).into_dyn());
    }
    let x = ChunkedArray::from_array(d.clone(), [3, 3, 3]).unwrap();
    assert!(matches!(x.slice(s![9, .., ..]), Err(Error::Index { index: 9, axis: 0, size: 9 })));
    assert!(matches!(x.slice(s![.., -9, ..]), Err(Error::Index { .. })));
    assert!(x.slice(s![.., .., .., ..]).is_err());
    // out-of-range range bounds clip as in NumPy
    assert_eq!(x.slice(s![5..100, .., ..]).unwrap().shape(), &[4, 8, 5]);
}

#[test]
fn slicing_only_computes_the_blocks_it_needs() {
    let reads = Arc::new(AtomicUsize::new(0));
    let r2 = reads.clone();
    let x = ChunkedArray::from_array(data(&[100, 100]), [10, 10])
        .unwrap()
        .map_blocks(move |b| {
            r2.fetch_add(1, Ordering::SeqCst);
            b.to_owned()
        })
        .unwrap();
    let y = x.slice(s![15..25, 95..]).unwrap();
    assert_eq!(y.compute().unwrap(), data(&[100, 100]).slice(s![15..25, 95..]).into_dyn());
    assert_eq!(reads.load(Ordering::SeqCst), 2);
}

#[test]
fn take_matches_numpy() {
    let d = data(&[7, 6]);
    for c in chunkings(&[7, 6]) {
        let x = ChunkedArray::from_array(d.clone(), c.clone()).unwrap();
        let idx = [5usize, 0, 0, 6, 3, 2];
        assert_eq!(x.take(&idx, 0).unwrap().compute().unwrap(), d.select(Axis(0), &idx));
        assert_eq!(x.take(&[-1isize, 1], 1).unwrap().compute().unwrap(), d.select(Axis(1), &[5, 1]));
        assert_eq!(x.take(&Vec::<usize>::new(), 1).unwrap().compute().unwrap().shape(), &[7, 0]);
    }
    let x = ChunkedArray::from_array(d, [3, 3]).unwrap();
    assert!(matches!(x.take(&[7usize], 0), Err(Error::Index { index: 7, axis: 0, size: 7 })));
    assert!(matches!(x.take(&[-8isize], 0), Err(Error::Index { .. })));
    assert!(matches!(x.take(&[0usize], 2), Err(Error::Axis { .. })));
}

#[test]
fn masks_give_numpy_order_and_unknown_sizes() {
    let d = data(&[8, 9]).mapv(|v| (v * 37 % 100) as f64);
    let want: Vec<f64> = d.iter().copied().filter(|&v| v < 30.0).collect();
    for c in chunkings(&[8, 9]) {
        let x = ChunkedArray::from_array(d.clone(), c.clone()).unwrap();
        let m = x.lt(30.0).unwrap();
        let y = x.mask(&m).unwrap();
        assert_eq!(y.ndim(), 1);
        assert!(!y.chunks().is_known());
        assert_eq!(y.shape(), &[ndchunk::UNKNOWN]);
        assert_eq!(y.compute().unwrap().as_slice().unwrap(), want.as_slice(), "{c:?}");
        // reductions work on unknown sizes
        assert_eq!(y.sum(None).unwrap().item().unwrap(), want.iter().sum::<f64>());
        assert_eq!(y.max(None).unwrap().item().unwrap(), want.iter().copied().fold(f64::MIN, f64::max));
        // elementwise on the masked array
        assert_eq!((&y * 2.0).sum(None).unwrap().item().unwrap(), 2.0 * want.iter().sum::<f64>());
        // operations needing sizes say so, until they are computed
        assert!(matches!(y.rechunk([5]), Err(Error::UnknownChunkSizes { .. })));
        assert!(matches!(y.reshape(&[-1isize, 1]), Err(Error::UnknownChunkSizes { .. })));
        assert!(matches!(y.slice(s![1..3]), Err(Error::UnknownChunkSizes { .. })));
        let k = y.compute_chunk_sizes().unwrap();
        assert_eq!(k.shape(), &[want.len()]);
        assert_eq!(k.slice(s![1..3]).unwrap().compute().unwrap().as_slice().unwrap(), &want[1..3]);
    }
    // masks producing empty blocks, and an all-false mask
    let x = ChunkedArray::from_array(data(&[20]).mapv(|v| v as f64), [3]).unwrap();
    let y = x.mask(&x.gt(16.0).unwrap()).unwrap();
    assert_eq!(y.compute().unwrap().as_slice().unwrap(), &[17.0, 18.0, 19.0]);
    assert_eq!(y.compute_chunk_sizes().unwrap().chunks().axis(0), &[0, 0, 0, 0, 0, 1, 2]);
    let none = x.mask(&x.gt(100.0).unwrap()).unwrap();
    assert_eq!(none.compute().unwrap().len(), 0);
    assert_eq!(none.sum(None).unwrap().item().unwrap(), 0.0);
    // shape mismatch
    let other = ndchunk::ones::<bool>(&[19], [3]).unwrap();
    assert!(matches!(x.mask(&other), Err(Error::Shape(_))));
}

#[test]
fn joins_and_shape_changes() {
    let a = data(&[4, 3]);
    let b = data(&[2, 3]).mapv(|v| v + 100);
    for ca in chunkings(&[4, 3]) {
        let x = ChunkedArray::from_array(a.clone(), ca.clone()).unwrap();
        let y = ChunkedArray::from_array(b.clone(), [1, 2]).unwrap();
        let c = ndchunk::concatenate(&[&x, &y], 0).unwrap();
        assert_eq!(c.compute().unwrap(), ndarray::concatenate(Axis(0), &[a.view(), b.view()]).unwrap());
        let t = ndchunk::concatenate(&[&x.t(), &y.t()], -1).unwrap();
        assert_eq!(t.compute().unwrap(), ndarray::concatenate(Axis(1), &[a.t(), b.t()]).unwrap());
        let s2 = ndchunk::stack(&[&x, &x], 1).unwrap();
        assert_eq!(s2.compute().unwrap(), ndarray::stack(Axis(1), &[a.view(), a.view()]).unwrap());
        let bl = ndchunk::block(&[&[&x, &x], &[&x, &x]]).unwrap();
        let row = ndarray::concatenate(Axis(1), &[a.view(), a.view()]).unwrap();
        assert_eq!(bl.compute().unwrap(), ndarray::concatenate(Axis(0), &[row.view(), row.view()]).unwrap());
        assert_eq!(x.expand_dims(1).unwrap().compute().unwrap(), a.clone().insert_axis(Axis(1)));
        assert_eq!(x.expand_dims(-1).unwrap().squeeze(None).unwrap().compute().unwrap(), a);
        assert_eq!(x.ravel().unwrap().compute().unwrap().as_slice().unwrap(), a.as_slice().unwrap());
        assert_eq!(x.flatten().unwrap().shape(), &[12]);
        let bc = x.slice(s![..1, ..]).unwrap().broadcast_to(&[5, 4, 3]).unwrap();
        assert_eq!(bc.compute().unwrap(), a.slice(s![..1, ..]).broadcast(IxDyn(&[5, 4, 3])).unwrap());
    }
    let x = ChunkedArray::from_array(a.clone(), [2, 2]).unwrap();
    assert!(matches!(x.squeeze(Some(&[0])), Err(Error::Value(_))));
    assert!(matches!(ndchunk::concatenate(&[&x, &x.t()], 0), Err(Error::Shape(_))));
    assert!(ndchunk::stack::<f64>(&[], 0).is_err());
    assert!(matches!(x.broadcast_to(&[4, 4]), Err(Error::Broadcast { .. })));
    // the seed's stack of four (12, 444, 922)-like cubes, scaled down
    let cubes: Vec<ChunkedArray<f64>> =
        (0..4).map(|k| ndchunk::full::<f64>(&[3, 4, 5], k as f64, [1, 4, 5]).unwrap()).collect();
    let refs: Vec<&ChunkedArray<f64>> = cubes.iter().collect();
    let st = ndchunk::stack(&refs, 0).unwrap();
    assert_eq!(st.shape(), &[4, 3, 4, 5]);
    assert_eq!(st.mean([1, 2, 3]).unwrap().compute().unwrap().as_slice().unwrap(), &[0.0, 1.0, 2.0, 3.0]);
}
