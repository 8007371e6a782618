"""The Python side of the rows `make compare` measures in rounds: NumPy's one-thread kernel
rows (`kernel1t.*`) and the two block-GEMM workloads (`ones4000.dot_mean_std`,
`rand5000.dot_x_xpxT`, NumPy and dask).

Usage: python3 bench/rounds.py [--kernels]  -> one JSON object per line, as dask_side.py.
With --kernels, only the kernel rows (the harness's extra kernel rounds).

The harness runs this script in several rounds, alternating with ndchunk's side of the same
rows, and keeps each side's best (with dask_side.py's first measurement): a kernel takes
1-100 ms and a GEMM workload 1-3 s, and on a shared host a burst of load during one side's
turn moved single measurements of unchanged code by up to 1.8x. NumPy is one thread for the
kernels; each kernel call is timed 21 times per round (KERNEL_REPS in benches/compare.rs).
"""
import json, sys, time
import numpy as np
import dask.array as da

REPS = 21


def best(f, n=REPS):
    ts = []
    r = None
    for _ in range(n):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r


def emit(name, secs, result, engine="numpy"):
    print(json.dumps({"name": name, "engine": engine, "s": round(secs, 6), "result": result}), flush=True)


def main():
    # the cube of the nan-reductions (seed 001's (12, 444, 922)), with one NaN
    c = np.random.default_rng(2).random((12, 444, 922)); c[5, 123, 234] = np.nan
    for op in ("nanmin", "nanmax"):
        s, r = best(lambda: getattr(np, op)(c)); emit(f"kernel1t.{op}", s, float(r))
    c1 = np.where(np.isnan(c), 0.5, c)  # NumPy's argmin stops at a NaN
    for op in ("min", "max", "argmin", "argmax"):
        s, r = best(lambda: getattr(np, op)(c1)); emit(f"kernel1t.{op}", s, float(r))
    del c, c1
    # elementwise kernels on 4M float64
    rng = np.random.default_rng(11)
    n = 1 << 22
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    i = a.astype(np.int32)
    ops = {
        "maximum": lambda: np.maximum(a, b), "fmin": lambda: np.fmin(a, b),
        "sign": lambda: np.sign(a), "around2": lambda: np.round(a, 2),
        "floor_divide": lambda: np.floor_divide(a, b), "logaddexp": lambda: np.logaddexp(a, b),
        "bool_and": lambda: (a > 0) & (b < 0), "add_i32_f64": lambda: np.add(i, b),
    }
    for op, f in ops.items():
        s, r = best(lambda: float(f()[0])); emit(f"kernel1t.{op}", s, r)
    del a, b, i
    if "--kernels" in sys.argv[1:]:
        return
    # as dask_side.py: seeds 003 and 004, three runs each
    xn = np.ones((4000, 4000)); xd = da.ones((4000, 4000), chunks=(1000, 1000))
    s, r = best(lambda: (xn.dot(xn.T + 1) - xn.mean()).std(), 3); emit("ones4000.dot_mean_std", s, float(r))
    s, r = best(lambda: (xd.dot(xd.T + 1) - xd.mean()).std().compute(), 3)
    emit("ones4000.dot_mean_std", s, float(r), "dask")
    del xn, xd
    rn = np.random.default_rng(3).random((5000, 5000)); rd = da.from_array(rn, chunks=(2500, 2500))
    s, r = best(lambda: np.dot(rn, rn + rn.T), 3); emit("rand5000.dot_x_xpxT", s, float(r[0, 0]))
    s, r = best(lambda: da.dot(rd, rd + rd.T).compute(), 3); emit("rand5000.dot_x_xpxT", s, float(r[0, 0]), "dask")


if __name__ == "__main__":
    main()
