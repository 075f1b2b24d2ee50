# libcsa: build/lib/libcsa.so.1 (+ libcsa.so symlink), build/lib/libcsa.a,
# build/lib/csa.pc; `make install-lib` (part of `make install`).
# The version is defined once, in lib/include/csa/csa.h.

LIB_BUILD := $(BUILD)/lib
LIBCSA_HEADER := lib/include/csa/csa.h
csa_version_part = $(shell sed -n 's/^\#define CSA_VERSION_$(1)[[:space:]]*\([0-9]*\)/\1/p' $(LIBCSA_HEADER))
LIBCSA_VERSION := $(call csa_version_part,MAJOR).$(call csa_version_part,MINOR).$(call csa_version_part,PATCH)
LIBCSA_SONAME := libcsa.so.$(call csa_version_part,MAJOR)

LIBDRM_CFLAGS := $(shell pkg-config --cflags libdrm)
LIBDRM_LIBS := $(shell pkg-config --libs libdrm)

LIBNUMA_LIBS := -lnuma
# Jansson parses the packer's JSON, zlib reads gzip-compressed tensors and
# computes CRC32.
LIBCSA_LIBS := $(LIBDRM_LIBS) $(LIBNUMA_LIBS) -ljansson -lz -lm

LIBCSA_SRCS := lib/error.c lib/pci.c lib/sysfs.c lib/device.c lib/query.c \
	lib/deadline.c lib/numa.c lib/bo.c lib/fence.c lib/queue.c lib/sync.c
# The packer (lib/pack/): exported float model -> .csa model file.  Public
# header lib/include/csa/pack.h; docs/libcsa-pack.md.
LIBCSA_PACK_SRCS := lib/pack/f16.c lib/pack/safetensors.c lib/pack/fmodel.c \
	lib/pack/bn_fold.c lib/pack/quantise.c lib/pack/grouping.c \
	lib/pack/packed_layer.c lib/pack/container.c lib/pack/pack_model.c \
	lib/pack/report.c lib/pack/write_file.c lib/pack/model_parse.c
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
LIBCSA_PACK_OBJS := $(patsubst lib/%.c,$(LIB_BUILD)/obj/%.o,$(LIBCSA_PACK_SRCS))
LIBCSA_OBJS := $(patsubst lib/%.c,$(LIB_BUILD)/obj/%.o,$(LIBCSA_SRCS) $(LIBCSA_PACK_SRCS) \
	$(LIBCSA_MODEL_SRCS) $(LIBCSA_CPU_SRCS)) $(patsubst firmware/%.c,$(LIB_BUILD)/obj/fw/%.o,$(FW_PROG_SRCS))
# PIC objects serve both libraries; hidden visibility keeps internals
# (lib/internal.h) out of the shared library's ABI.
LIBCSA_CFLAGS := $(CFLAGS_USER) $(LIBDRM_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP

LIBCSA_SO := $(LIB_BUILD)/$(LIBCSA_SONAME)
LIBCSA_SO_LINK := $(LIB_BUILD)/libcsa.so
LIBCSA_A := $(LIB_BUILD)/libcsa.a
LIBCSA_PC := $(LIB_BUILD)/csa.pc

LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include

.PHONY: lib install-lib
all: lib
lib: $(LIBCSA_SO) $(LIBCSA_SO_LINK) $(LIBCSA_A) $(LIBCSA_PC)

$(LIB_BUILD)/obj/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_CFLAGS) -c $< -o $@
$(LIBCSA_PACK_OBJS): LIBCSA_CFLAGS += -Ilib
$(LIB_BUILD)/obj/fw/%.o: firmware/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_CFLAGS) -c $< -o $@

$(LIBCSA_SO): $(LIBCSA_OBJS)
	$(CC) -shared -Wl,-soname,$(LIBCSA_SONAME) -Wl,--no-undefined \
		-o $@ $^ $(LIBCSA_LIBS)

$(LIBCSA_SO_LINK): $(LIBCSA_SO)
	ln -sf $(LIBCSA_SONAME) $@

