//! Rechunking: the same array cut into different blocks.
//!
//! **Direct step.** Each output block depends on the input blocks it overlaps; a block inside
//! one input block is a zero-copy slice of it, others are assembled from the overlapping
//! pieces.
//!
//! **Planning** ([`plan_rechunk`], after dask's `plan_rechunk`). A direct step from row blocks
//! to column blocks makes every output block depend on a whole row of input blocks: the number
//! of (input, output) pairs grows like Π(len(old)+len(new)−1) and each task's inputs like a
//! whole row of the array. When that count exceeds `threshold` × (old + new blocks), the
//! planner goes through intermediate chunks whose length on each axis is the geometric mean of
//! the old and new lengths (capped by `block_size_limit`), recursively: a transpose-like
//! rechunk of n×n blocks costs O(n^1.5) pairs instead of O(n²).
//!
//! **Memory bound.** A task holds its output block and the input blocks that overlap it. In a
//! planned rechunk every intermediate block is at most `block_size_limit` (default: the larger
//! of the old and new block sizes), and each output block overlaps at most
//! Π_axes(⌈new/mid⌉+1) intermediate blocks, which the geometric-mean choice keeps near
//! √(new/old) per axis.

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice};

use crate::chunks::Chunks;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, Dep, Node, Op};
use crate::with_dtype;

/// Rechunk operation: output block → overlapping input blocks.
///
/// Each output block is a box of the input, given per axis by its start (`new_offsets`) and
/// its length (`new_chunks`). For a rechunk the boxes tile the input; for [`regions_node`]
/// they may overlap one another (the haloed blocks of `overlap`) or leave parts out.
pub struct Rechunk<T> {
    /// Input block offsets per axis (with the total at the end).
    old_offsets: Vec<Vec<usize>>,
    /// Output block starts per axis, in the input's coordinates.
    new_offsets: Vec<Vec<usize>>,
    /// Per axis, per output block: the first and last+1 overlapping input block.
    overlaps: Vec<Vec<(usize, usize)>>,
    new_chunks: Chunks,
    /// Structural key (the boxes) for shared-subexpression merging.
    key: String,
    /// A rechunk proper: the boxes tile the input exactly (not `regions_node`'s boxes).
    tiles: bool,
    _t: PhantomData<fn() -> T>,
}

/// Per output box `[s, e)`, the first and last+1 input block it overlaps (`(0, 0)` if empty).
fn region_overlaps(old: &[usize], regions: &[(usize, usize)]) -> Vec<(usize, usize)> {
    regions
        .iter()
        .map(|&(s, e)| {
            if s >= e {
                return (0, 0);
            }
            // first block whose end is past `s`, first block starting at or after `e`
            let lo = old[1..].partition_point(|&end| end <= s);
            let hi = old[..old.len() - 1].partition_point(|&start| start < e);
            (lo, hi)
        })
        .collect()
}

fn overlaps(old: &[usize], new: &[usize]) -> Vec<(usize, usize)> {
    let mut res = Vec::with_capacity(new.len() - 1);
    let mut lo = 0;
    for w in new.windows(2) {
        let (s, e) = (w[0], w[1]);
        if s == e {
            res.push((0, 0));
            continue;
        }
        while old[lo + 1] <= s {
            lo += 1;
        }
        let mut hi = lo;
        while old[hi] < e {
            hi += 1;
        }
        res.push((lo, hi));
    }
    res
}

impl<T: Element> Rechunk<T> {
    fn new(old: &Chunks, new: &Chunks) -> Self {
        let nd = old.ndim();
        let old_offsets: Vec<Vec<usize>> = (0..nd).map(|a| old.offsets(a)).collect();
        let new_offsets: Vec<Vec<usize>> = (0..nd).map(|a| new.offsets(a)).collect();
        let overlaps = (0..nd).map(|a| overlaps(&old_offsets[a], &new_offsets[a])).collect();
        let key = format!("rechunk{:?}", new.as_slices());
        Rechunk { old_offsets, new_offsets, overlaps, new_chunks: new.clone(), key, tiles: true, _t: PhantomData }
    }

