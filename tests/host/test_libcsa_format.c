// SPDX-License-Identifier: MIT
/* csa-info's formatting of feature bits and NUMA nodes. */
#include <string.h>

#include "kselftest_harness.h"

#include "csa-info.h"

TEST(no_features_is_none)
{
	char buf[CSA_INFO_FEATURES_LEN];

	format_features(buf, sizeof(buf), 0);
	EXPECT_STREQ("none", buf);
}

TEST(known_features_by_name_in_bit_order)
{
	char buf[CSA_INFO_FEATURES_LEN];

	format_features(buf, sizeof(buf), DRM_CSA_FEATURE_QUEUES | DRM_CSA_FEATURE_BO);
	EXPECT_STREQ("BO QUEUES", buf);
	format_features(buf, sizeof(buf), DRM_CSA_FEATURE_BO | DRM_CSA_FEATURE_USERPTR |
			DRM_CSA_FEATURE_QUEUES);
	EXPECT_STREQ("BO USERPTR QUEUES", buf);
}

TEST(unknown_bits_by_number)
{
	char buf[CSA_INFO_FEATURES_LEN];

	format_features(buf, sizeof(buf), DRM_CSA_FEATURE_USERPTR | (1ull << 5) | (1ull << 63));
	EXPECT_STREQ("USERPTR bit5 bit63", buf);
}

TEST(every_bit_fits)
{
	char buf[CSA_INFO_FEATURES_LEN];

	format_features(buf, sizeof(buf), ~0ull);
	EXPECT_NE(NULL, strstr(buf, "bit63")) TH_LOG("truncated: %s", buf);
}

TEST(small_buffer_truncates_safely)
{
	char buf[6];

	format_features(buf, sizeof(buf), DRM_CSA_FEATURE_BO | DRM_CSA_FEATURE_USERPTR);
	EXPECT_EQ(5u, strlen(buf));
}

TEST(numa_node_text)
{
	char buf[CSA_INFO_TEXT_LEN];

	format_numa_node(buf, sizeof(buf), -1);
	EXPECT_STREQ("none", buf);
	format_numa_node(buf, sizeof(buf), 1);
	EXPECT_STREQ("1", buf);
}

TEST_HARNESS_MAIN
