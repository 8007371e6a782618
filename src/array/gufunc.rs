//! `ndchunk::apply_gufunc`: a function on core dimensions, looped over the others (dask's
//! `apply_gufunc(..., vectorize=True)`, NumPy's `vectorize(signature=...)`).
//!
//! The signature `"(i,j),(j)->(i)"` names the trailing (core) axes of each input and of the
//! output. The leading (loop) axes of the inputs broadcast as in NumPy and keep their chunks
//! (unified). Core axes are made one block (dask requires that and raises otherwise; here they
//! are rechunked). The function is called once per loop position with one view of core axes
//! per input and returns the output's core array; core letters that appear only in the output
//! get their lengths from `output_sizes`.
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::apply_gufunc;
//! let a = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[4, 3]).unwrap();
//! let b = ChunkedArray::from_array(ndarray::arr1(&[1.0, 0.0, -1.0]), [2]).unwrap();
//! // a dot product over the core letter i, looped over a's rows (b broadcasts)
//! let d = apply_gufunc("(i),(i)->()", (&a, &b), &[], |(x, y)| {
//!     ndarray::arr0(x.iter().zip(y.iter()).map(|(p, q)| p * q).sum::<f64>()).into_dyn()
//! })
//! .unwrap();
//! assert_eq!(d.compute().unwrap().as_slice().unwrap(), &[-2.0, -2.0, -2.0, -2.0]);
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, Dimension, IxDyn};

use crate::array::map_blocks::{BlockArgs, BlockElems, ViewsOf};
use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{ravel, Block, Dep, Node, Op};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// The core letters of each input and of the output of a signature like `"(i,j),(j)->(i)"`.
fn parse(sig: &str) -> Result<(Vec<Vec<char>>, Vec<char>)> {
    let bad = || Error::Value(format!("apply_gufunc: {sig:?} is not a signature like \"(i,j),(j)->(i)\""));
    let group = |s: &str| -> Result<Vec<char>> {
        let inner = s.trim().strip_prefix('(').and_then(|s| s.strip_suffix(')')).ok_or_else(bad)?;
        let mut out = Vec::new();
        for t in inner.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let mut cs = t.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => out.push(c),
                _ => return Err(bad()),
            }
        }
        Ok(out)
    };
    let (ins, out) = sig.split_once("->").ok_or_else(bad)?;
    let mut groups = Vec::new();
    let mut rest = ins.trim();
    while !rest.is_empty() {
        let end = rest.find(')').ok_or_else(bad)?;
        groups.push(group(&rest[..=end])?);
        rest = rest[end + 1..].trim_start().strip_prefix(',').unwrap_or(&rest[end + 1..]).trim();
    }
    Ok((groups, group(out)?))
}

