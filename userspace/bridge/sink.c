// SPDX-License-Identifier: GPL-2.0
/*
 * Receiver sink (sink.h).  Uses: libkstream's producer.  Process mode
 * keeps the last committed sequence per producer id in a small table of
 * this process (bounded: BSINK_TABLE ids, least recently used evicted).
 *
 * Kernel mode is compiled in once uapi/linux/kstream.h has the
 * idempotent-producer ioctls (issue 15) and used when the running module
 * answers them: the sink declares the producer id and each record's
 * producer sequence (ks_producer_set_id() only when the sequence is not
 * the kernel's auto-incremented next one), so the kernel itself discards
 * repeats, also after this daemon restarts.  Every record is written,
 * repeats too: the kernel is the one judge (also between two connections
 * of one origin, an old one not yet found dead and its successor), and
 * what it discards is counted in the topic's dropped_duplicate, which
 * status reports (bsink_topic_duplicates()).  The sink still says which
 * records it expects the kernel to discard (at or below the last
 * committed sequence), so that they are not counted as published.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/kstream.h>

#include "libkstream.h"
#include "sink.h"

#define BSINK_TABLE 1024

struct bsink {
	struct ks_producer *p;
	uint64_t id;
	char topic[64];
	enum bsink_mode mode;
	uint64_t dups;
	int slot;		/* process mode: table index cache (-1: none) */
	/* kernel mode */
	bool known;		/* last is the kernel's last committed sequence */
	uint64_t last;
	bool next_valid;	/* the kernel's next producer sequence is next */
	uint64_t next;
};

/* Keyed like the kernel's table: producer id within one topic. */
static struct {
	uint64_t id, last, used;
	bool set;
	char topic[64];
} table[BSINK_TABLE];
static uint64_t table_clock;

static int table_find(uint64_t id, const char *topic, bool create)
{
	int i, free_i = -1, lru = 0;

	for (i = 0; i < BSINK_TABLE; i++) {
		if (table[i].set && table[i].id == id && !strcmp(table[i].topic, topic)) {
			table[i].used = ++table_clock;
			return i;
		}
		if (!table[i].set && free_i < 0)
			free_i = i;
		if (table[i].used < table[lru].used)
			lru = i;
	}
	if (!create)
		return -1;
	i = free_i >= 0 ? free_i : lru;
	table[i].set = true;
	table[i].id = id;
	snprintf(table[i].topic, sizeof(table[i].topic), "%s", topic);
	table[i].used = ++table_clock;
	return i;
}

void bsink_reset_table(void)
{
	memset(table, 0, sizeof(table));
	table_clock = 0;
}

int bsink_open(struct bsink **sp, const char *topic, uint64_t id)
{
	struct bsink *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	err = ks_producer_open(&s->p, topic, KS_NONBLOCK);
	if (err) {
		free(s);
		return err;
	}
	s->id = id;
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	s->mode = BSINK_PROCESS;
	s->slot = -1;
#ifdef KSTREAM_IOC_PRODUCER_SEQ
	err = ks_producer_last_seq(s->p, id, &s->last);
	if (err >= 0) {
		s->mode = BSINK_KERNEL;
		s->known = err == 1;
	} else if (err != -ENOTTY && err != -EOPNOTSUPP && err != -EINVAL) {
		ks_producer_close(s->p);
		free(s);
		return err;
	}
#endif
	*sp = s;
	return 0;
}

void bsink_close(struct bsink *s)
{
	if (!s)
		return;
	ks_producer_close(s->p);
	free(s);
}

/* The table entry of this sink's producer, if the table has one. */
static int slot(struct bsink *s, bool create)
{
	if (s->slot < 0 || !table[s->slot].set || table[s->slot].id != s->id ||
	    strcmp(table[s->slot].topic, s->topic))
		s->slot = table_find(s->id, s->topic, create);
	return s->slot;
}

int bsink_last_seq(struct bsink *s, uint64_t *seq)
{
	int i;

	if (s->mode == BSINK_KERNEL) {
		if (!s->known)
			return 0;
		*seq = s->last;
		return 1;
	}
	i = slot(s, false);

	if (i < 0 || !table[i].set)
		return 0;
	*seq = table[i].last;
	return 1;
}

int bsink_publish(struct bsink *s, uint64_t seq, const void *data, uint32_t len)
{
	uint64_t last;
	bool dup = bsink_last_seq(s, &last) == 1 && seq <= last;
	int err;

#ifdef KSTREAM_IOC_PRODUCER_SEQ
	if (s->mode == BSINK_KERNEL) {
		if (!s->next_valid || s->next != seq) {
			err = ks_producer_set_id(s->p, s->id, seq);
			if (err)
				return err;
		}
		/* A repeat too: the kernel discards and counts it. */
		err = ks_publish(s->p, data, len);
		if (err) {
			s->next_valid = false;	/* -EAGAIN: set again on the retry */
			return err;
		}
		s->next_valid = true;
		s->next = seq + 1;
		if (dup) {
			s->dups++;
			return 1;
		}
		s->known = true;
		s->last = seq;
		return 0;
	}
#endif
	if (dup) {
		s->dups++;
		return 1;
	}
	err = ks_publish(s->p, data, len);
	if (err)
		return err;
	table[slot(s, true)].last = seq;
	return 0;
}

int bsink_fd(const struct bsink *s)
{
	return ks_producer_fd(s->p);
}

enum bsink_mode bsink_mode(const struct bsink *s)
{
	return s->mode;
}

uint64_t bsink_duplicates(const struct bsink *s)
{
	return s->dups;
}

int bsink_topic_duplicates(const struct bsink *s, uint64_t *n)
{
	char path[80], buf[32], *end;
	unsigned long long v;
	struct stat st;
	ssize_t len;
	int fd, e;

	if (s->mode != BSINK_KERNEL)
		return -EOPNOTSUPP;
	/* The fd's own device: right even if the name now means another topic. */
	if (fstat(ks_producer_fd(s->p), &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/stats/dropped_duplicate",
		 major(st.st_rdev), minor(st.st_rdev));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	e = errno;
	close(fd);
	if (len <= 0)
		return len < 0 ? -e : -EIO;
	buf[len] = 0;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EIO;
	*n = v;
	return 0;
}
