# libcsa and libcsa-pack, shared (full-version file name, soname, linker
# version script) and static, with their pkg-config files:
#   build/lib/libcsa.so.X.Y.Z (soname libcsa.so.X), libcsa.so, libcsa.a, csa.pc
#   build/lib/libcsa-pack.so.X.Y.Z, libcsa-pack.so, libcsa-pack.a, csa-pack.pc
# Installed by `make install` (tools/install.mk).  The version is defined
# once, in lib/include/csa/csa.h; the exported symbols once per library, in
# lib/libcsa.map and lib/libcsa-pack.map (docs/libcsa.md, "ABI").

LIB_BUILD := $(BUILD)/lib
LIBCSA_HEADER := lib/include/csa/csa.h
csa_version_part = $(shell sed -n 's/^\#define CSA_VERSION_$(1)[[:space:]]*\([0-9]*\)/\1/p' $(LIBCSA_HEADER))
LIBCSA_MAJOR := $(call csa_version_part,MAJOR)
LIBCSA_VERSION := $(LIBCSA_MAJOR).$(call csa_version_part,MINOR).$(call csa_version_part,PATCH)
LIBCSA_SONAME := libcsa.so.$(LIBCSA_MAJOR)
LIBCSA_PACK_SONAME := libcsa-pack.so.$(LIBCSA_MAJOR)

LIBDRM_CFLAGS := $(shell pkg-config --cflags libdrm)
LIBDRM_LIBS := $(shell pkg-config --libs libdrm)

LIBNUMA_LIBS := -lnuma
# zlib computes the .csa file's CRC32.  Only the packer needs Jansson (its
# JSON input) and reads gzip-compressed tensors: libcsa-pack.
LIBCSA_LIBS := $(LIBDRM_LIBS) $(LIBNUMA_LIBS) -lz -lm
LIBCSA_PACK_DEPLIBS := -ljansson -lz -lm

LIBCSA_SRCS := lib/error.c lib/pci.c lib/sysfs.c lib/accel.c lib/device.c lib/query.c \
	lib/deadline.c lib/numa.c lib/bo.c lib/fence.c lib/queue.c lib/sync.c
# The .csa format (lib/pack/: packed layers, container, parser) is libcsa's:
# loading a model reads it.  Public header lib/include/csa/pack.h.
LIBCSA_FORMAT_SRCS := lib/pack/packed_layer.c lib/pack/container.c \
	lib/pack/model_parse.c
# The packer, libcsa-pack: exported float model -> .csa model file.  Public
# header lib/include/csa/pack.h; docs/libcsa-pack.md.  The container writer
# and the firmware's requantisation are compiled into it too (hidden).
LIBCSA_PACK_SRCS := lib/pack/f16.c lib/pack/safetensors.c lib/pack/fmodel.c \
	lib/pack/fmodel_schema.c lib/pack/calibrate.c lib/pack/calib_inputs.c \
	lib/pack/bn_fold.c lib/pack/quantise.c lib/pack/grouping.c \
	lib/pack/pack_model.c lib/pack/report.c lib/pack/write_file.c
# Models (lib/model_*.c): load a .csa model onto a card once, run it many
# times; the CPU reference is the firmware's job-program engine
# (firmware.mk's FW_PROG_SRCS) compiled into libcsa (hidden symbols).
# Public header lib/include/csa/model.h; docs/libcsa-model.md.
LIBCSA_MODEL_SRCS := lib/model_buf.c lib/model_program.c lib/model_load.c \
	lib/model_run.c lib/model_cpu.c lib/model_cpu_batch.c lib/model_quant.c
# The optimised CPU backend (lib/cpu/): the model's program decoded once,
# vectorised kernels with runtime dispatch; the model API's CPU device.
LIBCSA_CPU_SRCS := lib/cpu/cpu_decode.c lib/cpu/cpu_run.c lib/cpu/cpu_kernels.c \
	lib/cpu/cpu_kwta.c
lib_objs = $(patsubst lib/%.c,$(LIB_BUILD)/obj/%.o,$(filter lib/%,$(1))) \
	$(patsubst firmware/%.c,$(LIB_BUILD)/obj/fw/%.o,$(filter firmware/%,$(1)))