/// `f` at every loop position of the inputs' leading axes, on their core axes named by
/// `signature` (see the module docs). Core lengths that differ between inputs are an
/// `Error::Shape`; a core result of another shape is an `Error::Shape` when computed.
pub fn apply_gufunc<I, U, F>(
    signature: &str,
    inputs: I,
    output_sizes: &[(char, usize)],
    f: F,
) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>) -> ArrayD<U> + Send + Sync + 'static,
{
    let nodes = inputs.nodes();
    let (cores, out_core) = parse(signature)?;
    if cores.len() != nodes.len() {
        return Err(Error::Value(format!(
            "apply_gufunc: {signature:?} names {} inputs, {} were given",
            cores.len(),
            nodes.len()
        )));
    }
    let mut size: BTreeMap<char, usize> = output_sizes.iter().copied().collect();
    let mut loop_shape: Vec<usize> = Vec::new();
    for (n, core) in nodes.iter().zip(&cores) {
        let s = &n.meta().shape;
        if s.len() < core.len() {
            return Err(Error::Value(format!(
                "apply_gufunc: an input of {} dimensions has {} core dimensions",
                s.len(),
                core.len()
            )));
        }
        let nl = s.len() - core.len();
        for (k, &c) in core.iter().enumerate() {
            let len = s[nl + k];
            if let Some(l) = size.insert(c, len) {
                if l != len {
                    return Err(Error::Shape(format!("apply_gufunc: core dimension {c:?} has lengths {l} and {len}")));
                }
            }
        }
        // NumPy broadcasting of the loop shapes
        let ls = &s[..nl];
        let nd = loop_shape.len().max(ls.len());
        let mut b = vec![1; nd];
        for (i, slot) in b.iter_mut().enumerate() {
            let get = |v: &[usize]| if i + v.len() >= nd { v[i + v.len() - nd] } else { 1 };
            let (x, y) = (get(&loop_shape), get(ls));
            *slot = if x == 1 {
                y
            } else if y == 1 || y == x {
                x
            } else {
                return Err(Error::Broadcast { a: loop_shape.clone(), b: ls.to_vec() });
            };
        }
        loop_shape = b;
    }
    let out_core_shape: Vec<usize> = out_core
        .iter()
        .map(|c| {
            size.get(c)
                .copied()
                .ok_or_else(|| Error::Value(format!("apply_gufunc: no size for output core dimension {c:?}")))
        })
        .collect::<Result<_>>()?;
    // every input broadcast to (loop shape, its core shape), loop chunks unified, core one block
    let shapes: Vec<Vec<usize>> = nodes
        .iter()
        .zip(&cores)
        .map(|(n, core)| {
            let s = &n.meta().shape;
            loop_shape.iter().copied().chain(s[s.len() - core.len()..].iter().copied()).collect()
        })
        .collect();
    let wide = <I::Elems as BlockElems>::broadcast(&nodes, &shapes)?;
    let nl = loop_shape.len();
    let mut loop_chunks = Vec::with_capacity(nl);
    for a in 0..nl {
        let all: Vec<&[usize]> = wide.iter().map(|n| n.meta().chunks.axis(a)).collect();
        if all.iter().any(|c| c.contains(&crate::chunks::UNKNOWN)) {
            return Err(Error::UnknownChunkSizes { op: "apply_gufunc".into() });
        }
        loop_chunks.push(refine(&all));
    }
    let mut aligned = Vec::with_capacity(wide.len());
    for (n, s) in wide.iter().zip(&shapes) {
        let mut ch = loop_chunks.clone();
        ch.extend(s[nl..].iter().map(|&len| vec![len]));
        aligned.push(rechunk_node(n, Chunks::explicit(ch))?);
    }
    let mut out_chunks = loop_chunks;
    out_chunks.extend(out_core_shape.iter().map(|&len| vec![len]));
    let chunks = Chunks::checked(out_chunks)?;
    let shape = chunks.shape();
    let op = Gufunc::<I::Elems, U, F> { f, nl, out_core_shape, _t: PhantomData };
    Ok(ChunkedArray::from_node(Node::array::<U>("apply_gufunc", aligned, shape, chunks, op)))
}

struct Gufunc<E, U, F> {
    f: F,
    /// Number of loop axes.
    nl: usize,
    out_core_shape: Vec<usize>,
    _t: PhantomData<fn(E) -> U>,
}

impl<E, U, F> Op for Gufunc<E, U, F>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>) -> ArrayD<U> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        for (k, inp) in node.inputs.iter().enumerate() {
            let mut ib = b[..self.nl].to_vec();
            ib.resize(inp.grid.len(), 0);
            out.push(Dep { input: k as u32, block: ravel(&inp.grid, &ib) });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let views = E::views(inputs)?;
        let block_shape = node.meta().chunks.block_shape(b);
        let loop_shape = &block_shape[..self.nl];
        let per: usize = self.out_core_shape.iter().product();
        let mut vals: Vec<U> = Vec::with_capacity(loop_shape.iter().product::<usize>() * per);
        for pos in ndarray::indices(IxDyn(loop_shape)) {
            let r = (self.f)(E::at(&views, pos.slice()));
            if r.shape() != self.out_core_shape.as_slice() {
                return Err(Error::Shape(format!(
                    "apply_gufunc: the function returned shape {:?} where {:?} was declared",
                    r.shape(),
                    self.out_core_shape
                )));
            }
            vals.extend(r.iter().copied());
        }
        let y = ArrayD::from_shape_vec(IxDyn(&block_shape), vals).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(Arc::new(y.into_shared()))
    }
}
