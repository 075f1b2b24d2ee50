# Installing, as an administrator or a distribution's packaging does
# (docs/install.md).  DESTDIR stages every target; PREFIX (/usr/local) and
# the *DIR variables place the files.
#   make install          libcsa + libcsa-pack (.so.X.Y.Z, soname link, .so,
#                         .a), headers, pkg-config files, tools, man pages,
#                         the udev rule for accel nodes (tools/udev/);
#                         ldconfig and udevadm reload unless DESTDIR is set
#   make install-firmware csa-fw.bin -> $(FIRMWAREDIR)/csa/
#   make modules_install  csa.ko -> /lib/modules/<KDIR's release>/updates/driver/
#                         (kbuild's own target), depmod unless DESTDIR is set
#   make install-tests    the kselftest suites + run_kselftest.sh, for a
#                         real host with a card (docs/install.md)
#   make dkms-install     sources -> /usr/src/csa-<version>, dkms add, build
#                         and install for the running kernel (dkms.conf)
#   make uninstall        removes what the targets above installed (same
#                         DESTDIR/PREFIX), dkms remove if it was added
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
FIRMWAREDIR ?= /lib/firmware
# udev reads rules from here only, whatever PREFIX is (Debian 12: /lib)
UDEVRULESDIR ?= /lib/udev/rules.d
UDEV_RULES := tools/udev/70-csa.rules
KSFT_INSTALL_PATH ?= $(PREFIX)/libexec/csa/kselftest
DKMS_SRCDIR ?= /usr/src/csa-$(LIBCSA_VERSION)
INSTALL ?= install
INSTALL_TOOLS := $(CSA_INFO) $(CSA_BENCH) $(CSA_PACK) $(CSA_RUN)
# ldconfig / depmod act on the running system: never for a staged install
system_install = $(if $(DESTDIR),,$(if $(filter 0,$(shell id -u)),1))

.PHONY: install install-lib install-tools install-man install-firmware \
	modules_install install-tests dkms-install dkms-src uninstall install-udev
install: install-lib install-tools install-man install-udev
	$(if $(system_install),ldconfig)

install-udev:
	$(INSTALL) -D -m 0644 $(UDEV_RULES) $(DESTDIR)$(UDEVRULESDIR)/$(notdir $(UDEV_RULES))
	$(if $(system_install),-udevadm control --reload)

# install_so SO: the real file, its soname link and the development link
define install_so
	$(INSTALL) -m 0755 $(1) $(DESTDIR)$(LIBDIR)/$(notdir $(1))
	ln -sf $(notdir $(1)) $(DESTDIR)$(LIBDIR)/$(2)
	ln -sf $(2) $(DESTDIR)$(LIBDIR)/$(firstword $(subst .so., ,$(2))).so
endef

