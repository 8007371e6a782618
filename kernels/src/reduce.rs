//! The per-block reduction engine: fold a block over some of its axes into accumulators.
//!
//! An [`Accumulator`] knows how to take one element (`push`), a contiguous run (`from_run`, where
//! pairwise summation and two-pass moments live) and how to merge with the accumulator of the
//! elements that follow (`merge`, where Chan's formula lives). [`reduce_axes`] walks a block in
//! the cheapest order for its layout:
//!
//! * reduced axes form the contiguous tail of a standard-layout block (`axis=None`, `axis=-1`):
//!   each output element is one `from_run` over a slice;
//! * kept axes at the end of a C-order block (`axis=0`): the block is walked one reduced
//!   position at a time, folding each contiguous slab into all accumulators (row updates that
//!   read memory in order);
//! * otherwise: per output element (a strided lane) when there are few of them, else slabs.
//!
//! Indices passed to `push`/`from_run` are flat C-order positions over the reduced axes within
//! the block, which arg-reductions turn into global indices.

use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Zip};

/// State of a reduction over a set of elements.
pub trait Accumulator<T>: Clone + Send + Sync + 'static {
    /// The accumulator of no elements.
    fn identity() -> Self;
    /// Fold in `x`, the element at reduced position `i`.
    fn push(&mut self, x: T, i: usize);
    /// Merge the accumulator of elements that come after those of `self`.
    fn merge(&mut self, later: &Self);
    /// The accumulator of a contiguous run starting at reduced position `i0`.
    fn from_run(s: &[T], i0: usize) -> Self
    where
        T: Copy,
    {
        let mut a = Self::identity();
        for (k, &x) in s.iter().enumerate() {
            a.push(x, i0 + k);
        }
        a
    }
}

/// Reduce `v` over `axes` (sorted, unique, in range): the result has `v`'s shape with the
/// reduced axes of length 1.
pub fn reduce_axes<T: Copy, A: Accumulator<T>>(v: &ArrayViewD<'_, T>, axes: &[usize]) -> ArrayD<A> {
    let ndim = v.ndim();
    let shape = v.shape();
    let mut out_shape = shape.to_vec();
    for &a in axes {
        out_shape[a] = 1;
    }
    let reduced_len: usize = axes.iter().map(|&a| shape[a]).product();
    let kept_len: usize = out_shape.iter().product();
    if kept_len == 0 {
        return ArrayD::from_shape_fn(IxDyn(&out_shape), |_| A::identity());
    }
    if reduced_len == 0 {
        return ArrayD::from_elem(IxDyn(&out_shape), A::identity());
    }

    // Fast path: the reduced axes are the trailing axes of a standard-layout block.
    let is_suffix = axes.iter().enumerate().all(|(k, &a)| a == ndim - axes.len() + k);
    if is_suffix {
        if let Some(s) = v.as_slice() {
            let accs: Vec<A> = s.chunks_exact(reduced_len).map(|run| A::from_run(run, 0)).collect();
            return ArrayD::from_shape_vec(IxDyn(&out_shape), accs).expect("shape matches");
        }
    }

    let kept_axes: Vec<usize> = (0..ndim).filter(|a| !axes.contains(a)).collect();
    // Put reduced axes first, kept axes last.
    let order: Vec<usize> = axes.iter().chain(kept_axes.iter()).copied().collect();
    let pv = v.view().permuted_axes(IxDyn(&order));
    let red_shape: Vec<usize> = axes.iter().map(|&a| shape[a]).collect();
    let kept_shape: Vec<usize> = kept_axes.iter().map(|&a| shape[a]).collect();

    let mut acc = ArrayD::from_elem(IxDyn(&kept_shape), A::identity());
    // Kept axes at the end of a C-order block: each slab is contiguous, so walking slabs reads
    // memory in order. Otherwise walk per output element when there are few of them.
    let kept_trailing =
        v.is_standard_layout() && kept_axes.iter().enumerate().all(|(k, &a)| a == ndim - kept_axes.len() + k);
    if !kept_trailing && kept_len <= reduced_len {
        // Lane per output element.
        for (kidx, slot) in ndarray::indices(IxDyn(&kept_shape)).into_iter().zip(acc.iter_mut()) {
            let mut lane = pv.view();
            for (k, &ix) in kidx.slice().iter().enumerate().rev() {
                lane.collapse_axis(Axis(axes.len() + k), ix);
            }
            // `lane` keeps the kept axes with length 1, so its C order is the reduced order.
            *slot = fold_lane(&lane);
        }
    } else {
        // Slab per reduced position, folded into all accumulators at once; contiguous slabs
        // (reducing the leading axes of a C-order block) take a plain slice loop.
        let accs = acc.as_slice_mut().expect("fresh array is contiguous");
        for (i, ridx) in ndarray::indices(IxDyn(&red_shape)).into_iter().enumerate() {
            let mut slab = pv.view();
            for (k, &ix) in ridx.slice().iter().enumerate().rev() {
                slab = slab.index_axis_move(Axis(k), ix);
            }
            match slab.as_slice() {
                Some(xs) => {
                    for (a, &x) in accs.iter_mut().zip(xs) {
                        a.push(x, i);
                    }
                }
                None => {
                    for (a, &x) in accs.iter_mut().zip(slab.iter()) {
                        a.push(x, i);
                    }
                }
            }
        }
    }
    acc.into_shape_with_order(IxDyn(&out_shape)).expect("same size")
}

