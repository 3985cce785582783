// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/bridge/events.c: records numbered from 1,
 * contiguous losses merged until a reader saw the record, a bounded ring
 * that reports what a reader missed, text and JSON forms, a log that
 * adds up to the merged records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "events.h"

/* The answer to "events [json] SINCE", as a string (free it). */
static char *answer(uint64_t since, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	bev_write(f, since, json);
	fclose(f);
	return buf;
}

static int reset(void **state)
{
	(void)state;
	bev_reset();
	return 0;
}

static void numbered_records_text(void **state)
{
	char *a;

	(void)state;
	bev_emit(BEV_SOURCE, "route", "r5", BEV_NOSEQ, 0, "source topic %s was deleted", "src5");
	bev_emit(BEV_LOSS, "route", "r6", 10, 1000, "src6: no longer retained");
	a = answer(0, false);
	assert_non_null(strstr(a, "1 "));
	assert_non_null(strstr(a, " source route r5: source topic src5 was deleted\n"));
	assert_non_null(strstr(a, "\n2 "));
	assert_non_null(strstr(a, " loss route r6 lost 1000 seq 10-1009: src6: no longer retained\n"));
	assert_non_null(strstr(a, "# next 3\n"));
	free(a);
	/* From record 2 on only. */
	a = answer(2, false);
	assert_null(strstr(a, "source route r5"));
	assert_non_null(strstr(a, "loss route r6"));
	free(a);
}

static void contiguous_losses_merge_until_read(void **state)
{
	char *a;
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		bev_emit(BEV_LOSS, "route", "r5", (uint64_t)i, 1, "src5: collides");
	a = answer(0, true);
	assert_non_null(strstr(a, "{\"next\":2,\"missed\":0,\"events\":[{\"id\":1,"));
	assert_non_null(strstr(a, "\"kind\":\"loss\",\"object\":\"route r5\",\"count\":50,"
				  "\"first\":0,\"last\":49,\"text\":\"src5: collides\"}]}"));
	free(a);
	/* Record 1 was read: the next contiguous loss is a record of its own. */
	bev_emit(BEV_LOSS, "route", "r5", 50, 1, "src5: collides");
	/* Not contiguous, another reason, another route: new records too. */
	bev_emit(BEV_LOSS, "route", "r5", 60, 1, "src5: collides");
	bev_emit(BEV_LOSS, "route", "r5", 61, 1, "src5: lapped");
	bev_emit(BEV_LOSS, "route", "r6", 62, 1, "src5: lapped");
	/* Unknown sequences merge with unknown ones only. */
	bev_emit(BEV_LOSS, "route", "r6", BEV_NOSEQ, 2, "src5: lapped");
	bev_emit(BEV_LOSS, "route", "r6", BEV_NOSEQ, 3, "src5: lapped");
	a = answer(2, true);
	assert_non_null(strstr(a, "{\"next\":7,\"missed\":0,"));
	assert_non_null(strstr(a, "\"id\":6,"));
	assert_non_null(strstr(a, "\"object\":\"route r6\",\"count\":5,\"text\""));
	free(a);
}

static void bounded_ring_reports_missed(void **state)
{
	char *a;
	int i;

	(void)state;
	for (i = 0; i < BEV_MAX + 10; i++)
		bev_emit(BEV_PEER, "route", "r1", BEV_NOSEQ, 0, "connection closed: %d", i);
	a = answer(1, true);
	assert_non_null(strstr(a, "\"missed\":10,\"events\":[{\"id\":11,"));
	free(a);
	a = answer(0, false);
	assert_non_null(strstr(a, "# 10 events missed (the log keeps the last 1024)\n11 "));
	free(a);
	/* Asking from the current end: nothing, nothing missed. */
	a = answer(BEV_MAX + 11, true);
	assert_non_null(strstr(a, "\"missed\":0,\"events\":[]}"));
	free(a);
}

/* What the log lines of loss say, added up (blog() writes to stderr). */
static unsigned long logged_loss(FILE *log)
{
	char line[512];
	unsigned long sum = 0, n;

	fflush(stderr);
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		const char *p;
		char word[8];

		/* "streambridge: route r7: N [more ]lost ...": the count after a ": ". */
		for (p = strstr(line, ": "); p; p = strstr(p + 2, ": "))
			if (sscanf(p, ": %lu %7s", &n, word) == 2 &&
			    (!strncmp(word, "lost", 4) || !strcmp(word, "more"))) {
				sum += n;
				break;
			}
	}
	return sum;
}

static void the_log_adds_up_to_merged_losses(void **state)
{
	FILE *log = tmpfile();
	int saved = dup(2), i;

	(void)state;
	assert_non_null(log);
	fflush(stderr);
	dup2(fileno(log), 2);
	/* A run of single losses: one record, logged when it begins... */
	for (i = 0; i < 20; i++)
		bev_emit(BEV_LOSS, "route", "r7", (uint64_t)i, 1, "src7: lapped");
	assert_int_equal(1, logged_loss(log));
	/* ... the rest when the next record begins... */
	bev_emit(BEV_PEER, "route", "r7", BEV_NOSEQ, 0, "connection closed");
	assert_int_equal(20, logged_loss(log));
	/* ... or at bev_flush(true) (exit); bev_flush(false) waits a second. */
	bev_emit(BEV_LOSS, "route", "r7", BEV_NOSEQ, 5, "src7: spool full");
	bev_emit(BEV_LOSS, "route", "r7", BEV_NOSEQ, 7, "src7: spool full");
	bev_flush(false);
	assert_int_equal(25, logged_loss(log));
	bev_flush(true);
	assert_int_equal(32, logged_loss(log));
	bev_flush(true);
	assert_int_equal(32, logged_loss(log));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(numbered_records_text, reset),
		cmocka_unit_test_setup(contiguous_losses_merge_until_read, reset),
		cmocka_unit_test_setup(bounded_ring_reports_missed, reset),
		cmocka_unit_test_setup(the_log_adds_up_to_merged_losses, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
