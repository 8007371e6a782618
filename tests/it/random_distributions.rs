//! The `Generator` distributions added for issue 16: same values for any chunking and thread
//! count, moments against the theoretical mean and variance, support, NumPy's parameter
//! errors, and the global draws (permutation, shuffle, choice without replacement,
//! multinomial).
//!
//! Moment bounds: with N = 10^6 draws the sample mean is within 6 standard errors
//! `6 sqrt(var / N)` of the true mean, and the sample variance within `6 sqrt((m4 - s^4) / N)`
//! of the true variance (m4 the sample's fourth central moment: the plug-in standard error of
//! a variance); a false failure has probability about 2e-9 per check.

use ndarray::ArrayD;
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::{Config, Error};

const CHUNKINGS: &[[usize; 2]] = &[[40, 30], [7, 30], [1, 1], [13, 4], [40, 1], [3, 29]];

fn all_equal<T: Element, F: Fn(&Generator, [usize; 2]) -> Result<ChunkedArray<T>>>(f: F) -> ArrayD<T> {
    let first = f(&Generator::new(11), CHUNKINGS[0]).unwrap().compute().unwrap();
    for (k, c) in CHUNKINGS.iter().enumerate().skip(1) {
        let threads = 1 + k % 3;
        let got = f(&Generator::new(11), *c).unwrap().compute_with(&Config::default().with_threads(threads)).unwrap();
        assert_eq!(got, first, "chunks {c:?} threads {threads}");
    }
    first
}

#[test]
fn values_do_not_depend_on_chunks_or_threads() {
    let s = [40usize, 30];
    all_equal(|g, c| g.standard_exponential(&s, c));
    all_equal(|g, c| g.gamma(2.5, 1.5, &s, c));
    all_equal(|g, c| g.gamma(0.3, 1.0, &s, c));
    all_equal(|g, c| g.standard_gamma(4.0, &s, c));
    all_equal(|g, c| g.beta(0.5, 2.0, &s, c));
    all_equal(|g, c| g.lognormal(0.5, 0.25, &s, c));
    all_equal(|g, c| g.chisquare(3.0, &s, c));
    all_equal(|g, c| g.noncentral_chisquare(3.0, 2.0, &s, c));
    all_equal(|g, c| g.noncentral_chisquare(0.5, 2.0, &s, c));
    all_equal(|g, c| g.standard_t(5.0, &s, c));
    all_equal(|g, c| g.f(4.0, 9.0, &s, c));
    all_equal(|g, c| g.laplace(1.0, 2.0, &s, c));
    all_equal(|g, c| g.logistic(1.0, 2.0, &s, c));
    all_equal(|g, c| g.gumbel(1.0, 2.0, &s, c));
    all_equal(|g, c| g.weibull(1.5, &s, c));
    all_equal(|g, c| g.pareto(3.0, &s, c));
    all_equal(|g, c| g.rayleigh(2.0, &s, c));
    all_equal(|g, c| g.wald(1.5, 2.0, &s, c));
    all_equal(|g, c| g.triangular(-1.0, 0.5, 3.0, &s, c));
    all_equal(|g, c| g.vonmises(0.5, 2.0, &s, c));
    all_equal(|g, c| g.geometric(0.3, &s, c));
    all_equal(|g, c| g.negative_binomial(3.5, 0.4, &s, c));
    all_equal(|g, c| g.hypergeometric(20, 30, 15, &s, c));
    all_equal(|g, c| g.multinomial(25, &[0.1, 0.6, 0.3], &s, c));
    all_equal(|g, c| {
        g.permuted(&ndchunk::arange::<i64>(0, 1200, 1, [7]).unwrap().reshape(&[40, 30]).unwrap().rechunk(c).unwrap())
    });
    all_equal(|g, c| g.choice_with(&(0..2000).collect::<Vec<i32>>(), None, false, &s, c));
    let p: Vec<f64> = (1..=1500).map(|i| i as f64 / 1_125_750.0).collect();
    all_equal(|g, c| g.choice_with(&(0..1500).collect::<Vec<i32>>(), Some(&p), false, &s, c));
}

/// Mean and variance of `v` against `(mean, var)` within 6 standard errors.
fn check_moments(what: &str, v: &[f64], mean: f64, var: f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let s2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let m4 = v.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    let (se_m, se_v) = ((var / n).sqrt(), ((m4 - s2 * s2).max(0.0) / n).sqrt());
    assert!((m - mean).abs() <= 6.0 * se_m, "{what}: mean {m} vs {mean} (se {se_m})");
    assert!((s2 - var).abs() <= 6.0 * se_v, "{what}: variance {s2} vs {var} (se {se_v})");
}

