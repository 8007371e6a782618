//! Shared test helpers: chunkings to sweep, approximate comparison, and NumPy `.npy` fixtures.
#![allow(dead_code)]

pub mod npy;

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
