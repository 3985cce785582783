// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's event log (events.h): a fixed ring of records under one
 * mutex.  Writers are the main loop and the engine route threads; the
 * control socket reads it from the main loop.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "events.h"
#include "json.h"

struct bev {
	uint64_t id;
	uint64_t time_ms;		/* CLOCK_REALTIME of the first occurrence */
	enum bev_kind kind;
	uint64_t first, count;
	uint64_t logged, logged_ms;	/* messages of count in log lines; when last logged */
	char obj[64];
	char text[192];
};

static struct {
	pthread_mutex_t lock;
	uint64_t next;			/* number of the next record; records start at 1 */
	uint64_t served;		/* highest number a reader was given: not merged into */
	struct bev ring[BEV_MAX];
} bev = { .lock = PTHREAD_MUTEX_INITIALIZER, .next = 1 };

static const char *const kinds[] = {
	[BEV_LOSS] = "loss", [BEV_SOURCE] = "source", [BEV_PEER] = "peer",
};

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool merges(const struct bev *last, enum bev_kind kind, const char *obj,
		   uint64_t first, const char *text)
{
	if (last->kind != BEV_LOSS || kind != BEV_LOSS || strcmp(last->obj, obj) ||
	    strcmp(last->text, text))
		return false;
	if (first == BEV_NOSEQ || last->first == BEV_NOSEQ)
		return first == last->first;
	return last->first + last->count == first;
}

/* Log a loss record's @n messages from its (@from)th on. */
static void log_loss(const struct bev *e, uint64_t from, uint64_t n, bool more)
{
	if (e->first != BEV_NOSEQ)
		blog("%s: %" PRIu64 " %slost (sequence %" PRIu64 "-%" PRIu64 "): %s", e->obj, n,
		     more ? "more " : "", e->first + from, e->first + from + n - 1, e->text);
	else
		blog("%s: %" PRIu64 " %slost: %s", e->obj, n, more ? "more " : "", e->text);
}

/*
 * Log what was merged into @e since it was last logged (caller holds the
 * lock): the log adds up to the loss counters too, at most a line a
 * second per record, and at the latest when the next record begins or
 * bev_flush() runs.
 */
static void log_merged(struct bev *e, uint64_t now)
{
	if (e->kind != BEV_LOSS || e->logged >= e->count)
		return;
	log_loss(e, e->logged, e->count - e->logged, true);
	e->logged = e->count;
	e->logged_ms = now;
}

void bev_flush(bool all)
{
	uint64_t now = wall_ms();
	struct bev *e;

	pthread_mutex_lock(&bev.lock);
	if (bev.next > 1) {
		e = &bev.ring[(bev.next - 2) % BEV_MAX];
		if (all || now - e->logged_ms >= 1000)
			log_merged(e, now);
	}
	pthread_mutex_unlock(&bev.lock);
}

void bev_emit(enum bev_kind kind, const char *what, const char *name, uint64_t first,
	      uint64_t count, const char *fmt, ...)
{
	char text[sizeof(((struct bev *)0)->text)];
	char obj[sizeof(((struct bev *)0)->obj)];
	struct bev *e;
	uint64_t now;
	va_list ap;

	snprintf(obj, sizeof(obj), "%s %s", what, name);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	now = wall_ms();
	pthread_mutex_lock(&bev.lock);
	if (bev.next > 1) {
		e = &bev.ring[(bev.next - 2) % BEV_MAX];
		if (e->id > bev.served && merges(e, kind, obj, first, text)) {
			e->count += count;
			if (now - e->logged_ms >= 1000)
				log_merged(e, now);
			pthread_mutex_unlock(&bev.lock);
			return;
		}
		log_merged(e, now);	/* its last merges, before the next record */
	}
	e = &bev.ring[(bev.next - 1) % BEV_MAX];
	memset(e, 0, sizeof(*e));
	e->id = bev.next++;
	e->time_ms = now;
	e->kind = kind;
	e->first = first;
	e->count = count;
	e->logged = count;
	e->logged_ms = now;
	memcpy(e->obj, obj, sizeof(obj));
	memcpy(e->text, text, sizeof(text));
	if (kind == BEV_LOSS)
		log_loss(e, 0, count, false);
	else
		blog("%s: %s", obj, text);
	pthread_mutex_unlock(&bev.lock);
}

static void write_text(FILE *f, const struct bev *e)
{
	time_t t = (time_t)(e->time_ms / 1000);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%" PRIu64 " %s.%03uZ %s %s", e->id, when, (unsigned int)(e->time_ms % 1000),
		kinds[e->kind], e->obj);
	if (e->kind == BEV_LOSS) {
		fprintf(f, " lost %" PRIu64, e->count);
		if (e->first != BEV_NOSEQ)
			fprintf(f, " seq %" PRIu64 "-%" PRIu64, e->first, e->first + e->count - 1);
	}
	fprintf(f, ": %s\n", e->text);
}

static void write_json(struct json *j, const struct bev *e)
{
	json_obj_start(j);
	json_kv_u64(j, "id", e->id);
	json_kv_u64(j, "time_ms", e->time_ms);
	json_kv_str(j, "kind", kinds[e->kind]);
	json_kv_str(j, "object", e->obj);
	if (e->kind == BEV_LOSS) {
		json_kv_u64(j, "count", e->count);
		if (e->first != BEV_NOSEQ) {
			json_kv_u64(j, "first", e->first);
			json_kv_u64(j, "last", e->first + e->count - 1);
		}
	}
	json_kv_str(j, "text", e->text);
	json_obj_end(j);
}

void bev_write(FILE *f, uint64_t since, bool json)
{
	uint64_t oldest, missed, id;
	struct json j;

	pthread_mutex_lock(&bev.lock);
	oldest = bev.next > BEV_MAX ? bev.next - BEV_MAX : 1;
	if (since < 1)
		since = 1;
	missed = since < oldest ? oldest - since : 0;
	if (since < oldest)
		since = oldest;
	if (json) {
		json_init(&j, f);
		json_obj_start(&j);
		json_kv_u64(&j, "next", bev.next);
		json_kv_u64(&j, "missed", missed);
		json_key(&j, "events");
		json_arr_start(&j);
	} else if (missed) {
		fprintf(f, "# %" PRIu64 " events missed (the log keeps the last %d)\n", missed,
			BEV_MAX);
	}
	for (id = since; id < bev.next; id++) {
		const struct bev *e = &bev.ring[(id - 1) % BEV_MAX];

		if (json)
			write_json(&j, e);
		else
			write_text(f, e);
	}
	if (bev.next - 1 > bev.served)
		bev.served = bev.next - 1;
	if (json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
		fputc('\n', f);
	} else {
		fprintf(f, "# next %" PRIu64 "\n", bev.next);
	}
	pthread_mutex_unlock(&bev.lock);
}

void bev_reset(void)
{
	pthread_mutex_lock(&bev.lock);
	memset(bev.ring, 0, sizeof(bev.ring));
	bev.next = 1;
	bev.served = 0;
	pthread_mutex_unlock(&bev.lock);
}
