//! `einsum`: NumPy's Einstein summation over chunked arrays, lowered onto existing lazy ops.
//!
//! Semantics are NumPy's (`np.einsum`, the grammar is in the private `parse` module): a letter repeated
//! within one operand takes that operand's diagonal (`"ii->i"`; `"ii"` is the trace), a letter
//! absent from the output is summed over, size-1 axes broadcast against the other operands'
//! lengths for the same letter, and `...` stands for broadcast leading (or inner) axes.
//!
//! Lowering, per operand: repeated letters become [`ChunkedArray::diagonal`]s, axes of length
//! 1 that broadcast are squeezed away (the operand is constant along them), and letters that
//! occur in no other operand and not in the output are summed at once. Then operands are
//! contracted **pairwise, greedily**: each step takes the pair whose result has the fewest
//! elements (the leftmost pair on ties; with two operands that is the only pair). A pair is
//! transposed into the canonical `[batch, free, contracted]` / `[batch, contracted, free]`
//! order and handed to the same blocked GEMM planner as `dot`, `matmul` and `tensordot`
//! (`ops::linalg::contract`), so `einsum("ij,jk->ik")` builds exactly `dot`'s graph. A pair
//! with nothing to sum (outer or elementwise products) is a broadcasting multiply instead, and
//! one whose only kept labels are shared (row-wise dot products, `"ij,ij->i"`) a fused
//! multiply and sum. A final transpose puts the labels in output order.
//!
//! Element type: one `T` for every operand; the result is `T::SumOut` as for `dot` and `sum`
//! (the float type itself, `i64`/`u64` for integers and `bool`, wrapping on overflow like
//! NumPy's int64). NumPy keeps the input dtype (`int32` in, `int32` out; `bool` einsum is a
//! logical or-of-ands); here integers are widened first, as `dot` does.

mod parse;

use std::any::Any;

use ndchunk_kernels::gemm::Gemm;

use crate::array::ChunkedArray;
use crate::error::{Error, Result};
use crate::ops::linalg::contract::{contract_node, Layout};
use parse::{label_char, Spec};

/// An operand during lowering: its labels, one per axis.
struct Term<S: Gemm> {
    labels: Vec<usize>,
    x: ChunkedArray<S>,
}

/// Evaluate the Einstein summation `subscripts` over `operands` (NumPy's `einsum`).
///
/// Errors: a malformed subscripts string, a wrong operand count, or an output letter repeated
/// or absent from the inputs is [`Error::Value`]; lengths that disagree for one letter (and are
/// not 1) is [`Error::Shape`].
///
/// ```
/// use ndchunk::prelude::*;
/// let a = ndchunk::arange::<f64>(0.0, 6.0, 1.0, [4]).unwrap().reshape(&[2, 3]).unwrap();
/// let b = ndchunk::ones::<f64>(&[3, 2], [2, 2]).unwrap();
/// let c = ndchunk::einsum("ij,jk->ik", &[&a, &b]).unwrap(); // a.dot(&b)
/// assert_eq!(c.compute().unwrap().as_slice().unwrap(), &[3.0, 3.0, 12.0, 12.0]);
/// let sq = ndchunk::arange::<i64>(0, 9, 1, [2]).unwrap().reshape(&[3, 3]).unwrap();
/// assert_eq!(ndchunk::einsum("ii", &[&sq]).unwrap().item().unwrap(), 12); // trace
/// let d = ndchunk::einsum("ii->i", &[&sq]).unwrap(); // diagonal
/// assert_eq!(d.compute().unwrap().as_slice().unwrap(), &[0, 4, 8]);
/// let t = ndchunk::einsum("ij", &[&a]).unwrap(); // implicit output: "ij" (sorted)
/// assert_eq!(t.shape(), &[2, 3]);
/// let s = ndchunk::einsum("...j->...", &[&a]).unwrap(); // row sums
/// assert_eq!(s.compute().unwrap().as_slice().unwrap(), &[3.0, 12.0]);
/// ```
pub fn einsum<T>(subscripts: &str, operands: &[&ChunkedArray<T>]) -> Result<ChunkedArray<T::SumOut>>
where
    T: Gemm,
    T::SumOut: Gemm<SumOut = T::SumOut>,
{
    let ndims: Vec<usize> = operands.iter().map(|x| x.ndim()).collect();
    let spec = parse::parse(subscripts, &ndims)?;
    let xs: Vec<ChunkedArray<T::SumOut>> = operands.iter().map(|x| widen(x)).collect();
    lower(spec, xs)
}

