# SPDX-License-Identifier: GPL-2.0
#
# kstream top-level Makefile.
#
#   make                 module for KVER, userspace tools, tests
#   make KVER=<release>  module for another kernel (default: newest 6.12)
#   make deps            install every Debian package needed (root)
#   make check           the whole test suite (what CI runs)
#   make check-harness   the VM harness's selftest on 6.12, 6.12-rt and 6.1
#   make check-arm64     the kernel-side suite on arm64 (Documentation/testing.rst)
#   make lint            static checks: checkpatch, sparse, coccicheck, cppcheck
#   make demo            boot a VM and show kstream working
#   make install         install module, tools, library, man pages (DESTDIR, PREFIX)
#   make uninstall       remove what make install installed
#   make dist            release tarball build/kstream-<version>.tar.xz
#
# Kernel aliases understood everywhere: 6.12, 6.12-rt, 6.1.

SRC := $(CURDIR)
B := $(SRC)/build
KVER ?= $(shell $(SRC)/scripts/kver 6.12 2>/dev/null)
CHECK_KERNELS ?= 6.12 6.12-rt 6.1

CC ?= gcc
CFLAGS_COMMON := -std=gnu11 -g -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(SRC)/uapi -I$(SRC)/userspace/common -I$(SRC)/bpf
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
KSFT := $(B)/ksft
# One version for the module, the tools, the library and the tarball:
# git describe, or the VERSION file of a release tarball (scripts/version).
KSTREAM_VERSION := $(or $(shell $(SRC)/scripts/version $(SRC)),unknown)

.PHONY: all module modules-all sparse userspace examples tests warn-module deps check check-harness \
	check-debug check-kcsan fuzz soak stress-wakeup demo checkpatch install clean bpf bench \
	lint coccicheck cppcheck

all: module userspace tests

deps:
	$(SRC)/scripts/deps

# ---------------------------------------------------------------- module
#
# Each kernel gets its own object tree under build/kmod/<release>/ (a
# directory of symlinks to the sources), so builds for several kernels
# never share objects.  kmod/kstream.ko points at the KVER build.

mod_dir = $(B)/kmod/$(1)

# kbuild KVER, object dir, source dir: build an out-of-tree module from
# symlinks to the sources, in its own object directory.
define kbuild
	@test -n "$(1)" || { echo "no kernel headers found: run 'make deps'" >&2; exit 1; }
	@mkdir -p $(2)
	@find $(2) -maxdepth 2 -type l -delete
	@for f in $(3)/*.[ch] $(3)/Kbuild; do ln -sfn $$f $(2)/; done
	@# Subdirectories (kmod/netlink/): real directories of symlinks, so
	@# that their objects stay in the object tree.
	@for d in $(3)/*/; do \
		[ -d "$$d" ] || continue; \
		mkdir -p $(2)/$$(basename $$d); \
		for f in $$d*.[ch]; do ln -sfn $$f $(2)/$$(basename $$d)/; done; \
	done
	$(MAKE) -C $$($(SRC)/scripts/kernel-headers $(1) $(B)/kernels) \
		M=$(2) KSTREAM_WERROR=y KSTREAM_VERSION=$(KSTREAM_VERSION) $(KBUILD_ARGS) modules
endef

# kstream itself (kmod/Kbuild finds the uapi header at ../uapi).
define build_module
	@mkdir -p $(call mod_dir,$(1))/kmod
	@ln -sfn $(SRC)/uapi $(call mod_dir,$(1))/uapi
	$(call kbuild,$(1),$(call mod_dir,$(1))/kmod,$(SRC)/kmod)
endef

module:
	$(call build_module,$(KVER))
	@ln -sfn $(call mod_dir,$(KVER))/kmod/kstream.ko $(SRC)/kmod/kstream.ko

modules-all:
	@set -e; for k in $(CHECK_KERNELS); do \
		$(MAKE) --no-print-directory module KVER=$$($(SRC)/scripts/kver $$k); \
	done
	@ln -sfn $(call mod_dir,$(KVER))/kmod/kstream.ko $(SRC)/kmod/kstream.ko

# Sparse over every kmod/ source (C=2 checks files even when up to date).
sparse:
	$(MAKE) --no-print-directory module C=2 KBUILD_ARGS='C=2 CHECK="sparse -Wsparse-error"'

