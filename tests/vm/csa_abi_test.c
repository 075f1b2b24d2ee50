// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ioctl ABI hygiene of DRM_IOCTL_CSA_GET_PARAM (botching-up-ioctls.rst):
 * unknown params, non-zero reserved fields, unknown flags and unknown
 * driver ioctl numbers are each rejected with -EINVAL, and a rejected call
 * does not stop the next valid one from working.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_vm.h"

/* One past the last defined param; bump with the uapi. */
#define FIRST_UNKNOWN_PARAM	(DRM_CSA_PARAM_JOB_TIMEOUT_MS + 1)

FIXTURE(abi) {
	int fd;
};

FIXTURE_SETUP(abi)
{
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(card, CSA_VM_MAX_CARDS);

	ASSERT_LT(0, n) TH_LOG("no card list from the VM runner: %s", strerror(-n));
	self->fd = csa_vm_open_render(card[0].addr);
	ASSERT_LE(0, self->fd) TH_LOG("%s: open render node: %s", card[0].addr,
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(abi)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void expect_still_works(struct __test_metadata *_metadata, int fd)
{
	uint64_t v = 0;
	int ret = csa_vm_get_param(fd, DRM_CSA_PARAM_UAPI_VERSION, 0, 0, &v);

	EXPECT_EQ(0, ret) TH_LOG("valid query after a rejected one: %s",
				 strerror(-ret));
	EXPECT_EQ((uint64_t)CSA_UAPI_VERSION_MAJOR, v >> 16);
}

TEST_F(abi, unknown_param_is_einval)
{
	static const uint32_t params[] = { FIRST_UNKNOWN_PARAM, 0x100, 0x7fffffff,
					   0xffffffff };

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		uint64_t v = 0;
		int ret = csa_vm_get_param(self->fd, params[i], 0, 0, &v);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("param 0x%x: got %d (%s)", params[i],
					       ret, strerror(-ret));
	}
	expect_still_works(_metadata, self->fd);
}

TEST_F(abi, nonzero_reserved_is_einval)
{
	static const uint64_t reserved[] = { 1, 1ull << 32, 1ull << 63, ~0ull };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		uint64_t v = 0;
		int ret = csa_vm_get_param(self->fd, DRM_CSA_PARAM_NUM_QUEUES, 0,
					   reserved[i], &v);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("reserved 0x%llx: got %d (%s)",
					       (unsigned long long)reserved[i], ret,
					       strerror(-ret));
	}
	expect_still_works(_metadata, self->fd);
}

TEST_F(abi, unknown_flag_is_einval)
{
	/* No flags are defined: every single bit must be rejected. */
	for (int bit = 0; bit < 32; bit++) {
		uint64_t v = 0;
		int ret = csa_vm_get_param(self->fd, DRM_CSA_PARAM_NUM_QUEUES,
					   1u << bit, 0, &v);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("flag bit %d: got %d (%s)", bit, ret,
					       strerror(-ret));
	}
	expect_still_works(_metadata, self->fd);
}

TEST_F(abi, unknown_ioctl_number_is_einval)
{
	struct drm_csa_get_param gp = { .param = DRM_CSA_PARAM_NUM_QUEUES };
	/* the next driver ioctl number and the last one DRM allows */
	static const unsigned int nrs[] = { DRM_CSA_SUBMIT + 1, DRM_COMMAND_END - 1 - DRM_COMMAND_BASE };

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		unsigned long req = DRM_IOWR(DRM_COMMAND_BASE + nrs[i],
					     struct drm_csa_get_param);
		int ret = drmIoctl(self->fd, req, &gp) ? -errno : 0;

		EXPECT_EQ(-EINVAL, ret) TH_LOG("driver ioctl 0x%x: got %d (%s)",
					       nrs[i], ret, strerror(-ret));
	}
	expect_still_works(_metadata, self->fd);
}

TEST_HARNESS_MAIN
