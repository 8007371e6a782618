//! Block matrix products: `C += A · B` on one block, single-threaded.
//!
//! Floats go through faer's GEMM (≈100 GFLOP/s here against ndarray's 27–39), or the
//! system's OpenBLAS with the `openblas` feature (single thread, measured here on 2026-12-01:
//! faer at 0.96–1.04 of OpenBLAS's time on 1000² and 1250² products, 1.11–1.26 on 2500³;
//! Debian's OpenBLAS 0.3.21 needs `OPENBLAS_CORETYPE=SKYLAKEX` on CPUs newer than it, or it
//! runs a generic kernel at a fifth of the speed); the scheduler
//! runs many block products in parallel, so each call is sequential (`Par::Seq`) and the pool
//! is not oversubscribed (with OpenBLAS, also run with `OPENBLAS_NUM_THREADS=1`: the pool
//! OpenBLAS starts when it loads otherwise competes with the workers). Views of any strides
//! (a transposed block, a block of a larger array), for the operands and the accumulator
//! alike, are handed to faer as they are, without copies. Integer and bool products
//! accumulate in `i64`/`u64` (NumPy would wrap in the input type) with a plain i-k-j loop.

use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::complex::Complex;
use crate::element::{Arith, Element};

/// Elements with a block matrix product accumulating into `Self::SumOut`.
pub trait Gemm: Element {
    /// `c += a · b` (`c` is `a.nrows() × b.ncols()`, any layout).
    fn gemm_acc(c: &mut ArrayViewMut2<'_, Self::SumOut>, a: &ArrayView2<'_, Self>, b: &ArrayView2<'_, Self>);

    /// `c = a · b`, never reading `c`. The first product into a freshly allocated (zeroed,
    /// untouched) block should use this: reading first maps the shared zero page, and the
    /// write that follows costs a copy-on-write fault with a cross-CPU TLB flush per page
    /// (measured: 20% of a 5000² product).
    fn gemm_set(c: &mut ArrayViewMut2<'_, Self::SumOut>, a: &ArrayView2<'_, Self>, b: &ArrayView2<'_, Self>) {
        c.fill(<Self::SumOut as Element>::zero());
        Self::gemm_acc(c, a, b)
    }
}

/// A faer view of any 2-D ndarray view (faer takes arbitrary, also negative, strides).
fn faer_view<'a, T: faer::traits::ComplexField>(a: &'a ArrayView2<'a, T>) -> MatRef<'a, T> {
    let (r, c) = a.dim();
    let st = a.strides();
    // SAFETY: `a` is a valid ndarray view: for every i < r, j < c the address
    // `a.as_ptr() + i*st[0] + j*st[1]` is an element of its allocation, alive for 'a, and no
    // mutable alias exists while `a` is borrowed. faer's MatRef with the same pointer, shape
    // and strides only reads those addresses, for at most 'a.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), r, c, st[0], st[1]) }
}

/// A mutable faer view of any 2-D ndarray view.
fn faer_view_mut<'a, T: faer::traits::ComplexField>(c: &'a mut ArrayViewMut2<'_, T>) -> MatMut<'a, T> {
    let (r, n) = c.dim();
    let st = c.strides().to_vec();
    // SAFETY: `c` is a valid, uniquely borrowed ndarray view: every address
    // `c.as_mut_ptr() + i*st[0] + j*st[1]` (i < r, j < n) is an element of its allocation, and
    // distinct (i, j) are distinct addresses (ndarray forbids overlapping mutable views). The
    // returned MatMut borrows `c` mutably for 'a, so nothing else reads or writes them meanwhile.
    unsafe { MatMut::from_raw_parts_mut(c.as_mut_ptr(), r, n, st[0], st[1]) }
}

/// `c = a·b + beta·c` through OpenBLAS's cblas when the `openblas` feature is on; `false`
/// when a layout cannot be passed (negative or two non-unit strides), the caller then uses faer.
#[cfg(feature = "openblas")]
mod blas {
    use ndarray::{ArrayView2, ArrayViewMut2};

    const ROW_MAJOR: i32 = 101;
    const NO_TRANS: i32 = 111;
    const TRANS: i32 = 112;