    /// Output blocks that are the boxes `regions[axis][i] = (start, end)` of the input.
    fn regions(old: &Chunks, regions: &[Vec<(usize, usize)>]) -> Self {
        let nd = old.ndim();
        let old_offsets: Vec<Vec<usize>> = (0..nd).map(|a| old.offsets(a)).collect();
        let new_offsets = regions.iter().map(|r| r.iter().map(|&(s, _)| s).collect()).collect();
        let overlaps = (0..nd).map(|a| region_overlaps(&old_offsets[a], &regions[a])).collect();
        let new_chunks = Chunks::explicit(regions.iter().map(|r| r.iter().map(|&(s, e)| e - s).collect()).collect());
        let key = format!("regions{regions:?}");
        Rechunk { old_offsets, new_offsets, overlaps, new_chunks, key, tiles: false, _t: PhantomData }
    }
}

impl<T: Element> Op for Rechunk<T> {
    fn deps(&self, node: &Node, b: &[usize], out: &mut Vec<Dep>) {
        let ranges: Vec<(usize, usize)> = b.iter().enumerate().map(|(a, &i)| self.overlaps[a][i]).collect();
        if ranges.iter().any(|(lo, hi)| lo == hi) {
            return; // empty output block
        }
        let grid = &node.inputs[0].grid;
        let mut idx: Vec<usize> = ranges.iter().map(|r| r.0).collect();
        loop {
            out.push(Dep { input: 0, block: crate::graph::ravel(grid, &idx) });
            let mut d = idx.len();
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < ranges[d].1 {
                    break;
                }
                idx[d] = ranges[d].0;
            }
        }
    }

    fn run(&self, _node: &Node, b: &[usize], inputs: &[Block]) -> Result<Block> {
        let shape = self.new_chunks.block_shape(b);
        let starts: Vec<usize> = b.iter().enumerate().map(|(a, &i)| self.new_offsets[a][i]).collect();
        if inputs.is_empty() {
            return Ok(Arc::new(ArrayD::<T>::from_elem(IxDyn(&shape), T::default()).into_shared()));
        }
        let ranges: Vec<(usize, usize)> = b.iter().enumerate().map(|(a, &i)| self.overlaps[a][i]).collect();
        if inputs.len() == 1 {
            // Inside one input block: a zero-copy slice.
            let src = as_array::<T>(&inputs[0])?;
            let mut v = src.clone();
            for (a, &(lo, _)) in ranges.iter().enumerate() {
                let s = starts[a] - self.old_offsets[a][lo];
                v.slice_axis_inplace(ndarray::Axis(a), Slice::from(s..s + shape[a]));
            }
            return Ok(Arc::new(v));
        }
        let mut out = ArrayD::<T>::from_elem(IxDyn(&shape), T::default());
        let mut idx: Vec<usize> = ranges.iter().map(|r| r.0).collect();
        for inp in inputs {
            let src = as_array::<T>(inp)?;
            // Overlap of input block `idx` with the output block, in both frames.
            let mut sv = src.view();
            let mut ov = out.view_mut();
            for a in 0..shape.len() {
                let (is, ie) = (self.old_offsets[a][idx[a]], self.old_offsets[a][idx[a] + 1]);
                let (os, oe) = (starts[a], starts[a] + shape[a]);
                let (s, e) = (is.max(os), ie.min(oe));
                sv.slice_axis_inplace(ndarray::Axis(a), Slice::from(s - is..e - is));
                ov.slice_axis_inplace(ndarray::Axis(a), Slice::from(s - os..e - os));
            }
            ov.assign(&sv);
            // next input block in C order
            let mut d = idx.len();
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                if idx[d] < ranges[d].1 {
                    break;
                }
                idx[d] = ranges[d].0;
            }
        }
        Ok(Arc::new(out.into_shared()))
    }

    fn key(&self) -> Option<String> {
        Some(self.key.clone())
    }
}

