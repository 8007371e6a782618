//! Result windows: `compute()` writes output blocks straight into the result array.
//!
//! Without them, every output block is computed into its own allocation, all of them are held
//! until the last one is done, and the result is stitched together with one more copy (what
//! dask's `compute` does with `concatenate`). With them, `compute()` allocates the result first
//! and hands each output task the window its block occupies: fused elementwise expressions
//! write there directly; any other operation's block is copied there as soon as it is computed
//! and released at once. A large result then needs its own memory plus the
//! blocks in flight, instead of twice its size, and no pass over it at the end.
//!
//! A window erases the lifetime of the view it was made from (tasks are type-erased and run on
//! pool threads), so making one is `unsafe`: see `OutWindow::new_uninit`.

use std::mem::MaybeUninit;

use ndarray::{ArrayViewMutD, IxDyn, RawArrayViewMut};

use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, BlockData};

/// The window of the result array that one output block occupies.
///
/// The result may be allocated uninitialised (`OutWindow::new_uninit`; below 32 MiB, see
/// `array::chunked_array::compute_into_windows`): a zeroed allocation (`calloc`) of memory the
/// allocator reuses is a memset, a whole pass over the result before the pass that computes it.
/// Measured in one process, alternating both ways 200 times on a loaded Xeon host: a one-thread
/// `astype::<f32>()` of 4M float64 (a 16 MiB result) 4.66–4.93 → 3.26–3.49 ms; a 4 MiB bool
/// result and 32 MiB results unchanged within the noise. Such a window is written exactly once
/// by the writers that know they cover it (`OutWindow::write_uninit`: fused elementwise tiles,
/// block copies), and zero-filled before any other use ([`OutWindow::view_mut`]) or when
/// dropped unwritten, so that every element of the result holds a value once all its windows
/// are gone.
pub struct OutWindow {
    raw: Box<dyn std::any::Any + Send>,
    shape: Vec<usize>,
    copy: fn(&mut OutWindow, &Block) -> Result<()>,
    /// While the elements may be uninitialised: what zero-fills them.
    unwritten: Option<Box<dyn FnOnce() + Send>>,
}

/// A raw view of `T`; `Send` so that its window can move to the worker running its task.
struct RawWindow<T>(RawArrayViewMut<T, IxDyn>);

// SAFETY: a `RawWindow` is only reachable through its `OutWindow` (its `raw` field, or the
// zero-fill closure it owns), which makes views of it only from `&mut self` or its drop (one
// user at a time, whatever thread it is on). The elements are `T: Element` (plain `Send`
// numbers, or `MaybeUninit` of them), and `OutWindow::new_uninit`'s caller guarantees they stay
// alive and unaliased while the window exists, so moving the window to another thread is
// moving exclusive access to those elements, as sending an `ArrayViewMut` would.
unsafe impl<T: Send> Send for RawWindow<T> {}

impl OutWindow {
    /// A window over `view`'s (initialised) elements, usable after the borrow ends.
    ///
    /// # Safety
    /// As [`OutWindow::new_uninit`].
    pub(crate) unsafe fn new<T: Element>(mut view: ArrayViewMutD<'_, T>) -> OutWindow {
        let shape = view.shape().to_vec();
        OutWindow { raw: Box::new(RawWindow(view.raw_view_mut())), shape, copy: copy_block::<T>, unwritten: None }
    }

    /// A window over possibly uninitialised elements: by the time it is dropped, every one of
    /// them has been written (by a writer, or zero-filled).
    ///
    /// # Safety
    /// Until the window is dropped, the elements of `view` must stay allocated and must not be
    /// read or written other than through this window (the windows of one result must be
    /// disjoint, and the result must not be touched while its windows exist).
    pub(crate) unsafe fn new_uninit<T: Element>(mut view: ArrayViewMutD<'_, MaybeUninit<T>>) -> OutWindow {
        let shape = view.shape().to_vec();
        let slots = RawWindow(view.raw_view_mut());
        // `MaybeUninit<T>` is `repr(transparent)` over `T`: the cast view has the same layout
        let raw = slots.0.clone().cast::<T>();
        let fill = Box::new(move || zero_fill(slots));
        OutWindow { raw: Box::new(RawWindow(raw)), shape, copy: copy_block::<T>, unwritten: Some(fill) }
    }

