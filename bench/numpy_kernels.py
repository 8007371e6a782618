"""NumPy's side of the one-thread kernel rows (`kernel1t.*`) of `make compare`.

Usage: python3 bench/numpy_kernels.py  -> one JSON object per line, as dask_side.py.

The harness runs this script in several rounds, alternating with ndchunk's side of the same
rows, and keeps each side's best: a kernel takes 1-100 ms, and on a shared host a burst of
load during one side's turn moved single rounds by up to 1.8x. NumPy is one thread for all of
these; each call is timed 21 times per round (KERNEL_REPS in benches/compare.rs).
"""
import json, time
import numpy as np

REPS = 21


def best(f, n=REPS):
    ts = []
    r = None
    for _ in range(n):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r


def emit(name, secs, result):
    print(json.dumps({"name": name, "engine": "numpy", "s": round(secs, 6), "result": result}), flush=True)


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


if __name__ == "__main__":
    main()