/// Options of the rechunk planner.
#[derive(Clone, Copy, Debug)]
pub struct RechunkOptions {
    /// Largest intermediate block, in bytes (default: the larger of the old and new blocks).
    pub block_size_limit: Option<usize>,
    /// Growth factor of the direct graph over (old + new blocks) above which intermediate
    /// steps are planned (dask's default: 4).
    pub threshold: f64,
}

impl Default for RechunkOptions {
    fn default() -> Self {
        RechunkOptions { block_size_limit: None, threshold: 4.0 }
    }
}

/// Upper bound on the (input block, output block) pairs of a direct rechunk.
pub fn direct_pairs(old: &Chunks, new: &Chunks) -> f64 {
    (0..old.ndim()).map(|a| (old.axis(a).len() + new.axis(a).len()) as f64 - 1.0).product::<f64>().max(1.0)
}

fn max_block_elems(c: &Chunks) -> usize {
    c.chunksize().iter().map(|&x| x.max(1)).product()
}

/// The chunkings to go through from `old` to `new` (the last is `new`).
pub fn plan_rechunk(old: &Chunks, new: &Chunks, itemsize: usize, opts: &RechunkOptions) -> Vec<Chunks> {
    let mut steps = Vec::new();
    let mut cur = old.clone();
    let limit_elems = opts
        .block_size_limit
        .map(|b| (b / itemsize.max(1)).max(1))
        .unwrap_or_else(|| max_block_elems(old).max(max_block_elems(new)));
    for _ in 0..8 {
        let pairs = direct_pairs(&cur, new);
        let blocks = (cur.nblocks() + new.nblocks()) as f64;
        if pairs <= opts.threshold * blocks || cur.ndim() < 2 {
            break;
        }
        let shape = cur.shape();
        let mut sizes: Vec<usize> = (0..cur.ndim())
            .map(|a| {
                let n = shape[a].max(1) as f64;
                let o = n / cur.axis(a).len() as f64;
                let w = n / new.axis(a).len() as f64;
                ((o * w).sqrt().round() as usize).clamp(1, shape[a].max(1))
            })
            .collect();
        // keep intermediate blocks within the byte limit: shrink the largest axis
        while sizes.iter().product::<usize>() > limit_elems {
            let (a, _) = sizes.iter().enumerate().max_by_key(|(_, &s)| s).expect("ndim >= 2");
            if sizes[a] == 1 {
                break;
            }
            sizes[a] = sizes[a].div_ceil(2);
        }
        let Ok(axes) = (0..cur.ndim()).map(|a| crate::chunks::uniform_axis(shape[a], sizes[a])).collect() else {
            break; // no intermediate with this many blocks
        };
        let mid = Chunks::explicit(axes);
        if mid == cur || mid == *new || direct_pairs(&cur, &mid) + direct_pairs(&mid, new) >= pairs {
            break;
        }
        steps.push(mid.clone());
        cur = mid;
    }
    steps.push(new.clone());
    steps
}

/// `inp` rechunked to `new` through the planned steps.
pub fn rechunk_planned(inp: &Arc<Node>, new: Chunks, opts: &RechunkOptions) -> Result<Arc<Node>> {
    let m = inp.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
    }
    let new = crate::chunks::ChunkSpec::Explicit(new).normalize(&m.shape, m.dtype.itemsize(), usize::MAX)?;
    let mut node = inp.clone();
    for step in plan_rechunk(&m.chunks, &new, m.dtype.itemsize(), opts) {
        node = rechunk_node(&node, step)?;
    }
    Ok(node)
}

/// A node whose block `(i, j, ..)` is the box `regions[0][i] × regions[1][j] × ..` of `inp`
/// (`(start, end)` per axis, inside the input's shape): the haloed blocks of `overlap`, which
/// overlap their neighbours, and the trimmed blocks after it. A box inside one input block is a
/// zero-copy slice of it; others are assembled from the pieces, as a rechunk's.
pub fn regions_node(inp: &Arc<Node>, name: &'static str, regions: &[Vec<(usize, usize)>]) -> Result<Arc<Node>> {
    let m = inp.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: name.into() });
    }
    if regions.len() != m.shape.len()
        || regions.iter().zip(&m.shape).any(|(r, &n)| r.iter().any(|&(s, e)| s > e || e > n))
    {
        return Err(Error::Chunks(format!("internal: {name} boxes {regions:?} outside shape {:?}", m.shape)));
    }
    with_dtype!(m.dtype, T => {
        let op = Rechunk::<T>::regions(&m.chunks, regions);
        let chunks = op.new_chunks.clone();
        Ok(Node::array::<T>(name, vec![inp.clone()], chunks.shape(), chunks, op))
    })
}

