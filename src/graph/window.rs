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
//! pool threads), so making one is `unsafe`: see `OutWindow::new`.

use ndarray::{ArrayViewMutD, IxDyn, RawArrayViewMut};

use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, BlockData};

/// The window of the result array that one output block occupies.
pub struct OutWindow {
    raw: Box<dyn std::any::Any + Send>,
    shape: Vec<usize>,
    copy: fn(&mut OutWindow, &Block) -> Result<()>,
}

/// A raw view of `T`; `Send` so that its window can move to the worker running its task.
struct RawWindow<T>(RawArrayViewMut<T, IxDyn>);

// SAFETY: a `RawWindow` is only reachable through its `OutWindow`, which hands out views of it
// only through `&mut self` (one user at a time, whatever thread it is on). The elements are
// `T: Element` (plain `Send` numbers), and `OutWindow::new`'s caller guarantees they stay alive
// and unaliased while the window exists, so moving the window to another thread is moving
// exclusive access to those elements, as sending an `ArrayViewMut` would.
unsafe impl<T: Send> Send for RawWindow<T> {}

impl OutWindow {
    /// A window over `view`'s elements, usable after the borrow ends.
    ///
    /// # Safety
    /// Until the window is dropped, the elements of `view` must stay allocated and must not be
    /// read or written other than through this window (the windows of one result must be
    /// disjoint, and the result must not be touched while its windows exist).
    pub(crate) unsafe fn new<T: Element>(mut view: ArrayViewMutD<'_, T>) -> OutWindow {
        let shape = view.shape().to_vec();
        OutWindow { raw: Box::new(RawWindow(view.raw_view_mut())), shape, copy: copy_block::<T> }
    }

    /// Shape of the window (the output block's shape).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The window as a mutable view, if its elements are `T`.
    pub fn view_mut<T: Element>(&mut self) -> Option<ArrayViewMutD<'_, T>> {
        let raw = self.raw.downcast_mut::<RawWindow<T>>()?;
        // SAFETY: by `new`'s contract the elements are alive and reachable only through this
        // window; the view returned borrows `self` mutably, so it is the only view in use.
        Some(unsafe { raw.0.clone().deref_into_view_mut() })
    }

    /// Copy an array block of the window's shape and element type into the window.
    pub fn copy_from(&mut self, block: &Block) -> Result<()> {
        (self.copy)(self, block)
    }
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
    w.view_mut::<T>().expect("the window was made for T").assign(a);
    Ok(())
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
}
