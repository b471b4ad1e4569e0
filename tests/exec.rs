//! Close-on-exec by default: no handle leaks into a program we run.
//!
//! One test in its own binary, so no other test creates descriptors (some
//! deliberately without close-on-exec) while the child is spawned.

use std::process::Command;

use iofd::*;

/// What the shell, run via exec, has open: one `ls -l` line per descriptor.
fn descriptors_of_a_child() -> String {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg("ls -l /proc/$$/fd")
        .output()
        .expect("run /bin/sh");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn no_handle_survives_exec_unless_asked() {
    let mut usr1 = SigSet::empty();
    usr1.add(SIGUSR1).unwrap();
    let memfd = MemFd::new("exec-probe").unwrap();
    let (rx, tx) = pipe().unwrap();
    let handles: [&dyn Handle; 8] = [
        &EventFd::new(0).unwrap(),
        &TimerFd::new().unwrap(),
        &PidFd::open(getpid()).unwrap(),
        &memfd,
        &SignalFd::new(&usr1).unwrap(),
        &rx,
        &tx,
        &Epoll::new().unwrap(),
    ];
    for h in handles {
        assert!(h.fd().is_cloexec().unwrap());
    }
    let listing = descriptors_of_a_child();
    for h in handles {
        // What the descriptor refers to, e.g. `anon_inode:[eventfd]` or
        // `pipe:[4858526]` (a pipe's inode is unique to it).
        let target = std::fs::read_link(format!("/proc/self/fd/{}", h.raw())).unwrap();
        let target = target.to_string_lossy();
        assert!(
            !listing.contains(&*target),
            "{target} leaked into the child:\n{listing}"
        );
    }

    // The check sees a descriptor that does survive: clear the flag on a
    // duplicate of the memfd and it shows up in the child.
    let visible = memfd.fd().dup().unwrap();
    visible.set_cloexec(false).unwrap();
    let listing = descriptors_of_a_child();
    assert!(
        listing.contains(&format!("{} -> /memfd:exec-probe", visible.raw())),
        "the control descriptor is missing:\n{listing}"
    );
}