fn draw(a: Result<ChunkedArray<f64>>) -> Vec<f64> {
    a.unwrap().compute().unwrap().into_raw_vec_and_offset().0
}

fn draw_i(a: Result<ChunkedArray<i64>>) -> Vec<f64> {
    a.unwrap().compute().unwrap().iter().map(|&v| v as f64).collect()
}

const N: usize = 1_000_000;

#[test]
fn continuous_moments_and_support() {
    let g = Generator::new(2024);
    let (s, c) = ([N], [N / 7]);
    let gam = lanczos_gamma;
    let pi = std::f64::consts::PI;
    let v = draw(g.gamma(2.5, 1.5, &s, c));
    assert!(v.iter().all(|&x| x > 0.0));
    check_moments("gamma", &v, 3.75, 2.5 * 2.25);
    check_moments("gamma small shape", &draw(g.gamma(0.3, 2.0, &s, c)), 0.6, 1.2);
    check_moments("standard_gamma", &draw(g.standard_gamma(4.0, &s, c)), 4.0, 4.0);
    check_moments("standard_exponential", &draw(g.standard_exponential(&s, c)), 1.0, 1.0);
    let v = draw(g.beta(0.5, 2.0, &s, c));
    assert!(v.iter().all(|&x| (0.0..=1.0).contains(&x)));
    check_moments("beta", &v, 0.2, 1.0 / (6.25 * 3.5));
    let (mu, sg) = (0.5f64, 0.25f64);
    let v = draw(g.lognormal(mu, sg, &s, c));
    assert!(v.iter().all(|&x| x > 0.0));
    check_moments("lognormal", &v, (mu + sg * sg / 2.0).exp(), ((sg * sg).exp() - 1.0) * (2.0 * mu + sg * sg).exp());
    check_moments("chisquare", &draw(g.chisquare(3.0, &s, c)), 3.0, 6.0);
    check_moments("noncentral_chisquare df>1", &draw(g.noncentral_chisquare(3.0, 2.0, &s, c)), 5.0, 2.0 * (3.0 + 4.0));
    check_moments("noncentral_chisquare df<=1", &draw(g.noncentral_chisquare(0.5, 2.0, &s, c)), 2.5, 2.0 * (0.5 + 4.0));
    check_moments("standard_t", &draw(g.standard_t(9.0, &s, c)), 0.0, 9.0 / 7.0);
    let (d1, d2) = (4.0, 12.0);
    let fv = 2.0 * d2 * d2 * (d1 + d2 - 2.0) / (d1 * (d2 - 2.0f64).powi(2) * (d2 - 4.0));
    let v = draw(g.f(d1, d2, &s, c));
    assert!(v.iter().all(|&x| x >= 0.0));
    check_moments("f", &v, d2 / (d2 - 2.0), fv);
    check_moments("laplace", &draw(g.laplace(1.0, 2.0, &s, c)), 1.0, 8.0);
    check_moments("logistic", &draw(g.logistic(1.0, 2.0, &s, c)), 1.0, 4.0 * pi * pi / 3.0);
    let euler = 0.5772156649015329;
    check_moments("gumbel", &draw(g.gumbel(1.0, 2.0, &s, c)), 1.0 + 2.0 * euler, pi * pi * 4.0 / 6.0);
    let a = 1.5;
    let v = draw(g.weibull(a, &s, c));
    assert!(v.iter().all(|&x| x >= 0.0));
    check_moments("weibull", &v, gam(1.0 + 1.0 / a), gam(1.0 + 2.0 / a) - gam(1.0 + 1.0 / a).powi(2));
    let a = 9.0;
    let v = draw(g.pareto(a, &s, c));
    assert!(v.iter().all(|&x| x >= 0.0));
    check_moments("pareto", &v, 1.0 / (a - 1.0), a / ((a - 1.0f64).powi(2) * (a - 2.0)));
    check_moments("rayleigh", &draw(g.rayleigh(2.0, &s, c)), 2.0 * (pi / 2.0).sqrt(), (4.0 - pi) / 2.0 * 4.0);
    check_moments("wald", &draw(g.wald(1.5, 2.0, &s, c)), 1.5, 1.5f64.powi(3) / 2.0);
    let v = draw(g.triangular(-1.0, 0.5, 3.0, &s, c));
    assert!(v.iter().all(|&x| (-1.0..=3.0).contains(&x)));
    let (l, m, r) = (-1.0f64, 0.5f64, 3.0f64);
    check_moments("triangular", &v, (l + m + r) / 3.0, (l * l + m * m + r * r - l * m - l * r - m * r) / 18.0);
}

