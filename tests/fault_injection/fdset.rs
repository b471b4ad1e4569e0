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
    /// Lists the open descriptors through `proc_fd` (an open
    /// `/proc/self/fd`): a fresh openat2(2) of it, getdents64(2) to the
    /// end, close_range(2). None of these is a call iofd issues (iofd has
    /// `openat`, `close` and `lseek`, which is why the listing neither
    /// opens, rewinds nor closes with them), so no filter here touches
    /// them. The fresh directory descriptor itself is left out of the set.
    pub fn of(proc_fd: i32) -> Result<FdSet, &'static str> {
        // SAFETY: a zeroed `open_how` is valid (no flags, mode 0, no
        // resolve restrictions).
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) as u64;
        // SAFETY: a NUL-terminated path relative to a descriptor this
        // child owns, and an `open_how` of the size passed, which the
        // kernel only reads.
        let dir = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                proc_fd,
                c".".as_ptr(),
                &how,
                size_of::<libc::open_how>(),
            )
        };
        if dir < 0 {
            return Err("openat2 /proc/self/fd failed");
        }
        let dir = dir as i32;
        let listed = Self::list(dir);
        // SAFETY: closes only `dir`, which this function opened.
        if unsafe { libc::syscall(libc::SYS_close_range, dir, dir, 0) } != 0 {
            return Err("close_range of the listing descriptor failed");
        }
        let mut set = listed?;
        let dir = dir as usize;
        if dir < 1024 {
            set.low[dir / 64] &= !(1 << (dir % 64));
        } else {
            set.high -= 1;
        }
        Ok(set)
    }

    /// Every descriptor listed by getdents64(2) on `dir`, from its start.
    fn list(dir: i32) -> Result<FdSet, &'static str> {
        let mut set = FdSet {
            low: [0; 16],
            high: 0,
        };
        let mut buf = [0u64; 512];
        loop {
            let len = size_of_val(&buf);
            // SAFETY: `buf` is valid for `len` bytes of writes.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, dir, buf.as_mut_ptr(), len) };
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
