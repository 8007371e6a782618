//! QR of stacked upper-triangular factors, the reduction step of TSQR, exploiting their zeros.
//!
//! TSQR's second step factors `S = [R_1; R_2; …; R_b]` (each `R_i` upper trapezoidal,
//! `k_i × n`). A dense Householder QR of `S` (`b·n × n`) spends `2mn² − ⅔n³` flops and as
//! many again forming the thin Q, most of them on entries known to be zero.
//!
//! Reordering the rows by their leading column (row `r` of every `R_i` before row `r + 1` of
//! any) turns `S` into a *staircase*: column `j` is nonzero only in its first
//! `count(j) = Σ_i min(k_i, j + 1)` rows. Householder reflectors of columns `c..c+w` then touch
//! only rows `c..count(c+w−1)`, so a blocked QR that restricts every panel factorization, every
//! trailing update and every step of forming Q to those rows does the same arithmetic as the
//! dense one on the nonzeros only: about `6n³` flops each for the factorization and for Q with
//! ten blocks, against `19n³` and `19n³` for the dense QR. Measured on the 10 × 1000² stack of
//! the `qr_10000x1000` benchmark (2 threads): dense faer QR + thin Q 0.78 s, this 0.32 s; the
//! whole benchmark went from 1.44 s to 1.04 s. The panels and updates are
//! faer's (`qr_in_place`, block Householder application); only the row ranges are ours.
//!
//! The result is a QR of the reordered `S`; rows of Q are put back in the original order, so
//! `S = Q R` holds as for the dense factorization (R's row signs may differ from faer's dense
//! QR, as between any two Householder implementations).

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::householder;
use faer::linalg::qr::no_pivoting::factor::{qr_in_place, qr_in_place_scratch};
use faer::prelude::{Reborrow, ReborrowMut};
use faer::{Conj, Mat, MatMut, Par};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;

use super::factor::LinalgScalar;

/// Columns per panel: each panel is one block reflector. 32, 64 and 96 measured within 3% of
/// each other on the 10 × 1000² stack; 192 was 15% slower (more rows of zeros per panel).
const PANEL: usize = 64;

/// QR of the row-stacked upper-trapezoidal `rs` (each `k_i × n`, entries below the diagonal
/// ignored): returns thin `(Q, R)`, `Q` of shape `Σk_i × k` in the stacking order and `R` of
/// shape `k × n`, `k = min(Σk_i, n)`, both column-major.
pub fn stacked_triangles_qr<T: LinalgScalar>(rs: &[&Array2<T>], n: usize, par: Par) -> (Array2<T>, Array2<T>) {
    stacked_triangles_qr_panels(rs, n, par, PANEL)
}

/// [`stacked_triangles_qr`] with `panel` columns per block reflector.
pub fn stacked_triangles_qr_panels<T: LinalgScalar>(
    rs: &[&Array2<T>],
    n: usize,
    par: Par,
    panel: usize,
) -> (Array2<T>, Array2<T>) {
    let panel = panel.max(1);
    let ks: Vec<usize> = rs.iter().map(|r| r.nrows()).collect();
    let m: usize = ks.iter().sum();
    let k = m.min(n);
    // rows of S grouped by leading column: position → (block, row in block)
    let offsets: Vec<usize> = ks.iter().scan(0, |acc, &ki| Some(std::mem::replace(acc, *acc + ki))).collect();
    let kmax = ks.iter().copied().max().unwrap_or(0);
    let mut origin = Vec::with_capacity(m);
    let mut source = Vec::with_capacity(m);
    for r in 0..kmax {
        for (i, &ki) in ks.iter().enumerate() {
            if r < ki {
                origin.push(offsets[i] + r);
                source.push((i, r));
            }
        }
    }
    // rows of the staircase that may be nonzero in columns 0..=j
    let count = |j: usize| -> usize { ks.iter().map(|&ki| ki.min(j + 1)).sum() };

    // S filled column by column, in parallel where allowed (the first touch of its pages is a
    // good share of the time). The matrices are faer's own: their 128-byte aligned columns
    // measured twice as fast in forming Q as an 8-byte aligned Vec viewed through faer.
    let mut s = Mat::<T>::zeros(m, n);
    for_each_column(s.as_mut(), par, |j, col| {
        for (pos, &(i, r)) in source[..count(j)].iter().enumerate() {
            col[pos] = rs[i][[r, j]];
        }
    });

    // blocked Householder QR, each panel and its trailing update restricted to the rows it touches
    let mut panels: Vec<(usize, usize, usize, Mat<T>)> = Vec::new();
    let scratch = StackReq::any_of(&[
        qr_in_place_scratch::<T>(m, panel, panel, par, Default::default()),
        householder::apply_block_householder_sequence_transpose_on_the_left_in_place_scratch::<T>(m, panel, n),
        householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(m, panel, k),
    ]);
    let mut buf = MemBuffer::new(scratch);
    let stack = MemStack::new(&mut buf);
    let mut c = 0;
    while c < k {
        let w = panel.min(k - c);
        let end = count(c + w - 1);
        let mut coeff = Mat::<T>::zeros(w, w);
        let (mut left, trailing) = s.as_mut().subrows_mut(c, end - c).split_at_col_mut(c + w);
        let mut cols = left.rb_mut().subcols_mut(c, w);
        qr_in_place(cols.rb_mut(), coeff.as_mut(), par, stack, Default::default());
        // Hᴴ (faer's own QR conjugates here too; a no-op for real types)
        householder::apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj(
            cols.rb(),
            coeff.as_ref(),
            Conj::Yes,
            trailing,
            par,
            stack,
        );
        panels.push((c, w, end, coeff));
        c += w;
    }

    let r =
        Array2::from_shape_fn((k, n).f(), |(i, j)| if j >= i { s[(i, j)] } else { <T as num_traits::Zero>::zero() });

    // thin Q of the staircase: panels applied in reverse to the first k columns of the identity;
    // columns before a panel are still unit vectors outside its rows, so only c..k change
    let mut e = Mat::<T>::zeros(m, k);
    for_each_column(e.as_mut(), par, |j, col| col[j] = <T as crate::element::Element>::one());
    for (c, w, end, coeff) in panels.iter().rev() {
        let basis = s.as_ref().submatrix(*c, *c, end - c, *w);
        let target = e.as_mut().submatrix_mut(*c, *c, end - c, k - c);
        householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            basis,
            coeff.as_ref(),
            Conj::No,
            target,
            par,
            stack,
        );
    }
    // rows back to the stacking order, column-major
    let mut q = vec![<T as num_traits::Zero>::zero(); m * k];
    if m > 0 {
        let unpermute = |(j, out): (usize, &mut [T])| {
            let col = e.as_ref().col(j).try_as_col_major().expect("owned faer matrices are column-major");
            for (pos, &v) in col.as_slice().iter().enumerate() {
                out[origin[pos]] = v;
            }
        };
        match par {
            Par::Seq => q.chunks_mut(m).enumerate().for_each(unpermute),
            _ => q.par_chunks_mut(m).enumerate().for_each(unpermute),
        }
    }
    (Array2::from_shape_vec((m, k).f(), q).expect("m * k elements"), r)
}

