//! `linalg::lstsq_with` (NumPy's four results, rcond, rank-deficient and short-fat systems) and
//! `qr`/`svd` of matrices whose row lengths are unknown (after a lazy `compress`), against NumPy
//! (fixtures/lstsq.txt), over several chunkings.

use ndarray::{Array1, Array2, ArrayD, Ix2, IxDyn};
use ndchunk::linalg;
use ndchunk::prelude::*;
use ndchunk::Error;
use proptest::prelude::*;

use crate::common::{assert_close, chunkings, load_fixture, parse_shape, Fixture};

fn floats(vals: &[String]) -> Vec<f64> {
    vals.iter().map(|v| v.parse().unwrap()).collect()
}

fn input(fx: &Fixture, name: &str) -> ArrayD<f64> {
    let (_, shape, vals) = &fx.inputs[name];
    ArrayD::from_shape_vec(IxDyn(shape), floats(vals)).unwrap()
}

fn mask_input(fx: &Fixture, name: &str) -> Vec<bool> {
    fx.inputs[name].2.iter().map(|v| v == "1").collect()
}

fn array(shape: &str, vals: &str) -> ArrayD<f64> {
    let v: Vec<f64> = vals.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    ArrayD::from_shape_vec(IxDyn(&parse_shape(shape)), v).unwrap()
}

fn chunked(a: &ArrayD<f64>, chunks: &[usize]) -> ChunkedArray<f64> {
    ChunkedArray::from_array(a.clone(), chunks.to_vec()).unwrap()
}

/// `|a - b| <= tol * max(1, max|b|)`: solutions of ill-conditioned systems agree to the
/// condition number times eps relative to their size, not elementwise.
fn assert_near(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * scale;
        assert!(ok, "{what}: element {i}: {g} vs {w}");
    }
}

#[test]
fn lstsq_with_matches_numpy_over_chunkings() {
    let fx = load_fixture("lstsq.txt");
    let mut cases = 0;
    for r in fx.results.iter().filter(|r| r[2] == "lstsq") {
        let (an, bn) = (&r[0], &r[1]);
        let (a, b) = (input(&fx, an), input(&fx, bn));
        let rcond = if r[3] == "None" { None } else { Some(r[3].parse::<f64>().unwrap()) };
        let bch = chunkings(b.shape());
        for (i, ca) in chunkings(a.shape()).into_iter().enumerate() {
            let cb = &bch[i % bch.len()];
            let what = format!("lstsq({an}, {bn}, {rcond:?}) a chunks {ca:?}, b chunks {cb:?}");
            let got = linalg::lstsq_with(&chunked(&a, &ca), &chunked(&b, cb), rcond).unwrap();
            if r[4] == "ERR" {
                assert_eq!(r[5], "LinAlgError");
                assert!(matches!(got.x.compute(), Err(Error::LinAlg(_))), "{what}");
                assert!(matches!(got.s.compute(), Err(Error::LinAlg(_))), "{what}");
                continue;
            }
            let out = ndchunk::compute_all(&[&got.x, &got.residuals, &got.s]).unwrap();
            let tol = if an == "ill" { 1e-5 } else { 1e-9 };
            assert_near(&out[0], &array(&r[4], &r[5]), tol, &format!("{what}: x"));
            assert_near(&out[1], &array(&r[6], &r[7]), tol, &format!("{what}: residuals"));
            assert_eq!(got.rank.item().unwrap(), r[8].parse::<i64>().unwrap(), "{what}: rank");
            assert_near(&out[2], &array(&r[9], &r[10]), 1e-12, &format!("{what}: s"));
            assert_eq!(got.x.shape(), &parse_shape(&r[4])[..], "{what}: declared x shape");
            assert_eq!(got.rank.ndim(), 0);
            cases += 1;
        }
    }
    assert!(cases > 150, "{cases} cases");
}

