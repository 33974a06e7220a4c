# netcompat - `make demo` shows it working, `make test` runs every test.
# Both install what a fresh machine lacks (scripts/deps.sh) and build first.

BUILD     ?= build
BUILDTYPE ?= RelWithDebInfo
PREFIX    ?= /usr/local
FUZZTIME  ?= 10s
JOBS      ?= $(shell nproc)
GO        ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export PATH := $(dir $(GO)):$(PATH)

.PHONY: all deps test test-go fuzz test-c demo bench install clean

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILDTYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh

# go vet, the Go tests (race detector on the core packages), a short run of
# every fuzz target, then the C tests through ctest.
test: all test-go fuzz test-c

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./core/...
	NETCOMPAT_BUILD_DIR=$(abspath $(BUILD)) $(GO) test -count=1 $$($(GO) list ./... | grep -v '/core/')

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

test-c: all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: all
	@scripts/demo.sh $(BUILD)

bench: all
	@scripts/bench.sh $(BUILD)

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) bench-results
	$(GO) clean -testcache
