# libFuzzer harness for the .csa model parser (not part of make check):
#   make fuzz [FUZZ_TIME=seconds]   build, seed and run it (default 120 s)
# Findings (crash-*, leak-*, timeout-*) land in $(FUZZ_BUILD)/findings;
# the corpus persists in $(FUZZ_BUILD)/corpus between runs.
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_TIME ?= 120
FUZZ_MODEL_PARSE := $(FUZZ_BUILD)/fuzz_model_parse
FUZZ_SEEDS := $(FUZZ_BUILD)/make_seeds
# the parser and what it calls, instrumented (libcsa.a itself is not)
FUZZ_PARSE_SRCS := tests/fuzz/fuzz_model_parse.c lib/pack/model_parse.c \
	lib/pack/packed_layer.c lib/pack/container.c lib/error.c
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iuapi -Ifirmware -Ilib/include -Ilib -Ilib/pack $(LIBDRM_CFLAGS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_MODEL_PARSE) $(FUZZ_SEEDS)

$(FUZZ_MODEL_PARSE): $(FUZZ_PARSE_SRCS) lib/pack/pack_internal.h uapi/csa_model.h \
		uapi/csa_format.h
	@mkdir -p $(@D)
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: needs clang (apt-get install clang)"; exit 1; }
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_PARSE_SRCS) -lz

$(FUZZ_SEEDS): tests/fuzz/make_seeds.c tests/host/pack_test_model.h $(LIBCSA_A) $(LIBCSA_PACK_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(LIBDRM_CFLAGS) -Itests/host -o $@ $< $(LIBCSA_PACK_LIBS)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/findings
	$(FUZZ_SEEDS) $(FUZZ_BUILD)/corpus
	$(FUZZ_MODEL_PARSE) -max_total_time=$(FUZZ_TIME) -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/findings/ \
		$(FUZZ_BUILD)/corpus
