//! `ndchunk::blockwise` with index strings: alignment by letters (chunks unified), contraction
//! (inputs joined along contracted letters), transposed output, BlockInfo; against ndarray.

use ndarray::{ArrayD, ArrayViewD, Axis, Ix2, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{blockwise, BlockInfo, Error};

fn data(shape: &[usize], k: usize) -> ArrayD<f64> {
    let mut i = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        i += 1;
        ((i * 7 + k * 5) % 11) as f64 - 5.0
    })
}

fn two(v: ArrayViewD<'_, f64>) -> ndarray::ArrayView2<'_, f64> {
    v.into_dimensionality::<Ix2>().unwrap()
}

#[test]
fn products_transposes_and_outer_sums_by_letters() {
    let a = data(&[5, 7], 1);
    let b = data(&[7, 4], 2);
    let want = two(a.view()).dot(&two(b.view())).into_dyn();
    for (ca, cb) in [([2, 3], [3, 2]), ([5, 7], [1, 1]), ([1, 2], [7, 4]), ([3, 1], [2, 3])] {
        let xa = ChunkedArray::from_array(a.clone(), ca).unwrap();
        let xb = ChunkedArray::from_array(b.clone(), cb).unwrap();
        let c = blockwise("ij,jk->ik", (&xa, &xb), |(x, y), info: &BlockInfo| {
            // j is contracted: each call sees all of it
            assert_eq!(x.shape()[1], 7);
            assert_eq!(info.inputs[0].block_id[1], 0);
            two(x).dot(&two(y)).into_dyn()
        })
        .unwrap();
        assert_eq!(c.chunks().axis(0), xa.chunks().axis(0));
        assert_eq!(c.compute().unwrap(), want, "{ca:?} {cb:?}");
        // transposed output, with a's and b's k-chunks unified: "ij,ij->ji" on a and a + 1
        let xa2 = ChunkedArray::from_array(a.clone(), [3, 2]).unwrap();
        let t = blockwise("ij,ij->ji", (&xa, &xa2), |(x, y), _: &BlockInfo| {
            (&x + &y).reversed_axes().as_standard_layout().into_owned()
        })
        .unwrap();
        assert_eq!(t.compute().unwrap(), (&a * 2.0).reversed_axes());
    }
    // an outer sum of a vector and a matrix's row sums: "i,ij->i" contracts j of the matrix
    let v = data(&[5], 3);
    let xv = ChunkedArray::from_array(v.clone(), [2]).unwrap();
    let xm = ChunkedArray::from_array(a.clone(), [3, 2]).unwrap();
    let s = blockwise("i,ij->i", (&xv, &xm), |(v, m), _: &BlockInfo| &v + &m.sum_axis(Axis(1))).unwrap();
    assert_eq!(s.compute().unwrap(), &v + &a.sum_axis(Axis(1)));
}

#[test]
fn bad_specs_and_blocks_are_typed_errors() {
    let a = ndchunk::ones::<f64>(&[4, 3], [2, 2]).unwrap();
    let b = ndchunk::ones::<f64>(&[4, 2], [2, 2]).unwrap();
    let f = |(x, _): (ArrayViewD<'_, f64>, ArrayViewD<'_, f64>), _: &BlockInfo| x.to_owned();
    assert!(matches!(blockwise("ij,ij->ij", (&a, &b), f), Err(Error::Shape(_))));
    assert!(matches!(blockwise("ij,ik", (&a, &b), f), Err(Error::Value(_))));
    assert!(matches!(blockwise("ij->ij", (&a, &b), f), Err(Error::Value(_))));
    assert!(matches!(blockwise("ij,ik->iz", (&a, &b), f), Err(Error::Value(_))));
    assert!(matches!(blockwise("i1,ik->i", (&a, &b), f), Err(Error::Value(_))));
    assert!(matches!(blockwise("ii,ik->i", (&a, &b), f), Err(Error::Value(_))));
    assert!(matches!(blockwise("i,ik->i", (&a, &b), f), Err(Error::Value(_))));
    // wrong block shape: an error when computed
    let g = blockwise("ij->ij", (&a,), |(x,), _: &BlockInfo| x.sum_axis(Axis(0))).unwrap();
    assert!(matches!(g.compute(), Err(Error::Shape(_))));
}
