"""FFT workloads of issue 17 for `make compare` (NumPy and dask sides of benches/compare_fft.rs).

Usage: python3 bench/dask_fft.py DATA_DIR  -> one JSON object per line, as dask_extra.py.
"""
import json, resource, sys, time
import numpy as np, dask, dask.array as da


def best(f, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r


def emit(name, engine, secs, result):
    print(json.dumps({"name": name, "engine": engine, "s": round(secs, 6), "result": result}), flush=True)


def fft_axis1():
    """fft along axis 1 of 4096x4096 complex128 in (512, 4096) chunks."""
    rng = np.random.default_rng(17)
    n = 4096
    z = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    s, r = best(lambda: np.fft.fft(z, axis=1)[1, 1].real)
    emit("fft4096.axis1_512rows", "numpy", s, float(r))
    x = da.from_array(z, chunks=(512, n))
    s, r = best(lambda: da.fft.fft(x, axis=1).compute()[1, 1].real)
    emit("fft4096.axis1_512rows", "dask", s, float(r))


def rfft2_8192():
    """rfft2 of 8192² float64 in row chunks; dask's rfft2 needs both axes in one chunk, so the
    array is rechunked to one block first (what a dask user has to write). Peak RSS of this
    process is reported after it (it is the last workload here)."""
    rng = np.random.default_rng(19)
    n = 8192
    a = rng.standard_normal((n, n))
    s, r = best(lambda: np.fft.rfft2(a)[1, 1].real, 2)
    emit("rfft2_8192.f64", "numpy", s, float(r))
    x = da.from_array(a, chunks=(1024, n))
    s, r = best(lambda: da.fft.rfft2(x.rechunk((n, n))).compute()[1, 1].real, 2)
    emit("rfft2_8192.f64", "dask", s, float(r))
    emit("rfft2_8192.f64", "dask_rss_mb", 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    fft_axis1()
    rfft2_8192()