/// Γ(x) for the Weibull moments: the Lanczos approximation (g = 7, 9 terms; relative error
/// about 1e-15, far below the moments' 6-sigma bounds). The standard library has no Γ.
fn lanczos_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + G + 0.5;
    let s = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * s
}

#[test]
fn discrete_moments_and_support() {
    let g = Generator::new(77);
    let (s, c) = ([N], [N / 5 + 3]);
    let v = draw_i(g.geometric(0.3, &s, c));
    assert!(v.iter().all(|&x| x >= 1.0));
    check_moments("geometric", &v, 1.0 / 0.3, 0.7 / 0.09);
    let v = draw_i(g.negative_binomial(3.5, 0.4, &s, c));
    assert!(v.iter().all(|&x| x >= 0.0));
    check_moments("negative_binomial", &v, 3.5 * 0.6 / 0.4, 3.5 * 0.6 / 0.16);
    let (ng, nb, ns) = (20.0, 30.0, 15.0);
    let v = draw_i(g.hypergeometric(20, 30, 15, &s, c));
    assert!(v.iter().all(|&x| (0.0..=15.0).contains(&x)));
    let tot = ng + nb;
    check_moments("hypergeometric", &v, ns * ng / tot, ns * (ng / tot) * (nb / tot) * (tot - ns) / (tot - 1.0));
    // multinomial: rows sum to n; each column is binomial(n, p_j)
    let p = [0.1, 0.6, 0.3];
    let m = g.multinomial(25, &p, &[N / 4], [N / 13]).unwrap().compute().unwrap();
    assert!(m.rows().into_iter().all(|r| r.sum() == 25 && r.iter().all(|&x| x >= 0)));
    for (j, &pj) in p.iter().enumerate() {
        let col: Vec<f64> = m.index_axis(ndarray::Axis(1), j).iter().map(|&x| x as f64).collect();
        check_moments("multinomial column", &col, 25.0 * pj, 25.0 * pj * (1.0 - pj));
    }
}

#[test]
fn multinomial_rows_survive_fusion_and_tiles() {
    // fused into an elementwise chain, random blocks are generated tile by tile: tiles may
    // start and end inside a row of counts, which must still be that row's counts
    let s = [5000usize]; // 15000 counts: blocks of several tiles whose edges cut rows
    let plain = Generator::new(4).multinomial(9, &[0.25, 0.25, 0.5], &s, [5000]).unwrap().compute().unwrap();
    for c in [1usize, 233, 2000, 5000] {
        let fused = Generator::new(4).multinomial(9, &[0.25, 0.25, 0.5], &s, [c]).unwrap().add(1).unwrap();
        let got = fused.compute().unwrap();
        assert_eq!(got, plain.mapv(|v| v + 1), "chunks {c}");
    }
}

#[test]
fn degenerate_parameters_give_numpy_constants() {
    let g = Generator::new(1);
    let all = |a: ArrayD<f64>, v: f64| a.iter().all(|&x| x == v);
    assert!(all(g.gamma(0.0, 2.0, &[5], [2]).unwrap().compute().unwrap(), 0.0));
    assert!(all(g.gamma(2.0, 0.0, &[5], [2]).unwrap().compute().unwrap(), 0.0));
    assert!(all(g.weibull(0.0, &[5], [2]).unwrap().compute().unwrap(), 0.0));
    assert!(all(g.laplace(3.0, 0.0, &[5], [2]).unwrap().compute().unwrap(), 3.0));
    assert!(all(g.gumbel(3.0, 0.0, &[5], [2]).unwrap().compute().unwrap(), 3.0));
    assert!(all(g.lognormal(0.0, 0.0, &[5], [2]).unwrap().compute().unwrap(), 1.0));
    assert!(g.negative_binomial(2.0, 1.0, &[5], [2]).unwrap().compute().unwrap().iter().all(|&x| x == 0));
    assert!(g.geometric(1.0, &[5], [2]).unwrap().compute().unwrap().iter().all(|&x| x == 1));
    assert!(g.hypergeometric(5, 0, 3, &[5], [2]).unwrap().compute().unwrap().iter().all(|&x| x == 3));
    // empty shapes
    assert_eq!(g.beta(1.0, 1.0, &[0, 3], [1, 2]).unwrap().compute().unwrap().shape(), &[0, 3]);
    assert_eq!(g.multinomial(3, &[0.5, 0.5], &[0], [1]).unwrap().compute().unwrap().shape(), &[0, 2]);
}

