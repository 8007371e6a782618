//! `ndchunk::blockwise`: block functions aligned by index letters (dask's `da.blockwise`).
//!
//! `blockwise("ij,jk->ik", (&a, &b), f)` names every axis of every input with a letter. Axes
//! with the same letter are aligned: their lengths must agree and their chunks are unified (the
//! common refinement). Letters of the output are the output's axes, in its order; a letter
//! that appears only in the inputs is contracted: the inputs are made one block along it (dask's
//! `concatenate=True`), so `f` sees the whole extent and reduces it away. `f` receives one view
//! per input, in the inputs' own axis order, and the [`BlockInfo`] of the output block, and
//! returns the output block (the output letters' block lengths).
//!
//! ```
//! use ndchunk::prelude::*;
//! use ndchunk::{blockwise, BlockInfo};
//! let a = ndchunk::ones::<f64>(&[4, 6], [2, 3]).unwrap();
//! let b = ndchunk::ones::<f64>(&[6, 5], [2, 5]).unwrap();
//! // a matrix product, block by block (j is contracted: each call sees all of it)
//! let c = blockwise("ij,jk->ik", (&a, &b), |(x, y), _: &BlockInfo| {
//!     let x = x.into_dimensionality::<ndarray::Ix2>().unwrap();
//!     let y = y.into_dimensionality::<ndarray::Ix2>().unwrap();
//!     x.dot(&y).into_dyn()
//! })
//! .unwrap();
//! assert_eq!(c.shape(), &[4, 5]);
//! assert!(c.compute().unwrap().iter().all(|&v| v == 6.0));
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::ArrayD;

use crate::array::map_blocks::{BlockArgs, BlockElems, BlockInfo, InputBlockInfo, ViewsOf};
use crate::array::ChunkedArray;
use crate::chunks::{Chunks, UNKNOWN};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{ravel, Block, Dep, Node, Op};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// The letters of `spec` (`"ij,jk->ik"`): one string per input and the output's.
fn parse(spec: &str, n_inputs: usize) -> Result<(Vec<Vec<char>>, Vec<char>)> {
    let (ins, out) = spec
        .split_once("->")
        .ok_or_else(|| Error::Value(format!("blockwise: {spec:?} has no '->' before the output's indices")))?;
    let ins: Vec<Vec<char>> = ins.split(',').map(|s| s.trim().chars().collect()).collect();
    let out: Vec<char> = out.trim().chars().collect();
    if ins.len() != n_inputs {
        return Err(Error::Value(format!("blockwise: {spec:?} names {} inputs, {n_inputs} were given", ins.len())));
    }
    for s in ins.iter().chain(std::iter::once(&out)) {
        if let Some(c) = s.iter().find(|c| !c.is_ascii_alphabetic()) {
            return Err(Error::Value(format!("blockwise: index {c:?} in {spec:?} is not a letter")));
        }
    }
    for (k, s) in ins.iter().enumerate() {
        if (1..s.len()).any(|i| s[..i].contains(&s[i])) {
            return Err(Error::Value(format!("blockwise: input {k} repeats an index in {spec:?}")));
        }
    }
    if (1..out.len()).any(|i| out[..i].contains(&out[i])) {
        return Err(Error::Value(format!("blockwise: the output repeats an index in {spec:?}")));
    }
    if let Some(c) = out.iter().find(|c| !ins.iter().any(|s| s.contains(c))) {
        return Err(Error::Value(format!("blockwise: output index {c:?} is in no input of {spec:?}")));
    }
    Ok((ins, out))
}

