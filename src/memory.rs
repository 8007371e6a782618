//! Fallible allocation: sizes that come from users or files must fail with
//! [`Error::Memory`] (NumPy's `MemoryError`), never abort the process.
//!
//! Rust's `Vec` and ndarray's constructors abort on a failed allocation. Allocations whose size
//! a user or a file chooses — the result of `compute()`, the blocks of sources, buffers for
//! file reads — go through here instead: sizes are checked for overflow, compared with the
//! machine's memory (a request larger than RAM and swap together can only end in the
//! out-of-memory killer, even where the kernel's overcommit would let `malloc` succeed), and
//! reserved with `try_reserve_exact`.

use std::mem::MaybeUninit;
use std::sync::OnceLock;

use ndarray::{Array, ArrayD, IxDyn};

use crate::error::{Error, Result};

/// Bytes of RAM plus swap, read once from `/proc/meminfo` (`None` where it cannot be read:
/// then only the allocator decides).
pub fn machine_memory() -> Option<usize> {
    static MEM: OnceLock<Option<usize>> = OnceLock::new();
    *MEM.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let field = |name: &str| -> Option<usize> {
            let line = text.lines().find(|l| l.starts_with(name))?;
            let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            kb.checked_mul(1024)
        };
        field("MemTotal:")?.checked_add(field("SwapTotal:").unwrap_or(0))
    })
}

/// Bytes of `n` elements of `T`, or `Error::Memory` when that overflows.
pub fn bytes_of<T>(n: usize, what: &str) -> Result<usize> {
    n.checked_mul(std::mem::size_of::<T>())
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or_else(|| Error::Memory(format!("{what}: {n} elements of {} bytes overflow", std::mem::size_of::<T>())))
}

/// `Err(Error::Memory)` when `bytes` exceed the machine's memory.
pub fn check_fits(bytes: usize, what: &str) -> Result<()> {
    match machine_memory() {
        Some(m) if bytes > m => Err(Error::Memory(format!(
            "{what} needs {bytes} bytes, more than this machine's {m} bytes of memory and swap"
        ))),
        _ => Ok(()),
    }
}

/// Number of elements of `shape`, checked.
pub fn size_of_shape(shape: &[usize], what: &str) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |a, &n| a.checked_mul(n))
        .ok_or_else(|| Error::Memory(format!("{what}: the element count of shape {shape:?} overflows")))
}

/// An empty `Vec` with room for `n` elements, or `Error::Memory`.
pub fn try_vec<T>(n: usize, what: &str) -> Result<Vec<T>> {
    let bytes = bytes_of::<T>(n, what)?;
    check_fits(bytes, what)?;
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(n).map_err(|e| Error::Memory(format!("{what}: cannot allocate {n} elements ({e})")))?;
    Ok(v)
}

/// Buffers from this size on are advised to use huge pages (NumPy's threshold).
pub const HUGE_PAGE_ADVICE_BYTES: usize = 4 << 20;

