//! Linear-algebra planners: blocked contractions (`contract`) and factorizations
//! (`factor`: TSQR/SFQR QR, SVD via TSQR, single-block solvers).

pub mod contract;
pub mod factor;
