//! Decoding an HDF5 chunk's filter pipeline outside the library (and its global lock).
//!
//! Supported: deflate (zlib, via flate2), shuffle, fletcher32 (checked), and LZF (h5py's filter
//! 32000, via the `lzf` crate). A dataset with any other filter (szip, n-bit, scale-offset,
//! blosc, zfp, ...) is read through libhdf5 instead, under its lock.

use std::io::Read;

use super::Hdf5Error;

/// HDF5 filter ids.
const DEFLATE: i32 = 1;
const SHUFFLE: i32 = 2;
const FLETCHER32: i32 = 3;
const LZF: i32 = 32000;

/// One decodable filter of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Decode {
    Deflate,
    /// Shuffle with this element size in bytes.
    Shuffle(usize),
    Fletcher32,
    Lzf,
}

/// The decodable form of a dataset's pipeline, or `None` if a filter needs the library.
pub fn pipeline(filters: &[hdf5::filters::Filter], itemsize: usize) -> Option<Vec<Decode>> {
    use hdf5::filters::Filter;
    filters
        .iter()
        .map(|f| match f {
            Filter::Deflate(_) => Some(Decode::Deflate),
            Filter::Shuffle => Some(Decode::Shuffle(itemsize)),
            Filter::Fletcher32 => Some(Decode::Fletcher32),
            Filter::User(id, _) if *id == LZF => Some(Decode::Lzf),
            Filter::User(id, _) if *id == DEFLATE => Some(Decode::Deflate),
            Filter::User(id, _) if *id == SHUFFLE => Some(Decode::Shuffle(itemsize)),
            Filter::User(id, _) if *id == FLETCHER32 => Some(Decode::Fletcher32),
            _ => None,
        })
        .collect()
}

/// Undo `pipeline` (applied in order when writing) on one chunk's stored bytes; `mask` bit i
/// set means filter i was skipped for this chunk. `nbytes` is the decoded chunk size.
pub fn decode(mut data: Vec<u8>, pipeline: &[Decode], mask: u32, nbytes: usize) -> Result<Vec<u8>, Hdf5Error> {
    for (i, f) in pipeline.iter().enumerate().rev() {
        if mask & (1 << i) != 0 {
            continue;
        }
        data = match f {
            Decode::Deflate => {
                let mut out = Vec::with_capacity(nbytes);
                flate2::read::ZlibDecoder::new(&data[..])
                    .read_to_end(&mut out)
                    .map_err(|e| Hdf5Error::Corrupt(format!("deflate stream: {e}")))?;
                out
            }
            Decode::Shuffle(size) => unshuffle(&data, *size),
            Decode::Fletcher32 => {
                if data.len() < 4 {
                    return Err(Hdf5Error::Corrupt("chunk shorter than its fletcher32 checksum".into()));
                }
                let n = data.len() - 4;
                let stored = u32::from_le_bytes([data[n], data[n + 1], data[n + 2], data[n + 3]]);
                let sum = fletcher32(&data[..n]);
                // HDF5 also accepts the byte-swapped form written by 1.6.x.
                if stored != sum && stored != sum.swap_bytes() {
                    return Err(Hdf5Error::Checksum(format!("fletcher32 {stored:#010x} stored, {sum:#010x} computed")));
                }
                data.truncate(n);
                data
            }
            Decode::Lzf => {
                if data.len() == nbytes {
                    data // stored uncompressed by the filter (incompressible chunk)
                } else {
                    lzf::decompress(&data, nbytes).map_err(|e| Hdf5Error::Corrupt(format!("lzf stream: {e:?}")))?
                }
            }
        };
    }
    if data.len() < nbytes {
        return Err(Hdf5Error::Corrupt(format!("chunk decodes to {} bytes, expected {nbytes}", data.len())));
    }
    data.truncate(nbytes);
    Ok(data)
}

/// Reverse HDF5's shuffle: byte j of element i was stored at `j * n + i`.
pub fn unshuffle(data: &[u8], size: usize) -> Vec<u8> {
    if size <= 1 {
        return data.to_vec();
    }
    let n = data.len() / size;
    let mut out = vec![0u8; data.len()];
    for j in 0..size {
        let src = &data[j * n..(j + 1) * n];
        for (i, &b) in src.iter().enumerate() {
            out[i * size + j] = b;
        }
    }
    // bytes that do not form a whole element are stored as they are
    out[n * size..].copy_from_slice(&data[n * size..]);
    out
}

/// HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit big-endian words, sums reduced mod
/// 65535 every 360 words.
pub fn fletcher32(data: &[u8]) -> u32 {
    let (mut sum1, mut sum2) = (0u32, 0u32);
    let mut words = data.chunks_exact(2);
    let mut left = data.len() / 2;
    while left > 0 {
        let t = left.min(360);
        left -= t;
        for w in words.by_ref().take(t) {
            sum1 += ((w[0] as u32) << 8) | w[1] as u32;
            sum2 += sum1;
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if data.len() % 2 == 1 {
        sum1 += (data[data.len() - 1] as u32) << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    (sum2 << 16) | sum1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_round_trip() {
        let v: Vec<u8> = (0..35).collect();
        // shuffle by hand: 8 elements of 4 bytes + 3 stray bytes
        let mut sh = vec![0u8; 35];
        for i in 0..8 {
            for j in 0..4 {
                sh[j * 8 + i] = v[i * 4 + j];
            }
        }
        sh[32..].copy_from_slice(&v[32..]);
        assert_eq!(unshuffle(&sh, 4), v);
    }

    #[test]
    fn fletcher32_by_hand() {
        // one big-endian word 0x6162: both sums are the word
        assert_eq!(fletcher32(b"ab"), 0x6162_6162);
        // odd length: the last byte is the high byte of a word; 0x6162 + 0x6300 = 0xC462 and
        // 0x6162 + 0xC462 = 0x125C4, folded to 0x25C5
        assert_eq!(fletcher32(b"abc"), 0x25C5_C462);
        // (checked against libhdf5-written files in tests/it/hdf5.rs)
    }
}