LIBCSA_OBJS := $(call lib_objs,$(LIBCSA_SRCS) $(LIBCSA_FORMAT_SRCS) \
	$(LIBCSA_MODEL_SRCS) $(LIBCSA_CPU_SRCS) $(FW_PROG_SRCS))
LIBCSA_PACK_OBJS := $(call lib_objs,$(LIBCSA_PACK_SRCS) lib/pack/container.c \
	firmware/csa_dp_requant.c)
# PIC objects serve both kinds of library; hidden visibility and the
# version scripts keep internals (lib/internal.h) out of the ABI.
LIBCSA_CFLAGS := $(CFLAGS_USER) $(LIBDRM_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP

LIBCSA_MAP := lib/libcsa.map
LIBCSA_PACK_MAP := lib/libcsa-pack.map
LIBCSA_SO := $(LIB_BUILD)/libcsa.so.$(LIBCSA_VERSION)
LIBCSA_A := $(LIB_BUILD)/libcsa.a
LIBCSA_PC := $(LIB_BUILD)/csa.pc
LIBCSA_PACK_SO := $(LIB_BUILD)/libcsa-pack.so.$(LIBCSA_VERSION)
LIBCSA_PACK_A := $(LIB_BUILD)/libcsa-pack.a
LIBCSA_PACK_PC := $(LIB_BUILD)/csa-pack.pc
# In-tree users of the packer link it statically, before libcsa.
LIBCSA_PACK_LIBS := $(LIBCSA_PACK_A) $(LIBCSA_A) $(LIBCSA_PACK_DEPLIBS) $(LIBCSA_LIBS)

LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# what libcsa-dev installs into $(INCLUDEDIR)/csa/ (csa.h includes csa_drm.h)
LIBCSA_PUBLIC_HEADERS := lib/include/csa/csa.h lib/include/csa/model.h \
	lib/include/csa/pack.h uapi/csa_drm.h uapi/csa_model.h uapi/csa_format.h

.PHONY: lib
all: lib
lib: $(LIBCSA_SO) $(LIBCSA_A) $(LIBCSA_PC) $(LIBCSA_PACK_SO) $(LIBCSA_PACK_A) \
	$(LIBCSA_PACK_PC)

$(LIB_BUILD)/obj/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_CFLAGS) -c $< -o $@
$(call lib_objs,$(LIBCSA_FORMAT_SRCS) $(LIBCSA_PACK_SRCS)): LIBCSA_CFLAGS += -Ilib
$(LIB_BUILD)/obj/fw/%.o: firmware/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_CFLAGS) -c $< -o $@

# link_so SONAME MAP LIBS: the real file, then the soname and dev links.
define link_so
	$(CC) -shared -Wl,-soname,$(1) -Wl,--version-script=$(2) -Wl,--no-undefined \
		$(LDFLAGS) -o $@ $(filter %.o,$^) $(3)
	ln -sf $(notdir $@) $(dir $@)$(1)
	ln -sf $(1) $(dir $@)$(firstword $(subst .so., ,$(1))).so
endef

$(LIBCSA_SO): $(LIBCSA_OBJS) $(LIBCSA_MAP)
	$(call link_so,$(LIBCSA_SONAME),$(LIBCSA_MAP),$(LIBCSA_LIBS))

# libcsa-pack keeps its error messages in libcsa's per-thread slot
# (csa_last_error()): it links the shared libcsa for the private symbols.
$(LIBCSA_PACK_SO): $(LIBCSA_PACK_OBJS) $(LIBCSA_PACK_MAP) $(LIBCSA_SO)
	$(call link_so,$(LIBCSA_PACK_SONAME),$(LIBCSA_PACK_MAP),-L$(LIB_BUILD) -lcsa $(LIBCSA_PACK_DEPLIBS))

