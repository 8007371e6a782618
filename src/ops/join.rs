//! Joining and broadcasting: `concatenate`, and `broadcast_to`.
//!
//! Concatenation only renumbers blocks (zero-copy): the output's blocks along the axis are the
//! inputs' blocks in order, after the other axes are rechunked to a common refinement.
//! `broadcast_to` materialises each output block from the one input block it repeats.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::IxDyn;

use crate::chunks::{Chunks, UNKNOWN};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op};
use crate::ops::elementwise::refine;
use crate::ops::rechunk::rechunk_node;

/// Output block j along the axis comes from input `owner[j]`, its block `local[j]`.
struct Concat<T> {
    axis: usize,
    owner: Vec<usize>,
    local: Vec<usize>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for Concat<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let j = b[self.axis];
        let mut ib = b.to_vec();
        ib[self.axis] = self.local[j];
        let inp = self.owner[j];
        out.push(Dep { input: inp as u32, block: ravel(&node.inputs[inp].grid, &ib) });
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        Ok(inputs[0].clone())
    }
    fn key(&self) -> Option<String> {
        Some(format!("{}", self.axis))
    }
}

/// Concatenate array nodes of `T` along `axis` (shapes checked by the caller's API layer).
pub fn concat_node<T: Element>(xs: &[Arc<Node>], axis: usize) -> Result<Arc<Node>> {
    let first = xs[0].meta();
    let nd = first.shape.len();
    for x in xs {
        let m = x.meta();
        if m.shape.len() != nd || (0..nd).any(|a| a != axis && m.shape[a] != first.shape[a]) {
            return Err(Error::Shape(format!(
                "all the input array dimensions except for the concatenation axis must match exactly, got {:?} and {:?}",
                first.shape, m.shape
            )));
        }
    }
    // common chunks on the other axes
    let mut inputs = Vec::with_capacity(xs.len());
    let mut target: Vec<Vec<usize>> = Vec::new();
    for a in 0..nd {
        if a == axis {
            target.push(vec![]);
            continue;
        }
        let lists: Vec<&[usize]> = xs.iter().map(|x| x.meta().chunks.axis(a)).collect();
        if lists.iter().all(|l| *l == lists[0]) {
            target.push(lists[0].to_vec());
        } else if lists.iter().any(|l| l.contains(&UNKNOWN)) {
            return Err(Error::UnknownChunkSizes { op: "concatenate".into() });
        } else {
            target.push(refine(&lists));
        }
    }
    for x in xs {
        let m = x.meta();
        let want: Vec<Vec<usize>> =
            (0..nd).map(|a| if a == axis { m.chunks.axis(a).to_vec() } else { target[a].clone() }).collect();
        if want.as_slice() == m.chunks.as_slices() {
            inputs.push(x.clone());
        } else {
            inputs.push(rechunk_node(x, Chunks::explicit(want))?);
        }
    }
    let (mut owner, mut local, mut lens) = (Vec::new(), Vec::new(), Vec::new());
    for (i, x) in inputs.iter().enumerate() {
        for (j, &l) in x.meta().chunks.axis(axis).iter().enumerate() {
            if l == 0 && x.meta().chunks.axis(axis).len() == 1 && inputs.len() > 1 {
                continue; // an empty input contributes no block
            }
            owner.push(i);
            local.push(j);
            lens.push(l);
        }
    }
    if lens.is_empty() {
        owner.push(0);
        local.push(0);
        lens.push(0);
    }
    let mut shape = first.shape.clone();
    shape[axis] = if lens.contains(&UNKNOWN) {
        UNKNOWN
    } else {
        lens.iter().try_fold(0usize, |a, &l| a.checked_add(l)).ok_or_else(|| {
            Error::Value(format!("array is too big: concatenating {} arrays overflows axis {axis}", xs.len()))
        })?
    };
    crate::chunks::check_size(&shape, first.dtype.itemsize())?;
    let mut chunks = target;
    chunks[axis] = lens;
    let op = Concat::<T> { axis, owner, local, _t: PhantomData };
    Ok(Node::array::<T>("concatenate", inputs, shape, Chunks::checked(chunks)?, op))
}

struct BroadcastTo<T> {
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Op for BroadcastTo<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let in_shape = &node.inputs[0].meta().shape;
        let out_shape = &node.meta().shape;
        let off = out_shape.len() - in_shape.len();
        let ib: Vec<usize> = in_shape
            .iter()
            .enumerate()
            .map(|(j, &n)| if n == 1 && out_shape[j + off] != 1 { 0 } else { b[j + off] })
            .collect();
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, &ib) });
    }
    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape = node.meta().chunks.block_shape(b);
        let a = as_array::<T>(&inputs[0])?;
        let v =
            a.broadcast(IxDyn(&shape)).ok_or_else(|| Error::Broadcast { a: a.shape().to_vec(), b: shape.clone() })?;
        Ok(Arc::new(v.to_owned().into_shared()))
    }
    fn key(&self) -> Option<String> {
        Some(String::new())
    }
}

/// Plan `broadcast_to(shape)`: repeated axes get blocks of at most `max_elems` elements.
pub fn broadcast_node<T: Element>(x: &Arc<Node>, shape: &[usize], max_elems: usize) -> Result<Arc<Node>> {
    let m = x.meta();
    let out = crate::ops::elementwise::broadcast_shapes(&[&m.shape, shape])?;
    if out != shape {
        return Err(Error::Broadcast { a: m.shape.clone(), b: shape.to_vec() });
    }
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "broadcast_to".into() });
    }
    crate::chunks::check_size(shape, m.dtype.itemsize())?;
    let off = shape.len() - m.shape.len();
    let kept: usize =
        (0..m.shape.len()).filter(|&j| m.shape[j] == shape[j + off]).map(|j| m.chunks.chunksize()[j].max(1)).product();
    let mut budget = (max_elems / kept.max(1)).max(1);
    let mut chunks = vec![Vec::new(); shape.len()];
    for a in (0..shape.len()).rev() {
        let same = a >= off && m.shape[a - off] == shape[a];
        chunks[a] = if same {
            m.chunks.axis(a - off).to_vec()
        } else {
            let c = budget.min(shape[a]).max(1);
            budget = (budget / c).max(1);
            crate::chunks::uniform_axis(shape[a], c)?
        };
    }
    let op = BroadcastTo::<T> { _t: PhantomData };
    Ok(Node::array::<T>("broadcast_to", vec![x.clone()], shape.to_vec(), Chunks::checked(chunks)?, op))
}
