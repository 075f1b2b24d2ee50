# csa-pack: exported float model -> packed .csa model file (target `tools`,
# part of `all`).  libcsa linked statically, like the other tools.
CSA_PACK := $(BUILD)/tools/csa-pack
CSA_PACK_SRCS := tools/csa-pack/main.c
CSA_PACK_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(CSA_PACK_SRCS))

.PHONY: csa-pack
all: csa-pack
tools: csa-pack
csa-pack: $(CSA_PACK)

$(CSA_PACK): $(CSA_PACK_OBJS) $(LIBCSA_A) $(LIBCSA_PACK_A)
	$(CC) $(LDFLAGS) -o $@ $(CSA_PACK_OBJS) $(LIBCSA_PACK_LIBS)

-include $(CSA_PACK_OBJS:.o=.d)

# Host test: pack the committed reference model (tests/data/gsc), check the
# report, csa-pack's exit codes and int8-vs-PyTorch top-1 agreement.
GSC_DATA := $(CURDIR)/tests/data/gsc
PACK_REF_TEST := $(BUILD)/tests/host/test_pack_reference
HOST_TESTS += $(PACK_REF_TEST)

$(PACK_REF_TEST): tests/host/test_pack_reference.c $(PACK_TEST_DEPS) $(CSA_PACK) \
		$(wildcard $(GSC_DATA)/*)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -Ilib/pack \
		-DGSC_DATA='"$(GSC_DATA)"' -DCSA_PACK_BIN='"$(CSA_PACK)"' -o $@ $< \
		$(LIBCSA_PACK_LIBS)

include tools/model/model-data.mk
include tests/fuzz/fuzz.mk

# Host test: the packed reference model, bound unchanged, as a job program
# on the firmware's engine (firmware.mk's FW_PROG_SRCS), bit-exact with the
# packer tests' int8 reference.
PACK_PROG_TEST := $(BUILD)/tests/host/test_pack_program
HOST_TESTS += $(PACK_PROG_TEST)

$(PACK_PROG_TEST): tests/host/test_pack_program.c $(PACK_TEST_DEPS) $(FW_PROG_SRCS) \
		$(FW_PROG_HDRS) $(wildcard $(GSC_DATA)/*)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -Ilib/pack \
		-DGSC_DATA='"$(GSC_DATA)"' -o $@ $< $(FW_PROG_SRCS) $(LIBCSA_PACK_LIBS)

# pack-bench: times the greedy grouping on 4096x4096 and 8192x8192 layers
# (PACK_BENCH_ARGS="--baseline" also times the original greedy, slow).
PACK_BENCH := $(BUILD)/tools/pack-bench
.PHONY: pack-bench
$(PACK_BENCH): tools/csa-pack/pack-bench.c tests/host/pack_group_ref.h $(LIBCSA_A) $(LIBCSA_PACK_A) \
		lib/include/csa/pack.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) -Itests/host -o $@ $< $(LIBCSA_PACK_LIBS)
pack-bench: $(PACK_BENCH)
	$(PACK_BENCH) $(PACK_BENCH_ARGS)
