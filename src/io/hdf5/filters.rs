//! An HDF5 dataset's filter pipeline: reading it, checking that every filter can be run, and
//! decoding a chunk outside the library (and its global lock).
//!
//! The pipeline is read through hdf5-sys (`H5Pget_nfilters`, `H5Pget_filter2`) rather than
//! hdf5-metno's `filters()`, which panics on a filter with more than 32 parameters and returns
//! an empty pipeline when it cannot parse one (so that a blosc dataset with unexpected
//! parameters looked unfiltered).
//!
//! Decoded here: deflate (zlib, via flate2), shuffle, fletcher32 (checked), and LZF (h5py's
//! filter 32000, via the `lzf` crate). A dataset with any other filter (szip, n-bit,
//! scale-offset, blosc, zfp, ...) is read through libhdf5 instead, under its lock, which needs
//! the filter built in or its plugin on `HDF5_PLUGIN_PATH`.

use std::ffi::{c_char, c_uint};
use std::fmt;
use std::io::Read;

use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::{H5Pget_filter2, H5Pget_nfilters};
use hdf5_sys::h5z::{H5Zfilter_avail, H5Z_FLAG_OPTIONAL};

use super::Hdf5Error;

/// HDF5 filter ids.
pub const DEFLATE: i32 = 1;
pub const SHUFFLE: i32 = 2;
pub const FLETCHER32: i32 = 3;
pub const LZF: i32 = 32000;

/// The most parameters `H5Pget_filter2` copies out in one call: it refuses a larger buffer
/// ("probable uninitialized *cd_nelmts argument"), whatever the file holds.
const MAX_PARAMS: usize = 256;

/// Longest filter name read from a file (longer ones are cut).
const NAME_LEN: usize = 256;

/// The usual name of a filter id: HDF5's own and the registered third-party filters most often
/// met (the HDF Group's list of registered filter plugins).
pub fn known_name(id: i32) -> Option<&'static str> {
    Some(match id {
        DEFLATE => "deflate",
        SHUFFLE => "shuffle",
        FLETCHER32 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        305 => "lzo",
        307 => "bzip2",
        LZF => "lzf",
        32001 => "blosc",
        32003 => "snappy",
        32004 => "lz4",
        32008 => "bitshuffle",
        32013 => "zfp",
        32014 => "fpzip",
        32015 => "zstd",
        32017 => "sz",
        32024 => "sz3",
        32026 => "blosc2",
        _ => return None,
    })
}

/// One filter of a dataset's pipeline, as the file records it.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterInfo {
    /// The filter id (1 deflate, 32015 zstd, ...).
    pub id: i32,
    /// `H5Z_FLAG_OPTIONAL`: a writer may skip the filter chunk by chunk (h5py marks every
    /// third-party filter so).
    pub optional: bool,
    /// The filter's parameters ("client data"; the first 256 when there are more).
    pub params: Vec<u32>,
    /// How many parameters the file records.
    pub nparams: usize,
    /// The name stored in the file (empty for many third-party filters).
    pub stored_name: String,
}

impl FilterInfo {
    /// The filter's usual name, else the name stored in the file, else `"unknown filter"`.
    pub fn name(&self) -> &str {
        match known_name(self.id) {
            Some(n) => n,
            None if !self.stored_name.is_empty() => &self.stored_name,
            None => "unknown filter",
        }
    }

    /// Whether ndchunk decodes this filter itself.
    pub fn decoded_by_ndchunk(&self) -> bool {
        matches!(self.id, DEFLATE | SHUFFLE | FLETCHER32 | LZF)
    }
}

impl fmt::Display for FilterInfo {
    /// `zstd (32015)`; `"my filter" (40000, unknown filter)`; `unknown filter (40000)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match known_name(self.id) {
            Some(n) => write!(f, "{n} ({})", self.id),
            None if !self.stored_name.is_empty() => write!(f, "{:?} ({}, unknown filter)", self.stored_name, self.id),
            None => write!(f, "unknown filter ({})", self.id),
        }
    }
}

/// `[shuffle (2), zstd (32015)]`, for messages.
pub fn describe(filters: &[FilterInfo]) -> String {
    let names: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
    format!("[{}]", names.join(", "))
}

