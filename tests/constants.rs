//! Every public constant is the kernel's value, as libc spells it.

use iofd::*;

#[test]
fn signal_numbers() {
    let pairs = [
        (SIGHUP, libc::SIGHUP),
        (SIGINT, libc::SIGINT),
        (SIGQUIT, libc::SIGQUIT),
        (SIGILL, libc::SIGILL),
        (SIGTRAP, libc::SIGTRAP),
        (SIGABRT, libc::SIGABRT),
        (SIGBUS, libc::SIGBUS),
        (SIGFPE, libc::SIGFPE),
        (SIGKILL, libc::SIGKILL),
        (SIGUSR1, libc::SIGUSR1),
        (SIGSEGV, libc::SIGSEGV),
        (SIGUSR2, libc::SIGUSR2),
        (SIGPIPE, libc::SIGPIPE),
        (SIGALRM, libc::SIGALRM),
        (SIGTERM, libc::SIGTERM),
        (SIGSTKFLT, libc::SIGSTKFLT),
        (SIGCHLD, libc::SIGCHLD),
        (SIGCONT, libc::SIGCONT),
        (SIGSTOP, libc::SIGSTOP),
        (SIGTSTP, libc::SIGTSTP),
        (SIGTTIN, libc::SIGTTIN),
        (SIGTTOU, libc::SIGTTOU),
        (SIGURG, libc::SIGURG),
        (SIGXCPU, libc::SIGXCPU),
        (SIGXFSZ, libc::SIGXFSZ),
        (SIGVTALRM, libc::SIGVTALRM),
        (SIGPROF, libc::SIGPROF),
        (SIGWINCH, libc::SIGWINCH),
        (SIGIO, libc::SIGIO),
        (SIGPWR, libc::SIGPWR),
        (SIGSYS, libc::SIGSYS),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours, theirs);
    }
    // glibc reserves the first real-time signals for itself and reports a
    // larger SIGRTMIN(); the kernel's first real-time signal is 32.
    assert_eq!(KERNEL_SIGRTMIN, 32);
    assert_eq!(iofd::sigrtmin(), libc::SIGRTMIN());
    assert_eq!(SIGRTMAX, libc::SIGRTMAX());
}

#[test]
fn eventfd_flags() {
    assert_eq!(EventFdFlags::CLOEXEC.bits(), libc::EFD_CLOEXEC as u32);
    assert_eq!(EventFdFlags::NONBLOCK.bits(), libc::EFD_NONBLOCK as u32);
    assert_eq!(EventFdFlags::SEMAPHORE.bits(), libc::EFD_SEMAPHORE as u32);
}

#[test]
fn timerfd_flags() {
    assert_eq!(TimerFdFlags::CLOEXEC.bits(), libc::TFD_CLOEXEC as u32);
    assert_eq!(TimerFdFlags::NONBLOCK.bits(), libc::TFD_NONBLOCK as u32);
}

#[test]
fn signalfd_flags() {
    assert_eq!(SignalFdFlags::CLOEXEC.bits(), libc::SFD_CLOEXEC as u32);
    assert_eq!(SignalFdFlags::NONBLOCK.bits(), libc::SFD_NONBLOCK as u32);
}

