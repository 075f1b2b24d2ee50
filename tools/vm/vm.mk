# The test VM: Debian's stock kernel + a busybox initramfs with csa.ko,
# the firmware, the VM suites, csa-info, csa-bench, csa-run and the packed
# reference model with its inputs and PyTorch logits (tools/vm/).
#   make vm-image     $(VM_INITRAMFS) (+ the kernel, fetched once)
#   make run          deps, build everything, boot a VM with one card
#                     (CARDS=2: two), print what csa-info reports, then
#                     run the reference network on the card with csa-run
#                     (RUN_ARGS: csa-run options, default $(RUN_ARGS))
#   make bench        deps, build everything, boot a VM with one card and
#                     run csa-bench there (BENCH_ARGS, default "--datapath --model
#                     /opt/csa/data/gsc.csa":
#                     the data plane, then the datapath jobs; "--json",
#                     "--quick")
#   make vm-shell     boot the VM to an interactive shell (CARDS=1|2)
# Card properties: CARD1="queues=3,serial=0x42" CARD2=... (tools/qemu model).
# NUMA=1: two NUMA nodes, the last card behind a PCIe expander bridge on
# node 1 (run-vm.sh --numa --card-node).

VM_DIR := $(BUILD)/vm
VM_KERNEL_STAMP := $(VM_DIR)/kernel.stamp
VM_KERNEL = $(VM_DIR)/kernel/boot/vmlinuz-$(shell cat $(VM_KERNEL_STAMP))
VM_INITRAMFS := $(VM_DIR)/initramfs.cpio.gz
VM_RUN_DIR := $(VM_DIR)/run
# More tools (/opt/csa/bin) and steps (/opt/csa/tests) for the image,
# appended by other fragments (tools/fuzz-ioctl/fuzz-ioctl.mk).
VM_IMAGE_BINS ?=
VM_IMAGE_STEPS ?=
CARDS ?= 1
CARD1 ?=
CARD2 ?= serial=0x2
CSA_INFO_ARGS ?=
# csa-run in make run: all 256 reference inputs, 8 in flight, every output
# checked bit-exact against the CPU reference, top-1 agreement >= 95 %.
RUN_ARGS ?= --inflight 8 --check --min-agreement 95
VM_RUN_TIMEOUT ?= 300
BENCH_ARGS ?= --datapath --model /opt/csa/data/gsc.csa
VM_BENCH_TIMEOUT ?= 900
NUMA ?=
VM_CARD_ARGS = --card "$(CARD1)" $(if $(filter 2,$(CARDS)),--card "$(CARD2)") \
	$(if $(NUMA),--numa --card-node $(if $(filter 2,$(CARDS)),1,0)=1)

.PHONY: vm-image vm-kernel run run-vm bench bench-vm vm-shell FORCE

# fetch-kernel.sh is a no-op (stamp untouched) while the kernel is current.
$(VM_KERNEL_STAMP): FORCE
	@bash tools/vm/fetch-kernel.sh $(VM_DIR)

vm-kernel: $(VM_KERNEL_STAMP)

# The suites the image holds: a list that changes rebuilds the image.
VM_TEST_LIST := $(VM_DIR)/tests.list
$(VM_TEST_LIST): FORCE
	@mkdir -p $(@D)
	@echo "$(VM_TESTS)" | cmp -s - $@ || echo "$(VM_TESTS)" > $@

# What an image holds besides the kernel's modules and csa.ko (the debug
# kernel's image of tools/vm/debug.mk holds the same).
VM_IMAGE_INPUTS = $(VM_TEST_LIST) tools/vm/mkinitramfs.sh tools/vm/init \
	$(FW_IMAGE) $(FW_BAD_IMAGES) $(CSA_INFO) $(CSA_BENCH) \
	$(CSA_RUN) $(GSC_CSA) $(GSC_REFERENCE) $(VM_TESTS) $(VM_IMAGE_BINS) \
	$(VM_IMAGE_STEPS)
VM_IMAGE_ARGS = --init tools/vm/init $(addprefix --fw ,$(FW_IMAGE)) \
	$(addprefix --fw-test ,$(FW_BAD_IMAGES)) \
	$(addprefix --test ,$(VM_TESTS)) --bin $(CSA_INFO) --bin $(CSA_BENCH) \
	--bin $(CSA_RUN) --data $(GSC_CSA) --data $(GSC_REFERENCE) \
	$(addprefix --bin ,$(VM_IMAGE_BINS)) $(addprefix --test ,$(VM_IMAGE_STEPS))

$(VM_INITRAMFS): $(VM_KERNEL_STAMP) $(CSA_KO) $(VM_IMAGE_INPUTS)
	@bash tools/vm/mkinitramfs.sh --kernel-root $(VM_DIR)/kernel \
		--kver $$(cat $(VM_KERNEL_STAMP)) --out $@ --csa-ko $(CSA_KO) $(VM_IMAGE_ARGS)

vm-image: $(VM_INITRAMFS)

# make run fails when csa-info or csa-run fails (or did not run).
run-vm: vm-image $(QEMU)
	@rc=0; QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) --out $(VM_RUN_DIR) \
		--timeout $(VM_RUN_TIMEOUT) --mode info --info-args "$(CSA_INFO_ARGS)" \
		--run-args "$(RUN_ARGS)" $(VM_CARD_ARGS) || rc=$$?; \
	for step in csa-info csa-run; do \
		if [ ! -f $(VM_RUN_DIR)/$$step.rc ]; then \
			echo "run: $$step did not run in the VM (see $(VM_RUN_DIR)/console.log)" >&2; \
			exit $$(( rc ? rc : 1 )); \
		fi; \
		[ $$step = csa-run ] && echo "--- csa-run: the reference network on the card ---"; \
		cat $(VM_RUN_DIR)/$$step.tap; \
	done; \
	for step in csa-info csa-run; do \
		[ "$$(cat $(VM_RUN_DIR)/$$step.rc)" = 0 ] || exit $$(cat $(VM_RUN_DIR)/$$step.rc); \
	done

run: deps
	@$(MAKE) --no-print-directory all run-vm

# Like run-vm: csa-bench's exit status is make bench's exit status.
bench-vm: vm-image $(QEMU)
	@rc=0; QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) --out $(VM_DIR)/bench \
		--timeout $(VM_BENCH_TIMEOUT) --mode bench --bench-args "$(BENCH_ARGS)" \
		$(VM_CARD_ARGS) || rc=$$?; \
	cat $(VM_DIR)/bench/csa-bench.tap 2>/dev/null; \
	if [ -f $(VM_DIR)/bench/csa-bench.rc ]; then exit $$(cat $(VM_DIR)/bench/csa-bench.rc); fi; \
	echo "bench: csa-bench did not run in the VM (see $(VM_DIR)/bench/console.log)" >&2; \
	exit $$(( rc ? rc : 1 ))

bench: deps
	@$(MAKE) --no-print-directory all bench-vm

vm-shell: vm-image $(QEMU)
	QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) --out $(VM_DIR)/shell \
		--shell $(VM_CARD_ARGS)
include tools/vm/kernels.mk
