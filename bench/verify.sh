#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# verify.sh BUILD [MIB] - how fast `verify` re-hashes a store, against its
# floor: sha256sum (and openssl dgst, the digest code verify uses) of the same object bytes, read from the page cache both
# times. Stores MIB (default 512) MiB of random doubles (objects stored raw)
# with tests/flows/big_artifact, warms the cache, then times each 3 times.
set -eu
BUILD=$(cd "${1:?usage: bench/verify.sh BUILD [MIB]}" && pwd)
MIB=${2:-512}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
"$BUILD/tests/flows/big_artifact" run --mib "$MIB" --kind f64s --quiet >/dev/null
files=$(find .metaflow/objects -type f)
bytes=$(cat $files | wc -c)
cat $files >/dev/null # page cache
best() { sort -n | head -n 1; }
t_verify=$(for _ in 1 2 3; do /usr/bin/time -f %e "$BUILD/tests/flows/big_artifact" verify 2>&1 >/dev/null; done | best)
t_sum=$(for _ in 1 2 3; do /usr/bin/time -f %e sh -c "cat $files | sha256sum >/dev/null" 2>&1; done | best)
# the same digest code verify uses (libcrypto, SHA-NI where the CPU has it)
t_ossl=$(for _ in 1 2 3; do /usr/bin/time -f %e sh -c "cat $files | openssl dgst -sha256 >/dev/null" 2>&1; done | best)
awk -v b="$bytes" -v v="$t_verify" -v s="$t_sum" -v o="$t_ossl" 'BEGIN {
    mib = b / 1048576
    printf "objects: %.0f MiB\n", mib
    printf "verify (whole store):    %.2f s  %.0f MiB/s\n", v, mib / v
    printf "cat | sha256sum (floor): %.2f s  %.0f MiB/s\n", s, mib / s
    printf "cat | openssl dgst -sha256 (floor): %.2f s  %.0f MiB/s\n", o, mib / o
    printf "verify / sha256sum: %.2f   verify / openssl: %.2f\n", v / s, v / o
}'
