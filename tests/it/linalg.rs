//! Products and factorizations vs ndarray and dense faer references.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix2, IxDyn};
use ndchunk::linalg::{self, NormOrd};
use ndchunk::prelude::*;
use ndchunk::random::Generator;

fn mat(r: usize, c: usize, seed: u64) -> Array2<f64> {
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    Array2::from_shape_fn((r, c), |_| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    })
}

fn max_abs_diff(a: &ArrayD<f64>, b: &ArrayD<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn c2(a: &Array2<f64>, chunks: [usize; 2]) -> ChunkedArray<f64> {
    ChunkedArray::from_array(a.clone(), chunks).unwrap()
}

#[test]
fn dot_matches_ndarray_for_aligned_and_misaligned_chunks() {
    let a = mat(17, 13, 1);
    let b = mat(13, 9, 2);
    let want = a.dot(&b).into_dyn();
    for ca in [[17, 13], [5, 4], [1, 13], [6, 1]] {
        for cb in [[13, 9], [4, 5], [3, 2], [13, 1]] {
            let got = c2(&a, ca).dot(&c2(&b, cb)).unwrap().compute().unwrap();
            assert!(max_abs_diff(&got, &want) < 1e-12, "{ca:?} {cb:?}");
        }
    }
    // vectors
    let v = mat(13, 1, 3).column(0).to_owned();
    let cv = ChunkedArray::from_array(v.clone(), [4]).unwrap();
    let got = c2(&a, [5, 4]).dot(&cv).unwrap().compute().unwrap();
    assert!(max_abs_diff(&got, &a.dot(&v).into_dyn()) < 1e-12);
    let w = mat(17, 1, 4).column(0).to_owned();
    let cw = ChunkedArray::from_array(w.clone(), [6]).unwrap();
    let got = cw.dot(&c2(&a, [5, 4])).unwrap().compute().unwrap();
    assert!(max_abs_diff(&got, &w.dot(&a).into_dyn()) < 1e-12);
    let inner = cv.dot(&cv).unwrap().item().unwrap();
    assert!((inner - v.dot(&v)).abs() < 1e-12);
    // shape errors
    assert!(matches!(c2(&a, [5, 4]).dot(&c2(&a, [5, 4])), Err(Error::Shape(_))));
}

#[test]
fn integer_products_accumulate_in_i64() {
    let a = Array2::from_shape_fn((6, 5), |(i, j)| (i * 5 + j) as i32 - 10);
    let b = Array2::from_shape_fn((5, 4), |(i, j)| (i as i32 - j as i32) * 100_000);
    let want = a.mapv(|v| v as i64).dot(&b.mapv(|v| v as i64)).into_dyn();
    for ca in [[6, 5], [4, 2]] {
        let x = ChunkedArray::from_array(a.clone(), ca).unwrap();
        let y = ChunkedArray::from_array(b.clone(), [3, 3]).unwrap();
        let got: ArrayD<i64> = x.dot(&y).unwrap().compute().unwrap();
        assert_eq!(got, want);
    }
    let u = ChunkedArray::from_array(Array2::from_elem((3, 3), 200u8), [2, 2]).unwrap();
    assert!(u.dot(&u).unwrap().compute().unwrap().iter().all(|&v| v == 120_000u64));
}

#[test]
fn matmul_broadcasts_batches_and_promotes_vectors() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |ix| (ix[0] * 20 + ix[1] * 5 + ix[2]) as f64 * 0.1);
    let b = ArrayD::from_shape_fn(IxDyn(&[1, 5, 2]), |ix| (ix[1] as f64 - ix[2] as f64) * 0.7);
    let x = ChunkedArray::from_array(a.clone(), [2, 3, 2]).unwrap();
    let y = ChunkedArray::from_array(b.clone(), [1, 3, 1]).unwrap();
    let got = x.matmul(&y).unwrap().compute().unwrap();
    assert_eq!(got.shape(), &[3, 4, 2]);
    let b2 = b.index_axis(Axis(0), 0).into_dimensionality::<Ix2>().unwrap();
    for k in 0..3 {
        let ak = a.index_axis(Axis(0), k).into_dimensionality::<Ix2>().unwrap();
        let want = ak.dot(&b2).into_dyn();
        assert!(max_abs_diff(&got.index_axis(Axis(0), k).to_owned(), &want) < 1e-12);
    }
    // 2-d @ 1-d and 1-d @ 2-d
    let m = mat(4, 5, 9);
    let v = Array1::from_shape_fn(5, |i| i as f64);
    let cm = c2(&m, [3, 2]);
    let cv = ChunkedArray::from_array(v.clone(), [2]).unwrap();
    assert!(max_abs_diff(&cm.matmul(&cv).unwrap().compute().unwrap(), &m.dot(&v).into_dyn()) < 1e-12);
    let w = Array1::from_shape_fn(4, |i| i as f64 - 1.0);
    let cw = ChunkedArray::from_array(w.clone(), [3]).unwrap();
    assert!(max_abs_diff(&cw.matmul(&cm).unwrap().compute().unwrap(), &w.dot(&m).into_dyn()) < 1e-12);
    assert!(cm.matmul(&ndchunk::ones::<f64>(&[], Vec::<usize>::new()).unwrap()).is_err());
}

