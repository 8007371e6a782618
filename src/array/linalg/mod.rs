//! `ndchunk::linalg`: factorizations and solvers on chunked matrices of f32, f64,
//! `Complex<f32>` and `Complex<f64>` ([`LinalgScalar`]).
//!
//! Complex matrices follow NumPy: `q` has orthonormal columns in the complex sense (`qᴴq = I`),
//! `svd` returns `vh` with `a = u · diag(s) · vh` and *real* singular values, `cholesky` factors
//! a Hermitian matrix as `l · lᴴ`, `lstsq` minimizes `‖a·x − b‖` with real residuals and
//! singular values, and `norm` is real (of `|x|`, the modulus). `svd_compressed` and `svd_flip`
//! are for real matrices only (dask's `svd_flip` sign rule has no complex counterpart).
//!
//! | function | plan | chunkings |
//! |---|---|---|
//! | [`qr`] | TSQR (tall, m ≥ n, or row lengths unknown) or SFQR (short-fat) | tall: rechunked **automatically** to one column block; short-fat: to one row block whose first column block has ≥ m columns |
//! | [`svd`] | TSQR, then the SVD of the small R | as `qr` (short-fat matrices through the transpose) |
//! | [`svd_compressed`] | randomized SVD (Halko et al.) with power iterations | any (products + TSQR) |
//! | [`lstsq`], [`lstsq_with`] | TSQR of `[a \| b]`, then the SVD of the small R: x = V S⁺ Uᵀ Qᵀ b (minimum norm) | rechunked to one column block; any shape and rank |
//! | [`solve`], [`inv`], [`cholesky`], [`cholesky_with`], [`lu`], [`solve_triangular`] | gather into one block, faer | any; the matrix must fit in memory |
//! | [`norm`] | reductions (and `svd` for the matrix 2-norm) | any |
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::linalg;
//! let a = ndchunk::random::Generator::new(5).random(&[1000, 50], [100, 50]).unwrap();
//! let (q, r) = linalg::qr(&a).unwrap();
//! let err = (&q.dot(&r).unwrap() - &a).abs().max(None).unwrap().item().unwrap();
//! assert!(err < 1e-12);
//!
//! // complex: singular values and norms are real
//! use ndchunk::Complex;
//! let z = ChunkedArray::from_array(
//!     ndarray::array![[Complex::new(3.0, 4.0), Complex::new(0.0, 0.0)], [Complex::new(0.0, 0.0), Complex::new(0.0, 2.0)]],
//!     [1, 2],
//! )
//! .unwrap();
//! let s: ChunkedArray<f64> = linalg::svd(&z).unwrap().1;
//! assert_eq!(s.compute().unwrap().as_slice().unwrap(), &[5.0, 2.0]);
//! let fro: f64 = linalg::norm(&z, linalg::NormOrd::Fro, None).unwrap().item().unwrap();
//! assert!((fro - 29f64.sqrt()).abs() < 1e-12);
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::Array2;

use crate::array::axes::Axes;
use crate::array::chunks::WHOLE;
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::Node;
pub use crate::ops::linalg::factor::LinalgScalar;
use crate::ops::linalg::factor::{from_faer, pick, right_mul, sfqr, to_faer, tsqr, Dense, LinalgFloat, Mats};

pub use crate::ops::linalg::factor::LinalgFloat as Real;

mod lstsq;
mod svd_flip;
mod triangular;

pub use lstsq::{lstsq_with, Lstsq};
pub use svd_flip::svd_flip;
pub use triangular::{cholesky_with, solve_triangular};

fn check_2d<T: LinalgScalar>(a: &ChunkedArray<T>, what: &str) -> Result<(usize, usize)> {
    if a.ndim() != 2 {
        return Err(Error::LinAlg(format!("{what} needs a 2-d matrix, got shape {:?}", a.shape())));
    }
    if !a.chunks().is_known() {
        return Err(Error::UnknownChunkSizes { op: what.into() });
    }
    Ok((a.shape()[0], a.shape()[1]))
}

/// Whether `a` is a 2-d matrix whose row lengths are unknown (after a mask or a lazy
/// `compress`) and whose column lengths are known: [`qr`] and [`svd`] then run TSQR on it as it
/// is, assuming m ≥ n as dask does.
fn unknown_rows<T: LinalgScalar>(a: &ChunkedArray<T>) -> bool {
    a.ndim() == 2 && !a.chunks().axis_is_known(0) && a.chunks().axis_is_known(1)
}

