//! `topk`/`argtopk` planner: dask's per-block top-k, then a tree of merges along the axis.
//!
//! Every block keeps, lane by lane, its `|k|` largest (or smallest) elements with their global
//! positions; groups of up to 8 neighbouring results along the axis are concatenated and cut
//! to `|k|` again until one remains, which is sorted (decreasing for `k > 0`) into the output
//! block. Memory per lane is `|k|` elements per block in flight, whatever the axis length.

use std::any::Any;
use std::cmp::Ordering;
use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayView1, Axis, IxDyn};

use crate::chunks::Chunks;
use crate::element::{Element, Ordered};
use crate::error::{Error, Result};
use crate::graph::{as_array, ravel, Block, BlockData, Dep, Node, Op};

const SPLIT: usize = 8;

/// Kept elements of a group of blocks: values and their global positions along the axis.
struct Parts<T> {
    vals: ArrayD<T>,
    idx: ArrayD<i64>,
}

impl<T: Ordered> BlockData for Parts<T> {
    fn nbytes(&self) -> usize {
        self.vals.len() * std::mem::size_of::<T>() + self.idx.len() * 8
    }
}

struct TopkOp<T, U> {
    axis: usize,
    m: usize,
    largest: bool,
    /// Grid of the previous level (`None`: this level reads the input's blocks).
    prev_grid: Option<Vec<usize>>,
    last: bool,
    arg: bool,
    _t: PhantomData<fn(T) -> U>,
}

/// Positions (within the lane) of the kept elements, in output order.
fn keep<T: Ordered>(vals: ArrayView1<'_, T>, idx: ArrayView1<'_, i64>, m: usize, largest: bool) -> Vec<usize> {
    let keys: Vec<T::SortKey> = vals.iter().map(|&v| v.sort_key()).collect();
    let cmp = |&a: &usize, &b: &usize| -> Ordering {
        let o = keys[a].cmp(&keys[b]);
        let o = if largest { o.reverse() } else { o };
        o.then(idx[a].cmp(&idx[b]))
    };
    let mut pos: Vec<usize> = (0..keys.len()).collect();
    let m = m.min(pos.len());
    if m == 0 {
        return Vec::new();
    }
    if m < pos.len() {
        pos.select_nth_unstable_by(m - 1, cmp);
        pos.truncate(m);
    }
    pos.sort_unstable_by(cmp);
    pos
}

impl<T: Ordered, U: Element> Op for TopkOp<T, U> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        match &self.prev_grid {
            None => out.push(Dep { input: 0, block: ravel(&node.grid, b) }),
            Some(g) => {
                let mut p = b.to_vec();
                for j in b[self.axis] * SPLIT..((b[self.axis] + 1) * SPLIT).min(g[self.axis]) {
                    p[self.axis] = j;
                    out.push(Dep { input: 0, block: ravel(g, &p) });
                }
            }
        }
    }

    fn run(&self, node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let ax = Axis(self.axis);
        let (vals, idx): (ArrayD<T>, ArrayD<i64>) = match &self.prev_grid {
            None => {
                let x = as_array::<T>(&inputs[0])?;
                let start = node.inputs[0].meta().chunks.start(self.axis, b[self.axis]) as i64;
                let idx = ArrayD::from_shape_fn(x.raw_dim(), |p| start + p[self.axis] as i64);
                (x.to_owned(), idx)
            }
            Some(_) => {
                let parts: Vec<&Parts<T>> = inputs
                    .iter()
                    .map(|b| {
                        (b.as_ref() as &dyn Any)
                            .downcast_ref::<Parts<T>>()
                            .ok_or_else(|| Error::DType("internal: not a topk partial".into()))
                    })
                    .collect::<Result<_>>()?;
                let v: Vec<_> = parts.iter().map(|p| p.vals.view()).collect();
                let i: Vec<_> = parts.iter().map(|p| p.idx.view()).collect();
                let cat = |e: ndarray::ShapeError| Error::Shape(format!("internal: topk merge: {e}"));
                (ndarray::concatenate(ax, &v).map_err(cat)?, ndarray::concatenate(ax, &i).map_err(cat)?)
            }
        };
        let mut shape = vals.shape().to_vec();
        let mm = self.m.min(shape[self.axis]);
        shape[self.axis] = mm;
        let mut ov = ArrayD::<T>::from_elem(IxDyn(&shape), T::zero());
        let mut oi = ArrayD::<i64>::zeros(IxDyn(&shape));
        for (((lv, li), mut dv), mut di) in
            vals.lanes(ax).into_iter().zip(idx.lanes(ax)).zip(ov.lanes_mut(ax)).zip(oi.lanes_mut(ax))
        {
            for (j, p) in keep(lv, li, self.m, self.largest).into_iter().enumerate() {
                dv[j] = lv[p];
                di[j] = li[p];
            }
        }
        if !self.last {
            return Ok(Arc::new(Parts { vals: ov, idx: oi }));
        }
        let any: Box<dyn Any> = if self.arg { Box::new(oi.into_shared()) } else { Box::new(ov.into_shared()) };
        let out = any
            .downcast::<ndarray::ArcArray<U, IxDyn>>()
            .map_err(|_| Error::DType("internal: topk output type".into()))?;
        Ok(Arc::new(*out))
    }
}

/// Plan `topk` (`arg == false`, `U == T`) or `argtopk` (`arg == true`, `U == i64`) of `k`
/// along `axis` (block lengths along it must be known).
pub fn topk_node<T: Ordered, U: Element>(input: Arc<Node>, axis: usize, k: isize, arg: bool) -> Result<Arc<Node>> {
    let meta = input.meta().clone();
    let want = if arg { crate::element::DType::I64 } else { T::DTYPE };
    if U::DTYPE != want {
        return Err(Error::DType(format!("internal: topk output {} for {}", U::DTYPE, T::DTYPE)));
    }
    let m = k.unsigned_abs().min(meta.shape[axis]);
    let op = |prev_grid: Option<Vec<usize>>, last: bool| TopkOp::<T, U> {
        axis,
        m,
        largest: k > 0,
        prev_grid,
        last,
        arg,
        _t: PhantomData,
    };
    let finish = |level: Arc<Node>, o: TopkOp<T, U>| {
        let mut chunks: Vec<Vec<usize>> = (0..meta.shape.len()).map(|a| meta.chunks.axis(a).to_vec()).collect();
        chunks[axis] = vec![m];
        let mut shape = meta.shape.clone();
        shape[axis] = m;
        Node::array::<U>(if arg { "argtopk" } else { "topk" }, vec![level], shape, Chunks::explicit(chunks), o)
    };
    let mut grid = input.grid.clone();
    if grid[axis] <= 1 {
        return Ok(finish(input, op(None, true)));
    }
    let mut level = Node::value("topk-partial", vec![input], grid.clone(), op(None, false));
    loop {
        let mut next = grid.clone();
        next[axis] = grid[axis].div_ceil(SPLIT);
        if next[axis] == 1 {
            return Ok(finish(level, op(Some(grid), true)));
        }
        level = Node::value("topk-merge", vec![level], next.clone(), op(Some(grid), false));
        grid = next;
    }
}
