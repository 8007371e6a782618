//! Walkthrough: the task graphs of small expressions on ones((15, 15)) in (5, 5) chunks,
//! written as Graphviz files (rendered to SVG when `dot` is installed).
//!
//! Writes to `out/graphs/` (or `$NDCHUNK_OUT/graphs`).

use ndchunk::prelude::*;

fn main() -> Result<()> {
    let out = std::path::PathBuf::from(std::env::var("NDCHUNK_OUT").unwrap_or_else(|_| "out".into())).join("graphs");
    std::fs::create_dir_all(&out)?;
    let x = ndchunk::ones::<f64>(&[15, 15], [5, 5])?;
    println!("{x}\n");
    let steps: Vec<(&str, ChunkedArray<f64>)> = vec![
        ("sum_axis0", x.sum(0)?),
        ("x_plus_xT", &x + &x.t()),
        ("dot", x.dot(&(&x.t() + 1.0))?),
        ("dot_minus_mean", &x.dot(&(&x.t() + 1.0))? - &x.mean(None)?),
        ("std", (&x.dot(&(&x.t() + 1.0))? - &x.mean(None)?).std(None, 0)?),
    ];
    for (name, a) in &steps {
        let raw = a.to_dot_with(false).matches("shape=ellipse").count();
        let opt = a.to_dot().matches("shape=ellipse").count();
        let path = out.join(format!("{name}.svg"));
        let written = match a.visualize(&path) {
            Ok(p) => p,
            Err(_) => out.join(format!("{name}.dot")), // no Graphviz: the .dot is there
        };
        println!("{name:<16} {raw:>3} tasks, {opt:>3} after fusion -> {}", written.display());
    }
    let r = steps[4].1.item()?;
    println!("\n(x.dot(x.T + 1) - x.mean()).std() = {r}");
    std::fs::write(out.join("chunks.svg"), x.to_svg())?;
    println!("chunk picture: {}", out.join("chunks.svg").display());
    Ok(())
}
