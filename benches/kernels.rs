//! Per-block kernels: pairwise sums, moments, histogram binning, block GEMM, logaddexp.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{Array2, ArrayD, IxDyn};
use ndchunk_kernels::accumulators::{ArgExtreme, Extreme, Moments, Sum};
use ndchunk_kernels::gemm::Gemm;
use ndchunk_kernels::histogram::BinSpec;
use ndchunk_kernels::pairwise::pairwise_sum;
use ndchunk_kernels::reduce::{reduce_axes, Accumulator};

fn data(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 7919) % 1000) as f64 * 1e-3).collect()
}

fn sums(c: &mut Criterion) {
    let mut g = c.benchmark_group("sum");
    for n in [1 << 12, 1 << 20, 1 << 24] {
        let v = data(n);
        g.throughput(Throughput::Bytes((n * 8) as u64));
        g.bench_with_input(BenchmarkId::new("pairwise", n), &v, |b, v| b.iter(|| pairwise_sum(v, &|x: f64| x)));
        g.bench_with_input(BenchmarkId::new("moments", n), &v, |b, v| {
            b.iter(|| <Moments<false> as Accumulator<f64>>::from_run(v, 0))
        });
    }
    let a = ArrayD::from_shape_vec(IxDyn(&[1000, 1000]), data(1_000_000)).unwrap();
    g.bench_function("axis0_1000x1000", |b| b.iter(|| reduce_axes::<f64, Sum<f64>>(&a.view(), &[0])));
    g.finish();
}

/// min/max/argmin/argmax/nanmin over the `cube` workload's size (4.9 M f64, 39 MB: in L3 here),
/// one thread: the kernels behind `kernel1t.{min,max,argmin,argmax,nanmin}` in `make compare`.
fn extremes(c: &mut Criterion) {
    let v = data(12 * 444 * 922);
    let mut g = c.benchmark_group("extreme");
    g.throughput(Throughput::Bytes((v.len() * 8) as u64));
    g.bench_function("min", |b| b.iter(|| <Extreme<f64, false, false> as Accumulator<f64>>::from_run(&v, 0)));
    g.bench_function("max", |b| b.iter(|| <Extreme<f64, true, false> as Accumulator<f64>>::from_run(&v, 0)));
    g.bench_function("nanmin", |b| b.iter(|| <Extreme<f64, false, true> as Accumulator<f64>>::from_run(&v, 0)));
    g.bench_function("argmin", |b| b.iter(|| <ArgExtreme<f64, false, false> as Accumulator<f64>>::from_run(&v, 0)));
    g.bench_function("argmax", |b| b.iter(|| <ArgExtreme<f64, true, false> as Accumulator<f64>>::from_run(&v, 0)));
    g.finish();
}

fn histogram(c: &mut Criterion) {
    let v = data(1 << 20);
    let spec = BinSpec::uniform(100, (0.0, 1.0));
    let edges = BinSpec::Edges(spec.edges().to_vec());
    let mut g = c.benchmark_group("histogram");
    g.throughput(Throughput::Elements(v.len() as u64));
    for (name, s) in [("uniform", &spec), ("edges", &edges)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut counts = vec![0i64; 100];
                ndchunk_kernels::histogram::bin_values(v.iter().copied(), None, 1i64, |x| x, s, &mut counts);
                counts
            })
        });
    }
    g.finish();
}

fn gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    g.sample_size(10);
    for n in [256usize, 1000] {
        let a = Array2::from_shape_fn((n, n), |(i, j)| ((i + j) % 7) as f64);
        let bm = a.t().to_owned();
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        g.bench_function(BenchmarkId::new("f64_block", n), |b| {
            b.iter(|| {
                let mut out = Array2::<f64>::zeros((n, n));
                f64::gemm_set(&mut out.view_mut(), &a.view(), &bm.view());
                out
            })
        });
    }
    g.finish();
}

/// NumPy's `logaddexp` per element (its `log1p(exp(-|d|))` goes through `ln`, see
/// `ndchunk_kernels::ufunc`), the loop of the `kernel1t.logaddexp` row of `make compare`.
fn ufuncs(c: &mut Criterion) {
    use ndchunk_kernels::ufunc::FloatUfuncs;
    let n = 1 << 20;
    let (x, y) = (data(n), data(n).into_iter().rev().collect::<Vec<f64>>());
    let mut out = vec![0.0; n];
    let mut g = c.benchmark_group("ufunc");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("logaddexp", |b| {
        b.iter(|| {
            for ((o, &p), &q) in out.iter_mut().zip(&x).zip(&y) {
                *o = p.np_logaddexp(q);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, sums, extremes, histogram, gemm, ufuncs);
criterion_main!(benches);
