//! `ndchunk::linalg` on complex matrices against NumPy (fixtures/linalg_complex.txt, written by
//! fixtures/generate_linalg_complex.py), complex128 and complex64, over several chunkings:
//! `qr` (q·r = a, qᴴq = I, r upper triangular, |diag r| as NumPy's), `svd` (NumPy's singular
//! values, real; u·diag(s)·vh = a), `solve`, `inv`, `cholesky`/`cholesky_with` (Hermitian),
//! `lu` (p·l·u = a), `solve_triangular`,
//! `lstsq`/`lstsq_with` (x, residuals, rank, s; a rank-deficient matrix), `norm` (every matrix
//! `ord`, vector norms along an axis, real results); bad input gives typed errors; a proptest
//! over random shapes and chunkings.

use std::collections::HashMap;

use ndarray::{Array2, ArrayD, Ix2, IxDyn};
use ndchunk::linalg::{self, LinalgScalar, NormOrd};
use ndchunk::prelude::*;
use ndchunk::{Complex, ComplexElement, Element, Error};
use proptest::prelude::*;

use crate::common::{chunkings, parse_shape};

type C = Complex<f64>;

/// (name, op) → (dtype, shape, values as f64; complex interleaved)
type Records = HashMap<(String, String), (String, Vec<usize>, Vec<f64>)>;

fn load() -> Records {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/linalg_complex.txt")).unwrap();
    let mut m = HashMap::new();
    for l in text.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split('|').collect();
        let vals: Vec<f64> = f[4].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
        m.insert((f[0].to_string(), f[1].to_string()), (f[2].to_string(), parse_shape(f[3]), vals));
    }
    m
}

fn complex_rec(fx: &Records, name: &str, op: &str) -> ArrayD<C> {
    let (dt, shape, v) = &fx[&(name.to_string(), op.to_string())];
    assert!(dt.starts_with("complex"), "{name} {op}: {dt}");
    let vals: Vec<C> = v.chunks(2).map(|p| C::new(p[0], p[1])).collect();
    ArrayD::from_shape_vec(IxDyn(shape), vals).unwrap()
}

fn real_rec(fx: &Records, name: &str, op: &str) -> ArrayD<f64> {
    let (dt, shape, v) = &fx[&(name.to_string(), op.to_string())];
    assert!(!dt.starts_with("complex"), "{name} {op}: {dt}");
    ArrayD::from_shape_vec(IxDyn(shape), v.clone()).unwrap()
}

fn to_c<T: ComplexElement>(a: &ArrayD<T>) -> ArrayD<C> {
    a.mapv(|v| C::new(v.re_part().to_f64(), v.im_part().to_f64()))
}

fn from_c<T: ComplexElement>(a: &ArrayD<C>) -> ArrayD<T> {
    a.mapv(|v| T::new(T::Part::from_f64(v.re), T::Part::from_f64(v.im)))
}

fn to_f<T: Element>(a: &ArrayD<T>) -> ArrayD<f64> {
    a.mapv(|v| v.to_f64())
}

/// `|a - b| <= tol · (1 + max|b|)` elementwise, same shape.
fn close_c(a: &ArrayD<C>, b: &ArrayD<C>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    let scale = 1.0 + b.iter().fold(0.0f64, |m, v| m.max(v.norm()));
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        assert!((x - y).norm() <= tol * scale, "{what}: element {i}: {x} vs {y}");
    }
}

fn close_r(a: &ArrayD<f64>, b: &ArrayD<f64>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    let scale = 1.0 + b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        assert!((x - y).abs() <= tol * scale || (x.is_nan() && y.is_nan()), "{what}: element {i}: {x} vs {y}");
    }
}

fn mat(a: &ArrayD<C>) -> Array2<C> {
    a.clone().into_dimensionality::<Ix2>().unwrap()
}

fn adj(a: &Array2<C>) -> Array2<C> {
    a.t().mapv(|v| v.conj())
}

