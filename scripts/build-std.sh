# Sourced by .ci/run and the scripts that build for loongarch64, whose
# standard library they build from source (`cargo +$BUILD_STD_TOOLCHAIN ...
# -Zbuild-std`, which needs the toolchain's `rust-src`), so that no
# prebuilt one is needed. Pinned by date, so that a new nightly cannot
# change the build under the tests (one has passed linker flags that zig
# rejects); .ci/run runs Miri on the same one.
BUILD_STD_TOOLCHAIN=nightly-2026-05-20
