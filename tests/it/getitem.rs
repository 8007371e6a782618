//! NumPy's `x[...]` (`getitem` with `Idx`) and pointwise `vindex` against NumPy
//! (fixtures/getitem.txt, written by fixtures/generate_getitem.py), over several chunkings.

use std::collections::HashMap;

use ndchunk::prelude::*;
use ndchunk::Idx;

use crate::common;

fn fixture() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/getitem.txt")).unwrap()
}

fn opt(s: &str) -> Option<isize> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap())
    }
}

#[test]
fn numpy_slices_with_any_bounds_and_steps() {
    let text = fixture();
    let mut n_checked = 0;
    for (k, l) in text.lines().filter(|l| l.starts_with("SLICE|")).enumerate() {
        let f: Vec<&str> = l.split('|').collect();
        let n: usize = f[1].parse().unwrap();
        let want: Vec<i64> = f[5].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
        let chunkings = common::chunkings(&[n]);
        let chunks = chunkings[k % chunkings.len()].clone();
        let x = ndchunk::arange::<i64>(0, n as i64, 1, chunks).unwrap();
        let y = x.getitem(&[Idx::slice(opt(f[2]), opt(f[3]), f[4].parse().unwrap())]).unwrap();
        assert_eq!(y.shape(), &[want.len()], "{l}");
        assert_eq!(y.compute().unwrap().iter().copied().collect::<Vec<_>>(), want, "{l}");
        n_checked += 1;
    }
    assert!(n_checked > 3000);
}

#[test]
fn index_expressions_match_numpy() {
    let text = fixture();
    let cases: HashMap<&str, (Vec<usize>, Vec<i64>)> = text
        .lines()
        .filter(|l| l.starts_with("CASE|"))
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            let shape = f[2].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
            let vals = f[3].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
            (f[1], (shape, vals))
        })
        .collect();
    let mask = vec![true, false, false, true, false, true];
    let exprs: Vec<(&str, Vec<Idx>)> = vec![
        ("ellipsis_negstep", vec![Idx::Ellipsis, Idx::slice(5, 1, -2)]),
        ("reverse_take", vec![Idx::slice(None, None, -1), Idx::take(vec![0, -1])]),
        ("mask_last", vec![Idx::all(), Idx::all(), Idx::mask(mask)]),
        ("index_newaxis", vec![Idx::Index(1), Idx::slice(None, None, -2), Idx::NewAxis, Idx::Index(3)]),
        ("newaxis_first", vec![Idx::NewAxis, Idx::Ellipsis, Idx::Index(2)]),
        ("pointwise_lead", vec![Idx::take(vec![0, 3]), Idx::take(vec![1, 2])]),
        ("pointwise_apart", vec![Idx::take(vec![0, 3]), Idx::all(), Idx::take(vec![1, 2])]),
        ("pointwise_inner", vec![Idx::all(), Idx::take(vec![0, 4]), Idx::take(vec![5, 1])]),
        ("pointwise_broadcast", vec![Idx::take(vec![2]), Idx::take(vec![0, 4, 1])]),
        ("last", vec![Idx::Index(-1)]),
        ("ellipsis_mid", vec![Idx::Ellipsis, Idx::Index(-1), Idx::all()]),
        ("take_repeat", vec![Idx::all(), Idx::take(vec![3, 3, 0])]),
        ("empty_slice", vec![Idx::slice(3, 1, 1)]),
        ("mask_all_false", vec![Idx::mask(vec![false; 4])]),
    ];
    assert_eq!(exprs.len(), cases.len());
    for chunks in common::chunkings(&[4, 5, 6]) {
        let x = ndchunk::arange::<i64>(0, 120, 1, [7])
            .unwrap()
            .reshape(&[4, 5, 6])
            .unwrap()
            .rechunk(chunks.clone())
            .unwrap();
        for (name, items) in &exprs {
            let (shape, vals) = &cases[name];
            let y = x.getitem(items).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(y.shape(), shape.as_slice(), "{name} {chunks:?}");
            let got = y.compute().unwrap();
            assert_eq!(got.iter().copied().collect::<Vec<_>>(), *vals, "{name} {chunks:?}");
        }
    }
}

#[test]
fn vindex_is_pointwise_with_trailing_axes() {
    let a = ndarray::Array::from_shape_fn((4, 5, 3), |(i, j, k)| (i * 100 + j * 10 + k) as f64).into_dyn();
    for chunks in common::chunkings(&[4, 5, 3]) {
        let x = ChunkedArray::from_array(a.clone(), chunks).unwrap();
        let y = x.vindex(&[vec![3, 0, -1, 2], vec![4, 0, 1, -5]]).unwrap();
        assert_eq!(y.shape(), &[4, 3]);
        let got = y.compute().unwrap();
        for (r, (i, j)) in [(3usize, 4usize), (0, 0), (3, 1), (2, 0)].into_iter().enumerate() {
            for k in 0..3 {
                assert_eq!(got[[r, k]], a[[i, j, k]]);
            }
        }
        let one = x.vindex(&[vec![1, 2]]).unwrap();
        assert_eq!(one.compute().unwrap(), a.select(ndarray::Axis(0), &[1, 2]));
        let none = x.vindex(&[vec![], vec![]]).unwrap();
        assert_eq!(none.shape(), &[0, 3]);
    }
}

