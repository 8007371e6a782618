//! The MPI suite (`make test-mpi`): run under `mpirun -n 1..4`, every workflow computed across
//! the ranks must equal the same workflow computed by this process alone
//! (`Executor::Local`), on every rank. Exits non-zero on any mismatch; one rank's failure
//! fails the job (mpirun reports a non-zero exit).
//!
//! A plain `cargo test` does not build this file: it needs `--features mpi`.

use ndarray::ArrayD;
use ndchunk::distributed::{self, Executor};
use ndchunk::prelude::*;
use ndchunk::random::Generator;
use ndchunk::Config;

struct Suite {
    rank: usize,
    size: usize,
    failed: Vec<String>,
    passed: usize,
}

/// Equal as NumPy's `array_equal(equal_nan=True)`: the same plan runs the same block
/// operations in the same order on any number of ranks, so results are bit-for-bit equal.
fn same<T: Element>(a: &ArrayD<T>, b: &ArrayD<T>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b.iter()).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

impl Suite {
    fn local() -> Config {
        Config::global().with_executor(Executor::Local)
    }

    /// `x` computed across the ranks equals `x` computed here alone.
    fn check<T: Element>(&mut self, name: &str, x: &ChunkedArray<T>) {
        let dist = x.compute();
        self.report(name);
        let local = x.compute_with(&Self::local());
        match (dist, local) {
            (Ok(d), Ok(l)) if same(&d, &l) => self.passed += 1,
            (Ok(d), Ok(l)) => self.fail(name, format!("distributed {d:?} != local {l:?}")),
            (d, l) => self.fail(name, format!("distributed {:?}, local {:?}", d.err(), l.err())),
        }
    }

    /// `x` computed across the ranks onto rank 0 (`compute_on_root`: blocks written into the
    /// result as they are computed or arrive) equals `x` computed here alone; `None` elsewhere.
    fn check_on_root<T: Element>(&mut self, name: &str, x: &ChunkedArray<T>) {
        let dist = distributed::compute_on_root(x);
        self.report(name);
        let local = x.compute_with(&Self::local());
        match (dist, local) {
            (Ok(Some(d)), Ok(l)) if self.rank == 0 && same(&d, &l) => self.passed += 1,
            (Ok(None), Ok(_)) if self.rank != 0 => self.passed += 1,
            (d, l) => self.fail(name, format!("on root {d:?}, local {l:?}")),
        }
    }

    /// `dist` computed across the ranks equals `reference` computed here alone (for arrays
    /// persisted across the ranks, which this process alone cannot compute).
    fn check_vs<T: Element>(&mut self, name: &str, dist: &ChunkedArray<T>, reference: &ChunkedArray<T>) {
        let d = dist.compute();
        self.report(name);
        match (d, reference.compute_with(&Self::local())) {
            (Ok(d), Ok(l)) if same(&d, &l) => self.passed += 1,
            (d, l) => self.fail(name, format!("distributed {d:?} != local {l:?}")),
        }
    }

    /// Several arrays in one distributed graph (`compute_all`).
    fn check_all(&mut self, name: &str, xs: &[&ChunkedArray<f64>]) {
        let dist = ndchunk::compute_all(xs);
        self.report(name);
        let local = ndchunk::compute_all_with(xs, &Self::local());
        match (dist, local) {
            (Ok(d), Ok(l)) if d.iter().zip(&l).all(|(a, b)| same(a, b)) => self.passed += 1,
            (d, l) => self.fail(name, format!("distributed {d:?} != local {l:?}")),
        }
    }

    /// Rank 0 prints the bytes the last compute moved (`NDCHUNK_MPI_REPORT=1`).
    fn report(&self, name: &str) {
        if self.rank == 0 && std::env::var_os("NDCHUNK_MPI_REPORT").is_some() {
            let st = distributed::last_stats();
            let inputs = st.bytes_sent_all_ranks - st.bytes_sent_results_all_ranks;
            eprintln!(
                "| {name} | {} | {} | {} | {inputs} | {} | {} |",
                st.ranks, st.tasks, st.rounds, st.bytes_sent_results_all_ranks, st.tasks_duplicated
            );
        }
    }

    fn expect(&mut self, name: &str, ok: bool, what: String) {
        if ok {
            self.passed += 1;
        } else {
            self.fail(name, what);
        }
    }

    fn fail(&mut self, name: &str, why: String) {
        eprintln!("rank {}/{}: FAIL {name}: {why}", self.rank, self.size);
        self.failed.push(name.to_string());
    }
}

