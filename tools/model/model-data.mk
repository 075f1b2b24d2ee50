# Reference model data (tests/data/gsc, committed; see its README.md).
#   make model-data         regenerate into $(BUILD)/model-data/<variant> when
#                           /usr/bin/python3 can import torch and compare with
#                           the committed files; otherwise say so and keep them
#   make model-data-update  copy the regenerated files over the committed ones
#                           (explicit only: CI never overwrites committed data)
# MODEL_VARIANT=super_sparse exports the 1500-unit, 95 % variant instead
# (not committed, so nothing to compare).
MODEL_VARIANT ?= sparse
MODEL_PYTHON := /usr/bin/python3
MODEL_DATA_OUT := $(BUILD)/model-data/$(MODEL_VARIANT)

.PHONY: model-data model-data-update
model-data:
	@if $(MODEL_PYTHON) -c 'import torch' 2>/dev/null; then \
		echo "  EXPORT  $(MODEL_VARIANT) -> $(MODEL_DATA_OUT) (trains for a few minutes)"; \
		$(MODEL_PYTHON) tools/model/export.py --variant $(MODEL_VARIANT) \
			--out $(MODEL_DATA_OUT) && \
		if [ "$(MODEL_VARIANT)" = sparse ]; then \
			$(MODEL_PYTHON) tools/model/compare.py tests/data/gsc $(MODEL_DATA_OUT); \
		fi; \
	else \
		echo "model-data: $(MODEL_PYTHON) cannot import torch (apt-get install python3-torch);" \
			"using the committed tests/data/gsc"; \
	fi

model-data-update: model-data
	@[ "$(MODEL_VARIANT)" = sparse ] || { echo "only the sparse variant is committed"; exit 1; }
	@[ -f $(MODEL_DATA_OUT)/model.json ] || { echo "nothing regenerated"; exit 1; }
	cp $(MODEL_DATA_OUT)/model.json $(MODEL_DATA_OUT)/model.safetensors.gz \
		$(MODEL_DATA_OUT)/reference.safetensors.gz tests/data/gsc/

# Host test of the complementary-pruning package (tools/model/csaprune):
# prune, fine-tune, export and pack a dense GSC network (~35 s of CPU).
# A script running $(MODEL_PYTHON); it reports a skip when torch is missing.
PRUNE_TEST := $(BUILD)/tests/host/test_prune
HOST_TESTS += $(PRUNE_TEST)

$(PRUNE_TEST): tests/host/test_prune.py $(wildcard tools/model/csaprune/*.py) \
		tools/model/gsc_sparse.py tools/model/export.py $(CSA_PACK)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec %s %s %s\n' $(MODEL_PYTHON) $(CURDIR)/tests/host/test_prune.py \
		$(CSA_PACK) > $@
	chmod +x $@
