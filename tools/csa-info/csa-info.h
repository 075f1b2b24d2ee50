/* SPDX-License-Identifier: MIT */
/* Shared declarations of the csa-info tool's files. */
#ifndef CSA_INFO_H
#define CSA_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <csa/csa.h>

#include "json.h"

/* Room for the longest formatted version / hex value. */
#define CSA_INFO_TEXT_LEN 32
/* Room for every feature name of a 64-bit mask. */
#define CSA_INFO_FEATURES_LEN 512

/*
 * What csa-info learns beyond struct csa_info: the uapi 1.1 limits (absent
 * on an older driver) and where libcsa places this card's buffers.
 */
struct card_extra {
	bool has_limits;
	struct csa_limits limits;
	int numa_placement;	/* csa_numa_node(), -1 = off */
};

/* format.c: versions as the uapi encodes them, IDs as lspci shows them. */
void format_fw_version(char *buf, size_t len, unsigned int version);
void format_major_minor(char *buf, size_t len, unsigned int version);
void format_numa_node(char *buf, size_t len, int node);
/* The name of feature @bit, or "bit<N>" in @buf for an unknown one. */
const char *format_feature(char *buf, size_t len, unsigned int bit);
/* "BO USERPTR QUEUES", "none", unknown bits as "bit<N>" */
void format_features(char *buf, size_t len, uint64_t features);

/* print_text.c: human-readable report of one card; @index < 0: unknown. */
void print_card_text(FILE *out, int index, const struct csa_info *info,
		     const struct card_extra *extra);
void print_card_error_text(FILE *out, int index, const char *node,
			   const char *message);

/* print_json.c: the document is { "library_version": ..., "cards": [...] } */
void print_json_begin(struct json *j, FILE *out);
void print_card_json(struct json *j, int index, const struct csa_info *info,
		     const struct card_extra *extra);
void print_card_error_json(struct json *j, int index, const char *node,
			   const char *message);
void print_json_end(struct json *j);

/* cdi.c: the --cdi spec (Container Device Interface 0.5.0) */
#define CSA_CDI_KIND "csa.example.org/card"
struct cdi_card {
	int index;
	unsigned int major, minor;
	char node[CSA_PATH_LEN];
	char pci_address[CSA_PCI_ADDRESS_LEN];
	char sysfs[4096];
};
/* Node numbers and the PCI device's sysfs directory (under @sysfs_root). */
int cdi_card_from(struct cdi_card *c, int index, const char *node, const char *pci_address,
		  const char *sysfs_root);
/* @libs: @nlibs / 2 pairs of host path, container path to bind read-only. */
void print_cdi(FILE *out, const char *kind, const struct cdi_card *cards, int n,
	       const char *const *libs, int nlibs);
/* libcsa.so.MAJOR in @libdir: fills the pair, returns 2, or 0 if absent. */
int cdi_library_mounts(const char *libdir, char paths[2][4096]);
/* "vendor/class" as CDI allows it. */
int cdi_kind_valid(const char *kind);

#endif /* CSA_INFO_H */
