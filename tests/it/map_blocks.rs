//! `ndchunk::map_blocks` over several arrays: alignment (broadcasting, chunk unification),
//! `BlockInfo`, `drop_axis`, `new_axis`, declared chunks, and errors; against ndarray.

use ndarray::{ArrayD, Axis, IxDyn, Zip};
use ndchunk::prelude::*;
use ndchunk::{map_blocks, map_blocks_with, BlockInfo, Error, MapBlocksOptions};
use proptest::prelude::*;

use crate::common::chunkings;

fn data(shape: &[usize], k: usize) -> ArrayD<f64> {
    let mut i = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        i += 1;
        if (i + k).is_multiple_of(17) {
            f64::NAN
        } else {
            ((i * 13 + k * 7) % 29) as f64 - 14.0
        }
    })
}

fn same(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())), "{what}");
}

#[test]
fn two_arrays_of_different_types_and_chunks() {
    let shape = [7, 5];
    let a = data(&shape, 1);
    let b = data(&shape, 2).mapv(|v| if v.is_nan() { 3 } else { v as i32 });
    let want = Zip::from(&a).and(&b).map_collect(|&x, &y| x * 2.0 + y as f64);
    for ca in chunkings(&shape) {
        for cb in chunkings(&shape) {
            let xa = ChunkedArray::from_array(a.clone(), ca.clone()).unwrap();
            let xb = ChunkedArray::from_array(b.clone(), cb.clone()).unwrap();
            let y = map_blocks((&xa, &xb), |(x, w), _: &BlockInfo| {
                Zip::from(&x).and(&w).map_collect(|&x, &w| x * 2.0 + w as f64)
            })
            .unwrap();
            // the common refinement of both chunkings
            for ax in 0..2 {
                let mut cuts: Vec<usize> = xa.chunks().offsets(ax).into_iter().chain(xb.chunks().offsets(ax)).collect();
                cuts.sort_unstable();
                cuts.dedup();
                assert_eq!(y.chunks().offsets(ax), cuts, "{ca:?} {cb:?}");
            }
            same(&y.compute().unwrap(), &want, &format!("{ca:?} {cb:?}"));
        }
    }
}

#[test]
fn broadcast_inputs_get_their_one_block_unbroadcast() {
    let m = data(&[6, 4], 3);
    let row = data(&[4], 4);
    let col = data(&[6, 1], 5);
    let want = &(&m + &row) * &col;
    for ch in chunkings(&[6, 4]) {
        let xm = ChunkedArray::from_array(m.clone(), ch.clone()).unwrap();
        let xr = ChunkedArray::from_array(row.clone(), [2]).unwrap();
        let xc = ChunkedArray::from_array(col.clone(), [6, 1]).unwrap();
        let y = map_blocks((&xm, &xr, &xc), |(m, r, c), info: &BlockInfo| {
            // the column has one block of length 1 along axis 1: it arrives as (rows, 1)
            assert_eq!(c.shape()[1], 1);
            assert_eq!(r.len(), info.chunk_shape[1]);
            let s = &m + &r;
            &s * &c
        });
        // the (6, 1) column is one block along axis 0 while `m` has several: it is rechunked
        let y = y.unwrap();
        same(&y.compute().unwrap(), &want, &format!("{ch:?}"));
    }
}

#[test]
fn block_info_names_positions_in_the_output_and_the_inputs() {
    let a = ChunkedArray::from_array(data(&[5, 7], 0), [2, 3]).unwrap();
    let r = ChunkedArray::from_array(data(&[7], 1), [4]).unwrap();
    let infos = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = infos.clone();
    let y = map_blocks((&a, &r), move |(x, _), info: &BlockInfo| {
        seen.lock().unwrap().push(info.clone());
        ArrayD::from_elem(x.raw_dim(), (info.block_id[0] * 10 + info.block_id[1]) as i64)
    })
    .unwrap();
    let v = y.compute().unwrap();
    let offs0 = y.chunks().offsets(0);
    let offs1 = y.chunks().offsets(1);
    assert_eq!(offs1, vec![0, 3, 4, 6, 7]); // [3, 3, 1] refined with [4, 3]
    for ((i, j), &got) in v.view().into_dimensionality::<ndarray::Ix2>().unwrap().indexed_iter() {
        let bi = offs0.partition_point(|&o| o <= i) - 1;
        let bj = offs1.partition_point(|&o| o <= j) - 1;
        assert_eq!(got, (bi * 10 + bj) as i64);
    }
    let infos = infos.lock().unwrap();
    assert_eq!(infos.len(), 3 * 4);
    for info in infos.iter() {
        let (bi, bj) = (info.block_id[0], info.block_id[1]);
        assert_eq!(info.num_blocks, vec![3, 4]);
        assert_eq!(info.shape, vec![5, 7]);
        assert_eq!(info.location, vec![offs0[bi]..offs0[bi + 1], offs1[bj]..offs1[bj + 1]]);
        assert_eq!(info.inputs[0].location, info.location);
        // the 1-d input is right-aligned: its block follows the output's last axis
        assert_eq!(info.inputs[1].location, vec![offs1[bj]..offs1[bj + 1]]);
        assert_eq!(info.inputs[1].block_id, vec![bj]);
        assert_eq!(info.inputs[1].shape, vec![7]);
    }
}

