// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/bridge/loss.h: a gap of the source met again
 * (a resume asking twice for a sequence that is no longer retained) is
 * counted once; a new sequence space counts again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loss.h"

static void first_gap_counts_whole(void **state)
{
	struct lossmark l = { 0 };

	(void)state;
	assert_int_equal(3801, lossmark_add(&l, 1000, 4801));
}

static void same_gap_again_counts_nothing(void **state)
{
	struct lossmark l = { 0 };

	(void)state;
	assert_int_equal(3801, lossmark_add(&l, 1000, 4801));
	/* The second resume after a failed connection: same sequence asked. */
	assert_int_equal(0, lossmark_add(&l, 1000, 4801));
	/* The ring moved on meanwhile: only what is new is counted. */
	assert_int_equal(200, lossmark_add(&l, 1000, 5001));
	assert_int_equal(0, lossmark_add(&l, 4000, 5001));
}

static void later_gaps_count(void **state)
{
	struct lossmark l = { 0 };

	(void)state;
	assert_int_equal(10, lossmark_add(&l, 0, 10));
	assert_int_equal(5, lossmark_add(&l, 20, 25));
	assert_int_equal(0, lossmark_add(&l, 7, 7));
	assert_int_equal(0, lossmark_add(&l, 9, 8));
}

static void new_sequence_space_counts_again(void **state)
{
	struct lossmark l = { 0 };

	(void)state;
	assert_int_equal(100, lossmark_add(&l, 0, 100));
	lossmark_clear(&l);
	assert_int_equal(50, lossmark_add(&l, 0, 50));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_gap_counts_whole),
		cmocka_unit_test(same_gap_again_counts_nothing),
		cmocka_unit_test(later_gaps_count),
		cmocka_unit_test(new_sequence_space_counts_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