/// Read the filter pipeline of the dataset creation property list `dcpl` (an open id the
/// caller keeps open for the duration of the call), under libhdf5's lock.
pub fn read_pipeline(dcpl: hid_t) -> Result<Vec<FilterInfo>, String> {
    hdf5::sync::sync(|| {
        // SAFETY: an FFI query on a property list id; an invalid id is reported by a negative
        // return, not undefined behaviour. libhdf5's global lock is held (`sync`).
        let n = unsafe { H5Pget_nfilters(dcpl) };
        let n = c_uint::try_from(n).map_err(|_| "libhdf5 cannot read the filter pipeline".to_string())?;
        let mut out = Vec::new();
        for idx in 0..n {
            let mut flags: c_uint = 0;
            let mut params = [0 as c_uint; MAX_PARAMS];
            let mut nparams: usize = MAX_PARAMS;
            let mut name = [0 as c_char; NAME_LEN + 1];
            // SAFETY: every pointer is to a live local of the length passed with it: libhdf5
            // copies at most `nparams` (= params.len()) values into `params` and at most
            // `name.len()` bytes, NUL included, into `name`, and writes the number of
            // parameters the filter really has back into `nparams` (which may be larger: hence
            // the `min` below). `filter_config` may be null. `idx` < the filter count. The
            // lock is held.
            let id = unsafe {
                H5Pget_filter2(
                    dcpl,
                    idx,
                    &mut flags,
                    &mut nparams,
                    params.as_mut_ptr(),
                    name.len(),
                    name.as_mut_ptr(),
                    std::ptr::null_mut(),
                )
            };
            if id < 0 {
                return Err(format!("libhdf5 cannot read filter {idx} of the pipeline"));
            }
            // libhdf5 NUL-terminates the name; stop at the buffer's end all the same
            let bytes: Vec<u8> = name.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            out.push(FilterInfo {
                id,
                optional: flags & H5Z_FLAG_OPTIONAL != 0,
                params: params[..nparams.min(MAX_PARAMS)].to_vec(),
                nparams,
                stored_name: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(out)
    })
}

/// Whether this libhdf5 can run filter `id`: built in, registered, or a plugin it finds on
/// `HDF5_PLUGIN_PATH` (which it loads).
pub fn library_has(id: i32) -> bool {
    // SAFETY: an FFI query taking a plain integer (an unknown id answers 0 or a negative
    // error); libhdf5's global lock is held (`sync`).
    hdf5::sync::sync(|| unsafe { H5Zfilter_avail(id) }) > 0
}

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
pub fn pipeline(filters: &[FilterInfo], itemsize: usize) -> Option<Vec<Decode>> {
    filters
        .iter()
        .map(|f| match f.id {
            DEFLATE => Some(Decode::Deflate),
            // libhdf5's shuffle uses the element size recorded as its first parameter
            SHUFFLE => Some(Decode::Shuffle(
                f.params.first().and_then(|&s| usize::try_from(s).ok()).filter(|&s| s > 0).unwrap_or(itemsize),
            )),
            FLETCHER32 => Some(Decode::Fletcher32),
            LZF => Some(Decode::Lzf),
            _ => None,
        })
        .collect()
}

/// Whether bit `i` of a chunk's filter mask is set: filter `i` was skipped for that chunk.
pub fn skipped(mask: u32, i: usize) -> bool {
    u32::try_from(i).ok().and_then(|i| 1u32.checked_shl(i)).is_some_and(|bit| mask & bit != 0)
}

/// Undo `pipeline` (applied in order when writing) on one chunk's stored bytes; `mask` bit i
/// set means filter i was skipped for this chunk. `nbytes` is the decoded chunk size.
pub fn decode(mut data: Vec<u8>, pipeline: &[Decode], mask: u32, nbytes: usize) -> Result<Vec<u8>, Hdf5Error> {
    for (i, f) in pipeline.iter().enumerate().rev() {
        if skipped(mask, i) {
            continue;
        }
        data = match f {
            Decode::Deflate => {
                // Nothing decodes to more than the chunk plus the checksums of the pipeline:
                // a stream that would (a "zip bomb") is corrupt, and is cut off before it fills
                // memory.
                let limit = nbytes.saturating_add(4 * pipeline.len());
                let mut out = Vec::new();
                // only a hint: `read_to_end` grows the buffer if this fails
                let _ = out.try_reserve_exact(nbytes);
                flate2::read::ZlibDecoder::new(&data[..])
                    .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
                    .read_to_end(&mut out)
                    .map_err(|e| Hdf5Error::Corrupt(format!("deflate stream: {e}")))?;
                if out.len() > limit {
                    return Err(Hdf5Error::Corrupt(format!(
                        "deflate stream decodes to more than the chunk's {nbytes} bytes"
                    )));
                }
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

    #[test]
    fn filter_names_and_masks() {
        let f = |id, stored: &str| FilterInfo {
            id,
            optional: true,
            params: vec![],
            nparams: 0,
            stored_name: stored.into(),
        };
        assert_eq!(f(32015, "").to_string(), "zstd (32015)");
        assert_eq!(f(32001, "blosc").to_string(), "blosc (32001)");
        assert_eq!(f(307, "").name(), "bzip2");
        assert_eq!(f(40000, "").to_string(), "unknown filter (40000)");
        assert_eq!(f(40000, "mine").to_string(), "\"mine\" (40000, unknown filter)");
        assert_eq!(describe(&[f(2, "shuffle"), f(32015, "")]), "[shuffle (2), zstd (32015)]");
        assert!(f(LZF, "").decoded_by_ndchunk() && !f(32015, "").decoded_by_ndchunk());
        assert!(skipped(0b10, 1) && !skipped(0b10, 0));
        // a mask bit past the 32 a mask holds is never set (and never overflows)
        assert!(!skipped(u32::MAX, 32) && !skipped(u32::MAX, usize::MAX));
        assert!(skipped(u32::MAX, 31));
    }

    #[test]
    fn shuffle_takes_its_element_size_from_the_file() {
        let f = |id, params: Vec<u32>| FilterInfo {
            id,
            optional: false,
            nparams: params.len(),
            params,
            stored_name: String::new(),
        };
        assert_eq!(pipeline(&[f(SHUFFLE, vec![4])], 8), Some(vec![Decode::Shuffle(4)]));
        assert_eq!(pipeline(&[f(SHUFFLE, vec![])], 8), Some(vec![Decode::Shuffle(8)]));
        assert_eq!(pipeline(&[f(SHUFFLE, vec![0])], 2), Some(vec![Decode::Shuffle(2)]));
        assert_eq!(
            pipeline(&[f(DEFLATE, (0..40).collect()), f(FLETCHER32, vec![])], 8),
            Some(vec![Decode::Deflate, Decode::Fletcher32])
        );
        assert_eq!(pipeline(&[f(DEFLATE, vec![4]), f(32015, vec![3])], 8), None);
    }

    #[test]
    fn a_deflate_stream_that_decodes_past_the_chunk_is_corrupt() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = z.finish().unwrap();
        // a chunk of 64 bytes whose stream inflates to 1 MiB
        let e = decode(bomb.clone(), &[Decode::Deflate], 0, 64).unwrap_err();
        assert!(matches!(e, Hdf5Error::Corrupt(ref m) if m.contains("more than")), "{e}");
        assert_eq!(decode(bomb, &[Decode::Deflate], 0, 1 << 20).unwrap().len(), 1 << 20);
    }

    #[test]
    fn the_pipeline_is_read_through_hdf5_sys() {
        let dir = std::env::temp_dir().join(format!("ndchunk-filters-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.h5");
        let file = hdf5::File::create(&path).unwrap();
        let ds = file
            .new_dataset::<f64>()
            .chunk([4, 4])
            .shuffle()
            .deflate(6)
            .fletcher32()
            .shape([8, 8])
            .create("d")
            .unwrap();
        let plain = file.new_dataset::<f64>().shape([3]).create("plain").unwrap();
        let got = read_pipeline(ds.dcpl().unwrap().id()).unwrap();
        let ids: Vec<i32> = got.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![SHUFFLE, DEFLATE, FLETCHER32]);
        assert_eq!(got[0].params, vec![8]); // shuffle: the element size
        assert_eq!(got[1].params, vec![6]); // deflate: the level
        assert!(got.iter().all(|f| f.nparams == f.params.len()));
        // libhdf5 marks deflate and shuffle optional, fletcher32 mandatory
        assert_eq!(got.iter().map(|f| f.optional).collect::<Vec<_>>(), vec![true, true, false]);
        assert_eq!(got[1].stored_name, "deflate");
        assert_eq!(pipeline(&got, 8), Some(vec![Decode::Shuffle(8), Decode::Deflate, Decode::Fletcher32]));
        assert!(read_pipeline(plain.dcpl().unwrap().id()).unwrap().is_empty());
        // an id that is not a property list is an error, not undefined behaviour
        assert!(read_pipeline(ds.id()).is_err());
        assert!(library_has(DEFLATE) && library_has(SHUFFLE) && !library_has(40000));
        drop((ds, plain, file));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
