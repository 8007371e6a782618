//! `delayed`: lazy graphs of ordinary Rust closures, run by the same scheduler.
//!
//! The seed walkthrough: two one-second `inc`s and an `add` take 2 s instead of 3, and eight
//! `inc`s summed take about 1 s with eight threads (the pool size is yours to choose: sleeping
//! or I/O-bound tasks want more threads than cores).
//!
//! ```
//! use ndchunk::delayed::{delayed, Delayed};
//! fn inc(x: i64) -> i64 { x + 1 }
//! let x = delayed(|| inc(1));
//! let y = delayed(|| inc(2));
//! let z = Delayed::zip(&x, &y, |a, b| a + b);
//! assert_eq!(z.compute().unwrap(), 5);
//!
//! let parts: Vec<Delayed<i64>> = (0..8).map(|i| delayed(move || inc(i))).collect();
//! let total = Delayed::collect(&parts, |v| v.iter().copied().sum::<i64>());
//! assert_eq!(total.compute().unwrap(), 36);
//! ```
//!
//! Panics inside closures become `Error::TaskPanicked`; closures that can fail return
//! `Result` values, flattened by [`Delayed::try_compute`].

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::ArrayD;

use crate::array::ChunkedArray;
use crate::chunks::Chunks;
use crate::config::Config;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::graph::{as_array, Block, BlockData, Dep, Node, Op, Plan};

/// A value held in the graph.
pub struct Obj<T>(pub T);

impl<T: Send + Sync + 'static> BlockData for Obj<T> {
    fn nbytes(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

fn get<T: Send + Sync + 'static>(b: &Block) -> Result<&T> {
    (b.as_ref() as &dyn std::any::Any)
        .downcast_ref::<Obj<T>>()
        .map(|o| &o.0)
        .ok_or_else(|| Error::DType("internal: delayed value of an unexpected type".into()))
}

/// Move the value out of a block that nothing else references.
fn take<T: Send + Sync + 'static>(b: Block) -> Result<T> {
    let any: Arc<dyn std::any::Any + Send + Sync> = b;
    let obj =
        any.downcast::<Obj<T>>().map_err(|_| Error::DType("internal: delayed value of an unexpected type".into()))?;
    Arc::try_unwrap(obj).map(|o| o.0).map_err(|_| Error::Value("internal: delayed result still shared".into()))
}

/// A lazily computed value of type `T`.
pub struct Delayed<T> {
    node: Arc<Node>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed { node: self.node.clone(), _t: PhantomData }
    }
}

/// A closure over the input values, producing a `T`.
struct Call<T, F>(F, PhantomData<fn() -> T>);

impl<T: Send + Sync + 'static, F: Fn(&[Block]) -> Result<T> + Send + Sync + 'static> Op for Call<T, F> {
    fn deps(&self, node: &Node, _: &[usize], out: &mut Vec<Dep>) {
        for i in 0..node.inputs.len() {
            out.push(Dep { input: i as u32, block: 0 });
        }
    }
    fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
        Ok(Arc::new(Obj((self.0)(inputs)?)))
    }
}

fn node_of<T: Send + Sync + 'static>(
    name: &'static str,
    inputs: Vec<Arc<Node>>,
    f: impl Fn(&[Block]) -> Result<T> + Send + Sync + 'static,
) -> Arc<Node> {
    Node::value(name, inputs, vec![1], Call(f, PhantomData))
}

