# csa-fuzz-ioctl: the ioctl fuzzer of the csa render nodes
# (docs/fuzz-ioctl.md), run inside the test VM (two cards, debug-ops).
#   make fuzz-ioctl   deps, build, boot the test VM with the fuzzer as its
#                     only step; TAP (one test per seed + the leak check)
#                     and "N passed, N failed, N skipped"
# FUZZ_IOCTL_SEED (first seed, 1), FUZZ_IOCTL_SEEDS (how many, 4),
# FUZZ_IOCTL_TIME (seconds of fuzzing in all, split over the seeds; 120)
# or FUZZ_IOCTL_ITERS (operations per thread and seed, instead of a time),
# FUZZ_IOCTL_THREADS (4), FUZZ_IOCTL_ARGS (more csa-fuzz-ioctl options).
# Results: $(FUZZ_IOCTL_RESULTS)/csa_fuzz_ioctl.tap, console.log.
FUZZ_IOCTL := $(BUILD)/tools/csa-fuzz-ioctl
FUZZ_IOCTL_STEP := tools/fuzz-ioctl/csa_fuzz_ioctl
FUZZ_IOCTL_SRCS := $(wildcard tools/fuzz-ioctl/*.c)
FUZZ_IOCTL_HDRS := $(wildcard tools/fuzz-ioctl/*.h) tests/host/test_dp_net.h \
	tests/host/test_dp_ref.h uapi/csa_drm.h uapi/csa_format.h firmware/csa_hw.h
FUZZ_IOCTL_SEED ?= 1
FUZZ_IOCTL_SEEDS ?= 4
FUZZ_IOCTL_TIME ?= 120
FUZZ_IOCTL_ITERS ?=
FUZZ_IOCTL_THREADS ?= 4
FUZZ_IOCTL_ARGS ?=
FUZZ_IOCTL_RESULTS := $(BUILD)/tests/results/fuzz-ioctl
# With FUZZ_IOCTL_ITERS the time limit applies only when given explicitly.
FUZZ_IOCTL_PER_SEED = $(shell awk 'BEGIN { printf "%g", $(FUZZ_IOCTL_TIME) / $(FUZZ_IOCTL_SEEDS) }')
FUZZ_IOCTL_TIMED = $(if $(FUZZ_IOCTL_ITERS),$(filter command line environment,$(origin FUZZ_IOCTL_TIME)),yes)
FUZZ_IOCTL_RUN_ARGS = --seed $(FUZZ_IOCTL_SEED) --seeds $(FUZZ_IOCTL_SEEDS) \
	--threads $(FUZZ_IOCTL_THREADS) \
	$(if $(FUZZ_IOCTL_ITERS),--iterations $(FUZZ_IOCTL_ITERS)) \
	$(if $(FUZZ_IOCTL_TIMED),--duration $(FUZZ_IOCTL_PER_SEED),--duration 0) \
	$(FUZZ_IOCTL_ARGS)
# Boot, fuzzing, and per seed the settling (a hang's reset, children's jobs).
FUZZ_IOCTL_TIMEOUT ?= $(if $(FUZZ_IOCTL_TIMED),$(shell echo $$(( $(FUZZ_IOCTL_TIME) * 2 + 60 * $(FUZZ_IOCTL_SEEDS) + 240 ))),7200)

# The test VM's image holds the fuzzer and its step (tools/vm/vm.mk);
# make check runs the step's default: a fixed-seed smoke run of 8 s,
# three threads, no DEBUG_HANG (tools/fuzz-ioctl/csa_fuzz_ioctl).
VM_IMAGE_BINS += $(FUZZ_IOCTL)
VM_IMAGE_STEPS += $(FUZZ_IOCTL_STEP)
VM_TEST_EXTRA_STEPS += csa_fuzz_ioctl

.PHONY: fuzz-ioctl fuzz-ioctl-run
all: $(FUZZ_IOCTL)

$(FUZZ_IOCTL): $(FUZZ_IOCTL_SRCS) $(FUZZ_IOCTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) -pthread -o $@ $(FUZZ_IOCTL_SRCS)

fuzz-ioctl-run: vm-image $(QEMU)
	@QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(VM_INITRAMFS) \
		--out $(FUZZ_IOCTL_RESULTS) --timeout $(FUZZ_IOCTL_TIMEOUT) --mode tests \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		$(if $(VM_KERNEL_ARGS),--append "$(VM_KERNEL_ARGS)") \
		--step csa_fuzz_ioctl --fuzz-args "$(strip $(FUZZ_IOCTL_RUN_ARGS))" || true
	@bash tools/tap-summary.sh $(FUZZ_IOCTL_RESULTS)/vm.tap \
		$(FUZZ_IOCTL_RESULTS)/csa_fuzz_ioctl.tap

fuzz-ioctl: deps
	@$(MAKE) --no-print-directory fuzz-ioctl-run
