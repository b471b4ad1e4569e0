//! socketpair(2), sendmsg(2), recvmsg(2), and the kernel's message
//! structures.

use super::{BorrowedFd, arg, ret, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// `AF_UNIX`.
pub(crate) const AF_UNIX: u32 = 1;
/// `SOCK_SEQPACKET`: reliable, ordered records with boundaries.
pub(crate) const SOCK_SEQPACKET: u32 = 5;
/// `SOL_SOCKET` (1 on every supported arch; only alpha, mips, parisc and
/// sparc differ).
pub(crate) const SOL_SOCKET: i32 = 1;
/// `SCM_RIGHTS`: a control message carrying descriptors.
pub(crate) const SCM_RIGHTS: i32 = 1;
/// `SCM_PIDFD` (Linux 6.5, `include/linux/socket.h`; not in the `libc`
/// crate): a pidfd of the sender, added by the kernel on sockets with
/// `SO_PASSPIDFD` (`tests/leaks.rs` shows it arriving and closed).
pub(crate) const SCM_PIDFD: i32 = 4;
/// `MSG_CTRUNC`: some control data did not fit.
pub(crate) const MSG_CTRUNC: u32 = 0x8;
/// `MSG_TRUNC`: part of the record did not fit.
pub(crate) const MSG_TRUNC: u32 = 0x20;
/// `MSG_NOSIGNAL`: `EPIPE` without `SIGPIPE`.
pub(crate) const MSG_NOSIGNAL: u32 = 0x4000;
/// `MSG_CMSG_CLOEXEC`: received descriptors are close-on-exec.
pub(crate) const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// `struct iovec`.
#[repr(C)]
pub(crate) struct Iovec {
    iov_base: usize,
    iov_len: usize,
}

/// The kernel's `struct user_msghdr` on 64-bit targets; glibc's
/// `struct msghdr` has the same layout there (its `msg_iovlen` and
/// `msg_controllen` are `size_t`, as the kernel's are).
#[repr(C)]
pub(crate) struct Msghdr {
    msg_name: usize,
    msg_namelen: u32,
    msg_iov: usize,
    msg_iovlen: usize,
    msg_control: usize,
    msg_controllen: usize,
    msg_flags: u32,
}

/// The kernel's `struct cmsghdr` on 64-bit targets: `cmsg_len` is a
/// `__kernel_size_t`, so the header is 16 bytes and data is 8-aligned.
#[repr(C)]
pub(crate) struct Cmsghdr {
    pub(crate) cmsg_len: usize,
    pub(crate) cmsg_level: i32,
    pub(crate) cmsg_type: i32,
}

/// What recvmsg(2) reports besides the data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Received {
    /// Bytes of the record written to the buffer.
    pub(crate) bytes: usize,
    /// Bytes of control messages written to the control buffer.
    pub(crate) control_len: usize,
    /// `MSG_TRUNC`, `MSG_CTRUNC`, …
    pub(crate) flags: u32,
}

/// socketpair(2): two connected sockets the caller owns.
#[inline]
pub(crate) fn socketpair(domain: u32, ty: u32, protocol: u32) -> Result<[i32; 2]> {
    let mut fds = [-1_i32; 2];
    let (d, t, p) = (arg::uint(domain), arg::uint(ty), arg::uint(protocol));
    // SAFETY: `fds` is valid for the two `int`s the kernel writes.
    let r = unsafe { raw::syscall4(Sysno::socketpair, d, t, p, arg::ptr_mut(&mut fds)) };
    ret_unit(r).map(|()| fds)
}

/// sendmsg(2) of one buffer, with `control` as the ancillary data (none
/// when empty).
#[inline]
pub(crate) fn sendmsg(
    fd: BorrowedFd<'_>,
    data: &[u8],
    control: &[u8],
    flags: u32,
) -> Result<usize> {
    let (base, len) = arg::buf(data);
    let iov = Iovec {
        iov_base: base,
        iov_len: len,
    };
    let (control, controllen) = if control.is_empty() {
        (arg::null(), 0)
    } else {
        arg::buf(control)
    };
    let msg = Msghdr {
        msg_name: arg::null(),
        msg_namelen: 0,
        msg_iov: arg::ptr(&iov),
        msg_iovlen: 1,
        msg_control: control,
        msg_controllen: controllen,
        msg_flags: 0,
    };
    let (f, m, fl) = (arg::fd(fd), arg::ptr(&msg), arg::uint(flags));
    // SAFETY: `msg`, `iov`, `data` and `control` are valid for the reads
    // the kernel makes for the lengths given; sendmsg writes no memory
    // through them (the header is copied in, never back). Not read-only: on
    // a blocking socket a signal can interrupt the send, and its handler
    // runs before the call returns.
    ret(unsafe { raw::syscall3(Sysno::sendmsg, f, m, fl) })
}

