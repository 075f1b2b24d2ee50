# Pieces of Debian's linux-source-6.1 tarball used at build time and never
# committed: the kselftest harness headers and checkpatch.pl (for `make lint`).
LINUX_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSFT_DIR := $(BUILD)/kselftest
LINUX_SCRIPTS := $(BUILD)/linux-scripts
KSFT_HEADERS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h
CHECKPATCH := $(LINUX_SCRIPTS)/scripts/checkpatch.pl
# Flags for every kselftest_harness.h user: the harness itself has unused
# parameters, so only -Wextra's -Wunused-parameter is relaxed, only here.
KSFT_CFLAGS := -Wno-unused-parameter -I$(KSFT_DIR)

$(BUILD)/.linux-src-extracted: $(LINUX_SRC_TAR)
	@mkdir -p $(KSFT_DIR) $(LINUX_SCRIPTS)
	@echo "  EXTRACT kselftest harness + checkpatch from $(notdir $<)"
	@tar -xJf $< -C $(LINUX_SCRIPTS) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@cp $(LINUX_SCRIPTS)/tools/testing/selftests/kselftest_harness.h \
		$(LINUX_SCRIPTS)/tools/testing/selftests/kselftest.h $(KSFT_DIR)/
	@touch $@

$(KSFT_HEADERS) $(CHECKPATCH): $(BUILD)/.linux-src-extracted

.PHONY: kselftest-headers
kselftest-headers: $(BUILD)/.linux-src-extracted
