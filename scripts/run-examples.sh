#!/usr/bin/env bash
# Runs every example at small sizes, so the walkthroughs cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
export NDCHUNK_EXAMPLE_SMALL=1
export NDCHUNK_DATA="${NDCHUNK_DATA:-target/example-data}"
export NDCHUNK_OUT="${NDCHUNK_OUT:-target/example-out}"
mkdir -p "$NDCHUNK_DATA"
# Built once (`make test` has already built them, next to the test binaries: this is a no-op then).
cargo build --quiet --examples
for f in examples/*.rs; do
  name=$(basename "$f" .rs)
  echo "== example $name"
  "target/debug/examples/$name" > "target/example-$name.log" 2>&1 || { cat "target/example-$name.log"; echo "example $name failed"; exit 1; }
done
echo "all examples ran"