#[test]
fn tensordot_matches_manual_sums() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |ix| (ix[0] + 2 * ix[1] + 3 * ix[2]) as f64);
    let b = ArrayD::from_shape_fn(IxDyn(&[5, 4, 2]), |ix| ix[0] as f64 - ix[1] as f64 + ix[2] as f64);
    let x = ChunkedArray::from_array(a.clone(), [2, 3, 2]).unwrap();
    let y = ChunkedArray::from_array(b.clone(), [3, 2, 1]).unwrap();
    let got = ndchunk::tensordot(&x, &y, ([1, 2], [1, 0])).unwrap().compute().unwrap();
    let want = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |ix| {
        let mut s = 0.0;
        for j in 0..4 {
            for k in 0..5 {
                s += a[[ix[0], j, k]] * b[[k, j, ix[1]]];
            }
        }
        s
    });
    assert!(max_abs_diff(&got, &want) < 1e-9);
    // axes = N
    let z = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[4, 5]), 1.0), [2, 2]).unwrap();
    let got = ndchunk::tensordot(&x, &z, 2usize).unwrap().compute().unwrap();
    assert!(max_abs_diff(&got, &a.sum_axis(Axis(2)).sum_axis(Axis(1))) < 1e-9);
    assert!(ndchunk::tensordot(&x, &y, ([0], [0])).is_err());
}

fn dense_singular_values(a: &Array2<f64>) -> Vec<f64> {
    let m = faer::Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]]);
    m.singular_values().unwrap()
}

/// Q orthonormal, R upper triangular, Q·R = A (computed and lazily through `q.dot(r)`).
fn check_qr(a: &Array2<f64>, chunks: [usize; 2]) {
    let shape = a.dim();
    let x = c2(a, chunks);
    let (q, r) = linalg::qr(&x).unwrap();
    let (qa, ra) = (q.compute().unwrap(), r.compute().unwrap());
    let k = shape.0.min(shape.1);
    assert_eq!(qa.shape(), &[shape.0, k]);
    assert_eq!(ra.shape(), &[k, shape.1]);
    let q2 = qa.clone().into_dimensionality::<Ix2>().unwrap();
    let r2 = ra.clone().into_dimensionality::<Ix2>().unwrap();
    let qtq = q2.t().dot(&q2);
    assert!(max_abs_diff(&qtq.into_dyn(), &Array2::<f64>::eye(k).into_dyn()) < 1e-12, "{shape:?} {chunks:?}");
    for i in 0..k {
        for j in 0..i.min(shape.1) {
            assert!(r2[[i, j]].abs() < 1e-12, "R not upper triangular");
        }
    }
    assert!(max_abs_diff(&q2.dot(&r2).into_dyn(), &a.clone().into_dyn()) < 1e-12, "{shape:?} {chunks:?}");
    let qr = q.dot(&r).unwrap().compute().unwrap();
    assert!(max_abs_diff(&qr, &a.clone().into_dyn()) < 1e-12, "{shape:?} {chunks:?}");
}

#[test]
fn qr_is_orthonormal_triangular_and_exact() {
    for (shape, chunks) in [
        ((600, 40), [100, 40]),
        ((600, 40), [64, 20]),
        ((50, 50), [10, 10]),
        ((30, 200), [30, 60]),
        ((30, 200), [10, 20]),
        // TSQR with blocks shorter than the row count of R (trapezoidal R_i) and an uneven last block
        ((130, 40), [30, 40]),
        ((500, 150), [70, 150]),
        ((9, 3), [1, 3]),
        ((1, 1), [1, 1]),
    ] {
        check_qr(&mat(shape.0, shape.1, 11), chunks);
    }
}

#[test]
fn qr_of_f32_blocks() {
    let a = mat(300, 50, 5).mapv(|v| v as f32);
    let x = ChunkedArray::from_array(a.clone(), [45, 50]).unwrap();
    let (q, r) = linalg::qr(&x).unwrap();
    let q = q.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    let r = r.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    let err = (&q.dot(&r) - &a).iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(err < 1e-5, "|QR - A| = {err}");
    let orth = (&q.t().dot(&q) - &Array2::<f32>::eye(50)).iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(orth < 1e-5, "|QᵀQ - I| = {orth}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn qr_holds_for_any_tall_row_chunking(rows in 1usize..120, cols in 1usize..24, block in 1usize..50, seed in 0u64..1000) {
        check_qr(&mat(rows.max(cols), cols, seed), [block, cols]);
    }
}