/// QR decomposition `a = q · r` (reduced: `q` is m×k, `r` k×n, k = min(m, n)).
///
/// Row lengths may be unknown (after `mask`/`compress`; dask's `tsqr` supports them too): `q`
/// then has the same unknown row lengths and `r` is n×n; the matrix must have at least as many
/// rows as columns (dask's assumption), or computing is `Error::LinAlg`. Unknown column lengths
/// are `Error::UnknownChunkSizes`.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::linalg;
/// let x = ndchunk::random::Generator::new(1).random(&[40, 3], [10, 3]).unwrap();
/// let keep = x.slice(ndarray::s![.., 0]).unwrap().gt(0.3).unwrap();
/// let a = x.compress(&keep, Some(0)).unwrap(); // rows: lengths unknown until computed
/// let (q, r) = linalg::qr(&a).unwrap();
/// assert_eq!(r.shape(), &[3, 3]);
/// let q = q.compute().unwrap();
/// let a = a.compute().unwrap();
/// let r = r.compute().unwrap();
/// let q = q.into_dimensionality::<ndarray::Ix2>().unwrap();
/// let r = r.into_dimensionality::<ndarray::Ix2>().unwrap();
/// assert!((&q.dot(&r).into_dyn() - &a).iter().all(|e| e.abs() < 1e-12));
/// ```
pub fn qr<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<(ChunkedArray<T>, ChunkedArray<T>)> {
    if unknown_rows(a) {
        let (q, r) = tsqr::<T>(a.node())?;
        return Ok((ChunkedArray::from_node(q), ChunkedArray::from_node(r)));
    }
    let (m, n) = check_2d(a, "qr")?;
    let (q, r) = if m >= n {
        let a1 = if a.numblocks()[1] == 1 { a.clone() } else { a.rechunk([a.chunks().chunksize()[0], WHOLE])? };
        tsqr::<T>(a1.node())?
    } else {
        let c0 = a.chunks().axis(1)[0];
        let a1 = if a.numblocks()[0] == 1 && c0 >= m {
            a.clone()
        } else {
            a.rechunk([WHOLE, a.chunks().chunksize()[1].max(m)])?
        };
        sfqr::<T>(a1.node())?
    };
    Ok((ChunkedArray::from_node(q), ChunkedArray::from_node(r)))
}

