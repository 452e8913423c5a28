# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# faultline: eBPF fault injector. `make` builds ./faultline; `make test`,
# `make demo` and `make bench` also install what they need (scripts/deps.sh).

OUTPUT   ?= .output
PREFIX   ?= /usr/local
DESTDIR  ?=
CLANG    ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL  ?= bpftool
CC       ?= cc

ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)
ifeq ($(wildcard $(VMLINUX_DIR)/vmlinux.h),)
$(error no $(VMLINUX_DIR)/vmlinux.h for '$(ARCH)': run scripts/gen-vmlinux.sh on a kernel with BTF)
endif

CFLAGS   ?= -O2 -g
# The layers, top to bottom: commands, the engine, the fault families, the
# library. A header is found by name in any of them; tests/layers.sh checks
# that nothing includes upward.
SRC_DIRS := src/cli src/engine src/faults $(wildcard src/faults/*/) src/lib
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation -Werror \
	    -Iinclude $(addprefix -I,$(SRC_DIRS)) -I$(OUTPUT) -D_GNU_SOURCE
LDLIBS   += -lbpf -lelf -lz -lm -lyaml
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I$(VMLINUX_DIR) -Iinclude -Isrc/lib $(addprefix -I,$(sort $(dir $(BPF_SRCS))))

# Each BPF object sits beside its loader; skeletons are named by file.
BPF_SRCS := $(shell find src -name '*.bpf.c' | sort)
BPF_OBJS := $(addprefix $(OUTPUT)/,$(notdir $(BPF_SRCS:.bpf.c=.bpf.o)))
SKELS    := $(BPF_OBJS:.bpf.o=.skel.h)
BPF_HDRS := $(shell find src -name '*.bpf.h')
SRCS     := $(filter-out %.bpf.c,$(shell find src -name '*.c' | sort))
HDRS     := $(shell find src -name '*.h' -not -name '*.bpf.h')
OBJS     := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/src/cli/main.o,$(OBJS))
vpath %.bpf.c $(sort $(dir $(BPF_SRCS)))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
# Test-only BPF programs (tests/unit/bpf/): never in a shipped object.
TEST_BPF_SRCS := $(wildcard tests/unit/bpf/*.bpf.c)
TEST_SKELS := $(patsubst tests/unit/bpf/%.bpf.c,$(OUTPUT)/tests/%.skel.h,$(TEST_BPF_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# Bench-only: baseline BPF programs and the measuring tool (never in ./faultline).
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUTPUT)/bench/%.skel.h,$(wildcard bench/*.bpf.c))
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BIN  := $(OUTPUT)/bench/fl_bench

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS) $(TEST_SKELS) $(TEST_SKELS:.skel.h=.bpf.o) $(BENCH_SKELS:.skel.h=.bpf.o) $(BENCH_SKELS)
.PHONY: all install uninstall test unit demo bench bench-bin fuzz deps clean vmlinux

all: faultline

faultline: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/fuzz $(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: %.bpf.c include/faultline.h $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/src/%.o: src/%.c $(HDRS) include/faultline.h $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/%.bpf.o: tests/unit/bpf/%.bpf.c include/faultline.h $(BPF_HDRS) | $(OUTPUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(addprefix -I,$(sort $(dir $(BPF_SRCS)))) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/tests/%.skel.h: $(OUTPUT)/tests/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) $(TEST_SKELS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/tests $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

unit: $(UNIT_BINS)

$(OUTPUT)/bench/%.bpf.o: bench/%.bpf.c include/faultline.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/bench/%.skel.h: $(OUTPUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BENCH_BIN): $(BENCH_SRCS) bench/bench.h $(BENCH_SKELS) $(SKELS) $(TEST_SKELS) $(LIB_OBJS) | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/bench -I$(OUTPUT)/tests $(BENCH_SRCS) $(LIB_OBJS) $(LDLIBS) -o $@

bench-bin: $(BENCH_BIN)

# libFuzzer needs clang; each target links the parser objects with ASan/UBSan.
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(SRCS) $(HDRS) include/faultline.h $(SKELS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(filter-out -Werror -Wno-format-truncation,$(CFLAGS)) -fsanitize=fuzzer,address,undefined \
		$< $(filter-out src/cli/main.c,$(SRCS)) $(LDLIBS) -o $@

# The manual and the completion are written by the binary from the same
# option tables the parser reads, so they cannot drift from it.
$(OUTPUT)/faultline.8: faultline | $(OUTPUT)
	$(call msg,MAN,$@)
	$(Q)./faultline man > $@

$(OUTPUT)/faultline.bash: faultline | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)./faultline completion bash > $@

install: faultline $(OUTPUT)/faultline.8 $(OUTPUT)/faultline.bash
	install -D -m 0755 faultline $(DESTDIR)$(PREFIX)/sbin/faultline
	install -D -m 0644 $(OUTPUT)/faultline.8 $(DESTDIR)$(PREFIX)/share/man/man8/faultline.8
	install -D -m 0644 $(OUTPUT)/faultline.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/faultline
	install -D -m 0644 doc/faultline.schema.json $(DESTDIR)$(PREFIX)/share/faultline/faultline.schema.json
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/faultline/README.md
	install -d $(DESTDIR)$(PREFIX)/share/faultline/examples
	install -m 0644 examples/* $(DESTDIR)$(PREFIX)/share/faultline/examples/ 2>/dev/null || true

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/faultline $(DESTDIR)$(PREFIX)/share/man/man8/faultline.8
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/faultline
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/faultline $(DESTDIR)$(PREFIX)/share/faultline

deps:
	$(Q)scripts/deps.sh build

# Each of these installs its own Debian packages first (quiet when present).
test:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory all unit $(FUZZ_BINS)
	$(Q)tests/run.sh

demo:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench:
	$(Q)scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all bench-bin
	$(Q)bench/run.sh

# Each target for FUZZ_SECONDS (default 300); `make test` runs them for 15 s.
fuzz:
	$(Q)scripts/deps.sh build
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $${FUZZ_SECONDS:-300}

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) faultline
