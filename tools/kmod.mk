# csa.ko, built out of tree against KDIR (see docs/driver.md).
#   make module           build $(CSA_KO)
#   make lint             checkpatch --strict + sparse on driver/, fails on any warning
#   make module KDIR=...  build against another kernel tree
#                         (KMOD_ARGS: extra kbuild arguments, e.g. CC=)
#   make module-newest    compile + modpost against the newest Debian
#                         kernel headers (unstable, fetched once into
#                         $(KNEWEST_DIR)); part of make lint
#
# Kbuild of 6.1 writes objects next to the sources given by M=, so the
# sources are mirrored as a symlink farm in $(KMOD_DIR) and kbuild runs there.

# Default: the running kernel's build dir, else the Debian headers of the
# kernel the VM boots.  Resolved lazily and once (kernel-version.sh may
# consult apt), so make targets that never build the module don't pay.
KDIR ?= $(eval KDIR := $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -e "$$d/Makefile" ]; then echo "$$d"; \
	else echo /usr/src/linux-headers-$$(bash $(CURDIR)/tools/vm/kernel-version.sh); fi))$(KDIR)

KMOD_DIR := $(BUILD)/kmod
CSA_KO := $(KMOD_DIR)/driver/csa.ko
KMOD_LINT_LOG := $(BUILD)/kmod-sparse.log
KMOD_SOURCES := $(wildcard driver/*.c driver/*.h driver/probes/*.c)
# Trace event headers are macro calls laid out the upstream way, which
# checkpatch's C layout checks misread: those two checks are off for them.
KMOD_TRACE_HEADERS := driver/csa_trace.h
KMOD_ARGS ?=
# The newest Debian kernel's headers (tools/vm/fetch-debian-kernel.sh):
# a compile and modpost check of the API, not a module to load.
KNEWEST_SUITE ?= unstable
KNEWEST_DIR := $(BUILD)/kheaders-$(KNEWEST_SUITE)
KNEWEST_KMOD_DIR := $(BUILD)/kmod-$(KNEWEST_SUITE)

.PHONY: module module-farm module-lint module-clean module-newest
all: module
lint: module-lint module-newest

module: $(CSA_KO)

module-farm:
	@test -e "$(KDIR)/Makefile" || { \
		echo "kmod: no kernel build tree at KDIR=$(KDIR)" >&2; \
		echo "kmod: install $$(bash tools/vm/kernel-version.sh --headers-package) or pass KDIR=" >&2; \
		exit 1; }
	@mkdir -p $(KMOD_DIR)/firmware
	@find $(KMOD_DIR) -type l -delete
	@cp -rs $(CURDIR)/Kbuild $(CURDIR)/driver $(CURDIR)/uapi $(KMOD_DIR)/
	@cp -s $(CURDIR)/firmware/*.h $(KMOD_DIR)/firmware/

# Always ask kbuild: it knows its own dependencies and relinks only on change.
$(CSA_KO): module-farm
	$(MAKE) -C $(KDIR) M=$(KMOD_DIR) CSA_WERROR=$(WERROR) $(KMOD_ARGS) modules

# A sub-make with its own KDIR and symlink farm; any warning fails it.
module-newest:
	@bash tools/vm/fetch-debian-kernel.sh --suite $(KNEWEST_SUITE) --out $(KNEWEST_DIR) --headers
	@set -o pipefail; kver=$$(cat $(KNEWEST_DIR)/headers.stamp); \
	$(MAKE) --no-print-directory module KMOD_DIR=$(KNEWEST_KMOD_DIR) \
		KDIR=$(KNEWEST_DIR)/headers/usr/src/linux-headers-$$kver \
		KMOD_ARGS="$$(cat $(KNEWEST_DIR)/headers.make)" 2>&1 | tee $(KNEWEST_KMOD_DIR).log; \
	if grep -E '(warning|error):' $(KNEWEST_KMOD_DIR).log; then \
		echo "module-newest: warnings against $$kver (log: $(KNEWEST_KMOD_DIR).log)" >&2; exit 1; fi; \
	echo "module-newest: csa.ko compiles and links (modpost) against $$kver"

module-lint: $(CHECKPATCH) module-farm
	$(CHECKPATCH) --strict --no-tree --quiet --show-types -f \
		$(filter-out $(KMOD_TRACE_HEADERS),$(KMOD_SOURCES))
	$(CHECKPATCH) --strict --no-tree --quiet --show-types \
		--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT -f $(KMOD_TRACE_HEADERS)
	@# C=2 runs sparse on every file, rebuilt or not; sparse never fails make.
	set -o pipefail; $(MAKE) -C $(KDIR) M=$(KMOD_DIR) CSA_WERROR=$(WERROR) C=2 modules 2>&1 | tee $(KMOD_LINT_LOG)
	@if grep -E '(warning|error):' $(KMOD_LINT_LOG); then \
		echo "lint: sparse/compiler warnings above (log: $(KMOD_LINT_LOG))" >&2; exit 1; fi
	@echo "lint: driver/ is checkpatch --strict and sparse clean"

module-clean:
	rm -rf $(KMOD_DIR) $(KMOD_LINT_LOG) $(KNEWEST_KMOD_DIR) $(KNEWEST_KMOD_DIR).log
