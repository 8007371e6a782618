//! Chunk grids: per axis, the lengths of the blocks, and the specs users write them with.
//!
//! A [`Chunks`] is dask's `chunks` tuple: for each axis the list of block lengths, summing to
//! the axis length. Block lengths may be [`UNKNOWN`] after boolean masking; such an axis has a
//! known number of blocks but not their sizes.
//!
//! A [`ChunkSpec`] is what a user passes: `"auto"`, a uniform block size per axis
//! (`[300, 3000]`, with [`WHOLE`] = `usize::MAX` for "the whole axis"), explicit lengths
//! (`Chunks::explicit`), or a mix per axis. [`ChunkSpec::normalize`] turns it into `Chunks` for a
//! shape, with errors that say what does not fit.

use std::ops::Range;

use crate::error::{Error, Result};

/// Length of a block (or axis) that is not known until computed.
pub const UNKNOWN: usize = usize::MAX;

/// In a uniform chunk spec, "the whole axis in one block" (dask's `-1`).
pub const WHOLE: usize = usize::MAX;

/// Block lengths along each axis.
#[derive(Clone, Debug)]
pub struct Chunks {
    axes: Vec<Vec<usize>>,
    /// Start of each block per axis, plus the axis length (saturating for unknown lengths).
    starts: Vec<Vec<usize>>,
    known: bool,
}

impl PartialEq for Chunks {
    fn eq(&self, o: &Self) -> bool {
        self.axes == o.axes
    }
}

impl Eq for Chunks {}

impl std::hash::Hash for Chunks {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.axes.hash(h)
    }
}

impl Chunks {
    /// Explicit block lengths per axis, e.g. `Chunks::explicit(vec![vec![2, 2, 1], vec![3]])`.
    /// Checked against the shape when used as a spec.
    pub fn explicit(axes: Vec<Vec<usize>>) -> Chunks {
        let starts = axes
            .iter()
            .map(|a| {
                let mut o = Vec::with_capacity(a.len() + 1);
                let mut acc = 0usize;
                o.push(0);
                for &l in a {
                    acc = acc.saturating_add(l);
                    o.push(acc);
                }
                o
            })
            .collect();
        let known = axes.iter().all(|a| a.iter().all(|&l| l != UNKNOWN));
        Chunks { axes, starts, known }
    }

    /// [`Chunks::explicit`] for block lists computed by a planner from a user's shape: more
    /// than [`MAX_BLOCKS`] blocks in all is `Error::Memory`.
    pub fn checked(axes: Vec<Vec<usize>>) -> Result<Chunks> {
        let shape: Vec<usize> = axes.iter().map(|a| a.iter().fold(0usize, |s, &l| s.saturating_add(l))).collect();
        check_nblocks(axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.len())), &shape)?;
        Ok(Chunks::explicit(axes))
    }

    /// Uniform blocks of `sizes[i]` along axis `i` (last block shorter), checked.
    pub fn uniform(shape: &[usize], sizes: &[usize]) -> Result<Chunks> {
        ChunkSpec::Uniform(sizes.to_vec()).normalize(shape, 8, 128 << 20)
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.axes.len()
    }

    /// Block lengths along `axis`.
    pub fn axis(&self, axis: usize) -> &[usize] {
        &self.axes[axis]
    }

    /// All axes.
    pub fn as_slices(&self) -> &[Vec<usize>] {
        &self.axes
    }

    /// Number of blocks along each axis.
    pub fn numblocks(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.len()).collect()
    }

    /// Total number of blocks.
    pub fn nblocks(&self) -> usize {
        self.axes.iter().map(|a| a.len()).product()
    }

    /// Whether every block length is known.
    pub fn is_known(&self) -> bool {
        self.known
    }

    /// Whether the block lengths along `axis` are known.
    pub fn axis_is_known(&self, axis: usize) -> bool {
        self.axes[axis].iter().all(|&l| l != UNKNOWN)
    }

    /// The array shape these chunks describe ([`UNKNOWN`] for axes with unknown lengths).
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| if a.contains(&UNKNOWN) { UNKNOWN } else { a.iter().sum() }).collect()
    }

    /// The largest block length per axis (dask's `chunksize`).
    pub fn chunksize(&self) -> Vec<usize> {
        self.axes
            .iter()
            .map(|a| if a.contains(&UNKNOWN) { UNKNOWN } else { a.iter().copied().max().unwrap_or(0) })
            .collect()
    }

    /// Start offset of each block along `axis`, plus the total at the end.
    pub fn offsets(&self, axis: usize) -> Vec<usize> {
        self.starts[axis].clone()
    }

    /// Start of block `i` along `axis` (`i == numblocks` gives the axis length).
    pub fn start(&self, axis: usize, i: usize) -> usize {
        self.starts[axis][i]
    }

    /// Shape of the block at multi-index `idx`.
    pub fn block_shape(&self, idx: &[usize]) -> Vec<usize> {
        idx.iter().zip(&self.axes).map(|(&i, a)| a[i]).collect()
    }

    /// Element ranges of the block at `idx`.
    pub fn block_ranges(&self, idx: &[usize]) -> Vec<Range<usize>> {
        idx.iter()
            .zip(&self.axes)
            .enumerate()
            .map(|(ax, (&i, a))| {
                let start = self.starts[ax][i];
                start..start + a[i]
            })
            .collect()
    }

    /// Which block along `axis` holds element `pos`, and the position within it.
    pub fn locate(&self, axis: usize, pos: usize) -> Option<(usize, usize)> {
        let st = &self.starts[axis];
        if pos >= *st.last()? {
            return None;
        }
        // last block start <= pos (zero-length blocks are skipped by taking the last one)
        let b = st.partition_point(|&s| s <= pos) - 1;
        Some((b, pos - st[b]))
    }
}

