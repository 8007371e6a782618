//! Seeing an array: its task graph (`to_dot`, `visualize`), its chunk grid (`to_svg`, like
//! dask's repr picture) and an HTML summary for notebooks (`to_html`, evcxr display).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::array::chunks::UNKNOWN;
use crate::array::display::{format_bytes, format_shape};
use crate::array::ChunkedArray;
use crate::element::Element;
use crate::error::Result;
use crate::graph::dot::{plan_to_dot, write_picture};
use crate::graph::Plan;

/// At most this many grid lines are drawn per axis (the rest are implied by a thick edge).
const MAX_LINES: usize = 100;

/// Pixel positions of block boundaries along an axis drawn `size` pixels long.
fn ticks(lens: &[usize], size: f64) -> Vec<f64> {
    let total: usize = lens.iter().sum();
    if lens.len() > MAX_LINES || total == 0 {
        return vec![0.0, size];
    }
    let mut acc = 0usize;
    let mut v = vec![0.0];
    for &l in lens {
        acc += l;
        v.push(size * acc as f64 / total as f64);
    }
    v
}

/// Pixel length for an axis of length `n`, relative to the longest axis (dask compresses
/// ratios so very uneven shapes stay readable).
fn extent(n: usize, longest: usize, size: f64) -> f64 {
    if longest == 0 || n == 0 {
        return size * 0.1;
    }
    let r = (n as f64 / longest as f64).powf(0.5);
    (size * r).clamp(size * 0.08, size)
}

/// A rectangle of the picture with its grid lines.
struct Panel<'a> {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    rows: &'a [f64],
    cols: &'a [f64],
    dashed: bool,
}

fn grid2d(s: &mut String, p: Panel<'_>, fill: &str) {
    let Panel { x0, y0, w, h, rows, cols, dashed } = p;
    let style = if dashed { " stroke-dasharray=\"4,3\"" } else { "" };
    let _ = writeln!(
        s,
        "  <rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" style=\"fill:{fill};stroke-width:0\"/>"
    );
    for &r in rows {
        let sw = if r == 0.0 || (r - h).abs() < 1e-9 { 2 } else { 1 };
        let _ = writeln!(s, "  <line x1=\"{x0:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:{sw}\"{style}/>", y0 + r, x0 + w, y0 + r);
    }
    for &c in cols {
        let sw = if c == 0.0 || (c - w).abs() < 1e-9 { 2 } else { 1 };
        let _ = writeln!(s, "  <line x1=\"{:.1}\" y1=\"{y0:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:{sw}\"{style}/>", x0 + c, x0 + c, y0 + h);
    }
}

impl<T: Element> ChunkedArray<T> {
    /// Graphviz DOT of the optimised task graph (fused tasks, culled blocks).
    pub fn to_dot(&self) -> String {
        self.to_dot_with(true)
    }

    /// DOT of the graph with (`optimize = true`) or without fusion and sharing.
    pub fn to_dot_with(&self, optimize: bool) -> String {
        match Plan::build_with(std::slice::from_ref(self.node()), optimize) {
            Ok(p) => plan_to_dot(&p, self.name()),
            Err(e) => format!("digraph error {{ label=\"{e}\" }}\n"),
        }
    }

    /// Write the task graph to `path`: `.dot`, or `.svg`/`.png`/`.pdf` rendered by Graphviz's
    /// `dot` when it is on PATH (otherwise an error that says so; the `.dot` is written).
    pub fn visualize(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        write_picture(&self.to_dot(), path.as_ref())
    }

