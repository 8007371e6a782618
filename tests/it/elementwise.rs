//! Elementwise operations vs the same operations on ndarray arrays, across chunkings.

use crate::common;

use common::{assert_close, chunkings};
use ndarray::{ArrayD, IxDyn};
use ndchunk::prelude::*;

fn data(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 33) as f64 / (1u64 << 31) as f64) * 10.0 - 5.0
    })
}

const SHAPES: &[&[usize]] = &[&[7], &[7, 5], &[4, 3, 5], &[0, 3], &[1, 1], &[]];

#[test]
fn arithmetic_matches_ndarray_across_chunkings() {
    for shape in SHAPES {
        let a = data(shape, 1);
        let b = data(shape, 2).mapv(|v| if v == 0.0 { 1.0 } else { v });
        for ca in chunkings(shape) {
            for cb in chunkings(shape) {
                let x = ChunkedArray::from_array(a.clone(), ca.clone()).unwrap();
                let y = ChunkedArray::from_array(b.clone(), cb.clone()).unwrap();
                let what = format!("{shape:?} {ca:?} {cb:?}");
                assert_eq!((&x + &y).compute().unwrap(), &a + &b, "add {what}");
                assert_eq!((&x - &y).compute().unwrap(), &a - &b, "sub {what}");
                assert_eq!((&x * &y).compute().unwrap(), &a * &b, "mul {what}");
                assert_eq!((&x / &y).compute().unwrap(), &a / &b, "div {what}");
                let rem = a.clone() - (&a / &b).mapv(f64::floor) * &b;
                assert_close(&(&x % &y).compute().unwrap(), &rem, 1e-12, &format!("rem {what}"));
                assert_eq!((-&x).compute().unwrap(), -&a, "neg {what}");
                // scalars on both sides
                assert_eq!((&x * 2.5).compute().unwrap(), &a * 2.5);
                assert_eq!((2.5 - &x).compute().unwrap(), a.mapv(|v| 2.5 - v));
                // a chain fuses and still gives the same values
                let chain = &(&(&x + &y) * &x) - 1.0;
                assert_eq!(chain.compute().unwrap(), (&a + &b) * &a - 1.0, "chain {what}");
            }
        }
    }
}

#[test]
fn ufuncs_match_ndarray() {
    let a = data(&[6, 4], 3);
    let pos = a.mapv(f64::abs);
    for c in chunkings(&[6, 4]) {
        let x = ChunkedArray::from_array(a.clone(), c.clone()).unwrap();
        let p = ChunkedArray::from_array(pos.clone(), c.clone()).unwrap();
        assert_eq!(x.abs().compute().unwrap(), a.mapv(f64::abs));
        assert_eq!(p.sqrt().compute().unwrap(), pos.mapv(f64::sqrt));
        assert_eq!(x.exp().compute().unwrap(), a.mapv(f64::exp));
        assert_eq!(p.ln().compute().unwrap(), pos.mapv(f64::ln));
        assert_eq!(p.log().compute().unwrap(), pos.mapv(f64::ln));
        assert_eq!(p.log10().compute().unwrap(), pos.mapv(f64::log10));
        assert_eq!(x.sin().compute().unwrap(), a.mapv(f64::sin));
        assert_eq!(x.cos().compute().unwrap(), a.mapv(f64::cos));
        assert_eq!(x.tan().compute().unwrap(), a.mapv(f64::tan));
        assert_eq!(x.floor().compute().unwrap(), a.mapv(f64::floor));
        assert_eq!(x.ceil().compute().unwrap(), a.mapv(f64::ceil));
        assert_eq!(x.round().compute().unwrap(), a.mapv(f64::round_ties_even));
        assert_eq!(p.powf(1.5).compute().unwrap(), pos.mapv(|v| v.powf(1.5)));
        assert_eq!(x.powi(3).compute().unwrap(), a.mapv(|v| v.powi(3)));
        assert_eq!(x.clip(-1.0, 2.0).compute().unwrap(), a.mapv(|v| v.clamp(-1.0, 2.0)));
        assert_eq!(x.mapv(|v| v as i32).compute().unwrap(), a.mapv(|v| v as i32));
        assert_eq!(x.astype::<i16>().compute().unwrap(), a.mapv(|v| v as i16));
    }
}

