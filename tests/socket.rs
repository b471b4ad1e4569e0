//! `socketpair`, `send_fds` and `recv_fds`: records, descriptors, and
//! what happens when they do not fit. Passing to another process is in
//! `tests/across_fork.rs`.

use iofd::{ErrorKind, EventFd, Fd, MemFd, SCM_MAX_FD, pipe, recv_fds, send_fds, socketpair};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn errno<T: std::fmt::Debug>(r: iofd::Result<T>) -> i32 {
    r.expect_err("expected an error").raw_os_error()
}

/// getsockopt(2) of an `int` option at `SOL_SOCKET`.
fn sockopt(fd: &Fd, opt: i32) -> i32 {
    let (mut v, mut len) = (0_i32, size_of::<i32>() as libc::socklen_t);
    let g = fd.borrow().unwrap();
    // SAFETY: `v` and `len` are valid for the int and length written.
    let r = unsafe {
        libc::getsockopt(
            g.raw(),
            libc::SOL_SOCKET,
            opt,
            (&raw mut v).cast(),
            &mut len,
        )
    };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    v
}

#[test]
fn socketpair_is_unix_seqpacket_nonblocking_and_cloexec() {
    let (a, b) = socketpair().unwrap();
    for end in [&a, &b] {
        assert_eq!(sockopt(end, libc::SO_DOMAIN), libc::AF_UNIX);
        assert_eq!(sockopt(end, libc::SO_TYPE), libc::SOCK_SEQPACKET);
        assert!(end.is_nonblocking().unwrap());
        assert!(end.is_cloexec().unwrap());
    }
}

#[test]
fn records_keep_their_boundaries() {
    let (a, b) = socketpair().unwrap();
    assert_eq!(send_fds(&a, b"ab", &[]).unwrap(), 2);
    assert_eq!(send_fds(&a, b"cde", &[]).unwrap(), 3);
    let mut buf = [0u8; 16];
    assert_eq!(recv_fds(&b, &mut buf, &mut []).unwrap(), (2, 0));
    assert_eq!(&buf[..2], b"ab");
    assert_eq!(recv_fds(&b, &mut buf, &mut []).unwrap(), (3, 0));
    assert_eq!(&buf[..3], b"cde");
    assert_eq!(kind(recv_fds(&b, &mut buf, &mut [])), ErrorKind::WouldBlock);
    // And the other way.
    send_fds(&b, b"back", &[]).unwrap();
    assert_eq!(recv_fds(&a, &mut buf, &mut []).unwrap(), (4, 0));
}

#[test]
fn received_descriptors_are_new_cloexec_numbers_for_the_same_files() {
    let (a, b) = socketpair().unwrap();
    let (rx, tx) = pipe().unwrap();
    tx.set_cloexec(false).unwrap();
    send_fds(&a, b"x", &[&tx]).unwrap();
    assert!(tx.is_valid(), "the sender keeps its descriptor");
    let mut buf = [0u8; 4];
    let mut fds: [Option<Fd>; 2] = [None, None];
    assert_eq!(recv_fds(&b, &mut buf, &mut fds).unwrap(), (1, 1));
    assert!(fds[1].is_none(), "later slots are left alone");
    let got = fds[0].take().unwrap();
    assert_ne!(got.raw(), tx.raw());
    assert!(
        got.is_cloexec().unwrap(),
        "MSG_CMSG_CLOEXEC, whatever the sender had"
    );
    got.write(b"via the copy").unwrap();
    let mut out = [0u8; 16];
    assert_eq!(rx.read(&mut out).unwrap(), 12);
    assert_eq!(&out[..12], b"via the copy");
}

#[test]
fn many_descriptors_in_one_record_keep_their_order() {
    let (a, b) = socketpair().unwrap();
    let evs: Vec<EventFd> = (0..5).map(|_| EventFd::new(0).unwrap()).collect();
    let fds: Vec<&Fd> = evs.iter().map(EventFd::fd).collect();
    send_fds(&a, b"5", &fds).unwrap();
    let mut slots: [Option<Fd>; 8] = Default::default();
    assert_eq!(recv_fds(&b, &mut [0; 1], &mut slots).unwrap(), (1, 5));
    for (i, slot) in slots.iter_mut().take(5).enumerate() {
        // SAFETY: each descriptor sent was an eventfd.
        let ev = unsafe { EventFd::from_fd(slot.take().unwrap()) };
        ev.signal(i as u64 + 1).unwrap();
    }
    for (i, ev) in evs.iter().enumerate() {
        assert_eq!(ev.wait().unwrap(), i as u64 + 1, "descriptor {i}");
    }
}

#[test]
fn the_kernels_limit_is_accepted_and_one_more_refused() {
    let (a, b) = socketpair().unwrap();
    let ev = EventFd::new(0).unwrap();
    let max = vec![ev.fd(); SCM_MAX_FD];
    send_fds(&a, b"m", &max).unwrap();
    let mut slots: Vec<Option<Fd>> = (0..SCM_MAX_FD).map(|_| None).collect();
    assert_eq!(
        recv_fds(&b, &mut [0; 1], &mut slots).unwrap(),
        (1, SCM_MAX_FD)
    );
    assert!(slots.iter().all(Option::is_some));
    let over = vec![ev.fd(); SCM_MAX_FD + 1];
    assert_eq!(kind(send_fds(&a, b"m", &over)), ErrorKind::InvalidInput);
    assert_eq!(
        kind(recv_fds(&b, &mut [0; 1], &mut slots)),
        ErrorKind::WouldBlock,
        "nothing was sent"
    );
}