fn main() {
    let mpi = distributed::init().expect("MPI starts");
    if let Some(n) = std::env::var("NDCHUNK_MPI_BENCH").ok().and_then(|v| v.parse::<usize>().ok()) {
        bench(&mpi, n);
        return;
    }
    if let Ok(fault) = std::env::var("NDCHUNK_MPI_FAULT") {
        fault_run(&mpi, &fault);
        return;
    }
    let mut s = Suite { rank: mpi.rank(), size: mpi.size(), failed: Vec::new(), passed: 0 };
    let t0 = std::time::Instant::now();
    let g = || Generator::new(42);

    // elementwise and the four statistics (uneven blocks)
    let x = g().random(&[37, 23], [10, 7]).unwrap();
    s.check("elementwise", &((&x * 2.0) - 1.0).sqrt());
    let (sum, mean, var, std) =
        (x.sum(None).unwrap(), x.mean(None).unwrap(), x.var(None, 0).unwrap(), x.std(None, 1).unwrap());
    s.check_all("sum/mean/var/std", &[&sum, &mean, &var, &std]);
    let before = distributed::last_stats();
    s.check("sum", &sum);
    let st = distributed::last_stats();
    // a float sum sends accumulators only (44 bytes each with headers: 16 of message header,
    // 20 of shape, 8 of sum): those of the combine groups that straddle a rank's range of
    // blocks (about ranks - 1 per level of the tree), far below the array's 6808 bytes, and
    // its 8-byte result to every other rank
    let inputs = st.bytes_sent_all_ranks - st.bytes_sent_results_all_ranks;
    s.expect(
        "sum sends partials only",
        s.size == 1 || (inputs > 0 && inputs <= 6808 / 8 && st.bytes_sent_results_all_ranks > 0),
        format!("{st:?} (before: {before:?})"),
    );
    // merged per rank first: exactly one accumulator per rank crosses (ranks - 1 in all), for
    // integer sums by default and for float sums after set_reduce_per_rank(true)
    let one_per_rank = |s: &Suite, st: &distributed::DistStats| {
        let inputs = st.bytes_sent_all_ranks - st.bytes_sent_results_all_ranks;
        s.size == 1 || (inputs > 0 && inputs <= (s.size as u64 - 1) * 48)
    };
    distributed::set_reduce_per_rank(true);
    let per_rank = x.sum(None).unwrap();
    distributed::set_reduce_per_rank(false);
    s.check("sum merged per rank", &per_rank);
    let st = distributed::last_stats();
    s.expect("sum merged per rank sends one partial per rank", one_per_rank(&s, &st), format!("{st:?}"));
    let isum = g().integers(-1000, 1000, &[37, 23], [10, 7]).unwrap().sum(None).unwrap();
    s.check("integer sum", &isum);
    let st = distributed::last_stats();
    s.expect("integer sum sends one partial per rank", one_per_rank(&s, &st), format!("{st:?}"));
    let imax = g().integers(-1000, 1000, &[37, 23], [10, 7]).unwrap().max(None).unwrap();
    s.check("integer max", &imax);
    let st = distributed::last_stats();
    s.expect("integer max sends one partial per rank", one_per_rank(&s, &st), format!("{st:?}"));
    s.check("std(axis=0)", &x.std(0usize, 0).unwrap());
    s.check("mean(axis=1)", &x.mean(1usize).unwrap());
    s.check("argmax(axis=0)", &x.argmax(0usize).unwrap());
    s.check("cumsum(axis=1)", &x.cumsum(1usize).unwrap());

    // NaN reductions on a cube with NaNs
    let c = g().standard_normal(&[9, 8, 7], [4, 3, 7]).unwrap();
    let cn = ndchunk::where_(&c.gt(1.0).unwrap(), f64::NAN, &c).unwrap();
    s.check("nanmin", &cn.nanmin(None).unwrap());
    s.check("nanmax(axis=0)", &cn.nanmax(0usize).unwrap());
    s.check("nanmean(axis=2)", &cn.nanmean(2usize).unwrap());
    s.check("nanstd", &cn.nanstd(None, 0).unwrap());

    // x + x.T of a generated x: a rank that needs block (j, i) of x generates it (cheaper than
    // a message and a round), so nothing but the results crosses
    let sq = g().random(&[40, 40], [10, 10]).unwrap();
    s.check("x + x.T", &(&sq + &sq.t()));
    let st = distributed::last_stats();
    let inputs = st.bytes_sent_all_ranks - st.bytes_sent_results_all_ranks;
    s.expect(
        "x + x.T of random x regenerates the transposed blocks",
        s.size == 1 || (inputs == 0 && st.rounds == 1 && st.tasks_duplicated > 0),
        format!("{st:?}"),
    );
    // x + x.T of blocks held on their ranks: only off-diagonal blocks cross
    match sq.persist() {
        Ok(held) => {
            s.check_vs("persisted x + x.T", &(&held + &held.t()), &(&sq + &sq.t()));
            let st = distributed::last_stats();
            // ranks own rows of blocks (4 x 4 blocks of 800 bytes): only blocks (j, i) owned by
            // another row's rank cross, at most the 12 off-diagonal ones, each with a header
            let inputs = st.bytes_sent_all_ranks - st.bytes_sent_results_all_ranks;
            s.expect(
                "x + x.T sends only off-diagonal blocks",
                s.size == 1 || (inputs > 0 && inputs <= 12 * (800 + 64) && st.tasks_duplicated == 0),
                format!("{st:?}"),
            );
        }
        Err(e) => s.fail("persist for x + x.T", e.to_string()),
    }
    // a rechunk reads parts of blocks: those parts are sent, the generated blocks not repeated
    let rc = sq.rechunk([40, 3]).unwrap();
    s.check("rechunk of random", &rc);
    let st = distributed::last_stats();
    s.expect("rechunk of random recomputes nothing", st.tasks_duplicated == 0, format!("{st:?}"));
    // the dot product's operands are recomputed by the ranks that multiply them: one round
    let xd = g().random(&[40, 40], [20, 20]).unwrap();
    s.check("x.dot(x + x.T)", &xd.dot(&(&xd + &xd.t())).unwrap());
    let st = distributed::last_stats();
    s.expect("x.dot(x + x.T) runs in one round", st.rounds == 1, format!("{st:?}"));

    // x.dot(x.T + 1) - x.mean()
    let m = g().random(&[30, 20], [7, 6]).unwrap();
    let d = m.dot(&(&m.t() + 1.0)).unwrap() - &m.mean(None).unwrap();
    s.check("x.dot(x.T + 1) - x.mean()", &d);

    // tall-skinny QR
    let ts = g().standard_normal(&[60, 5], [12, 5]).unwrap();
    match ndchunk::linalg::qr(&ts) {
        Ok((q, r)) => {
            s.check("qr: q", &q);
            s.check("qr: r", &r);
        }
        Err(e) => s.fail("qr", e.to_string()),
    }

    // histogram of masked data (unknown chunk sizes)
    let h = g().standard_normal(&[2000], [300]).unwrap();
    let kept = h.mask(&h.gt(-0.5).unwrap()).unwrap();
    match ndchunk::histogram(&kept, 20, Some((-1.0, 4.0))) {
        Ok((counts, _)) => s.check("histogram(masked)", &counts),
        Err(e) => s.fail("histogram", e.to_string()),
    }
    s.check("masked values", &kept);

    // reshape, rechunk, slicing, integers
    s.check("reshape", &x.reshape(&[23, 37]).unwrap());
    s.check("rechunk", &x.rechunk([5, 23]).unwrap());
    s.check("slice", &x.slice(ndarray::s![3..30;2, ..;-1]).unwrap());
    let ints = g().integers(-1000, 1000, &[500], [64]).unwrap();
    s.check("integers sum", &ints.sum(None).unwrap());
    s.check("integers", &ints);

    // random arrays, and persist
    s.check("random", &g().uniform(-2.0, 3.0, &[33, 17], [8, 5]).unwrap());
    s.check("normal", &g().normal(1.0, 2.0, &[1000], [99]).unwrap());
    // persist keeps blocks on their ranks: a later row-wise mean moves nothing but its result
    match x.persist() {
        Ok(p) => {
            s.check_vs("persist", &p, &x);
            s.check_vs("persist then mean(axis=0)", &p.mean(0usize).unwrap(), &x.mean(0usize).unwrap());
            s.check_vs("persist then mean(axis=1)", &p.mean(1usize).unwrap(), &x.mean(1usize).unwrap());
            let from_persisted = distributed::last_stats();
            let _ = x.mean(1usize).unwrap().compute();
            let from_source = distributed::last_stats();
            // the persisted blocks are where the source's blocks were computed: the same
            // bytes move as when computing from the source (nothing is gathered first)
            s.expect(
                "persisted blocks stay put",
                from_persisted.bytes_sent_all_ranks == from_source.bytes_sent_all_ranks,
                format!("{from_persisted:?} vs {from_source:?}"),
            );
            // this process alone does not hold the other ranks' blocks
            let alone = p.compute_with(&Suite::local());
            s.expect("persisted blocks are not all here", (s.size == 1) == alone.is_ok(), format!("{alone:?}"));
        }
        Err(e) => s.fail("persist", e.to_string()),
    }
    // unknown block lengths become known
    match kept.persist() {
        Ok(p) => {
            s.expect("persist: chunks known", p.chunks().is_known(), format!("{:?}", p.chunks()));
            s.check_vs("persist(masked)", &p, &kept);
            s.check_vs("persist(masked).sum", &p.sum(None).unwrap(), &kept.sum(None).unwrap());
        }
        Err(e) => s.fail("persist(masked)", e.to_string()),
    }

    // tuple compute of mixed types
    match ndchunk::compute((&x.sum(None).unwrap(), &x.gt(0.5).unwrap().sum(None).unwrap())) {
        Ok((a, b)) => {
            let la = x.sum(None).unwrap().compute_with(&Suite::local()).unwrap();
            let lb = x.gt(0.5).unwrap().sum(None).unwrap().compute_with(&Suite::local()).unwrap();
            s.expect("tuple compute", same(&a, &la) && same(&b, &lb), format!("{a} {b}"));
        }
        Err(e) => s.fail("tuple compute", e.to_string()),
    }

    // an HDF5 file written by rank 0 alone, then opened by every rank, which reads only the
    // chunks of its own tasks
    let dir = std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "target/mpi-test".into());
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/stats-{}ranks.h5", s.size);
    let data = g().standard_normal(&[300, 40], [64, 40]).unwrap();
    if s.rank == 0 {
        let _ = std::fs::remove_file(&path);
        let global = Config::global();
        Config::set_global(Suite::local());
        data.to_hdf5(&path, "/data").expect("write the HDF5 file");
        Config::set_global(global);
    }
    mpi.barrier();
    let f = ChunkedArray::<f64>::from_hdf5(&path, "/data").unwrap();
    let (a, b, c2, d2) =
        (f.sum(None).unwrap(), f.mean(None).unwrap(), f.var(None, 0).unwrap(), f.std(None, 0).unwrap());
    s.check_all("hdf5 sum/mean/var/std", &[&a, &b, &c2, &d2]);
    // every chunk is read by exactly one rank (no task runs on two ranks)
    let st = distributed::last_stats();
    s.expect("hdf5 chunks read once", st.tasks_duplicated == 0 && !st.replicated, format!("{st:?}"));
    s.check("hdf5 std(axis=0)", &f.std(0usize, 0).unwrap());
    writers(&mut s, &mpi, &dir, &f);

    // a task that panics on the last rank: Err on every rank, and the next compute works
    let last = s.size - 1;
    let rank = s.rank;
    let boom = g()
        .random(&[64], [4])
        .unwrap()
        .map_blocks(move |b| {
            if rank == last {
                panic!("boom on rank {rank}");
            }
            b.to_owned()
        })
        .unwrap();
    match boom.sum(None).unwrap().compute() {
        Err(Error::TaskPanicked { message, .. }) if message.contains(&format!("boom on rank {last}")) => s.passed += 1,
        other => s.fail("panic on one rank", format!("{other:?}")),
    }
    s.check("compute after a failure", &x.sum(0usize).unwrap());

    // random shapes (zero-length axes, one-element and uneven blocks) x chunks: the same
    // generator seed on every rank, so every rank builds the same graphs
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n.max(1)
    };
    for case in 0..24 {
        let nd = 1 + next(3);
        let shape: Vec<usize> = (0..nd).map(|_| next(13)).collect();
        let chunks: Vec<usize> = shape.iter().map(|&l| 1 + next(l.max(1))).collect();
        let a = g().standard_normal(&shape, chunks.clone()).unwrap();
        let axis = next(nd);
        let name = |what: &str| format!("random case {case} {shape:?}/{chunks:?}: {what}");
        s.check(&name("a * 3 - 1"), &(&(&a * 3.0) - 1.0));
        s.check(&name("sum"), &a.sum(None).unwrap());
        s.check(&name("mean(axis)"), &a.mean(axis).unwrap());
        // (max over an empty axis is refused when the graph is built, as NumPy's ValueError)
        if let Ok(m) = a.max(axis) {
            s.check(&name("max(axis)"), &m);
        }
        let rev: Vec<usize> = shape.iter().rev().copied().collect();
        if rev == shape {
            s.check(&name("a + a.T"), &(&a + &a.t()));
        } else {
            s.check(&name("a.T * 2"), &(&a.t() * 2.0));
        }
        let n0 = shape[0];
        let sq = g().random(&[n0, n0], [chunks[0], chunks[0]]).unwrap();
        s.check(&name("square + square.T"), &(&sq + &sq.t()));
        let rechunked: Vec<usize> = shape.iter().map(|&l| 1 + next(l.max(1))).collect();
        s.check(&name("rechunk"), &a.rechunk(rechunked).unwrap());
        s.check(&name("reshape(-1)"), &a.reshape(&[a.size()]).unwrap());
    }

    // ranks that build different graphs: Err on every rank, not a hang
    let odd = if s.rank == 0 { x.sum(None).unwrap() } else { x.mean(None).unwrap() };
    let r = odd.compute();
    s.expect("different graphs", (s.size == 1) == r.is_ok(), format!("{r:?}"));

    // delayed objects cannot cross ranks: the plan runs whole on every rank
    let d = ndchunk::delayed::Delayed::zip(
        &ndchunk::delayed::delayed(|| 20i64),
        &ndchunk::delayed::delayed(|| 22i64),
        |a, b| a + b,
    );
    let r = d.compute();
    s.expect(
        "delayed (replicated)",
        matches!(r, Ok(42)) && distributed::last_stats().replicated,
        format!("{r:?} {:?}", distributed::last_stats()),
    );

    // a given communicator: even and odd ranks compute apart, each group its own graph
    {
        use distributed::mpi::topology::{Color, SimpleCommunicator};
        use distributed::mpi::traits::*;
        let half = SimpleCommunicator::world().split_by_color(Color::with_value((s.rank % 2) as i32)).expect("a split");
        let group = half.size() as usize;
        distributed::init_with(half).unwrap();
        let gx = Generator::new(100 + (s.rank % 2) as u64).random(&[29, 13], [5, 4]).unwrap();
        s.check("split communicator: sum", &gx.sum(None).unwrap());
        let st = distributed::last_stats();
        s.expect("split communicator: its ranks", st.ranks == group, format!("{st:?} in a group of {group}"));
        s.check("split communicator: x + x.T", &(&sq + &sq.t()));
        s.check("split communicator: std(axis=0)", &gx.std(0usize, 0).unwrap());
        distributed::init_with(SimpleCommunicator::world()).unwrap();
        s.check("back to the world", &x.sum(None).unwrap());
        let st = distributed::last_stats();
        s.expect("back to the world: every rank", st.ranks == s.size, format!("{st:?}"));
    }

    // results on rank 0 only
    match distributed::compute_on_root(&x.sum(None).unwrap()) {
        Ok(r) => s.expect(
            "compute_on_root",
            (s.rank == 0) == r.is_some()
                && r.as_ref().is_none_or(|v| same(v, &x.sum(None).unwrap().compute_with(&Suite::local()).unwrap())),
            format!("{r:?}"),
        ),
        Err(e) => s.fail("compute_on_root", e.to_string()),
    }
    // results of many blocks on rank 0: its own blocks written by their tasks, the others'
    // decoded into the result as they arrive
    let sq = g().random(&[23, 23], [5, 6]).unwrap();
    s.check_on_root("compute_on_root: x + x.T", &(&sq + &sq.t()));
    s.check_on_root("compute_on_root: x.dot(x.T + 1)", &sq.dot(&(&sq.t() + 1.0)).unwrap());
    s.check_on_root("compute_on_root: bool blocks", &sq.gt(0.5).unwrap());
    let cube = g().random(&[7, 9, 4], [3, 4, 3]).unwrap();
    s.check_on_root("compute_on_root: 3-d uneven", &(&cube * 3.0));
    s.check_on_root("compute_on_root: integer blocks", &ndchunk::arange(0i32, 101, 1, [9]).unwrap());
    s.check_on_root("compute_on_root: one block", &g().random(&[4, 4], [4, 4]).unwrap());
    s.check_on_root("compute_on_root: zero-length axis", &g().random(&[0, 5], [3, 2]).unwrap());
    s.check_on_root("compute_on_root: unknown chunks", &sq.mask(&sq.gt(0.3).unwrap()).unwrap());
    mpi.barrier();
    if s.rank == 0 {
        let _ = std::fs::remove_file(&path);
    }

    let ok = s.failed.is_empty();
    eprintln!(
        "rank {}/{}: {} passed, {} failed ({:.1} s){}",
        s.rank,
        s.size,
        s.passed,
        s.failed.len(),
        t0.elapsed().as_secs_f64(),
        if ok { String::new() } else { format!(": {:?}", s.failed) }
    );
    drop(mpi);
    std::process::exit(if ok { 0 } else { 1 });
}

