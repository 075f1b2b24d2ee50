// SPDX-License-Identifier: MIT
/* Card parameters (DRM_IOCTL_CSA_GET_PARAM) and the whole-card query. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xf86drm.h>

#include "internal.h"

static const char *const param_names[] = {
	[DRM_CSA_PARAM_UAPI_VERSION]	= "UAPI_VERSION",
	[DRM_CSA_PARAM_FEATURES]	= "FEATURES",
	[DRM_CSA_PARAM_PCI_ID]		= "PCI_ID",
	[DRM_CSA_PARAM_HW_VERSION]	= "HW_VERSION",
	[DRM_CSA_PARAM_FW_VERSION]	= "FW_VERSION",
	[DRM_CSA_PARAM_FW_ABI]		= "FW_ABI",
	[DRM_CSA_PARAM_NUM_QUEUES]	= "NUM_QUEUES",
	[DRM_CSA_PARAM_DP_LANES]	= "DP_LANES",
	[DRM_CSA_PARAM_MAX_K]		= "MAX_K",
	[DRM_CSA_PARAM_MAX_DIM]		= "MAX_DIM",
	[DRM_CSA_PARAM_MAX_TENSOR]	= "MAX_TENSOR",
	[DRM_CSA_PARAM_CLOCK_KHZ]	= "CLOCK_KHZ",
	[DRM_CSA_PARAM_SERIAL]		= "SERIAL",
	[DRM_CSA_PARAM_MAX_BINDS]	= "MAX_BINDS",
	[DRM_CSA_PARAM_MAX_BO_SIZE]	= "MAX_BO_SIZE",
	[DRM_CSA_PARAM_JOB_TIMEOUT_MS]	= "JOB_TIMEOUT_MS",
};

/* DRM_CSA_FEATURE_* by bit number */
static const char *const feature_names[] = {
	"BO",
	"USERPTR",
	"QUEUES",
};

CSA_EXPORT const char *csa_feature_name(unsigned int bit)
{
	if (bit >= sizeof(feature_names) / sizeof(feature_names[0]))
		return NULL;
	return feature_names[bit];
}

CSA_EXPORT const char *csa_param_name(uint32_t param)
{
	if (param >= sizeof(param_names) / sizeof(param_names[0]))
		return NULL;
	return param_names[param];
}

CSA_EXPORT int csa_get_param(struct csa_device *dev, uint32_t param,
			     uint64_t *value)
{
	struct drm_csa_get_param args = { .param = param };
	const char *name = csa_param_name(param);

	if (!value)
		return csa_error(EFAULT, "csa_get_param: value must not be NULL");
	/* drmIoctl restarts the ioctl on EINTR and EAGAIN. */
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_GET_PARAM, &args)) {
		int err = errno;

		if (name)
			return csa_error(err, "%s: GET_PARAM %s failed: %s",
					 dev->render_node, name, strerror(err));
		return csa_error(err, "%s: GET_PARAM %u failed: %s",
				 dev->render_node, param, strerror(err));
	}
	*value = args.value;
	return 0;
}

/* Reads a parameter that must fit in 32 bits. */
static int get_param_u32(struct csa_device *dev, uint32_t param,
			 uint32_t *value)
{
	uint64_t v;
	int ret;

	ret = csa_get_param(dev, param, &v);
	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return csa_error(ERANGE, "%s: %s = %#llx does not fit in 32 bits",
				 dev->render_node, csa_param_name(param),
				 (unsigned long long)v);
	*value = (uint32_t)v;
	return 0;
}

static int copy_name(char *dst, size_t len, const char *src, const char *what)
{
	if (!src)
		src = "";
	if (strlen(src) >= len)
		return csa_error(ENAMETOOLONG, "driver %s \"%s\" is too long", what,
				 src);
	strcpy(dst, src);
	return 0;
}

