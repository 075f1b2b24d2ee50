# CSA top-level build.  Two commands matter (see README.md):
#   make run     install deps, build everything, boot a VM with a virtual card, csa-info
#   make check   host unit tests, then the kselftest suites inside the VM
#
# Every output goes under $(BUILD).  Each part has its own fragment:
#   firmware/firmware.mk  lib/lib.mk  tools/tools.mk  tools/qemu/qemu.mk
#   tools/vm/vm.mk  tests/tests.mk  tools/fuzz-ioctl/fuzz-ioctl.mk
#   driver (Kbuild, built via tools/kmod.mk)

SHELL := /bin/bash
BUILD ?= $(CURDIR)/build
CC ?= cc
CFLAGS_USER := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g \
	-I$(CURDIR)/uapi -I$(CURDIR)/firmware -I$(CURDIR)/lib/include
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps run check lint install clean
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

deps:
	@bash tools/install-deps.sh

clean:
	rm -rf $(BUILD)
