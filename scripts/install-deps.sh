#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian package metaflow-c needs to build, test, fuzz and benchmark.
# Idempotent: packages already present are left alone, so `make demo` can call it every time.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config   # toolchain, CMake + CTest
  clang libclang-rt-14-dev           # libFuzzer targets (clang -fsanitize=fuzzer)
  libsqlite3-dev                     # run metadata
  libssl-dev                         # libcrypto: SHA-256 content addresses
  libzstd-dev                        # object compression
  libcbor-dev                        # artifact encoding (CBOR, RFC 8949 + typed arrays RFC 8746)
  libjansson-dev                     # JSON parameters and `dump --json`
  python3                            # test helpers
  python3-cbor2 python3-zstandard    # the Python client (python/metaflow_c): CBOR values, zstd objects
  python3-numpy python3-pytest       # ... its arrays as numpy views, and its test suite
  python3-venv python3-pip python3-setuptools  # ... whose suite checks `pip install ./python` offline
  graphviz                           # `show --format svg` runs its `dot -Tsvg`; tests render every flow's DOT
  hyperfine time jq                  # benchmarks in bench/
  slurmctld slurmd slurm-client munge # the one-node cluster of the Slurm executor's tests (tests/slurm/)
  chromium                           # tests only: t80/t81 render the card and report pages headless and read the DOM
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