#[test]
fn bad_index_expressions_are_errors() {
    let x = ndchunk::ones::<f64>(&[4, 5], [3, 2]).unwrap();
    assert!(matches!(x.getitem(&[Idx::Index(4)]), Err(Error::Index { .. })));
    assert!(matches!(x.getitem(&[Idx::Index(-5)]), Err(Error::Index { .. })));
    assert!(matches!(x.getitem(&[Idx::all(), Idx::all(), Idx::all()]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::Ellipsis, Idx::Ellipsis]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::slice(None, None, 0)]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::mask(vec![true; 3])]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::take(vec![0, 9])]), Err(Error::Index { .. })));
    assert!(matches!(x.vindex(&[vec![0, 1], vec![0, 1, 2]]), Err(Error::Value(_))));
    assert!(matches!(x.vindex(&[vec![0], vec![0], vec![0]]), Err(Error::Value(_))));
    assert!(matches!(x.vindex(&[vec![isize::MIN]]), Err(Error::Index { .. })));
    let s = ndchunk::full::<f64>(&[], 2.0, ndchunk::ChunkSpec::Uniform(vec![])).unwrap();
    assert_eq!(s.getitem(&[Idx::Ellipsis]).unwrap().compute().unwrap()[[]], 2.0);
    assert_eq!(s.getitem(&[Idx::NewAxis]).unwrap().shape(), &[1]);
    assert!(matches!(s.getitem(&[Idx::Index(0)]), Err(Error::Value(_))));
}

#[test]
fn lazy_masks_select_as_concrete_masks() {
    // dask's x[:, m] with m a dask array: the result equals indexing with the computed mask
    let a = ndarray::Array::from_shape_fn((4, 6, 3), |(i, j, k)| (i * 100 + j * 10 + k) as f64).into_dyn();
    let masks: [Vec<bool>; 3] = [vec![true, false, false, true, false, true], vec![false; 6], vec![true; 6]];
    for chunks in common::chunkings(&[4, 6, 3]) {
        let x = ChunkedArray::from_array(a.clone(), chunks.clone()).unwrap();
        for (k, m) in masks.iter().enumerate() {
            // the mask itself computed from a lazy expression, in chunks unlike x's
            let lazy = ChunkedArray::from_array(ndarray::Array1::from(m.clone()), [4 - k % 3])
                .unwrap()
                .logical_not()
                .logical_not();
            let forms: [(Vec<Idx>, Vec<Idx>); 4] = [
                (vec![Idx::all(), Idx::lazy_mask(&lazy)], vec![Idx::all(), Idx::mask(m.clone())]),
                (
                    vec![Idx::Index(-1), Idx::from(&lazy), Idx::slice(None, None, -1)],
                    vec![Idx::Index(-1), Idx::mask(m.clone()), Idx::slice(None, None, -1)],
                ),
                (
                    vec![Idx::NewAxis, Idx::slice(1, None, 2), Idx::LazyMask(lazy.clone())],
                    vec![Idx::NewAxis, Idx::slice(1, None, 2), Idx::mask(m.clone())],
                ),
                (
                    vec![Idx::Ellipsis, Idx::lazy_mask(&lazy), Idx::Index(0)],
                    vec![Idx::Ellipsis, Idx::mask(m.clone()), Idx::Index(0)],
                ),
            ];
            for (lz, concrete) in &forms {
                let want = x.getitem(concrete).unwrap().compute().unwrap();
                let y = x.getitem(lz).unwrap_or_else(|e| panic!("{lz:?}: {e}"));
                assert_eq!(y.ndim(), want.ndim(), "{lz:?} {chunks:?}");
                assert_eq!(y.compute().unwrap(), want, "{lz:?} {chunks:?}");
            }
        }
    }
    let x = ChunkedArray::from_array(a.clone(), [2, 4, 3]).unwrap();
    let m6 = ChunkedArray::from_array(ndarray::Array1::from(masks[0].clone()), [4]).unwrap();
    let m4 = ChunkedArray::from_array(ndarray::Array1::from(vec![true; 4]), [4]).unwrap();
    // a mask of another length, a 2-D mask, a lazy mask with another array index or a second
    // lazy mask: typed errors
    assert!(matches!(x.getitem(&[Idx::lazy_mask(&m6)]), Err(Error::Value(_))));
    let m2d = ndchunk::ones::<bool>(&[4, 6], [2, 3]).unwrap();
    assert!(matches!(x.getitem(&[Idx::lazy_mask(&m2d)]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::take(vec![0]), Idx::lazy_mask(&m6)]), Err(Error::Value(_))));
    assert!(matches!(x.getitem(&[Idx::lazy_mask(&m4), Idx::lazy_mask(&m6)]), Err(Error::Value(_))));
    assert_eq!(Idx::lazy_mask(&m6), Idx::from(&m6));
    assert_ne!(Idx::lazy_mask(&m6), Idx::lazy_mask(&m6.logical_not()));
}
