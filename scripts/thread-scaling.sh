#!/usr/bin/env bash
# Thread scaling of the compute-bound workloads: run on the 16-core device box with
#   scripts/thread-scaling.sh 1,2,4,8,16
# Writes the "Thread scaling" section of BENCHMARKS.md (pass another file as $2).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1,2,4,8,16}"
out="${2:-BENCHMARKS.md}"
./scripts/install-deps.sh
cargo build --release -p ndchunk-benches --bin ndchunk-compare
./target/release/ndchunk-compare --data "${NDCHUNK_DATA:-data}" --scaling "$threads" --write "$out"
