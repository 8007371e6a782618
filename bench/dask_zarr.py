"""Zarr workloads for `make compare` (issue 18), the dask/zarr-python side of benches/compare_zarr.rs.

Usage: python3 bench/dask_zarr.py DATA_DIR  -> one JSON object per line, as dask_side.py.

- testdata.to_zarr_blosc: DATA_DIR/testdata.hdf5 (3000², 300-row chunks) to a new Zarr v3
  store, blosc lz4/5/shuffle, 300×3000 chunks: `da.to_zarr` ("dask") and zarr-python writing
  the array read whole ("numpy").
- zarr7GB.sum: `da.from_zarr(DATA_DIR/realdata_zstd.zarr, component="data").sum()`, when ndchunk's
  row has built that store (from the --big realdata file).
- realdata.rows_to_cols_zarr_1GB: when DATA_DIR/realdata.hdf5 exists (--big runs), the 7.2 GB
  row-chunked file rechunked to 30000×300 column chunks and written to Zarr with
  `da.rechunk(..).to_zarr(..)` in a subprocess of its own, whose peak RSS is "dask_rss_mb".
Needs dask, h5py and zarr >= 3; rows whose inputs are absent are skipped.
"""
import json, os, resource, shutil, subprocess, sys, time
import warnings

import numpy as np, h5py, dask, dask.array as da
import zarr
from zarr.codecs import BloscCodec, BloscShuffle

warnings.filterwarnings("ignore")


def best(f, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
    return min(ts), r


def emit(name, engine, secs, result):
    print(json.dumps({"name": name, "engine": engine, "s": round(secs, 6), "result": result}), flush=True)


BLOSC = BloscCodec(cname="lz4", clevel=5, shuffle=BloscShuffle.shuffle)


def to_zarr_blosc(data):
    path = os.path.join(data, "testdata.hdf5")
    if not os.path.exists(path):
        return
    out = os.path.join(data, "testdata_blosc_dask.zarr")
    with h5py.File(path, "r") as f:
        d = f["data"]
        x = da.from_array(d, chunks=(300, 3000))

        def dask_write():
            da.to_zarr(x, out, component="data", overwrite=True, zarr_format=3, compressors=[BLOSC])
            return 0.0
        s, _ = best(dask_write, 5)
        total = float(da.from_zarr(out, component="data").sum().compute())
        emit("testdata.to_zarr_blosc", "dask", s, total)

        def numpy_write():
            a = d[...]
            z = zarr.create_array(out, name="data", shape=a.shape, chunks=(300, 3000), dtype=a.dtype,
                                  compressors=[BLOSC], overwrite=True, zarr_format=3)
            z[...] = a
            return 0.0
        s, _ = best(numpy_write, 5)
        emit("testdata.to_zarr_blosc", "numpy", s, total)
    shutil.rmtree(out, ignore_errors=True)


def zarr_sum(data):
    store = os.path.join(data, "realdata_zstd.zarr")
    if not os.path.exists(os.path.join(store, "data", "zarr.json")):
        return
    x = da.from_zarr(store, component="data")
    s, r = best(lambda: float(x.sum().compute()), 2)
    emit("zarr7GB.sum", "dask", s, r)


def rows_to_cols(data):
    """In a subprocess: its peak RSS is the row's."""
    src = os.path.join(data, "realdata.hdf5")
    if not os.path.exists(src):
        return
    out = os.path.join(data, "realdata_cols_dask.zarr")
    code = f"""
import time, resource, h5py, dask.array as da, shutil, json
f = h5py.File({src!r}, "r")
x = da.from_array(f["data"], chunks=(300, 30000))
t = time.perf_counter()
da.to_zarr(x.rechunk((30000, 300)), {out!r}, overwrite=True, zarr_format=3, compressors=None)
s = time.perf_counter() - t
total = float(da.from_zarr({out!r}).sum().compute())
shutil.rmtree({out!r}, ignore_errors=True)
print(json.dumps([s, total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr.strip().splitlines()[-1:] or "failed", file=sys.stderr)
        return
    s, total, rss = json.loads(p.stdout.strip().splitlines()[-1])
    emit("realdata.rows_to_cols_zarr_1GB", "dask", s, total)
    emit("realdata.rows_to_cols_zarr_1GB", "dask_rss_mb", 0, rss)


if __name__ == "__main__":
    data = sys.argv[1]
    dask.config.set(scheduler="threads")
    to_zarr_blosc(data)
    zarr_sum(data)
    rows_to_cols(data)
