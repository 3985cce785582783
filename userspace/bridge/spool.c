// SPDX-License-Identifier: GPL-2.0
/*
 * The disk spool (spool.h).  Uses: crc32c.c, POSIX file I/O.  Segment
 * files are only appended to and deleted whole; the reader uses pread(2)
 * on the open segments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "crc32c.h"
#include "spool.h"

#define SPOOL_MAGIC 0x5053534bU	/* "KSSP" little-endian */

struct segment {
	int fd;
	uint64_t first, last;	/* sequences */
	uint64_t records;
	uint64_t size;		/* bytes of valid records */
};

struct spool {
	char dir[BC_PATH_MAX + 80];
	uint64_t max_bytes, seg_max;
	enum bc_fsync fsync;
	struct segment seg[SPOOL_SEGMENTS];
	int nseg;		/* seg[0] oldest, seg[nseg-1] being appended */
	uint64_t bytes, lost;
	bool dirty;
	/* the reader */
	int rseg;
	uint64_t roff;
	uint8_t *buf;
	size_t bufcap;
};

static size_t rec_size(uint32_t len)
{
	return (SPOOL_REC_HDR + (size_t)len + 7) & ~(size_t)7;
}

static void put32le(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* x86-64 and other little-endian hosts */
}

static void put64le(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32le(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64le(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void seg_path(const struct spool *s, uint64_t first, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%020" PRIu64 ".seg", s->dir, first);
}

static int ensure_buf(struct spool *s, size_t n)
{
	uint8_t *b;

	if (n <= s->bufcap)
		return 0;
	b = realloc(s->buf, n);
	if (!b)
		return -ENOMEM;
	s->buf = b;
	s->bufcap = n;
	return 0;
}

/*
 * Read the record at @off of @g into s->buf: its size, 0 at a clean end,
 * -EBADMSG at a torn or corrupt record, -errno on I/O errors.
 */
static ssize_t read_rec(struct spool *s, struct segment *g, uint64_t off, uint64_t limit,
			struct spool_rec *r)
{
	uint8_t h[SPOOL_REC_HDR];
	uint32_t len, crc;
	size_t sz;
	ssize_t n;

	if (off >= limit)
		return 0;
	n = pread(g->fd, h, sizeof(h), (off_t)off);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h) || get32le(h) != SPOOL_MAGIC)
		return -EBADMSG;
	len = get32le(h + 4);
	if (len == 0 || len > (1U << 24))
		return -EBADMSG;
	sz = rec_size(len);
	if (off + sz > limit || ensure_buf(s, len))
		return -EBADMSG;
	n = pread(g->fd, s->buf, len, (off_t)(off + SPOOL_REC_HDR));
	if (n < 0)
		return -errno;
	if ((size_t)n < len)
		return -EBADMSG;
	crc = crc32c(0, h, 24);
	crc = crc32c(crc, s->buf, len);
	if (crc != get32le(h + 24))
		return -EBADMSG;
	r->seq = get64le(h + 8);
	r->ts_ns = get64le(h + 16);
	r->len = len;
	r->data = s->buf;
	return (ssize_t)sz;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void drop_segment(struct spool *s, int i, bool count_lost)
{
	char path[BC_PATH_MAX + 128];

	if (count_lost)
		s->lost += s->seg[i].records;
	s->bytes -= s->seg[i].size;
	seg_path(s, s->seg[i].first, path, sizeof(path));
	close(s->seg[i].fd);
	unlink(path);
	memmove(&s->seg[i], &s->seg[i + 1], (s->nseg - i - 1) * sizeof(s->seg[0]));
	s->nseg--;
	if (s->rseg > i) {
		s->rseg--;
	} else if (s->rseg == i) {
		s->roff = 0;	/* the reader's segment went: next one, from its start */
	}
}

/* Load the segments found in the directory, checking every record. */
static int load(struct spool *s, char *err, size_t errlen)
{
	uint64_t firsts[SPOOL_SEGMENTS * 4];
	struct spool_rec r;
	struct dirent *de;
	int n = 0, i;
	DIR *d;

	d = opendir(s->dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		unsigned long long v;
		char tail[8];

		if (sscanf(de->d_name, "%20llu%7s", &v, tail) != 2 || strcmp(tail, ".seg"))
			continue;
		if (n == SPOOL_SEGMENTS * 4) {
			closedir(d);
			snprintf(err, errlen, "%s: too many segment files", s->dir);
			return -EMFILE;
		}
		firsts[n++] = v;
	}
	closedir(d);
	qsort(firsts, n, sizeof(firsts[0]), cmp_u64);
	for (i = 0; i < n; i++) {
		char path[BC_PATH_MAX + 128];
		struct segment *g;
		struct stat st;
		uint64_t off = 0;
		ssize_t sz;

		seg_path(s, firsts[i], path, sizeof(path));
		if (s->nseg == SPOOL_SEGMENTS)	/* more than we would ever make: keep the newest */
			drop_segment(s, 0, true);
		g = &s->seg[s->nseg];
		memset(g, 0, sizeof(*g));
		g->fd = open(path, O_RDWR | O_CLOEXEC);
		if (g->fd < 0 || fstat(g->fd, &st)) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -errno;
		}
		while ((sz = read_rec(s, g, off, (uint64_t)st.st_size, &r)) > 0) {
			if ((g->records && r.seq <= g->last) ||
			    (s->nseg && r.seq <= s->seg[s->nseg - 1].last))
				break;	/* out of order: treat like corruption */
			if (!g->records)
				g->first = r.seq;
			g->last = r.seq;
			g->records++;
			off += (uint64_t)sz;
		}
		if (off < (uint64_t)st.st_size) {
			/* A torn or corrupt tail: cut it off; what it held is lost. */
			s->lost++;
			if (ftruncate(g->fd, (off_t)off)) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				close(g->fd);
				return -errno;
			}
		}
		g->size = off;
		if (!g->records) {
			close(g->fd);
			unlink(path);
			continue;
		}
		s->bytes += g->size;
		s->nseg++;
	}
	return 0;
}

