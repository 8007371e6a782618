//! `solve_triangular`, `cholesky_with`, the nuclear norm and `norm_with(keepdims)` against
//! scipy/NumPy (fixtures/linalg_extra.txt), over several chunkings.

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use ndchunk::linalg::{self, NormOrd};
use ndchunk::prelude::*;
use ndchunk::Error;

use crate::common::{assert_close, chunkings, parse_shape};

fn load() -> HashMap<(String, String), ArrayD<f64>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/linalg_extra.txt")).unwrap();
    let mut m = HashMap::new();
    for l in text.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split('|').collect();
        let shape = parse_shape(f[2]);
        let vals: Vec<f64> = f[3].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
        m.insert((f[0].to_string(), f[1].to_string()), ArrayD::from_shape_vec(IxDyn(&shape), vals).unwrap());
    }
    m
}

#[test]
fn triangular_solves_cholesky_sides_and_norms_match_scipy() {
    let fx = load();
    let names: Vec<String> = fx.keys().filter(|(_, op)| op == "a").map(|(n, _)| n.clone()).collect();
    assert_eq!(names.len(), 4);
    for name in names {
        let get = |op: &str| fx[&(name.clone(), op.to_string())].clone();
        let (a, b) = (get("a"), get("b"));
        for ch in chunkings(a.shape()) {
            let ca = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
            let cb = ChunkedArray::from_array(b.clone(), [ch[0], 1]).unwrap();
            let what = format!("{name} {ch:?}");
            let lo = linalg::solve_triangular(&ca, &cb, true).unwrap().compute().unwrap();
            assert_close(&lo, &get("solve_lower"), 1e-12, &what);
            let up = linalg::solve_triangular(&ca, &cb, false).unwrap().compute().unwrap();
            assert_close(&up, &get("solve_upper"), 1e-12, &what);
            let b0 = ChunkedArray::from_array(b.index_axis(ndarray::Axis(1), 0).to_owned(), [ch[0]]).unwrap();
            let v = linalg::solve_triangular(&ca, &b0, true).unwrap().compute().unwrap();
            assert_close(&v, &get("solve_lower_vec"), 1e-12, &what);
            let spd = ChunkedArray::from_array(get("spd"), ch.clone()).unwrap();
            let u = linalg::cholesky_with(&spd, false).unwrap().compute().unwrap();
            assert_close(&u, &get("cholesky_upper"), 1e-12, &what);
            let l = linalg::cholesky_with(&spd, true).unwrap().compute().unwrap();
            assert_close(&l, &get("cholesky_upper").t().to_owned(), 1e-12, &what);
            let nuc = linalg::norm(&ca, NormOrd::Nuc, None).unwrap().compute().unwrap();
            assert_close(&nuc, &get("nuc"), 1e-10, &what);
            let k1 = linalg::norm_with(&ca, NormOrd::Fro, 1, true).unwrap().compute().unwrap();
            assert_close(&k1, &get("fro_keep1"), 1e-12, &what);
            let ki = linalg::norm_with(&ca, NormOrd::Inf, None, true).unwrap().compute().unwrap();
            assert_close(&ki, &get("inf_keep"), 1e-12, &what);
        }
        let tall = get("tall");
        let ct = ChunkedArray::from_array(tall.clone(), [2, tall.shape()[1]]).unwrap();
        let nuc = linalg::norm(&ct, NormOrd::Nuc, None).unwrap().compute().unwrap();
        assert_close(&nuc, &get("tall_nuc"), 1e-10, &name);
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let a = ChunkedArray::from_array(ndarray::array![[1.0, 0.0], [2.0, 0.0]], [1, 1]).unwrap();
    let b = ChunkedArray::from_array(ndarray::array![1.0, 1.0], [1]).unwrap();
    // a zero on the diagonal: scipy's LinAlgError, at compute time
    assert!(matches!(linalg::solve_triangular(&a, &b, true).unwrap().compute(), Err(Error::LinAlg(_))));
    let b3 = ChunkedArray::from_array(ndarray::array![1.0, 1.0, 1.0], [2]).unwrap();
    assert!(matches!(linalg::solve_triangular(&a, &b3, true), Err(Error::Shape(_))));
    let rect = ndchunk::ones::<f64>(&[2, 3], [1, 1]).unwrap();
    assert!(matches!(linalg::solve_triangular(&rect, &b, true), Err(Error::LinAlg(_))));
    let not_pd = ChunkedArray::from_array(ndarray::array![[1.0, 2.0], [2.0, 1.0]], [1, 1]).unwrap();
    assert!(matches!(linalg::cholesky_with(&not_pd, false).unwrap().compute(), Err(Error::LinAlg(_))));
    assert!(matches!(linalg::norm(&b, NormOrd::Nuc, None), Err(Error::Value(_))));
    assert!(matches!(linalg::norm_with(&rect, NormOrd::Fro, 2, true), Err(Error::Axis { .. })));
}

#[test]
fn svd_flip_matches_dask() {
    let fx = load();
    for name in ["flip1", "flip4", "flip7"] {
        let get = |op: &str| fx[&(name.to_string(), op.to_string())].clone();
        let (u, v) = (get("u"), get("v"));
        for ch in [[1usize, 1], [2, 3], [7, 7]] {
            let cu = ChunkedArray::from_array(u.clone(), ch).unwrap();
            let cv = ChunkedArray::from_array(v.clone(), [ch[1], ch[0]]).unwrap();
            for ub in [true, false] {
                let (fu, fv) = linalg::svd_flip(&cu, &cv, ub).unwrap();
                let what = format!("{name} {ch:?} {ub}");
                assert_close(
                    &fu.compute().unwrap(),
                    &get(&format!("u_{}", if ub { "True" } else { "False" })),
                    0.0,
                    &what,
                );
                assert_close(
                    &fv.compute().unwrap(),
                    &get(&format!("v_{}", if ub { "True" } else { "False" })),
                    0.0,
                    &what,
                );
            }
        }
    }
    let u = ndchunk::ones::<f64>(&[3, 2], [1, 1]).unwrap();
    let v = ndchunk::ones::<f64>(&[3, 3], [1, 1]).unwrap();
    assert!(matches!(linalg::svd_flip(&u, &v, true), Err(Error::Shape(_))));
}
