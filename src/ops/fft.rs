//! The block op of `ndchunk::fft`: a one-dimensional transform along one axis, block by block.
//!
//! A transform needs whole lanes, so the input is first rechunked to one block along the
//! transformed axis (dask raises instead; here the rechunk is automatic and shows in the graph
//! as `rechunk` nodes before the `fft` node). The other axes keep their chunks, so each output
//! block depends on exactly one input block, at the same grid position. The per-lane math is
//! `ndchunk_kernels::fft`.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, Dep, Node, Op, OutWindow};
use crate::ops::rechunk::{rechunk_planned, RechunkOptions};

/// A kernel over one block: the block with the transform along the op's axis applied.
pub type Kernel<I, O> = dyn Fn(ArrayViewD<'_, I>) -> std::result::Result<ArrayD<O>, String> + Send + Sync;

/// The same kernel writing into a view of the output block's shape (`compute()`'s result).
pub type IntoKernel<I, O> =
    dyn Fn(ArrayViewD<'_, I>, ArrayViewMutD<'_, O>) -> std::result::Result<(), String> + Send + Sync;

/// A block's transform, allocating its output or writing into given memory.
pub struct Kernels<I, O> {
    pub alloc: Arc<Kernel<I, O>>,
    pub into: Arc<IntoKernel<I, O>>,
}

struct AlongAxis<I, O> {
    kernel: Kernels<I, O>,
    key: String,
    _t: PhantomData<fn(I) -> O>,
}

impl<I: Element, O: Element> Op for AlongAxis<I, O> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        out.push(Dep { input: 0, block: ravel(&node.inputs[0].grid, b) });
    }

    fn run(&self, node: &Node, _b: &[usize], inputs: &[Block]) -> Result<Block> {
        let x = as_array::<I>(&inputs[0])?;
        let y = (self.kernel.alloc)(x.view()).map_err(|e| Error::Value(format!("{}: {e}", node.name)))?;
        Ok(Arc::new(y.into_shared()))
    }

    /// Transforms straight into the result: an FFT's output is as large as its input, and a
    /// fresh block plus the copy into the result doubled the time of `compute()` of a 256 MB
    /// transform (page faults of the block, then the copy).
    fn run_into(&self, node: &Node, _b: &[usize], inputs: &[Block], dst: &mut OutWindow) -> Option<Result<()>> {
        let mut run = || -> Result<()> {
            let x = as_array::<I>(&inputs[0])?;
            let shape = dst.shape().to_vec();
            let out =
                dst.view_mut::<O>().ok_or_else(|| Error::Value(format!("{}: result of another type", node.name)))?;
            if out.shape() != shape.as_slice() {
                return Err(Error::Shape(format!("{}: window of shape {shape:?}", node.name)));
            }
            (self.kernel.into)(x.view(), out).map_err(|e| Error::Value(format!("{}: {e}", node.name)))
        };
        Some(run())
    }

    fn writes_in_place(&self) -> bool {
        true
    }

    fn key(&self) -> Option<String> {
        Some(self.key.clone())
    }
}

/// `inp` (element type `I`) transformed along `axis` into lanes of `out_len` elements of type
/// `O`, the axis first rechunked to one block.
pub fn along_axis<I: Element, O: Element>(
    inp: &Arc<Node>,
    axis: usize,
    out_len: usize,
    name: &'static str,
    key: String,
    kernel: Kernels<I, O>,
) -> Result<Arc<Node>> {
    let m = inp.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: name.into() });
    }
    let mut whole = m.chunks.as_slices().to_vec();
    whole[axis] = vec![m.shape[axis]];
    let whole = Chunks::explicit(whole);
    let inp =
        if whole == m.chunks { inp.clone() } else { rechunk_planned(inp, whole.clone(), &RechunkOptions::default())? };
    let mut out = whole.as_slices().to_vec();
    out[axis] = vec![out_len];
    let chunks = Chunks::checked(out)?;
    crate::chunks::check_size(&chunks.shape(), std::mem::size_of::<O>())?;
    let op = AlongAxis::<I, O> { kernel, key, _t: PhantomData };
    Ok(Node::array::<O>(name, vec![inp], chunks.shape(), chunks, op))
}