install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/csa
	$(call install_so,$(LIBCSA_SO),$(LIBCSA_SONAME))
	$(call install_so,$(LIBCSA_PACK_SO),$(LIBCSA_PACK_SONAME))
	$(INSTALL) -m 0644 $(LIBCSA_A) $(LIBCSA_PACK_A) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 $(LIBCSA_PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/csa/
	$(INSTALL) -m 0644 $(LIBCSA_PC) $(LIBCSA_PACK_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/

install-tools: $(INSTALL_TOOLS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(INSTALL_TOOLS) $(DESTDIR)$(BINDIR)/

install-man: man
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 0644 $(MAN1_PAGES) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(MAN_BUILD)/man3/*.3 $(DESTDIR)$(MANDIR)/man3/

install-firmware: $(FW_IMAGE)
	$(INSTALL) -D -m 0644 $(FW_IMAGE) $(DESTDIR)$(FIRMWAREDIR)/csa/$(notdir $(FW_IMAGE))

# kbuild installs into $(INSTALL_MOD_PATH)/lib/modules/<release>/updates/
# driver/csa.ko (the tree's layout), where it overrides an in-tree module
# of the same name.
# (the kernel's uname -r; Debian's headers answer `make kernelrelease`
# with the upstream version, 6.1.192)
KMOD_RELEASE = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
modules_install: $(CSA_KO)
	$(MAKE) -C $(KDIR) M=$(KMOD_DIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(system_install),depmod -a $(KMOD_RELEASE))

# The kselftests for a host with a real card: one collection "csa" in the
# layout of the kernel's `make -C tools/testing/selftests install`.
KSFT_DEST = $(DESTDIR)$(KSFT_INSTALL_PATH)
install-tests: vm-tests $(CSA_INFO) $(CSA_BENCH) $(CSA_RUN) $(GSC_CSA) $(FW_BAD_IMAGES)
	$(INSTALL) -d $(KSFT_DEST)/csa/bin $(KSFT_DEST)/csa/data $(KSFT_DEST)/csa/firmware-test
	$(INSTALL) -m 0755 tests/kselftest/run_kselftest.sh $(KSFT_DEST)/
	$(INSTALL) -m 0755 $(VM_TESTS) $(KSFT_DEST)/csa/
	$(INSTALL) -m 0755 $(CSA_INFO) $(CSA_BENCH) $(CSA_RUN) $(KSFT_DEST)/csa/bin/
	$(INSTALL) -m 0644 $(GSC_CSA) $(GSC_REFERENCE) $(KSFT_DEST)/csa/data/
	$(INSTALL) -m 0644 $(FW_BAD_IMAGES) $(KSFT_DEST)/csa/firmware-test/
	printf 'csa:%s\n' $(VM_TEST_ALL) > $(KSFT_DEST)/kselftest-list.txt

# DKMS: the module's sources as dkms.conf expects them (Kbuild, driver/,
# uapi/, firmware/*.h), then dkms builds them for each installed kernel.
DKMS_FILES = dkms.conf $(sort $(wildcard Kbuild driver/Kbuild driver/*.[ch] \
	driver/probes/* uapi/*.h firmware/*.h))
dkms-src:
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRCDIR)
	tar -c $(DKMS_FILES) | tar -x -C $(DESTDIR)$(DKMS_SRCDIR)
	sed -i 's/#MODULE_VERSION#/$(LIBCSA_VERSION)/' $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf

dkms-install: dkms-src
	dkms add csa/$(LIBCSA_VERSION)
	dkms build csa/$(LIBCSA_VERSION)
	dkms install csa/$(LIBCSA_VERSION)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,$(notdir $(LIBCSA_SO) $(LIBCSA_PACK_SO)) \
		$(LIBCSA_SONAME) $(LIBCSA_PACK_SONAME) libcsa.so libcsa-pack.so \
		$(notdir $(LIBCSA_A) $(LIBCSA_PACK_A)))
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/pkgconfig/,$(notdir $(LIBCSA_PC) $(LIBCSA_PACK_PC)))
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/csa/,$(notdir $(LIBCSA_PUBLIC_HEADERS)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/csa 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(INSTALL_TOOLS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(addsuffix .3,$(shell \
		sed -e 's|/\*.*\*/||g' $(LIBCSA_MAP) $(LIBCSA_PACK_MAP) | \
		sed -n 's/^\t\([a-z_0-9]*\);$$/\1/p')))
	rm -f $(DESTDIR)$(FIRMWAREDIR)/csa/$(notdir $(FW_IMAGE))
	rm -f $(DESTDIR)$(UDEVRULESDIR)/$(notdir $(UDEV_RULES))
	-rmdir $(DESTDIR)$(FIRMWAREDIR)/csa 2>/dev/null
	rm -rf $(DESTDIR)$(KSFT_INSTALL_PATH)
	-rmdir $(DESTDIR)$(PREFIX)/libexec/csa 2>/dev/null
	$(if $(wildcard $(KDIR)/Makefile),rm -f $(DESTDIR)/lib/modules/$(KMOD_RELEASE)/updates/driver/csa.ko)
	$(if $(DESTDIR),,if dkms status csa/$(LIBCSA_VERSION) 2>/dev/null | grep -q .; then \
		dkms remove csa/$(LIBCSA_VERSION) --all; fi)
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	$(if $(system_install),ldconfig; $(if $(wildcard $(KDIR)/Makefile),depmod -a $(KMOD_RELEASE)))

# Every tool answers --version (tests/host/test_version.sh).
VERSION_TOOLS = $(INSTALL_TOOLS) $(DP_BENCH) $(FW_MKFW) $(FUZZ_IOCTL)
VERSION_TEST := $(BUILD)/tests/host/test_version
HOST_TESTS += $(VERSION_TEST)
$(VERSION_TEST): tests/host/test_version.sh $(VERSION_TOOLS)
	@mkdir -p $(@D)
	@echo '#!/bin/sh' > $@
	@echo 'exec bash $(CURDIR)/tests/host/test_version.sh $(LIBCSA_VERSION) $(VERSION_TOOLS)' >> $@
	@chmod +x $@

# The install targets into a staging DESTDIR, and uninstall (tests/host/test_install.sh).
INSTALL_TEST := $(BUILD)/tests/host/test_install
HOST_TESTS += $(INSTALL_TEST)
$(INSTALL_TEST): tests/host/test_install.sh
	@mkdir -p $(@D)
	@echo '#!/bin/sh' > $@
	@echo 'exec bash $(CURDIR)/tests/host/test_install.sh $(CURDIR) $(LIBCSA_VERSION)' >> $@
	@chmod +x $@
