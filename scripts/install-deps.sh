#!/usr/bin/env bash
# Installs what the build needs beyond Rust: pkg-config and HDF5's headers (libhdf5-dev),
# through apt-get, only when `pkg-config --exists hdf5` fails; and zarr-python 3 (pip) for the
# Zarr interop test, which is skipped without it (the Zarr codecs themselves build from source
# with the C compiler: no system library).
set -euo pipefail
need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v cc >/dev/null 2>&1 || need+=(gcc)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists hdf5; then
  need+=(libhdf5-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import zarr' >/dev/null 2>&1; then
  echo "installing zarr-python (for the Zarr interop test) with pip"
  python3 -m pip install -q 'zarr>=3' >/dev/null 2>&1 || echo "pip install zarr failed: the Zarr interop test will be skipped" >&2
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust (https://rustup.rs), then run this command again" >&2
  exit 1
fi
