//! ndchunk's integration tests, a package of their own so Cargo can build them with their own
//! optimisation level.
//!
//! The tests are one binary, `it` (`it/main.rs`, a module per topic). They call ndchunk as a
//! user does, through its public API, and compare with ndarray and NumPy fixtures
//! (`../fixtures`). This library is empty: Cargo requires a package to have a library or a
//! binary.
//!
//! Why a package: Cargo sets the optimisation level per package, not per target. ndchunk itself
//! is built at opt-level 1 for tests (the suite exercises its scheduler and kernels), but the
//! test code around it gains nothing from LLVM's optimiser: at opt-level 1 the `it` binary took
//! 134 s to compile on the 2-core machine, at opt-level 0 29 s, and the suite runs in 35 s
//! instead of 23 s (the root Cargo.toml's `[profile.dev.package.ndchunk-tests]`).
//!
//! Run them with `cargo test` at the workspace root (this package is a default member) or
//! `cargo test -p ndchunk-tests --test it <filter>`.
