# CSA top-level build.  Two commands matter (see README.md):
#   make run     install deps, build everything, boot a VM with a virtual card, csa-info
#   make check   host unit tests, then the kselftest suites inside the VM
#
# Every output goes under $(BUILD).  Each part has its own fragment:
#   firmware/firmware.mk  lib/lib.mk  tools/tools.mk  tools/qemu/qemu.mk
#   tools/vm/vm.mk  tests/tests.mk  tools/fuzz-ioctl/fuzz-ioctl.mk
#   tools/man/man.mk (man pages)  tools/install.mk (install targets)
#   driver (Kbuild, built via tools/kmod.mk)

SHELL := /bin/bash
BUILD ?= $(CURDIR)/build
CC ?= cc
# The user's (or dpkg-buildflags') CPPFLAGS, CFLAGS and LDFLAGS are appended
# to what the build needs, never replaced: `make CFLAGS=-O0` keeps -std,
# the include paths and -fPIC.  -Werror belongs to the project's own check
# builds (check*, lint, CI): a distribution's newer compiler must not fail
# a release on a new warning.  WERROR= turns it off there too.
CFLAGS ?= -O2 -g
ifneq ($(filter check check-run check-host check-vm host-tests vm-tests lint,$(MAKECMDGOALS)),)
WERROR ?= -Werror
# the check's sub-makes (run-host-tests, run-vm-tests ...) build with it too
export WERROR
endif
CFLAGS_USER = -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) \
	-I$(CURDIR)/uapi -I$(CURDIR)/firmware -I$(CURDIR)/lib/include \
	$(CPPFLAGS) $(CFLAGS)
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps run check lint clean
all:

include tools/kselftest.mk
include firmware/firmware.mk
include lib/lib.mk
include tools/tools.mk
include tools/dp-bench/dp-bench.mk
include tools/csa-pack/csa-pack.mk
include tools/kmod.mk
include tools/qemu/qemu.mk
include tests/tests.mk
include tools/fuzz-ioctl/fuzz-ioctl.mk
include tools/vm/vm.mk
include tools/vm/debug.mk
include tools/man/man.mk
include tools/install.mk
include tools/deb/deb.mk

# Fragments included after tests/tests.mk add host tests too: prerequisites
# are expanded when a rule is read, so list them again once all are known.
host-tests: $(HOST_TESTS)

deps:
	@bash tools/install-deps.sh

clean:
	rm -rf $(BUILD)