fn small_svd<T: LinalgScalar>(views: &[ndarray::ArrayView2<'_, T>]) -> Result<Mats<T>> {
    let svd = to_faer(&views[0]).thin_svd().map_err(|e| Error::LinAlg(format!("SVD did not converge: {e:?}")))?;
    let s = svd.S().column_vector();
    let s2 = Array2::from_shape_fn((s.nrows(), 1), |(i, _)| s[i]);
    let mut vt = from_faer(svd.V()).reversed_axes();
    if T::IS_COMPLEX {
        vt.mapv_inplace(|v| v.conj_value()); // Vᴴ
    }
    Ok(vec![from_faer(svd.U()), s2, vt])
}

/// Singular value decomposition `a = u · diag(s) · vt` (reduced), singular values in
/// descending order, real for complex `a` (`vt` is NumPy's `vh`, `a = u · diag(s) · vh`).
///
/// Row lengths may be unknown, as for [`qr`] (TSQR, then the SVD of the small R): `u` keeps
/// them, `s` has n values and `vt` is n×n; fewer rows than columns is `Error::LinAlg` when
/// computed.
#[allow(clippy::type_complexity)]
pub fn svd<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<(ChunkedArray<T>, ChunkedArray<T::Part>, ChunkedArray<T>)> {
    let unknown = unknown_rows(a);
    let n = if unknown {
        a.shape()[1]
    } else {
        let (m, n) = check_2d(a, "svd")?;
        if m < n {
            // aᴴ = u s vt, so a = vtᴴ s uᴴ
            let (u, s, vt) = svd(&adjoint(a))?;
            return Ok((adjoint(&vt), s, adjoint(&u)));
        }
        n
    };
    let (q, r) = qr(a)?;
    let k = r.shape()[0];
    let node = Node::value(
        "svd-small",
        vec![r.node().clone()],
        vec![1],
        Dense::<T, _> { f: small_svd::<T>, name: "svd", _t: PhantomData },
    );
    let ur = ChunkedArray::<T>::from_node(pick::<T>(&node, 0, "svd-u", vec![k, k]));
    let s = ChunkedArray::<T>::from_node(pick::<T>(&node, 1, "svd-s", vec![k])).mapv(|v| v.re_part());
    let vt = ChunkedArray::<T>::from_node(pick::<T>(&node, 2, "svd-vt", vec![k, n]));
    let u = if unknown { ChunkedArray::from_node(right_mul::<T>(q.node(), ur.node())) } else { q.dot(&ur)? };
    Ok((u, s, vt))
}

/// Randomized truncated SVD with `k` components and `n_power_iter` power iterations
/// (dask's `svd_compressed`); `seed` fixes the random test matrix.
pub fn svd_compressed<T: LinalgFloat>(
    a: &ChunkedArray<T>,
    k: usize,
    n_power_iter: usize,
    seed: u64,
) -> Result<(ChunkedArray<T>, ChunkedArray<T>, ChunkedArray<T>)> {
    let (m, n) = check_2d(a, "svd_compressed")?;
    if k == 0 || k > m.min(n) {
        return Err(Error::Value(format!("svd_compressed: k = {k} must be in 1..={}", m.min(n))));
    }
    let l = (k + 10).min(m.min(n));
    let omega: ChunkedArray<T> = crate::random::Generator::new(seed)
        .standard_normal(
            &[n, l],
            crate::ChunkSpec::Explicit(crate::Chunks::explicit(vec![a.chunks().axis(1).to_vec(), vec![l]])),
        )?
        .astype::<T>();
    let mut y = a.dot(&omega)?;
    for _ in 0..n_power_iter {
        let (q, _) = qr(&y)?;
        let z = a.t().dot(&q)?;
        let (q2, _) = qr(&z)?;
        y = a.dot(&q2)?;
    }
    let (q, _) = qr(&y)?;
    let b = q.t().dot(a)?;
    let (ub, s, vt) = svd(&b)?;
    let u = q.dot(&ub)?;
    let u = u.slice(ndarray::s![.., ..k])?;
    let s = s.slice(ndarray::s![..k])?;
    let vt = vt.slice(ndarray::s![..k, ..])?;
    Ok((u, s, vt))
}

fn one_block<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<Arc<Node>> {
    Ok(a.rechunk(vec![WHOLE; a.ndim()])?.node().clone())
}

fn square<T: LinalgScalar>(a: &ChunkedArray<T>, what: &str) -> Result<usize> {
    let (m, n) = check_2d(a, what)?;
    if m != n {
        return Err(Error::LinAlg(format!("{what}: last 2 dimensions of the array must be square, got {m}×{n}")));
    }
    Ok(n)
}

fn dense<T: LinalgScalar, F>(inputs: Vec<Arc<Node>>, name: &'static str, f: F) -> Arc<Node>
where
    F: Fn(&[ndarray::ArrayView2<'_, T>]) -> Result<Mats<T>> + Send + Sync + 'static,
{
    Node::value(name, inputs, vec![1], Dense::<T, F> { f, name, _t: PhantomData })
}

/// Whether a triangular factor's diagonal has a pivot at rounding level: `|d_i| <= n·ε·max|d|`
/// (LAPACK, and so NumPy, only reports exact zeros; an exactly singular matrix factored in a
/// different order leaves a pivot of that size instead of 0).
fn has_zero_pivot<T: LinalgFloat>(diag: impl Iterator<Item = T> + Clone, n: usize) -> bool {
    let max = diag.clone().map(|d| num_traits::Float::abs(d)).fold(<T as crate::element::Element>::zero(), |a, b| {
        if b > a {
            b
        } else {
            a
        }
    });
    let tol = max * T::from_f64(n as f64) * <T as num_traits::Float>::epsilon();
    diag.into_iter().any(|d| num_traits::Float::abs(d) <= tol)
}

fn lu_checked<T: LinalgScalar>(a: &ndarray::ArrayView2<'_, T>) -> Result<faer::linalg::solvers::PartialPivLu<T>> {
    let lu = to_faer(a).partial_piv_lu();
    let u = lu.U();
    let n = u.nrows();
    if has_zero_pivot((0..n).map(|i| u[(i, i)].modulus()), n) {
        return Err(Error::LinAlg("Singular matrix".into()));
    }
    Ok(lu)
}

/// Solve `a · x = b` for square `a` (`b` a vector or a matrix of right-hand sides).
pub fn solve<T: LinalgScalar>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let n = square(a, "solve")?;
    if b.ndim() == 0 || b.ndim() > 2 || b.shape()[0] != n {
        return Err(Error::Shape(format!(
            "solve: b of shape {:?} does not match a of shape {:?}",
            b.shape(),
            a.shape()
        )));
    }
    let b2 = if b.ndim() == 1 { b.expand_dims(1)? } else { b.clone() };
    let k = b2.shape()[1];
    let node = dense::<T, _>(vec![one_block(a)?, one_block(&b2)?], "solve", |v| {
        use faer::linalg::solvers::Solve;
        let lu = lu_checked(&v[0])?;
        let x = lu.solve(to_faer(&v[1]).as_ref());
        Ok(vec![from_faer(x.as_ref())])
    });
    let x = ChunkedArray::<T>::from_node(pick::<T>(&node, 0, "solve-x", vec![n, k]));
    if b.ndim() == 1 {
        x.squeeze(Some(&[1]))
    } else {
        Ok(x)
    }
}

/// Inverse of a square matrix.
pub fn inv<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let n = square(a, "inv")?;
    let node = dense::<T, _>(vec![one_block(a)?], "inv", |v| {
        use faer::linalg::solvers::DenseSolveCore;
        Ok(vec![from_faer(lu_checked(&v[0])?.inverse().as_ref())])
    });
    Ok(ChunkedArray::from_node(pick::<T>(&node, 0, "inv", vec![n, n])))
}

/// Lower-triangular Cholesky factor `l` of a symmetric (complex: Hermitian) positive-definite
/// matrix (`a = l · lᴴ`, NumPy's convention; only the lower triangle of `a` is read, as NumPy).
pub fn cholesky<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
    let n = square(a, "cholesky")?;
    let node = dense::<T, _>(vec![one_block(a)?], "cholesky", |v| {
        let llt = to_faer(&v[0])
            .llt(faer::Side::Lower)
            .map_err(|_| Error::LinAlg("Matrix is not positive definite".into()))?;
        Ok(vec![from_faer(llt.L())])
    });
    Ok(ChunkedArray::from_node(pick::<T>(&node, 0, "cholesky", vec![n, n])))
}

/// LU decomposition with partial pivoting, `a = p · l · u` (scipy's convention): `p` a
/// permutation matrix, `l` unit lower-triangular, `u` upper-triangular.
pub fn lu<T: LinalgScalar>(a: &ChunkedArray<T>) -> Result<(ChunkedArray<T>, ChunkedArray<T>, ChunkedArray<T>)> {
    let n = square(a, "lu")?;
    let node = dense::<T, _>(vec![one_block(a)?], "lu", |v| {
        let lu = to_faer(&v[0]).partial_piv_lu();
        let (fwd, _) = lu.P().arrays();
        let n = v[0].nrows();
        // faer: rows of P·A are rows fwd[i] of A, i.e. A = Pᵀ L U
        let mut p = Array2::<T>::zeros((n, n));
        for (i, &f) in fwd.iter().enumerate() {
            p[[f, i]] = <T as crate::element::Element>::one();
        }
        Ok(vec![p, from_faer(lu.L()), from_faer(lu.U())])
    });
    let p = ChunkedArray::from_node(pick::<T>(&node, 0, "lu-p", vec![n, n]));
    let l = ChunkedArray::from_node(pick::<T>(&node, 1, "lu-l", vec![n, n]));
    let u = ChunkedArray::from_node(pick::<T>(&node, 2, "lu-u", vec![n, n]));
    Ok((p, l, u))
}

/// Least squares `min ‖a·x − b‖` (dask's two-result form): `x` as [`lstsq_with`] with NumPy's
/// default `rcond` (minimum-norm for rank-deficient `a`, any shape), and the squared residual
/// norms `‖a·x − b‖²` computed for every rank and shape (one per column of `b`; 0-d for a
/// vector `b`). NumPy's four results and its rule for when residuals are empty: [`lstsq_with`].
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::linalg;
/// let a = ChunkedArray::from_array(ndarray::array![[1.0f64, 0.0], [1.0, 1.0], [1.0, 2.0]], [2, 2]).unwrap();
/// let b = ChunkedArray::from_array(ndarray::array![1.0f64, 2.0, 2.0], [2]).unwrap();
/// let (x, res) = linalg::lstsq(&a, &b).unwrap();
/// let x = x.compute().unwrap();
/// assert!((x[0] - 7.0 / 6.0).abs() < 1e-12 && (x[1] - 0.5).abs() < 1e-12);
/// assert!((res.item().unwrap() - 1.0 / 6.0).abs() < 1e-12);
/// ```
pub fn lstsq<T: LinalgScalar>(
    a: &ChunkedArray<T>,
    b: &ChunkedArray<T>,
) -> Result<(ChunkedArray<T>, ChunkedArray<T::Part>)> {
    let x = lstsq_with(a, b, None)?.x;
    let resid = &a.dot(&x)? - b;
    let res = abs2(&resid).sum(0)?;
    Ok((x, res))
}

/// `|x|²` elementwise, in the real type.
fn abs2<T: LinalgScalar>(x: &ChunkedArray<T>) -> ChunkedArray<T::Part> {
    x.mapv(|v| {
        let m = v.modulus();
        m * m
    })
}

/// The conjugate transpose `aᴴ` (the transpose for real types).
pub(crate) fn adjoint<T: LinalgScalar>(a: &ChunkedArray<T>) -> ChunkedArray<T> {
    if T::IS_COMPLEX {
        a.conj().t()
    } else {
        a.t()
    }
}

/// Which norm [`norm`] computes (NumPy's `ord`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// Frobenius for matrices, 2-norm for vectors (NumPy's default `ord=None`).
    Fro,
    /// Vectors: sum of |x|; matrices: largest column sum of |x|.
    One,
    /// Vectors: Euclidean; matrices: largest singular value.
    Two,
    /// Vectors: max |x|; matrices: largest row sum of |x|.
    Inf,
    /// Vectors: min |x|; matrices: smallest row sum of |x|.
    NegInf,
    /// Vectors: (Σ|x|^p)^(1/p).
    P(f64),
    /// Matrices: the nuclear norm, the sum of the singular values (NumPy's `'nuc'`).
    Nuc,
}

