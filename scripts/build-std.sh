# Sourced by the scripts that build for loongarch64, whose standard library
# rustup does not ship: the nightly that builds it from source
# (`cargo +$BUILD_STD_TOOLCHAIN ... -Zbuild-std`), pinned so that a new
# nightly cannot change the build under the tests (one has passed the
# linker flags zig rejects). Needs its `rust-src` component.
BUILD_STD_TOOLCHAIN=nightly-2026-05-19
