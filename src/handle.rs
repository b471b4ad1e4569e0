//! [`Handle`]: what every descriptor-backed type here has in common.

use crate::{Fd, Result};

/// A type that owns an [`Fd`]: every handle in this crate, and `Fd` itself.
///
/// Generic code takes `&impl Handle` to work with any of them: to wait for
/// readiness with [`poll`](crate::poll), to close, or to reach the
/// underlying descriptor. The provided methods delegate to [`Fd`], so
/// closing through the trait is the same idempotent, race-free close.
///
/// Implement it for your own types that wrap an `Fd` (a socket, say) to
/// use them with the same generic code.
///
/// # Examples
///
/// ```
/// use iofd::{EventFd, Handle, TimerFd};
///
/// fn close_all(handles: &[&dyn Handle]) -> iofd::Result<()> {
///     for h in handles {
///         h.close()?;
///     }
///     Ok(())
/// }
///
/// let (ev, timer) = (EventFd::new(0)?, TimerFd::new()?);
/// close_all(&[&ev, &timer])?;
/// assert!(!ev.is_valid() && !timer.is_valid());
/// # Ok::<(), iofd::Error>(())
/// ```
pub trait Handle {
    /// The owned descriptor.
    fn fd(&self) -> &Fd;

    /// The descriptor number, or `-1` once closing has begun.
    #[inline]
    fn raw(&self) -> i32 {
        self.fd().raw()
    }

    /// `true` until closing begins.
    #[inline]
    fn is_valid(&self) -> bool {
        self.fd().is_valid()
    }

    /// Closes the descriptor; see [`Fd::close`]. A handle may do more as it
    /// closes: [`Epoll`](crate::Epoll) also wakes the threads waiting on it.
    ///
    /// # Errors
    /// The errno of the kernel `close`, which leaves the descriptor closed
    /// anyway.
    #[inline]
    fn close(&self) -> Result<()> {
        self.fd().close()
    }
}

impl Handle for Fd {
    #[inline]
    fn fd(&self) -> &Fd {
        self
    }
}

/// The inherent methods every handle shares (so callers need not import
/// [`Handle`]), the trait impl, and the conversion into [`Fd`].
///
/// `handle_common!(T)` gives `T` the plain close of its `Fd`;
/// `handle_common!(T, own_close)` is for a handle whose closing does more
/// (an [`Epoll`](crate::Epoll) wakes its waiters): `T` defines the inherent
/// `close` itself, and `Handle::close` calls it.
macro_rules! handle_common {
    ($T:ident) => {
        $crate::handle::handle_common!(@shared $T);

        impl $T {
            /// close(2) — closes the descriptor; idempotent, thread-safe and
            /// race-free, as [`Fd::close`](crate::Fd::close).
            ///
            /// # Errors
            /// The errno of the kernel `close`, which leaves the descriptor
            /// closed anyway.
            #[inline]
            pub fn close(&self) -> $crate::Result<()> {
                self.fd.close()
            }
        }

        impl $crate::Handle for $T {
            #[inline]
            fn fd(&self) -> &$crate::Fd {
                &self.fd
            }
        }
    };
    ($T:ident, own_close) => {
        $crate::handle::handle_common!(@shared $T);

        impl $crate::Handle for $T {
            #[inline]
            fn fd(&self) -> &$crate::Fd {
                &self.fd
            }

            /// The handle's own close (see its inherent `close`).
            #[inline]
            fn close(&self) -> $crate::Result<()> {
                $T::close(self)
            }
        }
    };
    (@shared $T:ident) => {
        impl $T {
            /// The owned descriptor.
            #[inline]
            #[must_use]
            pub fn fd(&self) -> &$crate::Fd {
                &self.fd
            }

            /// The descriptor number, or `-1` once closing has begun.
            #[inline]
            #[must_use]
            pub fn raw(&self) -> i32 {
                self.fd.raw()
            }

            /// `true` until closing begins.
            #[inline]
            #[must_use]
            pub fn is_valid(&self) -> bool {
                self.fd.is_valid()
            }
        }

        impl From<$T> for $crate::Fd {
            /// Gives up the handle's type, keeping its descriptor open.
            #[inline]
            fn from(handle: $T) -> $crate::Fd {
                handle.fd
            }
        }
    };
}
pub(crate) use handle_common;