/// `x` as `S`: the same array when `T` is `S`, an elementwise cast otherwise.
fn widen<T: Gemm, S: Gemm>(x: &ChunkedArray<T>) -> ChunkedArray<S> {
    match (x as &dyn Any).downcast_ref::<ChunkedArray<S>>() {
        Some(same) => same.clone(),
        None => x.astype::<S>(),
    }
}

fn shape_error(l: usize, a: usize, b: usize) -> Error {
    Error::Shape(format!(
        "einsum: operands could not be broadcast together: subscript {:?} has lengths {a} and {b}",
        label_char(l)
    ))
}

fn lower<S: Gemm<SumOut = S> + crate::element::Arith>(spec: Spec, xs: Vec<ChunkedArray<S>>) -> Result<ChunkedArray<S>> {
    // 1. diagonals of repeated labels
    let mut terms = Vec::with_capacity(xs.len());
    for (k, (labels, x)) in spec.inputs.into_iter().zip(xs).enumerate() {
        terms.push(take_diagonals(k, labels, x)?);
    }
    // 2. one length per label; broadcast length-1 axes are squeezed away
    let mut dim =
        vec![None::<usize>; spec.output.iter().chain(terms.iter().flat_map(|t| &t.labels)).max().map_or(0, |m| m + 1)];
    for t in &terms {
        for (&l, &n) in t.labels.iter().zip(t.x.shape()) {
            dim[l] = match dim[l] {
                None => Some(n),
                Some(m) if m == n || n == 1 => Some(m),
                Some(1) => Some(n),
                Some(m) => return Err(shape_error(l, m, n)),
            };
        }
    }
    for t in &mut terms {
        let squeeze: Vec<usize> =
            (0..t.labels.len()).filter(|&i| t.x.shape()[i] == 1 && dim[t.labels[i]] != Some(1)).collect();
        if !squeeze.is_empty() {
            let ax: Vec<isize> = squeeze.iter().map(|&i| i as isize).collect();
            t.x = t.x.squeeze(Some(&ax))?;
            t.labels = t.labels.iter().enumerate().filter(|(i, _)| !squeeze.contains(i)).map(|(_, &l)| l).collect();
        }
    }
    // 3. sum labels private to one operand
    let keeps: Vec<Vec<usize>> = (0..terms.len()).map(|k| kept(&spec.output, &terms, &[k])).collect();
    let mut terms = terms.into_iter().zip(keeps).map(|(t, keep)| sum_unkept(t, &keep)).collect::<Result<Vec<_>>>()?;
    // 4. pairwise contractions, smallest intermediate first
    while terms.len() > 1 {
        let (mut best, mut best_cost) = ((0, 1), u128::MAX);
        for i in 0..terms.len() {
            for j in i + 1..terms.len() {
                let keep = kept(&spec.output, &terms, &[i, j]);
                let mut labels: Vec<usize> = terms[i].labels.iter().chain(&terms[j].labels).copied().collect();
                labels.sort_unstable();
                labels.dedup();
                let cost = labels
                    .iter()
                    .filter(|l| keep.contains(l))
                    .fold(1u128, |c, &l| c.saturating_mul(dim[l].unwrap_or(1) as u128));
                if cost < best_cost {
                    (best, best_cost) = ((i, j), cost);
                }
            }
        }
        let (i, j) = best;
        let keep = kept(&spec.output, &terms, &[i, j]);
        let b = terms.remove(j);
        let a = terms.remove(i);
        terms.insert(i, contract_pair(a, b, &keep)?);
    }
    // 5. output order
    let t = terms.pop().expect("at least one operand");
    let perm: Vec<usize> = spec
        .output
        .iter()
        .map(|l| t.labels.iter().position(|m| m == l).expect("output labels survive every contraction"))
        .collect();
    debug_assert_eq!(perm.len(), t.labels.len());
    transpose_if_needed(&t.x, &perm)
}

/// Labels needed after the operands `skip` are gone: the output's and every other operand's.
fn kept<S: Gemm>(output: &[usize], terms: &[Term<S>], skip: &[usize]) -> Vec<usize> {
    let mut keep: Vec<usize> = output.to_vec();
    for (k, t) in terms.iter().enumerate() {
        if !skip.contains(&k) {
            keep.extend_from_slice(&t.labels);
        }
    }
    keep
}

fn transpose_if_needed<S: Gemm>(x: &ChunkedArray<S>, perm: &[usize]) -> Result<ChunkedArray<S>> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        Ok(x.clone())
    } else {
        x.transpose(perm)
    }
}

