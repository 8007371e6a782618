//! Shared test helpers: chunkings to sweep, approximate comparison, and NumPy `.npy` fixtures.
#![allow(dead_code)]

pub mod npy;

use std::collections::HashMap;

use ndarray::ArrayD;

/// Uniform chunk specs covering the cases every operation must handle: one block, uneven last
/// block, size-1 blocks, and a mix.
pub fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    let whole: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
    let ones: Vec<usize> = shape.iter().map(|_| 1).collect();
    let uneven: Vec<usize> = shape.iter().map(|&n| (2 * n).div_ceil(3).max(1)).collect();
    let mixed: Vec<usize> =
        shape.iter().enumerate().map(|(i, &n)| if i % 2 == 0 { 1.max(n / 2) } else { n.max(1) }).collect();
    let mut v = vec![whole, uneven, mixed];
    if shape.iter().product::<usize>() <= 400 {
        v.push(ones);
    }
    v.dedup();
    v
}

/// `|a - b| <= atol + rtol * |b|` elementwise, NaN equal to NaN, same shape.
pub fn assert_close(a: &ArrayD<f64>, b: &ArrayD<f64>, rtol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let ok = (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-12 + rtol * y.abs();
        assert!(ok, "{what}: element {i}: {x} vs {y}");
    }
}

/// A shape written as `a,b,c` in a fixture (empty for 0-d).
pub fn parse_shape(s: &str) -> Vec<usize> {
    s.split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect()
}

/// Axes written as `None` or `a,b` in a fixture.
pub fn parse_axes(s: &str) -> ndchunk::Axes {
    if s == "None" {
        ndchunk::Axes::All
    } else {
        ndchunk::Axes::Some(s.split(',').map(|x| x.parse().unwrap()).collect())
    }
}

/// proptest: a shape of 1–3 axes (lengths 0–5) and a chunk size per axis.
pub fn shape_and_chunks() -> impl proptest::strategy::Strategy<Value = (Vec<usize>, Vec<usize>)> {
    use proptest::prelude::*;
    prop::collection::vec(0usize..6, 1..4).prop_flat_map(|shape| {
        let ch: Vec<_> = shape.iter().map(|&n| 1..=n.max(1)).collect();
        (Just(shape), ch)
    })
}

/// The records of a NumPy fixture written by `fixtures/generate_*.py` in the shared text format:
/// `INPUT|name|dtype|shape|values` and `RESULT|...` (fields after `RESULT` as each generator
/// documents them).
pub struct Fixture {
    /// name → (dtype, shape, values as written)
    pub inputs: HashMap<String, (String, Vec<usize>, Vec<String>)>,
    /// the fields of each `RESULT` record, without the tag
    pub results: Vec<Vec<String>>,
}

/// Read `fixtures/<file>` (see [`Fixture`]).
pub fn load_fixture(file: &str) -> Fixture {
    let path = format!("{}/../fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut inputs = HashMap::new();
    let mut results = Vec::new();
    for l in text.lines() {
        let f: Vec<String> = l.split('|').map(str::to_string).collect();
        match f[0].as_str() {
            "INPUT" => {
                let vals = if f[4].is_empty() { vec![] } else { f[4].split(',').map(str::to_string).collect() };
                inputs.insert(f[1].clone(), (f[2].clone(), parse_shape(&f[3]), vals));
            }
            "RESULT" => results.push(f[1..].to_vec()),
            _ => panic!("bad fixture line in {file}: {l}"),
        }
    }
    Fixture { inputs, results }
}

/// A record of a `name|dtype|shape|values` fixture (complex values interleaved re, im).
pub type Record = (String, Vec<usize>, Vec<f64>);

/// Read `fixtures/<file>` of `name|dtype|shape|values` lines (the complex fixtures).
pub fn load_records(file: &str) -> HashMap<String, Record> {
    let path = format!("{}/../fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            let vals = f[3].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
            (f[0].to_string(), (f[1].to_string(), parse_shape(f[2]), vals))
        })
        .collect()
}

/// Record `name` as an array of `T` (its dtype checked; complex records: interleaved parts).
pub fn record_array<T: ndchunk::Element>(fx: &HashMap<String, Record>, name: &str) -> ArrayD<T> {
    let (dt, shape, v) = &fx[name];
    assert_eq!(dt, T::DTYPE.name(), "{name}");
    let vals: Vec<T> = if T::DTYPE.is_complex() {
        v.chunks(2).map(|p| T::from_scalar(ndchunk::Scalar::Complex(p[0], p[1]))).collect()
    } else {
        v.iter().map(|&x| T::from_f64(x)).collect()
    };
    ArrayD::from_shape_vec(ndarray::IxDyn(shape), vals).unwrap()
}