static int query_driver(struct csa_device *dev, struct csa_info *info)
{
	drmVersionPtr ver;
	int ret;

	ver = drmGetVersion(dev->fd);
	if (!ver)
		return csa_error(errno ? errno : EIO,
				 "%s: cannot read the DRM driver version: %s",
				 dev->render_node, strerror(errno));
	info->driver_major = ver->version_major;
	info->driver_minor = ver->version_minor;
	info->driver_patch = ver->version_patchlevel;
	ret = copy_name(info->driver_name, sizeof(info->driver_name), ver->name,
			"name");
	if (!ret)
		ret = copy_name(info->driver_date, sizeof(info->driver_date),
				ver->date, "date");
	if (!ret)
		ret = copy_name(info->driver_desc, sizeof(info->driver_desc),
				ver->desc, "description");
	drmFreeVersion(ver);
	return ret;
}

CSA_EXPORT int csa_query(struct csa_device *dev, struct csa_info *info)
{
	const struct {
		uint32_t param;
		uint32_t *dst;
	} u32_params[] = {
		{ DRM_CSA_PARAM_UAPI_VERSION,	&info->uapi_version },
		{ DRM_CSA_PARAM_HW_VERSION,	&info->hw_version },
		{ DRM_CSA_PARAM_FW_VERSION,	&info->fw_version },
		{ DRM_CSA_PARAM_FW_ABI,		&info->fw_abi },
		{ DRM_CSA_PARAM_NUM_QUEUES,	&info->num_queues },
		{ DRM_CSA_PARAM_DP_LANES,	&info->dp_lanes },
		{ DRM_CSA_PARAM_MAX_K,		&info->max_k },
		{ DRM_CSA_PARAM_MAX_DIM,	&info->max_dim },
		{ DRM_CSA_PARAM_CLOCK_KHZ,	&info->clock_khz },
	};
	size_t i;
	int ret;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < sizeof(u32_params) / sizeof(u32_params[0]); i++) {
		ret = get_param_u32(dev, u32_params[i].param, u32_params[i].dst);
		if (ret)
			return ret;
	}
	ret = csa_get_param(dev, DRM_CSA_PARAM_FEATURES, &info->features);
	if (!ret)
		ret = csa_get_param(dev, DRM_CSA_PARAM_MAX_TENSOR,
				    &info->max_tensor);
	if (!ret)
		ret = csa_get_param(dev, DRM_CSA_PARAM_SERIAL, &info->serial);
	if (!ret)
		ret = query_driver(dev, info);
	if (ret)
		return ret;

	/* PCI identity comes from libdrm (sysfs), which also works for a card
	 * whose driver reports nothing yet; PARAM_PCI_ID is for cross-checks.
	 */
	info->pci_vendor = dev->pci_vendor;
	info->pci_device = dev->pci_device;
	strcpy(info->pci_address, dev->pci_address);
	strcpy(info->render_node, dev->render_node);
	return csa_sysfs_numa_node(dev->pci_address, &info->numa_node);
}

CSA_EXPORT int csa_query_limits(struct csa_device *dev,
				struct csa_limits *limits)
{
	uint64_t uapi;
	int ret;

	if (!dev || !limits)
		return csa_error(EINVAL, "csa_query_limits: dev and limits must not be NULL");
	memset(limits, 0, sizeof(*limits));
	ret = csa_get_param(dev, DRM_CSA_PARAM_UAPI_VERSION, &uapi);
	if (ret)
		return ret;
	if (uapi < (1u << 16 | 1))
		return csa_error(EOPNOTSUPP, "%s: driver uapi %u.%u has no data-plane limits (needs 1.1)",
				 dev->render_node, (unsigned int)(uapi >> 16),
				 (unsigned int)(uapi & 0xffff));
	ret = get_param_u32(dev, DRM_CSA_PARAM_MAX_BINDS, &limits->max_binds);
	if (!ret)
		ret = get_param_u32(dev, DRM_CSA_PARAM_JOB_TIMEOUT_MS,
				    &limits->job_timeout_ms);
	if (!ret)
		ret = csa_get_param(dev, DRM_CSA_PARAM_MAX_BO_SIZE,
				    &limits->max_bo_size);
	limits->max_syncs = DRM_CSA_MAX_SYNCS;
	return ret;
}
