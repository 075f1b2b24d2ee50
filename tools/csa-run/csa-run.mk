# csa-run: run a packed .csa model on a card or the CPU reference (target
# `tools`, part of `all`); the reference model packed at build time; the
# model API's host tests.  Included from tools/tools.mk (before
# tools/csa-pack/csa-pack.mk: paths are spelled out, not taken from its
# variables).
CSA_RUN := $(BUILD)/tools/csa-run
CSA_RUN_SRCS := tools/csa-run/main.c tools/csa-run/inputs.c tools/csa-run/stats.c
CSA_RUN_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(CSA_RUN_SRCS))
# inputs.c reads safetensors with the packer's reader (lib/pack/pack_internal.h)
$(BUILD)/tools/obj/csa-run/%.o: TOOLS_CFLAGS += -Ilib -Ilib/pack

.PHONY: csa-run gsc-model
all: csa-run gsc-model
tools: csa-run
csa-run: $(CSA_RUN)

$(CSA_RUN): $(CSA_RUN_OBJS) $(LIBCSA_A) $(LIBCSA_PACK_A)
	$(CC) $(LDFLAGS) -o $@ $(CSA_RUN_OBJS) $(LIBCSA_PACK_LIBS)

-include $(CSA_RUN_OBJS:.o=.d)

# The committed reference model (tests/data/gsc) packed by csa-pack, and
# its reference inputs and PyTorch logits: what `make run` runs in the VM.
GSC_MODEL_DATA := tests/data/gsc
GSC_CSA := $(BUILD)/model/gsc.csa
GSC_REFERENCE := $(GSC_MODEL_DATA)/reference.safetensors.gz
gsc-model: $(GSC_CSA)

$(GSC_CSA): $(BUILD)/tools/csa-pack $(GSC_MODEL_DATA)/model.json \
		$(GSC_MODEL_DATA)/model.safetensors.gz
	@mkdir -p $(@D)
	$(BUILD)/tools/csa-pack $(GSC_MODEL_DATA)/model.json -o $@

# Host tests of the model API (no card): tests/host/test_model_*.c except
# the packer's test_model_parse.
MODEL_TEST_NAMES := $(filter-out test_model_parse, \
	$(sort $(notdir $(basename $(wildcard tests/host/test_model_*.c)))))
MODEL_TESTS := $(addprefix $(BUILD)/tests/host/,$(MODEL_TEST_NAMES))
HOST_TESTS += $(MODEL_TESTS)

$(MODEL_TESTS): $(BUILD)/tests/host/%: tests/host/%.c $(LIBCSA_A) $(LIBCSA_PACK_A) lib/include/csa/model.h \
		lib/model_internal.h $(KSFT_HEADERS) $(GSC_CSA) $(GSC_REFERENCE) $(CSA_RUN)
	@mkdir -p $(@D)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -Ilib/pack -Itests/host \
		-DGSC_DATA='"$(CURDIR)/$(GSC_MODEL_DATA)"' -DGSC_CSA='"$(GSC_CSA)"' \
		-DCSA_RUN_BIN='"$(CSA_RUN)"' -o $@ $< $(LIBCSA_PACK_LIBS)

# The VM suite csa_model_test reads the reference inputs like csa-run.
$(BUILD)/tests/vm/csa_model_test: VM_TEST_CFLAGS += -Ilib -Ilib/pack
$(BUILD)/tests/vm/csa_model_test: lib/include/csa/model.h
