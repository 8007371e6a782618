//! The store a new array's chunks are written into: its temporary directory, with one flush at
//! the end instead of one per chunk.
//!
//! zarrs' `FilesystemStore` calls `fsync` after every chunk it writes (and has no option not
//! to). For a new array that is wasted work: the chunks go into a temporary directory that no
//! reader can see, and the array appears only when that directory is renamed into place. So
//! [`FreshStore`] writes whole chunks with plain `write`s. With `ZarrOptions::durable`,
//! [`sync_dir_tree`] flushes the file system holding the directory once (`syncfs`), just before
//! the rename: the same guarantee (a renamed array's chunks are on disk), one device flush
//! instead of one per chunk. Without it (the default, as zarr-python and dask) nothing waits
//! for the disk: the rename alone keeps a failed or killed write from leaving an array that
//! looks complete. Everything but whole-value writes
//! (reads, partial writes, erases, listing) goes to the `FilesystemStore` underneath.

use std::path::Path;

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::{
    byte_range::ByteRangeIterator, Bytes, MaybeBytes, MaybeBytesIterator, OffsetBytesIterator, ReadableStorageTraits,
    StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

/// A filesystem store whose whole-value writes are not synced one by one (see the module docs).
pub(crate) struct FreshStore(pub(crate) FilesystemStore);

impl ReadableStorageTraits for FreshStore {
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.0.get_partial_many(key, byte_ranges)
    }
    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        self.0.get(key)
    }
    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.0.size_key(key)
    }
    fn supports_get_partial(&self) -> bool {
        self.0.supports_get_partial()
    }
}

impl WritableStorageTraits for FreshStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        let path = self.0.key_to_fspath(key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &value)?;
        Ok(())
    }
    fn set_partial_many(&self, key: &StoreKey, offset_values: OffsetBytesIterator) -> Result<(), StorageError> {
        self.0.set_partial_many(key, offset_values)
    }
    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        self.0.erase(key)
    }
    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        self.0.erase_prefix(prefix)
    }
    fn supports_set_partial(&self) -> bool {
        self.0.supports_set_partial()
    }
}

/// Flush everything written under `dir` to its device: `syncfs` on the file system holding it
/// (one flush for all the chunks [`FreshStore`] wrote there).
pub(crate) fn sync_dir_tree(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = std::fs::File::open(dir)?;
    // SAFETY: `syncfs` takes a file descriptor and touches no memory of ours; `d` is an open
    // file (the directory) for the whole call, so the descriptor is valid and not reused.
    let r = unsafe { libc::syncfs(d.as_raw_fd()) };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_writes_read_back_and_a_synced_tree_is_ok() {
        let dir = std::env::temp_dir().join(format!("ndchunk-fresh-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s = FreshStore(FilesystemStore::new(&dir).unwrap());
        let key = StoreKey::new("a/c/0/1").unwrap();
        s.set(&key, Bytes::from_static(b"chunk")).unwrap();
        assert_eq!(s.get(&key).unwrap().as_deref(), Some(&b"chunk"[..]));
        assert_eq!(std::fs::read(dir.join("a/c/0/1")).unwrap(), b"chunk");
        sync_dir_tree(&dir).unwrap();
        s.erase(&key).unwrap();
        assert!(s.get(&key).unwrap().is_none());
        assert!(sync_dir_tree(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
