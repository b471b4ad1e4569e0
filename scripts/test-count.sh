#!/usr/bin/env bash
# Sums the "test result:" lines of `cargo test` output read on stdin and
# prints one line: `<label>: N passed, N failed, N ignored (K test binaries)`.
# Exits non-zero if no test ran or any failed.
set -euo pipefail
label=${1:?usage: scripts/test-count.sh <label> < cargo-test-output}
awk -v label="$label" '
/^test result:/ {
    for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) passed += $i
        if ($(i + 1) ~ /^failed/) failed += $i
        if ($(i + 1) ~ /^ignored/) ignored += $i
    }
    bins++
}
END {
    printf "%s: %d passed, %d failed, %d ignored (%d test binaries)\n", label, passed, failed, ignored, bins
    exit (bins == 0 || failed > 0 || passed == 0)
}'