fn chunked<T: Element>(a: &ArrayD<T>, ch: &[usize]) -> ChunkedArray<T> {
    ChunkedArray::from_array(a.clone(), ch.to_vec()).unwrap()
}

const MATRIX_ORDS: &[(&str, NormOrd)] = &[
    ("fro", NormOrd::Fro),
    ("nuc", NormOrd::Nuc),
    ("1", NormOrd::One),
    ("-1", NormOrd::P(-1.0)),
    ("2", NormOrd::Two),
    ("-2", NormOrd::P(-2.0)),
    ("inf", NormOrd::Inf),
    ("-inf", NormOrd::NegInf),
];

const VECTOR_ORDS: &[(&str, NormOrd)] = &[
    ("2", NormOrd::Two),
    ("1", NormOrd::One),
    ("inf", NormOrd::Inf),
    ("-inf", NormOrd::NegInf),
    ("0", NormOrd::P(0.0)),
    ("3", NormOrd::P(3.0)),
    ("0.5", NormOrd::P(0.5)),
];

/// qr, svd, norms and lstsq of one rectangular matrix over every chunking.
fn check_rect<T: ComplexElement + LinalgScalar>(fx: &Records, name: &str, tol: f64) {
    let a = complex_rec(fx, name, "a");
    let b = complex_rec(fx, name, "b");
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let k = m.min(n);
    let (at, bt) = (from_c::<T>(&a), from_c::<T>(&b));
    for ch in chunkings(a.shape()) {
        let what = format!("{name} {ch:?}");
        let ca = chunked(&at, &ch);
        // qr
        let (q, r) = linalg::qr(&ca).unwrap();
        let (q, r) = (mat(&to_c(&q.compute().unwrap())), mat(&to_c(&r.compute().unwrap())));
        assert_eq!((q.dim(), r.dim()), ((m, k), (k, n)), "{what}");
        close_c(&q.dot(&r).into_dyn(), &a, tol, &format!("{what} q·r"));
        close_c(&adj(&q).dot(&q).into_dyn(), &Array2::<C>::eye(k).into_dyn(), tol, &format!("{what} qᴴq"));
        assert!((0..k).all(|i| (0..i.min(n)).all(|j| r[[i, j]] == C::new(0.0, 0.0))), "{what}: r upper");
        let diag: ArrayD<f64> = ArrayD::from_shape_fn(IxDyn(&[k]), |i| r[[i[0], i[0]]].norm());
        close_r(&diag, &real_rec(fx, name, "qr_absdiag"), tol, &format!("{what} |diag r|"));
        // svd: real singular values
        let (u, s, vh) = linalg::svd(&ca).unwrap();
        let s = to_f(&s.compute().unwrap());
        close_r(&s, &real_rec(fx, name, "s"), tol, &format!("{what} s"));
        let (u, vh) = (mat(&to_c(&u.compute().unwrap())), mat(&to_c(&vh.compute().unwrap())));
        let us = Array2::from_shape_fn((m, k), |(i, j)| u[[i, j]] * s[j]);
        close_c(&us.dot(&vh).into_dyn(), &a, tol, &format!("{what} u·s·vh"));
        close_c(&adj(&u).dot(&u).into_dyn(), &Array2::<C>::eye(k).into_dyn(), tol, &format!("{what} uᴴu"));
        // norms
        for &(tag, ord) in MATRIX_ORDS {
            let got = to_f(&linalg::norm(&ca, ord, None).unwrap().compute().unwrap());
            close_r(&got, &real_rec(fx, name, &format!("norm_{tag}")), tol, &format!("{what} norm {tag}"));
        }
        for &(tag, ord) in VECTOR_ORDS {
            let got = to_f(&linalg::norm(&ca, ord, 1).unwrap().compute().unwrap());
            close_r(&got, &real_rec(fx, name, &format!("vnorm_axis1_{tag}")), tol, &format!("{what} vnorm {tag}"));
        }
        let flat = ca.ravel().unwrap();
        let got = to_f(&linalg::norm(&flat, NormOrd::Fro, None).unwrap().compute().unwrap());
        close_r(&got, &real_rec(fx, name, "vnorm_all"), tol, &format!("{what} norm of the raveled"));
        // lstsq
        let cb = chunked(&bt, &[ch[0], 2]);
        let l = linalg::lstsq_with(&ca, &cb, None).unwrap();
        close_c(&to_c(&l.x.compute().unwrap()), &complex_rec(fx, name, "lstsq_x"), tol, &format!("{what} x"));
        let res = to_f(&l.residuals.compute().unwrap());
        close_r(&res, &real_rec(fx, name, "lstsq_res"), tol, &format!("{what} residuals"));
        assert_eq!(l.rank.item().unwrap() as f64, real_rec(fx, name, "lstsq_rank")[[]], "{what} rank");
        close_r(&to_f(&l.s.compute().unwrap()), &real_rec(fx, name, "lstsq_s"), tol, &format!("{what} lstsq s"));
        let b0 = chunked(&bt.index_axis(ndarray::Axis(1), 0).to_owned(), &[ch[0]]);
        let (xv, resv) = linalg::lstsq(&ca, &b0).unwrap();
        close_c(&to_c(&xv.compute().unwrap()), &complex_rec(fx, name, "lstsq_xvec"), tol, &format!("{what} xvec"));
        let want = real_rec(fx, name, "lstsq_resvec");
        if want.len() == 1 {
            // dask's form: the residual always, 0-d for a vector b
            let got = to_f(&resv.compute().unwrap());
            close_r(&got.into_shape_with_order(IxDyn(&[1])).unwrap(), &want, tol, &format!("{what} resvec"));
        }
    }
}

