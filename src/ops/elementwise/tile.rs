//! Tiled evaluation of fused elementwise expressions (numexpr-style).
//!
//! A chain like `((x - m) * (x - m)).sqrt()` is evaluated per output block one tile (1024
//! elements) at a time: each operation of the chain fills a tile-sized buffer from its
//! children's tiles, so intermediates live in L1 cache and no intermediate block is ever
//! allocated. Leaves read the input block directly: a contiguous block hands out sub-slices
//! (no copy at all), a strided or broadcast one (a transpose, a `(1, n)` row against `(m, n)`)
//! is gathered into the leaf's tile buffer.
//!
//! Each operation's closure is a concrete generic type inside its tile, so the per-element
//! loops are monomorphic and vectorise; dynamic dispatch happens once per tile.

use std::mem::MaybeUninit;
use std::sync::Arc;

use ndarray::{ArrayView2, Ix2};

use crate::element::Element;
use crate::graph::ArrayBlock;
use ndchunk_kernels::isa::{with_avx2, Kernel};

/// Elements per tile.
pub const TILE: usize = 1024;

/// A source of consecutive elements (C order) of one block.
pub trait Tile<T> {
    /// Elements `start .. start + len` of the block (`len <= TILE`).
    fn eval(&mut self, start: usize, len: usize) -> &[T];
    /// Elements `start .. start + len` written into `dst` (`dst.len() == len`): the last
    /// operation of a chain writes straight into the result instead of through its tile buffer.
    ///
    /// `dst` may be uninitialised (a result allocated without zeroing, see `graph::window`):
    /// an implementation writes every element of `dst` with a value, or panics; it never
    /// writes `MaybeUninit::uninit()`.
    fn eval_into(&mut self, start: usize, dst: &mut [MaybeUninit<T>])
    where
        T: Copy,
    {
        let src = self.eval(start, dst.len());
        assert_eq!(src.len(), dst.len(), "a tile returned {} elements for {}", src.len(), dst.len());
        for (d, &v) in dst.iter_mut().zip(src) {
            d.write(v);
        }
    }
    /// An error met while producing tiles (a failed file read), taken once after the last
    /// tile; the values produced after it are meaningless.
    fn take_error(&mut self) -> Option<crate::error::Error> {
        None
    }
}

/// A boxed tile.
pub type BoxTile<T> = Box<dyn Tile<T>>;

/// Elements a map tile computes into a stack array before copying them to its buffer.
///
/// The operation's closure lives behind an `Arc` and may capture values (the scale of
/// `around`, the bounds of `clip`); written straight into the heap buffer, every store could
/// alias those captures as far as LLVM knows, so it reloads them per element and the loop stays
/// scalar (measured: `around(2)` ran one element per iteration with two loads of its captures).
/// Stores into a local array cannot alias anything, so the captures are hoisted and the chunk
/// vectorises.
const CHUNK: usize = 64;

fn tile_buf<T: Element>(block_len: usize) -> Vec<T> {
    vec![T::default(); block_len.clamp(1, TILE)]
}

/// Reads an input block, broadcast to the consumer's block shape.
pub struct Leaf<T: Element> {
    arr: ArrayBlock<T>,
    contiguous: bool,
    shape: Vec<usize>,
    strides: Vec<isize>,
    idx: Vec<usize>,
    buf: Vec<T>,
    band: Option<Band<T>>,
    /// Unit stride along the last axis (a window of a larger array, such as `from_array`'s
    /// blocks, or a broadcast along leading axes): tiles inside one row are handed out as
    /// slices of the block, tiles across rows are copied row piece by row piece.
    unit_rows: bool,
}

/// Bytes of a [`Band`]'s buffer: about one core's L2 here (2 MiB). Measured on 2500² blocks of
/// `x + x.T`: 0.5 MiB 56 ms, 1 MiB 44 ms, 2 MiB 40 ms, 4 MiB 44 ms, 8 MiB 52 ms.
const BAND_BYTES: usize = 2 << 20;

/// A transposed 2-D block (unit stride down its columns: a transposed block, or a transposed
/// window of a larger array such as `from_array`'s blocks) read in C order through a band of
/// whole rows.
///
/// Reading such a block element by element in C order crosses a page per element on large
/// blocks; copying it to row-major first costs a second block of memory (and its page faults).
/// The band holds `h` consecutive rows (at most [`BAND_BYTES`]), filled column by column
/// with `h` consecutive source elements each, so every source cache line is read once per band.
struct Band<T> {
    rows: usize,
    cols: usize,
    h: usize,
    /// First row held, `usize::MAX` before the first fill.
    first: usize,
    band: Vec<T>,
    buf: Vec<T>,
}

