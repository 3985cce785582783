/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KS_TOPIC_PATH_H
#define KS_TOPIC_PATH_H

/* Open a topic by name ("imu") or path; returns an fd or -errno. */
int ks_topic_open(const char *topic, int oflags);

#endif