/// One axis of a per-axis chunk spec.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisSpec {
    /// Blocks of this length (last one shorter).
    Size(usize),
    /// One block spanning the axis.
    Whole,
    /// Chosen to meet the byte target together with the other auto axes.
    Auto,
    /// These exact block lengths.
    Explicit(Vec<usize>),
}

/// How to cut an array into blocks.
#[derive(Clone, Debug, PartialEq)]
pub enum ChunkSpec {
    /// Blocks of about the configured target bytes (128 MiB by default), as square as the
    /// shape allows (dask's `"auto"`).
    Auto,
    /// Like `Auto` with this many bytes per block.
    AutoBytes(usize),
    /// A block length per axis; [`WHOLE`] (`usize::MAX`) means the whole axis. Lengths larger
    /// than the axis are clamped to it.
    Uniform(Vec<usize>),
    /// Exact block lengths.
    Explicit(Chunks),
    /// A spec per axis.
    PerAxis(Vec<AxisSpec>),
    /// The same block length on every axis.
    Same(usize),
    /// A word other than `"auto"`: reported as an error when used.
    Unrecognized(String),
}

impl From<&str> for ChunkSpec {
    /// `"auto"` (anything else is kept as an error to report on use).
    fn from(s: &str) -> Self {
        if s == "auto" {
            ChunkSpec::Auto
        } else {
            ChunkSpec::Unrecognized(s.to_string())
        }
    }
}

impl<const N: usize> From<[usize; N]> for ChunkSpec {
    fn from(a: [usize; N]) -> Self {
        ChunkSpec::Uniform(a.to_vec())
    }
}

impl From<&[usize]> for ChunkSpec {
    fn from(a: &[usize]) -> Self {
        ChunkSpec::Uniform(a.to_vec())
    }
}

impl From<&Vec<usize>> for ChunkSpec {
    fn from(a: &Vec<usize>) -> Self {
        ChunkSpec::Uniform(a.clone())
    }
}

impl From<Vec<usize>> for ChunkSpec {
    fn from(a: Vec<usize>) -> Self {
        ChunkSpec::Uniform(a)
    }
}

impl From<usize> for ChunkSpec {
    /// The same block length on every axis.
    fn from(a: usize) -> Self {
        ChunkSpec::Same(a)
    }
}

impl From<Chunks> for ChunkSpec {
    fn from(c: Chunks) -> Self {
        ChunkSpec::Explicit(c)
    }
}

impl From<&Chunks> for ChunkSpec {
    fn from(c: &Chunks) -> Self {
        ChunkSpec::Explicit(c.clone())
    }
}

impl From<Vec<AxisSpec>> for ChunkSpec {
    fn from(a: Vec<AxisSpec>) -> Self {
        ChunkSpec::PerAxis(a)
    }
}

