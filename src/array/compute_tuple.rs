//! `ndchunk::compute((&a, &b, &c))`: arrays of different element types evaluated in one graph,
//! as dask's `dask.compute(a, b, c)`.
//!
//! [`compute_all`](crate::compute_all) takes a slice and so one element type; a tuple keeps
//! each array's type in the result. Shared inputs are read once and shared subexpressions
//! computed once, as in `compute_all`.
//!
//! ```
//! use ndchunk::prelude::*;
//! let x = ndchunk::arange::<f64>(0.0, 6.0, 1.0, [4]).unwrap();
//! let (s, n, big) = ndchunk::compute((&x.sum(None).unwrap(), &x.argmax(None).unwrap(), &x.gt(2.5).unwrap())).unwrap();
//! assert_eq!((s[[]], n[[]], big.iter().filter(|&&b| b).count()), (15.0, 5, 3));
//! ```

use std::sync::Arc;

use ndarray::ArrayD;

use crate::array::chunked_array::assemble;
use crate::array::ChunkedArray;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{Block, Node, Plan};

/// A tuple of array references that can be computed together.
pub trait ComputeTuple {
    /// The tuple of computed arrays.
    type Output;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<Arc<Node>>;
    #[doc(hidden)]
    fn assemble(&self, blocks: Vec<Vec<Block>>, cfg: &Config) -> Result<Self::Output>;
}

macro_rules! tuple_impl {
    ($($T:ident $i:tt),+) => {
        impl<'a, $($T: Element),+> ComputeTuple for ($(&'a ChunkedArray<$T>,)+) {
            type Output = ($(ArrayD<$T>,)+);
            fn nodes(&self) -> Vec<Arc<Node>> {
                vec![$(self.$i.node.clone()),+]
            }
            fn assemble(&self, blocks: Vec<Vec<Block>>, cfg: &Config) -> Result<Self::Output> {
                let mut it = blocks.into_iter();
                Ok(($({
                    let b = it.next().ok_or_else(|| Error::Value("internal: missing result".into()))?;
                    assemble::<$T>(&self.$i.node, &b, cfg)?
                },)+))
            }
        }
    };
}

tuple_impl!(A 0);
tuple_impl!(A 0, B 1);
tuple_impl!(A 0, B 1, C 2);
tuple_impl!(A 0, B 1, C 2, D 3);
tuple_impl!(A 0, B 1, C 2, D 3, E 4);
tuple_impl!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_impl!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_impl!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Evaluate a tuple of arrays (of up to 8 element types) in one graph.
pub fn compute<C: ComputeTuple>(arrays: C) -> Result<C::Output> {
    compute_with(arrays, &Config::global())
}

/// [`compute`] with a given [`Config`].
pub fn compute_with<C: ComputeTuple>(arrays: C, cfg: &Config) -> Result<C::Output> {
    let plan = Plan::build(&arrays.nodes())?;
    let blocks = crate::scheduler::execute(&plan, cfg)?;
    arrays.assemble(blocks, cfg)
}
