/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * CSA user ABI: ioctls of the csa DRM render node.
 *
 * Rules (Documentation/process/botching-up-ioctls.rst): fixed-width types,
 * 64-bit aligned structs, every pad and reserved field must be zero and
 * every unknown flag is rejected with -EINVAL.  Features are discovered
 * with DRM_CSA_PARAM_UAPI_VERSION and DRM_CSA_PARAM_FEATURES.
 */
#ifndef CSA_DRM_H
#define CSA_DRM_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define CSA_DRIVER_NAME		"csa"

/* uapi version: bumped (minor) whenever a param, flag or ioctl is added */
#define CSA_UAPI_VERSION_MAJOR	1
#define CSA_UAPI_VERSION_MINOR	0

#define DRM_CSA_GET_PARAM	0x00

#define DRM_IOCTL_CSA_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_GET_PARAM, struct drm_csa_get_param)

/* Parameters for DRM_IOCTL_CSA_GET_PARAM */
#define DRM_CSA_PARAM_UAPI_VERSION	0	/* major << 16 | minor */
#define DRM_CSA_PARAM_FEATURES		1	/* DRM_CSA_FEATURE_* bits */
#define DRM_CSA_PARAM_PCI_ID		2	/* vendor << 16 | device */
#define DRM_CSA_PARAM_HW_VERSION	3	/* major << 16 | minor */
#define DRM_CSA_PARAM_FW_VERSION	4	/* major << 16 | minor << 8 | patch */
#define DRM_CSA_PARAM_FW_ABI		5	/* ABI of the running firmware */
#define DRM_CSA_PARAM_NUM_QUEUES	6	/* hardware queues */
#define DRM_CSA_PARAM_DP_LANES		7	/* parallel multiply lanes */
#define DRM_CSA_PARAM_MAX_K		8	/* max kernels per packed group */
#define DRM_CSA_PARAM_MAX_DIM		9	/* max size of one tensor dimension */
#define DRM_CSA_PARAM_MAX_TENSOR	10	/* max elements of one tensor */
#define DRM_CSA_PARAM_CLOCK_KHZ		11	/* datapath clock */
#define DRM_CSA_PARAM_SERIAL		12	/* board serial number */

/* Feature bits reported by DRM_CSA_PARAM_FEATURES (none yet) */

/**
 * struct drm_csa_get_param - query one card parameter
 * @param: in, one of DRM_CSA_PARAM_*; unknown values give -EINVAL
 * @flags: in, must be 0 (no flags are defined)
 * @value: out, the parameter's value
 * @reserved: in, must be 0
 */
struct drm_csa_get_param {
	__u32 param;
	__u32 flags;
	__u64 value;
	__u64 reserved;
};

#if defined(__cplusplus)
}
#endif

#endif /* CSA_DRM_H */
