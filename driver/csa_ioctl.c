// SPDX-License-Identifier: GPL-2.0
/*
 * CSA ioctls.  Values come from registers cached at probe time, so a query
 * never touches the card.  docs/uapi.md documents every error path.
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "csa_drm.h"
#include "csa_drv.h"

static int csa_param_value(const struct csa_device *csa, u32 param, u64 *value)
{
	const struct csa_caps *caps = &csa->caps;

	switch (param) {
	case DRM_CSA_PARAM_UAPI_VERSION:
		*value = CSA_UAPI_VERSION_MAJOR << 16 | CSA_UAPI_VERSION_MINOR;
		return 0;
	case DRM_CSA_PARAM_FEATURES:
		*value = csa->features;
		return 0;
	case DRM_CSA_PARAM_PCI_ID:
		*value = (u32)csa->pdev->vendor << 16 | csa->pdev->device;
		return 0;
	case DRM_CSA_PARAM_HW_VERSION:
		*value = caps->hw_version;
		return 0;
	case DRM_CSA_PARAM_FW_VERSION:
		*value = caps->fw_version;
		return 0;
	case DRM_CSA_PARAM_FW_ABI:
		*value = caps->fw_abi;
		return 0;
	case DRM_CSA_PARAM_NUM_QUEUES:
		*value = caps->num_queues;
		return 0;
	case DRM_CSA_PARAM_DP_LANES:
		*value = caps->dp_lanes;
		return 0;
	case DRM_CSA_PARAM_MAX_K:
		*value = caps->max_k;
		return 0;
	case DRM_CSA_PARAM_MAX_DIM:
		*value = caps->max_dim;
		return 0;
	case DRM_CSA_PARAM_MAX_TENSOR:
		*value = caps->max_tensor;
		return 0;
	case DRM_CSA_PARAM_CLOCK_KHZ:
		*value = caps->clock_khz;
		return 0;
	case DRM_CSA_PARAM_SERIAL:
		*value = caps->serial;
		return 0;
	case DRM_CSA_PARAM_MAX_BINDS:
		*value = CSA_MAX_BINDS;
		return 0;
	case DRM_CSA_PARAM_MAX_BO_SIZE:
		*value = csa->max_bo_size;
		return 0;
	case DRM_CSA_PARAM_JOB_TIMEOUT_MS:
		*value = csa->job_timeout_ms;
		return 0;
	default:
		return -EINVAL;
	}
}

int csa_ioctl_get_param(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct drm_csa_get_param *args = data;
	u64 value;
	int idx, ret;

	if (args->flags || args->reserved)
		return -EINVAL;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = csa_param_value(to_csa(drm), args->param, &value);
	drm_dev_exit(idx);

	if (!ret)
		args->value = value;
	return ret;
}
