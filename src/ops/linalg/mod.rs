//! Linear-algebra planners: blocked contractions (`contract`) and factorizations
//! (`factor`: TSQR/SFQR QR, SVD via TSQR, single-block solvers; `stacked_qr`: TSQR's
//! reduction step on the stacked triangles).

pub mod contract;
pub mod factor;
pub mod stacked_qr;