/// solve, inv and cholesky of one square system over every chunking.
fn check_square<T: ComplexElement + LinalgScalar>(fx: &Records, name: &str, tol: f64) {
    let a = complex_rec(fx, name, "a");
    let b = complex_rec(fx, name, "b");
    let hpd = complex_rec(fx, name, "hpd");
    let (at, bt, ht) = (from_c::<T>(&a), from_c::<T>(&b), from_c::<T>(&hpd));
    for ch in chunkings(a.shape()) {
        let what = format!("{name} {ch:?}");
        let ca = chunked(&at, &ch);
        let cb = chunked(&bt, &[ch[0], 2]);
        let x = to_c(&linalg::solve(&ca, &cb).unwrap().compute().unwrap());
        close_c(&x, &complex_rec(fx, name, "solve"), tol, &format!("{what} solve"));
        let b0 = chunked(&bt.index_axis(ndarray::Axis(1), 0).to_owned(), &[ch[0]]);
        let xv = to_c(&linalg::solve(&ca, &b0).unwrap().compute().unwrap());
        close_c(&xv, &complex_rec(fx, name, "solve_vec"), tol, &format!("{what} solve vec"));
        let inv = to_c(&linalg::inv(&ca).unwrap().compute().unwrap());
        close_c(&inv, &complex_rec(fx, name, "inv"), tol, &format!("{what} inv"));
        let ch_ = chunked(&ht, &ch);
        let l = to_c(&linalg::cholesky(&ch_).unwrap().compute().unwrap());
        let want = complex_rec(fx, name, "cholesky");
        close_c(&l, &want, tol, &format!("{what} cholesky"));
        let u = to_c(&linalg::cholesky_with(&ch_, false).unwrap().compute().unwrap());
        close_c(&u, &adj(&mat(&want)).into_dyn(), tol, &format!("{what} upper cholesky = lᴴ"));
        // lu: a = p · l · u, l unit lower, u upper
        let (p, lo, up) = linalg::lu(&ca).unwrap();
        let (p, lo, up) = (to_c(&p.compute().unwrap()), to_c(&lo.compute().unwrap()), to_c(&up.compute().unwrap()));
        let (p, lo, up) = (mat(&p), mat(&lo), mat(&up));
        close_c(&p.dot(&lo).dot(&up).into_dyn(), &a, tol, &format!("{what} p·l·u"));
        let nn = lo.nrows();
        assert!((0..nn).all(|i| lo[[i, i]] == C::new(1.0, 0.0) && (i + 1..nn).all(|j| lo[[i, j]] == C::new(0.0, 0.0))));
        assert!((0..nn).all(|i| (0..i).all(|j| up[[i, j]] == C::new(0.0, 0.0))), "{what}: u upper");
        // solve_triangular with the complex factor: l · y = b
        let cl = chunked(&from_c::<T>(&l), &ch);
        let y = to_c(&linalg::solve_triangular(&cl, &cb, true).unwrap().compute().unwrap());
        close_c(&mat(&l).dot(&mat(&y)).into_dyn(), &b, tol, &format!("{what} l·y = b"));
    }
}

