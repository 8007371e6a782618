"""Extra dask.array workloads for `make compare` (beside bench/dask_side.py).

Usage: python3 bench/dask_extra.py DATA_DIR  -> one JSON object per line, as dask_side.py.
"""
import json, os, resource, sys, time
import numpy as np, h5py, dask, dask.array as da


def best(f, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r


def emit(name, engine, secs, result):
    print(json.dumps({"name": name, "engine": engine, "s": round(secs, 6), "result": result}), flush=True)


def percentile():
    """percentile(x, [5, 50, 95]) of a 1000 MB 1-D float64 array in 8 chunks (dask's is
    approximate: it merges per-chunk percentiles)."""
    n = 1000 * 1024 * 1024 // 8
    x = np.random.default_rng(1).standard_normal(n)
    s, r = best(lambda: float(np.percentile(x, [5, 50, 95])[1]), 3)
    emit("percentile1d_1000MB", "numpy", s, r)
    d = da.from_array(x, chunks=n // 8)
    s, r = best(lambda: float(da.percentile(d, [5, 50, 95]).compute()[1]), 3)
    emit("percentile1d_1000MB", "dask", s, r)
    del x, d


def unique_1e8_i32():
    """`unique` of 10^8 int32 with 1000 distinct values: NumPy on the whole array, dask on 8
    persisted blocks; the result is the number of distinct values."""
    n = 10**8
    x = da.random.default_rng(16).integers(0, 1000, size=n, chunks=n // 8, dtype=np.int32).persist()
    s, r = best(lambda: float(len(da.unique(x).compute())), 3)
    emit("unique_1e8_i32.1000_distinct", "dask", s, r)
    a = x.compute()
    del x
    s, r = best(lambda: float(len(np.unique(a))), 3)
    emit("unique_1e8_i32.1000_distinct", "numpy", s, r)


def mean_filter_8000():
    """3x3 mean filter via map_overlap (depth 1, boundary 'reflect' = uniform_filter's default)
    on 8000^2 float64 in 1000^2 chunks, persisted; NumPy column: scipy.ndimage.uniform_filter
    on the whole array. The result is the filtered array's mean."""
    try:
        from scipy.ndimage import uniform_filter
    except ImportError:
        print("scipy missing: meanfilter8000 skipped (pip install scipy)", file=sys.stderr)
        return
    x = da.random.default_rng(21).random((8000, 8000), chunks=(1000, 1000)).persist()
    f = lambda b: uniform_filter(b, 3)
    s, r = best(lambda: float(x.map_overlap(f, depth=1, boundary="reflect").mean().compute()), 3)
    emit("meanfilter8000.map_overlap_3x3", "dask", s, r)
    a = x.compute()
    del x
    s, r = best(lambda: float(uniform_filter(a, 3).mean()), 3)
    emit("meanfilter8000.map_overlap_3x3", "numpy", s, r)


def rand5000_einsum():
    """einsum("ij,jk->ik", x, x + x.T) on the rand5000 data (5000^2 float64, 2500^2 chunks):
    dask's da.einsum, NumPy's np.einsum with optimize=True (which hands the product to BLAS)."""
    rn = np.random.default_rng(3).random((5000, 5000))
    rd = da.from_array(rn, chunks=(2500, 2500))
    s, r = best(lambda: da.einsum("ij,jk->ik", rd, rd + rd.T).compute(), 3)
    emit("rand5000.einsum_ij_jk", "dask", s, float(r[0, 0]))
    s, r = best(lambda: np.einsum("ij,jk->ik", rn, rn + rn.T, optimize=True), 3)
    emit("rand5000.einsum_ij_jk", "numpy", s, float(r[0, 0]))
    del rn, rd


def main():
    data = sys.argv[1]
    # the one-thread kernel rows (kernel1t.*): bench/rounds.py
    # 16k x 16k float32 from row blocks to column blocks, summed
    x = da.random.default_rng(8).random((16000, 16000), chunks=(1000, 16000), dtype=np.float32).persist()
    s, r = best(lambda: float(x.rechunk((16000, 1000)).sum().compute()), 3)
    emit("rechunk16k_f32.rows_to_cols_sum", "dask", s, r)
    # the process peak so far is the rechunk's (it runs first; best of 3, as ndchunk)
    emit("rechunk16k_f32.rows_to_cols_sum", "dask_rss_mb", 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    del x
    # gzip+shuffle file written by ndchunk-compare (h5py reads under libhdf5's lock)
    p = os.path.join(data, "gzip4000.hdf5")
    if os.path.exists(p):
        with h5py.File(p, "r") as f:
            d = da.from_array(f["/data"], chunks=f["/data"].chunks)
            s, r = best(lambda: float(d.sum().compute()), 5)
            emit("gzip4000.sum_parallel_decode", "dask", s, r)
            a = f["/data"]
            s, r = best(lambda: float(a[:].sum()), 3)
            emit("gzip4000.sum_parallel_decode", "numpy", s, r)
    # after the rechunk: its peak RSS is read as the process peak so far
    percentile()
    unique_1e8_i32()
    mean_filter_8000()
    rand5000_einsum()


if __name__ == "__main__":
    main()