#[test]
fn nan_predicates_and_comparisons() {
    let a = ArrayD::from_shape_vec(IxDyn(&[5]), vec![1.0, f64::NAN, f64::INFINITY, -2.0, 0.0]).unwrap();
    let b = ArrayD::from_shape_vec(IxDyn(&[5]), vec![1.0, 0.0, 3.0, -3.0, 1.0]).unwrap();
    for c in chunkings(&[5]) {
        let x = ChunkedArray::from_array(a.clone(), c.clone()).unwrap();
        let y = ChunkedArray::from_array(b.clone(), [2]).unwrap();
        assert_eq!(x.isnan().compute().unwrap(), a.mapv(f64::is_nan));
        assert_eq!(x.isfinite().compute().unwrap(), a.mapv(f64::is_finite));
        let zip = |f: fn(&f64, &f64) -> bool| ArrayD::from_shape_fn(IxDyn(&[5]), |i| f(&a[&i], &b[&i]));
        assert_eq!(x.gt(&y).unwrap().compute().unwrap(), zip(|p, q| p > q));
        assert_eq!(x.ge(&y).unwrap().compute().unwrap(), zip(|p, q| p >= q));
        assert_eq!(x.lt(&y).unwrap().compute().unwrap(), zip(|p, q| p < q));
        assert_eq!(x.le(&y).unwrap().compute().unwrap(), zip(|p, q| p <= q));
        assert_eq!(x.eq(&y).unwrap().compute().unwrap(), zip(|p, q| p == q));
        assert_eq!(x.ne(&y).unwrap().compute().unwrap(), zip(|p, q| p != q));
        assert_eq!(x.lt(0.5).unwrap().compute().unwrap(), a.mapv(|v| v < 0.5));
    }
}

#[test]
fn broadcasting_with_size_one_axes_and_lower_rank() {
    let a = data(&[4, 1, 5], 4);
    let b = data(&[3, 1], 5);
    let c = data(&[5], 6);
    let expect = &(&a + &b) * &c;
    for ca in chunkings(&[4, 1, 5]) {
        for cb in chunkings(&[3, 1]) {
            let x = ChunkedArray::from_array(a.clone(), ca.clone()).unwrap();
            let y = ChunkedArray::from_array(b.clone(), cb.clone()).unwrap();
            let z = ChunkedArray::from_array(c.clone(), [2]).unwrap();
            let r = (&(&x + &y) * &z).compute().unwrap();
            assert_eq!(r.shape(), &[4, 3, 5]);
            assert_eq!(r, expect, "{ca:?} {cb:?}");
        }
    }
    // a 0-d array broadcasts against anything
    let s = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[]), 2.0), Vec::<usize>::new()).unwrap();
    let x = ChunkedArray::from_array(a.clone(), [2, 1, 2]).unwrap();
    assert_eq!((&x * &s).compute().unwrap(), &a * 2.0);
}

#[test]
fn incompatible_shapes_are_errors_and_operators_panic() {
    let x = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
    let y = ndchunk::ones::<f64>(&[3, 5], [2, 2]).unwrap();
    let e = x.add(&y).unwrap_err();
    assert!(matches!(e, Error::Broadcast { .. }), "{e}");
    assert!(e.to_string().contains("could not be broadcast"));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| &x + &y));
    assert!(r.is_err());
}

#[test]
fn chunks_are_unified_to_the_common_refinement() {
    let a = data(&[10], 7);
    let x = ChunkedArray::from_array(a.clone(), [4]).unwrap();
    let y = ChunkedArray::from_array(a.clone(), [5]).unwrap();
    let z = &x + &y;
    assert_eq!(z.chunks().axis(0), &[4, 1, 3, 2]);
    assert_eq!(z.compute().unwrap(), &a * 2.0);
}

