# Debian packages (debian/): csa-dkms, csa-firmware, libcsa1, libcsa-dev,
# libcsa-pack1, libcsa-pack-dev, csa-tools.
#   make deb   -> build/deb/*.deb, built by dpkg-buildpackage in a copy of
#                 the source (build/deb/src), then lintian (build/deb/lintian.txt)
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
