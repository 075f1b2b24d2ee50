# The second kernel the VM suites boot: Debian's newest stable kernel,
# from bookworm-backports (6.12), fetched with its headers by
# tools/vm/fetch-debian-kernel.sh (private apt state, cached in
# $(VM2_DIR)); csa.ko built against it in its own symlink farm.
#   make vm2-image     $(VM2_INITRAMFS): the same image as vm-image, on it
#   make vm2-module    only csa.ko for it ($(VM2_CSA_KO))
# make check runs the suites on it too (tests/tests.mk, run-vm2-tests).

VM2_SUITE ?= bookworm-backports
VM2_DIR := $(BUILD)/vm-$(VM2_SUITE)
VM2_KSTAMP := $(VM2_DIR)/kernel.stamp
VM2_KVER = $(shell cat $(VM2_KSTAMP))
VM2_KERNEL = $(VM2_DIR)/kernel/boot/vmlinuz-$(VM2_KVER)
VM2_KMOD_DIR := $(BUILD)/kmod-$(VM2_SUITE)
VM2_CSA_KO := $(VM2_KMOD_DIR)/driver/csa.ko
VM2_INITRAMFS := $(VM2_DIR)/initramfs.cpio.gz

.PHONY: vm2-kernel vm2-module vm2-image

# a no-op (stamps untouched) while the kernel is cached
$(VM2_KSTAMP): FORCE
	@bash tools/vm/fetch-debian-kernel.sh --suite $(VM2_SUITE) --out $(VM2_DIR) --image --headers

vm2-kernel: $(VM2_KSTAMP)

# tools/kmod.mk in a sub-make (as debug.mk does for the debug kernel)
ifneq ($(KMOD_DIR),$(VM2_KMOD_DIR))
$(VM2_CSA_KO): $(VM2_KSTAMP) FORCE
	@$(MAKE) --no-print-directory module KMOD_DIR=$(VM2_KMOD_DIR) \
		KDIR=$(VM2_DIR)/headers/usr/src/linux-headers-$(VM2_KVER) \
		KMOD_ARGS="$$(cat $(VM2_DIR)/headers.make)"
endif

vm2-module: $(VM2_CSA_KO)

$(VM2_INITRAMFS): $(VM2_KSTAMP) $(VM2_CSA_KO) $(VM_IMAGE_INPUTS)
	@bash tools/vm/mkinitramfs.sh --kernel-root $(VM2_DIR)/kernel \
		--kver $(VM2_KVER) --out $@ --csa-ko $(VM2_CSA_KO) $(VM_IMAGE_ARGS)

vm2-image: $(VM2_INITRAMFS)
