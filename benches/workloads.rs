//! Whole workloads at bench-friendly sizes (the full-size comparison with NumPy and dask is
//! `make compare`).

use criterion::{criterion_group, criterion_main, Criterion};
use ndchunk::random::Generator;

fn scheduler(c: &mut Criterion) {
    let mut g = c.benchmark_group("scheduler");
    g.sample_size(10);
    let x = ndchunk::ones::<f64>(&[1_000_000], [10]).unwrap();
    g.bench_function("100k_block_sum", |b| b.iter(|| x.sum(None).unwrap().item().unwrap()));
    let y = ndchunk::ones::<f64>(&[100_000], [10]).unwrap().map_blocks(|b| b.to_owned()).unwrap();
    g.bench_function("10k_unfused_blocks_sum", |b| b.iter(|| y.sum(None).unwrap().item().unwrap()));
    g.finish();
}

fn statistics(c: &mut Criterion) {
    let mut g = c.benchmark_group("statistics");
    g.sample_size(10);
    let x = Generator::new(0).random(&[2000, 2000], [200, 2000]).unwrap().persist().unwrap();
    g.bench_function("four_in_one_pass_32MB", |b| {
        b.iter(|| {
            ndchunk::compute_all(&[
                &x.sum(None).unwrap(),
                &x.mean(None).unwrap(),
                &x.var(None, 0).unwrap(),
                &x.std(None, 0).unwrap(),
            ])
            .unwrap()
        })
    });
    g.bench_function("std_axis0_32MB", |b| b.iter(|| x.std(0, 0).unwrap().compute().unwrap()));
    g.finish();
}

fn elementwise_and_products(c: &mut Criterion) {
    let mut g = c.benchmark_group("arrays");
    g.sample_size(10);
    let x = ndchunk::ones::<f64>(&[2000, 2000], [500, 500]).unwrap();
    g.bench_function("x_plus_xT_sum_2000", |b| b.iter(|| (&x + &x.t()).sum(None).unwrap().item().unwrap()));
    g.bench_function("dot_1000", |b| {
        let y = ndchunk::ones::<f64>(&[1000, 1000], [500, 500]).unwrap();
        b.iter(|| y.dot(&y).unwrap().sum(None).unwrap().item().unwrap())
    });
    g.bench_function("masked_histogram_1000", |b| {
        b.iter(|| {
            let a = &Generator::new(4).normal(9.0, 1.0, &[1000, 1000], [250, 1000]).unwrap() + 1.0;
            let m = a.mask(&a.lt(10.0).unwrap()).unwrap();
            ndchunk::histogram(&m, 100, Some((-9.0, 11.0))).unwrap().0.compute().unwrap()
        })
    });
    g.bench_function("rechunk_rows_to_cols_2000", |b| {
        let r = ndchunk::ones::<f32>(&[2000, 2000], [100, 2000]).unwrap().persist().unwrap();
        b.iter(|| r.rechunk([2000, 100]).unwrap().sum(None).unwrap().item().unwrap())
    });
    g.finish();
}

criterion_group!(benches, scheduler, statistics, elementwise_and_products);
criterion_main!(benches);
