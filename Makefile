# The two commands a user needs: `make demo` and `make test`. Both install what is missing
# (scripts/install-deps), configure and build first.
BUILD ?= build
JOBS ?= $(shell nproc)
SAN ?= 0
ifeq ($(SAN),1)
  BUILD := build-san
  CMAKE_FLAGS += -DXINZHI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
endif
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps configure build demo test bench bench-quick clean help

all: build

help:
	@echo "make demo    install what is missing, build, run the smart-factory pipeline"
	@echo "make test    install, build and run the test suite (SAN=1: with ASan+UBSan)"
	@echo "make bench   run the benchmarks against their peers (bench-quick: a short subset)"
	@echo "make build   build only;  make deps: install dependencies only;  make clean"

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GENERATOR) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The demo needs only the command, not the tests and benchmarks.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target xinzhi dashboard
	$(BUILD)/xinzhi run examples/smart-factory/pipeline.yaml
	@W=$$(ls -td runs/smart-factory-*/ | head -1)warehouse.db; \
	  T=$$($(BUILD)/xinzhi token create --db $$W --name demo-viewer-$$(date +%s) --role viewer 2>/dev/null) && \
	  printf '\nThe dashboard on this run'"'"'s warehouse:\n  %s serve --db %s\nthen open\n  http://127.0.0.1:8080/dashboard/?token=%s\n(a viewer token created now; the warehouse keeps only its salted hash)\n' \
	    "$(BUILD)/xinzhi" "$$W" "$$T"

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	bench/run-all

bench-quick: build
	bench/run-all --quick

clean:
	rm -rf build build-san
