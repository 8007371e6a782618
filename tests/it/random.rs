//! Random arrays: independent of chunking and threads; statistically sane; seeds differ.

use ndarray::ArrayD;
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::Config;

const CHUNKINGS: &[[usize; 2]] = &[[40, 30], [7, 30], [1, 1], [13, 4], [40, 1], [3, 29]];

fn all_equal<T: Element, F: Fn(&Generator, [usize; 2]) -> Result<ChunkedArray<T>>>(f: F) -> ArrayD<T> {
    let first = f(&Generator::new(7), CHUNKINGS[0]).unwrap().compute().unwrap();
    for (k, c) in CHUNKINGS.iter().enumerate().skip(1) {
        let threads = 1 + k % 3;
        let got = f(&Generator::new(7), *c).unwrap().compute_with(&Config::default().with_threads(threads)).unwrap();
        assert_eq!(got, first, "chunks {c:?} threads {threads}");
    }
    first
}

#[test]
fn values_do_not_depend_on_chunks_or_threads() {
    let s = [40usize, 30];
    all_equal(|g, c| g.random(&s, c));
    all_equal(|g, c| g.uniform(-2.0, 5.0, &s, c));
    all_equal(|g, c| g.standard_normal(&s, c));
    all_equal(|g, c| g.normal(9.0, 1.0, &s, c));
    all_equal(|g, c| g.integers(-5, 100, &s, c));
    all_equal(|g, c| g.exponential(2.0, &s, c));
    all_equal(|g, c| g.poisson(3.5, &s, c));
    all_equal(|g, c| g.binomial(20, 0.3, &s, c));
    all_equal(|g, c| g.choice(&[1.5f32, 2.5, 3.5], None, &s, c));
    all_equal(|g, c| g.choice(&[1i32, 2, 3], Some(&[0.2, 0.5, 0.3]), &s, c));
    // 3-D and 1-D shapes too
    let a = Generator::new(3).random(&[5, 6, 7], [5, 6, 7]).unwrap().compute().unwrap();
    let b = Generator::new(3).random(&[5, 6, 7], [2, 5, 3]).unwrap().compute().unwrap();
    assert_eq!(a, b);
}

#[test]
fn seeds_and_successive_draws_differ() {
    let g = Generator::new(1);
    let a = g.random(&[100], [10]).unwrap().compute().unwrap();
    let b = g.random(&[100], [10]).unwrap().compute().unwrap();
    let c = Generator::new(2).random(&[100], [10]).unwrap().compute().unwrap();
    assert_ne!(a, b);
    assert_ne!(a, c);
    // a new generator with the same seed replays the sequence
    let h = Generator::new(1);
    assert_eq!(h.random(&[100], [33]).unwrap().compute().unwrap(), a);
    assert_eq!(h.random(&[100], [7]).unwrap().compute().unwrap(), b);
}

fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n)
}

/// Kolmogorov–Smirnov distance between the sample and a CDF.
fn ks(v: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len() as f64;
    s.iter()
        .enumerate()
        .map(|(i, &x)| ((i + 1) as f64 / n - cdf(x)).abs().max((cdf(x) - i as f64 / n).abs()))
        .fold(0.0, f64::max)
}

fn erf(x: f64) -> f64 {
    // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7)
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
            * t
            * (-x * x).exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}