#[test]
fn memfd_flags_seals_and_protection() {
    assert_eq!(MemFdFlags::CLOEXEC.bits(), libc::MFD_CLOEXEC);
    assert_eq!(MemFdFlags::ALLOW_SEALING.bits(), libc::MFD_ALLOW_SEALING);
    assert_eq!(MemFdFlags::HUGETLB.bits(), libc::MFD_HUGETLB);
    assert_eq!(MemFdFlags::NOEXEC_SEAL.bits(), libc::MFD_NOEXEC_SEAL);
    assert_eq!(MemFdFlags::EXEC.bits(), libc::MFD_EXEC);
    let huge = [
        (HugePageSize::HUGE_64KB, libc::MFD_HUGE_64KB),
        (HugePageSize::HUGE_512KB, libc::MFD_HUGE_512KB),
        (HugePageSize::HUGE_1MB, libc::MFD_HUGE_1MB),
        (HugePageSize::HUGE_2MB, libc::MFD_HUGE_2MB),
        (HugePageSize::HUGE_8MB, libc::MFD_HUGE_8MB),
        (HugePageSize::HUGE_16MB, libc::MFD_HUGE_16MB),
        (HugePageSize::HUGE_32MB, libc::MFD_HUGE_32MB),
        (HugePageSize::HUGE_256MB, libc::MFD_HUGE_256MB),
        (HugePageSize::HUGE_512MB, libc::MFD_HUGE_512MB),
        (HugePageSize::HUGE_1GB, libc::MFD_HUGE_1GB),
        (HugePageSize::HUGE_2GB, libc::MFD_HUGE_2GB),
        (HugePageSize::HUGE_16GB, libc::MFD_HUGE_16GB),
    ];
    assert_eq!(huge.map(|(size, _)| size), HugePageSize::ALL);
    for (size, theirs) in huge {
        assert_eq!(size.flags().bits(), libc::MFD_HUGETLB | theirs, "{size:?}");
        assert_eq!(size.log2(), theirs >> libc::MFD_HUGE_SHIFT);
        assert_eq!(size.log2() & !libc::MFD_HUGE_MASK, 0);
    }

    assert_eq!(Seals::SEAL.bits(), libc::F_SEAL_SEAL as u32);
    assert_eq!(Seals::SHRINK.bits(), libc::F_SEAL_SHRINK as u32);
    assert_eq!(Seals::GROW.bits(), libc::F_SEAL_GROW as u32);
    assert_eq!(Seals::WRITE.bits(), libc::F_SEAL_WRITE as u32);
    assert_eq!(Seals::FUTURE_WRITE.bits(), libc::F_SEAL_FUTURE_WRITE as u32);
    assert_eq!(Seals::EXEC.bits(), libc::F_SEAL_EXEC as u32);

    assert_eq!(Prot::READ.bits(), libc::PROT_READ as u32);
    assert_eq!(Prot::WRITE.bits(), libc::PROT_WRITE as u32);
    assert_eq!(Prot::EXEC.bits(), libc::PROT_EXEC as u32);

    // NAME_MAX minus the kernel's "memfd:" prefix.
    assert_eq!(MEMFD_NAME_MAX, 255 - "memfd:".len());
}

#[test]
fn signal_info_is_128_bytes() {
    assert_eq!(
        std::mem::size_of::<SignalInfo>(),
        std::mem::size_of::<libc::signalfd_siginfo>()
    );
    assert_eq!(std::mem::size_of::<SignalInfo>(), 128);
}

#[test]
fn epoll_flags() {
    let pairs = [
        (EpollFlags::IN, libc::EPOLLIN),
        (EpollFlags::PRI, libc::EPOLLPRI),
        (EpollFlags::OUT, libc::EPOLLOUT),
        (EpollFlags::ERR, libc::EPOLLERR),
        (EpollFlags::HUP, libc::EPOLLHUP),
        (EpollFlags::RDHUP, libc::EPOLLRDHUP),
        (EpollFlags::ET, libc::EPOLLET),
        (EpollFlags::ONESHOT, libc::EPOLLONESHOT),
        (EpollFlags::EXCLUSIVE, libc::EPOLLEXCLUSIVE),
        (EpollFlags::WAKEUP, libc::EPOLLWAKEUP),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours.bits(), theirs as u32, "{ours:?}");
    }
}

#[test]
fn epoll_event_is_the_kernels_struct() {
    use std::mem::{align_of, size_of};
    assert_eq!(size_of::<EpollEvent>(), size_of::<libc::epoll_event>());
    assert_eq!(align_of::<EpollEvent>(), align_of::<libc::epoll_event>());
    // The token is the `data` field, wherever the arch puts it.
    let ours = EpollEvent::new(EpollFlags::IN | EpollFlags::HUP, 0x0123_4567_89ab_cdef);
    // SAFETY: the same size (checked above), plain data, any bits valid.
    let theirs: libc::epoll_event = unsafe { std::mem::transmute(ours) };
    let (events, data) = (theirs.events, theirs.u64);
    assert_eq!(events, (libc::EPOLLIN | libc::EPOLLHUP) as u32);
    assert_eq!(data, 0x0123_4567_89ab_cdef);
}