#[test]
fn bad_parameters_are_value_errors() {
    let g = Generator::new(1);
    let s = [4usize];
    let value = |r: Result<ChunkedArray<f64>>| matches!(r, Err(Error::Value(_)));
    let ivalue = |r: Result<ChunkedArray<i64>>| matches!(r, Err(Error::Value(_)));
    assert!(value(g.gamma(-1.0, 1.0, &s, 2)));
    assert!(value(g.gamma(1.0, -1.0, &s, 2)));
    assert!(value(g.gamma(f64::NAN, 1.0, &s, 2)));
    assert!(value(g.standard_gamma(-0.5, &s, 2)));
    assert!(value(g.beta(0.0, 1.0, &s, 2)));
    assert!(value(g.beta(1.0, -2.0, &s, 2)));
    assert!(value(g.lognormal(0.0, -1.0, &s, 2)));
    assert!(value(g.chisquare(0.0, &s, 2)));
    assert!(value(g.noncentral_chisquare(1.0, -1.0, &s, 2)));
    assert!(value(g.noncentral_chisquare(0.0, 1.0, &s, 2)));
    assert!(value(g.standard_t(0.0, &s, 2)));
    assert!(value(g.f(0.0, 1.0, &s, 2)));
    assert!(value(g.f(1.0, -1.0, &s, 2)));
    assert!(value(g.laplace(0.0, -1.0, &s, 2)));
    assert!(value(g.logistic(0.0, -1.0, &s, 2)));
    assert!(value(g.gumbel(0.0, -1.0, &s, 2)));
    assert!(value(g.rayleigh(-1.0, &s, 2)));
    assert!(value(g.vonmises(0.0, -1.0, &s, 2)));
    assert!(value(g.weibull(-1.0, &s, 2)));
    assert!(value(g.pareto(0.0, &s, 2)));
    assert!(value(g.wald(0.0, 1.0, &s, 2)));
    assert!(value(g.wald(1.0, 0.0, &s, 2)));
    assert!(value(g.triangular(1.0, 0.0, 2.0, &s, 2)));
    assert!(value(g.triangular(0.0, 3.0, 2.0, &s, 2)));
    assert!(value(g.triangular(1.0, 1.0, 1.0, &s, 2)));
    assert!(ivalue(g.geometric(0.0, &s, 2)));
    assert!(ivalue(g.geometric(1.5, &s, 2)));
    assert!(ivalue(g.negative_binomial(0.0, 0.5, &s, 2)));
    assert!(ivalue(g.negative_binomial(1.0, 1.5, &s, 2)));
    assert!(ivalue(g.hypergeometric(2, 3, 6, &s, 2)));
    assert!(ivalue(g.hypergeometric(u64::MAX, 1, 1, &s, 2)));
    // multinomial: pvals out of [0, 1], NaN, or summing past 1
    assert!(ivalue(g.multinomial(5, &[1.2, -0.2], &s, 2)));
    assert!(ivalue(g.multinomial(5, &[f64::NAN, 0.5], &s, 2)));
    assert!(ivalue(g.multinomial(5, &[0.7, 0.6, 0.0], &s, 2)));
    assert!(ivalue(g.multinomial(5, &[], &s, 2)));
    // choice without replacement: too many picks, p of the wrong length, negative, not summing
    // to 1, too few non-zero probabilities; an empty population
    let a = [1i32, 2, 3];
    let cvalue = |r: Result<ChunkedArray<i32>>| matches!(r, Err(Error::Value(_)));
    assert!(cvalue(g.choice_with(&a, None, false, &s, 2)));
    assert!(cvalue(g.choice_with(&a, Some(&[0.5, 0.5]), false, &[2], 2)));
    assert!(cvalue(g.choice_with(&a, Some(&[1.5, -0.5, 0.0]), false, &[2], 2)));
    assert!(cvalue(g.choice_with(&a, Some(&[0.5, 0.2, 0.2]), false, &[2], 2)));
    assert!(cvalue(g.choice_with(&a, Some(&[1.0, 0.0, 0.0]), false, &[2], 2)));
    assert!(cvalue(g.choice_with(&[] as &[i32], None, false, &[2], 2)));
    assert!(cvalue(g.choice_with(&a, Some(&[0.5, 0.2, 0.2]), true, &[2], 2)));
    assert!(matches!(
        g.permuted(&ndchunk::full::<f64>(&[], 1.0, ChunkSpec::Uniform(vec![])).unwrap()),
        Err(Error::Value(_))
    ));
}