    #[link(name = "openblas")]
    extern "C" {
        fn openblas_set_num_threads(n: i32);
        fn cblas_dgemm(
            o: i32,
            ta: i32,
            tb: i32,
            m: i32,
            n: i32,
            k: i32,
            alpha: f64,
            a: *const f64,
            lda: i32,
            b: *const f64,
            ldb: i32,
            beta: f64,
            c: *mut f64,
            ldc: i32,
        );
        fn cblas_sgemm(
            o: i32,
            ta: i32,
            tb: i32,
            m: i32,
            n: i32,
            k: i32,
            alpha: f32,
            a: *const f32,
            lda: i32,
            b: *const f32,
            ldb: i32,
            beta: f32,
            c: *mut f32,
            ldc: i32,
        );
    }

    static ONE_THREAD: std::sync::Once = std::sync::Once::new();

    /// (transpose flag, leading dimension) of a view with one unit stride.
    fn layout<T>(v: &ArrayView2<'_, T>) -> Option<(i32, i32)> {
        let (r, c) = v.dim();
        let s = v.strides();
        if (s[1] == 1 || c <= 1) && s[0] >= c.max(1) as isize {
            Some((NO_TRANS, s[0].max(1) as i32))
        } else if (s[0] == 1 || r <= 1) && s[1] >= r.max(1) as isize {
            Some((TRANS, s[1].max(1) as i32))
        } else {
            None
        }
    }

    macro_rules! gemm_fn {
        ($name:ident, $t:ty, $cblas:ident) => {
            pub fn $name(
                c: &mut ArrayViewMut2<'_, $t>,
                a: &ArrayView2<'_, $t>,
                b: &ArrayView2<'_, $t>,
                beta: $t,
            ) -> bool {
                let (Some((ta, lda)), Some((tb, ldb))) = (layout(a), layout(b)) else { return false };
                let (m, n, k) = (c.nrows(), c.ncols(), a.ncols());
                let Some(cs) = c.as_slice_mut() else { return false };
                if m == 0
                    || n == 0
                    || k == 0
                    || [m, n, k, lda as usize, ldb as usize].iter().any(|&x| x > i32::MAX as usize)
                {
                    return false;
                }
                // the scheduler runs many products at once: one OpenBLAS thread per call
                // SAFETY: a plain FFI call with an integer argument.
                ONE_THREAD.call_once(|| unsafe { openblas_set_num_threads(1) });
                // SAFETY: `a` is m×k and `b` k×n ndarray views whose element (i, j) lies at
                // ptr + i·s0 + j·s1; `layout` only accepts views with a unit stride on one axis
                // and the other stride >= the extent of the unit-stride axis, which is exactly
                // cblas's (trans, ld) description of the same addresses, all inside the views'
                // allocations. `c` is an m×n row-major slice (ldc = n) that nothing else
                // aliases while borrowed mutably. cblas reads a and b and writes only c.
                unsafe {
                    $cblas(
                        ROW_MAJOR,
                        ta,
                        tb,
                        m as i32,
                        n as i32,
                        k as i32,
                        1.0,
                        a.as_ptr(),
                        lda,
                        b.as_ptr(),
                        ldb,
                        beta,
                        cs.as_mut_ptr(),
                        n as i32,
                    );
                }
                true
            }
        };
    }