# ------------------------------------------------------------------- bpf
#
# eBPF ingress programs (bpf/*.bpf.c, tests/bpf/*.bpf.c) are built with
# clang against a vmlinux.h dumped from the BTF of kstream.ko built for
# 6.12 (the struct_ops type only exists on >= 6.9), whatever KVER is; CO-RE
# makes the objects fit any kernel with the type.  The reference programs
# are embedded in streamctl as libbpf skeletons (scripts/bpf-skel explains
# the one change they need for libbpf 1.4).

BPF_KVER ?= $(shell $(SRC)/scripts/kver 6.12 2>/dev/null)
BPF_KO := $(call mod_dir,$(BPF_KVER))/kmod/kstream.ko
BPF_B := $(B)/bpf
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror \
	-I$(BPF_B) -I$(SRC)/bpf
BPF_PROGS := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_SKELS := $(patsubst %,$(BPF_B)/%.skel.h,$(BPF_PROGS))
BPF_TEST_OBJS := $(patsubst tests/bpf/%.bpf.c,$(B)/tests/bpf/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))
BPF_HDRS := $(wildcard bpf/*.h)

bpf: $(BPF_SKELS) $(BPF_TEST_OBJS)

# Kept for inspection (bpftool prog dump, objdump -S).
.SECONDARY: $(patsubst %,$(BPF_B)/%.bpf.o,$(BPF_PROGS))

# Only when missing: "make module" keeps it current otherwise.
$(BPF_KO):
	$(call build_module,$(BPF_KVER))

# Rewritten only when the types change, so a module rebuild does not
# rebuild every program.
$(BPF_B)/vmlinux.h: $(BPF_KO)
	@mkdir -p $(@D)
	bpftool btf dump file $< -B $$($(SRC)/scripts/kernel-headers $(BPF_KVER) $(B)/kernels)/vmlinux format c >$@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; touch $@; else mv $@.tmp $@; fi

# DWARF is stripped (BTF stays): the skeletons embed the objects.
$(BPF_B)/%.bpf.o: bpf/%.bpf.c $(BPF_B)/vmlinux.h $(BPF_HDRS)
	clang $(BPF_CFLAGS) -c $< -o $@
	llvm-strip -g $@

$(BPF_B)/%.skel.h: $(BPF_B)/%.bpf.o scripts/bpf-skel
	$(SRC)/scripts/bpf-skel $< $*_bpf >$@.tmp && mv $@.tmp $@

# Deliberately bad programs the verifier must refuse (tests/kselftest/bpf_test.c).
$(B)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(BPF_B)/vmlinux.h $(BPF_HDRS)
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c $< -o $@

# ------------------------------------------------------------- userspace

COMMON_SRCS := $(wildcard userspace/common/*.c)
LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_HDRS := $(wildcard userspace/lib/*.h) uapi/linux/kstream.h
LIB_OBJS := $(patsubst userspace/lib/%.c,$(B)/lib/%.o,$(LIB_SRCS))
# The soname's number: 1 since struct ks_msg grew (producer_id,
# producer_seq), which programs built against 0 would overrun.
LIB_SOVERSION := 1
COMMON_HDRS := $(wildcard userspace/common/*.h) uapi/linux/kstream.h $(BPF_HDRS)
STREAMCTL_SRCS := $(wildcard userspace/streamctl/*.c) $(COMMON_SRCS)
BPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)
CAP_LIBS := $(shell pkg-config --libs libcap 2>/dev/null || echo -lcap)

userspace: $(B)/bin/streamctl $(B)/bin/kstream-node-display $(B)/bin/sensor-demo $(B)/lib/libkstream.a \
	$(B)/lib/libkstream.so $(B)/lib/libkstream.pc examples $(B)/bin/kstream-bench \
	$(B)/bin/streambridge

# libkstream: static and shared, with a pkg-config file.
$(B)/lib/%.o: userspace/lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -fPIC -fvisibility=default -c -o $@ $<

$(B)/lib/libkstream.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

# Symbol versions: userspace/lib/libkstream.map (what it exports, and how
# a later function gets a version node of its own).
$(B)/lib/libkstream.so: $(LIB_OBJS) userspace/lib/libkstream.map
	$(CC) -shared -Wl,-soname,libkstream.so.$(LIB_SOVERSION) \
		-Wl,--version-script=userspace/lib/libkstream.map -Wl,-z,relro,-z,now \
		-o $@ $(LIB_OBJS)

# For the build tree; make install writes the installed one.
$(B)/lib/libkstream.pc: userspace/lib/libkstream.pc.in $(B)/version.stamp
	$(call pc_file,$(SRC)/build,$(SRC)/build/lib,$(SRC)/userspace/lib) <$< >$@

# Benchmarks link libkstream as an application would, and the peers'
# libraries (ZeroMQ, Mosquitto, iceoryx's C binding) as their users would.
BENCH_SRCS := $(wildcard userspace/bench/*.c)
BENCH_PEER_CFLAGS := $(shell pkg-config --cflags libzmq libmosquitto 2>/dev/null) \
	-I$(lastword $(sort $(wildcard /usr/include/iceoryx/v*)))
BENCH_PEER_LIBS := $(shell pkg-config --libs libzmq libmosquitto 2>/dev/null || echo -lzmq -lmosquitto) \
	-liceoryx_binding_c
$(B)/bin/kstream-bench: $(BENCH_SRCS) userspace/bench/bench.h $(B)/lib/libkstream.a userspace/lib/libkstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/lib $(BENCH_PEER_CFLAGS) -o $@ $(BENCH_SRCS) \
		$(B)/lib/libkstream.a $(BENCH_PEER_LIBS) -lrt -lpthread

# Examples and demo programs link libkstream as an application would.
EXAMPLES := $(patsubst userspace/examples/%.c,$(B)/bin/%,$(wildcard userspace/examples/*.c))
examples: $(EXAMPLES)

$(B)/bin/%: userspace/examples/%.c $(B)/lib/libkstream.a userspace/lib/libkstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/lib -o $@ $< $(B)/lib/libkstream.a

$(B)/bin/sensor-demo: userspace/demo/sensor-demo.c uapi/linux/kstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -o $@ $< -lm $(CAP_LIBS)

$(B)/bin/streamctl: $(STREAMCTL_SRCS) $(wildcard userspace/streamctl/*.h) $(COMMON_HDRS) \
		$(BPF_SKELS) $(BPF_HDRS) $(B)/version.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -DKSTREAM_VERSION='"$(KSTREAM_VERSION)"' -I$(BPF_B) $(NL_CFLAGS) \
		-o $@ $(STREAMCTL_SRCS) \
		$(NL_LIBS) $(BPF_LIBS) $(CAP_LIBS)

# The udev rule's helper: shows a topic's permissions on its node.
$(B)/bin/kstream-node-display: userspace/node/kstream-node-display.c userspace/common/nodeacl.c \
		userspace/common/nodeacl.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -o $@ userspace/node/kstream-node-display.c \
		userspace/common/nodeacl.c

# ----------------------------------------------------------------- tests
#
# Unit tests (host, cmocka, ASan+UBSan): tests/unit/test_<x>.c links the
# userspace/common sources.  Kernel tests (kselftest harness, run in the
# VM): tests/kselftest/<x>_test.c.  kselftest_harness.h and checkpatch come
# from Debian's linux-source-6.12 at build time, never from this tree.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRCS))
KSFT_SRCS := $(wildcard tests/kselftest/*_test.c)
KSFT_BINS := $(patsubst tests/kselftest/%.c,$(B)/tests/kselftest/%,$(KSFT_SRCS))

FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/%,$(FUZZ_SRCS))
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/tests/bench/%,$(wildcard tests/bench/*.c))

tests: $(UNIT_BINS) $(KSFT_BINS) $(FUZZ_BINS) $(BPF_TEST_OBJS) $(BENCH_BINS)

$(B)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_nl.h uapi/linux/kstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -o $@ $<

# The wakeup protocol under stress on each kernel of STRESS_KERNELS
# (6.12, 6.12-rt, debug, kcsan; the debug ones are built once per machine):
# wakeup_test with STRESS_ITERS iterations, then 1000 runs of
# mm.wakeup_threshold_block_topic (tests/vm/stress-wakeup).
STRESS_KERNELS ?= 6.12
STRESS_ITERS ?= 5000
STRESS_REPEAT ?= 1000
stress-wakeup: userspace tests
	@set -e; for k in $(STRESS_KERNELS); do \
		kver=$$($(SRC)/scripts/kver $$k); \
		$(MAKE) --no-print-directory module KVER=$$kver; \
		echo "# stress-wakeup on $$kver"; \
		$(SRC)/tests/vm/run --kernel $$kver --mem 2G --timeout 14400 -- \
			$(SRC)/tests/vm/stress-wakeup $(STRESS_ITERS) $(STRESS_REPEAT); \
	done

# Soak: 1000 load/unload cycles, then 10 minutes of mixed work.
SOAK_KERNEL ?= 6.12
soak: userspace tests
	$(MAKE) --no-print-directory module KVER=$$($(SRC)/scripts/kver $(SOAK_KERNEL))
	$(SRC)/tests/vm/run --kernel $(SOAK_KERNEL) --mem 2G --timeout 7200 -- \
		$(SRC)/tests/vm/soak $(SOAK_CYCLES) $(SOAK_SECONDS)

# The fuzzers at full length (10^6 netlink messages, 4 x 10^5 file
# operations) on 6.12 (about 10 min under TCG; on the KASAN kernel, which
# make check-debug already fuzzes in smoke mode, it would take hours).
FUZZ_KERNEL ?= 6.12
fuzz: tests
	$(MAKE) --no-print-directory module KVER=$$($(SRC)/scripts/kver $(FUZZ_KERNEL))
	$(SRC)/tests/vm/run --kernel $(FUZZ_KERNEL) --mem 2G --timeout 7200 -- \
		$(SRC)/tests/vm/fuzz full $(FUZZ_SEED)

$(B)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) tests/promtool.h $(COMMON_SRCS) $(COMMON_HDRS) $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/lib $(SAN) -o $@ $< $(COMMON_SRCS) \
		$(LIB_SRCS) -lcmocka

$(KSFT)/.stamp:
	$(SRC)/scripts/kernel-source $(KSFT)

$(B)/tests/kselftest/%: tests/kselftest/%.c $(KSFT)/.stamp $(COMMON_SRCS) $(LIB_SRCS) \
		$(COMMON_HDRS) $(wildcard tests/kselftest/*.h tests/bpf/*.h) tests/promtool.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Wno-sign-compare -Wno-unused-parameter -isystem $(KSFT) \
		-I$(SRC)/tests/bpf -Iuserspace/lib $(NL_CFLAGS) -o $@ $< \
		$(COMMON_SRCS) $(LIB_SRCS) $(NL_LIBS) $(BPF_LIBS) -luring -lpthread

# Benchmarks (not tests): tests/bench/run runs them in a VM.
bench: module userspace $(BENCH_BINS)
	$(SRC)/tests/bench/run

$(B)/tests/bench/%: tests/bench/%.c uapi/linux/kstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -o $@ $< -lpthread

# A module that WARNs on load: proves the VM harness fails such a run.
warn-module:
	$(call kbuild,$(KVER),$(B)/warn/$(KVER),$(SRC)/tests/vm/warn)

check:
	$(SRC)/tests/check

# The VM harness's own test (tests/vm/selftest) on all three kernels, each
# with its WARN test module (make check runs it on 6.12 only).
check-harness: module userspace tests
	for k in 6.12 6.12-rt 6.1; do \
		kver=$$($(SRC)/scripts/kver $$k) && \
		$(MAKE) --no-print-directory warn-module KVER=$$kver || exit 1; \
	done
	$(SRC)/tests/vm/selftest 6.12 6.12-rt 6.1

# The suite on a KASAN/lockdep/kmemleak kernel, or on a KCSAN/lockdep
# kernel (each built once, ~20 min).
check-debug:
	$(SRC)/tests/check-debug debug

check-kcsan:
	$(SRC)/tests/check-debug kcsan

demo:
	$(SRC)/scripts/demo

# compat.h is the one place allowed to test LINUX_VERSION_CODE.
CHECKPATCH = $(KSFT)/checkpatch.pl --no-tree --terse --show-types --strict -f
checkpatch: $(KSFT)/.stamp
	$(CHECKPATCH) $(filter-out kmod/compat.h kmod/trace.h,$(wildcard kmod/*.[ch] kmod/*/*.[ch] tests/vm/warn/*.c)) \
		uapi/linux/kstream.h
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kmod/compat.h
	@# TRACE_EVENT() has a layout of its own, as in the kernel's headers.
	$(CHECKPATCH) --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT kmod/trace.h

# The kernel's own Coccinelle semantic patches (scripts/coccicheck and
# scripts/coccinelle/ of the 6.12 source, scripts/kernel-source) over
# kmod/ in report mode; any report fails.  Per script, coccicheck applies
# the options and version requirements the script declares.
$(KSFT)/ksrc/.stamp:
	$(SRC)/scripts/kernel-source $(KSFT)

coccicheck: $(KSFT)/ksrc/.stamp
	@out=$$(srctree=$(KSFT)/ksrc KBUILD_EXTMOD=$(SRC)/kmod MODE=report J=2 V=0 \
		LINUXINCLUDE='-I $(SRC)/uapi' bash $(KSFT)/ksrc/scripts/coccicheck 2>&1) || \
		{ echo "$$out"; echo "coccicheck failed" >&2; exit 1; }; \
	echo "$$out" | grep -v '^/usr/bin/spatch '; \
	reports=$$(echo "$$out" | grep -cE '^[^ :]+\.[ch]:[0-9]+'); \
	echo "coccicheck: $$reports report(s) on kmod/"; \
	[ "$$reports" = 0 ]

# cppcheck over userspace/; a finding that is not a defect is suppressed
# where it is, with its reason: // cppcheck-suppress ID (reason).
CPPCHECK := cppcheck --quiet --enable=warning,performance,portability \
	--error-exitcode=1 --inline-suppr
cppcheck:
	$(CPPCHECK) userspace/

# Every static check, each to build/lint/<tool>.log, one TAP line each.
lint:
	$(SRC)/scripts/lint

# ------------------------------------------------------------------ arm64
#
# Debian's arm64 6.12 kernel (the edge devices'; issue 14), a longer target
# than make check: scripts/deps arm64 fetches the kernel, its headers and
# the cross tools, scripts/arm64 builds the guest's root once per machine.
# Everything built for arm64 is under build/arm64/, laid out as build/ is
# (tests/vm/run mounts it over build/ in the arm64 guest).
#
#   make module-arm64     the module, cross-built with -Werror against the
#                         arm64 headers; checked to be an AArch64 ELF with
#                         the kernel's vermagic
#   make userspace-arm64  what the VM suite runs (kselftests, fuzzers,
#                         streamctl, eBPF test objects), cross-built with
#                         the guest's root as sysroot
#   make check-arm64      both, then the VM suite on arm64 under
#                         qemu-system-aarch64 (tests/check-debug arm64)

ARM64_B := $(B)/arm64
ARM64_KVER = $(shell $(SRC)/scripts/kver 6.12-arm64)

.PHONY: module-arm64 userspace-arm64 check-arm64 arm64-module arm64-programs

module-arm64:
	@kver='$(ARM64_KVER)' && test -n "$$kver" && \
	$(MAKE) --no-print-directory B=$(ARM64_B) ARM64_KVER=$$kver arm64-module && \
	$(SRC)/scripts/arm64 check-ko $(ARM64_B)/kmod/$$kver/kmod/kstream.ko $$kver

# The sub-makes' targets (B is build/arm64 there).
arm64-module:
	$(call build_module,$(ARM64_KVER))

arm64-programs: $(B)/bin/streamctl $(KSFT_BINS) $(BPF_TEST_OBJS) \
	$(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/%,$(FUZZ_SRCS))

# pkg-config answers for the sysroot; the eBPF objects' vmlinux.h comes
# from the arm64 module's BTF.
userspace-arm64: module-arm64
	@root=$$($(SRC)/scripts/arm64 root) && \
	PKG_CONFIG_LIBDIR=$$root/usr/lib/aarch64-linux-gnu/pkgconfig:$$root/usr/share/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$$root \
	$(MAKE) --no-print-directory B=$(ARM64_B) BPF_KVER='$(ARM64_KVER)' \
		CC="aarch64-linux-gnu-gcc --sysroot=$$root" AR=aarch64-linux-gnu-ar arm64-programs

check-arm64:
	$(SRC)/tests/check-debug arm64

include packaging/install.mk

clean:
	rm -rf $(B) kmod/kstream.ko

include userspace/bridge/bridge.mk
