// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/bridge/spool.c (the route's disk spool). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "spool.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_bridge_spool.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct spool *open_spool(uint64_t max, enum bc_fsync f)
{
	struct spool *s = NULL;
	char err[256];

	if (spool_open(&s, dir, "r1", max, f, err, sizeof(err)))
		fail_msg("spool_open: %s", err);
	return s;
}

/* Message i: i % 200 + 1 bytes of (i + k). */
static void msg(uint64_t i, uint8_t *buf, uint32_t *len)
{
	uint32_t k;

	*len = (uint32_t)(i % 200) + 1;
	for (k = 0; k < *len; k++)
		buf[k] = (uint8_t)(i + k);
}

static void append_range(struct spool *s, uint64_t from, uint64_t to)
{
	uint8_t b[256];
	uint32_t len;
	uint64_t i;

	for (i = from; i < to; i++) {
		msg(i, b, &len);
		assert_int_equal(0, spool_append(s, i, i * 10, b, len));
	}
}

/* Read everything from the reader on: returns the count; checks content and order. */
static uint64_t read_all(struct spool *s, uint64_t expect_first)
{
	struct spool_rec r;
	uint8_t b[256];
	uint32_t len;
	uint64_t n = 0, want = expect_first;
	int x;

	while ((x = spool_read(s, &r)) == 1) {
		assert_true(r.seq == want);
		assert_true(r.ts_ns == want * 10);
		msg(want, b, &len);
		assert_int_equal(len, r.len);
		assert_memory_equal(b, r.data, len);
		want++;
		n++;
	}
	assert_int_equal(0, x);
	return n;
}

static int count_segments(void)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/r1", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

static void test_append_read(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_BATCH);

	(void)state;
	assert_false(spool_has_records(s));
	assert_true(spool_reader_at_end(s));
	append_range(s, 100, 1100);
	assert_int_equal(0, spool_sync(s));
	assert_true(spool_has_records(s));
	assert_true(spool_first_seq(s) == 100 && spool_last_seq(s) == 1099);
	assert_true(spool_records(s) == 1000);
	assert_true(count_segments() > 1);	/* 1000 x ~130 B in 64 KiB segments */
	assert_true(read_all(s, 100) == 1000);
	assert_true(spool_reader_at_end(s));
	/* Appends after the reader reached the end are read next. */
	append_range(s, 1100, 1105);
	assert_false(spool_reader_at_end(s));
	assert_true(read_all(s, 1100) == 5);
	/* Order is enforced. */
	assert_int_equal(-EINVAL, spool_append(s, 1104, 0, "x", 1));
	assert_int_equal(-EMSGSIZE, spool_append(s, 2000, 0, "x", 0));
	spool_rewind(s, 599);
	assert_true(read_all(s, 600) == 505);
	spool_rewind_all(s);
	assert_true(read_all(s, 100) == 1005);
	spool_rewind(s, 5000);
	assert_true(spool_reader_at_end(s));
	assert_true(spool_lost(s) == 0);
	spool_close(s);
}

static void test_ack_deletes(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_NEVER);
	uint64_t bytes;
	int before;

	(void)state;
	append_range(s, 1, 2001);
	assert_true(read_all(s, 1) == 2000);
	before = count_segments();
	bytes = spool_bytes(s);
	spool_ack(s, 1000);
	assert_true(count_segments() < before);
	assert_true(spool_bytes(s) < bytes);
	assert_true(spool_first_seq(s) <= 1001);	/* a partly acked segment stays */
	spool_ack(s, 2000);
	assert_int_equal(0, count_segments());
	assert_false(spool_has_records(s));
	assert_true(spool_bytes(s) == 0);
	assert_true(spool_lost(s) == 0);
	/* Appending goes on in a new segment. */
	append_range(s, 2001, 2010);
	assert_true(read_all(s, 2001) == 9);
	spool_close(s);
}

static void test_bounded(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_NEVER);
	uint64_t i;

	(void)state;
	/* ~10 MB through a 1 MiB spool: the oldest go, counted. */
	append_range(s, 0, 80000);
	assert_true(spool_bytes(s) <= 1 << 20);
	assert_true(count_segments() <= SPOOL_SEGMENTS);
	assert_true(spool_lost(s) > 0);
	/* What remains plus what was lost is everything; the rest reads in order. */
	assert_true(spool_records(s) + spool_lost(s) == 80000);
	spool_rewind_all(s);
	i = spool_first_seq(s);
	assert_true(read_all(s, i) == 80000 - i);
	assert_true(i == spool_lost(s));
	spool_close(s);
}

static void test_reopen(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_ALWAYS);

	(void)state;
	append_range(s, 10, 510);
	spool_close(s);
	s = open_spool(1 << 20, BC_FSYNC_BATCH);
	assert_true(spool_first_seq(s) == 10 && spool_last_seq(s) == 509);
	assert_true(read_all(s, 10) == 500);
	append_range(s, 510, 520);	/* continues after a restart */
	assert_true(read_all(s, 510) == 10);
	assert_true(spool_lost(s) == 0);
	spool_close(s);
}

/* Cut the newest segment file @cut bytes short, or flip a byte at @flip from its end. */
static void damage_newest(long cut, long flip)
{
	char path[256], best[256] = "";
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/r1", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".seg") && strcmp(de->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	closedir(d);
	snprintf(path, sizeof(path), "%s/r1/%s", dir, best);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(0, fstat(fd, &st));
	if (cut)
		assert_int_equal(0, ftruncate(fd, st.st_size - cut));
	if (flip) {
		uint8_t b;

		assert_int_equal(1, pread(fd, &b, 1, st.st_size - flip));
		b ^= 0x40;
		assert_int_equal(1, pwrite(fd, &b, 1, st.st_size - flip));
	}
	close(fd);
}

static void test_torn_tail(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_BATCH);

	(void)state;
	append_range(s, 0, 300);
	spool_close(s);
	damage_newest(5, 0);	/* a record cut by a crash */
	s = open_spool(1 << 20, BC_FSYNC_BATCH);
	assert_true(spool_last_seq(s) == 298);
	assert_true(spool_lost(s) == 1);
	assert_true(read_all(s, 0) == 299);
	append_range(s, 299, 300);	/* and the spool goes on */
	assert_true(read_all(s, 299) == 1);
	spool_close(s);
}

static void test_corrupt_record(void **state)
{
	struct spool *s = open_spool(1 << 20, BC_FSYNC_BATCH);
	uint64_t last;

	(void)state;
	append_range(s, 0, 300);
	spool_close(s);
	damage_newest(0, 150);	/* a payload byte inside the last records */
	s = open_spool(1 << 20, BC_FSYNC_BATCH);
	last = spool_last_seq(s);
	assert_true(last < 299);	/* cut at the bad record: nothing after it is trusted */
	assert_true(spool_lost(s) == 1);
	assert_true(read_all(s, 0) == last + 1);
	spool_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