/// recvmsg(2) of one record into `buf`, control messages into `control`.
#[inline]
pub(crate) fn recvmsg(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    control: &mut [u8],
    flags: u32,
) -> Result<Received> {
    let (base, len) = arg::buf_mut(buf);
    let mut iov = Iovec {
        iov_base: base,
        iov_len: len,
    };
    let (control, controllen) = arg::buf_mut(control);
    let mut msg = Msghdr {
        msg_name: arg::null(),
        msg_namelen: 0,
        msg_iov: arg::ptr_mut(&mut iov),
        msg_iovlen: 1,
        msg_control: control,
        msg_controllen: controllen,
        msg_flags: 0,
    };
    let (f, m, fl) = (arg::fd(fd), arg::ptr_mut(&mut msg), arg::uint(flags));
    // SAFETY: `buf` and `control` are exclusively borrowed and valid for
    // the lengths given; `msg` (whose `msg_controllen` and `msg_flags` the
    // kernel updates) and `iov` are valid, unaliased locals.
    let bytes = ret(unsafe { raw::syscall3(Sysno::recvmsg, f, m, fl) })?;
    Ok(Received {
        bytes,
        control_len: msg.msg_controllen,
        flags: msg.msg_flags,
    })
}

#[cfg(test)]
pub(super) fn check_constants_and_layouts() {
    use core::mem::{offset_of, size_of};

    assert_eq!(AF_UNIX, libc::AF_UNIX as u32);
    assert_eq!(SOCK_SEQPACKET, libc::SOCK_SEQPACKET as u32);
    assert_eq!(super::O_NONBLOCK, libc::SOCK_NONBLOCK as u32);
    assert_eq!(super::O_CLOEXEC, libc::SOCK_CLOEXEC as u32);
    assert_eq!(SOL_SOCKET, libc::SOL_SOCKET);
    assert_eq!(SCM_RIGHTS, libc::SCM_RIGHTS);
    assert_eq!(MSG_CTRUNC, libc::MSG_CTRUNC as u32);
    assert_eq!(MSG_TRUNC, libc::MSG_TRUNC as u32);
    assert_eq!(MSG_NOSIGNAL, libc::MSG_NOSIGNAL as u32);
    assert_eq!(MSG_CMSG_CLOEXEC, libc::MSG_CMSG_CLOEXEC as u32);

    assert_eq!(size_of::<Iovec>(), size_of::<libc::iovec>());
    assert_eq!(offset_of!(Iovec, iov_len), offset_of!(libc::iovec, iov_len));

    assert_eq!(size_of::<Msghdr>(), size_of::<libc::msghdr>());
    let pairs = [
        (
            offset_of!(Msghdr, msg_name),
            offset_of!(libc::msghdr, msg_name),
        ),
        (
            offset_of!(Msghdr, msg_namelen),
            offset_of!(libc::msghdr, msg_namelen),
        ),
        (
            offset_of!(Msghdr, msg_iov),
            offset_of!(libc::msghdr, msg_iov),
        ),
        (
            offset_of!(Msghdr, msg_iovlen),
            offset_of!(libc::msghdr, msg_iovlen),
        ),
        (
            offset_of!(Msghdr, msg_control),
            offset_of!(libc::msghdr, msg_control),
        ),
        (
            offset_of!(Msghdr, msg_controllen),
            offset_of!(libc::msghdr, msg_controllen),
        ),
        (
            offset_of!(Msghdr, msg_flags),
            offset_of!(libc::msghdr, msg_flags),
        ),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours, theirs);
    }
    // The kernel's `size_t` fields. glibc declares them `size_t`; musl
    // (the loongarch64 tests) an `int` or `socklen_t` and, after it on a
    // little-endian target, 4 bytes of padding. Either way each one's slot,
    // up to the next field, is one `size_t` word, as the kernel reads it.
    assert_eq!(
        offset_of!(libc::msghdr, msg_control) - offset_of!(libc::msghdr, msg_iovlen),
        size_of::<usize>()
    );
    assert_eq!(
        offset_of!(libc::msghdr, msg_flags) - offset_of!(libc::msghdr, msg_controllen),
        size_of::<usize>()
    );

    assert_eq!(size_of::<Cmsghdr>(), size_of::<libc::cmsghdr>());
    assert_eq!(
        offset_of!(Cmsghdr, cmsg_level),
        offset_of!(libc::cmsghdr, cmsg_level)
    );
    assert_eq!(
        offset_of!(Cmsghdr, cmsg_type),
        offset_of!(libc::cmsghdr, cmsg_type)
    );
    assert_eq!(
        offset_of!(libc::cmsghdr, cmsg_level) - offset_of!(libc::cmsghdr, cmsg_len),
        size_of::<usize>()
    );
}