/// Ask Linux to back the buffer of `v` (fresh, untouched) with transparent huge pages, as
/// NumPy does for arrays of 4 MiB or more (`alloc.c`, `madvise(..., MADV_HUGEPAGE)`).
///
/// Used for the result of `compute()` only (`try_zeros`, `try_uninit`): a fresh 32 MB result otherwise takes
/// 8192 page faults on first write, measured as 12 of 23 ms of a one-thread `maximum` of two
/// 4M-element arrays (NumPy: 10 ms). Advising every block of 4 MiB or more as well made blocked
/// workloads slower in the same run (`rand5000.dot_x_xpxT` 2.09 s → 2.49 s,
/// `normal5000.masked_histogram` 451 → 518 ms: huge-page faults of short-lived blocks on two
/// threads), so blocks keep ordinary pages. Where the kernel's THP mode is `never`, or on other
/// systems, this does nothing.
pub fn advise_huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
        if bytes >= HUGE_PAGE_ADVICE_BYTES {
            const PAGE: usize = 4096;
            let ptr = v.as_mut_ptr().cast::<u8>();
            let offset = (PAGE - (ptr as usize) % PAGE) % PAGE;
            // SAFETY: `ptr .. ptr + bytes` is the allocation of `v` (its capacity in bytes, not
            // zero here, so a real allocation); the advised range starts at its first page
            // boundary (`offset < PAGE <= bytes`) and ends at its end. `MADV_HUGEPAGE` changes
            // only how the kernel backs the pages, never their contents or validity, and a
            // failure (EINVAL where THP is off) is harmless, so its result is ignored.
            unsafe {
                libc::madvise(ptr.add(offset).cast::<libc::c_void>(), bytes - offset, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// An array of `shape` filled with `value`, or `Error::Memory`.
pub fn try_full<T: Clone>(shape: &[usize], value: T, what: &str) -> Result<ArrayD<T>> {
    let n = size_of_shape(shape, what)?;
    let mut v = try_vec(n, what)?;
    v.resize(n, value);
    Array::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(format!("{what}: {e}")))
}

/// An array of `shape` filled with `zero` (the element type's zero), or `Error::Memory`.
///
/// For the primitive element types (whose zero is all zero bytes) the memory comes from the
/// allocator's zeroed allocation (`calloc`), which for a large fresh allocation is zero already:
/// the array then costs no write pass of its own before the caller's writes. Memory the
/// allocator reuses is cleared with a memset instead, so `compute()` takes this only for results
/// of 32 MiB or more (which glibc maps fresh) and [`try_uninit`] below that
/// (`array::chunked_array::compute_into_windows`). Other types are filled as [`try_full`].
pub fn try_zeros<T: Clone + 'static>(shape: &[usize], zero: T, what: &str) -> Result<ArrayD<T>> {
    use std::any::TypeId;
    let zero_bits = [
        TypeId::of::<f64>(),
        TypeId::of::<f32>(),
        TypeId::of::<i64>(),
        TypeId::of::<i32>(),
        TypeId::of::<i16>(),
        TypeId::of::<i8>(),
        TypeId::of::<u64>(),
        TypeId::of::<u32>(),
        TypeId::of::<u16>(),
        TypeId::of::<u8>(),
        TypeId::of::<bool>(),
        TypeId::of::<num_complex::Complex<f32>>(),
        TypeId::of::<num_complex::Complex<f64>>(),
    ];
    let n = size_of_shape(shape, what)?;
    let bytes = bytes_of::<T>(n, what)?;
    if bytes == 0 || !zero_bits.contains(&TypeId::of::<T>()) {
        return try_full(shape, zero, what);
    }
    check_fits(bytes, what)?;
    let layout = std::alloc::Layout::array::<T>(n).map_err(|e| Error::Memory(format!("{what}: {e}")))?;
    // SAFETY: `layout` has a nonzero size (`bytes > 0` above).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(Error::Memory(format!("{what}: cannot allocate {bytes} bytes")));
    }
    // SAFETY: `ptr` comes from the global allocator with the layout of `[T; n]` (the size and
    // alignment a `Vec<T>` of capacity `n` uses), and its `n` elements are initialised: `T` is
    // one of the eleven primitive types or two complex types above (checked by `TypeId`), for
    // each of which all-zero bytes are a valid value (0, 0.0, `false`, or 0 + 0i: num-complex's
    // `Complex` is `#[repr(C)]` with two float fields).
    let mut v = unsafe { Vec::from_raw_parts(ptr.cast::<T>(), n, n) };
    advise_huge_pages(&mut v);
    Array::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(format!("{what}: {e}")))
}

/// An uninitialised array of `shape`, or `Error::Memory`.
pub fn try_uninit<T>(shape: &[usize], what: &str) -> Result<ArrayD<MaybeUninit<T>>> {
    let n = size_of_shape(shape, what)?;
    let mut v: Vec<MaybeUninit<T>> = try_vec(n, what)?;
    advise_huge_pages(&mut v);
    // SAFETY: the capacity is at least `n` (reserved above), and `MaybeUninit<T>` needs no
    // initialisation, so the first `n` slots are valid values of the element type.
    unsafe { v.set_len(n) };
    Array::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(format!("{what}: {e}")))
}

