// SPDX-License-Identifier: MIT
/* The --json report: same facts as the text report, stable member names. */
#include <stdio.h>

#include "csa-info.h"

void print_json_begin(struct json *j, FILE *out)
{
	char version[CSA_INFO_TEXT_LEN];

	format_fw_version(version, sizeof(version), csa_library_version());
	json_init(j, out);
	json_begin_object(j, NULL);
	json_string(j, "library_version", version);
	json_begin_array(j, "cards");
}

void print_json_end(struct json *j)
{
	json_end_array(j);
	json_end_object(j);
}

void print_card_json(struct json *j, int index, const struct csa_info *info,
		     const struct card_extra *extra)
{
	char text[CSA_INFO_TEXT_LEN];

	json_begin_object(j, NULL);
	if (index >= 0)
		json_int(j, "index", index);
	json_string(j, "render_node", info->render_node);
	json_string(j, "pci_address", info->pci_address);
	snprintf(text, sizeof(text), "%04x", info->pci_vendor);
	json_string(j, "pci_vendor", text);
	snprintf(text, sizeof(text), "%04x", info->pci_device);
	json_string(j, "pci_device", text);
	json_int(j, "numa_node", info->numa_node);
	json_int(j, "numa_placement", extra->numa_placement);

	json_begin_object(j, "driver");
	json_string(j, "name", info->driver_name);
	snprintf(text, sizeof(text), "%d.%d.%d", info->driver_major,
		 info->driver_minor, info->driver_patch);
	json_string(j, "version", text);
	json_string(j, "date", info->driver_date);
	json_string(j, "description", info->driver_desc);
	json_end_object(j);

	format_major_minor(text, sizeof(text), info->uapi_version);
	json_string(j, "uapi_version", text);
	json_uint(j, "features", info->features);
	json_begin_array(j, "feature_names");
	for (unsigned int bit = 0; bit < 64; bit++)
		if (info->features & (1ull << bit))
			json_string(j, NULL, format_feature(text, sizeof(text), bit));
	json_end_array(j);
	format_major_minor(text, sizeof(text), info->hw_version);
	json_string(j, "hardware_version", text);
	format_fw_version(text, sizeof(text), info->fw_version);
	json_string(j, "firmware_version", text);
	json_uint(j, "firmware_abi", info->fw_abi);
	json_uint(j, "queues", info->num_queues);
	json_uint(j, "datapath_lanes", info->dp_lanes);
	json_uint(j, "max_k", info->max_k);
	json_uint(j, "max_dim", info->max_dim);
	json_uint(j, "max_tensor", info->max_tensor);
	json_uint(j, "clock_khz", info->clock_khz);
	/* A string: an identifier, and 64 bits exceed a JSON double's range. */
	snprintf(text, sizeof(text), "%016llx", (unsigned long long)info->serial);
	json_string(j, "serial", text);
	if (extra->has_limits) {
		json_uint(j, "max_binds", extra->limits.max_binds);
		json_uint(j, "max_bo_size", extra->limits.max_bo_size);
		json_uint(j, "job_timeout_ms", extra->limits.job_timeout_ms);
	}
	json_end_object(j);
}

void print_card_error_json(struct json *j, int index, const char *node,
			   const char *message)
{
	json_begin_object(j, NULL);
	if (index >= 0)
		json_int(j, "index", index);
	json_string(j, "render_node", node);
	json_string(j, "error", message);
	json_end_object(j);
}