/// `NDCHUNK_MPI_FAULT=exit|hang` (scripts/test-mpi.sh): the last rank exits, or hangs, inside a
/// task of a compute; the other ranks must not wait forever (the script runs this under
/// `timeout` and expects a nonzero exit well before it: Open MPI ends the job when a rank
/// exits, and `NDCHUNK_MPI_TIMEOUT` aborts it when a rank hangs).
fn fault_run(mpi: &distributed::Distributed, fault: &str) {
    let (rank, last) = (mpi.rank(), mpi.size() - 1);
    let hang = fault == "hang";
    let x = Generator::new(3)
        .random(&[64, 8], [8, 8])
        .unwrap()
        .map_blocks(move |b| {
            if rank == last && rank > 0 {
                if hang {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
                std::process::exit(3);
            }
            b.to_owned()
        })
        .unwrap();
    let r = x.sum(None).unwrap().compute();
    // only reached when no rank failed (one rank): the script then expects exit 0
    eprintln!("rank {rank}: fault run finished: {r:?}");
    std::process::exit(if mpi.size() == 1 && r.is_ok() { 0 } else { 1 });
}

/// Run `f` with the global executor set to `Executor::Local` (this process alone).
fn alone<R>(f: impl FnOnce() -> R) -> R {
    let global = Config::global();
    Config::set_global(Suite::local());
    let r = f();
    Config::set_global(global);
    r
}

/// `path`'s dataset (HDF5) read by this process alone.
fn read_h5(path: &str, name: &str) -> ndchunk::Result<ArrayD<f64>> {
    ChunkedArray::<f64>::from_hdf5(path, name)?.compute_with(&Suite::local())
}

/// `path`'s array (Zarr) read by this process alone.
fn read_zarr(store: &str, name: &str) -> ndchunk::Result<ArrayD<f64>> {
    ChunkedArray::<f64>::from_zarr(store, name)?.compute_with(&Suite::local())
}

/// Entries of `dir` whose names contain `part` (temporaries left behind).
fn leftovers(dir: &str, part: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|n: &String| n.contains(part))
        .collect()
}

