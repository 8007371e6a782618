//! Constructors and chunk specs vs ndarray.

use crate::common;

use common::chunkings;
use ndarray::{Array, ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{AxisSpec, WHOLE};

#[test]
fn from_array_round_trips_owned_views_and_shared() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 7, 3]), |i| (i[0] * 100 + i[1] * 10 + i[2]) as i64);
    for c in chunkings(&[5, 7, 3]) {
        assert_eq!(ChunkedArray::from_array(a.clone(), c.clone()).unwrap().compute().unwrap(), a);
        assert_eq!(ChunkedArray::from_array(a.view(), c.clone()).unwrap().compute().unwrap(), a);
        assert_eq!(ChunkedArray::from_array(&a, c.clone()).unwrap().compute().unwrap(), a);
        assert_eq!(ChunkedArray::from_array(a.to_shared(), c.clone()).unwrap().compute().unwrap(), a);
    }
    // a non-standard-layout view
    let t = a.t();
    assert_eq!(ChunkedArray::from_array(t.view(), [2, 2, 2]).unwrap().compute().unwrap(), t);
    // fixed-dimension arrays
    let b = Array::from_shape_fn((3, 4), |(i, j)| i as f32 - j as f32);
    assert_eq!(ChunkedArray::from_array(b.clone(), [2, 3]).unwrap().compute().unwrap(), b.into_dyn());
}

#[test]
fn every_element_type() {
    fn check<T: Element>(v: T) {
        let x = ndchunk::full::<T>(&[3, 2], v, [2, 1]).unwrap();
        assert_eq!(x.dtype_name(), T::DTYPE.name());
        assert!(x.compute().unwrap().iter().all(|&e| e == v));
        assert_eq!(x.nbytes(), 6 * std::mem::size_of::<T>());
    }
    check(true);
    check(-3i8);
    check(-3i16);
    check(-3i32);
    check(-3i64);
    check(3u8);
    check(3u16);
    check(3u32);
    check(3u64);
    check(1.5f32);
    check(1.5f64);
}

#[test]
fn constructors_match_numpy() {
    for c in [1usize, 3, 10, 20] {
        let z = ndchunk::zeros::<f64>(&[4, 5], [c, c]).unwrap().compute().unwrap();
        assert_eq!(z, ArrayD::<f64>::zeros(IxDyn(&[4, 5])));
        let o = ndchunk::ones::<u8>(&[4, 5], [c, 2]).unwrap().compute().unwrap();
        assert_eq!(o, ArrayD::from_elem(IxDyn(&[4, 5]), 1u8));
        let r = ndchunk::arange::<f64>(0.5, 10.0, 1.5, [c]).unwrap().compute().unwrap();
        assert_eq!(r.as_slice().unwrap(), &[0.5, 2.0, 3.5, 5.0, 6.5, 8.0, 9.5]);
        let r = ndchunk::arange::<i32>(10, 0, -3, [c]).unwrap().compute().unwrap();
        assert_eq!(r.as_slice().unwrap(), &[10, 7, 4, 1]);
        let l = ndchunk::linspace::<f64>(0.0, 1.0, 11, [c]).unwrap().compute().unwrap();
        let expect = ndarray::Array1::linspace(0.0, 1.0, 11).into_dyn();
        assert!(l.iter().zip(expect.iter()).all(|(a, b)| (a - b).abs() < 1e-15));
        assert_eq!(l[10], 1.0);
        let e = ndchunk::eye::<i64>(5, [c, c]).unwrap().compute().unwrap();
        assert_eq!(e, ndarray::Array2::<i64>::eye(5).into_dyn());
    }
    assert_eq!(ndchunk::arange::<f64>(0.0, -1.0, 1.0, [3]).unwrap().shape(), &[0]);
    assert!(ndchunk::arange::<f64>(0.0, 1.0, 0.0, [3]).is_err());
    assert_eq!(ndchunk::linspace::<f32>(2.0, 3.0, 1, [3]).unwrap().compute().unwrap().as_slice().unwrap(), &[2.0]);
}

#[test]
fn chunk_specs() {
    let x = ndchunk::zeros::<f64>(&[10, 7], [4, WHOLE]).unwrap();
    assert_eq!(x.chunks().as_slices(), &[vec![4, 4, 2], vec![7]]);
    assert_eq!(x.numblocks(), vec![3, 1]);
    let x = ndchunk::zeros::<f64>(&[10, 7], Chunks::explicit(vec![vec![1, 9], vec![3, 4]])).unwrap();
    assert_eq!(x.chunks().block_ranges(&[1, 1]), vec![1..10, 3..7]);
    let x = ndchunk::zeros::<f64>(&[10, 7], vec![AxisSpec::Whole, AxisSpec::Size(2)]).unwrap();
    assert_eq!(x.chunks().axis(1), &[2, 2, 2, 1]);
    let x = ndchunk::zeros::<f64>(&[10, 7], "auto").unwrap();
    assert_eq!(x.numblocks(), vec![1, 1]);
    let x = ndchunk::zeros::<f64>(&[10, 7], 3usize).unwrap();
    assert_eq!(x.chunks().chunksize(), vec![3, 3]);
    let x = ndchunk::zeros::<f64>(&[0, 7], [3, 3]).unwrap();
    assert_eq!(x.chunks().axis(0), &[0]);
    assert_eq!(x.compute().unwrap().shape(), &[0, 7]);
    // errors
    assert!(matches!(ndchunk::zeros::<f64>(&[10], Chunks::explicit(vec![vec![3, 3]])), Err(Error::Chunks(_))));
    assert!(matches!(ndchunk::zeros::<f64>(&[10], [0]), Err(Error::Chunks(_))));
    assert!(matches!(ndchunk::zeros::<f64>(&[10, 2], [3]), Err(Error::Chunks(_))));
    assert!(matches!(ndchunk::zeros::<f64>(&[10], "big"), Err(Error::Chunks(_))));
    // auto chunks respect the byte target
    let cfg = ndchunk::ChunkSpec::AutoBytes(1 << 20).normalize(&[4096, 4096], 8, 0).unwrap();
    let cs = cfg.chunksize();
    assert!(cs[0] * cs[1] * 8 <= 1 << 20);
}

#[test]
fn properties() {
    let x = ndchunk::ones::<f32>(&[4, 6, 2], [3, 4, 2]).unwrap();
    assert_eq!(x.shape(), &[4, 6, 2]);
    assert_eq!(x.ndim(), 3);
    assert_eq!(x.size(), 48);
    assert_eq!(x.nbytes(), 192);
    assert_eq!(x.numblocks(), vec![2, 2, 1]);
    let y = x.clone();
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    assert_eq!(ndchunk::ones::<f64>(&[], Vec::<usize>::new()).unwrap().item().unwrap(), 1.0);
    assert!(matches!(x.item(), Err(Error::Shape(_))));
}