fn names(fx: &Records, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> =
        fx.keys().filter(|(n, op)| op == "a" && n.starts_with(prefix)).map(|(n, _)| n.clone()).collect();
    v.sort();
    v
}

#[test]
fn complex128_qr_svd_norm_lstsq_match_numpy() {
    let fx = load();
    let rect: Vec<String> = names(&fx, "complex128_").into_iter().filter(|n| !n.contains("_sq")).collect();
    assert_eq!(rect.len(), 6);
    for name in &rect {
        check_rect::<Complex<f64>>(&fx, name, 1e-11);
    }
}

#[test]
fn complex128_rank_deficient_lstsq_matches_numpy() {
    let fx = load();
    let a = from_c::<C>(&complex_rec(&fx, "rankdef", "a"));
    let b = from_c::<C>(&complex_rec(&fx, "rankdef", "b"));
    for ch in chunkings(a.shape()) {
        let l = linalg::lstsq_with(&chunked(&a, &ch), &chunked(&b, &[ch[0], 2]), None).unwrap();
        let what = format!("rankdef {ch:?}");
        close_c(&l.x.compute().unwrap(), &complex_rec(&fx, "rankdef", "lstsq_x"), 1e-11, &what);
        assert_eq!(l.rank.item().unwrap(), 2, "{what}");
        assert_eq!(l.residuals.compute().unwrap().len(), 0, "{what}: rank < N, no residuals");
        close_r(&l.s.compute().unwrap(), &real_rec(&fx, "rankdef", "lstsq_s"), 1e-11, &what);
    }
}

#[test]
fn complex128_solve_inv_cholesky_match_numpy() {
    let fx = load();
    let sq = names(&fx, "complex128_sq");
    assert_eq!(sq.len(), 3);
    for name in &sq {
        check_square::<Complex<f64>>(&fx, name, 1e-11);
    }
}

#[test]
fn complex64_linalg_matches_numpy() {
    let fx = load();
    let all = names(&fx, "complex64_");
    assert_eq!(all.len(), 3);
    for name in &all {
        if name.contains("_sq") {
            check_square::<Complex<f32>>(&fx, name, 2e-5);
        } else {
            check_rect::<Complex<f32>>(&fx, name, 2e-5);
        }
    }
}

