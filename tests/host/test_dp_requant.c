// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Requantisation (firmware/csa_dp_requant.c) against the test's own
 * floor-division reference: saturation at both ends, shift 0 and 31,
 * rounding of negative values, zero multiplier, bias saturation, and a
 * large seeded random sweep.
 */
#include "kselftest_harness.h"

#include "test_dp_ref.h"

static int8_t rq(int32_t acc, int32_t bias, int32_t mult, uint32_t shift)
{
	const struct csa_dp_rq r = { bias, mult, shift };

	return csa_dp_requant(acc, &r);
}

#define ASSERT_RQ(want, acc, bias, mult, shift)				\
	ASSERT_EQ((want), rq((acc), (bias), (mult), (shift)))		\
		TH_LOG("requant(acc %d, bias %d, mult %d, shift %u) is %d, expected %d", \
		       (int)(acc), (int)(bias), (int)(mult), (unsigned)(shift), \
		       rq((acc), (bias), (mult), (shift)), (int)(want))

TEST(saturates_at_both_ends)
{
	ASSERT_RQ(127, 128, 0, 1, 0);
	ASSERT_RQ(127, INT32_MAX, INT32_MAX, INT32_MAX, 0);
	ASSERT_RQ(-128, -129, 0, 1, 0);
	ASSERT_RQ(-128, INT32_MIN, INT32_MIN, INT32_MAX, 0);
	/* the largest product: (-2^31) * (-2^31) = 2^62 */
	ASSERT_RQ(127, INT32_MIN, 0, INT32_MIN, 31);
	ASSERT_RQ(-128, INT32_MIN, 0, INT32_MAX, 31);
	ASSERT_RQ(127, 127, 0, 1, 0);
	ASSERT_RQ(-128, -128, 0, 1, 0);
}

TEST(shift_zero_is_the_plain_product)
{
	ASSERT_RQ(6, 2, 1, 2, 0);
	ASSERT_RQ(-6, -2, -1, 2, 0);
	ASSERT_RQ(0, 0, 0, 12345, 0);
}

TEST(shift_31)
{
	/* 2^31 * 1 / 2^31 = 1; (2^30) / 2^31 = 0.5 -> 1 (half up) */
	ASSERT_RQ(1, INT32_MAX, 1, 1, 31);	/* 2^31 - 1 + 1 = sat 2^31-1 -> 1 */
	ASSERT_RQ(1, 1 << 30, 0, 1, 31);
	ASSERT_RQ(0, (1 << 30) - 1, 0, 1, 31);
	/* -2^30 / 2^31 = -0.5 -> 0 (half up), -2^30 - 1 -> -1 */
	ASSERT_RQ(0, -(1 << 30), 0, 1, 31);
	ASSERT_RQ(-1, -(1 << 30) - 1, 0, 1, 31);
	ASSERT_RQ(-1, INT32_MIN, 0, 1, 31);
	ASSERT_RQ(64, INT32_MAX, 0, 64, 31);
}

TEST(negative_values_round_half_up)
{
	/* -5/2 = -2.5 -> -2; -7/2 = -3.5 -> -3; -6/4 = -1.5 -> -1 */
	ASSERT_RQ(-2, -5, 0, 1, 1);
	ASSERT_RQ(-3, -7, 0, 1, 1);
	ASSERT_RQ(-1, -6, 0, 1, 2);
	/* -1.25 -> -1, -1.75 -> -2 */
	ASSERT_RQ(-1, -5, 0, 1, 2);
	ASSERT_RQ(-2, -7, 0, 1, 2);
	/* positive halves go up too */
	ASSERT_RQ(3, 5, 0, 1, 1);
	ASSERT_RQ(2, 3, 0, 1, 1);
	/* negative multiplier */
	ASSERT_RQ(-2, 5, 0, -1, 1);
	ASSERT_RQ(3, -5, 0, -1, 1);
}

TEST(zero_multiplier_gives_zero)
{
	ASSERT_RQ(0, INT32_MAX, 0, 0, 0);
	ASSERT_RQ(0, INT32_MIN, INT32_MIN, 0, 31);
	ASSERT_RQ(0, 12345, -77, 0, 7);
}

TEST(bias_saturates_to_int32_first)
{
	ASSERT_EQ(INT32_MAX, csa_dp_add_bias(INT32_MAX, 1))
		TH_LOG("INT32_MAX + 1 did not saturate");
	ASSERT_EQ(INT32_MIN, csa_dp_add_bias(INT32_MIN, -1))
		TH_LOG("INT32_MIN - 1 did not saturate");
	ASSERT_EQ(-3, csa_dp_add_bias(-5, 2)) TH_LOG("-5 + 2");
	/* sat32(2^31 - 1 + 2^31 - 1) = 2^31 - 1, times 2 / 2^24 = 256 -> 127 */
	ASSERT_RQ(127, INT32_MAX, INT32_MAX, 2, 24);
	/* (2^31-1) >> 24 = 127.99.. -> 128 -> 127 */
	ASSERT_RQ(127, INT32_MAX, 0, 1, 24);
	ASSERT_RQ(-128, INT32_MIN, 0, 1, 24);
	ASSERT_RQ(-127, INT32_MIN + (1 << 23) + 1, 0, 1, 24);
}

TEST(random_sweep_matches_reference)
{
	rng_seed(42);
	for (int i = 0; i < 2000000; i++) {
		int32_t acc = (int32_t)rng32(), bias = (int32_t)rng32();
		int32_t mult = (int32_t)rng32();
		uint32_t shift = rng_below(32);

		if (i & 1) {	/* realistic magnitudes too */
			acc >>= rng_below(31);
			bias >>= rng_below(31);
			mult >>= rng_below(31);
		}
		ASSERT_RQ(ref_requant(acc, bias, mult, shift), acc, bias, mult,
			  shift);
	}
}

TEST_HARNESS_MAIN
