/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of the "events" multicast group (KSTREAM_CMD_EVENT) as
 * "streamctl monitor" prints them.  No netlink here, so it can be unit
 * tested.
 */
#ifndef KSTREAM_EVENT_H
#define KSTREAM_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kstream.h>

#include "json.h"

struct kst_event {
	uint64_t time_ns;	/* when it was received, CLOCK_REALTIME */
	uint32_t event;		/* enum kstream_event */
	char topic[KSTREAM_NAME_MAX];	/* "" if none */
	uint32_t id;
	uint32_t pid;
	uint64_t lost;
	bool have_id, have_pid, have_lost;
};

/*
 * "topic_new", "topic_del", "topic_changed", "reader_lapped", "denied",
 * "stats_reset"; NULL for an event this tool does not know.
 */
const char *kst_event_name(uint32_t event);

/*
 * One line: local time with milliseconds, the event (its number for one
 * this tool does not know), the topic and what else the event carries:
 *
 *   2026-11-26T19:49:34.123 reader_lapped imu id 3 pid 1234 lost 57
 */
void kst_event_print_text(FILE *f, const struct kst_event *e);

/*
 * One JSON object: {"time_ns":...,"event":"reader_lapped","topic":"imu",
 * "id":3,"pid":1234,"lost":57}; an unknown event is its number, as a
 * string; absent attributes are left out.
 */
void kst_event_print_json(struct json *j, const struct kst_event *e);

#endif /* KSTREAM_EVENT_H */