#[test]
fn svd_reconstructs_and_matches_dense_singular_values() {
    for (shape, chunks) in [((400, 30), [50, 30]), ((30, 400), [30, 100]), ((60, 60), [20, 60])] {
        let a = mat(shape.0, shape.1, 21);
        let (u, s, vt) = linalg::svd(&c2(&a, chunks)).unwrap();
        let r = ndchunk::compute_all(&[&u, &s, &vt]).unwrap();
        let (u, s, vt) = (
            r[0].clone().into_dimensionality::<Ix2>().unwrap(),
            r[1].clone().into_dimensionality::<ndarray::Ix1>().unwrap(),
            r[2].clone().into_dimensionality::<Ix2>().unwrap(),
        );
        let rec = (&u * &s).dot(&vt);
        assert!(max_abs_diff(&rec.into_dyn(), &a.clone().into_dyn()) < 1e-11, "{shape:?}");
        let dense = dense_singular_values(&a);
        for (x, y) in s.iter().zip(&dense) {
            assert!((x - y).abs() < 1e-11, "{x} vs {y}");
        }
        assert!(s.windows(2).into_iter().all(|w| w[0] >= w[1]));
    }
    // the seed's svd(x.dot(x.T)) pattern
    let x = Generator::new(1).random(&[200, 20], [50, 20]).unwrap();
    let (_, s, _) = linalg::svd(&x.dot(&x.t()).unwrap()).unwrap();
    assert_eq!(s.shape(), &[200]);
    assert!(s.compute().unwrap()[20] < 1e-9); // rank 20
}

#[test]
fn randomized_svd_finds_the_leading_components() {
    // a rank-5 matrix plus small noise
    let u = mat(300, 5, 31);
    let v = mat(5, 120, 32);
    let scale = Array1::from(vec![50.0, 30.0, 20.0, 10.0, 5.0]);
    let a = (&u * &scale).dot(&v) + mat(300, 120, 33) * 1e-6;
    let (uu, s, vt) = linalg::svd_compressed(&c2(&a, [60, 40]), 5, 2, 7).unwrap();
    let s = s.compute().unwrap();
    let dense = dense_singular_values(&a);
    for k in 0..5 {
        assert!((s[k] - dense[k]).abs() / dense[k] < 1e-6, "{} vs {}", s[k], dense[k]);
    }
    assert_eq!(uu.shape(), &[300, 5]);
    assert_eq!(vt.shape(), &[5, 120]);
    assert!(linalg::svd_compressed(&c2(&a, [60, 40]), 0, 1, 0).is_err());
}

#[test]
fn solvers_and_their_errors() {
    let n = 40;
    let a = mat(n, n, 41) + Array2::<f64>::eye(n) * 4.0;
    let b = mat(n, 3, 42);
    let ca = c2(&a, [15, 15]);
    let cb = c2(&b, [15, 3]);
    let x = linalg::solve(&ca, &cb).unwrap().compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    assert!(max_abs_diff(&a.dot(&x).into_dyn(), &b.clone().into_dyn()) < 1e-12);
    let bv = b.column(0).to_owned();
    let xv = linalg::solve(&ca, &ChunkedArray::from_array(bv.clone(), [7]).unwrap()).unwrap().compute().unwrap();
    assert!(
        max_abs_diff(&a.dot(&xv.into_dimensionality::<ndarray::Ix1>().unwrap()).into_dyn(), &bv.into_dyn()) < 1e-12
    );
    let ai = linalg::inv(&ca).unwrap().compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    assert!(max_abs_diff(&a.dot(&ai).into_dyn(), &Array2::<f64>::eye(n).into_dyn()) < 1e-12);
    // SPD matrix for cholesky
    let spd = a.t().dot(&a);
    let l = linalg::cholesky(&c2(&spd, [10, 10])).unwrap().compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    assert!(max_abs_diff(&l.dot(&l.t()).into_dyn(), &spd.clone().into_dyn()) < 1e-10);
    assert!(l[[0, 1]] == 0.0);
    // LU: a = p l u
    let (p, lo, up) = linalg::lu(&ca).unwrap();
    let r = ndchunk::compute_all(&[&p, &lo, &up]).unwrap();
    let (p, lo, up) = (
        r[0].clone().into_dimensionality::<Ix2>().unwrap(),
        r[1].clone().into_dimensionality::<Ix2>().unwrap(),
        r[2].clone().into_dimensionality::<Ix2>().unwrap(),
    );
    assert!(max_abs_diff(&p.dot(&lo).dot(&up).into_dyn(), &a.clone().into_dyn()) < 1e-12);
    // least squares on a tall system: residual orthogonal to the columns
    let t = mat(500, 8, 43);
    let y = mat(500, 1, 44).column(0).to_owned();
    let (xs, res) = linalg::lstsq(&c2(&t, [100, 8]), &ChunkedArray::from_array(y.clone(), [100]).unwrap()).unwrap();
    let xs = xs.compute().unwrap().into_dimensionality::<ndarray::Ix1>().unwrap();
    let resid = &y - &t.dot(&xs);
    assert!(t.t().dot(&resid).iter().all(|v| v.abs() < 1e-10));
    assert!((res.item().unwrap() - resid.dot(&resid)).abs() < 1e-10);
    // errors
    let singular = Array2::<f64>::from_shape_fn((4, 4), |(i, j)| (i + j) as f64);
    assert!(matches!(
        linalg::solve(&c2(&singular, [2, 2]), &c2(&mat(4, 1, 1), [2, 1])).unwrap().compute(),
        Err(Error::LinAlg(_))
    ));
    assert!(matches!(linalg::inv(&c2(&singular, [2, 2])).unwrap().compute(), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::inv(&c2(&mat(4, 3, 1), [2, 2])), Err(Error::LinAlg(_))));
    assert!(matches!(
        linalg::cholesky(&c2(&(-Array2::<f64>::eye(3)), [2, 2])).unwrap().compute(),
        Err(Error::LinAlg(_))
    ));
    assert!(matches!(linalg::solve(&ca, &c2(&mat(5, 1, 1), [5, 1])), Err(Error::Shape(_))));
    assert!(matches!(linalg::qr(&ndchunk::ones::<f64>(&[3], [2]).unwrap()), Err(Error::LinAlg(_))));
}

