# Debian packages (debian/): csa-dkms, csa-firmware, libcsa1, libcsa-dev,
# libcsa-pack1, libcsa-pack-dev, csa-tools.
#   make deb   -> build/deb/*.deb, built by dpkg-buildpackage in a copy of
#                 the source (build/deb/src), then lintian (build/deb/lintian.txt)
#   make check-vm-dkms  the VM suites DKMS_VM_TEST_NAMES on the module that
#                 DKMS built from csa-dkms (instead of build/kmod's)
# Then DKMS builds the packaged module for the VM's kernel (build/deb/dkms/).
# The build is cached: it reruns only when a file that goes into a
# package changed (DEB_INPUTS), so test_deb costs nothing on most runs.
DEB_DIR := $(BUILD)/deb
DEB_VERSION := $(shell sed -n '1s/.*(\(.*\)).*/\1/p' debian/changelog)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_STAMP := $(DEB_DIR)/.built
# Tracked files (git), or every file of an unpacked tarball, minus what
# no package is built from.
DEB_SOURCES := $(shell git ls-files 2>/dev/null || find . -path ./build -prune -o -type f -print)
DEB_INPUTS := $(wildcard $(filter-out docs/% tests/vm/%.c tests/vm/%.h tests/host/% \
	tests/data/% tests/fuzz/%.c tools/qemu/%.c tools/qemu/%.sh tools/vm/%.sh \
	tools/model/%.py tools/fuzz-ioctl/%.c .ci/% %.md,$(DEB_SOURCES:./%=%)))

.PHONY: deb
deb: $(DEB_STAMP)

$(DEB_STAMP): $(DEB_INPUTS)
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src/csa-$(DEB_VERSION)
	@printf '%s\n' $(DEB_SOURCES:./%=%) | tar -c -T - | tar -x -C $(DEB_DIR)/src/csa-$(DEB_VERSION)
	@echo "  DEB     dpkg-buildpackage (log: $(DEB_DIR)/build.log)"
	@cd $(DEB_DIR)/src/csa-$(DEB_VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b > $(DEB_DIR)/build.log 2>&1 || \
		{ tail -30 $(DEB_DIR)/build.log; exit 1; }
	@mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.changes $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/
	@echo "  LINTIAN $(DEB_DIR)/lintian.txt"
	@lintian --tag-display-limit 0 --display-info --show-overrides \
		$(DEB_DIR)/csa_$(DEB_VERSION)_$(DEB_ARCH).changes > $(DEB_DIR)/lintian.txt 2>&1 || true
	@# DKMS builds the packaged source for the VM's kernel in a scratch
	@# tree, as it would at install; test_deb checks the module it made.
	@kver=$$(bash tools/vm/kernel-version.sh) && echo "$$kver" > $(DEB_DIR)/dkms.kver && \
		echo "  DKMS    csa/$(DEB_VERSION) for $$kver (log: $(DEB_DIR)/dkms.log)" && \
		mkdir -p $(DEB_DIR)/dkms/root $(DEB_DIR)/dkms/tree && \
		dpkg -x $(DEB_DIR)/csa-dkms_$(DEB_VERSION)_all.deb $(DEB_DIR)/dkms/root && \
		dkms build -m csa -v $(DEB_VERSION) -k $$kver --sourcetree $(DEB_DIR)/dkms/root/usr/src \
			--dkmstree $(DEB_DIR)/dkms/tree > $(DEB_DIR)/dkms.log 2>&1 || true
	@touch $@

# Installs the .debs into a scratch root and checks them (tests/host/test_deb.sh).
DEB_TEST := $(BUILD)/tests/host/test_deb
HOST_TESTS += $(DEB_TEST)
$(DEB_TEST): tests/host/test_deb.sh $(DEB_STAMP)
	@mkdir -p $(@D)
	@echo '#!/bin/sh' > $@
	@echo 'exec bash $(CURDIR)/tests/host/test_deb.sh $(DEB_DIR) $(DEB_VERSION) $(CURDIR)' >> $@
	@chmod +x $@

# The test VM with the csa.ko that DKMS built from the package (for the VM's
# kernel, in make deb) instead of tools/kmod.mk's: the image of
# tools/vm/vm.mk with that module, the suites of DKMS_VM_TEST_NAMES.
DKMS_VM_TEST_NAMES ?= csa_bind_test csa_query_test csa_submit_test csa_lib_info_test
DKMS_VM_INITRAMFS := $(DEB_DIR)/vm/initramfs.cpio.gz
DKMS_VM_RESULTS := $(TEST_RESULTS)/vm-dkms
.PHONY: check-vm-dkms
check-vm-dkms: $(DEB_STAMP) $(VM_KERNEL_STAMP) $(VM_IMAGE_INPUTS) $(QEMU)
	@ko=$$(ls $(DEB_DIR)/dkms/tree/csa/$(DEB_VERSION)/$$(cat $(VM_KERNEL_STAMP))/*/module/csa.ko) || \
		{ echo "check-vm-dkms: DKMS built no csa.ko (see $(DEB_DIR)/dkms.log)" >&2; exit 1; }; \
	mkdir -p $(dir $(DKMS_VM_INITRAMFS)) && \
	bash tools/vm/mkinitramfs.sh --kernel-root $(VM_DIR)/kernel \
		--kver $$(cat $(VM_KERNEL_STAMP)) --out $(DKMS_VM_INITRAMFS) --csa-ko $$ko $(VM_IMAGE_ARGS)
	@QEMU=$(QEMU) QEMU_DATA_ARGS="$(QEMU_DATA_ARGS)" bash tools/vm/run-vm.sh \
		--kernel $(VM_KERNEL) --initrd $(DKMS_VM_INITRAMFS) \
		--out $(DKMS_VM_RESULTS) --timeout $(VM_TEST_TIMEOUT) --mode tests \
		--card "$(VM_TEST_CARDS)" --card "$(VM_TEST_CARD2)" $(VM_TEST_TOPOLOGY) \
		$(if $(VM_KERNEL_ARGS),--append "$(VM_KERNEL_ARGS)") \
		$(addprefix --step ,$(DKMS_VM_TEST_NAMES)) || true
	@bash tools/tap-summary.sh $(DKMS_VM_RESULTS)/vm.tap \
		$(foreach t,$(DKMS_VM_TEST_NAMES),$(DKMS_VM_RESULTS)/$(t).tap)