$(LIBCSA_A): $(LIBCSA_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Generated from the make variables so the installed file names the real
# install location.  Rebuilt always: PREFIX may change between runs.
.PHONY: FORCE-csa-pc
$(LIBCSA_PC): lib/csa.pc.in FORCE-csa-pc
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBCSA_VERSION)|' \
	    $< > $@

install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/csa
	install -m 0755 $(LIBCSA_SO) $(DESTDIR)$(LIBDIR)/$(LIBCSA_SONAME)
	ln -sf $(LIBCSA_SONAME) $(DESTDIR)$(LIBDIR)/libcsa.so
	install -m 0644 $(LIBCSA_A) $(DESTDIR)$(LIBDIR)/libcsa.a
	install -m 0644 $(LIBCSA_HEADER) uapi/csa_drm.h lib/include/csa/pack.h \
		lib/include/csa/model.h uapi/csa_model.h uapi/csa_format.h \
		$(DESTDIR)$(INCLUDEDIR)/csa/
	install -m 0644 $(LIBCSA_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/csa.pc

install: install-lib

-include $(LIBCSA_OBJS:.o=.d)

# Host unit tests of the parts that need no card (TAP; run by tests/tests.mk).
LIBCSA_TEST_BUILD := $(BUILD)/tests/host
LIBCSA_TESTS := $(LIBCSA_TEST_BUILD)/test_libcsa_errors \
	$(LIBCSA_TEST_BUILD)/test_libcsa_sysfs \
	$(LIBCSA_TEST_BUILD)/test_libcsa_numa \
	$(LIBCSA_TEST_BUILD)/test_libcsa_dataplane
HOST_TESTS += $(LIBCSA_TESTS)
LIBCSA_TEST_CFLAGS = $(CFLAGS_USER) $(KSFT_CFLAGS)

# Linked statically: the tests reach internal (hidden) functions too.
$(LIBCSA_TESTS): $(LIBCSA_TEST_BUILD)/%: tests/host/%.c $(LIBCSA_A) \
		lib/internal.h $(LIBCSA_HEADER) $(KSFT_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -pthread \
		-o $@ $< $(LIBCSA_A) $(LIBCSA_LIBS)

# Host tests of the packer; test_pack_reference (built by
# tools/csa-pack/csa-pack.mk) packs the committed reference model and runs csa-pack.
PACK_TEST_BUILD := $(BUILD)/tests/host
PACK_UNIT_TESTS := $(PACK_TEST_BUILD)/test_pack_quantise \
	$(PACK_TEST_BUILD)/test_pack_grouping $(PACK_TEST_BUILD)/test_model_parse
HOST_TESTS += $(PACK_UNIT_TESTS)
PACK_TEST_DEPS := $(LIBCSA_A) lib/include/csa/pack.h lib/pack/pack_internal.h \
	tests/host/pack_test_model.h tests/host/pack_int8_ref.h uapi/csa_model.h uapi/csa_format.h $(KSFT_HEADERS)

$(PACK_UNIT_TESTS): $(PACK_TEST_BUILD)/%: tests/host/%.c $(PACK_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBCSA_TEST_CFLAGS) $(LIBDRM_CFLAGS) -Ilib -Ilib/pack -o $@ $< \
		$(LIBCSA_A) $(LIBCSA_LIBS)


# The CPU backend against the reference engine (every op, both dispatch
# paths): the backend's and the engine's sources, the datapath tests' helpers.
CPU_BACKEND_TEST := $(BUILD)/tests/host/test_cpu_backend
HOST_TESTS += $(CPU_BACKEND_TEST)
$(CPU_BACKEND_TEST): tests/host/test_cpu_backend.c $(LIBCSA_CPU_SRCS) lib/cpu/cpu_internal.h \
		$(FW_PROG_SRCS) $(FW_DP_HDRS) tests/host/test_dp_ref.h $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(KSFT_CFLAGS) -Ilib -Itests/host -o $@ $< \
		$(LIBCSA_CPU_SRCS) $(FW_PROG_SRCS)
