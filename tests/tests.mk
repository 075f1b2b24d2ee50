# Tests: host unit tests (HOST_TESTS, appended by each part's fragment) and
# the kselftest suites that run inside the VM (tests/vm/).
#   make check       deps, build everything, host tests, VM suites in one
#                    boot; TAP per suite and "N passed, N failed, N skipped"
#   make check-host  host tests only
#   make check-vm    VM suites only
#   make check-vm2   VM suites only, on the second kernel (bookworm-
#                    backports' 6.12, tools/vm/kernels.mk)
#   make vm-tests    build the VM suites
# Results: $(TEST_RESULTS)/{host,vm}/<suite>.tap and .rc

VM_TEST_BUILD := $(BUILD)/tests/vm
TEST_RESULTS := $(BUILD)/tests/results
# Every tests/vm/*_test.c is a suite.  Run order matters only at the end:
# reset, timeout, firmware and reload swap the driver under the others, so
# they run last.
VM_TEST_LAST := csa_reset_test csa_timeout_test csa_firmware_test csa_reload_test
VM_TEST_ALL := $(filter-out $(VM_TEST_LAST), \
	$(sort $(notdir $(basename $(wildcard tests/vm/*_test.c))))) $(VM_TEST_LAST)
# The image always holds every suite; VM_TEST_NAMES picks the ones a boot
# runs, e.g. make check-vm VM_TEST_NAMES=csa_concurrency_test.  Steps that
# are not suites (VM_TEST_EXTRA_STEPS: the ioctl fuzzer's smoke run,
# tools/fuzz-ioctl/fuzz-ioctl.mk) run before the last two.
VM_TEST_NAMES ?= $(filter-out $(VM_TEST_LAST),$(VM_TEST_ALL)) \
	$(VM_TEST_EXTRA_STEPS) $(VM_TEST_LAST)
VM_TESTS := $(addprefix $(VM_TEST_BUILD)/,$(VM_TEST_ALL))
# The installed kselftests' runner (make install-tests, docs/install.md)
# runs three suites the way a host with a card runs them: a step of its own.
VM_IMAGE_BINS += tests/kselftest/run_kselftest.sh
VM_IMAGE_STEPS += tests/kselftest/csa_run_kselftest
VM_TEST_EXTRA_STEPS += csa_run_kselftest
VM_TEST_HELPER := tests/vm/csa_vm.c
# the 6.1 harness has unused signal-handler parameters
VM_TEST_CFLAGS = $(CFLAGS_USER) $(KSFT_CFLAGS) -Itests/vm \
	$(shell pkg-config --cflags libdrm)
VM_TEST_LIBS = $(LIBCSA_PACK_LIBS)
# The two cards of the test VM: different non-default properties on the
# first, model defaults on the second (tools/vm/card-defaults.conf) except
# debug-ops, which the hang and fault tests need on both.
VM_TEST_CARDS := queues=3,lanes=128,max-k=10,max-dim=2048,max-tensor=65536,clock-khz=125000,serial=0x1234,debug-ops=on
VM_TEST_CARD2 := debug-ops=on
# Two NUMA nodes; the second card sits behind a PCIe expander bridge on
# node 1 (tools/vm/run-vm.sh), so the NUMA suite can check buffer placement.
VM_TEST_TOPOLOGY := --numa --card-node 1=1
# the whole VM run (all suites take ~150 s here); generous for a loaded machine
VM_TEST_TIMEOUT ?= 600
# Extra guest kernel parameters.  slub_debug=FZPU poisons freed slab
# objects and checks red zones: a use-after-free in the driver crashes or
# is reported (vm.tap fails) instead of passing by luck.  Costs ~15 % of
# the VM run.
VM_KERNEL_ARGS ?= slub_debug=FZPU
# A second, short boot with swiotlb=force: every DMA mapping goes through
# bounce buffers that only dma_sync_*() fill and drain, so a sync at the
# wrong time (or a missing one) shows as wrong data.  x86 DMA is coherent:
# without it these suites cannot tell.  Skipped with VM_TEST_NAMES.
VM_SWIOTLB_NAMES ?= csa_dma_sync_test csa_submit_test csa_userptr_test csa_bo_wait_test
VM_SWIOTLB_RUN := $(if $(filter command line,$(origin VM_TEST_NAMES)),,$(VM_SWIOTLB_NAMES))
HOST_TEST_TIMEOUT ?= 120

.PHONY: check check-run check-host check-vm check-vm2 vm-tests host-tests \
	run-host-tests run-vm-tests run-vm-tests-swiotlb run-vm2-tests

vm-tests: $(VM_TESTS)

$(VM_TEST_BUILD)/%: tests/vm/%.c $(VM_TEST_HELPER) $(wildcard tests/vm/*.h) \
		$(KSFT_HEADERS) $(LIBCSA_A) $(LIBCSA_PACK_A) lib/include/csa/csa.h uapi/csa_drm.h \
		firmware/csa_hw.h
	@mkdir -p $(@D)
	$(CC) $(VM_TEST_CFLAGS) -o $@ $< $(VM_TEST_HELPER) $(VM_TEST_EXTRA_SRCS) \
		$(VM_TEST_LIBS)

# Extra sources a suite links (target-specific VM_TEST_EXTRA_SRCS): the
# job-program suites (csa_prog_*_test) run the firmware engine and command
# processor as their CPU reference, with the host tests' layer builders.
VM_TEST_PROG := $(addprefix $(VM_TEST_BUILD)/,$(filter csa_prog_%,$(VM_TEST_ALL)))
$(VM_TEST_PROG): VM_TEST_EXTRA_SRCS = $(FW_CMDPROC_SRCS)
$(VM_TEST_PROG): $(FW_CMDPROC_SRCS) $(FW_CMDPROC_HDRS) $(wildcard tests/host/test_dp*.h)

host-tests: $(HOST_TESTS)

# Each host test prints TAP; keep it and its exit status for the summary.
run-host-tests: host-tests
	@rm -rf $(TEST_RESULTS)/host && mkdir -p $(TEST_RESULTS)/host
	@for t in $(HOST_TESTS); do \
		n=$$(basename $$t); \
		rc=0; timeout $(HOST_TEST_TIMEOUT) $$t > $(TEST_RESULTS)/host/$$n.tap 2>&1 || rc=$$?; \
		echo $$rc > $(TEST_RESULTS)/host/$$n.rc; \
	done

# One boot runs every VM suite; run-vm.sh records each suite's TAP and the
# VM's own health as vm.tap, so a VM that fails counts as a failure.
run-vm-tests: vm-image $(QEMU)
	@QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) \
		--out $(TEST_RESULTS)/vm --timeout $(VM_TEST_TIMEOUT) --mode tests \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		$(if $(VM_KERNEL_ARGS),--append "$(VM_KERNEL_ARGS)") \
		$(addprefix --step ,$(VM_TEST_NAMES)) || true

# The same suites again on bounce buffers (see VM_SWIOTLB_NAMES).
run-vm-tests-swiotlb: vm-image $(QEMU)
	@$(if $(VM_SWIOTLB_RUN),QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) \
		--out $(TEST_RESULTS)/vm-swiotlb --timeout $(VM_TEST_TIMEOUT) --mode tests \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		--append "$(VM_KERNEL_ARGS) swiotlb=force" \
		$(addprefix --step ,$(VM_SWIOTLB_RUN)) || true,:)

# The same suites (VM_TEST_NAMES, same cards and topology) on the second
# kernel; make check shows them as a block of their own.
run-vm2-tests: vm2-image $(QEMU)
	@QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM2_KERNEL) --initrd $(VM2_INITRAMFS) \
		--out $(TEST_RESULTS)/vm2 --timeout $(VM_TEST_TIMEOUT) --mode tests \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		$(if $(VM_KERNEL_ARGS),--append "$(VM_KERNEL_ARGS)") \
		$(addprefix --step ,$(VM_TEST_NAMES)) || true

HOST_TAPS = $(foreach t,$(HOST_TESTS),$(TEST_RESULTS)/host/$(notdir $(t)).tap)
VM_TAPS = $(TEST_RESULTS)/vm/vm.tap \
	$(foreach t,$(VM_TEST_NAMES),$(TEST_RESULTS)/vm/$(t).tap) \
	$(if $(VM_SWIOTLB_RUN),$(TEST_RESULTS)/vm-swiotlb/vm.tap \
		$(foreach t,$(VM_SWIOTLB_RUN),$(TEST_RESULTS)/vm-swiotlb/$(t).tap))
VM2_TAPS = $(TEST_RESULTS)/vm2/vm.tap \
	$(foreach t,$(VM_TEST_NAMES),$(TEST_RESULTS)/vm2/$(t).tap)

check-host: run-host-tests
	@bash tools/tap-summary.sh $(HOST_TAPS)

check-vm: run-vm-tests run-vm-tests-swiotlb
	@bash tools/tap-summary.sh $(VM_TAPS)

check-vm2: run-vm2-tests
	@bash tools/tap-summary.sh $(VM2_TAPS)

# One block a kernel: the stock Debian 12 kernel, then the second one.
check-run: all vm-tests
	@$(MAKE) --no-print-directory run-host-tests
	@$(MAKE) --no-print-directory run-vm-tests
	@$(MAKE) --no-print-directory run-vm-tests-swiotlb
	@$(MAKE) --no-print-directory run-vm2-tests
	@bash tools/vm/tap-blocks.sh "host tests" $(HOST_TAPS) \
		-- "VM suites on Debian 12 kernel $$(cat $(VM_KERNEL_STAMP))" $(VM_TAPS) \
		-- "VM suites on $(VM2_SUITE) kernel $$(cat $(VM2_KSTAMP))" $(VM2_TAPS)

# deps first, then a fresh make: the other fragments query pkg-config
# and friends while they are parsed.
check: deps
	@$(MAKE) --no-print-directory check-run