impl<T: Element> Band<T> {
    /// A band reader for a `rows × cols` block with unit column stride, holding about `band`
    /// elements.
    fn new(rows: usize, cols: usize, band: usize) -> Band<T> {
        let h = (band / cols.max(1)).clamp(1, rows.max(1));
        Band { rows, cols, h, first: usize::MAX, band: vec![T::default(); h * cols], buf: tile_buf(rows * cols) }
    }

    /// Fill the band with rows `first .. first + h` of `src`.
    fn fill(&mut self, src: &ArrayView2<'_, T>, first: usize) {
        let c = self.cols;
        let h = self.h.min(self.rows - first);
        let rows = src.slice(ndarray::s![first..first + h, ..]);
        // Eight columns at a time, so each band row receives a whole cache line per pass.
        const W: usize = 8;
        let mut cols: [&[T]; W] = [&[]; W];
        let mut j0 = 0;
        let mut n = 0;
        for col in rows.columns() {
            cols[n] = col.to_slice().expect("unit stride down the columns");
            n += 1;
            if n == W || j0 + n == c {
                for i in 0..h {
                    let dst = &mut self.band[i * c + j0..i * c + j0 + n];
                    for (d, col) in dst.iter_mut().zip(&cols[..n]) {
                        *d = col[i];
                    }
                }
                j0 += n;
                n = 0;
            }
        }
        self.first = first;
    }

    /// Make the band hold `row`; returns the offset of `row`'s first element in the band and
    /// the number of elements held.
    fn hold(&mut self, src: &ArrayView2<'_, T>, row: usize) -> (usize, usize) {
        if self.first == usize::MAX || row < self.first || row >= self.first + self.h {
            self.fill(src, row);
        }
        ((row - self.first) * self.cols, self.h.min(self.rows - self.first) * self.cols)
    }

    /// Elements `start .. start + len` (C order) of the block.
    fn eval(&mut self, src: &ArrayView2<'_, T>, start: usize, len: usize) -> &[T] {
        let c = self.cols;
        let (row_off, held) = self.hold(src, start / c);
        let off = row_off + start % c;
        if off + len <= held {
            return &self.band[off..off + len];
        }
        let mut k = 0;
        while k < len {
            let (row_off, held) = self.hold(src, (start + k) / c);
            let off = row_off + (start + k) % c;
            let n = (len - k).min(held - off);
            self.buf[k..k + n].copy_from_slice(&self.band[off..off + n]);
            k += n;
        }
        &self.buf[..len]
    }
}

impl<T: Element> Leaf<T> {
    /// A leaf over `arr` broadcast to `shape`; `None` if it cannot be broadcast.
    pub fn new(arr: ArrayBlock<T>, shape: &[usize]) -> Option<Leaf<T>> {
        let transposed = arr.shape() == shape
            && arr.ndim() == 2
            && arr.len() >= 1 << 14
            && arr.strides()[0] == 1
            && arr.strides()[1] > 1;
        let band = transposed.then(|| Band::new(shape[0], shape[1], BAND_BYTES / std::mem::size_of::<T>().max(1)));
        let strides = arr.broadcast(shape)?.strides().to_vec();
        let contiguous = arr.shape() == shape && arr.is_standard_layout();
        let unit_rows = !contiguous && band.is_none() && strides.last() == Some(&1);
        let len = shape.iter().product();
        Some(Leaf {
            arr,
            contiguous,
            shape: shape.to_vec(),
            strides,
            idx: vec![0; shape.len()],
            buf: if contiguous || band.is_some() { Vec::new() } else { tile_buf(len) },
            band,
            unit_rows,
        })
    }

    /// Offset (in elements, from `arr.as_ptr()`) of C-order element `start` of the broadcast
    /// view, and `start`'s index along the last axis.
    fn offset_of(&self, start: usize) -> (isize, usize) {
        let mut rem = start;
        let mut off = 0isize;
        let mut last = 0;
        for d in (0..self.shape.len()).rev() {
            let i = rem % self.shape[d];
            rem /= self.shape[d];
            off += i as isize * self.strides[d];
            if d + 1 == self.shape.len() {
                last = i;
            }
        }
        (off, last)
    }

