# csa-pack: exported float model -> packed .csa model file (target `tools`,
# part of `all`).  libcsa linked statically, like the other tools.
CSA_PACK := $(BUILD)/tools/csa-pack
CSA_PACK_SRCS := tools/csa-pack/main.c
CSA_PACK_OBJS := $(patsubst tools/%.c,$(BUILD)/tools/obj/%.o,$(CSA_PACK_SRCS))

.PHONY: csa-pack
all: csa-pack
tools: csa-pack
csa-pack: $(CSA_PACK)

$(CSA_PACK): $(CSA_PACK_OBJS) $(LIBCSA_A)
	$(CC) -o $@ $(CSA_PACK_OBJS) $(LIBCSA_A) $(LIBCSA_LIBS)

install-tools: install-csa-pack
.PHONY: install-csa-pack
install-csa-pack: $(CSA_PACK)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(CSA_PACK) $(DESTDIR)$(BINDIR)/csa-pack

-include $(CSA_PACK_OBJS:.o=.d)