/// Replace each repeated label by the diagonal over its two axes (NumPy requires equal lengths).
fn take_diagonals<S: Gemm>(k: usize, mut labels: Vec<usize>, mut x: ChunkedArray<S>) -> Result<Term<S>> {
    while let Some((p, q)) =
        (0..labels.len()).find_map(|p| (p + 1..labels.len()).find(|&q| labels[q] == labels[p]).map(|q| (p, q)))
    {
        let (np_, nq) = (x.shape()[p], x.shape()[q]);
        if np_ != nq {
            return Err(Error::Shape(format!(
                "einsum: dimensions in operand {k} for collapsing index {:?} don't match ({np_} != {nq})",
                label_char(labels[p])
            )));
        }
        x = x.diagonal(0, p as isize, q as isize)?;
        let l = labels[p];
        labels.remove(q);
        labels.remove(p);
        labels.push(l);
    }
    Ok(Term { labels, x })
}

/// Sum over the labels of `t` that are not in `keep`.
fn sum_unkept<S: Gemm<SumOut = S> + crate::element::Arith>(t: Term<S>, keep: &[usize]) -> Result<Term<S>> {
    let axes: Vec<usize> = (0..t.labels.len()).filter(|&i| !keep.contains(&t.labels[i])).collect();
    if axes.is_empty() {
        return Ok(t);
    }
    let labels = t.labels.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &l)| l).collect();
    Ok(Term { labels, x: t.x.sum(axes)? })
}

/// Contract two operands: labels in both and kept are batch axes, in both and not kept are
/// summed through the block GEMM, the rest are free.
fn contract_pair<S: Gemm<SumOut = S> + crate::element::Arith>(
    a: Term<S>,
    b: Term<S>,
    keep: &[usize],
) -> Result<Term<S>> {
    // labels of one side only and not kept would be summed; step 3 already did, but be safe
    let a = sum_unkept(a, &[keep, &b.labels[..]].concat())?;
    let b = sum_unkept(b, &[keep, &a.labels[..]].concat())?;
    let in_b = |l: &usize| b.labels.contains(l);
    let in_a = |l: &usize| a.labels.contains(l);
    let batch: Vec<usize> = a.labels.iter().filter(|l| in_b(l) && keep.contains(l)).copied().collect();
    let contracted: Vec<usize> = a.labels.iter().filter(|l| in_b(l) && !keep.contains(l)).copied().collect();
    let free_a: Vec<usize> = a.labels.iter().filter(|l| !in_b(l)).copied().collect();
    let free_b: Vec<usize> = b.labels.iter().filter(|l| !in_a(l)).copied().collect();
    let pos = |t: &Term<S>, ls: &[&[usize]]| -> Vec<usize> {
        ls.iter().flat_map(|s| s.iter()).map(|l| t.labels.iter().position(|m| m == l).expect("label")).collect()
    };
    let labels: Vec<usize> = [&batch[..], &free_a, &free_b].concat();
    if contracted.is_empty() {
        // nothing to sum: a broadcasting multiply [batch, free_a, 1…] * [batch, 1…, free_b]
        let mut xa = transpose_if_needed(&a.x, &pos(&a, &[&batch, &free_a]))?;
        for _ in 0..free_b.len() {
            xa = xa.expand_dims(-1)?;
        }
        let mut xb = transpose_if_needed(&b.x, &pos(&b, &[&batch, &free_b]))?;
        for _ in 0..free_a.len() {
            xb = xb.expand_dims(batch.len() as isize)?;
        }
        return Ok(Term { labels, x: xa.mul(&xb)? });
    }
    if free_a.is_empty() && free_b.is_empty() && !batch.is_empty() {
        // row-wise dot products ("ij,ij->i"): a GEMM per batch element would be 1×n·n×1;
        // a fused multiply and sum reads each block once instead
        let xa = transpose_if_needed(&a.x, &pos(&a, &[&batch, &contracted]))?;
        let xb = transpose_if_needed(&b.x, &pos(&b, &[&batch, &contracted]))?;
        let axes: Vec<usize> = (batch.len()..batch.len() + contracted.len()).collect();
        return Ok(Term { labels, x: xa.mul(&xb)?.sum(axes)? });
    }
    let xa = transpose_if_needed(&a.x, &pos(&a, &[&batch, &free_a, &contracted]))?;
    let xb = transpose_if_needed(&b.x, &pos(&b, &[&batch, &contracted, &free_b]))?;
    let l = Layout { batch: batch.len(), free_a: free_a.len(), contracted: contracted.len(), free_b: free_b.len() };
    Ok(Term { labels, x: ChunkedArray::from_node(contract_node::<S>(xa.node(), xb.node(), l)?) })
}