/// `f(j, column j)` for every column of `a`, on the pool when `par` allows.
fn for_each_column<T: LinalgScalar>(a: MatMut<'_, T>, par: Par, f: impl Fn(usize, &mut [T]) + Sync) {
    let g = |(j, col): (usize, faer::ColMut<'_, T>)| {
        f(j, col.try_as_col_major_mut().expect("owned faer matrices are column-major").as_slice_mut())
    };
    match par {
        Par::Seq => a.col_iter_mut().enumerate().for_each(g),
        _ => a.par_col_iter_mut().enumerate().for_each(g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::s;

    fn upper(k: usize, n: usize, seed: u64) -> Array2<f64> {
        let mut x = seed;
        Array2::from_shape_fn((k, n), |(i, j)| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if j >= i {
                ((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            } else {
                // garbage below the diagonal must be ignored
                1e9
            }
        })
    }

    fn check(ks: &[usize], n: usize) {
        let rs: Vec<Array2<f64>> = ks.iter().enumerate().map(|(i, &k)| upper(k, n, i as u64 + 1)).collect();
        let refs: Vec<&Array2<f64>> = rs.iter().collect();
        for par in [Par::Seq, Par::rayon(2)] {
            for panel in [1, 4, PANEL] {
                let (q, r) = stacked_triangles_qr_panels(&refs, n, par, panel);
                let m: usize = ks.iter().sum();
                let k = m.min(n);
                assert_eq!(q.dim(), (m, k));
                assert_eq!(r.dim(), (k, n));
                // the stack without the garbage below the diagonals
                let mut stack = Array2::<f64>::zeros((m, n));
                let mut row = 0;
                for x in &rs {
                    for i in 0..x.nrows() {
                        for j in i..n {
                            stack[[row + i, j]] = x[[i, j]];
                        }
                    }
                    row += x.nrows();
                }
                let qr = q.dot(&r);
                let err = (&qr - &stack).iter().fold(0.0f64, |a, v| a.max(v.abs()));
                assert!(err < 1e-12, "ks {ks:?} n {n}: |QR - S| = {err}");
                let qtq = q.t().dot(&q);
                let orth = (&qtq - &Array2::<f64>::eye(k)).iter().fold(0.0f64, |a, v| a.max(v.abs()));
                assert!(orth < 1e-12, "ks {ks:?} n {n}: |QᵀQ - I| = {orth}");
                for i in 0..k {
                    assert!(r.slice(s![i, ..i]).iter().all(|&v| v == 0.0), "R is upper triangular");
                }
            }
        }
    }

    #[test]
    fn matches_the_stack_for_even_uneven_and_short_blocks() {
        check(&[70, 70, 70], 70); // square triangles, one panel and a bit
        check(&[150, 150, 150, 150], 150); // several panels
        check(&[150, 40, 150, 3], 150); // trapezoids shorter than n
        check(&[1], 5); // fewer rows than columns
        check(&[2, 3], 9); // k = Σk_i < n
        check(&[200], 200); // one block
        check(&[1, 1, 1, 1, 1], 1); // one column
        check(&[], 4); // nothing
    }
}
