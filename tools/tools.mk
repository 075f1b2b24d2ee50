# Tools: build/tools/csa-info and csa-bench (target `tools`, part of `all`).
# libcsa is linked statically, so the VM needs only libdrm, libnuma and libc.

TOOLS_BUILD := $(BUILD)/tools
CSA_INFO := $(TOOLS_BUILD)/csa-info
CSA_INFO_SRCS := tools/csa-info/main.c tools/csa-info/print_text.c \
	tools/csa-info/print_json.c tools/csa-info/format.c tools/csa-info/json.c \
	tools/csa-info/cdi.c
CSA_INFO_OBJS := $(patsubst tools/%.c,$(TOOLS_BUILD)/obj/%.o,$(CSA_INFO_SRCS))
# csa-bench writes its JSON with csa-info's writer; --datapath runs
# dp-bench's jobs (tools/dp-bench/dp-net.c) on the card, and the CPU
# baselines (tools/baseline/, dp-baseline.c) next to them.
CSA_BENCH := $(TOOLS_BUILD)/csa-bench
CSA_BENCH_SRCS := tools/csa-bench/main.c tools/csa-bench/bench.c \
	tools/csa-bench/report.c tools/csa-bench/datapath.c tools/csa-bench/cards.c \
	tools/csa-info/json.c \
	tools/dp-bench/dp-net.c tools/dp-bench/dp-baseline.c tools/baseline/bl_gemm.c \
	tools/baseline/bl_net.c
CSA_BENCH_OBJS := $(patsubst tools/%.c,$(TOOLS_BUILD)/obj/%.o,$(CSA_BENCH_SRCS))
TOOLS_CFLAGS := $(CFLAGS_USER) $(LIBDRM_CFLAGS) -MMD -MP

.PHONY: tools
all: tools
tools: $(CSA_INFO) $(CSA_BENCH)

$(TOOLS_BUILD)/obj/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(CSA_INFO): $(CSA_INFO_OBJS) $(LIBCSA_A)
	$(CC) $(LDFLAGS) -o $@ $(CSA_INFO_OBJS) $(LIBCSA_A) $(LIBCSA_LIBS)

$(TOOLS_BUILD)/obj/csa-bench/%.o $(TOOLS_BUILD)/obj/dp-bench/%.o $(TOOLS_BUILD)/obj/baseline/%.o: \
	TOOLS_CFLAGS += -Itools/csa-info -Itools/dp-bench -Itools/baseline -Ilib
# --cdi mounts the host's libcsa from where `make install` puts it
$(TOOLS_BUILD)/obj/csa-info/main.o: TOOLS_CFLAGS += -DCSA_LIBDIR='"$(LIBDIR)"'


# dp-net.c groups with the packer (no Jansson: only grouping.o is pulled in)
$(CSA_BENCH): $(CSA_BENCH_OBJS) $(LIBCSA_A) $(LIBCSA_PACK_A)
	$(CC) $(LDFLAGS) -o $@ $(CSA_BENCH_OBJS) $(LIBCSA_PACK_A) $(LIBCSA_A) $(LIBCSA_LIBS)

-include $(CSA_INFO_OBJS:.o=.d) $(CSA_BENCH_OBJS:.o=.d)

# Host unit tests of csa-info (TAP; run by tests/tests.mk).
CSA_INFO_TEST_BUILD := $(BUILD)/tests/host
HOST_TESTS += $(CSA_INFO_TEST_BUILD)/test_libcsa_json \
	$(CSA_INFO_TEST_BUILD)/test_libcsa_csa_info \
	$(CSA_INFO_TEST_BUILD)/test_libcsa_format

$(CSA_INFO_TEST_BUILD)/test_libcsa_json: tests/host/test_libcsa_json.c \
		tools/csa-info/json.c tools/csa-info/json.h $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) -Itools/csa-info -o $@ \
		$< tools/csa-info/json.c

# Runs the real binary, so it depends on it.
$(CSA_INFO_TEST_BUILD)/test_libcsa_csa_info: tests/host/test_libcsa_csa_info.c \
		$(CSA_INFO) $(LIBCSA_A) $(LIBCSA_PACK_A) $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) \
		-DCSA_INFO='"$(CSA_INFO)"' -o $@ $< $(LIBCSA_PACK_LIBS)

$(CSA_INFO_TEST_BUILD)/test_libcsa_format: tests/host/test_libcsa_format.c \
		tools/csa-info/format.c tools/csa-info/csa-info.h $(LIBCSA_A) $(LIBCSA_PACK_A) $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Itools/csa-info -o $@ \
		$< tools/csa-info/format.c $(LIBCSA_PACK_LIBS)

# csa-run, the packed reference model and the model API's host tests.
include tools/csa-run/csa-run.mk

# csa-info --cdi's spec writer against the CDI schema (tests/host/test_cdi.c).
CDI_SCHEMA_DIR ?= /usr/share/gocode/src/github.com/container-orchestrated-devices/container-device-interface/schema
HOST_TESTS += $(CSA_INFO_TEST_BUILD)/test_cdi
$(CSA_INFO_TEST_BUILD)/test_cdi: tests/host/test_cdi.c tests/host/cdi_validate.py \
		tools/csa-info/cdi.c tools/csa-info/json.c tools/csa-info/csa-info.h $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Itools/csa-info \
		-DCDI_VALIDATE='"$(CURDIR)/tests/host/cdi_validate.py"' \
		-DCDI_SCHEMA_DIR='"$(CDI_SCHEMA_DIR)"' -o $@ $< tools/csa-info/cdi.c tools/csa-info/json.c