/// `f` over the blocks of `inputs` aligned by the index letters of `spec` (see the module
/// docs). Lengths of one letter that differ are an `Error::Shape`; a block of another shape
/// than the output letters' block lengths is an `Error::Shape` when computed.
pub fn blockwise<I, U, F>(spec: &str, inputs: I, f: F) -> Result<ChunkedArray<U>>
where
    I: BlockArgs,
    U: Element,
    F: for<'a> Fn(ViewsOf<'a, I>, &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
{
    let nodes = inputs.nodes();
    let (ins, out) = parse(spec, nodes.len())?;
    // length and chunks of every letter
    let mut length: BTreeMap<char, usize> = BTreeMap::new();
    let mut cuts: BTreeMap<char, Vec<Vec<usize>>> = BTreeMap::new();
    for (n, letters) in nodes.iter().zip(&ins) {
        let m = n.meta();
        if letters.len() != m.shape.len() {
            return Err(Error::Value(format!(
                "blockwise: {} indices for an input of {} dimensions",
                letters.len(),
                m.shape.len()
            )));
        }
        for (a, &c) in letters.iter().enumerate() {
            if let Some(&l) = length.get(&c) {
                if l != m.shape[a] {
                    return Err(Error::Shape(format!("blockwise: index {c:?} has lengths {l} and {}", m.shape[a])));
                }
            }
            length.insert(c, m.shape[a]);
            cuts.entry(c).or_default().push(m.chunks.axis(a).to_vec());
        }
    }
    let mut chunks_of: BTreeMap<char, Vec<usize>> = BTreeMap::new();
    for (&c, all) in &cuts {
        let chunks = if !out.contains(&c) {
            vec![length[&c]] // contracted: one block
        } else if all.iter().any(|ch| ch.contains(&UNKNOWN)) {
            if all.windows(2).any(|w| w[0] != w[1]) {
                return Err(Error::UnknownChunkSizes { op: "blockwise over differently chunked arrays".into() });
            }
            all[0].clone()
        } else {
            let refs: Vec<&[usize]> = all.iter().map(Vec::as_slice).collect();
            refine(&refs)
        };
        chunks_of.insert(c, chunks);
    }
    let mut aligned = Vec::with_capacity(nodes.len());
    for (n, letters) in nodes.iter().zip(&ins) {
        let want = Chunks::explicit(letters.iter().map(|c| chunks_of[c].clone()).collect());
        aligned.push(if want == n.meta().chunks { n.clone() } else { rechunk_node(n, want)? });
    }
    let chunks = Chunks::checked(out.iter().map(|c| chunks_of[c].clone()).collect())?;
    let shape = chunks.shape();
    // for each input axis: the output axis it follows, or None (contracted: block 0)
    let follow: Vec<Vec<Option<usize>>> =
        ins.iter().map(|s| s.iter().map(|c| out.iter().position(|o| o == c)).collect()).collect();
    let op = Blockwise::<I::Elems, U, F> { f, follow, _t: PhantomData };
    Ok(ChunkedArray::from_node(Node::array::<U>("blockwise", aligned, shape, chunks, op)))
}

struct Blockwise<E, U, F> {
    f: F,
    follow: Vec<Vec<Option<usize>>>,
    _t: PhantomData<fn(E) -> U>,
}

impl<E, U, F> Blockwise<E, U, F> {
    fn input_block(&self, k: usize, b: &[usize]) -> Vec<usize> {
        self.follow[k].iter().map(|o| o.map_or(0, |o| b[o])).collect()
    }
}

impl<E, U, F> Op for Blockwise<E, U, F>
where
    E: BlockElems,
    U: Element,
    F: for<'a> Fn(E::Views<'a>, &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
{
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        for (k, inp) in node.inputs.iter().enumerate() {
            out.push(Dep { input: k as u32, block: ravel(&inp.grid, &self.input_block(k, b)) });
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let meta = node.meta();
        let known = |c: &Chunks, ix: &[usize]| if c.is_known() { c.block_ranges(ix) } else { Vec::new() };
        let info = BlockInfo {
            block_id: b.to_vec(),
            num_blocks: node.grid.clone(),
            location: known(&meta.chunks, b),
            shape: meta.shape.clone(),
            chunk_shape: if meta.chunks.is_known() { meta.chunks.block_shape(b) } else { Vec::new() },
            inputs: node
                .inputs
                .iter()
                .enumerate()
                .map(|(k, inp)| {
                    let ib = self.input_block(k, b);
                    InputBlockInfo {
                        location: known(&inp.meta().chunks, &ib),
                        block_id: ib,
                        num_blocks: inp.grid.clone(),
                        shape: inp.meta().shape.clone(),
                    }
                })
                .collect(),
        };
        let y = (self.f)(E::views(inputs)?, &info);
        if meta.chunks.is_known() && y.shape() != info.chunk_shape.as_slice() {
            return Err(Error::Shape(format!(
                "blockwise function returned a block of shape {:?} where {:?} was expected",
                y.shape(),
                info.chunk_shape
            )));
        }
        Ok(Arc::new(y.into_shared()))
    }
}