    fn gather(&mut self, start: usize, len: usize) {
        let nd = self.shape.len();
        let ptr = self.arr.as_ptr();
        if nd == 0 {
            self.buf[0] = self.arr.iter().next().copied().unwrap_or_default();
            return;
        }
        // Multi-index of `start`.
        let mut rem = start;
        for d in (0..nd).rev() {
            self.idx[d] = rem % self.shape[d];
            rem /= self.shape[d];
        }
        let last = nd - 1;
        let (row_len, row_stride) = (self.shape[last], self.strides[last]);
        let mut k = 0;
        while k < len {
            let base: isize = (0..last).map(|d| self.idx[d] as isize * self.strides[d]).sum();
            let j0 = self.idx[last];
            let n = (row_len - j0).min(len - k);
            if row_stride == 1 {
                // SAFETY: as in the strided case below, elements `base + j0 .. base + j0 + n`
                // are in-bounds indices of the view (unit stride along the last axis), alive
                // for this call.
                let row = unsafe { std::slice::from_raw_parts(ptr.offset(base + j0 as isize), n) };
                self.buf[k..k + n].copy_from_slice(row);
            } else {
                for j in 0..n {
                    // SAFETY: `idx` (with `idx[last] = j0 + j < row_len`) is an in-bounds index
                    // of the view `arr.broadcast(shape)`, whose strides are `self.strides` and
                    // whose first element is `arr.as_ptr()` (broadcasting keeps the pointer).
                    // ndarray guarantees that every in-bounds index of a view maps to an element
                    // of its allocation, which `self.arr` keeps alive for this call.
                    self.buf[k + j] = unsafe { *ptr.offset(base + (j0 + j) as isize * row_stride) };
                }
            }
            k += n;
            // Advance to the next row.
            self.idx[last] = 0;
            let mut d = last;
            while d > 0 {
                d -= 1;
                self.idx[d] += 1;
                if self.idx[d] < self.shape[d] {
                    break;
                }
                self.idx[d] = 0;
            }
        }
    }
}

impl<T: Element> Tile<T> for Leaf<T> {
    #[inline]
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        if self.contiguous {
            &self.arr.as_slice().expect("standard layout")[start..start + len]
        } else if self.band.is_some() {
            let src = self.arr.view().into_dimensionality::<Ix2>().expect("2-D");
            self.band.as_mut().expect("band").eval(&src, start, len)
        } else if let Some(off) = self
            .unit_rows
            .then(|| self.offset_of(start))
            .and_then(|(off, j0)| (j0 + len <= self.shape[self.shape.len() - 1]).then_some(off))
        {
            // SAFETY: the tile lies inside one row of the broadcast view, whose last axis has
            // unit stride, so elements `off .. off + len` from `arr.as_ptr()` are in-bounds
            // elements of that view (`offset_of` adds in-bounds index × stride per axis).
            // `self.arr` owns them, is never mutated, and outlives the returned borrow of `self`.
            unsafe { std::slice::from_raw_parts(self.arr.as_ptr().offset(off), len) }
        } else {
            self.gather(start, len);
            &self.buf[..len]
        }
    }
}

/// Store a chunk of computed values into (possibly uninitialised) slots, as one array store.
#[inline(always)]
fn put<T: Copy>(slots: &mut [MaybeUninit<T>; CHUNK], values: [T; CHUNK]) {
    // SAFETY: `[MaybeUninit<T>; CHUNK]` has the layout of `[T; CHUNK]` (`MaybeUninit<T>` is
    // `repr(transparent)` over `T`), so the pointer is valid and aligned for one `[T; CHUNK]`
    // write, and writing initialised values into `MaybeUninit` slots is always allowed.
    unsafe { (slots as *mut [MaybeUninit<T>; CHUNK]).cast::<[T; CHUNK]>().write(values) }
}

/// `out[i] = f(a[i])`, through [`CHUNK`]-element stack arrays; run by [`with_avx2`], so the
/// loop and `f` are compiled for AVX2 where the CPU has it.
///
/// `out` may be uninitialised (a result window, see [`Tile::eval_into`]): every element is
/// written, and the operands must be at least as long (checked: a shorter one is a bug in a
/// tile, and would leave elements unwritten).
struct MapLoop1<'a, A, T, F> {
    out: &'a mut [MaybeUninit<T>],
    a: &'a [A],
    f: &'a F,
}