/// The largest (`largest`) or smallest singular value of a 2-d `x`.
fn singular_value_extreme<T: LinalgScalar>(x: &ChunkedArray<T>, largest: bool) -> Result<ChunkedArray<T::Part>> {
    if x.ndim() != 2 {
        return Err(Error::Value("the matrix 2-norm is implemented for 2-d arrays".into()));
    }
    let (_, s, _) = svd(x)?;
    if largest {
        s.max(None)
    } else {
        s.min(None)
    }
}

/// [`norm`] with NumPy's `keepdims`: the normed axes stay with length 1.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::linalg::{norm_with, NormOrd};
/// let x = ndchunk::ones::<f64>(&[3, 4], [2, 2]).unwrap();
/// let n = norm_with(&x, NormOrd::Fro, 1, true).unwrap();
/// assert_eq!(n.shape(), &[3, 1]);
/// assert_eq!(n.compute().unwrap()[[0, 0]], 2.0);
/// ```
pub fn norm_with<T: LinalgScalar>(
    x: &ChunkedArray<T>,
    ord: NormOrd,
    axis: impl Into<Axes>,
    keepdims: bool,
) -> Result<ChunkedArray<T::Part>> {
    let axis = axis.into();
    let mut axes: Vec<usize> = match &axis {
        Axes::All => (0..x.ndim()).collect(),
        Axes::Some(v) => {
            v.iter().map(|&a| crate::array::structure::resolve_axis(a, x.ndim())).collect::<Result<_>>()?
        }
    };
    let mut r = norm(x, ord, axis)?;
    if keepdims {
        axes.sort_unstable();
        for a in axes {
            // resolved axes are < ndim, so they fit isize
            r = r.expand_dims(a as isize)?;
        }
    }
    Ok(r)
}