    /// Shape of the window (the output block's shape).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Whether the window's elements are `T` and lie in standard (C-order, contiguous) layout,
    /// as the window of a block in its own allocation, or of a block spanning the result's
    /// trailing axes, does.
    pub fn is_standard_layout<T: Element>(&self) -> bool {
        self.raw.downcast_ref::<RawWindow<T>>().is_some_and(|r| r.0.is_standard_layout())
    }

    /// The window as a mutable view, if its elements are `T` (zero-filled first if they were
    /// not written yet).
    pub fn view_mut<T: Element>(&mut self) -> Option<ArrayViewMutD<'_, T>> {
        if !self.raw.is::<RawWindow<T>>() {
            return None;
        }
        if let Some(fill) = self.unwritten.take() {
            fill();
        }
        let raw = self.raw.downcast_mut::<RawWindow<T>>()?;
        // SAFETY: by `new_uninit`'s contract the elements are alive and reachable only through this
        // window; they are initialised (written or zero-filled just above, or initialised
        // from the start); the view returned borrows `self` mutably, so it is the only view
        // in use.
        Some(unsafe { raw.0.clone().deref_into_view_mut() })
    }

    /// Let `write` fill the window through a view of possibly uninitialised elements, if they
    /// are `T`. When it returns `Ok`, the window counts as written.
    ///
    /// # Safety
    /// On `Ok`, `write` must have written every element of the view; it must never store
    /// `MaybeUninit::uninit()` (the window may already hold values).
    pub(crate) unsafe fn write_uninit<T: Element>(
        &mut self,
        write: impl FnOnce(ArrayViewMutD<'_, MaybeUninit<T>>) -> Result<()>,
    ) -> Option<Result<()>> {
        let raw = self.raw.downcast_mut::<RawWindow<T>>()?;
        // SAFETY: as in `view_mut` for liveness and exclusivity; a view of `MaybeUninit<T>`
        // makes no claim that the elements are initialised, and the caller stores only values.
        let view = unsafe { raw.0.clone().cast::<MaybeUninit<T>>().deref_into_view_mut() };
        let r = write(view);
        if r.is_ok() {
            self.unwritten = None;
        }
        Some(r)
    }

    /// Copy an array block of the window's shape and element type into the window.
    pub fn copy_from(&mut self, block: &Block) -> Result<()> {
        (self.copy)(self, block)
    }
}

impl Drop for OutWindow {
    fn drop(&mut self) {
        // a window no task wrote (its compute failed, or a bug): still leave values behind
        if let Some(fill) = self.unwritten.take() {
            fill();
        }
    }
}

/// Write `T`'s zero to every element of a window's slots.
fn zero_fill<T: Element>(slots: RawWindow<MaybeUninit<T>>) {
    // SAFETY: the slots are the window's elements, alive and reachable only through the window
    // (`OutWindow::new_uninit`'s contract), which runs this from `&mut self` or its drop while
    // no view of it is in use; a view of `MaybeUninit<T>` claims nothing about the contents,
    // and every element is stored a value.
    let mut view = unsafe { slots.0.deref_into_view_mut() };
    let zero = T::zero();
    view.map_inplace(|e| {
        e.write(zero);
    });
}

fn copy_block<T: Element>(w: &mut OutWindow, block: &Block) -> Result<()> {
    let a = as_array::<T>(block)?;
    if a.shape() != w.shape() {
        return Err(Error::Shape(format!(
            "a block of shape {:?} was computed for a window of shape {:?}",
            a.shape(),
            w.shape()
        )));
    }
    let write = |v: ArrayViewMutD<'_, MaybeUninit<T>>| {
        a.assign_to(v);
        Ok(())
    };
    // SAFETY: `assign_to` stores an element of `a` into every element of the view (the shapes
    // are equal, checked above).
    unsafe { w.write_uninit::<T>(write) }
        .unwrap_or_else(|| Err(Error::DType(format!("internal: a result window is not of {}", T::DTYPE))))
}