    /// An SVG picture of the chunk grid, as in dask's repr: a bar (1-D), a grid (2-D), a
    /// block (3-D; higher dimensions show the last three with the leading shape written
    /// above). Axes with unknown block lengths are drawn dashed and labelled.
    pub fn to_svg(&self) -> String {
        let shape = self.shape();
        let chunks = self.chunks();
        let nd = shape.len();
        let known_len = |a: usize| if shape[a] == UNKNOWN { 1 } else { shape[a] };
        let lens = |a: usize| -> Vec<usize> {
            if chunks.axis_is_known(a) {
                chunks.axis(a).to_vec()
            } else {
                vec![1; chunks.axis(a).len()]
            }
        };
        let fill = "#ECB172A0";
        let size = 120.0;
        let mut s = String::new();
        let mut body = String::new();
        let (w, h);
        match nd {
            0 => {
                w = 40.0;
                h = 40.0;
                grid2d(
                    &mut body,
                    Panel {
                        x0: 10.0,
                        y0: 10.0,
                        w: 20.0,
                        h: 20.0,
                        rows: &[0.0, 20.0],
                        cols: &[0.0, 20.0],
                        dashed: false,
                    },
                    fill,
                );
            }
            1 => {
                let len = extent(known_len(0), known_len(0), size * 2.0);
                grid2d(
                    &mut body,
                    Panel {
                        x0: 10.0,
                        y0: 10.0,
                        w: len,
                        h: 25.0,
                        rows: &[0.0, 25.0],
                        cols: &ticks(&lens(0), len),
                        dashed: !chunks.axis_is_known(0),
                    },
                    fill,
                );
                let _ = writeln!(
                    body,
                    "  <text x=\"{:.1}\" y=\"55\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                    10.0 + len / 2.0,
                    label(shape[0])
                );
                w = len + 20.0;
                h = 65.0;
            }
            _ => {
                let k = nd.min(3);
                let axes: Vec<usize> = (nd - k..nd).collect();
                let longest = axes.iter().map(|&a| known_len(a)).max().unwrap_or(1);
                let ext: Vec<f64> = axes.iter().map(|&a| extent(known_len(a), longest, size)).collect();
                let top = if nd > 3 { 20.0 } else { 0.0 };
                if k == 2 {
                    let (rh, cw) = (ext[0], ext[1]);
                    let dashed = !chunks.axis_is_known(axes[0]) || !chunks.axis_is_known(axes[1]);
                    grid2d(
                        &mut body,
                        Panel {
                            x0: 10.0,
                            y0: 10.0 + top,
                            w: cw,
                            h: rh,
                            rows: &ticks(&lens(axes[0]), rh),
                            cols: &ticks(&lens(axes[1]), cw),
                            dashed,
                        },
                        fill,
                    );
                    let _ = writeln!(
                        body,
                        "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                        10.0 + cw / 2.0,
                        28.0 + top + rh,
                        label(shape[axes[1]])
                    );
                    let _ = writeln!(body, "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90,{:.1},{:.1})\">{}</text>", 22.0 + cw, 10.0 + top + rh / 2.0, 22.0 + cw, 10.0 + top + rh / 2.0, label(shape[axes[0]]));
                    w = cw + 40.0;
                    h = rh + 40.0 + top;
                } else {
                    // depth (axis 0 of the three) drawn as an oblique offset
                    let (d, rh, cw) = ((ext[0] * 0.6).max(24.0), ext[1], ext[2]);
                    let (ox, oy) = (10.0, 10.0 + top);
                    let dashed = axes.iter().any(|&a| !chunks.axis_is_known(a));
                    // front face: rows × cols at the bottom-left
                    grid2d(
                        &mut body,
                        Panel {
                            x0: ox,
                            y0: oy + d,
                            w: cw,
                            h: rh,
                            rows: &ticks(&lens(axes[1]), rh),
                            cols: &ticks(&lens(axes[2]), cw),
                            dashed,
                        },
                        fill,
                    );
                    let _ = writeln!(body, "  <polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" style=\"fill:{fill};stroke-width:0\"/>", ox, oy + d, ox + d, oy, ox + cw + d, oy, ox + cw, oy + d);
                    let _ = writeln!(body, "  <polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" style=\"fill:{fill};stroke-width:0\"/>", ox + cw, oy + d, ox + cw + d, oy, ox + cw + d, oy + rh, ox + cw, oy + d + rh);
                    // top face and side face as skewed grids
                    for &t in &ticks(&lens(axes[0]), d) {
                        let _ = writeln!(body, "  <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:1\"/>", ox + t, oy + d - t, ox + cw + t, oy + d - t);
                        let _ = writeln!(body, "  <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:1\"/>", ox + cw + t, oy + d - t, ox + cw + t, oy + d + rh - t);
                    }
                    for &c in &ticks(&lens(axes[2]), cw) {
                        let _ = writeln!(body, "  <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:1\"/>", ox + c, oy + d, ox + c + d, oy);
                    }
                    for &r in &ticks(&lens(axes[1]), rh) {
                        let _ = writeln!(body, "  <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" style=\"stroke:black;stroke-width:1\"/>", ox + cw, oy + d + r, ox + cw + d, oy + r);
                    }
                    let _ = writeln!(
                        body,
                        "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                        ox + cw / 2.0,
                        oy + d + rh + 18.0,
                        label(shape[axes[2]])
                    );
                    let _ = writeln!(
                        body,
                        "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
                        ox + cw + d + 6.0,
                        oy + d / 2.0 + rh / 2.0,
                        label(shape[axes[1]])
                    );
                    let _ = writeln!(
                        body,
                        "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
                        ox + cw + d + 6.0,
                        oy + d / 2.0,
                        label(shape[axes[0]])
                    );
                    w = cw + d + 60.0;
                    h = rh + d + 40.0 + top;
                }
                if nd > 3 {
                    let lead: Vec<usize> = shape[..nd - 3].to_vec();
                    let _ =
                        writeln!(body, "  <text x=\"10\" y=\"16\" font-size=\"12\">{} ×</text>", format_shape(&lead));
                }
            }
        }
        let _ = writeln!(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" style=\"stroke:rgb(0,0,0);stroke-width:1\">");
        s.push_str(&body);
        if !chunks.is_known() {
            let _ = writeln!(
                s,
                "  <text x=\"10\" y=\"{:.1}\" font-size=\"11\" fill=\"gray\">unknown chunk sizes</text>",
                h - 2.0
            );
        }
        s.push_str("</svg>\n");
        s
    }

