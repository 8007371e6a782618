//! zarrs' errors as ndchunk's: each one says which store and array, and falls into a
//! [`ZarrError`] variant a caller can match on.
//!
//! zarrs reports through several error types (`ArrayCreateError` when an array is opened or
//! created, `ArrayError` when chunks are read or written, `StorageError` from the store). The
//! classification here is by variant, not by message, except for the one case zarrs does not
//! separate: a codec name it has no plugin for and a codec configuration it cannot parse are both
//! `PluginCreateError`s; the first is [`ZarrError::UnsupportedCodec`], the second too (a codec
//! ndchunk cannot run as configured), with zarrs' words naming the codec.

use zarrs::array::{ArrayCreateError, ArrayError};
use zarrs::storage::StorageError;

use crate::error::{Error, ZarrError};

/// `store:array`, the name of an array in messages.
pub(crate) fn at(store: &str, array: &str) -> String {
    format!("{store}:{array}")
}

/// An error of the store itself.
pub(crate) fn storage(at: &str, e: &StorageError) -> Error {
    Error::Zarr(match e {
        StorageError::MissingMetadata(_) => ZarrError::NotFound(format!("{at}: {e}")),
        StorageError::InvalidMetadata(..) => ZarrError::Metadata(format!("{at}: {e}")),
        _ => ZarrError::Storage(format!("{at}: {e}")),
    })
}

/// An error opening (or building) an array.
pub(crate) fn create(at: &str, e: ArrayCreateError) -> Error {
    use ArrayCreateError as E;
    let zarr = |z| Error::Zarr(z);
    match e {
        E::MissingMetadata => {
            zarr(ZarrError::NotFound(format!("{at}: no array metadata (zarr.json or .zarray) at this path")))
        }
        E::CodecsCreateError(p) | E::StorageTransformersCreateError(p) => zarr(ZarrError::UnsupportedCodec(format!(
            "{at}: {p} (this build of ndchunk runs bytes, transpose, blosc, zstd, gzip, crc32c and sharding_indexed)"
        ))),
        E::UnsupportedZarrV2Array(m) => zarr(ZarrError::UnsupportedCodec(format!("{at}: {m}"))),
        E::StorageError(s) => storage(at, &s),
        E::DataTypeCreateError(p) => Error::DType(format!("{at} holds a data type ndchunk does not read: {p}")),
        other => zarr(ZarrError::Metadata(format!("{at}: {other}"))),
    }
}

/// An error reading or writing chunks.
pub(crate) fn array(at: &str, e: ArrayError) -> Error {
    use zarrs::array::CodecError as C;
    match e {
        ArrayError::StorageError(s) => storage(at, &s),
        ArrayError::CodecError(C::InvalidChecksum) => {
            Error::Zarr(ZarrError::Checksum(format!("{at}: a chunk's crc32c checksum does not match its bytes")))
        }
        ArrayError::CodecError(C::StorageError(s)) => storage(at, &s),
        ArrayError::CodecError(c) => Error::Zarr(ZarrError::Corrupt(format!("{at}: a chunk does not decode: {c}"))),
        ArrayError::UnexpectedChunkDecodedSize(..)
        | ArrayError::UnexpectedChunkDecodedShape(..)
        | ArrayError::InvalidBytesInputSize(..) => {
            Error::Zarr(ZarrError::Corrupt(format!("{at}: a chunk decodes to the wrong size: {e}")))
        }
        ArrayError::ElementError(_) => Error::DType(format!("{at}: {e}")),
        other => Error::Zarr(ZarrError::Library(format!("{at}: {other}"))),
    }
}