$(LIBCSA_A): $(LIBCSA_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBCSA_PACK_A): $(LIBCSA_PACK_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Generated from the make variables so the installed file names the real
# install location; directories under PREFIX are written relative to
# ${prefix}, so pkg-config --define-variable=prefix= relocates them.
# Rebuilt always: PREFIX may change between runs.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
.PHONY: FORCE-csa-pc
$(LIB_BUILD)/%.pc: lib/%.pc.in FORCE-csa-pc
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' -e 's|@VERSION@|$(LIBCSA_VERSION)|' \
	    $< > $@

-include $(LIBCSA_OBJS:.o=.d) $(LIBCSA_PACK_OBJS:.o=.d)

# Host unit tests of the parts that need no card (TAP; run by tests/tests.mk).
LIBCSA_TEST_BUILD := $(BUILD)/tests/host
LIBCSA_TESTS := $(LIBCSA_TEST_BUILD)/test_libcsa_errors \
	$(LIBCSA_TEST_BUILD)/test_libcsa_sysfs \
	$(LIBCSA_TEST_BUILD)/test_libcsa_numa \
	$(LIBCSA_TEST_BUILD)/test_libcsa_dataplane
HOST_TESTS += $(LIBCSA_TESTS)
LIBCSA_TEST_CFLAGS = $(CFLAGS_USER) $(KSFT_CFLAGS)

# Linked statically: the tests reach internal (hidden) functions too.
$(LIBCSA_TESTS): $(LIBCSA_TEST_BUILD)/%: tests/host/%.c $(LIBCSA_A) $(LIBCSA_PACK_A) \
		lib/internal.h $(LIBCSA_HEADER) $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -pthread \
		-o $@ $< $(LIBCSA_PACK_LIBS)

# Host tests of the packer; test_pack_reference (built by
# tools/csa-pack/csa-pack.mk) packs the committed reference model and runs csa-pack.
PACK_TEST_BUILD := $(BUILD)/tests/host
PACK_UNIT_TESTS := $(PACK_TEST_BUILD)/test_pack_quantise $(PACK_TEST_BUILD)/test_pack_schema \
	$(PACK_TEST_BUILD)/test_pack_grouping $(PACK_TEST_BUILD)/test_model_parse
HOST_TESTS += $(PACK_UNIT_TESTS)
PACK_TEST_DEPS := $(LIBCSA_A) $(LIBCSA_PACK_A) lib/include/csa/pack.h lib/pack/pack_internal.h \
	tests/host/pack_test_model.h tests/host/pack_int8_ref.h tests/host/pack_group_ref.h \
	uapi/csa_model.h uapi/csa_format.h $(KSFT_HEADERS)

$(PACK_UNIT_TESTS): $(PACK_TEST_BUILD)/%: tests/host/%.c $(PACK_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -Ilib/pack -o $@ $< \
		$(LIBCSA_PACK_LIBS)


# The libraries export exactly their version scripts (tests/host/test_symbols.sh).
LIB_SYMBOLS_TEST := $(BUILD)/tests/host/test_symbols
HOST_TESTS += $(LIB_SYMBOLS_TEST)
$(LIB_SYMBOLS_TEST): tests/host/test_symbols.sh $(LIBCSA_SO) $(LIBCSA_PACK_SO) \
		$(wildcard lib/include/csa/*.h)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec bash %s %s %s %s %s %s\n' $(CURDIR)/tests/host/test_symbols.sh \
		$(CURDIR)/lib/include $(LIBCSA_SO) $(CURDIR)/$(LIBCSA_MAP) \
		$(LIBCSA_PACK_SO) $(CURDIR)/$(LIBCSA_PACK_MAP) > $@
	@chmod +x $@

# The CPU backend against the reference engine (every op, both dispatch
# paths): the backend's and the engine's sources, the datapath tests' helpers.
CPU_BACKEND_TEST := $(BUILD)/tests/host/test_cpu_backend
HOST_TESTS += $(CPU_BACKEND_TEST)
$(CPU_BACKEND_TEST): tests/host/test_cpu_backend.c $(LIBCSA_CPU_SRCS) lib/cpu/cpu_internal.h \
		$(FW_PROG_SRCS) $(FW_DP_HDRS) tests/host/test_dp_ref.h $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(KSFT_CFLAGS) -Ilib -Itests/host -o $@ $< \
		$(LIBCSA_CPU_SRCS) $(FW_PROG_SRCS)