/// An array whose blocks panic on rank `on` (the same graph on every rank).
fn panicking(rank: usize, on: usize) -> ChunkedArray<f64> {
    Generator::new(5)
        .random(&[40, 6], [8, 6])
        .unwrap()
        .map_blocks(move |b| {
            if rank == on {
                panic!("write fails on rank {rank}");
            }
            b.to_owned()
        })
        .unwrap()
}

/// Writers across the ranks: the files equal those one process writes (and the arrays
/// computed alone); a failure on one rank is every rank's `Err` and leaves no file.
fn writers(s: &mut Suite, mpi: &distributed::Distributed, dir: &str, f: &ChunkedArray<f64>) {
    use ndchunk::io::hdf5::Hdf5Options;
    use ndchunk::io::zarr::{ZarrMode, ZarrOptions};
    let n = s.size;
    let y = &(f * 2.0 + 1.0) - &f.mean(0usize).unwrap();
    let z = f.t().rechunk([7, 50]).unwrap();
    let want_y = y.compute_with(&Suite::local()).unwrap();
    let want_z = z.compute_with(&Suite::local()).unwrap();

    // HDF5 through rank 0: two datasets, gzip, in one graph
    let (h5, h5_alone) = (format!("{dir}/written-{n}ranks.h5"), format!("{dir}/written-alone-{n}ranks.h5"));
    if s.rank == 0 {
        let _ = std::fs::remove_file(&h5);
        let _ = std::fs::remove_file(&h5_alone);
        alone(|| ndchunk::io::hdf5::store(&[(&y, "/y"), (&z, "/z")], &h5_alone, &Hdf5Options::gzip(4)))
            .expect("write alone");
    }
    mpi.barrier();
    let w = ndchunk::io::hdf5::store(&[(&y, "/y"), (&z, "/z")], &h5, &Hdf5Options::gzip(4));
    s.expect("to_hdf5 across ranks", w.is_ok(), format!("{w:?}"));
    s.report("to_hdf5 (two datasets, 96 kB each)");
    let st = distributed::last_stats();
    // the writer does not gather the arrays' inputs: only blocks computed elsewhere reach rank 0
    s.expect("to_hdf5: work spread", n == 1 || st.tasks_run < st.tasks, format!("{st:?}"));
    // with NDCHUNK_MPI_WRITE_ROUND_BYTES = 30000 (the script's), rank 0 receives the other
    // ranks' ~100 kB of blocks over several rounds (4 rounds without the budget)
    let budget = std::env::var("NDCHUNK_MPI_WRITE_ROUND_BYTES").ok().and_then(|v| v.parse::<u64>().ok());
    s.expect(
        "to_hdf5: blocks streamed to rank 0 over rounds",
        n == 1 || budget.is_none_or(|b| b > 30_000) || st.rounds >= 6,
        format!("{st:?}"),
    );
    mpi.barrier();
    for (name, want) in [("/y", &want_y), ("/z", &want_z)] {
        match (read_h5(&h5, name), read_h5(&h5_alone, name)) {
            (Ok(d), Ok(a)) => s.expect(
                &format!("to_hdf5 {name} equals the file written alone"),
                same(&d, &a) && same(&d, want),
                format!("{d:?} vs {a:?}"),
            ),
            (d, a) => s.fail("to_hdf5 read back", format!("{d:?} {a:?}")),
        }
    }
    // a failing block on the last rank: Err on every rank, no file, no temporary
    let bad = format!("{dir}/failed-{n}ranks.h5");
    let r = panicking(s.rank, n - 1).to_hdf5(&bad, "/x");
    mpi.barrier();
    s.expect(
        "to_hdf5 failing on one rank",
        r.is_err() && !std::path::Path::new(&bad).exists() && leftovers(dir, &format!("failed-{n}ranks.h5")).is_empty(),
        format!("{r:?} {:?}", leftovers(dir, &format!("failed-{n}ranks.h5"))),
    );

    // Zarr: each chunk written by its rank (stored chunks other than the blocks: rechunked)
    let (zs, zs_alone) = (format!("{dir}/written-{n}ranks.zarr"), format!("{dir}/written-alone-{n}ranks.zarr"));
    if s.rank == 0 {
        let _ = std::fs::remove_dir_all(&zs);
        let _ = std::fs::remove_dir_all(&zs_alone);
        alone(|| {
            ndchunk::io::zarr::store(&[(&y, "y"), (&z, "g/z")], &zs_alone, &ZarrOptions::default())?;
            y.to_zarr(&zs_alone, "y2", ZarrOptions { chunks: Some(vec![50, 4]), ..Default::default() })?;
            y.to_zarr(&zs_alone, "y2", ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 }))
        })
        .expect("write alone");
    }
    mpi.barrier();
    let w = ndchunk::io::zarr::store(&[(&y, "y"), (&z, "g/z")], &zs, &ZarrOptions::default());
    s.report("to_zarr (two arrays, 96 kB each)");
    let st = distributed::last_stats();
    // every chunk written once, by the rank that computed its block
    s.expect(
        "to_zarr: chunks written by their ranks",
        n == 1 || (st.tasks_duplicated == 0 && !st.replicated && st.tasks_run < st.tasks),
        format!("{st:?}"),
    );
    let w = w
        .and_then(|()| y.to_zarr(&zs, "y2", ZarrOptions { chunks: Some(vec![50, 4]), ..Default::default() }))
        .and_then(|()| y.to_zarr(&zs, "y2", ZarrOptions::default().with_mode(ZarrMode::Append { axis: 0 })));
    s.expect("to_zarr across ranks", w.is_ok(), format!("{w:?}"));
    // a second create of the same array: Exists on every rank; an overwrite replaces it
    let again = y.to_zarr(&zs, "y", ZarrOptions::default());
    s.expect("to_zarr: exists on every rank", again.is_err(), format!("{again:?}"));
    let over = (&y * 3.0)
        .to_zarr(&zs, "y3", ZarrOptions::default())
        .and_then(|()| z.to_zarr(&zs, "y3", ZarrOptions::overwrite()));
    mpi.barrier();
    let back = read_zarr(&zs, "y3");
    s.expect(
        "to_zarr overwrite across ranks",
        over.is_ok() && back.as_ref().is_ok_and(|b| same(b, &want_z)),
        format!("{over:?} {back:?}"),
    );
    mpi.barrier();
    for name in ["y", "g/z", "y2"] {
        match (read_zarr(&zs, name), read_zarr(&zs_alone, name)) {
            (Ok(d), Ok(a)) => {
                let want = match name {
                    "y" => same(&d, &want_y),
                    "g/z" => same(&d, &want_z),
                    _ => d.shape() == [2 * want_y.shape()[0], want_y.shape()[1]],
                };
                s.expect(
                    &format!("to_zarr {name} equals the store written alone"),
                    same(&d, &a) && want,
                    format!("{d:?} vs {a:?}"),
                )
            }
            (d, a) => s.fail("to_zarr read back", format!("{name}: {d:?} {a:?}")),
        }
    }
    let bad = format!("{dir}/failed-{n}ranks.zarr");
    let r = panicking(s.rank, n - 1).to_zarr(&bad, "x", ZarrOptions::default());
    mpi.barrier();
    let left = leftovers(&bad, "ndchunk");
    s.expect(
        "to_zarr failing on one rank",
        r.is_err() && !std::path::Path::new(&bad).join("x").exists() && left.is_empty(),
        format!("{r:?} {left:?}"),
    );
    mpi.barrier();
    if s.rank == 0 {
        for p in [&h5, &h5_alone] {
            let _ = std::fs::remove_file(p);
        }
        for p in [&zs, &zs_alone, &bad] {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// `NDCHUNK_MPI_BENCH=n` (and `NDCHUNK_MPI_THREADS`): rank-scaling workloads, best of three,
/// printed by rank 0. Compare `mpirun -n 2` with `NDCHUNK_MPI_THREADS=1` against `mpirun -n 1`
/// with 2 threads (issue 19's "≥ 0.85 of the threaded speed"):
/// * the four statistics in one pass, of `NDCHUNK_MPI_BENCH_FILE` (an HDF5 file's `/data`, e.g.
///   the 7.2 GB realdata.hdf5) when set, else of an n x n random array in blocks of n/8 rows;
/// * `rand5000.dot_x_xpxT`: `x.dot(x + x.T)` of 5000² in 2500² blocks, result on rank 0
///   (`compute_on_root`, as one process holds it), when `n >= 5000`;
/// * `normal5000.masked_histogram`: 100 bins of `N(9, 1) + 1` masked where `< 10`, 1250-row
///   blocks, when `n >= 5000`.
fn bench(mpi: &distributed::Distributed, n: usize) {
    let threads = std::env::var("NDCHUNK_MPI_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    Config::set_global(Config::global().with_threads(threads));
    let time3 = |name: &str, f: &mut dyn FnMut() -> f64| {
        let (mut best, mut r) = (f64::INFINITY, 0.0);
        for _ in 0..3 {
            mpi.barrier();
            let t = std::time::Instant::now();
            r = f();
            mpi.barrier();
            best = best.min(t.elapsed().as_secs_f64());
        }
        let st = distributed::last_stats();
        if mpi.rank() == 0 {
            eprintln!("{} ranks x {threads} threads: {name}: {best:.3} s ({r})", mpi.size());
        }
        if mpi.size() > 1 {
            eprintln!(
                "    rank {}: {} rounds, computing {:.3} s, exchanging {:.3} s, sent {} bytes (last run)",
                mpi.rank(),
                st.rounds,
                st.compute_time.as_secs_f64(),
                st.exchange_time.as_secs_f64(),
                st.bytes_sent
            );
        }
    };
    let (x, what) = match std::env::var("NDCHUNK_MPI_BENCH_FILE") {
        Ok(f) => (ChunkedArray::<f64>::from_hdf5(&f, "/data").unwrap(), f),
        Err(_) => (Generator::new(1).random(&[n, n], [(n / 8).max(1), n]).unwrap(), format!("random {n}x{n}")),
    };
    let stats = [x.sum(None).unwrap(), x.mean(None).unwrap(), x.var(None, 0).unwrap(), x.std(None, 0).unwrap()];
    let refs: Vec<&ChunkedArray<f64>> = stats.iter().collect();
    time3(&format!("four statistics of {what}"), &mut || ndchunk::compute_all(&refs).unwrap()[3][[]]);
    if n >= 5000 {
        // x in memory on every rank (as dask's `da.from_array(rn)`): each rank multiplies the
        // blocks it owns, recomputing the `x + x.T` blocks it needs (no messages but results)
        let rn = Generator::new(3).random(&[5000, 5000], [5000, 5000]).unwrap().compute().unwrap();
        let a = ChunkedArray::from_array(rn, [2500, 2500]).unwrap();
        time3("rand5000.dot_x_xpxT", &mut || {
            let y = a.dot(&(&a + &a.t())).unwrap();
            distributed::compute_on_root(&y).unwrap().map_or(0.0, |r| r[[0, 0]])
        });
        // x held in blocks by the ranks (persisted): the other rank's blocks cross
        let held = a.persist().unwrap();
        time3("rand5000.dot_x_xpxT (x persisted)", &mut || {
            let y = held.dot(&(&held + &held.t())).unwrap();
            distributed::compute_on_root(&y).unwrap().map_or(0.0, |r| r[[0, 0]])
        });
        time3("normal5000.masked_histogram", &mut || {
            let g = &Generator::new(4).normal(9.0, 1.0, &[5000, 5000], [1250, 5000]).unwrap()
                + &ndchunk::ones::<f64>(&[5000, 5000], [1250, 5000]).unwrap();
            let m = g.mask(&g.lt(10.0).unwrap()).unwrap();
            let (h, _) = ndchunk::histogram(&m, 100, Some((-9.0, 11.0))).unwrap();
            h.compute().unwrap().sum() as f64
        });
    }
}
