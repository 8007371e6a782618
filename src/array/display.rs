//! A text summary of an array, like dask's repr table.

use std::fmt;

use crate::array::chunks::UNKNOWN;
use crate::array::ChunkedArray;
use crate::element::Element;

/// Human-readable byte count (`"1.76 kB"`, `"68.66 MiB"`-style, powers of 1024 above KiB).
pub fn format_bytes(n: usize) -> String {
    if n == UNKNOWN {
        return "unknown".into();
    }
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.2} {}", UNITS[u])
    }
}

pub(crate) fn format_shape(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|&n| if n == UNKNOWN { "nan".into() } else { n.to_string() }).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

impl<T: Element> fmt::Display for ChunkedArray<T> {
    /// ```text
    /// ChunkedArray<ones, shape=(15, 15), dtype=float64, chunksize=(5, 5)>
    ///            Array       Chunk
    /// Bytes      1.76 KiB    200 B
    /// Shape      (15, 15)    (5, 5)
    /// Count      1 graph layer, 9 tasks    9 chunks in 1 graph layer
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cs = self.chunks().chunksize();
        let chunk_bytes =
            if cs.contains(&UNKNOWN) { UNKNOWN } else { cs.iter().product::<usize>() * std::mem::size_of::<T>() };
        let layers = self.nlayers();
        let nblocks: usize = self.numblocks().iter().product();
        writeln!(
            f,
            "ChunkedArray<{}, shape={}, dtype={}, chunksize={}>",
            self.name(),
            format_shape(self.shape()),
            self.dtype_name(),
            format_shape(&cs)
        )?;
        writeln!(f, "{:<10} {:<20} Chunk", "", "Array")?;
        writeln!(f, "{:<10} {:<20} {}", "Bytes", format_bytes(self.nbytes()), format_bytes(chunk_bytes))?;
        writeln!(f, "{:<10} {:<20} {}", "Shape", format_shape(self.shape()), format_shape(&cs))?;
        write!(
            f,
            "{:<10} {:<20} {} chunks in {} graph layer{}",
            "Count",
            format!("{} tasks", self.ntasks()),
            nblocks,
            layers,
            if layers == 1 { "" } else { "s" }
        )?;
        write!(f, "\n{:<10} {} ndarray::ArrayD", "Type", self.dtype_name())
    }
}

impl<T: Element> fmt::Debug for ChunkedArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ChunkedArray<{}, shape={}, dtype={}, chunks={:?}>",
            self.name(),
            format_shape(self.shape()),
            self.dtype_name(),
            self.chunks().as_slices()
        )
    }
}