int spool_open(struct spool **sp, const char *dir, const char *route, uint64_t max_bytes,
	       enum bc_fsync fsync, char *err, size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	int e;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/%s", dir, route);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(s);
		return -errno;
	}
	if (mkdir(s->dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		free(s);
		return -errno;
	}
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / SPOOL_SEGMENTS;
	s->fsync = fsync;
	e = load(s, err, errlen);
	if (e) {
		spool_close(s);
		return e;
	}
	*sp = s;
	return 0;
}

void spool_close(struct spool *s)
{
	int i;

	if (!s)
		return;
	if (s->dirty)
		spool_sync(s);
	for (i = 0; i < s->nseg; i++)
		close(s->seg[i].fd);
	free(s->buf);
	free(s);
}

static int new_segment(struct spool *s, uint64_t first)
{
	char path[BC_PATH_MAX + 128];
	struct segment *g;
	int fd;

	if (s->nseg == SPOOL_SEGMENTS)
		drop_segment(s, 0, true);
	seg_path(s, first, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	g = &s->seg[s->nseg++];
	memset(g, 0, sizeof(*g));
	g->fd = fd;
	g->first = first;
	return 0;
}

int spool_append(struct spool *s, uint64_t seq, uint64_t ts_ns, const void *data, uint32_t len)
{
	size_t sz = rec_size(len);
	struct segment *g;
	uint8_t h[SPOOL_REC_HDR];
	struct iovec iov[3];
	static const uint8_t pad[8];
	uint32_t crc;
	ssize_t n;
	int e;

	if (!len || sz > s->max_bytes / 2)
		return -EMSGSIZE;
	if (s->nseg && seq <= s->seg[s->nseg - 1].last)
		return -EINVAL;
	/* Room: drop the oldest segments while the new record would not fit. */
	while (s->nseg > 1 && s->bytes + sz > s->max_bytes)
		drop_segment(s, 0, true);
	if (s->nseg && s->bytes + sz > s->max_bytes)
		drop_segment(s, 0, true);
	if (!s->nseg || s->seg[s->nseg - 1].size + sz > s->seg_max) {
		if (s->dirty)
			spool_sync(s);
		e = new_segment(s, seq);
		if (e)
			return e;
	}
	g = &s->seg[s->nseg - 1];
	put32le(h, SPOOL_MAGIC);
	put32le(h + 4, len);
	put64le(h + 8, seq);
	put64le(h + 16, ts_ns);
	crc = crc32c(0, h, 24);
	crc = crc32c(crc, data, len);
	put32le(h + 24, crc);
	put32le(h + 28, 0);
	iov[0] = (struct iovec){ h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)data, len };
	iov[2] = (struct iovec){ (void *)pad, sz - SPOOL_REC_HDR - len };
	n = pwritev(g->fd, iov, 3, (off_t)g->size);
	if (n < 0 || (size_t)n != sz) {
		e = n < 0 ? -errno : -EIO;
		/* Leave the file as it was: a partial record is cut at next open anyway. */
		if (ftruncate(g->fd, (off_t)g->size))
			e = -errno;
		return e;
	}
	if (!g->records)
		g->first = seq;
	g->last = seq;
	g->records++;
	g->size += sz;
	s->bytes += sz;
	s->dirty = true;
	if (s->fsync == BC_FSYNC_ALWAYS)
		return spool_sync(s);
	return 0;
}