#[test]
fn distributions_are_statistically_sane() {
    let n = 200_000;
    let g = Generator::new(11);
    // KS critical value at alpha = 0.001 for n samples: 1.95 / sqrt(n)
    let crit = 1.95 / (n as f64).sqrt();
    let get = |x: ChunkedArray<f64>| x.compute().unwrap().into_raw_vec_and_offset().0;

    let u = get(g.random(&[n], [30_000]).unwrap());
    assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
    let (m, v) = moments(&u);
    assert!((m - 0.5).abs() < 0.005 && (v - 1.0 / 12.0).abs() < 0.002, "{m} {v}");
    assert!(ks(&u, |x| x.clamp(0.0, 1.0)) < crit);

    let un = get(g.uniform(-2.0, 6.0, &[n], [30_000]).unwrap());
    assert!(ks(&un, |x| ((x + 2.0) / 8.0).clamp(0.0, 1.0)) < crit);

    let z = get(g.normal(9.0, 2.0, &[n], [30_000]).unwrap());
    let (m, v) = moments(&z);
    assert!((m - 9.0).abs() < 0.02 && (v - 4.0).abs() < 0.06, "{m} {v}");
    assert!(ks(&z, |x| 0.5 * (1.0 + erf((x - 9.0) / (2.0 * 2f64.sqrt())))) < crit);

    let e = get(g.exponential(2.0, &[n], [30_000]).unwrap());
    let (m, v) = moments(&e);
    assert!((m - 2.0).abs() < 0.03 && (v - 4.0).abs() < 0.15, "{m} {v}");
    assert!(ks(&e, |x| 1.0 - (-x.max(0.0) / 2.0).exp()) < crit);

    let ints = g.integers(-3, 7, &[n], [30_000]).unwrap().compute().unwrap();
    let mut counts = [0usize; 10];
    for &i in ints.iter() {
        assert!((-3..7).contains(&i));
        counts[(i + 3) as usize] += 1;
    }
    let chi2: f64 = counts.iter().map(|&c| (c as f64 - n as f64 / 10.0).powi(2) / (n as f64 / 10.0)).sum();
    assert!(chi2 < 27.9, "chi2 {chi2}"); // 9 dof, alpha = 0.001

    let p = g.poisson(3.5, &[n / 4], [10_000]).unwrap().astype::<f64>();
    let (m, v) = moments(&get(p));
    assert!((m - 3.5).abs() < 0.04 && (v - 3.5).abs() < 0.1, "{m} {v}");
    let b = g.binomial(20, 0.3, &[n / 4], [10_000]).unwrap().astype::<f64>();
    let (m, v) = moments(&get(b));
    assert!((m - 6.0).abs() < 0.05 && (v - 4.2).abs() < 0.12, "{m} {v}");

    let c = g.choice(&[10.0, 20.0, 30.0], Some(&[0.2, 0.5, 0.3]), &[n], [30_000]).unwrap().compute().unwrap();
    let frac20 = c.iter().filter(|&&x| x == 20.0).count() as f64 / n as f64;
    assert!((frac20 - 0.5).abs() < 0.005);
}

#[test]
fn bad_parameters_are_errors() {
    let g = Generator::new(0);
    assert!(matches!(g.integers(5, 5, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.normal(0.0, -1.0, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.uniform(1.0, 0.0, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.poisson(-1.0, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.binomial(3, 1.5, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.choice::<f64>(&[], None, &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.choice(&[1.0, 2.0], Some(&[0.5, 0.6]), &[3], [3]), Err(Error::Value(_))));
    assert!(matches!(g.random(&[3], [0]), Err(Error::Chunks(_))));
}

#[test]
fn generated_tile_by_tile_equals_generated_by_block() {
    // `+ 0.0` fuses the generator into an elementwise tile chain; `.sum()` over it streams
    // tiles into the reduction: both must see exactly the block path's values.
    for c in CHUNKINGS {
        let g = || Generator::new(3);
        let direct = g().normal(1.0, 2.0, &[40, 30], *c).unwrap().compute().unwrap();
        let fused = (&g().normal(1.0, 2.0, &[40, 30], *c).unwrap() + 0.0).compute().unwrap();
        assert_eq!(direct, fused, "{c:?}");
        let s = g().integers(0, 100, &[40, 30], *c).unwrap().sum(None).unwrap().item().unwrap();
        assert_eq!(s, direct_sum(&g().integers(0, 100, &[40, 30], [40, 30]).unwrap().compute().unwrap()));
    }
}

fn direct_sum(a: &ArrayD<i64>) -> i64 {
    a.iter().sum()
}
