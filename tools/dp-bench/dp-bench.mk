# dp-bench: the datapath (firmware/csa_dp_*.c) natively: the reference
# network's super-sparse layer (linear 1600 -> 1500) and the whole reference
# network from the committed model (packed: $(GSC_CSA)), dense / sparse
# weights / sparse-sparse (tools/dp-bench/dp-bench.c, the jobs in dp-net.c,
# shared with csa-bench --datapath).  Prints tables.
#   make dp-bench   build $(DP_BENCH) and run it (DP_BENCH_ARGS="-n 500")
DP_BENCH := $(BUILD)/tools/dp-bench
DP_BENCH_ARGS ?=
DP_NET_SRCS := tools/dp-bench/dp-net.c
DP_NET_HDRS := tools/dp-bench/dp-net.h
# The honest CPU baselines (tuned dense int8 GEMV / im2col + GEMM, CSC
# sparse): tools/baseline/, shared with csa-bench --datapath.
BASELINE_SRCS := tools/baseline/bl_gemm.c tools/baseline/bl_net.c tools/dp-bench/dp-baseline.c \
	tools/dp-bench/dp-cpu.c
BASELINE_HDRS := $(wildcard tools/baseline/*.h) tools/dp-bench/dp-baseline.h \
	tools/dp-bench/dp-cpu.h lib/cpu/cpu_internal.h
BASELINE_CFLAGS := -Itools/baseline -Itools/dp-bench -Ilib

.PHONY: dp-bench
all: $(DP_BENCH)

# libcsa: the packer (K = 1 repacking) and the model program builder; the
# engine (firmware/csa_prog.c) and the datapath are in it too.
$(DP_BENCH): tools/dp-bench/dp-bench.c $(DP_NET_SRCS) $(DP_NET_HDRS) \
		$(BASELINE_SRCS) $(BASELINE_HDRS) \
		$(FW_DP_SRCS) $(FW_DP_HDRS) $(LIBCSA_A) $(LIBCSA_PACK_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) $(BASELINE_CFLAGS) -o $@ tools/dp-bench/dp-bench.c \
		$(DP_NET_SRCS) $(BASELINE_SRCS) $(LIBCSA_PACK_LIBS)

dp-bench: $(DP_BENCH) $(GSC_CSA)
	$(DP_BENCH) --model $(GSC_CSA) $(DP_BENCH_ARGS)

# Host test of the baseline kernels: every dispatch path against plain C.
BASELINE_TEST := $(BUILD)/tests/host/test_baseline_gemm
HOST_TESTS += $(BASELINE_TEST)
$(BASELINE_TEST): tests/host/test_baseline_gemm.c tools/baseline/bl_gemm.c \
		tools/baseline/bl_net.c $(BASELINE_HDRS) $(LIBCSA_A) $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) $(KSFT_CFLAGS) $(BASELINE_CFLAGS) -o $@ $< \
		tools/baseline/bl_gemm.c tools/baseline/bl_net.c $(LIBCSA_A) $(LIBCSA_LIBS)
