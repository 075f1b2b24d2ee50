# Man pages, generated so they cannot drift from what they describe:
#   section 3: every public function of libcsa and libcsa-pack, from the
#              comments of lib/include/csa/*.h (tools/man/gen-man3.py)
#   section 1: every installed tool, from its own --help and --version
#              (help2man)
#   make man   -> build/man/man{1,3}/; installed by `make install`
# test_man (host test) renders every page with `man --warnings -l`.
MAN_BUILD := $(BUILD)/man
MAN_HEADERS := lib/include/csa/csa.h lib/include/csa/model.h lib/include/csa/pack.h
MAN3_STAMP := $(MAN_BUILD)/.man3
# tool -> the NAME line of its page
MAN1_NAME_csa-info := list CSA accelerator cards and their properties
MAN1_NAME_csa-bench := measure a CSA card's data plane and datapath
MAN1_NAME_csa-pack := pack an exported float model into a .csa model file
MAN1_NAME_csa-run := run a packed .csa model on a CSA card or the CPU reference
MAN1_TOOLS := csa-info csa-bench csa-pack csa-run
MAN1_PAGES := $(patsubst %,$(MAN_BUILD)/man1/%.1,$(MAN1_TOOLS))

.PHONY: man
all: man
man: $(MAN3_STAMP) $(MAN1_PAGES)

$(MAN3_STAMP): tools/man/gen-man3.py $(MAN_HEADERS) $(LIBCSA_MAP) $(LIBCSA_PACK_MAP)
	@rm -rf $(MAN_BUILD)/man3
	/usr/bin/python3 tools/man/gen-man3.py --out $(MAN_BUILD) --version $(LIBCSA_VERSION) \
		--map libcsa:csa=$(LIBCSA_MAP) --map libcsa-pack:csa-pack=$(LIBCSA_PACK_MAP) \
		--include lib/include $(MAN_HEADERS)
	@touch $@

$(MAN_BUILD)/man1/%.1: $(TOOLS_BUILD)/%
	@mkdir -p $(@D)
	help2man --no-info --no-discard-stderr --name "$(MAN1_NAME_$*)" \
		--source "CSA $(LIBCSA_VERSION)" --manual "CSA tools" --output $@ $<

# Every page renders without a warning (lintian's check); a broken page
# is caught (negative case in the script).
MAN_TEST := $(BUILD)/tests/host/test_man
HOST_TESTS += $(MAN_TEST)
$(MAN_TEST): tests/host/test_man.sh $(MAN3_STAMP) $(MAN1_PAGES)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec bash %s %s "%s" "%s"\n' $(CURDIR)/tests/host/test_man.sh \
		$(MAN_BUILD) "$(MAN1_TOOLS)" "$(CURDIR)/$(LIBCSA_MAP) $(CURDIR)/$(LIBCSA_PACK_MAP)" > $@
	@chmod +x $@
