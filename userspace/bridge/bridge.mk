# SPDX-License-Identifier: GPL-2.0
#
# streambridge (userspace/bridge/): the daemon, its unit tests
# (tests/unit/test_bridge_*.c) and its libFuzzer targets
# (tests/fuzz/bridge_*.c).  Included by the top-level Makefile.
#
#   make streambridge      build/bin/streambridge
#   make fuzz-bridge       the frame decoder and config fuzzers, long runs (FUZZ_BRIDGE_SECS each, default 600)
#   make check-bridge      the bridge's VM tests, make-check size (also in make check):
#                          smoke, the short fault test, two guests (tests/bridge/check)
#   make check-bridge-faults  the fault test at full size (100000 messages per route)
#   make bench-bridge      the bridge's benchmark alone (also in make bench)
#   make check-bridge-engines the engine routes' VM test at full size (100000 messages)

BRIDGE_MAIN := userspace/bridge/main.c
BRIDGE_SRCS := $(filter-out $(BRIDGE_MAIN),$(wildcard userspace/bridge/*.c))
BRIDGE_HDRS := $(wildcard userspace/bridge/*.h)
# The JSON writer streamctl uses too.
BRIDGE_COMMON := userspace/common/json.c
# What the fuzzers need: the codec and the config parser.
BRIDGE_CODEC_SRCS := userspace/bridge/frame.c userspace/bridge/crc32c.c userspace/bridge/config.c \
	userspace/bridge/engine_cfg.c
BRIDGE_CODEC_LIBS := $(shell pkg-config --libs liblz4 libzstd inih libcrypto 2>/dev/null || \
	echo -llz4 -lzstd -linih -lcrypto)
# Engine routes (engine.c, mqtt.c, nats.c): libmosquitto and nats.c.
BRIDGE_ENGINE_LIBS := -lmosquitto -lnats -lpthread
BRIDGE_LIBS := $(shell pkg-config --libs openssl liblz4 libzstd inih 2>/dev/null || \
	echo -lssl -lcrypto -llz4 -lzstd -linih) $(CAP_LIBS) $(BRIDGE_ENGINE_LIBS)
BRIDGE_CFLAGS := -Iuserspace/lib -Iuserspace/bridge

.PHONY: streambridge fuzz-bridge check-bridge check-bridge-faults check-bridge-engines bench-bridge

streambridge: $(B)/bin/streambridge

$(B)/bin/streambridge: $(BRIDGE_MAIN) $(BRIDGE_SRCS) $(BRIDGE_HDRS) $(B)/lib/libkstream.a \
		userspace/lib/libkstream.h $(B)/version.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -DKSTREAM_VERSION='"$(KSTREAM_VERSION)"' $(BRIDGE_CFLAGS) \
		-o $@ $(BRIDGE_MAIN) $(BRIDGE_SRCS) \
		$(BRIDGE_COMMON) $(B)/lib/libkstream.a $(BRIDGE_LIBS)

# More specific than the generic $(B)/tests/unit/% rule: links the bridge.
$(B)/tests/unit/test_bridge_%: tests/unit/test_bridge_%.c tests/promtool.h $(BRIDGE_SRCS) $(BRIDGE_HDRS) \
		$(LIB_SRCS) $(LIB_HDRS) $(COMMON_SRCS) $(COMMON_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(BRIDGE_CFLAGS) $(SAN) -o $@ $< $(BRIDGE_SRCS) $(COMMON_SRCS) \
		$(LIB_SRCS) $(BRIDGE_LIBS) -lcmocka

# libFuzzer targets (clang 14), more specific than $(B)/tests/fuzz/%.
BRIDGE_FUZZ_CC ?= clang-14
$(B)/tests/fuzz/bridge_%: tests/fuzz/bridge_%.c $(BRIDGE_CODEC_SRCS) $(BRIDGE_HDRS)
	@mkdir -p $(@D)
	$(BRIDGE_FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE $(BRIDGE_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< \
		$(BRIDGE_CODEC_SRCS) $(BRIDGE_CODEC_LIBS)

FUZZ_BRIDGE_SECS ?= 600
fuzz-bridge: $(B)/tests/fuzz/bridge_frame $(B)/tests/fuzz/bridge_config
	$(SRC)/tests/bridge/fuzz $(FUZZ_BRIDGE_SECS)

# The VM tests (tests/bridge/): these sizes are also part of make check.
check-bridge: module userspace tests
	$(SRC)/tests/bridge/check

check-bridge-faults: module userspace tests
	$(SRC)/tests/vm/run --kernel 6.12 --mem 2G --timeout 7200 -- $(SRC)/tests/bridge/faults

# Engine routes (tests/bridge/engines): Mosquitto and a NATS JetStream
# cluster in the guest; make check runs it with 3000 messages.
check-bridge-engines: module userspace tests
	$(SRC)/tests/vm/run --kernel 6.12 --mem 2G --timeout 5400 -- env ENGINES_MESSAGES=100000 \
		$(SRC)/tests/bridge/engines

# The engine routes' benchmark (tests/bench/suite runs it).
$(B)/tests/bench/engine_bench: tests/bench/engine_bench.c $(B)/lib/libkstream.a \
		userspace/lib/libkstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/lib -o $@ $< $(B)/lib/libkstream.a $(BRIDGE_ENGINE_LIBS)

# The benchmark's load generator and meter (tests/bridge/bench; tests/bench/suite runs it).
BBENCH := $(B)/tests/bridge/bbench
$(BBENCH): tests/bridge/bbench.c $(B)/lib/libkstream.a userspace/lib/libkstream.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iuserspace/lib $(shell pkg-config --cflags libmosquitto 2>/dev/null) \
		-o $@ $< $(B)/lib/libkstream.a \
		$(shell pkg-config --libs libmosquitto 2>/dev/null || echo -lmosquitto)
tests bench: $(BBENCH)

bench-bridge: module userspace $(BBENCH)
	$(SRC)/tests/vm/run --kernel 6.12 --mem 2G --timeout 3600 -- $(SRC)/tests/bridge/bench
