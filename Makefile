# The two set-up commands: `make demo` and `make test`. Both install libhdf5-dev first when
# pkg-config cannot find HDF5.
CARGO ?= cargo

.PHONY: deps demo test test-zarr-http test-mpi lint compare bench

deps:
	@./scripts/install-deps.sh

## Runs the main demo: the seed workflow (four statistics) on a generated chunked HDF5 file.
demo: deps
	$(CARGO) run --release --example hdf5_statistics

## Runs the whole test suite (unit, integration, examples at small sizes, doc tests). The first
## line compiles the test binaries and the examples in one cargo run, so they build in parallel
## (the dev and test profiles are the same, so `cargo test` and the examples reuse them).
test: deps
	$(CARGO) build -p ndchunk -p ndchunk-kernels -p ndchunk-tests --lib --tests --examples
	$(CARGO) test -p ndchunk -p ndchunk-kernels -p ndchunk-tests --lib --tests
	$(CARGO) test -p ndchunk -p ndchunk-kernels --doc
	if pkg-config --exists openblas 2>/dev/null; then $(CARGO) test -p ndchunk-tests --features openblas --test it linalg && $(CARGO) test -p ndchunk-kernels --features openblas gemm; fi
	./scripts/run-examples.sh

## Zarr over HTTP (optional feature zarr-http: reqwest, tokio, native TLS, so OpenSSL's headers,
## Debian's libssl-dev): reads fixtures/zarr through `python3 -m http.server` on 127.0.0.1.
test-zarr-http: deps
	$(CARGO) test -p ndchunk-tests --features zarr-http --test it zarr::http
## Runs the MPI suite (feature `mpi`) under mpirun on 1-4 ranks; installs OpenMPI when missing.
## Not part of `make test`: the default build needs no MPI.
test-mpi: deps
	CARGO="$(CARGO)" ./scripts/test-mpi.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p ndchunk -p ndchunk-kernels

## Runs the NumPy/dask comparison with the default build (what a user who adds the crate gets)
## and rewrites BENCHMARKS.md, then the (ignored by default) bounded-memory test on a 2 GB HDF5
## file. When the system has OpenBLAS, the GEMM workloads also run from a build with
## `--features openblas` (its own target dir), as an extra column.
compare: deps
	$(CARGO) build --release -p ndchunk-benches --bin ndchunk-compare
	if pkg-config --exists openblas 2>/dev/null; then \
	  $(CARGO) build --release -p ndchunk-benches --features openblas --bin ndchunk-compare --target-dir target/openblas && \
	  OB="--openblas-exe target/openblas/release/ndchunk-compare"; fi; \
	./target/release/ndchunk-compare --write BENCHMARKS.md $$OB
	NDCHUNK_DATA=$(CURDIR)/data $(CARGO) test --release -p ndchunk-tests --test it hdf5_memory -- --ignored --nocapture

bench: deps
	$(CARGO) bench -p ndchunk-benches