    gemm_fn!(dgemm, f64, cblas_dgemm);
    gemm_fn!(sgemm, f32, cblas_sgemm);
}

/// Route f64/f32 products to OpenBLAS when enabled and the layout allows.
trait Blas: Sized {
    fn blas(
        _c: &mut ArrayViewMut2<'_, Self>,
        _a: &ArrayView2<'_, Self>,
        _b: &ArrayView2<'_, Self>,
        _beta_one: bool,
    ) -> bool {
        false
    }
}

#[cfg(feature = "openblas")]
impl Blas for f64 {
    fn blas(c: &mut ArrayViewMut2<'_, f64>, a: &ArrayView2<'_, f64>, b: &ArrayView2<'_, f64>, beta_one: bool) -> bool {
        blas::dgemm(c, a, b, if beta_one { 1.0 } else { 0.0 })
    }
}

#[cfg(feature = "openblas")]
impl Blas for f32 {
    fn blas(c: &mut ArrayViewMut2<'_, f32>, a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>, beta_one: bool) -> bool {
        blas::sgemm(c, a, b, if beta_one { 1.0 } else { 0.0 })
    }
}

#[cfg(not(feature = "openblas"))]
impl Blas for f64 {}
#[cfg(not(feature = "openblas"))]
impl Blas for f32 {}

macro_rules! float_gemm {
    ($t:ty) => {
        impl Gemm for $t {
            fn gemm_acc(c: &mut ArrayViewMut2<'_, $t>, a: &ArrayView2<'_, $t>, b: &ArrayView2<'_, $t>) {
                let (m, n) = (c.nrows(), c.ncols());
                if m == 0 || n == 0 || a.ncols() == 0 {
                    return;
                }
                if <$t as Blas>::blas(c, a, b, true) {
                    return;
                }
                faer::linalg::matmul::matmul(faer_view_mut(c), Accum::Add, faer_view(a), faer_view(b), 1.0, Par::Seq);
            }

            fn gemm_set(c: &mut ArrayViewMut2<'_, $t>, a: &ArrayView2<'_, $t>, b: &ArrayView2<'_, $t>) {
                let (m, n) = (c.nrows(), c.ncols());
                if m == 0 || n == 0 {
                    return;
                }
                if a.ncols() == 0 {
                    c.fill(0.0);
                    return;
                }
                if <$t as Blas>::blas(c, a, b, false) {
                    return;
                }
                faer::linalg::matmul::matmul(
                    faer_view_mut(c),
                    Accum::Replace,
                    faer_view(a),
                    faer_view(b),
                    1.0,
                    Par::Seq,
                );
            }
        }
    };
}

float_gemm!(f32);
float_gemm!(f64);

macro_rules! complex_gemm {
    ($f:ty) => {
        impl Gemm for Complex<$f> {
            fn gemm_acc(c: &mut ArrayViewMut2<'_, Self>, a: &ArrayView2<'_, Self>, b: &ArrayView2<'_, Self>) {
                if c.is_empty() || a.ncols() == 0 {
                    return;
                }
                let one = Complex::new(1.0, 0.0);
                faer::linalg::matmul::matmul(faer_view_mut(c), Accum::Add, faer_view(a), faer_view(b), one, Par::Seq);
            }

            fn gemm_set(c: &mut ArrayViewMut2<'_, Self>, a: &ArrayView2<'_, Self>, b: &ArrayView2<'_, Self>) {
                if c.is_empty() {
                    return;
                }
                if a.ncols() == 0 {
                    c.fill(Complex::new(0.0, 0.0));
                    return;
                }
                let one = Complex::new(1.0, 0.0);
                faer::linalg::matmul::matmul(
                    faer_view_mut(c),
                    Accum::Replace,
                    faer_view(a),
                    faer_view(b),
                    one,
                    Par::Seq,
                );
            }
        }
    };
}

// complex64/complex128 through faer's complex GEMM (sums in the element type, as NumPy)
complex_gemm!(f32);
complex_gemm!(f64);

macro_rules! int_gemm {
    ($($t:ty),*) => {$(
        impl Gemm for $t {
            fn gemm_acc(c: &mut ArrayViewMut2<'_, Self::SumOut>, a: &ArrayView2<'_, $t>, b: &ArrayView2<'_, $t>) {
                let bs = b.mapv(|v| v.to_acc());
                for (i, arow) in a.rows().into_iter().enumerate() {
                    let mut crow = c.row_mut(i);
                    for (k, &av) in arow.iter().enumerate() {
                        let av = av.to_acc();
                        if av == <Self::SumOut as Element>::zero() {
                            continue;
                        }
                        for (cv, &bv) in crow.iter_mut().zip(bs.row(k)) {
                            *cv = cv.num_add(av.num_mul(bv));
                        }
                    }
                }
            }
        }
    )*};
}

int_gemm!(i8, i16, i32, i64, u8, u16, u32, u64, bool);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn float_layouts_agree_with_ndarray() {
        let a = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f64 * 0.1);
        let b = Array2::from_shape_fn((7, 3), |(i, j)| (i as f64 - j as f64) * 0.3);
        let want = a.dot(&b);
        for at in [false, true] {
            let a2 = if at { a.t().as_standard_layout().into_owned() } else { a.clone() };
            let av = if at { a2.t() } else { a2.view() };
            let bt = b.t().to_owned();
            for bv in [b.view(), bt.t(), b.slice(ndarray::s![.., ..;1])] {
                let mut c = Array2::<f64>::zeros((5, 3));
                f64::gemm_acc(&mut c.view_mut(), &av, &bv);
                assert!(c.iter().zip(want.iter()).all(|(x, y)| (x - y).abs() < 1e-12));
            }
        }
        // strided input (neither row- nor column-major) is read in place
        let big = Array2::from_shape_fn((10, 7), |(i, j)| (i * 7 + j) as f64 * 0.1);
        let strided = big.slice(ndarray::s![..;2, ..]);
        let mut c = Array2::<f64>::zeros((5, 3));
        f64::gemm_acc(&mut c.view_mut(), &strided, &b.view());
        assert!(c.iter().zip(strided.dot(&b).iter()).all(|(x, y)| (x - y).abs() < 1e-12));
        // negative strides (reversed rows and columns)
        let rev = b.slice(ndarray::s![..;-1, ..;-1]);
        let mut c = Array2::<f64>::zeros((5, 3));
        f64::gemm_acc(&mut c.view_mut(), &a.view(), &rev);
        assert!(c.iter().zip(a.dot(&rev).iter()).all(|(x, y)| (x - y).abs() < 1e-12));
    }

    #[test]
    fn accumulator_may_be_any_view() {
        let a = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f64 * 0.1);
        let b = Array2::from_shape_fn((7, 3), |(i, j)| (i as f64 - j as f64) * 0.3);
        let want = a.dot(&b);
        // a window of a larger row-major array: only the window changes
        let mut big = Array2::<f64>::from_elem((9, 8), 1.0);
        f64::gemm_acc(&mut big.slice_mut(ndarray::s![2..7, 3..6]), &a.view(), &b.view());
        for ((i, j), &v) in big.indexed_iter() {
            let inside = (2..7).contains(&i) && (3..6).contains(&j);
            let expect = if inside { 1.0 + want[[i - 2, j - 3]] } else { 1.0 };
            assert!((v - expect).abs() < 1e-12, "({i},{j}) {v} vs {expect}");
        }
        // a column-major (transposed) accumulator, set then accumulated again
        let mut ct = Array2::<f64>::from_elem((3, 5), f64::NAN);
        f64::gemm_set(&mut ct.view_mut().reversed_axes(), &a.view(), &b.view());
        f64::gemm_acc(&mut ct.view_mut().reversed_axes(), &a.view(), &b.view());
        assert!(ct.t().iter().zip(want.iter()).all(|(x, y)| (x - 2.0 * y).abs() < 1e-12));
        // f32 through the same path
        let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        let mut c32 = Array2::<f32>::zeros((3, 5));
        f32::gemm_acc(&mut c32.view_mut().reversed_axes(), &a32.view(), &b32.view());
        assert!(c32.t().iter().zip(want.iter()).all(|(x, y)| (*x as f64 - y).abs() < 1e-4));
    }

    #[test]
    fn complex_products_agree_with_ndarray() {
        let a = Array2::from_shape_fn((4, 6), |(i, j)| Complex::new(i as f64 - 1.5, j as f64 * 0.5));
        let b = Array2::from_shape_fn((6, 3), |(i, j)| Complex::new((i * j) as f64 * 0.1, 1.0 - i as f64));
        let want = a.dot(&b);
        let mut c = Array2::from_elem((4, 3), Complex::new(f64::NAN, 0.0));
        Complex::<f64>::gemm_set(&mut c.view_mut(), &a.view(), &b.t().t());
        Complex::<f64>::gemm_acc(&mut c.view_mut(), &a.view(), &b.view());
        assert!(c.iter().zip(want.iter()).all(|(x, y)| (x - y * 2.0).norm() < 1e-12));
    }

    #[test]
    fn integers_accumulate_wide() {
        let a = Array2::from_elem((2, 3), 100i8);
        let b = Array2::from_elem((3, 2), 100i8);
        let mut c = Array2::<i64>::zeros((2, 2));
        i8::gemm_acc(&mut c.view_mut(), &a.view(), &b.view());
        assert!(c.iter().all(|&v| v == 30_000));
    }
}