impl<A: Element, T: Element, F: Fn(A) -> T> Kernel for MapLoop1<'_, A, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let MapLoop1 { out, a, f } = self;
        let n = out.len();
        assert!(a.len() >= n, "a tile operand is shorter than its output");
        let (oc, orest) = out.as_chunks_mut::<CHUNK>();
        let (ac, arest) = a[..n].as_chunks::<CHUNK>();
        for (o, a) in oc.iter_mut().zip(ac) {
            let t: [T; CHUNK] = std::array::from_fn(|i| f(a[i]));
            put(o, t);
        }
        for (o, &x) in orest.iter_mut().zip(arest) {
            o.write(f(x));
        }
    }
}

/// `out[i] = f(a[i], b[i])`, as [`MapLoop1`].
struct MapLoop2<'a, A, B, T, F> {
    out: &'a mut [MaybeUninit<T>],
    a: &'a [A],
    b: &'a [B],
    f: &'a F,
}

impl<A: Element, B: Element, T: Element, F: Fn(A, B) -> T> Kernel for MapLoop2<'_, A, B, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let MapLoop2 { out, a, b, f } = self;
        let n = out.len();
        assert!(a.len() >= n && b.len() >= n, "a tile operand is shorter than its output");
        let (oc, orest) = out.as_chunks_mut::<CHUNK>();
        let ((ac, arest), (bc, brest)) = (a[..n].as_chunks::<CHUNK>(), b[..n].as_chunks::<CHUNK>());
        for ((o, a), b) in oc.iter_mut().zip(ac).zip(bc) {
            let t: [T; CHUNK] = std::array::from_fn(|i| f(a[i], b[i]));
            put(o, t);
        }
        for ((o, &x), &y) in orest.iter_mut().zip(arest).zip(brest) {
            o.write(f(x, y));
        }
    }
}

/// `out[i] = f(a[i], b[i], c[i])`, as [`MapLoop1`].
struct MapLoop3<'a, A, B, C, T, F> {
    out: &'a mut [MaybeUninit<T>],
    a: &'a [A],
    b: &'a [B],
    c: &'a [C],
    f: &'a F,
}

impl<A: Element, B: Element, C: Element, T: Element, F: Fn(A, B, C) -> T> Kernel for MapLoop3<'_, A, B, C, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let MapLoop3 { out, a, b, c, f } = self;
        let n = out.len();
        assert!(a.len() >= n && b.len() >= n && c.len() >= n, "a tile operand is shorter than its output");
        let (oc, orest) = out.as_chunks_mut::<CHUNK>();
        let (ac, arest) = a[..n].as_chunks::<CHUNK>();
        let ((bc, brest), (cc, crest)) = (b[..n].as_chunks::<CHUNK>(), c[..n].as_chunks::<CHUNK>());
        for (((o, a), b), c) in oc.iter_mut().zip(ac).zip(bc).zip(cc) {
            let t: [T; CHUNK] = std::array::from_fn(|i| f(a[i], b[i], c[i]));
            put(o, t);
        }
        for (((o, &x), &y), &z) in orest.iter_mut().zip(arest).zip(brest).zip(crest) {
            o.write(f(x, y, z));
        }
    }
}