#[test]
fn permutations_and_picks_without_replacement() {
    let g = Generator::new(9);
    let p = g.permutation(1000, [37]).unwrap().compute().unwrap();
    let mut sorted = p.iter().copied().collect::<Vec<_>>();
    assert_ne!(sorted, (0..1000).collect::<Vec<i64>>(), "not shuffled");
    sorted.sort();
    assert_eq!(sorted, (0..1000).collect::<Vec<i64>>());
    // rows move whole: each row of the shuffled matrix is a row of the original
    let x = ndchunk::arange::<i64>(0, 60, 1, [7]).unwrap().reshape(&[12, 5]).unwrap();
    let y = g.shuffle(&x).unwrap().compute().unwrap();
    let mut firsts: Vec<i64> = y
        .rows()
        .into_iter()
        .map(|r| {
            assert!(r.iter().enumerate().all(|(j, &v)| v == r[0] + j as i64));
            r[0]
        })
        .collect();
    firsts.sort();
    assert_eq!(firsts, (0..12).map(|i| 5 * i).collect::<Vec<i64>>());
    // without replacement: distinct values; with weights, zero-probability values never drawn
    let a: Vec<i64> = (0..50).collect();
    let v = g.choice_with(&a, None, false, &[5, 6], [2, 4]).unwrap().compute().unwrap();
    let mut u = v.iter().copied().collect::<Vec<_>>();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), 30);
    let mut w = vec![0.0; 50];
    for (i, q) in w.iter_mut().enumerate().take(20) {
        *q = (i + 1) as f64 / 210.0;
    }
    let v = g.choice_with(&a, Some(&w), false, &[20], [3]).unwrap().compute().unwrap();
    let mut u = v.iter().copied().collect::<Vec<_>>();
    u.sort();
    assert_eq!(u, (0..20).collect::<Vec<i64>>());
    // weighted picks favour heavy values: the first of 2 picks from weights 1..=20 over many
    // seeds has mean above the unweighted 9.5
    let firsts: Vec<f64> = (0..2000)
        .map(|s| Generator::new(s).choice_with(&a, Some(&w), false, &[1], [1]).unwrap().compute().unwrap()[[0]] as f64)
        .collect();
    let mean = firsts.iter().sum::<f64>() / 2000.0;
    // E[first pick] = Σ i w_i = Σ_{j=1..20} (j - 1) j / 210 = 12.67; sd 4.8 < 5.5
    assert!((mean - (2870.0 - 210.0) / 210.0).abs() < 6.0 * 5.5 / 2000f64.sqrt(), "{mean}");
}

/// Modified Bessel function I_n(x) by its power series (x = 2: 30 terms reach 1e-30).
fn bessel_i(n: i32, x: f64) -> f64 {
    let (mut term, mut sum) = ((x / 2.0).powi(n) / (1..=n).map(f64::from).product::<f64>(), 0.0);
    for k in 0..30 {
        sum += term;
        term *= (x / 2.0).powi(2) / (f64::from(k + 1) * f64::from(k + 1 + n));
    }
    sum
}

#[test]
fn vonmises_circular_moments_and_support() {
    let g = Generator::new(5);
    let (mu, kappa) = (0.5, 2.0);
    let v = draw(g.vonmises(mu, kappa, &[N], [N / 3]));
    let pi = std::f64::consts::PI;
    assert!(v.iter().all(|&x| (-pi..=pi).contains(&x)));
    // cos(x - mu) has mean I1/I0 and variance (1 + I2/I0)/2 - (I1/I0)^2; sin(x - mu) mean 0,
    // variance (1 - I2/I0)/2
    let (i0, i1, i2) = (bessel_i(0, kappa), bessel_i(1, kappa), bessel_i(2, kappa));
    let c: Vec<f64> = v.iter().map(|x| (x - mu).cos()).collect();
    let s: Vec<f64> = v.iter().map(|x| (x - mu).sin()).collect();
    check_moments("vonmises cos", &c, i1 / i0, (1.0 + i2 / i0) / 2.0 - (i1 / i0).powi(2));
    check_moments("vonmises sin", &s, 0.0, (1.0 - i2 / i0) / 2.0);
    // tiny kappa: uniform on the circle; huge kappa: concentrated at mu
    let u = draw(g.vonmises(1.0, 0.0, &[N], [N]));
    check_moments("vonmises uniform", &u, 0.0, pi * pi / 3.0);
    let h = draw(g.vonmises(-3.0, 1e7, &[1000], [300]));
    assert!(h.iter().all(|&x| (x + 3.0).abs() < 0.01));
}
