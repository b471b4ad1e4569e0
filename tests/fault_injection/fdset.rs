//! Snapshots of the open descriptors, to compare before and after a call.

use std::fmt;

/// The open descriptors of the child: a bit per number below 1024, and a
/// count of any above.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FdSet {
    low: [u64; 16],
    high: u32,
}

impl fmt::Display for FdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        let mut first = true;
        for fd in 0..1024 {
            if self.low[fd / 64] & (1 << (fd % 64)) != 0 {
                write!(f, "{}{fd}", if first { "" } else { ", " })?;
                first = false;
            }
        }
        if self.high > 0 {
            write!(f, " and {} above 1023", self.high)?;
        }
        f.write_str("}")
    }
}

impl FdSet {
    /// Lists `proc_fd` (an open `/proc/self/fd`) from the start, with
    /// lseek(2) and getdents64(2): neither is a call iofd issues, so no
    /// filter here touches them.
    pub fn of(proc_fd: i32) -> Result<FdSet, &'static str> {
        let mut set = FdSet {
            low: [0; 16],
            high: 0,
        };
        // SAFETY: lseek on a descriptor this child owns; no memory.
        if unsafe { libc::lseek(proc_fd, 0, libc::SEEK_SET) } != 0 {
            return Err("lseek /proc/self/fd failed");
        }
        let mut buf = [0u64; 512];
        loop {
            let len = size_of_val(&buf);
            // SAFETY: `buf` is valid for `len` bytes of writes.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, proc_fd, buf.as_mut_ptr(), len) };
            if n < 0 {
                return Err("getdents64 /proc/self/fd failed");
            }
            if n == 0 {
                return Ok(set);
            }
            // SAFETY: the kernel filled the first `n` bytes of `buf`.
            let bytes =
                unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n as usize) };
            let mut at = 0;
            while at < bytes.len() {
                // `struct linux_dirent64`: d_ino (8), d_off (8), d_reclen
                // (2), d_type (1), then the NUL-terminated name.
                let reclen = usize::from(u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]));
                let name = &bytes[at + 19..at + reclen];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if let Some(fd) = parse_fd(name) {
                    if fd < 1024 {
                        set.low[fd / 64] |= 1 << (fd % 64);
                    } else {
                        set.high += 1;
                    }
                }
                at += reclen;
            }
        }
    }
}

/// A decimal descriptor number; `None` for `.` and `..`.
fn parse_fd(name: &[u8]) -> Option<usize> {
    if name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(name.iter().fold(0, |n, &d| n * 10 + usize::from(d - b'0')))
}
