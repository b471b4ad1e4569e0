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
    ///
    /// Digit by digit, subtracting powers of ten: no division, which on
    /// the 32-bit targets would take a 64-bit division routine (over 1 KiB
    /// on armv7) for these few digits.
    pub fn num(&mut self, n: u64) -> &mut Line {
        let mut rest = n;
        let mut started = false;
        let mut power = 1_u64;
        let mut powers = [1_u64; 20];
        for p in powers.iter_mut().rev() {
            *p = power;
            power = power.wrapping_mul(10);
        }
        for (i, &power) in powers.iter().enumerate() {
            let mut digit = 0;
            while rest >= power {
                rest -= power;
                digit += 1;
            }
            if digit > 0 || started || i == powers.len() - 1 {
                started = true;
                self.bytes(&[b'0' + digit]);
            }
        }
        self
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
