# dp-bench: the datapath (firmware/csa_dp_*.c) on the reference network's
# super-sparse layer, natively (tools/dp-bench/dp-bench.c).  Prints a table.
#   make dp-bench   build $(DP_BENCH) and run it (DP_BENCH_ARGS="-n 500")
DP_BENCH := $(BUILD)/tools/dp-bench
DP_BENCH_ARGS ?=

.PHONY: dp-bench
all: $(DP_BENCH)

$(DP_BENCH): tools/dp-bench/dp-bench.c $(FW_DP_SRCS) $(FW_DP_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) -o $@ tools/dp-bench/dp-bench.c $(FW_DP_SRCS)

dp-bench: $(DP_BENCH)
	$(DP_BENCH) $(DP_BENCH_ARGS)
