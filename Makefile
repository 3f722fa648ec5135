# Thin wrapper over CMake: `make` builds build/embedstream; `make demo` and `make test` also install deps.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure

.PHONY: all build deps demo test test-fast test-asan test-fuzz bench clean install uninstall deb format

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

deps:
	scripts/install-deps.sh

demo: deps build
	scripts/demo.sh $(BUILD)/embedstream

# The whole suite: a normal build, then the same suite under ASan and UBSan, then the fuzz targets.
test: deps
	$(MAKE) test-fast
	$(MAKE) test-asan
	$(MAKE) test-fuzz

test-fast: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

# Formats the C sources with .clang-format (Debian's clang-format); ctest's lint/format checks it.
format:
	scripts/format.sh

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DES_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS)

# Every libFuzzer target (clang, ASan + UBSan; its own build dir, the default build stays gcc),
# each run 20 s over the seeds its script writes (fuzz/README.md). A finding fails the suite.
test-fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DES_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all
	cd $(FUZZ_BUILD) && ctest -L fuzz $(CTEST_ARGS)

# make install [PREFIX=/usr/local] [DESTDIR=...]; make uninstall takes the same DESTDIR.
PREFIX ?= /usr/local
install: build
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(BUILD) --prefix $(PREFIX)

uninstall:
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --build $(BUILD) --target uninstall

# build/embedstream_VERSION_ARCH.deb (packaging/mkdeb.sh).
deb: build
	cmake --build $(BUILD) --target deb

# Benchmarks are run by hand (figures never gate the test suite); ROWS defaults to 1,000,000.
bench: build
	/usr/bin/python3 bench/bench.py $(or $(ROWS),1000000) --bin $(BUILD)/embedstream

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
