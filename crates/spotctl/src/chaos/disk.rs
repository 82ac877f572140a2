//! A small file system for the NATS store, so the `nats-disk` fault can fill
//! it without touching the machine's disks: a tmpfs of a fixed size mounted
//! on a temporary directory (root only), filled with one filler file until
//! the kernel says the device is full, and emptied again by deleting it.

use anyhow::Context as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Size of the file system the store lives on.
pub const SIZE_MIB: u64 = 256;

/// A mounted tmpfs, unmounted when dropped.
#[derive(Debug)]
pub struct SmallDisk {
    dir: tempfile::TempDir,
    filler: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of [`SIZE_MIB`] on a new temporary directory.
    pub fn mount() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={SIZE_MIB}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .context("running mount")?;
        anyhow::ensure!(status.success(), "mounting a tmpfs for the nats-disk fault needs root ({status})");
        let filler = dir.path().join("filler");
        Ok(Self { dir, filler })
    }

    /// Where the store goes.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the filler until the file system is full; returns MiB written.
    pub fn fill(&self) -> anyhow::Result<u64> {
        let mut file = std::fs::File::create(&self.filler)?;
        let chunk = vec![0u8; 1 << 20];
        let mut written = 0;
        loop {
            match file.write_all(&chunk) {
                Ok(()) => written += 1,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => return Err(e.into()),
            }
        }
        // The last partial chunk may sit in the page cache only; tmpfs has
        // no other place for it, so the device is full now.
        Ok(written)
    }

    /// Deletes the filler.
    pub fn drain(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(&self.filler) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: whatever still has a file open there lets go later.
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}
