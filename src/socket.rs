//! Passing descriptors between processes: [`socketpair`], [`send_fds`],
//! [`recv_fds`].

use core::mem::{offset_of, size_of};

use crate::sys::{self, Cmsghdr};
use crate::{Error, Fd, FdGuard, Result};

/// The most descriptors one message carries: the kernel's `SCM_MAX_FD`
/// (`include/net/scm.h`); sendmsg(2) refuses more with `EINVAL`.
pub const SCM_MAX_FD: usize = 253;

/// The size of a descriptor in a control message: a C `int`.
const FD_SIZE: usize = size_of::<i32>();

/// Where the fields of a `struct cmsghdr` lie in a control buffer.
const LEN_AT: usize = offset_of!(Cmsghdr, cmsg_len);
const LEVEL_AT: usize = offset_of!(Cmsghdr, cmsg_level);
const TYPE_AT: usize = offset_of!(Cmsghdr, cmsg_type);

/// `CMSG_ALIGN`: control messages are aligned to `size_t` (`long`).
const fn cmsg_align(len: usize) -> usize {
    (len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// `CMSG_LEN`: a header and `len` bytes of data, unpadded.
const fn cmsg_len(len: usize) -> usize {
    cmsg_align(size_of::<Cmsghdr>()) + len
}

/// `CMSG_SPACE`: a header and `len` bytes of data, padded for the next.
const fn cmsg_space(len: usize) -> usize {
    cmsg_align(size_of::<Cmsghdr>()) + cmsg_align(len)
}

/// Room for every descriptor one message can carry, plus the two other
/// control messages the kernel may add on a Unix socket without being
/// asked by the sender: `SCM_CREDENTIALS` (`SO_PASSCRED`, a 12-byte
/// `struct ucred`) and `SCM_PIDFD` (`SO_PASSPIDFD`, one `int`). Only a
/// security label (`SO_PASSSEC`) has no fixed size.
const RECV_CONTROL: usize = cmsg_space(SCM_MAX_FD * FD_SIZE) + cmsg_space(12) + cmsg_space(FD_SIZE);

/// A control buffer on the stack, aligned as `struct cmsghdr` is.
#[repr(C)]
struct Control<const N: usize> {
    _align: [Cmsghdr; 0],
    bytes: [u8; N],
}

impl<const N: usize> Control<N> {
    const fn new() -> Self {
        Control {
            _align: [],
            bytes: [0; N],
        }
    }
}

/// socketpair(2) — two connected Unix sockets (`AF_UNIX`,
/// `SOCK_SEQPACKET`), non-blocking and close-on-exec.
///
/// A seqpacket socket keeps record boundaries: each [`send_fds`] is one
/// record, and each [`recv_fds`] reads one. It is the usual way to hand
/// descriptors to a child process: create the pair, fork, and keep one end
/// on each side.
///
/// # Errors
/// `EMFILE`/`ENFILE` when out of descriptors; `OutOfMemory`.
///
/// # Examples
///
/// ```
/// let (a, b) = iofd::socketpair()?;
/// iofd::send_fds(&a, b"hello", &[])?;
/// let mut buf = [0u8; 8];
/// assert_eq!(iofd::recv_fds(&b, &mut buf, &mut [])?, (5, 0));
/// assert_eq!(&buf[..5], b"hello");
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/socketpair.2.html>
pub fn socketpair() -> Result<(Fd, Fd)> {
    let ty = sys::SOCK_SEQPACKET | sys::O_NONBLOCK | sys::O_CLOEXEC;
    let [a, b] = sys::socketpair(sys::AF_UNIX, ty, 0)?;
    // SAFETY: the kernel just created both descriptors; we own them.
    Ok(unsafe { (Fd::from_raw(a), Fd::from_raw(b)) })
}

/// sendmsg(2) with `SCM_RIGHTS` — sends `data` and duplicates of `fds` to
/// the peer of `socket`; returns the bytes sent.
///
/// Every descriptor in `fds` is borrowed (held open against a concurrent
/// [`close`](Fd::close)) for the duration of the call, and stays open here:
/// the peer receives new descriptors for the same open files. With no
/// `fds` the message carries no control data. `MSG_NOSIGNAL` is set, so a
/// peer that has gone away gives `EPIPE` rather than `SIGPIPE`.
///
/// `data` must not be empty: a stream socket drops descriptors sent with no
/// data, and a receiver cannot tell an empty record from end-of-file.
///
/// # Errors
/// - `InvalidInput` for empty `data` or more than [`SCM_MAX_FD`]
///   descriptors (no system call);
/// - `Closed` if `socket` or any of `fds` is closed (no system call);
/// - `WouldBlock` when the socket's buffer is full; `EPIPE` (`Other`) when
///   the peer is closed; `EMSGSIZE` (`Other`) for a record larger than the
///   socket's buffer; `ETOOMANYREFS` (`Other`) past the kernel's limit on
///   descriptors in flight; `OutOfMemory`.
///
/// # Examples
///
/// ```
/// use iofd::{EventFd, Fd, MemFd};
///
/// let (a, b) = iofd::socketpair()?;
/// let ev = EventFd::new(0)?;
/// let mem = MemFd::new("shared")?;
/// iofd::send_fds(&a, b"two", &[ev.fd(), mem.fd()])?;
///
/// let mut buf = [0u8; 8];
/// let mut fds: [Option<Fd>; 2] = [None, None];
/// assert_eq!(iofd::recv_fds(&b, &mut buf, &mut fds)?, (3, 2));
/// // SAFETY: the first descriptor sent was an eventfd.
/// let ev2 = unsafe { EventFd::from_fd(fds[0].take().unwrap()) };
/// ev2.signal(1)?;
/// assert_eq!(ev.wait()?, 1); // one counter, two descriptors
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/sendmsg.2.html>,
/// <https://man7.org/linux/man-pages/man7/unix.7.html>
#[doc(alias = "sendmsg", alias = "SCM_RIGHTS")]
pub fn send_fds(socket: &Fd, data: &[u8], fds: &[&Fd]) -> Result<usize> {
    if data.is_empty() || fds.len() > SCM_MAX_FD {
        return Err(Error::INVALID);
    }
    let sock = socket.borrow()?;
    // The guards keep every number open until the kernel has taken its own
    // reference to the file, which sendmsg does before returning.
    let mut guards: [Option<FdGuard<'_>>; SCM_MAX_FD] = [const { None }; SCM_MAX_FD];
    let mut control = Control::<{ cmsg_space(SCM_MAX_FD * FD_SIZE) }>::new();
    let data_at = cmsg_len(0);
    for (i, (fd, slot)) in fds.iter().zip(&mut guards).enumerate() {
        let g = fd.borrow()?;
        let at = data_at + i * FD_SIZE;
        control.bytes[at..at + FD_SIZE].copy_from_slice(&g.raw().to_ne_bytes());
        *slot = Some(g);
    }
    let used = if fds.is_empty() {
        0
    } else {
        put_header(&mut control.bytes, fds.len() * FD_SIZE)
    };
    sys::sendmsg(
        sock.borrowed(),
        data,
        &control.bytes[..used],
        sys::MSG_NOSIGNAL,
    )
}

/// Writes an `SCM_RIGHTS` header for `len` bytes of descriptors at the start
/// of `control`; returns the `CMSG_SPACE` the message takes.
fn put_header(control: &mut [u8], len: usize) -> usize {
    put(control, LEN_AT, &cmsg_len(len).to_ne_bytes());
    put(control, LEVEL_AT, &sys::SOL_SOCKET.to_ne_bytes());
    put(control, TYPE_AT, &sys::SCM_RIGHTS.to_ne_bytes());
    cmsg_space(len)
}

/// Copies `bytes` into `control` at `at`.
fn put(control: &mut [u8], at: usize, bytes: &[u8]) {
    control[at..at + bytes.len()].copy_from_slice(bytes);
}

/// recvmsg(2) — receives one record into `buf` and the descriptors sent
/// with it into `fds`; returns `(bytes, descriptors)`.
///
/// Received descriptors are close-on-exec (`MSG_CMSG_CLOEXEC`) and fill
/// `fds` from the start, dropping whatever those slots held; later slots
/// are left alone. A record with no descriptors gives `(bytes, 0)`; a
/// closed peer gives `(0, 0)` (end-of-file).
///
/// Nothing received is ever leaked. The control buffer (on the stack)
/// holds [`SCM_MAX_FD`] descriptors, the most one message carries, so the
/// kernel installs all that were sent (while the process has descriptors
/// to spare); those that do not fit in `fds` are closed at once, and the
/// call reports the truncation. Other control
/// messages (credentials, security labels) are discarded, and a pidfd the
/// kernel adds on a socket with `SO_PASSPIDFD` is closed.
///
/// # Errors
/// - `InvalidInput` for an empty `buf` (no system call);
/// - `Closed` if `socket` is closed (no system call);
/// - `EMSGSIZE` (`Other`) when the record was truncated: its data did not
///   fit in `buf` (`MSG_TRUNC`: `buf` holds its start, the rest is
///   discarded) or its descriptors did not fit in `fds` (those that did
///   are there, the others were closed), or the kernel dropped some
///   (`MSG_CTRUNC`: the process reached its descriptor limit, or other
///   control messages took the room). The record is consumed either way;
/// - `WouldBlock` when no record is waiting; `Interrupted`.
///
/// # Examples
///
/// ```
/// use iofd::Fd;
///
/// let (a, b) = iofd::socketpair()?;
/// let (_rx, tx) = iofd::pipe()?;
/// iofd::send_fds(&a, b"w", &[&tx, &tx])?;
///
/// let mut buf = [0u8; 1];
/// let mut one: [Option<Fd>; 1] = [None];
/// let err = iofd::recv_fds(&b, &mut buf, &mut one).unwrap_err();
/// assert_eq!(err.name(), Some("EMSGSIZE")); // two sent, room for one
/// assert!(one[0].is_some()); // the first is here; the second was closed
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/recvmsg.2.html>,
/// <https://man7.org/linux/man-pages/man3/cmsg.3.html>
#[doc(alias = "recvmsg", alias = "SCM_RIGHTS")]
pub fn recv_fds(socket: &Fd, buf: &mut [u8], fds: &mut [Option<Fd>]) -> Result<(usize, usize)> {
    if buf.is_empty() {
        return Err(Error::INVALID);
    }
    let mut control = Control::<RECV_CONTROL>::new();
    let got = {
        let g = socket.borrow()?;
        sys::recvmsg(g.borrowed(), buf, &mut control.bytes, sys::MSG_CMSG_CLOEXEC)?
    };
    let received = control.bytes.get(..got.control_len).unwrap_or(&[]);
    let mut n = 0;
    let mut dropped = false;
    for (level, ty, data) in Messages(received) {
        if level != sys::SOL_SOCKET || (ty != sys::SCM_RIGHTS && ty != sys::SCM_PIDFD) {
            continue;
        }
        for chunk in data.chunks_exact(FD_SIZE) {
            let raw = i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if raw < 0 {
                // A pidfd the kernel failed to make is sent as `-errno`.
                continue;
            }
            // SAFETY: the kernel installed `raw` in our table for this
            // call; nothing else knows the number, so we own it.
            let fd = unsafe { Fd::from_raw(raw) };
            match fds.get_mut(n) {
                Some(slot) if ty == sys::SCM_RIGHTS => {
                    *slot = Some(fd);
                    n += 1;
                }
                // No room, or not a descriptor the peer sent: `fd` drops
                // here, which closes it.
                _ => dropped |= ty == sys::SCM_RIGHTS,
            }
        }
    }
    if dropped || got.flags & (sys::MSG_TRUNC | sys::MSG_CTRUNC) != 0 {
        return Err(Error::MSG_SIZE);
    }
    Ok((got.bytes, n))
}

/// The control messages in a buffer the kernel filled: `(level, type,
/// data)`.
struct Messages<'a>(&'a [u8]);

impl<'a> Iterator for Messages<'a> {
    type Item = (i32, i32, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let header = cmsg_len(0);
        let bytes = self.0;
        let field = |at: usize, len: usize| bytes.get(at..at + len);
        let len = usize::from_ne_bytes(field(LEN_AT, size_of::<usize>())?.try_into().ok()?);
        // A length below the header's or past the end is malformed; the
        // kernel writes neither, but stop rather than loop or overrun.
        if len < header || len > bytes.len() {
            self.0 = &[];
            return None;
        }
        let level = i32::from_ne_bytes(field(LEVEL_AT, 4)?.try_into().ok()?);
        let ty = i32::from_ne_bytes(field(TYPE_AT, 4)?.try_into().ok()?);
        let data = &bytes[header..len];
        self.0 = bytes.get(cmsg_align(len)..).unwrap_or(&[]);
        Some((level, ty, data))
    }
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::*;

    #[test]
    fn cmsg_sizes_are_libcs() {
        for n in [0, 1, 2, 3, 7, 64, SCM_MAX_FD] {
            let len = n * FD_SIZE;
            // SAFETY: the CMSG_* macros are pure arithmetic.
            let (l, s) = unsafe { (libc::CMSG_LEN(len as u32), libc::CMSG_SPACE(len as u32)) };
            assert_eq!(cmsg_len(len), l as usize, "CMSG_LEN({len})");
            assert_eq!(cmsg_space(len), s as usize, "CMSG_SPACE({len})");
        }
        // `cmsg_len` is a `size_t`: a 16-byte header on the 64-bit
        // targets, 12 bytes on the 32-bit ones, which also align the data
        // to 4 bytes only.
        let wide = cfg!(target_pointer_width = "64");
        assert_eq!(
            cmsg_space(SCM_MAX_FD * FD_SIZE),
            if wide { 1032 } else { 1024 }
        );
        // The kernel's `cmsghdr` starts with a `size_t`: aligned as one,
        // which glibc's is too; musl's (4 bytes of `socklen_t` and 4 of
        // padding) is only 4-aligned.
        assert_eq!(align_of::<Control<RECV_CONTROL>>(), align_of::<usize>());
        assert!(align_of::<Control<RECV_CONTROL>>() >= align_of::<libc::cmsghdr>());
    }

    #[test]
    fn header_is_the_kernels_cmsghdr() {
        let mut control = Control::<{ cmsg_space(2 * FD_SIZE) }>::new();
        // A `size_t` and two `int`s, then the two descriptors.
        let len = size_of::<usize>() + 8 + 2 * FD_SIZE;
        assert_eq!(put_header(&mut control.bytes, 2 * FD_SIZE), len);
        // SAFETY: `Control` is aligned for `cmsghdr`, and its header bytes
        // are initialised integers.
        let c = unsafe { &*control.bytes.as_ptr().cast::<libc::cmsghdr>() };
        // musl's `cmsg_len` is a `socklen_t` beside padding: compare as
        // the kernel's `size_t`.
        #[allow(clippy::unnecessary_cast)]
        let header_len = c.cmsg_len as usize;
        assert_eq!(header_len, len);
        assert_eq!(c.cmsg_level, libc::SOL_SOCKET);
        assert_eq!(c.cmsg_type, libc::SCM_RIGHTS);
    }

    /// A control buffer holding `messages`, laid out as the kernel does.
    fn buffer(messages: &[(i32, i32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(level, ty, data) in messages {
            out.extend_from_slice(&cmsg_len(data.len()).to_ne_bytes());
            out.extend_from_slice(&level.to_ne_bytes());
            out.extend_from_slice(&ty.to_ne_bytes());
            out.extend_from_slice(data);
            out.resize(out.len() + cmsg_align(data.len()) - data.len(), 0);
        }
        out
    }

    #[test]
    fn messages_walk_every_control_message() {
        let creds = [7u8; 12];
        let fds = [1u8, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];
        let buf = buffer(&[(1, 2, &creds), (1, 1, &fds), (1, 4, &[9, 0, 0, 0])]);
        let got: Vec<_> = Messages(&buf).collect();
        assert_eq!(
            got,
            [
                (1, 2, &creds[..]),
                (1, 1, &fds[..]),
                (1, 4, &[9u8, 0, 0, 0][..])
            ]
        );
    }

    #[test]
    fn messages_stop_at_malformed_lengths() {
        let mut buf = buffer(&[(1, 1, &[1, 0, 0, 0])]);
        let good = buf.clone();
        let len = size_of::<usize>();
        buf[..len].copy_from_slice(&3usize.to_ne_bytes()); // shorter than a header
        assert_eq!(Messages(&buf).count(), 0);
        buf[..len].copy_from_slice(&1000usize.to_ne_bytes()); // past the end
        assert_eq!(Messages(&buf).count(), 0);
        assert_eq!(Messages(&good[..7]).count(), 0); // a cut header
        assert_eq!(Messages(&[]).count(), 0);
    }
}