#[test]
fn integer_arithmetic_follows_numpy() {
    let a = ArrayD::from_shape_vec(IxDyn(&[6]), vec![7i32, -7, 7, -7, i32::MAX, 5]).unwrap();
    let b = ArrayD::from_shape_vec(IxDyn(&[6]), vec![2i32, 2, -2, -2, 1, 0]).unwrap();
    let x = ChunkedArray::from_array(a, [4]).unwrap();
    let y = ChunkedArray::from_array(b, [3]).unwrap();
    assert_eq!((&x / &y).compute().unwrap().as_slice().unwrap(), &[3, -4, -4, 3, i32::MAX, 0]);
    assert_eq!((&x % &y).compute().unwrap().as_slice().unwrap(), &[1, 1, -1, -1, 0, 0]);
    assert_eq!((&x + 1).compute().unwrap()[4], i32::MIN); // wraps
}

#[test]
fn where_selects_with_broadcasting_and_scalars() {
    let a = data(&[5, 4], 8);
    let b = data(&[4], 9);
    for c in chunkings(&[5, 4]) {
        let x = ChunkedArray::from_array(a.clone(), c.clone()).unwrap();
        let y = ChunkedArray::from_array(b.clone(), [3]).unwrap();
        let cond = x.gt(0.0).unwrap();
        let r = ndchunk::where_(&cond, &x, &y).unwrap().compute().unwrap();
        let expect = ArrayD::from_shape_fn(IxDyn(&[5, 4]), |ix| if a[&ix] > 0.0 { a[&ix] } else { b[[ix[1]]] });
        assert_eq!(r, expect);
        let r = ndchunk::where_(&cond, 1.0, &x).unwrap().compute().unwrap();
        assert_eq!(r, a.mapv(|v| if v > 0.0 { 1.0 } else { v }));
    }
}

#[test]
fn transpose_and_swapaxes() {
    let a = data(&[3, 4, 5], 10);
    for c in chunkings(&[3, 4, 5]) {
        let x = ChunkedArray::from_array(a.clone(), c.clone()).unwrap();
        assert_eq!(x.t().compute().unwrap(), a.t());
        let p = x.transpose(&[1, 2, 0]).unwrap();
        assert_eq!(p.compute().unwrap(), a.clone().permuted_axes(IxDyn(&[1, 2, 0])));
        assert_eq!(p.chunks().axis(0), x.chunks().axis(1));
        let mut sw = a.clone();
        sw.swap_axes(0, 2);
        assert_eq!(x.swapaxes(0, -1).unwrap().compute().unwrap(), sw);
        // transposed operands inside a fused chain (strided leaves)
        let sq = ChunkedArray::from_array(data(&[6, 6], 11), c[..2].to_vec()).unwrap();
        let s = data(&[6, 6], 11);
        assert_eq!((&(&sq + &sq.t()) * 0.5).compute().unwrap(), (&s + &s.t()) * 0.5);
    }
    let x = ndchunk::ones::<f64>(&[2, 3], [1, 1]).unwrap();
    assert!(matches!(x.transpose(&[0, 0]), Err(Error::Value(_))));
    assert!(matches!(x.transpose(&[0, 2]), Err(Error::Axis { .. })));
    assert!(matches!(x.swapaxes(0, 5), Err(Error::Axis { .. })));
}

#[test]
fn map_blocks_checks_declared_shapes() {
    let a = data(&[6, 4], 12);
    let x = ChunkedArray::from_array(a.clone(), [4, 3]).unwrap();
    let y = x.map_blocks(|b| b.mapv(|v| v * 2.0)).unwrap();
    assert_eq!(y.compute().unwrap(), &a * 2.0);
    // declared output chunks: each block reduced to its row sums
    let rows = x
        .map_blocks_with_chunks(
            |b| b.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1)),
            Chunks::explicit(vec![vec![4, 2], vec![1, 1]]),
        )
        .unwrap();
    let r = rows.compute().unwrap();
    assert_eq!(r.shape(), &[6, 2]);
    assert_close(&r.column_sum(), &a.sum_axis(ndarray::Axis(1)), 1e-12, "row sums");
    // a function that returns the wrong shape is an error at compute, not a panic
    let bad = x.map_blocks(|b| b.slice(ndarray::s![..1, ..]).to_owned().into_dyn()).unwrap();
    assert!(matches!(bad.compute(), Err(Error::Shape(_))));
}

trait ColumnSum {
    fn column_sum(&self) -> ArrayD<f64>;
}

impl ColumnSum for ArrayD<f64> {
    fn column_sum(&self) -> ArrayD<f64> {
        self.sum_axis(ndarray::Axis(1))
    }
}