#[test]
fn lstsq_in_f32_and_the_two_result_form() {
    let fx = load_fixture("lstsq.txt");
    let rec = fx.results.iter().find(|r| r[0] == "dup_cols" && r[1] == "dup_cols_b2" && r[3] == "None").unwrap();
    let (a, b) = (input(&fx, "dup_cols"), input(&fx, "dup_cols_b2"));
    let got = linalg::lstsq_with(
        &ChunkedArray::from_array(a.mapv(|v| v as f32), [5, 2]).unwrap(),
        &ChunkedArray::from_array(b.mapv(|v| v as f32), [4, 3]).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(got.rank.item().unwrap(), 3, "f32's eps·max(M, N) cut finds the rank too");
    let x = got.x.compute().unwrap().mapv(|v| v as f64);
    assert_near(&x, &array(&rec[4], &rec[5]), 1e-4, "f32 x");
    // the two-result form: the same x, residuals computed for every rank
    let (x2, res) = linalg::lstsq(&chunked(&a, &[4, 5]), &chunked(&b, &[4, 3])).unwrap();
    let x2 = x2.compute().unwrap();
    assert_near(&x2, &array(&rec[4], &rec[5]), 1e-9, "lstsq x");
    let a2 = a.clone().into_dimensionality::<Ix2>().unwrap();
    let resid = &a2.dot(&x2.clone().into_dimensionality::<Ix2>().unwrap()) - &b.into_dimensionality::<Ix2>().unwrap();
    let want = resid.mapv(|v| v * v).sum_axis(ndarray::Axis(0)).into_dyn();
    assert_close(&res.compute().unwrap(), &want, 1e-9, "lstsq residuals");
}

#[test]
fn lstsq_bad_inputs_are_typed_errors() {
    let a = ndchunk::ones::<f64>(&[6, 3], [2, 3]).unwrap();
    let b = ndchunk::ones::<f64>(&[6], [4]).unwrap();
    let v = ndchunk::ones::<f64>(&[6], [2]).unwrap();
    assert!(matches!(linalg::lstsq_with(&v, &b, None), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::lstsq_with(&a, &ndchunk::ones::<f64>(&[5], [2]).unwrap(), None), Err(Error::Shape(_))));
    assert!(matches!(
        linalg::lstsq_with(&a, &ndchunk::ones::<f64>(&[6, 1, 1], [2, 1, 1]).unwrap(), None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        linalg::lstsq_with(&a, &ndchunk::ones::<f64>(&[], [0usize; 0]).unwrap(), None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(linalg::lstsq_with(&a, &b, Some(f64::NAN)), Err(Error::Value(_))));
    assert!(matches!(linalg::lstsq(&v, &b), Err(Error::LinAlg(_))));
    // rows of unknown length
    let keep = ChunkedArray::from_array(Array1::from(vec![true, false, true, true, false, true]), [3]).unwrap();
    let am = a.compress(&keep, Some(0)).unwrap();
    assert!(matches!(linalg::lstsq_with(&am, &b, None), Err(Error::Shape(_) | Error::UnknownChunkSizes { .. })));
    let bm = b.compress(&keep, Some(0)).unwrap();
    let a4 = ndchunk::ones::<f64>(&[4, 3], [2, 3]).unwrap();
    assert!(matches!(linalg::lstsq_with(&a4, &bm, None), Err(Error::Shape(_) | Error::UnknownChunkSizes { .. })));
}

fn rows_kept(x: &ArrayD<f64>, keep: &[bool]) -> Array2<f64> {
    let x = x.clone().into_dimensionality::<Ix2>().unwrap();
    let idx: Vec<usize> = keep.iter().enumerate().filter(|(_, &k)| k).map(|(i, _)| i).collect();
    x.select(ndarray::Axis(0), &idx)
}

#[test]
fn qr_and_svd_after_a_mask_match_numpy() {
    let fx = load_fixture("lstsq.txt");
    let x = input(&fx, "mx");
    let mut cases = 0;
    for r in fx.results.iter().filter(|r| r[2] == "masked") {
        let keep = mask_input(&fx, &r[1]);
        let sel = rows_kept(&x, &keep).into_dyn();
        for ch in [vec![30, 4], vec![7, 4], vec![10, 3], vec![1, 2], vec![4, 1]] {
            let what = format!("{} chunks {ch:?}", r[1]);
            let k = ChunkedArray::from_array(Array1::from(keep.clone()), [ch[0]]).unwrap();
            let a = chunked(&x, &ch).compress(&k, Some(0)).unwrap();
            assert!(!a.chunks().axis_is_known(0), "{what}: rows of unknown length");
            let (q, rr) = linalg::qr(&a).unwrap();
            let (u, s, vt) = linalg::svd(&a).unwrap();
            assert_eq!(rr.shape(), &[4, 4]);
            assert_eq!(vt.shape(), &[4, 4]);
            if r[3] == "ERR" {
                assert!(matches!(rr.compute(), Err(Error::LinAlg(_))), "{what}");
                assert!(matches!(q.compute(), Err(Error::LinAlg(_))), "{what}");
                assert!(matches!(s.compute(), Err(Error::LinAlg(_))), "{what}");
                continue;
            }
            let out = ndchunk::compute_all(&[&q, &rr, &u, &s, &vt]).unwrap();
            let m2 = |i: usize| out[i].clone().into_dimensionality::<Ix2>().unwrap();
            let (q, rr, u, vt) = (m2(0), m2(1), m2(2), m2(4));
            assert_close(&rr.mapv(f64::abs).into_dyn(), &array(&r[3], &r[4]), 1e-10, &format!("{what}: |R|"));
            assert_close(&out[3], &array(&r[5], &r[6]), 1e-10, &format!("{what}: s"));
            assert_near(&q.dot(&rr).into_dyn(), &sel, 1e-12, &format!("{what}: q·r"));
            assert_near(&q.t().dot(&q).into_dyn(), &Array2::<f64>::eye(4).into_dyn(), 1e-12, &format!("{what}: qᵀq"));
            let s = out[3].clone().into_dimensionality::<ndarray::Ix1>().unwrap();
            let usv = (&u * &s).dot(&vt);
            assert_near(&usv.into_dyn(), &sel, 1e-12, &format!("{what}: u·s·vt"));
            cases += 1;
        }
    }
    assert_eq!(cases, 15);
    // unknown column lengths: a typed error, when planned
    let keep = ChunkedArray::from_array(Array1::from(vec![true, false, true, true]), [2]).unwrap();
    let wide = chunked(&x, &[10, 2]).compress(&keep, Some(1)).unwrap();
    assert!(matches!(linalg::qr(&wide), Err(Error::UnknownChunkSizes { .. })));
    assert!(matches!(linalg::svd(&wide), Err(Error::UnknownChunkSizes { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random tall or wide systems, chunkings and duplicated columns: the solution satisfies the
    /// normal equations, is orthogonal to the null space (minimum norm) and the rank is the
    /// number of independent columns.
    #[test]
    fn lstsq_solves_the_normal_equations_with_minimum_norm(
        m in 1usize..30, n in 1usize..8, dup in 0usize..3, rows in 1usize..12, k in 1usize..3, seed in 0u64..500,
    ) {
        let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
        let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5 };
        let base = Array2::from_shape_fn((m, n), |_| next());
        // `dup` extra copies of the first column
        let mut a = base.clone();
        for _ in 0..dup {
            a = ndarray::concatenate(ndarray::Axis(1), &[a.view(), base.slice(ndarray::s![.., ..1])]).unwrap();
        }
        let nn = a.ncols();
        let b = Array2::from_shape_fn((m, k), |_| next());
        let got = linalg::lstsq_with(
            &ChunkedArray::from_array(a.clone(), [rows, 1 + nn / 2]).unwrap(),
            &ChunkedArray::from_array(b.clone(), [rows.div_ceil(2), k]).unwrap(),
            None,
        ).unwrap();
        let x = got.x.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
        let resid = &b - &a.dot(&x);
        let normal = a.t().dot(&resid);
        prop_assert!(normal.iter().all(|v| v.abs() < 1e-9), "normal equations: {normal:?}");
        // minimum norm: the duplicated columns carry equal weight
        for d in 0..dup {
            for j in 0..k {
                prop_assert!((x[[0, j]] - x[[n + d, j]]).abs() < 1e-9);
            }
        }
        let rank = got.rank.item().unwrap() as usize;
        prop_assert_eq!(rank, m.min(n));
        let res = got.residuals.compute().unwrap();
        if rank == nn && m > nn {
            let want = resid.mapv(|v| v * v).sum_axis(ndarray::Axis(0)).into_dyn();
            prop_assert!(res.iter().zip(want.iter()).all(|(g, w)| (g - w).abs() < 1e-9));
        } else {
            prop_assert_eq!(res.len(), 0);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// qr and svd after a random row mask, any row and column chunking: q·r and u·s·vt give the
    /// selected rows back, q has orthonormal columns, s is NumPy-ordered (descending) and
    /// fewer rows than columns is a LinAlg error when computed.
    #[test]
    fn qr_and_svd_of_any_masked_rows(
        m in 1usize..40, n in 1usize..6, rows in 1usize..15, cols in 1usize..6, seed in 0u64..500, keep_p in 0.2f64..1.0,
    ) {
        let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
        let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; (s >> 11) as f64 / (1u64 << 53) as f64 };
        let x = Array2::from_shape_fn((m, n), |_| next() - 0.5).into_dyn();
        let keep: Vec<bool> = (0..m).map(|_| next() < keep_p).collect();
        let sel = rows_kept(&x, &keep);
        let k = ChunkedArray::from_array(Array1::from(keep.clone()), [rows]).unwrap();
        let a = chunked(&x, &[rows, cols]).compress(&k, Some(0)).unwrap();
        let (q, r) = linalg::qr(&a).unwrap();
        let (u, sv, vt) = linalg::svd(&a).unwrap();
        if sel.nrows() < n {
            prop_assert!(matches!(r.compute(), Err(Error::LinAlg(_))));
            prop_assert!(matches!(u.compute(), Err(Error::LinAlg(_))));
            return Ok(());
        }
        let out = ndchunk::compute_all(&[&q, &r, &u, &sv, &vt]).unwrap();
        let m2 = |i: usize| out[i].clone().into_dimensionality::<Ix2>().unwrap();
        let sel = sel.into_dyn();
        assert_near(&m2(0).dot(&m2(1)).into_dyn(), &sel, 1e-12, "q·r");
        assert_near(&m2(0).t().dot(&m2(0)).into_dyn(), &Array2::<f64>::eye(n).into_dyn(), 1e-12, "qᵀq");
        let s1 = out[3].clone().into_dimensionality::<ndarray::Ix1>().unwrap();
        prop_assert!(s1.windows(2).into_iter().all(|w| w[0] >= w[1]));
        assert_near(&(&m2(2) * &s1).dot(&m2(4)).into_dyn(), &sel, 1e-12, "u·s·vt");
    }
}
