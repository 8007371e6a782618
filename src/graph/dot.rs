//! Graphviz pictures of task graphs, drawn like dask's `visualize`: a task is an ellipse
//! labelled with its operation(s), each result a box labelled `(name, block index)`, and arrows
//! run from inputs through tasks to results. Fused tasks list their stages (`read → partial`)
//! and the elementwise trees evaluated inside them (`add(mul(full))`).

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::graph::Plan;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// DOT text of a lowered plan.
pub fn plan_to_dot(plan: &Plan, title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph \"{}\" {{", esc(title));
    let _ = writeln!(s, "  graph [rankdir=BT];");
    let _ = writeln!(s, "  node [fontname=\"Helvetica\", fontsize=10];");
    for (t, task) in plan.tasks.iter().enumerate() {
        let names: Vec<String> = task.stages.iter().map(|st| plan.fused_name(st.node)).collect();
        let mut label = names[0].clone();
        for n in &names[1..] {
            if !label.ends_with(n.as_str()) {
                label.push_str(" → ");
                label.push_str(n);
            }
        }
        let key = plan.stage_key(task.stages.last().expect("stage"));
        let _ = writeln!(s, "  t{t} [shape=ellipse, label=\"{}\"];", esc(&label));
        let _ = writeln!(s, "  d{t} [shape=box, label=\"{}\"];", esc(&key));
        let _ = writeln!(s, "  t{t} -> d{t};");
        let mut deps = task.deps.clone();
        deps.sort_unstable();
        deps.dedup();
        for d in deps {
            let _ = writeln!(s, "  d{d} -> t{t};");
        }
    }
    s.push_str("}\n");
    s
}

/// Write a DOT file, or render `.svg`/`.png`/`.pdf` with Graphviz's `dot` (the `.dot` file is
/// written beside it either way). Returns the path written.
pub fn write_picture(dot: &str, path: &Path) -> Result<PathBuf> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("dot").to_ascii_lowercase();
    let dot_path = path.with_extension("dot");
    std::fs::write(&dot_path, dot)?;
    if ext == "dot" {
        return Ok(dot_path);
    }
    if !matches!(ext.as_str(), "svg" | "png" | "pdf") {
        return Err(Error::Value(format!("cannot render .{ext}: use .dot, .svg, .png or .pdf")));
    }
    match Command::new("dot").arg(format!("-T{ext}")).arg(&dot_path).arg("-o").arg(path).status() {
        Ok(st) if st.success() => Ok(path.to_path_buf()),
        Ok(st) => Err(Error::Value(format!("Graphviz `dot` failed ({st}); the graph is in {}", dot_path.display()))),
        Err(_) => Err(Error::Value(format!(
            "Graphviz's `dot` program is not installed, so {} was not rendered; the graph is in {} \
             (install graphviz, e.g. `apt-get install graphviz`, to render pictures)",
            path.display(),
            dot_path.display()
        ))),
    }
}