impl ChunkSpec {
    /// Turn the spec into block lengths for `shape` (elements of `itemsize` bytes;
    /// `target_bytes` is the "auto" block size).
    pub fn normalize(&self, shape: &[usize], itemsize: usize, target_bytes: usize) -> Result<Chunks> {
        let ndim = shape.len();
        let per_axis: Vec<AxisSpec> = match self {
            ChunkSpec::Auto => vec![AxisSpec::Auto; ndim],
            ChunkSpec::AutoBytes(b) => {
                return ChunkSpec::Auto.normalize(shape, itemsize, *b);
            }
            ChunkSpec::Uniform(sizes) => {
                if sizes.len() != ndim {
                    return Err(Error::Chunks(format!(
                        "{} block lengths given for an array of {} dimensions (shape {:?})",
                        sizes.len(),
                        ndim,
                        shape
                    )));
                }
                sizes.iter().map(|&s| if s == WHOLE { AxisSpec::Whole } else { AxisSpec::Size(s) }).collect()
            }
            ChunkSpec::Explicit(c) => c.axes.iter().cloned().map(AxisSpec::Explicit).collect(),
            ChunkSpec::PerAxis(v) => v.clone(),
            ChunkSpec::Same(s) => {
                return ChunkSpec::Uniform(vec![*s; ndim]).normalize(shape, itemsize, target_bytes);
            }
            ChunkSpec::Unrecognized(w) => {
                return Err(Error::Chunks(format!("unknown chunk word {w:?} (the only word accepted is \"auto\")")));
            }
        };
        if per_axis.len() != ndim {
            return Err(Error::Chunks(format!(
                "chunks for {} axes given for an array of {} dimensions (shape {:?})",
                per_axis.len(),
                ndim,
                shape
            )));
        }
        check_size(shape, itemsize)?;
        // Count the blocks before any list is built: `ones(&[1 << 40], [1])` must be an error,
        // not a 2^40-entry allocation.
        let mut nblocks = 1usize;
        for (ax, (spec, &n)) in per_axis.iter().zip(shape).enumerate() {
            let nb = match spec {
                AxisSpec::Size(s) if *s == 0 && n > 0 => {
                    return Err(Error::Chunks(format!(
                        "block length 0 on axis {ax} of length {n}: block lengths must be positive"
                    )));
                }
                AxisSpec::Size(s) if n != UNKNOWN => n.div_ceil((*s).max(1)).max(1),
                AxisSpec::Explicit(lens) => lens.len().max(1),
                _ => 1,
            };
            nblocks = check_nblocks(nblocks.checked_mul(nb), shape)?;
        }
        let mut out: Vec<Option<Vec<usize>>> = vec![None; ndim];
        for (ax, (spec, &n)) in per_axis.iter().zip(shape).enumerate() {
            out[ax] = match spec {
                AxisSpec::Size(s) => Some(uniform_axis(n, *s)?),
                AxisSpec::Whole => Some(vec![n]),
                AxisSpec::Explicit(lens) => {
                    if lens.contains(&UNKNOWN) {
                        if n != UNKNOWN {
                            return Err(Error::Chunks(format!(
                                "axis {ax} has known length {n} but unknown block lengths were given"
                            )));
                        }
                        Some(lens.clone())
                    } else {
                        let sum = lens.iter().try_fold(0usize, |a, &l| a.checked_add(l));
                        if sum != Some(n) {
                            let sum = match sum {
                                Some(v) => v.to_string(),
                                None => "more than usize::MAX".to_string(),
                            };
                            return Err(Error::Chunks(format!(
                                "block lengths {lens:?} on axis {ax} sum to {sum}, but the axis has length {n}"
                            )));
                        }
                        if lens.is_empty() {
                            return Err(Error::Chunks(format!(
                                "no blocks given for axis {ax} (an empty axis has one block of length 0)"
                            )));
                        }
                        Some(lens.clone())
                    }
                }
                AxisSpec::Auto => None,
            };
        }
        // Auto axes share what the fixed axes leave of the byte target.
        let auto_axes: Vec<usize> = (0..ndim).filter(|&a| out[a].is_none()).collect();
        if !auto_axes.is_empty() {
            let fixed: f64 = (0..ndim)
                .filter_map(|a| out[a].as_ref().map(|l| l.iter().copied().max().unwrap_or(1).max(1) as f64))
                .product();
            let mut budget = (target_bytes as f64 / itemsize.max(1) as f64 / fixed).max(1.0);
            let mut left = auto_axes.clone();
            // Axes shorter than their share take the whole axis; repeat until stable.
            loop {
                let share = budget.powf(1.0 / left.len() as f64);
                let small: Vec<usize> = left.iter().copied().filter(|&a| (shape[a] as f64) <= share).collect();
                if small.is_empty() {
                    let size = (share.floor() as usize).max(1);
                    for &a in &left {
                        nblocks = check_nblocks(nblocks.checked_mul(shape[a].div_ceil(size)), shape)?;
                    }
                    for &a in &left {
                        out[a] = Some(balanced_axis(shape[a], size)?);
                    }
                    break;
                }
                for &a in &small {
                    out[a] = Some(vec![shape[a]]);
                    budget = (budget / shape[a].max(1) as f64).max(1.0);
                }
                left.retain(|a| !small.contains(a));
                if left.is_empty() {
                    break;
                }
            }
        }
        let axes: Vec<Vec<usize>> = out.into_iter().map(|o| o.unwrap_or_default()).collect();
        check_nblocks(axes.iter().try_fold(1usize, |a, l| a.checked_mul(l.len())), shape)?;
        Ok(Chunks::explicit(axes))
    }
}