    /// An HTML table (bytes, shape, chunk shape, tasks, blocks, dtype) beside the chunk
    /// picture, like dask's notebook repr.
    pub fn to_html(&self) -> String {
        let cs = self.chunks().chunksize();
        let chunk_bytes =
            if cs.contains(&UNKNOWN) { UNKNOWN } else { cs.iter().product::<usize>() * std::mem::size_of::<T>() };
        let nblocks: usize = self.numblocks().iter().product();
        format!(
            "<table><tr><td><table>\
             <thead><tr><td></td><th>Array</th><th>Chunk</th></tr></thead><tbody>\
             <tr><th>Bytes</th><td>{}</td><td>{}</td></tr>\
             <tr><th>Shape</th><td>{}</td><td>{}</td></tr>\
             <tr><th>Count</th><td>{} tasks</td><td>{} chunks in {} graph layers</td></tr>\
             <tr><th>Type</th><td>{}</td><td>ndarray::ArrayD</td></tr>\
             </tbody></table></td><td>{}</td></tr></table>",
            format_bytes(self.nbytes()),
            format_bytes(chunk_bytes),
            format_shape(self.shape()),
            format_shape(&cs),
            self.ntasks(),
            nblocks,
            self.nlayers(),
            self.dtype_name(),
            self.to_svg()
        )
    }

    /// Display hook for the evcxr Jupyter kernel: shows [`to_html`](Self::to_html).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }
}

fn label(n: usize) -> String {
    if n == UNKNOWN {
        "nan".into()
    } else {
        n.to_string()
    }
}
