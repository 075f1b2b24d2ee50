# The VM suites on a debug kernel (not part of make check: ~30 min cold
# kernel build, a VM run ~5x slower than the stock kernel's).
#   make check-debug          deps, build the debug kernel (once; cached in
#                             $(DEBUG_DIR), incremental afterwards), csa.ko
#                             against it, its VM image; run every VM suite
#                             (VM_TEST_NAMES) with the cards behind QEMU's
#                             Intel IOMMU; fail on any KASAN, lockdep,
#                             atomic-sleep, ODEBUG, DMA-API or kmemleak
#                             report (tools/vm/debug-report.sh), on any
#                             other kernel warning, and on failed tests
#   make check-debug FAULT=1  the same suites under fault injection
#                             (tools/vm/fault-run.sh: failslab,
#                             fail_page_alloc and fail_function on csa.ko,
#                             task-filtered to the suite);
#                             passes on kernel health alone, the suites'
#                             results are printed as information
#   make debug-kernel         only the kernel  (tools/vm/build-debug-kernel.sh)
#   make debug-module         only csa.ko against it ($(DEBUG_CSA_KO))
#   make debug-vm-image       only the image
# Results: $(DEBUG_RESULTS) (FAULT=1: $(DEBUG_FAULT_RESULTS)): per-suite
# TAP, console.log, debug.tap (the checkers' verdict), findings.txt (each
# distinct report with its first lines), debug-state.tap (kmemleak dump).

DEBUG_DIR := $(BUILD)/debug-kernel
DEBUG_KSTAMP := $(DEBUG_DIR)/kernel.stamp
DEBUG_KDIR := $(DEBUG_DIR)/linux-source-6.1
DEBUG_VM_KERNEL = $(DEBUG_DIR)/kernel/boot/vmlinuz-$(shell cat $(DEBUG_KSTAMP))
DEBUG_KMOD_DIR := $(BUILD)/kmod-debug
DEBUG_CSA_KO := $(DEBUG_KMOD_DIR)/driver/csa.ko
DEBUG_INITRAMFS := $(DEBUG_DIR)/initramfs.cpio.gz
DEBUG_RESULTS := $(TEST_RESULTS)/debug
DEBUG_FAULT_RESULTS := $(TEST_RESULTS)/debug-fault
# the stock kernel's VM run takes ~150 s; KASAN + lockdep + kmemleak under
# TCG are ~5x slower, fault injection adds retries and timeouts
DEBUG_VM_TIMEOUT ?= 3600
# extra guest kernel parameters (intel_iommu=on comes with run-vm.sh --iommu)
DEBUG_KERNEL_ARGS ?=
# csa-fuzz-ioctl options for the csa_fuzz_ioctl step (default: its smoke
# run), e.g. a long fuzz on the debug kernel:
#   make check-debug VM_TEST_NAMES=csa_fuzz_ioctl \
#	DEBUG_FUZZ_ARGS="--seed 1 --seeds 4 --duration 300 --threads 4"
DEBUG_FUZZ_ARGS ?=
# FAULT=1: tools/vm/fault-run.sh options for every suite
FAULT ?=
FAULT_PROBABILITY ?= 1
FAULT_INTERVAL ?= 1
FAULT_TIMES ?= 100000
FAULT_TARGETS ?= failslab fail_page_alloc fail_function
FAULT_DELAY ?= 0.3
FAULT_SPEC = -p $(FAULT_PROBABILITY) -i $(FAULT_INTERVAL) -t $(FAULT_TIMES) -d $(FAULT_DELAY) $(FAULT_TARGETS)

.PHONY: check-debug check-debug-run debug-kernel debug-module debug-vm-image

# The script does nothing (stamp untouched) while its inputs are unchanged.
$(DEBUG_KSTAMP): FORCE
	@bash tools/vm/build-debug-kernel.sh $(DEBUG_DIR)

debug-kernel: $(DEBUG_KSTAMP)

# tools/kmod.mk in a sub-make, pointed at the debug tree and its own
# symlink farm, so the stock module in $(BUILD)/kmod is never touched.
# (In that sub-make CSA_KO is $(DEBUG_CSA_KO) and kmod.mk's rule builds it.)
ifneq ($(KMOD_DIR),$(DEBUG_KMOD_DIR))
$(DEBUG_CSA_KO): $(DEBUG_KSTAMP) FORCE
	@$(MAKE) --no-print-directory module KDIR=$(DEBUG_KDIR) KMOD_DIR=$(DEBUG_KMOD_DIR)
endif

debug-module: $(DEBUG_CSA_KO)

$(DEBUG_INITRAMFS): $(DEBUG_KSTAMP) $(DEBUG_CSA_KO) $(VM_IMAGE_INPUTS) tools/vm/fault-run.sh
	@bash tools/vm/mkinitramfs.sh --kernel-root $(DEBUG_DIR)/kernel \
		--kver $$(cat $(DEBUG_KSTAMP)) --out $@ --csa-ko $(DEBUG_CSA_KO) $(VM_IMAGE_ARGS) \
		--bin tools/vm/fault-run.sh

debug-vm-image: $(DEBUG_INITRAMFS)

# One boot runs the suites; then the checkers' verdict (debug.tap).  Without
# FAULT the summary counts the suites, the VM's health and the checkers;
# with FAULT=1 the suites' summary is information only and the last line
# counts the health checks (vm.tap, debug.tap) alone.
check-debug-run: $(DEBUG_INITRAMFS) $(QEMU)
	@out=$(if $(FAULT),$(DEBUG_FAULT_RESULTS),$(DEBUG_RESULTS)); \
	QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(DEBUG_VM_KERNEL) --initrd $(DEBUG_INITRAMFS) \
		--out $$out --timeout $(DEBUG_VM_TIMEOUT) --mode tests --iommu --debug-checks \
		$(if $(FAULT),--fault "$(FAULT_SPEC)") \
		$(if $(DEBUG_FUZZ_ARGS),--fuzz-args "$(DEBUG_FUZZ_ARGS)") \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		$(if $(DEBUG_KERNEL_ARGS),--append "$(DEBUG_KERNEL_ARGS)") \
		$(addprefix --step ,$(VM_TEST_NAMES)) || true; \
	bash tools/vm/debug-report.sh $(if $(FAULT),--fault) $$out; \
	echo "check-debug: distinct reports with their first lines: $$out/findings.txt"; \
	suites="$(foreach t,$(VM_TEST_NAMES),$$out/$(t).tap)"; \
	if [ -n "$(FAULT)" ]; then \
		echo "--- the suites under fault injection (information: injected failures fail tests) ---"; \
		bash tools/tap-summary.sh --quiet $$suites | tee $$out/suites-summary || true; \
		echo "--- kernel health under fault injection ---"; \
		bash tools/tap-summary.sh $$out/vm.tap $$out/debug.tap; \
	else \
		bash tools/tap-summary.sh $$out/vm.tap $$out/debug.tap $$suites; \
	fi

check-debug: deps
	@$(MAKE) --no-print-directory check-debug-run
