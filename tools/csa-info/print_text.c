// SPDX-License-Identifier: MIT
/* The human-readable report: one block per card, one property per line. */
#include <inttypes.h>

#include "csa-info.h"

static void print_heading(FILE *out, int index, const char *node)
{
	if (index >= 0)
		fprintf(out, "card %d: %s\n", index, node);
	else
		fprintf(out, "card %s\n", node);
}

void print_card_text(FILE *out, int index, const struct csa_info *info,
		     const struct card_extra *extra)
{
	char fw[CSA_INFO_TEXT_LEN], uapi[CSA_INFO_TEXT_LEN];
	char hw[CSA_INFO_TEXT_LEN], numa[CSA_INFO_TEXT_LEN];
	char placement[CSA_INFO_TEXT_LEN], features[CSA_INFO_FEATURES_LEN];

	format_fw_version(fw, sizeof(fw), info->fw_version);
	format_major_minor(uapi, sizeof(uapi), info->uapi_version);
	format_major_minor(hw, sizeof(hw), info->hw_version);
	format_numa_node(numa, sizeof(numa), info->numa_node);
	format_numa_node(placement, sizeof(placement), extra->numa_placement);
	format_features(features, sizeof(features), info->features);

	print_heading(out, index, info->render_node);
	fprintf(out, "  %-18s %s\n", "pci address", info->pci_address);
	fprintf(out, "  %-18s %04x:%04x\n", "pci id", info->pci_vendor,
		info->pci_device);
	fprintf(out, "  %-18s %s\n", "numa node", numa);
	fprintf(out, "  %-18s %s\n", "buffer placement", placement);
	fprintf(out, "  %-18s %s %d.%d.%d (%s, %s)\n", "driver",
		info->driver_name, info->driver_major, info->driver_minor,
		info->driver_patch, info->driver_desc, info->driver_date);
	fprintf(out, "  %-18s %s\n", "uapi version", uapi);
	fprintf(out, "  %-18s %#" PRIx64 " (%s)\n", "features", info->features,
		features);
	fprintf(out, "  %-18s %s\n", "hardware version", hw);
	fprintf(out, "  %-18s %s\n", "firmware version", fw);
	fprintf(out, "  %-18s %u\n", "firmware abi", info->fw_abi);
	fprintf(out, "  %-18s %u\n", "queues", info->num_queues);
	fprintf(out, "  %-18s %u\n", "datapath lanes", info->dp_lanes);
	fprintf(out, "  %-18s %u\n", "max K", info->max_k);
	fprintf(out, "  %-18s %u\n", "max dimension", info->max_dim);
	fprintf(out, "  %-18s %" PRIu64 " elements\n", "max tensor",
		info->max_tensor);
	fprintf(out, "  %-18s %u kHz\n", "clock", info->clock_khz);
	fprintf(out, "  %-18s %016" PRIx64 "\n", "serial", info->serial);
	if (!extra->has_limits)
		return;
	fprintf(out, "  %-18s %u\n", "max binds", extra->limits.max_binds);
	fprintf(out, "  %-18s %" PRIu64 " bytes\n", "max buffer size",
		extra->limits.max_bo_size);
	fprintf(out, "  %-18s %u ms\n", "job timeout", extra->limits.job_timeout_ms);
}

void print_card_error_text(FILE *out, int index, const char *node,
			   const char *message)
{
	print_heading(out, index, node);
	fprintf(out, "  %-18s %s\n", "error", message);
}
