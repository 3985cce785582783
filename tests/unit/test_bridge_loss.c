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

static void lost_resend_below_a_counted_gap_counts(void **state)
{
	struct lossmark l = { 0 };
	uint64_t from = 50, pf, pt;

	(void)state;
	/* 100-199 overwritten before they were read: counted. */
	assert_int_equal(100, lossmark_add(&l, 100, 200));
	/*
	 * 50-99 were sent, never acknowledged, and are overwritten when the
	 * route resumes at 50 and finds 251: they are lost now, 100-199 not
	 * again.  (A mark that only remembered "up to 200" missed 50-99.)
	 */
	assert_true(lossmark_take(&l, &from, 251, &pf, &pt));
	assert_int_equal(50, pf);
	assert_int_equal(100, pt);
	assert_true(lossmark_take(&l, &from, 251, &pf, &pt));
	assert_int_equal(200, pf);
	assert_int_equal(251, pt);
	assert_false(lossmark_take(&l, &from, 251, &pf, &pt));
	assert_int_equal(50, lossmark_add(&l, 0, 251));	/* 0-49 were never counted */
}

static void ranges_merge_and_stay_bounded(void **state)
{
	struct lossmark l = { 0 };
	uint64_t i;

	(void)state;
	/* Disjoint gaps, more than the mark holds. */
	for (i = 0; i < 3 * LOSSMARK_RANGES; i++)
		assert_int_equal(5, lossmark_add(&l, i * 10, i * 10 + 5));
	assert_true(l.n <= LOSSMARK_RANGES);
	/* The newest ones are remembered. */
	assert_int_equal(0, lossmark_add(&l, (3 * LOSSMARK_RANGES - 1) * 10,
					 (3 * LOSSMARK_RANGES - 1) * 10 + 5));
	/* The oldest were forgotten: counted again (an overcount, never silent). */
	assert_int_equal(5, lossmark_add(&l, 0, 5));
	/* A range that bridges its neighbours merges them into one. */
	lossmark_clear(&l);
	assert_int_equal(10, lossmark_add(&l, 0, 10));
	assert_int_equal(10, lossmark_add(&l, 20, 30));
	assert_int_equal(10, lossmark_add(&l, 5, 25));
	assert_int_equal(1, l.n);
	assert_int_equal(0, lossmark_add(&l, 0, 30));
	assert_int_equal(2, lossmark_add(&l, 0, 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_gap_counts_whole),
		cmocka_unit_test(lost_resend_below_a_counted_gap_counts),
		cmocka_unit_test(ranges_merge_and_stay_bounded),
		cmocka_unit_test(same_gap_again_counts_nothing),
		cmocka_unit_test(later_gaps_count),
		cmocka_unit_test(new_sequence_space_counts_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
