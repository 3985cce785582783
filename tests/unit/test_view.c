// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of the zero-copy consumer protocol (userspace/lib/view.c)
 * against a simulated mapping: a memfd mapped twice back to back, as the
 * kernel maps the ring, and a producer that follows the kernel's protocol
 * (kmod/publish.c) step by step.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "libkstream.h"
#include "view.h"

#define RING 4096u

struct sim {
	struct kstream_ring_ctl ctl;
	struct kstream_reader_page page;
	uint8_t *data;		/* RING bytes, mapped twice */
	struct ks_view v;
};

static int sim_setup(void **state)
{
	struct sim *s = calloc(1, sizeof(*s));
	int fd = memfd_create("ring", 0);
	uint8_t *base;

	assert_non_null(s);
	assert_true(fd >= 0);
	assert_int_equal(0, ftruncate(fd, RING));
	base = mmap(NULL, 2 * RING, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	assert_true(mmap(base, RING, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == base);
	assert_true(mmap(base + RING, RING, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    base + RING);
	close(fd);
	s->data = base;
	s->ctl.size = RING;
	s->ctl.msg_max = RING / 4;
	ks_view_init(&s->v, &s->ctl, s->data, &s->page, 0);
	*state = s;
	return 0;
}

static int sim_teardown(void **state)
{
	struct sim *s = *state;

	munmap(s->data, 2 * RING);
	free(s);
	return 0;
}

/* The kernel's eviction step: drop the oldest record (kstream_make_room). */
static void sim_evict_one(struct sim *s)
{
	const struct kstream_msg_hdr *h = (const void *)(s->data + (s->ctl.tail & (RING - 1)));

	__atomic_store_n(&s->ctl.tail, s->ctl.tail + KSTREAM_REC_SIZE(h->len), __ATOMIC_RELAXED);
	s->ctl.tail_seq++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Publish one message whose bytes are all @fill (kstream_commit). */
static void sim_publish(struct sim *s, uint32_t len, uint8_t fill)
{
	uint64_t need = KSTREAM_REC_SIZE(len);
	struct kstream_msg_hdr *h;

	while (s->ctl.head + need - s->ctl.tail > RING)
		sim_evict_one(s);
	h = (void *)(s->data + (s->ctl.head & (RING - 1)));
	h->len = len;
	h->flags = 0;
	h->seq = s->ctl.head_seq++;
	h->ts_ns = 1000 + h->seq;
	memset(h + 1, fill, len);
	memset((uint8_t *)(h + 1) + len, 0, need - sizeof(*h) - len);
	__atomic_store_n(&s->ctl.head, s->ctl.head + need, __ATOMIC_RELEASE);
}

static int all_bytes(const struct ks_msg *m, uint8_t fill)
{
	const uint8_t *p = m->data;
	uint32_t i;

	for (i = 0; i < m->len; i++)
		if (p[i] != fill)
			return 0;
	return 1;
}

static void empty_ring_has_nothing(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;

	assert_int_equal(0, ks_view_next(&s->v, &m));
	assert_int_equal(0, ks_view_release(&s->v));
	assert_int_equal(0, s->page.pos);
}

static void in_order_and_cursor_published(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	int i;

	for (i = 0; i < 3; i++)
		sim_publish(s, 10 + i, 'a' + i);
	for (i = 0; i < 3; i++) {
		assert_int_equal(1, ks_view_next(&s->v, &m));
		assert_int_equal(i, m.seq);
		assert_int_equal(10 + i, m.len);
		assert_int_equal(1000 + i, m.ts_ns);
		assert_true(all_bytes(&m, 'a' + i));
		/* The kernel sees the cursor only once the message is released. */
		assert_int_equal(0, ks_view_release(&s->v));
		assert_int_equal(s->v.pos, s->page.pos);
	}
	assert_int_equal(s->ctl.head, s->page.pos);
	assert_int_equal(0, ks_view_next(&s->v, &m));
	assert_int_equal(0, s->v.lost);
}

/* Records that cross the end of the ring read as one contiguous block. */
static void wrapped_records_are_contiguous(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	int i;

	for (i = 0; i < 40; i++) {
		sim_publish(s, 1000, (uint8_t)i);
		assert_int_equal(1, ks_view_next(&s->v, &m));
		assert_int_equal(i, m.seq);
		assert_true(all_bytes(&m, (uint8_t)i));
		assert_int_equal(0, ks_view_release(&s->v));
	}
	/* 40 records of 1024 bytes went round a 4 KiB ring ten times. */
	assert_true(s->ctl.head > 9 * RING);
	assert_int_equal(0, s->v.lost);
}

/* A reader a whole ring behind restarts at the tail and counts the gap. */
static void lapped_reader_counts_gap(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	int i;

	for (i = 0; i < 100; i++)
		sim_publish(s, 100, (uint8_t)i);
	assert_true(s->ctl.tail_seq > 0);
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(s->ctl.tail_seq, m.seq);
	assert_true(all_bytes(&m, (uint8_t)m.seq));
	assert_int_equal(s->ctl.tail_seq, s->v.lost);
	/* The kernel reads the loss from the cursor page. */
	assert_int_equal(s->v.lost, s->page.lost);
	assert_int_equal(0, ks_view_release(&s->v));
}

/* A message overwritten while held is reported, never accepted. */
static void torn_message_is_reported(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	uint64_t held;
	int i;

	sim_publish(s, 500, 'x');
	assert_int_equal(1, ks_view_next(&s->v, &m));
	held = m.seq;
	/* The producer laps the reader while it uses the payload. */
	for (i = 0; i < 10; i++)
		sim_publish(s, 500, 'y');
	assert_true(s->ctl.tail > 0);
	assert_int_equal(-ESTALE, ks_view_release(&s->v));
	assert_int_equal(1, s->v.lost);
	/* Next comes the oldest retained; the gap behind it is loss too. */
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(s->ctl.tail_seq, m.seq);
	assert_true(all_bytes(&m, 'y'));
	assert_int_equal(1 + (m.seq - held - 1), s->v.lost);
	assert_int_equal(0, ks_view_release(&s->v));
	assert_int_equal(s->v.lost, s->page.lost);
}

/* A header evicted between reading it and validating it is skipped. */
static void header_overtaken_before_validation(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	int i;

	for (i = 0; i < 3; i++)
		sim_publish(s, 1000, (uint8_t)i);
	/* The cursor still points at seq 0, which a producer now evicts. */
	sim_evict_one(s);
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(1, m.seq);
	assert_int_equal(1, s->v.lost);
	assert_int_equal(0, ks_view_release(&s->v));
}

/* Next without release releases the previous message. */
static void next_releases_previous(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;

	sim_publish(s, 8, 1);
	sim_publish(s, 8, 2);
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(1, m.seq);
	assert_int_equal(KSTREAM_REC_SIZE(8), s->page.pos);
}

/* A cursor that does not point at a record (corrupt page) is EIO. */
static void corrupt_cursor_is_eio(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;

	sim_publish(s, 64, 7);
	sim_publish(s, 64, 8);
	/* Into the payload of the first record: its bytes read as a header. */
	s->page.pos = sizeof(struct kstream_msg_hdr) + 8;
	ks_view_sync(&s->v, 0);
	memset((uint8_t *)s->data + s->page.pos, 0xff, sizeof(struct kstream_msg_hdr));
	assert_int_equal(-EIO, ks_view_next(&s->v, &m));
}

/*
 * Producers are woken exactly when a release takes the cursor past the
 * position they wait for (ctl->wake_pos), and at every release on a
 * kernel without wake_pos (0).
 */
static void must_wake_when_passing_wake_pos(void **state)
{
	struct sim *s = *state;
	struct ks_msg m;
	uint64_t rec = KSTREAM_REC_SIZE(40);

	sim_publish(s, 40, 1);
	sim_publish(s, 40, 2);
	sim_publish(s, 40, 3);
	s->ctl.wake_pos = ~0ull;
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(0, ks_view_release(&s->v));
	assert_false(ks_view_must_wake(&s->v));		/* nobody waits */
	s->ctl.writers_waiting = 1;
	s->ctl.wake_pos = 2 * rec;
	assert_false(ks_view_must_wake(&s->v));		/* 0 -> rec: short of it */
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(0, ks_view_release(&s->v));
	assert_true(ks_view_must_wake(&s->v));		/* rec -> 2 rec: passed */
	assert_int_equal(1, ks_view_next(&s->v, &m));
	assert_int_equal(0, ks_view_release(&s->v));
	assert_false(ks_view_must_wake(&s->v));		/* beyond it already */
	s->ctl.wake_pos = 0;				/* an older kernel */
	assert_true(ks_view_must_wake(&s->v));
	s->ctl.writers_waiting = 0;
	assert_false(ks_view_must_wake(&s->v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_ring_has_nothing, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(in_order_and_cursor_published, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(wrapped_records_are_contiguous, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(lapped_reader_counts_gap, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(torn_message_is_reported, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(header_overtaken_before_validation, sim_setup,
						sim_teardown),
		cmocka_unit_test_setup_teardown(next_releases_previous, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(corrupt_cursor_is_eio, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(must_wake_when_passing_wake_pos, sim_setup,
						sim_teardown),
	};

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
