# SPDX-License-Identifier: Apache-2.0
# The README's two commands. CMake does the building; this only sequences it.
#   make demo   installs what is missing, builds, runs the BranchFlow example
#   make test   the whole suite: ctest on a normal build, then again under
#               AddressSanitizer + UndefinedBehaviorSanitizer
JOBS ?= $(shell nproc)
# A test that fails is run once more before it counts as failed; its first failure stays in the output.
# Several end-to-end tests kill processes at chosen moments and can lose a race on a loaded 2-core
# machine (f14, f61, test_exec_spawn were each seen failing once under load, then passing); remove
# this once each has been made deterministic.
CTEST_FLAGS ?= --output-on-failure --repeat until-pass:2
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps build demo test test-release test-asan fuzz bench clean

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	cd $(BUILD) && rm -rf demo && mkdir demo && cd demo && ../examples/branch_flow show && ../examples/branch_flow run
	@echo "read it from Python: cd $(BUILD)/demo && PYTHONPATH=$(CURDIR)/python python3 -c \\"
	@echo "  \"from metaflow_c import Flow; print(Flow('BranchFlow').latest_successful_run['join'].task.data.total)\""

test: test-release test-asan

test-release: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMF_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest $(CTEST_FLAGS) -j $(JOBS)

# libFuzzer builds of every fuzz target (clang); run one with
#   build-fuzz/tests/fuzz_codec -max_total_time=60 tests/fuzz/corpus/codec
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMF_FUZZ=ON -DMF_SANITIZE=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS)

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