/// A tile buffer as the slots [`MapLoop1`] and its kind write.
///
/// # Safety
/// Only initialised values may be stored into the returned slots (never
/// `MaybeUninit::uninit()`), so that `buf` is still initialised when the borrow ends.
#[inline(always)]
unsafe fn slots<T>(buf: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` is `repr(transparent)` over `T`: same size, alignment and
    // length; the caller keeps the contents initialised.
    unsafe { &mut *(buf as *mut [T] as *mut [MaybeUninit<T>]) }
}

/// `f(a)`.
pub struct Map1<A, T, F> {
    pub a: BoxTile<A>,
    pub f: Arc<F>,
    pub buf: Vec<T>,
}

impl<A: Element, T: Element, F: Fn(A) -> T> Map1<A, T, F> {
    pub fn new(a: BoxTile<A>, f: Arc<F>, block_len: usize) -> Self {
        Map1 { a, f, buf: tile_buf(block_len) }
    }
}

impl<A: Element, T: Element, F: Fn(A) -> T> Tile<T> for Map1<A, T, F> {
    fn take_error(&mut self) -> Option<crate::error::Error> {
        self.a.take_error()
    }
    #[inline]
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        let a = self.a.eval(start, len);
        let f = &*self.f;
        // SAFETY: the map loop stores only values of `f` (`put`, `MaybeUninit::write`).
        let out = unsafe { slots(&mut self.buf[..len]) };
        with_avx2(MapLoop1 { out, a, f });
        &self.buf[..len]
    }
    fn eval_into(&mut self, start: usize, out: &mut [MaybeUninit<T>]) {
        let a = self.a.eval(start, out.len());
        with_avx2(MapLoop1 { out, a, f: &*self.f });
    }
}

/// `f(a, b)`.
pub struct Map2<A, B, T, F> {
    pub a: BoxTile<A>,
    pub b: BoxTile<B>,
    pub f: Arc<F>,
    pub buf: Vec<T>,
}

impl<A: Element, B: Element, T: Element, F: Fn(A, B) -> T> Map2<A, B, T, F> {
    pub fn new(a: BoxTile<A>, b: BoxTile<B>, f: Arc<F>, block_len: usize) -> Self {
        Map2 { a, b, f, buf: tile_buf(block_len) }
    }
}

impl<A: Element, B: Element, T: Element, F: Fn(A, B) -> T> Tile<T> for Map2<A, B, T, F> {
    fn take_error(&mut self) -> Option<crate::error::Error> {
        self.a.take_error().or_else(|| self.b.take_error())
    }
    #[inline]
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        let a = self.a.eval(start, len);
        let b = self.b.eval(start, len);
        let f = &*self.f;
        // SAFETY: the map loop stores only values of `f` (`put`, `MaybeUninit::write`).
        let out = unsafe { slots(&mut self.buf[..len]) };
        with_avx2(MapLoop2 { out, a, b, f });
        &self.buf[..len]
    }
    fn eval_into(&mut self, start: usize, out: &mut [MaybeUninit<T>]) {
        let a = self.a.eval(start, out.len());
        let b = self.b.eval(start, out.len());
        with_avx2(MapLoop2 { out, a, b, f: &*self.f });
    }
}

/// `f(a, b, c)`.
pub struct Map3<A, B, C, T, F> {
    pub a: BoxTile<A>,
    pub b: BoxTile<B>,
    pub c: BoxTile<C>,
    pub f: Arc<F>,
    pub buf: Vec<T>,
}

impl<A: Element, B: Element, C: Element, T: Element, F: Fn(A, B, C) -> T> Map3<A, B, C, T, F> {
    pub fn new(a: BoxTile<A>, b: BoxTile<B>, c: BoxTile<C>, f: Arc<F>, block_len: usize) -> Self {
        Map3 { a, b, c, f, buf: tile_buf(block_len) }
    }
}

impl<A: Element, B: Element, C: Element, T: Element, F: Fn(A, B, C) -> T> Tile<T> for Map3<A, B, C, T, F> {
    fn take_error(&mut self) -> Option<crate::error::Error> {
        self.a.take_error().or_else(|| self.b.take_error()).or_else(|| self.c.take_error())
    }
    #[inline]
    fn eval(&mut self, start: usize, len: usize) -> &[T] {
        let a = self.a.eval(start, len);
        let b = self.b.eval(start, len);
        let c = self.c.eval(start, len);
        let f = &*self.f;
        // SAFETY: the map loop stores only values of `f` (`put`, `MaybeUninit::write`).
        let out = unsafe { slots(&mut self.buf[..len]) };
        with_avx2(MapLoop3 { out, a, b, c, f });
        &self.buf[..len]
    }
    fn eval_into(&mut self, start: usize, out: &mut [MaybeUninit<T>]) {
        let len = out.len();
        let a = self.a.eval(start, len);
        let b = self.b.eval(start, len);
        let c = self.c.eval(start, len);
        with_avx2(MapLoop3 { out, a, b, c, f: &*self.f });
    }
}

/// Evaluate a tile expression over a whole block of `shape`, or return the error a tile met.
pub fn try_materialize<T: Element>(tile: &mut dyn Tile<T>, shape: &[usize]) -> crate::error::Result<ArrayBlock<T>> {
    let a = materialize(tile, shape);
    match tile.take_error() {
        Some(e) => Err(e),
        None => Ok(a),
    }
}

/// Evaluate a tile expression into `dst` (a result window, C order), or return the error a
/// tile met. Rows with unit stride (every window of a C-order result) are filled tile by tile
/// through [`Tile::eval_into`]; other layouts element by element.
///
/// `dst` may be uninitialised: every element is written (with meaningless values after a
/// tile's error, which is then returned), or the call panics.
pub fn try_materialize_into<T: Element>(
    tile: &mut dyn Tile<T>,
    mut dst: ndarray::ArrayViewMutD<'_, MaybeUninit<T>>,
) -> crate::error::Result<()> {
    let n = dst.len();
    if n > 0 && dst.ndim() == 0 {
        dst[ndarray::IxDyn(&[])].write(tile.eval(0, 1)[0]);
    } else if n > 0 {
        let last = ndarray::Axis(dst.ndim() - 1);
        let mut start = 0;
        for mut lane in dst.lanes_mut(last) {
            let len = lane.len();
            match lane.as_slice_mut() {
                Some(row) => {
                    let mut k = 0;
                    while k < len {
                        let m = TILE.min(len - k);
                        tile.eval_into(start + k, &mut row[k..k + m]);
                        k += m;
                    }
                }
                None => {
                    let mut k = 0;
                    while k < len {
                        let m = TILE.min(len - k);
                        let src = tile.eval(start + k, m);
                        assert_eq!(src.len(), m, "a tile returned {} elements for {m}", src.len());
                        for (d, &v) in lane.slice_mut(ndarray::s![k..k + m]).iter_mut().zip(src) {
                            d.write(v);
                        }
                        k += m;
                    }
                }
            }
            start += len;
        }
    }
    match tile.take_error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Evaluate a tile expression over a whole block of `shape`.
pub fn materialize<T: Element>(tile: &mut dyn Tile<T>, shape: &[usize]) -> ArrayBlock<T> {
    let n: usize = shape.iter().product();
    let mut v = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let len = TILE.min(n - start);
        v.extend_from_slice(tile.eval(start, len));
        start += len;
    }
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), v).expect("tile count matches shape").into_shared()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn strided_and_broadcast_leaves_read_in_c_order() {
        let a = ArrayD::from_shape_fn(IxDyn(&[3, 5]), |ix| (ix[0] * 10 + ix[1]) as f64);
        // transposed
        let t = a.clone().into_shared().reversed_axes();
        let mut leaf = Leaf::new(t.clone(), &[5, 3]).unwrap();
        let got = materialize(&mut leaf, &[5, 3]);
        assert_eq!(got, a.t());
        // broadcast row (1, 5) to (3, 5) and a 1-D row to (3, 5)
        let row = ArrayD::from_shape_fn(IxDyn(&[1, 5]), |ix| ix[1] as f64).into_shared();
        let mut leaf = Leaf::new(row.clone(), &[3, 5]).unwrap();
        let got = materialize(&mut leaf, &[3, 5]);
        assert_eq!(got, row.broadcast(IxDyn(&[3, 5])).unwrap());
        let r1 = ArrayD::from_shape_fn(IxDyn(&[5]), |ix| ix[0] as f64).into_shared();
        let mut leaf = Leaf::new(r1.clone(), &[2, 3, 5]).unwrap();
        assert_eq!(materialize(&mut leaf, &[2, 3, 5]), r1.broadcast(IxDyn(&[2, 3, 5])).unwrap());
        // negative strides
        let rev = a.clone().into_shared();
        let rev = rev.slice_move(ndarray::s![..;-1, ..;-2]).into_dyn();
        let mut leaf = Leaf::new(rev.clone(), &[3, 3]).unwrap();
        assert_eq!(materialize(&mut leaf, &[3, 3]), rev);
        assert!(Leaf::new(rev, &[4, 3]).is_none());
    }

    #[test]
    fn large_transposed_blocks_are_read_through_a_band() {
        let a = ArrayD::from_shape_fn(IxDyn(&[150, 170]), |ix| (ix[0] * 1000 + ix[1]) as f64);
        let t = a.clone().into_shared().reversed_axes();
        let mut leaf = Leaf::new(t.clone(), &[170, 150]).unwrap();
        assert!(leaf.band.is_some() && !leaf.contiguous);
        assert_eq!(materialize(&mut leaf, &[170, 150]), a.t());
        // a transposed window of a larger array (how `from_array` blocks arrive)
        let big = ArrayD::from_shape_fn(IxDyn(&[300, 400]), |ix| (ix[0] * 1000 + ix[1]) as f64).into_shared();
        let win = big.slice(ndarray::s![10..160, 33..203]).to_shared().into_dyn();
        let mut w = big.clone();
        w.slice_axis_inplace(ndarray::Axis(0), ndarray::Slice::from(10..160));
        w.slice_axis_inplace(ndarray::Axis(1), ndarray::Slice::from(33..203));
        let wt = w.reversed_axes();
        let mut leaf = Leaf::new(wt, &[170, 150]).unwrap();
        assert!(leaf.band.is_some());
        assert_eq!(materialize(&mut leaf, &[170, 150]), win.t());
    }

    #[test]
    fn windows_with_unit_rows_are_sliced_within_rows_and_copied_across() {
        let big = ArrayD::from_shape_fn(IxDyn(&[60, 3000]), |ix| (ix[0] * 10_000 + ix[1]) as f64).into_shared();
        // rows longer than a tile (slices handed out) and shorter (copied across rows)
        for (rows, cols) in [(5..9, 7..2507), (3..50, 100..117), (0..60, 2999..3000)] {
            let mut w = big.clone();
            w.slice_axis_inplace(ndarray::Axis(0), ndarray::Slice::from(rows.clone()));
            w.slice_axis_inplace(ndarray::Axis(1), ndarray::Slice::from(cols.clone()));
            let want = w.to_owned();
            let shape = want.shape().to_vec();
            let mut leaf = Leaf::new(w, &shape).unwrap();
            // (a one-column window may read through the strided gather instead)
            assert!(!leaf.contiguous && (leaf.unit_rows || shape[1] == 1));
            assert_eq!(materialize(&mut leaf, &shape), want);
            // uneven tile lengths starting mid-row
            let mut got = Vec::new();
            let mut start = 0;
            let n = want.len();
            for len in [1, 999, 1024, 7].iter().cycle() {
                if start >= n {
                    break;
                }
                let len = (*len).min(n - start);
                got.extend_from_slice(leaf.eval(start, len));
                start += len;
            }
            assert_eq!(ArrayD::from_shape_vec(IxDyn(&shape), got).unwrap(), want);
        }
        // a 3-D window, and a row broadcast along a leading axis (stride 0)
        let cube = ArrayD::from_shape_fn(IxDyn(&[4, 5, 1500]), |ix| (ix[0] * 100_000 + ix[1] * 2000 + ix[2]) as i64)
            .into_shared();
        let mut w = cube.clone();
        w.slice_axis_inplace(ndarray::Axis(1), ndarray::Slice::from(1..4));
        w.slice_axis_inplace(ndarray::Axis(2), ndarray::Slice::from(3..1403));
        let want = w.to_owned();
        let mut leaf = Leaf::new(w, &[4, 3, 1400]).unwrap();
        assert!(leaf.unit_rows);
        assert_eq!(materialize(&mut leaf, &[4, 3, 1400]), want);
        // rows in reverse order (negative leading stride, unit last stride)
        let rev = cube.slice_move(ndarray::s![..;-1, 1..4, 100..1200]).into_dyn();
        let want = rev.to_owned();
        let mut leaf = Leaf::new(rev, &[4, 3, 1100]).unwrap();
        assert!(leaf.unit_rows);
        assert_eq!(materialize(&mut leaf, &[4, 3, 1100]), want);
        let row = ArrayD::from_shape_fn(IxDyn(&[1, 1300]), |ix| ix[1] as i64).into_shared();
        let mut leaf = Leaf::new(row.clone(), &[3, 1300]).unwrap();
        assert!(leaf.unit_rows);
        assert_eq!(materialize(&mut leaf, &[3, 1300]), row.broadcast(IxDyn(&[3, 1300])).unwrap());
    }

    #[test]
    fn materialize_into_windows_of_any_layout() {
        let a = ArrayD::from_shape_fn(IxDyn(&[30, 2100]), |ix| (ix[0] * 10_000 + ix[1]) as f64).into_shared();
        let expr = |a: &ndarray::ArcArray<f64, IxDyn>| {
            Map1::new(Box::new(Leaf::new(a.clone(), a.shape()).unwrap()), Arc::new(|v: f64| v * 2.0), a.len())
        };
        let want = a.mapv(|v| v * 2.0);
        // slots holding zeros, and their values (every slot is initialised)
        let zeros = |shape: &[usize]| ArrayD::from_elem(IxDyn(shape), MaybeUninit::new(0.0f64));
        // SAFETY: (the closure's callers) every slot was made by `zeros` or written since
        let values = |a: ndarray::ArrayViewD<'_, MaybeUninit<f64>>| a.mapv(|v| unsafe { v.assume_init() });
        // a window of a larger C-order result: rows of unit stride, longer than a tile
        let mut out = zeros(&[40, 2200]);
        let mut m = expr(&a);
        try_materialize_into(&mut m, out.slice_mut(ndarray::s![5..35, 50..2150]).into_dyn()).unwrap();
        let out = values(out.view());
        assert_eq!(out.slice(ndarray::s![5..35, 50..2150]).into_dyn(), want);
        assert_eq!(out.iter().filter(|&&v| v != 0.0).count(), 30 * 2100 - 1, "nothing outside the window");
        // a column-major destination (lanes with a non-unit stride)
        let mut f = zeros(&[2100, 30]).reversed_axes();
        let mut m = expr(&a);
        try_materialize_into(&mut m, f.view_mut()).unwrap();
        assert_eq!(values(f.view()), want);
        // uninitialised memory: every element is written
        let mut u = ArrayD::<f64>::uninit(IxDyn(&[30, 2100]));
        try_materialize_into(&mut expr(&a), u.view_mut()).unwrap();
        // SAFETY: `try_materialize_into` returned Ok, having written every element
        assert_eq!(unsafe { u.assume_init() }, want);
        // zero dimensions, and empty
        let s = ArrayD::from_elem(IxDyn(&[]), 3.0).into_shared();
        let mut z = zeros(&[]);
        try_materialize_into(&mut expr(&s), z.view_mut()).unwrap();
        assert_eq!(values(z.view())[[]], 6.0);
        let e = ArrayD::<f64>::zeros(IxDyn(&[0, 3])).into_shared();
        let mut ez = zeros(&[0, 3]);
        try_materialize_into(&mut expr(&e), ez.view_mut()).unwrap();
    }

    #[test]
    fn band_refills_inside_a_tile_and_on_uneven_last_band() {
        // 37 × 17 column-major, bands of 2 rows (34 elements): every tile of the materialised
        // block crosses many bands, and the last band holds a single row.
        let a = ArrayD::from_shape_fn(IxDyn(&[17, 37]), |ix| (ix[0] * 100 + ix[1]) as i32);
        let a2 = a.view().into_dimensionality::<Ix2>().unwrap();
        let src = a2.t();
        for band in [34, 17, 1, 10_000] {
            let mut b = Band::<i32>::new(37, 17, band);
            let mut got = Vec::new();
            let mut start = 0;
            for len in [5, 1, 40, 200, 300, 83] {
                got.extend_from_slice(b.eval(&src, start, len));
                start += len;
            }
            assert_eq!(start, 37 * 17);
            assert_eq!(ArrayD::from_shape_vec(IxDyn(&[37, 17]), got).unwrap(), a.t(), "band {band}");
        }
        // going back to an earlier row refills
        let mut b = Band::<i32>::new(37, 17, 34);
        assert_eq!(b.eval(&src, 17 * 30, 3), &[30, 130, 230]);
        assert_eq!(b.eval(&src, 0, 3), &[0, 100, 200]);
    }

    #[test]
    fn long_blocks_span_several_tiles() {
        let n = 3 * TILE + 17;
        let a = ArrayD::from_shape_fn(IxDyn(&[n]), |ix| ix[0] as i64).into_shared();
        let b = ArrayD::from_shape_fn(IxDyn(&[n, 1]), |ix| ix[0] as i64).into_shared();
        let bt = b.reversed_axes(); // (1, n), non-contiguous? it is contiguous in memory but not shape-equal
        let mut m = Map2::new(
            Box::new(Leaf::new(a.clone(), &[1, n]).unwrap()),
            Box::new(Leaf::new(bt, &[1, n]).unwrap()),
            Arc::new(|x: i64, y: i64| x * 2 + y),
            n,
        );
        let got = materialize(&mut m, &[1, n]);
        assert!(got.iter().enumerate().all(|(i, &v)| v == 3 * i as i64));
    }
}