#[test]
fn complex_bad_inputs_are_typed_errors() {
    let c = |re: f64, im: f64| C::new(re, im);
    let rect = ChunkedArray::from_array(ndarray::array![[c(1., 1.), c(2., 0.), c(0., 1.)]], [1, 2]).unwrap();
    let v = ChunkedArray::from_array(ndarray::array![c(1., 0.)], [1]).unwrap();
    assert!(matches!(linalg::solve(&rect, &v), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::inv(&rect), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::cholesky(&rect), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::qr(&v), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::svd(&v), Err(Error::LinAlg(_))));
    // singular: the second row is i times the first
    let sing =
        ChunkedArray::from_array(ndarray::array![[c(1., 2.), c(3., 0.)], [c(-2., 1.), c(0., 3.)]], [1, 1]).unwrap();
    let b = ChunkedArray::from_array(ndarray::array![c(1., 0.), c(0., 1.)], [1]).unwrap();
    assert!(matches!(linalg::solve(&sing, &b).unwrap().compute(), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::inv(&sing).unwrap().compute(), Err(Error::LinAlg(_))));
    // Hermitian but not positive definite
    let not_pd =
        ChunkedArray::from_array(ndarray::array![[c(1., 0.), c(0., 2.)], [c(0., -2.), c(1., 0.)]], [1, 1]).unwrap();
    assert!(matches!(linalg::cholesky(&not_pd).unwrap().compute(), Err(Error::LinAlg(_))));
    let b3 = ChunkedArray::from_array(ndarray::array![c(1., 0.), c(0., 1.), c(0., 0.)], [2]).unwrap();
    assert!(matches!(linalg::lstsq_with(&sing, &b3, None), Err(Error::Shape(_))));
    assert!(matches!(linalg::solve(&sing, &b3), Err(Error::Shape(_))));
    assert!(matches!(linalg::norm(&v, NormOrd::Nuc, None), Err(Error::Value(_))));
    assert!(matches!(linalg::norm(&sing, NormOrd::P(3.0), None), Err(Error::Value(_))));
    assert!(matches!(linalg::norm(&sing, NormOrd::Fro, 2), Err(Error::Axis { .. })));
    // a NaN: lstsq does not converge, as NumPy's LinAlgError
    let nan = ChunkedArray::from_array(ndarray::array![[c(f64::NAN, 0.)], [c(1., 1.)]], [1, 1]).unwrap();
    let (one, two) = (c(1., 0.), c(2., 0.));
    let b2 = ChunkedArray::from_array(ndarray::array![one, two], [1]).unwrap();
    assert!(matches!(linalg::lstsq_with(&nan, &b2, None).unwrap().x.compute(), Err(Error::LinAlg(_))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random complex matrices and chunkings (tall and short-fat): q·r = a with orthonormal q,
    /// u·diag(s)·vh = a with s descending and real, and the Frobenius norm is sqrt(Σ|a|²).
    #[test]
    fn complex_qr_svd_reconstruct_any_chunking(
        m in 1usize..14, n in 1usize..7, rows in 1usize..8, cols in 1usize..8, seed in 0u64..500,
    ) {
        let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
        let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5 };
        let a = Array2::from_shape_fn((m, n), |_| C::new(next(), next())).into_dyn();
        let ca = chunked(&a, &[rows, cols]);
        let k = m.min(n);
        let (q, r) = linalg::qr(&ca).unwrap();
        let (q, r) = (mat(&q.compute().unwrap()), mat(&r.compute().unwrap()));
        close_c(&q.dot(&r).into_dyn(), &a, 1e-12, "q·r");
        close_c(&adj(&q).dot(&q).into_dyn(), &Array2::<C>::eye(k).into_dyn(), 1e-12, "qᴴq");
        let (u, sv, vh) = linalg::svd(&ca).unwrap();
        let sv = sv.compute().unwrap();
        prop_assert_eq!(sv.len(), k);
        prop_assert!(sv.as_slice().unwrap().windows(2).all(|w| w[0] >= w[1]));
        let (u, vh) = (mat(&u.compute().unwrap()), mat(&vh.compute().unwrap()));
        let us = Array2::from_shape_fn((m, k), |(i, j)| u[[i, j]] * sv[j]);
        close_c(&us.dot(&vh).into_dyn(), &a, 1e-12, "u·s·vh");
        let fro = linalg::norm(&ca, NormOrd::Fro, None).unwrap().item().unwrap();
        let want = a.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
        prop_assert!((fro - want).abs() <= 1e-12 * (1.0 + want));
    }
}