#[test]
fn norms_match_numpy_definitions() {
    let a = mat(30, 20, 51);
    let x = c2(&a, [7, 6]);
    let close = |c: ChunkedArray<f64>, want: f64| {
        let got = c.item().unwrap();
        assert!((got - want).abs() < 1e-10 * want.abs().max(1.0), "{got} vs {want}");
    };
    close(linalg::norm(&x, NormOrd::Fro, None).unwrap(), a.mapv(|v| v * v).sum().sqrt());
    close(
        linalg::norm(&x, NormOrd::One, None).unwrap(),
        a.mapv(f64::abs).sum_axis(Axis(0)).iter().copied().fold(0.0, f64::max),
    );
    close(
        linalg::norm(&x, NormOrd::Inf, None).unwrap(),
        a.mapv(f64::abs).sum_axis(Axis(1)).iter().copied().fold(0.0, f64::max),
    );
    close(linalg::norm(&x, NormOrd::Two, None).unwrap(), dense_singular_values(&a)[0]);
    let v = a.column(3).to_owned();
    let cv = ChunkedArray::from_array(v.clone(), [4]).unwrap();
    close(linalg::norm(&cv, NormOrd::Two, None).unwrap(), v.dot(&v).sqrt());
    close(linalg::norm(&cv, NormOrd::One, None).unwrap(), v.mapv(f64::abs).sum());
    close(linalg::norm(&cv, NormOrd::Inf, None).unwrap(), v.mapv(f64::abs).iter().copied().fold(0.0, f64::max));
    close(
        linalg::norm(&cv, NormOrd::NegInf, None).unwrap(),
        v.mapv(f64::abs).iter().copied().fold(f64::INFINITY, f64::min),
    );
    close(linalg::norm(&cv, NormOrd::P(3.0), None).unwrap(), v.mapv(|t| t.abs().powi(3)).sum().cbrt());
    // along an axis: vector norms per row
    let rows = linalg::norm(&x, NormOrd::Two, 1).unwrap().compute().unwrap();
    let want = a.mapv(|v| v * v).sum_axis(Axis(1)).mapv(f64::sqrt).into_dyn();
    assert!(max_abs_diff(&rows, &want) < 1e-12);
}

#[test]
fn seed_workflow_dot_chain() {
    // (15, 15) chunks (5, 5): x + x.T, x.dot(x.T + 1) - x.mean(), its std
    let x = ndchunk::ones::<f64>(&[15, 15], [5, 5]).unwrap();
    assert_eq!((&x + &x.t()).compute().unwrap()[[3, 4]], 2.0);
    let y = &x.dot(&(&x.t() + 1.0)).unwrap() - &x.mean(None).unwrap();
    let r = y.compute().unwrap();
    assert!(r.iter().all(|&v| v == 29.0));
    assert_eq!(y.std(None, 0).unwrap().item().unwrap(), 0.0);
}
