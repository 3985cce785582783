// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "topic_path.h"

int ks_topic_open(const char *topic, int oflags)
{
	char path[128];
	int fd;

	if (!topic || !*topic)
		return -EINVAL;
	if (strchr(topic, '/')) {
		fd = open(topic, oflags | O_CLOEXEC);
	} else {
		if ((size_t)snprintf(path, sizeof(path), "/dev/stream/%s", topic) >=
		    sizeof(path))
			return -ENAMETOOLONG;
		fd = open(path, oflags | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}