/// The most blocks one array may have. Every block is a task and an entry in the chunk lists;
/// sixteen million of them is already far past what a graph should hold (dask's advice is
/// blocks of ~100 MB), and the limit keeps a mistyped chunk size from allocating metadata in
/// proportion to the element count.
pub const MAX_BLOCKS: usize = 1 << 24;

/// `Ok(n)` when `n` blocks are allowed.
fn check_nblocks(n: Option<usize>, shape: &[usize]) -> Result<usize> {
    match n {
        Some(n) if n <= MAX_BLOCKS => Ok(n),
        _ => Err(Error::Memory(format!(
            "an array of shape {shape:?} in these chunks would have {} blocks; at most {MAX_BLOCKS} are supported: \
             choose larger chunks",
            n.map(|n| n.to_string()).unwrap_or_else(|| "more than usize::MAX".into())
        ))),
    }
}

/// NumPy's "array is too big" check: the element count and the byte size of an array of
/// `shape` must fit in `isize` (axes of [`UNKNOWN`] length are skipped).
pub fn check_size(shape: &[usize], itemsize: usize) -> Result<usize> {
    let n = shape
        .iter()
        .filter(|&&n| n != UNKNOWN)
        .try_fold(1usize, |a, &n| a.checked_mul(n))
        .filter(|n| n.checked_mul(itemsize.max(1)).is_some_and(|b| b <= isize::MAX as usize));
    n.ok_or_else(|| {
        Error::Value(format!(
            "array is too big: shape {shape:?} of {itemsize}-byte elements is larger than the maximum possible size"
        ))
    })
}

/// Blocks of `size` along an axis of length `n` (last shorter); `[0]` for an empty axis.
/// More than [`MAX_BLOCKS`] blocks is `Error::Memory`, before anything is allocated.
pub(crate) fn uniform_axis(n: usize, size: usize) -> Result<Vec<usize>> {
    if n == 0 {
        return Ok(vec![0]);
    }
    let size = size.min(n).max(1);
    check_nblocks(Some(n.div_ceil(size)), &[n])?;
    let mut v = vec![size; n / size];
    if !n.is_multiple_of(size) {
        v.push(n % size);
    }
    Ok(v)
}

/// At most `size` per block, with blocks of nearly equal length (dask rounds auto chunks the
/// same way so that the last block is not a sliver).
fn balanced_axis(n: usize, size: usize) -> Result<Vec<usize>> {
    if n == 0 {
        return Ok(vec![0]);
    }
    let nb = n.div_ceil(size.max(1));
    let even = n.div_ceil(nb);
    uniform_axis(n, even)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_with_uneven_last_block() {
        let c = Chunks::uniform(&[10, 7], &[4, 7]).unwrap();
        assert_eq!(c.axis(0), &[4, 4, 2]);
        assert_eq!(c.axis(1), &[7]);
        assert_eq!(c.block_ranges(&[2, 0]), vec![8..10, 0..7]);
        assert_eq!(c.locate(0, 9), Some((2, 1)));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = ChunkSpec::from(Chunks::explicit(vec![vec![3, 3]])).normalize(&[7], 8, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("sum to 6"), "{e}");
        let e = ChunkSpec::from([0usize]).normalize(&[7], 8, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("must be positive"), "{e}");
        let e = ChunkSpec::from([1usize, 2]).normalize(&[7], 8, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("2 block lengths"), "{e}");
        let e = ChunkSpec::from("big").normalize(&[7], 8, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("auto"), "{e}");
    }

    #[test]
    fn auto_meets_the_byte_target() {
        let c = ChunkSpec::Auto.normalize(&[30000, 30000], 8, 128 << 20).unwrap();
        let cs = c.chunksize();
        assert!(cs[0] * cs[1] * 8 <= 128 << 20);
        assert!(cs[0] * cs[1] * 8 > 32 << 20, "{cs:?}");
        // small axes are taken whole
        let c = ChunkSpec::Auto.normalize(&[3, 100_000_000], 8, 128 << 20).unwrap();
        assert_eq!(c.axis(0), &[3]);
        assert!(c.chunksize()[1] * 3 * 8 <= 128 << 20);
        // small arrays are one block
        let c = ChunkSpec::Auto.normalize(&[10, 10], 8, 128 << 20).unwrap();
        assert_eq!(c.numblocks(), vec![1, 1]);
    }

    #[test]
    fn whole_axis_and_empty_axes() {
        let c = ChunkSpec::from([WHOLE, 2]).normalize(&[5, 0], 8, 1 << 20).unwrap();
        assert_eq!(c.as_slices(), &[vec![5], vec![0]]);
        let c = ChunkSpec::from(3usize).normalize(&[5, 4], 8, 1 << 20).unwrap();
        assert_eq!(c.as_slices(), &[vec![3, 2], vec![3, 1]]);
    }
}