/// The transparent huge page size of x86-64 (and of aarch64 with 4 KiB pages).
const HUGE_PAGE: usize = 2 << 20;

/// [`try_uninit`] for a long-lived buffer (a persisted block): from [`HUGE_PAGE_ADVICE_BYTES`]
/// on, its elements start on a 2 MiB boundary, so that all of it can be backed by huge pages.
///
/// The allocator places a large buffer a few bytes into a fresh mapping, which the kernel does
/// not align to 2 MiB: the partial 2 MiB regions at both ends stay on 4 KiB pages. For an 8 MiB
/// block that is a quarter of it (measured: reading two persisted 4M-element arrays in 8 MiB
/// blocks for a one-thread `maximum`, 6.8 ms from such blocks, 6.4 ms from whole 32 MiB
/// arrays, whose edges are 1/16). Here the buffer has 2 MiB of slack and the array starts at
/// the first boundary in it: the slack is address space only (never touched, so never backed
/// by memory). The array's data pointer is then inside its allocation, not at its start, which
/// ndarray supports (`into_raw_vec_and_offset` reports the offset); `try_uninit` keeps
/// `compute()`'s results at offset 0.
pub fn try_uninit_on_huge_pages<T>(shape: &[usize], what: &str) -> Result<ArrayD<MaybeUninit<T>>> {
    let n = size_of_shape(shape, what)?;
    let size = std::mem::size_of::<T>();
    let bytes = bytes_of::<T>(n, what)?;
    if bytes < HUGE_PAGE_ADVICE_BYTES || size == 0 || !HUGE_PAGE.is_multiple_of(size) || !cfg!(target_os = "linux") {
        return try_uninit(shape, what);
    }
    let cap = n
        .checked_add(HUGE_PAGE / size)
        .ok_or_else(|| Error::Memory(format!("{what}: the element count of shape {shape:?} overflows")))?;
    let mut v: Vec<MaybeUninit<T>> = try_vec(cap, what)?;
    advise_huge_pages(&mut v);
    // The allocation is aligned to `align_of::<T>()`, and every element type's size is a
    // multiple of its alignment that divides 2 MiB (checked above), so the distance to the next
    // boundary is a whole number of elements whenever the pointer is a multiple of the size;
    // otherwise the array stays where it is.
    let addr = v.as_ptr() as usize;
    let gap = (HUGE_PAGE - addr % HUGE_PAGE) % HUGE_PAGE;
    let skip = if gap.is_multiple_of(size) { gap / size } else { 0 };
    // SAFETY: the capacity is `cap` (reserved above), and `MaybeUninit<T>` needs no
    // initialisation, so all `cap` slots are valid values of the element type.
    unsafe { v.set_len(cap) };
    let a = ndarray::Array1::from_vec(v).slice_move(ndarray::s![skip..skip + n]);
    a.into_shape_with_order(IxDyn(shape)).map_err(|e| Error::Shape(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_requests_are_errors_not_aborts() {
        for shape in [vec![1usize << 40], vec![1 << 33, 1 << 33], vec![usize::MAX, 2], vec![1 << 62]] {
            let e = try_full::<f64>(&shape, 0.0, "test").unwrap_err();
            assert!(matches!(e, Error::Memory(_)), "{shape:?}: {e}");
            let e = try_uninit::<u8>(&shape, "test").unwrap_err();
            assert!(matches!(e, Error::Memory(_)), "{shape:?}: {e}");
        }
    }

    #[test]
    fn ordinary_requests_work() {
        let a = try_full(&[3, 4], 7i32, "test").unwrap();
        assert_eq!(a, ArrayD::from_elem(IxDyn(&[3, 4]), 7));
        let u = try_uninit::<f64>(&[2, 0, 5], "test").unwrap();
        assert_eq!(u.shape(), &[2, 0, 5]);
        assert!(try_vec::<u64>(0, "test").unwrap().is_empty());
        assert!(machine_memory().is_none_or(|m| m > 1 << 20));
    }

    #[test]
    fn huge_page_buffers_start_on_a_boundary() {
        let n = (HUGE_PAGE_ADVICE_BYTES / 8) + 5;
        let mut a = try_uninit_on_huge_pages::<f64>(&[n / 5, 5], "test").unwrap();
        assert_eq!(a.shape(), &[n / 5, 5]);
        assert!(a.is_standard_layout());
        if cfg!(target_os = "linux") {
            assert_eq!(a.as_ptr() as usize % HUGE_PAGE, 0);
        }
        // every element is writable and readable back (the slack lies outside the view)
        for (i, e) in a.iter_mut().enumerate() {
            e.write(i as f64);
        }
        // SAFETY: every element was written just above.
        let a = unsafe { a.assume_init() };
        assert!(a.iter().enumerate().all(|(i, &v)| v == i as f64));
        let (v, off) = a.into_raw_vec_and_offset();
        assert!(off.unwrap_or(0) + n / 5 * 5 <= v.len());
        // below the threshold, and for zero sizes: an ordinary buffer
        let small = try_uninit_on_huge_pages::<u8>(&[100], "test").unwrap();
        assert_eq!(small.shape(), &[100]);
        assert_eq!(try_uninit_on_huge_pages::<f32>(&[0, 3], "test").unwrap().len(), 0);
        let e = try_uninit_on_huge_pages::<f64>(&[1 << 62], "test").unwrap_err();
        assert!(matches!(e, Error::Memory(_)), "{e}");
    }

    #[test]
    fn zeroed_arrays_are_zero_for_every_type() {
        for shape in [vec![3usize, 4], vec![0], vec![], vec![(HUGE_PAGE_ADVICE_BYTES / 8) + 3]] {
            assert!(try_zeros(&shape, 0.0f64, "t").unwrap().iter().all(|&v| v == 0.0 && v.is_sign_positive()));
            assert!(try_zeros(&shape, 0.0f32, "t").unwrap().iter().all(|&v| v == 0.0));
            assert!(try_zeros(&shape, 0i8, "t").unwrap().iter().all(|&v| v == 0));
            assert!(try_zeros(&shape, 0u64, "t").unwrap().iter().all(|&v| v == 0));
            assert!(try_zeros(&shape, false, "t").unwrap().iter().all(|&v| !v));
            assert_eq!(try_zeros(&shape, 0u16, "t").unwrap().shape(), shape.as_slice());
        }
        // other types are filled with the given value
        assert!(try_zeros(&[5], 7u128, "t").unwrap().iter().all(|&v| v == 7));
        assert!(matches!(try_zeros(&[1usize << 62], 0.0f64, "t"), Err(Error::Memory(_))));
        assert!(matches!(try_zeros(&[1usize << 40], 0u8, "t"), Err(Error::Memory(_))));
    }

    #[test]
    fn huge_page_advice_keeps_contents() {
        // above the threshold: advised, then written and read back whole
        let n = (HUGE_PAGE_ADVICE_BYTES / 8) * 3 + 5;
        let a = try_full(&[n], 1.5f64, "test").unwrap();
        assert!(a.iter().all(|&v| v == 1.5));
        let mut v: Vec<u32> = try_vec(n, "test").unwrap();
        v.extend((0..n).map(|i| i as u32));
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
        // small and empty buffers are left alone; a buffer with contents keeps them
        let mut small = vec![7u8; 10];
        advise_huge_pages(&mut small);
        let mut empty: Vec<f64> = Vec::new();
        advise_huge_pages(&mut empty);
        let mut big: Vec<u16> = (0..n as u32).map(|i| i as u16).collect();
        advise_huge_pages(&mut big);
        assert!(small == [7; 10] && big.iter().enumerate().all(|(i, &x)| x == i as u16));
    }
}