#[test]
fn drop_axis_new_axis_and_declared_chunks() {
    let x = data(&[6, 9], 2);
    let cx = ChunkedArray::from_array(x.clone(), [4, 2]).unwrap();
    // drop axis 1 (the blocks along it are joined first): row maxima ignoring NaN
    let opts = MapBlocksOptions { drop_axis: vec![-1], ..Default::default() };
    let f = |(b,): (ndarray::ArrayViewD<'_, f64>,), _: &BlockInfo| {
        b.map_axis(Axis(1), |r| r.iter().copied().filter(|v| !v.is_nan()).fold(f64::MIN, f64::max))
    };
    let y = map_blocks_with((&cx,), &opts, f).unwrap();
    assert_eq!(y.chunks().axis(0), &[4, 2]);
    let want = x.map_axis(Axis(1), |r| r.iter().copied().filter(|v| !v.is_nan()).fold(f64::MIN, f64::max));
    same(&y.compute().unwrap(), &want, "drop_axis");
    // a new leading axis of length 1
    let opts = MapBlocksOptions { new_axis: vec![0], ..Default::default() };
    let y = map_blocks_with((&cx,), &opts, |(b,), _| b.to_owned().insert_axis(Axis(0))).unwrap();
    assert_eq!(y.shape(), &[1, 6, 9]);
    same(&y.compute().unwrap(), &x.clone().insert_axis(Axis(0)), "new_axis");
    // declared chunks: every block doubled along axis 0
    let opts = MapBlocksOptions { chunks: Some(vec![vec![8, 4], vec![2, 2, 2, 2, 1]]), ..Default::default() };
    let y = map_blocks_with((&cx,), &opts, |(b,), _| ndarray::concatenate(Axis(0), &[b.view(), b.view()]).unwrap())
        .unwrap();
    assert_eq!(y.shape(), &[12, 9]);
    let v = y.compute().unwrap();
    same(
        &v.slice(ndarray::s![0..4, ..]).to_owned().into_dyn(),
        &x.slice(ndarray::s![0..4, ..]).to_owned().into_dyn(),
        "doubled",
    );
}

#[test]
fn zero_length_axes_and_0d() {
    let e = ChunkedArray::from_array(ArrayD::<f64>::zeros(IxDyn(&[0, 3])), [1, 2]).unwrap();
    let y = map_blocks((&e,), |(b,), _| b.mapv(|v| v + 1.0)).unwrap();
    assert_eq!(y.compute().unwrap().shape(), &[0, 3]);
    let s = ChunkedArray::<f64>::from_array(ndarray::arr0(2.0).into_dyn(), Vec::<usize>::new()).unwrap();
    let m = ChunkedArray::from_array(data(&[3, 2], 0), [2, 1]).unwrap();
    // a 0-d input broadcasts against everything
    let y = map_blocks((&m, &s), |(b, s), info: &BlockInfo| {
        assert!(info.inputs[1].block_id.is_empty());
        b.mapv(|v| v * s[[]])
    })
    .unwrap();
    same(&y.compute().unwrap(), &data(&[3, 2], 0).mapv(|v| v * 2.0), "0-d");
}

#[test]
fn bad_arguments_are_typed_errors() {
    let a = ndchunk::ones::<f64>(&[4, 3], [2, 2]).unwrap();
    let b = ndchunk::ones::<f64>(&[4, 2], [2, 2]).unwrap();
    let f2 = |(x, _): (ndarray::ArrayViewD<'_, f64>, ndarray::ArrayViewD<'_, f64>), _: &BlockInfo| x.to_owned();
    assert!(matches!(map_blocks((&a, &b), f2), Err(Error::Broadcast { .. })));
    let f1 = |(x,): (ndarray::ArrayViewD<'_, f64>,), _: &BlockInfo| x.to_owned();
    let bad_axis = MapBlocksOptions { drop_axis: vec![2], ..Default::default() };
    assert!(matches!(map_blocks_with((&a,), &bad_axis, f1), Err(Error::Axis { .. })));
    let bad_chunks = MapBlocksOptions { chunks: Some(vec![vec![4], vec![3]]), ..Default::default() };
    assert!(matches!(map_blocks_with((&a,), &bad_chunks, f1), Err(Error::Chunks(_))));
    // a block of the wrong shape, and a panic inside the function: errors at compute time
    let y = map_blocks((&a,), |(x,), _| x.sum_axis(Axis(0))).unwrap();
    assert!(matches!(y.compute(), Err(Error::Shape(_))));
    let y = map_blocks((&a,), |(x,), info: &BlockInfo| {
        assert!(info.block_id != [1, 1], "user function failed");
        x.to_owned()
    })
    .unwrap();
    assert!(matches!(y.compute(), Err(Error::TaskPanicked { .. })));
    // the pool survives
    assert_eq!(a.sum(None).unwrap().item().unwrap(), 12.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn aligned_map_matches_ndarray((shape, ch) in crate::common::shape_and_chunks(), ch2 in prop::collection::vec(1usize..4, 3)) {
        let a = data(&shape, 1);
        let b = data(&shape, 2);
        let cb: Vec<usize> = ch2.iter().take(shape.len()).copied().collect();
        let xa = ChunkedArray::from_array(a.clone(), ch).unwrap();
        let xb = ChunkedArray::from_array(b.clone(), cb).unwrap();
        let y = map_blocks((&xa, &xb), |(x, w), _: &BlockInfo| &x - &w).unwrap();
        same(&y.compute().unwrap(), &(&a - &b), "a - b");
    }
}
