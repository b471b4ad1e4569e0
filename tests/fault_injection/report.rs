//! What a child leaves for its parent: a report in a shared page, written
//! without allocating and without a system call (the filter may be failing
//! `write`, `mmap`, …), and the exits that end the child.

use std::fmt::{self, Write as _};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering::Relaxed};

/// How far the child got.
pub const STAGE_FORKED: u32 = 1;
pub const STAGE_SETUP: u32 = 2;
pub const STAGE_CALL: u32 = 3;
pub const STAGE_CHECKS: u32 = 4;
pub const STAGE_PASSED: u32 = 5;
pub const STAGE_FAILED: u32 = 6;

/// The child's findings, in memory shared with the parent.
#[repr(C)]
pub struct Report {
    pub stage: u32,
    pub len: u32,
    pub msg: [u8; 2000],
}

/// The report of the running child, for the `SIGSYS` handler and the
/// panic hook.
pub static REPORT: AtomicPtr<Report> = AtomicPtr::new(ptr::null_mut());

/// Appends to the report without allocating or issuing a system call.
pub struct ReportWriter;

impl fmt::Write for ReportWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let r = REPORT.load(Relaxed);
        if r.is_null() {
            return Ok(());
        }
        // SAFETY: `r` is the shared report page, mapped for the whole life
        // of the child; only this (single) thread of the child writes it.
        let r = unsafe { &mut *r };
        let start = r.len as usize;
        let n = s.len().min(r.msg.len() - start);
        r.msg[start..start + n].copy_from_slice(&s.as_bytes()[..n]);
        r.len = (start + n) as u32;
        Ok(())
    }
}

/// Records how far the child got.
pub fn set_stage(stage: u32) {
    // SAFETY: as in `ReportWriter::write_str`.
    unsafe { (*REPORT.load(Relaxed)).stage = stage };
}

/// Appends a message (truncated to the page).
pub fn record(args: fmt::Arguments<'_>) {
    let _ = ReportWriter.write_fmt(args);
}

/// Ends the child: exit_group(2) without destructors or buffered output.
pub fn exit(code: i32) -> ! {
    // SAFETY: _exit ends the process; nothing is left to run.
    unsafe { libc::_exit(code) }
}

/// Ends the child as a pass, skipping destructors.
pub fn pass() -> ! {
    set_stage(STAGE_PASSED);
    exit(0)
}
