//! FFT kernels (filled below).
