# Firmware image, its builder and the host unit test of the container code.
#   make firmware       build/firmware/{csa-mkfw,csa-fw.bin,csa-fw-badcrc.bin,csa-fw-badabi.bin}
#   make host-test-fw   build/tests/host/test_fw_image (also in HOST_TESTS)
#   make host-test-cmdproc  build/tests/host/test_cmdproc (also in HOST_TESTS)
#   make host-test-dp   build/tests/host/test_dp_* and test_prog* (also in
#                       HOST_TESTS): the datapath and job programs
FW_DIR := $(BUILD)/firmware
FW_MKFW := $(FW_DIR)/csa-mkfw
FW_IMAGE := $(FW_DIR)/csa-fw.bin
FW_BAD_IMAGES := $(FW_DIR)/csa-fw-badcrc.bin $(FW_DIR)/csa-fw-badabi.bin
FW_VERSION ?= 1.0.0
# Portable container code shared with QEMU, libcsa and the tests.
FW_LIB_SRCS := firmware/csa_crc32.c firmware/csa_fw_image.c
FW_LIB_HDRS := firmware/csa_hw.h firmware/csa_fw_image.h
# Every source the virtual card runs: its hash is the image's build id.
FW_ID_SRCS = $(sort $(wildcard firmware/*.c firmware/*.h tools/qemu/csa_card.c) \
	uapi/csa_format.h)
FW_BUILD_ID = $(shell cat $(FW_ID_SRCS) | sha256sum | cut -c1-16)
# An ABI the default card (fw-abi = CSA_FW_ABI_VERSION = 1) rejects.
FW_BAD_ABI := 999

.PHONY: firmware host-test-fw host-test-cmdproc
all: firmware
firmware: $(FW_MKFW) $(FW_IMAGE) $(FW_BAD_IMAGES)

$(FW_MKFW): firmware/mkfw.c $(FW_LIB_SRCS) $(FW_LIB_HDRS) tools/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) $(LDFLAGS) -o $@ firmware/mkfw.c $(FW_LIB_SRCS)

$(FW_IMAGE): $(FW_MKFW) $(FW_ID_SRCS)
	$(FW_MKFW) -o $@ --fw-version $(FW_VERSION) --build-id $(FW_BUILD_ID)
	$(FW_MKFW) --check $@

$(FW_DIR)/csa-fw-badcrc.bin: $(FW_MKFW) $(FW_ID_SRCS)
	$(FW_MKFW) -o $@ --fw-version $(FW_VERSION) --build-id $(FW_BUILD_ID) \
		--corrupt-payload

$(FW_DIR)/csa-fw-badabi.bin: $(FW_MKFW) $(FW_ID_SRCS)
	$(FW_MKFW) -o $@ --fw-version $(FW_VERSION) --build-id $(FW_BUILD_ID) \
		--abi $(FW_BAD_ABI)

HOST_TEST_FW := $(BUILD)/tests/host/test_fw_image
HOST_TESTS += $(HOST_TEST_FW)
host-test-fw: $(HOST_TEST_FW)

# the 6.1 harness has unused signal-handler parameters
$(HOST_TEST_FW): tests/host/test_fw_image.c $(FW_LIB_SRCS) $(FW_LIB_HDRS) \
		$(KSFT_HEADERS) $(FW_MKFW)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(KSFT_CFLAGS) -DCSA_MKFW_PATH='"$(FW_MKFW)"' \
		-o $@ tests/host/test_fw_image.c $(FW_LIB_SRCS) -lz

# The complementary-sparse datapath and the job-program engine: portable C
# the card runs and libcsa compiles as its CPU reference.
FW_DP_SRCS := firmware/csa_dp_requant.c firmware/csa_dp_linear.c \
	firmware/csa_dp_conv.c firmware/csa_dp_kwta.c firmware/csa_dp_pool.c \
	firmware/csa_dp_cost.c
FW_DP_HDRS := firmware/csa_dp.h uapi/csa_format.h
FW_PROG_SRCS := firmware/csa_prog.c $(FW_DP_SRCS)
FW_PROG_HDRS := firmware/csa_prog.h $(FW_DP_HDRS) firmware/csa_hw.h

# The command processor the card runs (csa_cmdproc.c) against a fake bus.
FW_CMDPROC_SRCS := firmware/csa_cmdproc.c $(FW_PROG_SRCS)
FW_CMDPROC_HDRS := firmware/csa_cmdproc.h firmware/csa_hw.h $(FW_PROG_HDRS)
HOST_TEST_CMDPROC := $(BUILD)/tests/host/test_cmdproc
HOST_TESTS += $(HOST_TEST_CMDPROC)
host-test-cmdproc: $(HOST_TEST_CMDPROC)

$(HOST_TEST_CMDPROC): tests/host/test_cmdproc.c $(FW_CMDPROC_SRCS) \
		$(FW_CMDPROC_HDRS) $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(KSFT_CFLAGS) -o $@ tests/host/test_cmdproc.c \
		$(FW_CMDPROC_SRCS)

# Datapath and program tests: every tests/host/test_dp_*.c and
# test_prog*.c is one TAP binary linked with the engine and cmdproc.
HOST_TEST_DP_NAMES := $(sort $(notdir $(basename $(wildcard \
	tests/host/test_dp_*.c tests/host/test_prog*.c))))
HOST_TEST_DP := $(addprefix $(BUILD)/tests/host/,$(HOST_TEST_DP_NAMES))
HOST_TEST_DP_HDRS := $(wildcard tests/host/test_dp*.h)
HOST_TESTS += $(HOST_TEST_DP)
.PHONY: host-test-dp
host-test-dp: $(HOST_TEST_DP)

$(HOST_TEST_DP): $(BUILD)/tests/host/%: tests/host/%.c $(FW_CMDPROC_SRCS) \
		$(FW_CMDPROC_HDRS) $(HOST_TEST_DP_HDRS) $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(KSFT_CFLAGS) -Itests/host $(HOST_TEST_DP_DEFS) \
		-o $@ $< $(FW_CMDPROC_SRCS)

# test_prog_qemu drives the virtual card (QEMU's qtest): it needs the QEMU
# build (tools/qemu/qemu.mk, $(BUILD)/qemu/qemu-system-x86_64).
$(BUILD)/tests/host/test_prog_qemu: $(BUILD)/qemu/qemu-system-x86_64
$(BUILD)/tests/host/test_prog_qemu: HOST_TEST_DP_DEFS = \
	-DCSA_QEMU_PATH='"$(BUILD)/qemu/qemu-system-x86_64"'

# The PCI identity in csa_hw.h is nobody else's in pci.ids (docs/hardware.md).
PCI_IDS ?= /usr/share/misc/pci.ids
HOST_TEST_PCI_ID := $(BUILD)/tests/host/test_pci_id
HOST_TESTS += $(HOST_TEST_PCI_ID)
$(HOST_TEST_PCI_ID): tests/host/test_pci_id.sh firmware/csa_hw.h
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec bash %s %s %s\n' $(CURDIR)/tests/host/test_pci_id.sh \
		$(CURDIR)/firmware/csa_hw.h $(PCI_IDS) > $@
	@chmod +x $@