/// Descriptors that do not fit in the slots are closed, not leaked: all
/// write ends of a pipe closed is what lets its reader see end-of-file.
#[test]
fn descriptors_beyond_the_slots_are_closed_and_reported() {
    let (a, b) = socketpair().unwrap();
    let (rx, tx) = pipe().unwrap();
    send_fds(&a, b"three", &[&tx, &tx, &tx]).unwrap();
    drop(tx);
    let mut buf = [0u8; 8];
    let mut one: [Option<Fd>; 1] = [None];
    let err = recv_fds(&b, &mut buf, &mut one).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::EMSGSIZE);
    assert_eq!(&buf[..5], b"three", "the data arrived");
    let kept = one[0].take().expect("the first descriptor is kept");
    kept.write(b"k").unwrap();
    drop(kept);
    let mut out = [0u8; 4];
    assert_eq!(rx.read(&mut out).unwrap(), 1);
    assert_eq!(
        rx.read(&mut out).unwrap(),
        0,
        "end-of-file: no write end is left open"
    );
    // With no slots at all, every descriptor is closed.
    let (rx, tx) = pipe().unwrap();
    send_fds(&a, b"one", &[&tx]).unwrap();
    drop(tx);
    assert_eq!(errno(recv_fds(&b, &mut buf, &mut [])), libc::EMSGSIZE);
    assert_eq!(rx.read(&mut out).unwrap(), 0);
}

#[test]
fn a_record_longer_than_the_buffer_is_reported_and_consumed() {
    let (a, b) = socketpair().unwrap();
    send_fds(&a, b"0123456789", &[]).unwrap();
    send_fds(&a, b"next", &[]).unwrap();
    let mut small = [0u8; 4];
    assert_eq!(errno(recv_fds(&b, &mut small, &mut [])), libc::EMSGSIZE);
    assert_eq!(&small, b"0123", "the buffer holds the start");
    let mut buf = [0u8; 16];
    assert_eq!(recv_fds(&b, &mut buf, &mut []).unwrap(), (4, 0));
    assert_eq!(&buf[..4], b"next", "the rest of the long record is gone");
}

#[test]
fn a_closed_peer_is_end_of_file() {
    let (a, b) = socketpair().unwrap();
    send_fds(&a, b"last", &[]).unwrap();
    drop(a);
    let mut buf = [0u8; 8];
    assert_eq!(
        recv_fds(&b, &mut buf, &mut []).unwrap(),
        (4, 0),
        "queued records first"
    );
    assert_eq!(recv_fds(&b, &mut buf, &mut []).unwrap(), (0, 0));
    assert_eq!(errno(send_fds(&b, b"x", &[])), libc::EPIPE);
}

#[test]
fn bad_arguments_are_refused_before_the_kernel() {
    let (a, b) = socketpair().unwrap();
    let ev = EventFd::new(0).unwrap();
    let closed = Fd::from(EventFd::new(0).unwrap());
    closed.close().unwrap();
    assert_eq!(
        kind(send_fds(&a, b"", &[])),
        ErrorKind::InvalidInput,
        "empty data"
    );
    assert_eq!(kind(send_fds(&a, b"", &[ev.fd()])), ErrorKind::InvalidInput);
    assert_eq!(
        kind(send_fds(&a, b"x", &[ev.fd(), &closed])),
        ErrorKind::Closed
    );
    assert_eq!(kind(send_fds(&closed, b"x", &[])), ErrorKind::Closed);
    assert_eq!(
        kind(recv_fds(&b, &mut [], &mut [])),
        ErrorKind::InvalidInput,
        "empty buffer"
    );
    assert_eq!(
        kind(recv_fds(&closed, &mut [0; 1], &mut [])),
        ErrorKind::Closed
    );
    // Nothing reached the socket.
    assert_eq!(
        kind(recv_fds(&b, &mut [0; 1], &mut [])),
        ErrorKind::WouldBlock
    );
    // Not a socket: the kernel refuses it (ENOTSOCK; qemu-user says EINVAL).
    assert!(send_fds(ev.fd(), b"x", &[]).is_err());
}

#[test]
fn a_sealed_memfd_crosses_with_its_seals() {
    use iofd::{Prot, Seals};
    let (a, b) = socketpair().unwrap();
    let mem = MemFd::new_sealable("crossing").unwrap();
    mem.write(b"frozen").unwrap();
    mem.seal(Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL)
        .unwrap();
    // With `Seals::EXEC` from MFD_NOEXEC_SEAL where the kernel has it.
    let sealed = mem.seals().unwrap();
    send_fds(&a, b"m", &[mem.fd()]).unwrap();
    drop(mem);
    let mut slot: [Option<Fd>; 1] = [None];
    recv_fds(&b, &mut [0; 1], &mut slot).unwrap();
    let got = MemFd::try_from(slot[0].take().unwrap()).unwrap();
    assert_eq!(got.seals().unwrap(), sealed);
    assert_eq!(got.name(), "");
    let region = got.mmap(6, Prot::READ).unwrap();
    assert_eq!(region.as_slice(), Some(&b"frozen"[..]));
}