/// The accumulator of every element of `v` in C order (positions `0..v.len()`).
///
/// A contiguous view is one `from_run`. A strided one whose last axis has unit stride (a
/// slice or a trimmed window of a block: `x[1:-1, 1:-1]`, the blocks after `map_overlap`) is
/// folded row by row, each row a `from_run` merged in order: per-element iteration of an
/// n-dimensional view costs several times the arithmetic (measured: a mean over trimmed
/// 1000² windows spent 48% of its time in ndarray's element iterator).
fn fold_lane<T: Copy, A: Accumulator<T>>(v: &ArrayViewD<'_, T>) -> A {
    if let Some(s) = v.as_slice() {
        return A::from_run(s, 0);
    }
    let nd = v.ndim();
    if nd > 0 && (v.strides()[nd - 1] == 1 || v.shape()[nd - 1] == 1) {
        let row_len = v.shape()[nd - 1];
        let mut acc = A::identity();
        for (r, row) in v.lanes(Axis(nd - 1)).into_iter().enumerate() {
            match row.as_slice() {
                Some(xs) => acc.merge(&A::from_run(xs, r * row_len)),
                None => {
                    for (k, &x) in row.iter().enumerate() {
                        acc.push(x, r * row_len + k);
                    }
                }
            }
        }
        return acc;
    }
    let mut acc = A::identity();
    for (i, &x) in v.iter().enumerate() {
        acc.push(x, i);
    }
    acc
}

/// Merge `later` into `acc` elementwise (both of the same shape).
pub fn merge_into<T, A: Accumulator<T>>(acc: &mut ArrayD<A>, later: &ArrayD<A>) {
    Zip::from(acc).and(later).for_each(|a, b| a.merge(b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulators::Sum;
    use ndarray::Array;

    fn sums(a: &ArrayD<f64>, axes: &[usize]) -> ArrayD<f64> {
        reduce_axes::<f64, Sum<f64>>(&a.view(), axes).mapv(|s| s.0)
    }

    #[test]
    fn every_layout_path_agrees_with_ndarray() {
        let a = Array::from_shape_fn(IxDyn(&[3, 4, 5]), |ix| (ix[0] * 100 + ix[1] * 10 + ix[2]) as f64);
        for axes in [vec![0], vec![1], vec![2], vec![0, 1], vec![1, 2], vec![0, 2], vec![0, 1, 2]] {
            let mut expect = a.clone();
            for &ax in axes.iter().rev() {
                expect = expect.sum_axis(Axis(ax)).insert_axis(Axis(ax));
            }
            assert_eq!(sums(&a, &axes), expect, "axes {axes:?}");
            // transposed (non-standard layout) input
            let t = a.view().reversed_axes().to_owned();
            let tt = t.view().reversed_axes();
            assert_eq!(reduce_axes::<f64, Sum<f64>>(&tt, &axes).mapv(|s| s.0), expect);
        }
    }

    #[test]
    fn windows_with_unit_rows_fold_row_by_row_with_c_order_positions() {
        use crate::accumulators::ArgExtreme;
        let big = Array::from_shape_fn(IxDyn(&[6, 7, 9]), |ix| ((ix[0] * 31 + ix[1] * 17 + ix[2] * 5) % 23) as f64);
        let win = big.slice(ndarray::s![1..5, 2..6, 1..8]).into_dyn();
        assert!(win.as_slice().is_none() && win.strides()[2] == 1);
        let owned = win.to_owned();
        for axes in [vec![0, 1, 2], vec![1, 2], vec![2], vec![0], vec![0, 2]] {
            assert_eq!(
                reduce_axes::<f64, Sum<f64>>(&win, &axes).mapv(|s| s.0),
                reduce_axes::<f64, Sum<f64>>(&owned.view(), &axes).mapv(|s| s.0),
                "axes {axes:?}"
            );
            // positions handed to arg-reductions are the same as for the contiguous copy
            let got = reduce_axes::<f64, ArgExtreme<f64, true, false>>(&win, &axes).mapv(|a| a.i);
            let want = reduce_axes::<f64, ArgExtreme<f64, true, false>>(&owned.view(), &axes).mapv(|a| a.i);
            assert_eq!(got, want, "argmax axes {axes:?}");
        }
        // a 1-d strided view (no unit stride) takes the element path
        let strided = big.slice(ndarray::s![0, 0, ..;2]).into_dyn();
        let want: f64 = strided.iter().sum();
        assert_eq!(reduce_axes::<f64, Sum<f64>>(&strided, &[0])[[0]].0, want);
    }

    #[test]
    fn empty_axes_give_identity() {
        let a = ArrayD::<f64>::zeros(IxDyn(&[0, 3]));
        let r = sums(&a, &[0]);
        assert_eq!(r.shape(), &[1, 3]);
        assert!(r.iter().all(|&x| x == 0.0));
        let r = sums(&a, &[1]);
        assert_eq!(r.shape(), &[0, 1]);
    }
}
