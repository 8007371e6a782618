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
//! [`apply_gufunc_with`] adds several outputs (`"(i)->(),()"`, the function returning one array
//! per output) and dask's `vectorize=False` (its default): the function is then called once per
//! block, on views holding the block's loop axes before the core axes, and returns whole output
//! blocks. Departures from dask: all outputs share one element type; the inputs' loop axes are
//! broadcast to the common loop shape before the call (dask hands each input's own block, with
//! length-1 or missing loop axes, for the function to broadcast); core axes are rechunked to one
//! block rather than refused (dask's `allow_rechunk=False` raises).
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
use crate::graph::{ravel, ArrayBlock, Block, BlockData, Dep, Node, Op};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// The core letters of each input and of each output of a signature like `"(i,j),(j)->(i)"`
/// or `"(i)->(),()"`.
/// The core letters of each operand (input or output) of a signature.
type CoreLetters = Vec<Vec<char>>;

fn parse(sig: &str) -> Result<(CoreLetters, CoreLetters)> {
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
    let groups = |side: &str| -> Result<CoreLetters> {
        let mut groups = Vec::new();
        let mut rest = side.trim();
        while !rest.is_empty() {
            let end = rest.find(')').ok_or_else(bad)?;
            groups.push(group(&rest[..=end])?);
            rest = rest[end + 1..].trim_start().strip_prefix(',').unwrap_or(&rest[end + 1..]).trim();
        }
        Ok(groups)
    };
    let (ins, out) = sig.split_once("->").ok_or_else(bad)?;
    let outs = groups(out)?;
    if outs.is_empty() {
        return Err(bad());
    }
    Ok((groups(ins)?, outs))
}

/// The inputs broadcast and aligned for a gufunc: loop axes with unified chunks, core axes in
/// one block.
struct Planned {
    aligned: Vec<Arc<Node>>,
    /// Number of loop axes.
    nl: usize,
    loop_chunks: Vec<Vec<usize>>,
    /// The core shape of each output.
    out_cores: Vec<Vec<usize>>,
}

fn plan<I: BlockArgs>(signature: &str, inputs: &I, output_sizes: &[(char, usize)]) -> Result<Planned> {
    let nodes = inputs.nodes();
    let (cores, out_groups) = parse(signature)?;
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
    let out_cores: Vec<Vec<usize>> = out_groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|c| {
                    size.get(c)
                        .copied()
                        .ok_or_else(|| Error::Value(format!("apply_gufunc: no size for output core dimension {c:?}")))
                })
                .collect::<Result<Vec<usize>>>()
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
    Ok(Planned { aligned, nl, loop_chunks, out_cores })
}

impl Planned {
    /// Chunks of output `k`: the loop chunks, then its core axes in one block each.
    fn out_chunks(&self, k: usize) -> Result<Chunks> {
        let mut out_chunks = self.loop_chunks.clone();
        out_chunks.extend(self.out_cores[k].iter().map(|&len| vec![len]));
        Chunks::checked(out_chunks)
    }
}

/// `f` at every loop position of the inputs' leading axes, on their core axes named by
/// `signature` (see the module docs). Core lengths that differ between inputs are an
/// `Error::Shape`; a core result of another shape is an `Error::Shape` when computed. One
/// output; several, or whole blocks per call: [`apply_gufunc_with`].
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
    let p = plan(signature, &inputs, output_sizes)?;
    if p.out_cores.len() != 1 {
        return Err(Error::Value(format!(
            "apply_gufunc: {signature:?} has {} outputs; use apply_gufunc_with for several",
            p.out_cores.len()
        )));
    }
    let chunks = p.out_chunks(0)?;
    let shape = chunks.shape();
    let op = Gufunc::<I::Elems, U, F> { f, nl: p.nl, out_core_shape: p.out_cores[0].clone(), _t: PhantomData };
    Ok(ChunkedArray::from_node(Node::array::<U>("apply_gufunc", p.aligned, shape, chunks, op)))
}

/// Options of [`apply_gufunc_with`] (dask's `output_sizes` and `vectorize`).
#[derive(Clone, Debug, Default)]
pub struct GufuncOptions {
    /// Lengths of core letters that appear only in outputs.
    pub output_sizes: Vec<(char, usize)>,
    /// `true`: `f` is called once per loop position with core views (NumPy's `vectorize`);
    /// `false` (dask's default): once per block, with the block's loop axes in front of the core
    /// axes, returning each output's block (loop axes of the block, then the output's core axes).
    pub vectorize: bool,
}

