# Quick start (as root on Debian): `make demo` and `make test` each do all set-up themselves.
BUILD ?= build
JOBS ?= 2

.PHONY: all setup build test demo bench clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j1

demo: build
	@$(BUILD)/minpriv demo

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