int spool_sync(struct spool *s)
{
	s->dirty = false;
	if (s->fsync == BC_FSYNC_NEVER || !s->nseg)
		return 0;
	return fdatasync(s->seg[s->nseg - 1].fd) ? -errno : 0;
}

void spool_rewind_all(struct spool *s)
{
	s->rseg = 0;
	s->roff = 0;
}

void spool_rewind(struct spool *s, uint64_t after)
{
	struct spool_rec r;
	ssize_t sz;

	spool_rewind_all(s);
	while (s->rseg < s->nseg && s->seg[s->rseg].last <= after)
		s->rseg++;
	if (s->rseg == s->nseg)
		return;
	/* Within the segment: skip records at or below @after. */
	while ((sz = read_rec(s, &s->seg[s->rseg], s->roff, s->seg[s->rseg].size, &r)) > 0 &&
	       r.seq <= after)
		s->roff += (uint64_t)sz;
}

int spool_read(struct spool *s, struct spool_rec *r)
{
	ssize_t sz;

	while (s->rseg < s->nseg) {
		struct segment *g = &s->seg[s->rseg];

		sz = read_rec(s, g, s->roff, g->size, r);
		if (sz > 0) {
			s->roff += (uint64_t)sz;
			return 1;
		}
		if (sz < 0)
			return (int)sz;
		if (s->rseg == s->nseg - 1)
			return 0;	/* at the end of the newest segment */
		s->rseg++;
		s->roff = 0;
	}
	return 0;
}

void spool_ack(struct spool *s, uint64_t seq)
{
	/* Never the segment being appended to while the reader is in it. */
	while (s->nseg && s->seg[0].last <= seq && (s->nseg > 1 || s->rseg > 0 ||
						    s->roff >= s->seg[0].size))
		drop_segment(s, 0, false);
}

bool spool_has_records(const struct spool *s)
{
	return s->nseg > 0;
}

bool spool_reader_at_end(const struct spool *s)
{
	return s->rseg >= s->nseg ||
	       (s->rseg == s->nseg - 1 && s->roff >= s->seg[s->rseg].size);
}

uint64_t spool_first_seq(const struct spool *s)
{
	return s->nseg ? s->seg[0].first : 0;
}

uint64_t spool_last_seq(const struct spool *s)
{
	return s->nseg ? s->seg[s->nseg - 1].last : 0;
}

uint64_t spool_bytes(const struct spool *s)
{
	return s->bytes;
}

uint64_t spool_records(const struct spool *s)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < s->nseg; i++)
		n += s->seg[i].records;
	return n;
}

uint64_t spool_lost(const struct spool *s)
{
	return s->lost;
}