/// The input of `node` when `node` is a rechunk that gathers: some output block is assembled
/// from pieces of several input blocks. A consumer that does not depend on how its input is
/// cut (a reduction: every element is folded once, whichever block holds it) reads the input
/// directly instead, so the pieces stream into it and no gathered block is ever materialised
/// (`x.rechunk(cols).sum()` on row blocks held the whole array). Pure splits are left alone:
/// they are zero-copy and are what gives a single big block its parallelism.
pub fn gathering_rechunk_input(node: &Node) -> Option<Arc<Node>> {
    let dtype = node.meta.as_ref()?.dtype;
    let gathers = with_dtype!(dtype, T => {
        (node.op.as_ref() as &dyn std::any::Any)
            .downcast_ref::<Rechunk<T>>()
            .is_some_and(|r| r.tiles && r.overlaps.iter().flatten().any(|&(lo, hi)| hi > lo + 1))
    });
    gathers.then(|| node.inputs[0].clone())
}

/// A node holding `inp` cut into `new` chunks in one direct step (checked against the shape).
pub fn rechunk_node(inp: &Arc<Node>, new: Chunks) -> Result<Arc<Node>> {
    let m = inp.meta();
    if !m.chunks.is_known() {
        return Err(Error::UnknownChunkSizes { op: "rechunk".into() });
    }
    let new = crate::chunks::ChunkSpec::Explicit(new).normalize(&m.shape, m.dtype.itemsize(), usize::MAX)?;
    if new == m.chunks {
        return Ok(inp.clone());
    }
    with_dtype!(m.dtype, T => {
        let op = Rechunk::<T>::new(&m.chunks, &new);
        Ok(Node::array::<T>("rechunk", vec![inp.clone()], m.shape.clone(), new, op))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_like_rechunks_get_an_intermediate_step() {
        let old = Chunks::uniform(&[1000, 1000], &[1, 1000]).unwrap();
        let new = Chunks::uniform(&[1000, 1000], &[1000, 1]).unwrap();
        let steps = plan_rechunk(&old, &new, 8, &RechunkOptions::default());
        assert!(steps.len() >= 2, "{:?}", steps.iter().map(|c| c.chunksize()).collect::<Vec<_>>());
        let mut cur = old.clone();
        let mut pairs = 0.0;
        for s in &steps {
            pairs += direct_pairs(&cur, s);
            cur = s.clone();
        }
        assert!(pairs < direct_pairs(&old, &new) / 10.0, "{pairs}");
        // simple splits and merges stay direct
        let a = Chunks::uniform(&[1000, 1000], &[100, 100]).unwrap();
        let b = Chunks::uniform(&[1000, 1000], &[200, 50]).unwrap();
        assert_eq!(plan_rechunk(&a, &b, 8, &RechunkOptions::default()).len(), 1);
    }

    #[test]
    fn overlap_ranges() {
        // old blocks [0,4) [4,8) [8,10); new [0,3) [3,9) [9,10)
        assert_eq!(overlaps(&[0, 4, 8, 10], &[0, 3, 9, 10]), vec![(0, 1), (0, 3), (2, 3)]);
        // the same through boxes, plus overlapping and empty boxes
        let old = [0, 4, 8, 10];
        assert_eq!(region_overlaps(&old, &[(0, 3), (3, 9), (9, 10)]), vec![(0, 1), (0, 3), (2, 3)]);
        assert_eq!(region_overlaps(&old, &[(0, 5), (3, 10), (4, 8), (5, 5)]), vec![(0, 2), (0, 3), (1, 2), (0, 0)]);
    }
}