/// A delayed call of `f` (no inputs).
pub fn delayed<T: Send + Sync + 'static>(f: impl Fn() -> T + Send + Sync + 'static) -> Delayed<T> {
    Delayed { node: node_of("delayed", vec![], move |_| Ok(f())), _t: PhantomData }
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// A known value.
    pub fn value(v: T) -> Delayed<T>
    where
        T: Clone,
    {
        Delayed { node: node_of("value", vec![], move |_| Ok(v.clone())), _t: PhantomData }
    }

    /// `f(self)`, lazily.
    pub fn map<U: Send + Sync + 'static>(&self, f: impl Fn(&T) -> U + Send + Sync + 'static) -> Delayed<U> {
        Delayed { node: node_of("map", vec![self.node.clone()], move |i| Ok(f(get::<T>(&i[0])?))), _t: PhantomData }
    }

    /// `f(a, b)`, lazily.
    pub fn zip<B: Send + Sync + 'static, U: Send + Sync + 'static>(
        a: &Delayed<T>,
        b: &Delayed<B>,
        f: impl Fn(&T, &B) -> U + Send + Sync + 'static,
    ) -> Delayed<U> {
        let node =
            node_of("zip", vec![a.node.clone(), b.node.clone()], move |i| Ok(f(get::<T>(&i[0])?, get::<B>(&i[1])?)));
        Delayed { node, _t: PhantomData }
    }

    /// `f` of all the values, lazily (e.g. the sum of a list of delayed results).
    pub fn collect<U: Send + Sync + 'static>(
        parts: &[Delayed<T>],
        f: impl Fn(&[&T]) -> U + Send + Sync + 'static,
    ) -> Delayed<U> {
        let inputs = parts.iter().map(|p| p.node.clone()).collect();
        let node = node_of("collect", inputs, move |i| {
            let vals: Vec<&T> = i.iter().map(get::<T>).collect::<Result<_>>()?;
            Ok(f(&vals))
        });
        Delayed { node, _t: PhantomData }
    }

    /// Compute with the global [`Config`].
    pub fn compute(&self) -> Result<T> {
        self.compute_with(&Config::global())
    }

    /// Compute with a given [`Config`] (e.g. `Config::default().with_threads(8)` for
    /// sleeping or I/O-bound closures).
    pub fn compute_with(&self, cfg: &Config) -> Result<T> {
        let plan = Plan::build(std::slice::from_ref(&self.node))?;
        let mut out = crate::scheduler::execute(&plan, cfg)?;
        drop(plan);
        take::<T>(out.pop().and_then(|mut v| v.pop()).expect("one output block"))
    }

    /// Graphviz DOT of the graph.
    pub fn to_dot(&self) -> String {
        match Plan::build_with(std::slice::from_ref(&self.node), false) {
            Ok(p) => crate::graph::dot::plan_to_dot(&p, &self.node.name),
            Err(e) => format!("digraph error {{ label=\"{e}\" }}\n"),
        }
    }

    /// Write the graph picture (see `ChunkedArray::visualize`).
    pub fn visualize(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        crate::graph::dot::write_picture(&self.to_dot(), path.as_ref())
    }
}

impl<T: Send + Sync + 'static, E: Into<Error> + Send + Sync + 'static> Delayed<std::result::Result<T, E>> {
    /// Compute a delayed `Result`, returning its error as the compute's error.
    pub fn try_compute(&self) -> Result<T> {
        self.compute()?.map_err(Into::into)
    }
}

/// Compute several delayed values of one type in one graph (shared inputs run once).
pub fn compute_all<T: Send + Sync + Clone + 'static>(values: &[&Delayed<T>], cfg: &Config) -> Result<Vec<T>> {
    let nodes: Vec<Arc<Node>> = values.iter().map(|v| v.node.clone()).collect();
    let plan = Plan::build(&nodes)?;
    let out = crate::scheduler::execute(&plan, cfg)?;
    out.iter().map(|b| get::<T>(&b[0]).cloned()).collect()
}

/// A one-block array from a delayed ndarray (dask's `from_delayed` with a declared shape);
/// a value of another shape is an error at compute time.
impl<T: Element> ChunkedArray<T> {
    pub fn from_delayed(d: &Delayed<ArrayD<T>>, shape: &[usize]) -> ChunkedArray<T> {
        struct FromDelayed<T>(Vec<usize>, PhantomData<fn() -> T>);
        impl<T: Element> Op for FromDelayed<T> {
            fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
                out.push(Dep { input: 0, block: 0 });
            }
            fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
                let a = get::<ArrayD<T>>(&inputs[0])?;
                if a.shape() != self.0.as_slice() {
                    return Err(Error::Shape(format!(
                        "delayed value has shape {:?}, {:?} was declared",
                        a.shape(),
                        self.0
                    )));
                }
                Ok(Arc::new(a.clone().into_shared()))
            }
        }
        let chunks = Chunks::explicit(shape.iter().map(|&n| vec![n]).collect());
        ChunkedArray::from_node(Node::array::<T>(
            "from-delayed",
            vec![d.node.clone()],
            shape.to_vec(),
            chunks,
            FromDelayed::<T>(shape.to_vec(), PhantomData),
        ))
    }

    /// One delayed value per block (C order over the block grid), for custom per-block work.
    pub fn to_delayed(&self) -> Vec<Delayed<ArrayD<T>>> {
        struct Pick(usize);
        impl Op for Pick {
            fn deps(&self, _: &Node, _: &[usize], out: &mut Vec<Dep>) {
                out.push(Dep { input: 0, block: self.0 });
            }
            fn run(&self, _: &Node, _: &[usize], inputs: &[Block]) -> Result<Block> {
                Ok(inputs[0].clone())
            }
        }
        (0..self.node().nblocks())
            .map(|b| {
                let blk = Node::value("block", vec![self.node().clone()], vec![1], Pick(b));
                let node = node_of("to-delayed", vec![blk], |i| Ok(as_array::<T>(&i[0])?.to_owned()));
                Delayed { node, _t: PhantomData }
            })
            .collect()
    }
}
