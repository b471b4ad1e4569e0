//! Output without an allocator and without `core::fmt` (which alone would
//! double the size of the program).

use core::mem::ManuallyDrop;

use iofd::{Fd, Result};

/// One line of text, built in a fixed buffer and written with one
/// write(2).
pub struct Line {
    buf: [u8; 80],
    len: usize,
}

impl Line {
    /// A line starting with `text`.
    pub fn new(text: &str) -> Line {
        let mut line = Line {
            buf: [0; 80],
            len: 0,
        };
        line.text(text);
        line
    }

    /// Appends `text`.
    pub fn text(&mut self, text: &str) -> &mut Line {
        self.bytes(text.as_bytes())
    }

    /// Appends raw bytes; whatever does not fit (one byte stays free for
    /// the newline) is cut off.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Line {
        let room = self.buf.len() - 1 - self.len;
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        self
    }

    /// Appends `n` in decimal.
    pub fn num(&mut self, mut n: u64) -> &mut Line {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes(&digits[start..])
    }

    /// Writes the line and a newline to standard output.
    pub fn print(&mut self) -> Result<()> {
        self.write_to(1)
    }

    /// Writes the line and a newline to standard error.
    pub fn eprint(&mut self) -> Result<()> {
        self.write_to(2)
    }

    fn write_to(&mut self, raw: i32) -> Result<()> {
        self.buf[self.len] = b'\n';
        write_all(raw, &self.buf[..=self.len])
    }
}

/// Writes all of `bytes` to `raw`, one of the standard descriptors the
/// process was started with, and leaves it open.
fn write_all(raw: i32, mut bytes: &[u8]) -> Result<()> {
    // SAFETY: `raw` is a standard stream the process was started with. The
    // `ManuallyDrop` never runs the `Fd`'s close, so this `Fd` only borrows
    // the number for these writes and cannot close it under its owner.
    let fd = ManuallyDrop::new(unsafe { Fd::from_raw(raw) });
    while !bytes.is_empty() {
        let n = fd.write(bytes)?;
        bytes = &bytes[n..];
    }
    Ok(())
}