/// The result of an output task that wrote its block into its window.
pub struct Written;

impl BlockData for Written {
    fn nbytes(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, ArrayD};
    use std::sync::Arc;

    #[test]
    fn windows_write_through_and_check_type_and_shape() {
        let mut out = ArrayD::<f64>::zeros(IxDyn(&[4, 6]));
        {
            let v = out.view_mut();
            let (left, right) = v.split_at(ndarray::Axis(1), 2);
            // SAFETY: `left` and `right` are disjoint and `out` is not used until both windows
            // are dropped at the end of this scope.
            let (mut l, mut r) = unsafe { (OutWindow::new(left), OutWindow::new(right)) };
            assert_eq!(r.shape(), &[4, 4]);
            assert!(l.view_mut::<f32>().is_none());
            l.view_mut::<f64>().unwrap().fill(1.0);
            let b: Block = Arc::new(ArrayD::from_elem(IxDyn(&[4, 4]), 2.0).into_shared());
            r.copy_from(&b).unwrap();
            let wrong: Block = Arc::new(ArrayD::from_elem(IxDyn(&[4, 3]), 2.0).into_shared());
            assert!(matches!(r.copy_from(&wrong), Err(Error::Shape(_))));
            // moved to another thread and written there
            std::thread::spawn(move || l.view_mut::<f64>().unwrap()[[0, 0]] = 7.0).join().unwrap();
        }
        assert_eq!(out[[0, 0]], 7.0);
        assert!(out.slice(s![1.., ..2]).iter().all(|&v| v == 1.0));
        assert!(out.slice(s![.., 2..]).iter().all(|&v| v == 2.0));
    }

    /// Windows of an uninitialised result leave a value in every element, however they are
    /// used: a block copied in, a view written in part, a writer that fails, one never used.
    #[test]
    fn uninitialised_windows_are_fully_written_before_they_are_dropped() {
        let mut out = ArrayD::<i32>::uninit(IxDyn(&[3, 8]));
        {
            let mut parts = Vec::new();
            let mut rest = out.view_mut();
            for _ in 0..3 {
                let (head, tail) = rest.split_at(ndarray::Axis(1), 2);
                parts.push(head);
                rest = tail;
            }
            parts.push(rest);
            // SAFETY: the four windows are disjoint and `out` is not used until they are dropped
            let mut w: Vec<OutWindow> = parts.into_iter().map(|p| unsafe { OutWindow::new_uninit(p) }).collect();
            let b: Block = Arc::new(ArrayD::from_elem(IxDyn(&[3, 2]), 5).into_shared());
            w[0].copy_from(&b).unwrap();
            w[1].view_mut::<i32>().unwrap()[[1, 1]] = 9;
            assert!(w[2].view_mut::<f64>().is_none(), "the wrong type neither reads nor fills");
            // SAFETY: the writer stores only values (or nothing, and fails)
            let failed = unsafe { w[2].write_uninit::<i32>(|_| Err(Error::Value("failed".into()))) };
            assert!(matches!(failed, Some(Err(Error::Value(_)))));
            // w[3] is never used
        }
        // SAFETY: every window has been dropped, and the test's claim is that each one left a
        // value in all of its elements
        let out = unsafe { out.assume_init() };
        assert!(out.slice(s![.., ..2]).iter().all(|&v| v == 5));
        assert_eq!(out.slice(s![.., 2..4]).iter().filter(|&&v| v == 0).count(), 5);
        assert_eq!(out[[1, 3]], 9);
        assert!(out.slice(s![.., 4..]).iter().all(|&v| v == 0));
    }
}
