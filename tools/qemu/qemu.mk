# QEMU with the virtual CSA card, built from Debian's qemu source package.
#   make qemu   -> $(QEMU)  (cold: apt-get source + configure + build, ~3 min
#                on 2 cores; afterwards ninja rebuilds only what changed)
# Run it with $(QEMU_DATA_ARGS): Debian's DFSG source has no prebuilt ROMs,
# so the BIOS comes from the installed seabios / qemu-system-data packages,
# and -nic none keeps QEMU from looking for an iPXE option ROM.
QEMU_DIR := $(BUILD)/qemu
QEMU := $(QEMU_DIR)/qemu-system-x86_64
QEMU_DATA_ARGS := -L /usr/share/seabios -L /usr/share/qemu -nic none
# Everything the script patches into the QEMU tree (via symlinks).
QEMU_CSA_SRCS = tools/qemu/build-qemu.sh tools/qemu/csa_card.c \
	tools/qemu/meson.build $(wildcard firmware/*.c firmware/*.h) \
	uapi/csa_format.h

.PHONY: qemu qemu-smoke-test
qemu: $(QEMU)

# $(QEMU) is a symlink: make sees the binary's mtime.  When ninja had
# nothing to relink (e.g. only a comment changed), touch it so that make
# does not run the script again and rebuild what depends on $(QEMU).
$(QEMU): $(QEMU_CSA_SRCS)
	@bash tools/qemu/build-qemu.sh $(CURDIR) $(QEMU_DIR)
	@touch $(QEMU_DIR)/obj/qemu-system-x86_64

# Scripted smoke test of the card without a guest (qtest): identity and
# capability registers, register-file rules, the firmware handshake with
# good and bad images, MSI-X delivery, soft reset.  Prints TAP; the wrapper
# bakes in the paths so tests/tests.mk can run it like any host test.
QEMU_SMOKE_TEST := $(BUILD)/tests/host/qemu_smoke_test
HOST_TESTS += $(QEMU_SMOKE_TEST)

qemu-smoke-test: $(QEMU_SMOKE_TEST)
	$(QEMU_SMOKE_TEST)

$(QEMU_SMOKE_TEST): tools/qemu/smoke-test.sh $(QEMU) $(FW_IMAGE) $(FW_BAD_IMAGES)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec bash %s %s %s %s\n' $(CURDIR)/tools/qemu/smoke-test.sh \
		$(QEMU) $(FW_DIR) "$(QEMU_DATA_ARGS)" > $@
	@chmod +x $@