/// [`apply_gufunc`] with any number of outputs (`"(i)->(),()"`: `f` returns one array per
/// output, in order, all of element type `U`) and dask's `vectorize` choice (see
/// [`GufuncOptions`]). Returns the outputs in signature order. A function that returns another
/// number of arrays, or an array of another shape than declared, is `Error::Shape` when
/// computed.
///
/// ```
/// use ndchunk::prelude::*;
/// use ndchunk::{apply_gufunc_with, GufuncOptions};
/// let x = ndchunk::arange::<f64>(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[4, 3]).unwrap();
/// // the mean and the maximum of each row, one call per block (vectorize = false)
/// let opts = GufuncOptions { vectorize: false, ..Default::default() };
/// let out = apply_gufunc_with("(i)->(),()", (&x,), &opts, |(b,)| {
///     let mean = b.mean_axis(ndarray::Axis(b.ndim() - 1)).unwrap();
///     let max = b.fold_axis(ndarray::Axis(b.ndim() - 1), f64::MIN, |m, &v| m.max(v));
///     vec![mean, max]
/// })
/// .unwrap();
/// assert_eq!(out[0].compute().unwrap().as_slice().unwrap(), &[1.0, 4.0, 7.0, 10.0]);
/// assert_eq!(out[1].compute().unwrap().as_slice().unwrap(), &[2.0, 5.0, 8.0, 11.0]);
/// ```
pub fn apply_gufunc_with<I, U, F>(
    signature: &str,
    inputs: I,
    opts: &GufuncOptions,
    f: F,
) -> Result<Vec<ChunkedArray<U>>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>) -> Vec<ArrayD<U>> + Send + Sync + 'static,
{
    let p = plan(signature, &inputs, &opts.output_sizes)?;
    if p.out_cores.is_empty() {
        return Err(Error::Value(format!("apply_gufunc: {signature:?} has no outputs")));
    }
    let out_chunks: Vec<Chunks> = (0..p.out_cores.len()).map(|k| p.out_chunks(k)).collect::<Result<_>>()?;
    let grid: Vec<usize> = p.loop_chunks.iter().map(Vec::len).collect();
    let op = GufuncMulti::<I::Elems, U, F> {
        f,
        nl: p.nl,
        out_cores: p.out_cores.clone(),
        loop_chunks: Chunks::explicit(p.loop_chunks.clone()),
        vectorize: opts.vectorize,
        _t: PhantomData,
    };
    let all = Node::value("apply_gufunc", p.aligned, grid, op);
    Ok(out_chunks
        .into_iter()
        .enumerate()
        .map(|(k, chunks)| {
            let shape = chunks.shape();
            let pick = PickOutput::<U> { k, nl: p.nl, _t: PhantomData };
            ChunkedArray::from_node(Node::array::<U>("apply_gufunc-output", vec![all.clone()], shape, chunks, pick))
        })
        .collect())
}

/// Every output's block for one loop block: a 1-D array of the outputs.
struct GufuncMulti<E, U, F> {
    f: F,
    nl: usize,
    out_cores: Vec<Vec<usize>>,
    loop_chunks: Chunks,
    vectorize: bool,
    _t: PhantomData<fn(E) -> U>,
}

impl<E, U, F> GufuncMulti<E, U, F>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>) -> Vec<ArrayD<U>> + Send + Sync + 'static,
{
    fn check(&self, r: &[ArrayD<U>], lead: &[usize]) -> Result<()> {
        if r.len() != self.out_cores.len() {
            return Err(Error::Shape(format!(
                "apply_gufunc: the function returned {} arrays where the signature has {} outputs",
                r.len(),
                self.out_cores.len()
            )));
        }
        for (a, core) in r.iter().zip(&self.out_cores) {
            let want: Vec<usize> = lead.iter().chain(core).copied().collect();
            if a.shape() != want.as_slice() {
                return Err(Error::Shape(format!(
                    "apply_gufunc: the function returned shape {:?} where {want:?} was declared",
                    a.shape()
                )));
            }
        }
        Ok(())
    }
}

impl<E, U, F> Op for GufuncMulti<E, U, F>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>) -> Vec<ArrayD<U>> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        for (k, inp) in node.inputs.iter().enumerate() {
            let mut ib = b[..self.nl].to_vec();
            ib.resize(inp.grid.len(), 0);
            out.push(Dep { input: k as u32, block: ravel(&inp.grid, &ib) });
        }
    }

    fn run(&self, _: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let views = E::views(inputs)?;
        let loop_shape = self.loop_chunks.block_shape(&b[..self.nl]);
        let outs: Vec<ArrayD<U>> = if self.vectorize {
            let mut vals: Vec<Vec<U>> = self
                .out_cores
                .iter()
                .map(|c| Vec::with_capacity(loop_shape.iter().product::<usize>() * c.iter().product::<usize>()))
                .collect();
            for pos in ndarray::indices(IxDyn(&loop_shape)) {
                let r = (self.f)(E::at(&views, pos.slice()));
                self.check(&r, &[])?;
                for (v, a) in vals.iter_mut().zip(&r) {
                    v.extend(a.iter().copied());
                }
            }
            vals.into_iter()
                .zip(&self.out_cores)
                .map(|(v, core)| {
                    let shape: Vec<usize> = loop_shape.iter().chain(core).copied().collect();
                    ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| Error::Shape(e.to_string()))
                })
                .collect::<Result<_>>()?
        } else {
            let r = (self.f)(views);
            self.check(&r, &loop_shape)?;
            r
        };
        Ok(Arc::new(Outputs(outs.into_iter().map(ArrayD::into_shared).collect())))
    }
}

/// The output blocks of one [`GufuncMulti`] task; its size is theirs, for the memory cap.
struct Outputs<U>(Vec<ArrayBlock<U>>);

impl<U: Element> BlockData for Outputs<U> {
    fn nbytes(&self) -> usize {
        self.0.iter().map(|a| a.len() * std::mem::size_of::<U>()).sum()
    }
}

/// Output `k` of a [`GufuncMulti`] block (shared, not copied).
struct PickOutput<U> {
    k: usize,
    nl: usize,
    _t: PhantomData<fn() -> U>,
}

impl<U: Element> Op for PickOutput<U> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &b[..self.nl]) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        let outs = (inputs[0].as_ref() as &dyn std::any::Any)
            .downcast_ref::<Outputs<U>>()
            .ok_or_else(|| Error::DType("internal: apply_gufunc outputs expected".into()))?;
        Ok(Arc::new(outs.0[self.k].clone()))
    }
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
