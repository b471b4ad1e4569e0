//! [`ExitStatus`]: how a child process ended.

use core::fmt;

use crate::signal::signal_name;
use crate::sys::{self, Siginfo};
use crate::{Error, Result};

/// How a child process ended, as [`PidFd::wait`](crate::PidFd::wait)
/// reports it: it exited with a status, or a signal killed it (perhaps
/// dumping core).
///
/// The methods follow `std::process::ExitStatus` and its Unix extension
/// trait. With the `std` feature it converts into
/// `std::process::ExitStatus`.
///
/// # Examples
///
/// ```
/// use std::process::Command;
/// use iofd::PidFd;
///
/// let child = Command::new("/bin/sh").args(["-c", "exit 3"]).spawn().unwrap();
/// let status = PidFd::open(child.id() as i32)?.wait()?;
/// assert_eq!(status.code(), Some(3));
/// assert!(!status.success());
/// assert_eq!(status.to_string(), "exited with status 3");
/// # Ok::<(), iofd::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExitStatus(Ended);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Ended {
    /// `CLD_EXITED`: `exit(status)`, status `0..=255`.
    Exited(i32),
    /// `CLD_KILLED` / `CLD_DUMPED`: killed by `signal`.
    Killed { signal: i32, core_dumped: bool },
}

impl ExitStatus {
    /// The status of a child reaped by waitid(2) with `WEXITED`: `si_code`
    /// says how it ended, `si_status` the exit status or the signal.
    ///
    /// # Errors
    /// `ERANGE` for any other `si_code` (stopped or continued children,
    /// which `WEXITED` alone never reports).
    pub(crate) fn from_siginfo(info: &Siginfo) -> Result<ExitStatus> {
        let ended = match info.si_code {
            sys::CLD_EXITED => Ended::Exited(info.si_status),
            sys::CLD_KILLED => Ended::Killed {
                signal: info.si_status,
                core_dumped: false,
            },
            sys::CLD_DUMPED => Ended::Killed {
                signal: info.si_status,
                core_dumped: true,
            },
            _ => return Err(Error::RANGE),
        };
        Ok(ExitStatus(ended))
    }

    /// The exit status (`0..=255`) if the process exited, `None` if a
    /// signal killed it.
    #[inline]
    #[must_use]
    pub fn code(&self) -> Option<i32> {
        match self.0 {
            Ended::Exited(code) => Some(code),
            Ended::Killed { .. } => None,
        }
    }

    /// The signal that killed the process, `None` if it exited.
    #[inline]
    #[must_use]
    pub fn signal(&self) -> Option<i32> {
        match self.0 {
            Ended::Exited(_) => None,
            Ended::Killed { signal, .. } => Some(signal),
        }
    }

    /// Whether the process was killed by a signal and dumped core.
    #[inline]
    #[must_use]
    pub fn core_dumped(&self) -> bool {
        matches!(
            self.0,
            Ended::Killed {
                core_dumped: true,
                ..
            }
        )
    }

    /// Whether the process exited with status 0.
    #[inline]
    #[must_use]
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }

    /// The status as waitpid(2) encodes it (`WIFEXITED`, `WTERMSIG`, …):
    /// the exit status in bits 8..16, or the signal in bits 0..7 and the
    /// core flag in bit 7.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn wait_status(&self) -> i32 {
        match self.0 {
            Ended::Exited(code) => (code & 0xff) << 8,
            Ended::Killed {
                signal,
                core_dumped,
            } => (signal & 0x7f) | if core_dumped { 0x80 } else { 0 },
        }
    }
}

impl fmt::Display for ExitStatus {
    /// In plain words: `exited with status 3`, `killed by signal 9
    /// (SIGKILL)`, `killed by signal 6 (SIGABRT), core dumped`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ended::Exited(code) => write!(f, "exited with status {code}"),
            Ended::Killed {
                signal,
                core_dumped,
            } => {
                write!(f, "killed by signal {signal}")?;
                if let Some(name) = signal_name(signal) {
                    write!(f, " ({name})")?;
                }
                if core_dumped {
                    f.write_str(", core dumped")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for ExitStatus {
    /// `ExitStatus(exited with status 3)`: the plain words of `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExitStatus({self})")
    }
}

#[cfg(test)]
mod tests {
    use std::format;

    use super::*;

    fn status(si_code: i32, si_status: i32) -> Result<ExitStatus> {
        let info = Siginfo {
            si_signo: 17,
            si_code,
            si_status,
            ..Siginfo::default()
        };
        ExitStatus::from_siginfo(&info)
    }

    #[test]
    fn exits_have_a_code_and_no_signal() {
        let s = status(sys::CLD_EXITED, 3).unwrap();
        assert_eq!(
            (s.code(), s.signal(), s.core_dumped()),
            (Some(3), None, false)
        );
        assert!(!s.success());
        assert!(status(sys::CLD_EXITED, 0).unwrap().success());
        assert_eq!(format!("{s}"), "exited with status 3");
        assert_eq!(format!("{s:?}"), "ExitStatus(exited with status 3)");
    }

    #[test]
    fn kills_have_a_signal_and_no_code() {
        let s = status(sys::CLD_KILLED, 9).unwrap();
        assert_eq!(
            (s.code(), s.signal(), s.core_dumped()),
            (None, Some(9), false)
        );
        assert!(!s.success());
        assert_eq!(format!("{s}"), "killed by signal 9 (SIGKILL)");
        let s = status(sys::CLD_DUMPED, 6).unwrap();
        assert_eq!(
            (s.code(), s.signal(), s.core_dumped()),
            (None, Some(6), true)
        );
        assert_eq!(format!("{s}"), "killed by signal 6 (SIGABRT), core dumped");
        let s = status(sys::CLD_KILLED, 40).unwrap();
        assert_eq!(format!("{s}"), "killed by signal 40");
    }

    #[test]
    fn stopped_or_continued_is_not_an_end() {
        // CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED, and nonsense.
        for code in [4, 5, 6, 0, -1] {
            assert_eq!(status(code, 19).unwrap_err().raw_os_error(), 34); // ERANGE
        }
    }

    #[test]
    #[cfg(feature = "std")]
    fn wait_statuses_decode_as_libc_does() {
        let s = status(sys::CLD_EXITED, 255).unwrap().wait_status();
        assert!(libc::WIFEXITED(s) && libc::WEXITSTATUS(s) == 255);
        let s = status(sys::CLD_KILLED, 15).unwrap().wait_status();
        assert!(libc::WIFSIGNALED(s) && libc::WTERMSIG(s) == 15 && !libc::WCOREDUMP(s));
        let s = status(sys::CLD_DUMPED, 11).unwrap().wait_status();
        assert!(libc::WIFSIGNALED(s) && libc::WTERMSIG(s) == 11 && libc::WCOREDUMP(s));
    }
}