/// Vector or matrix norm (NumPy's `linalg.norm`): over all axes for `Axes::All` (a vector
/// norm of 1-D input, a matrix norm of 2-D input), over one axis (vector norms), or over two
/// axes (matrix norms, `(row_axis, col_axis)` in the order given: `axis = [1, 0]` is the norm
/// of the transposed matrices).
///
/// `NormOrd::P(p)` follows NumPy's `ord = p`: for vectors `P(0.0)` counts the non-zero
/// elements and `P(±inf)`, `P(1.0)`, `P(2.0)` are the named norms; for matrices `P(1.0)`,
/// `P(-1.0)` (smallest column sum), `P(2.0)`, `P(-2.0)` (smallest singular value) and
/// `P(±inf)` are accepted.
pub fn norm<T: LinalgScalar>(
    x: &ChunkedArray<T>,
    ord: NormOrd,
    axis: impl Into<Axes>,
) -> Result<ChunkedArray<T::Part>> {
    let axes: Vec<usize> = match axis.into() {
        Axes::All => (0..x.ndim()).collect(),
        Axes::Some(v) => {
            let mut out = Vec::with_capacity(v.len());
            for &a in &v {
                let r = crate::array::structure::resolve_axis(a, x.ndim())?;
                if out.contains(&r) {
                    return Err(Error::Value(format!("Duplicate axes given: {v:?}")));
                }
                out.push(r);
            }
            out
        }
    };
    let ax = x.mapv(|v| v.modulus());
    let vector = axes.len() == 1;
    // resolved axes are < ndim, so they fit isize
    let axs = Axes::Some(axes.iter().map(|&a| a as isize).collect());
    if !vector && axes.len() != 2 {
        return if ord == NormOrd::Fro {
            (&ax * &ax).sum(axs).map(|v| v.sqrt())
        } else {
            Err(Error::Value(format!("norm {ord:?} of {} axes: give one axis (vector) or two (matrix)", axes.len())))
        };
    }
    // NumPy's numeric `ord` values that name a norm
    let ord = match ord {
        NormOrd::P(p) if p == f64::INFINITY => NormOrd::Inf,
        NormOrd::P(p) if p == f64::NEG_INFINITY => NormOrd::NegInf,
        NormOrd::P(1.0) => NormOrd::One,
        NormOrd::P(2.0) => NormOrd::Two,
        o => o,
    };
    if vector {
        return match ord {
            NormOrd::Fro | NormOrd::Two => (&ax * &ax).sum(axs).map(|v| v.sqrt()),
            NormOrd::One => ax.sum(axs),
            NormOrd::Inf => ax.max(axs),
            NormOrd::NegInf => ax.min(axs),
            NormOrd::P(0.0) => x.ne(<T as Element>::zero())?.astype::<T::Part>().sum(axs), // NaN counts, as in NumPy
            NormOrd::P(p) if p.is_nan() => Err(Error::Value("invalid norm order NaN for vectors".into())),
            NormOrd::Nuc => Err(Error::Value("invalid norm order 'nuc' for vectors".into())),
            NormOrd::P(p) => {
                let s = ax.powf(<T::Part as Element>::from_f64(p)).sum(axs)?;
                Ok(s.powf(<T::Part as Element>::from_f64(1.0 / p)))
            }
        };
    }
    let (r, c) = (axes[0] as isize, axes[1] as isize);
    // after summing over one axis, the other's index shifts down if it came after it
    let c_after_r = if c > r { c - 1 } else { c };
    let r_after_c = if r > c { r - 1 } else { r };
    match ord {
        NormOrd::Fro => (&ax * &ax).sum(axs).map(|v| v.sqrt()),
        NormOrd::One => ax.sum(r)?.max(c_after_r),
        NormOrd::P(-1.0) => ax.sum(r)?.min(c_after_r),
        NormOrd::Inf => ax.sum(c)?.max(r_after_c),
        NormOrd::NegInf => ax.sum(c)?.min(r_after_c),
        NormOrd::Two => singular_value_extreme(x, true),
        NormOrd::P(-2.0) => singular_value_extreme(x, false),
        NormOrd::Nuc => {
            if x.ndim() != 2 {
                return Err(Error::Value("the nuclear norm is implemented for 2-d arrays".into()));
            }
            svd(x)?.1.sum(None)
        }
        NormOrd::P(p) => Err(Error::Value(format!("invalid norm order {p} for matrices"))),
    }
}
