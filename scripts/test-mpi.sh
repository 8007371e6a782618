#!/usr/bin/env bash
# `make test-mpi`: installs OpenMPI (and libclang, for rsmpi's bindings) when missing, builds the
# MPI suite (tests/mpi/main.rs) with `--features mpi`, and runs it under mpirun on 1, 2, 3 and 4
# ranks. Each run compares every distributed result with the same compute on one process.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
need=()
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
pkg-config --exists ompi 2>/dev/null || need+=(libopenmpi-dev)
# bindgen loads libclang itself (libclang.so*, libclang-N.so*), not libclang-cpp.so.N, which LLVM
# packages install on their own: look for exactly the names bindgen accepts
have_libclang() {
  [ -n "${LIBCLANG_PATH:-}" ] && compgen -G "$LIBCLANG_PATH/libclang*.so*" >/dev/null && return 0
  local f
  for f in /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* \
    /usr/lib/*/libclang.so* /usr/lib/*/libclang-[0-9]*.so* /usr/lib/libclang.so* \
    /usr/local/lib/libclang.so*; do
    [ -e "$f" ] && return 0
  done
  return 1
}
have_libclang || need+=(libclang-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
CARGO="${CARGO:-cargo}"
# the unit tests of the feature (wire format) first, then the suite's binary
$CARGO test -p ndchunk --features mpi --lib distributed
exe=$($CARGO test -p ndchunk-tests --features mpi --test mpi --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$exe" ] || { echo "the MPI suite did not build" >&2; exit 1; }
flags=(--oversubscribe)
if [ "$(id -u)" -eq 0 ]; then flags+=(--allow-run-as-root); fi
export NDCHUNK_OUT="${NDCHUNK_OUT:-target/mpi-test}"
# one worker thread per rank: the ranks share the machine's cores
export OMP_NUM_THREADS=1
# small rounds for the HDF5 writer (rank 0) so the suite's files stream over several rounds
export NDCHUNK_MPI_WRITE_ROUND_BYTES=30000
# every exchange of more than 4 kB goes in several messages (the 1 GiB pieces of big blocks)
export NDCHUNK_MPI_MESSAGE_BYTES=4096
for n in 1 2 3 4; do
  echo "== mpirun -n $n"
  timeout 600 mpirun "${flags[@]}" -n "$n" "$exe"
done
# a rank that dies or hangs mid-compute: the others must end with a nonzero exit, not wait
# forever (Open MPI ends the job when a rank exits; NDCHUNK_MPI_TIMEOUT aborts it on a hang)
log="$NDCHUNK_OUT/fault.log"
mkdir -p "$NDCHUNK_OUT"
for fault in exit hang; do
  echo "== mpirun -n 3, the last rank's task ${fault}s (NDCHUNK_MPI_TIMEOUT=10)"
  set +e
  NDCHUNK_MPI_FAULT=$fault NDCHUNK_MPI_TIMEOUT=10 timeout 120 mpirun "${flags[@]}" -n 3 "$exe" >"$log" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
    cat "$log"
    echo "fault '$fault': exit $rc (0: the failure went unseen; 124: the job hung)" >&2
    exit 1
  fi
  if [ $fault = hang ] && ! grep -q "no answer from the other ranks" "$log"; then
    cat "$log"
    echo "fault 'hang': the job ended without the timeout's message" >&2
    exit 1
  fi
  echo "ended with exit $rc"
done
echo "MPI suite passed on 1-4 ranks"
