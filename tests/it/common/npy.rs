//! A minimal reader of NumPy's `.npy` format (version 1/2, little-endian, C order), for
//! fixtures written by `fixtures/generate.py`.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};

/// A loaded array, converted to f64 (bool and integer fixtures convert exactly up to 2^53).
pub struct Npy {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl Npy {
    pub fn array(&self) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.data.clone()).unwrap()
    }
}

pub fn load(path: impl AsRef<Path>) -> Npy {
    let path = path.as_ref();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "not an npy file");
    let (hlen, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).unwrap();
    let field = |name: &str| {
        let i = header.find(&format!("'{name}':")).unwrap() + name.len() + 3;
        header[i..].trim_start().to_string()
    };
    let descr = field("descr");
    let descr = descr[1..].split('\'').next().unwrap().to_string();
    assert!(field("fortran_order").starts_with("False"));
    let shape_s = field("shape");
    let inner = &shape_s[1..shape_s.find(')').unwrap()];
    let shape: Vec<usize> =
        inner.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    let raw = &bytes[start + hlen..];
    let n: usize = shape.iter().product();
    let data: Vec<f64> = match descr.as_str() {
        "<f8" => raw.chunks_exact(8).take(n).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
        "<f4" => raw.chunks_exact(4).take(n).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
        "<i8" => raw.chunks_exact(8).take(n).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
        "<u8" => raw.chunks_exact(8).take(n).map(|c| u64::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
        "<i4" => raw.chunks_exact(4).take(n).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
        "|u1" => raw.iter().take(n).map(|&b| b as f64).collect(),
        "|b1" => raw.iter().take(n).map(|&b| b as f64).collect(),
        d => panic!("unsupported npy dtype {d}"),
    };
    Npy { dtype: descr, shape, data }
}
