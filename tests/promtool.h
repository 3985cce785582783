/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests (unit and kselftest): check Prometheus text with promtool, the
 * reference parser and linter (Debian's prometheus package; make deps
 * installs it, and the VM guests see the host's /usr/bin).
 *
 *	char err[1024];
 *
 *	if (promtool_check(text, err, sizeof(err)))
 *		fail with err;
 *
 * promtool_check() returns 0 when `promtool check metrics` accepts the
 * text (exit status 0: it parses and has no lint problem), and -1
 * otherwise, with promtool's report, or why it could not run, in err.
 * A missing promtool is a failure, not a skip.
 */
#ifndef KSTREAM_TESTS_PROMTOOL_H
#define KSTREAM_TESTS_PROMTOOL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static inline int promtool_check(const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/kstream-prom.XXXXXX", cmd[64];
	size_t len = strlen(text), off = 0, n = 0;
	FILE *p;
	int fd, st;

	err[0] = '\0';
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "mkstemp %s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w <= 0) {
			snprintf(err, errlen, "write %s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		off += w;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s 2>&1", path);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(err, errlen, "popen %s: %s", cmd, strerror(errno));
		unlink(path);
		return -1;
	}
	while (n + 1 < errlen) {
		size_t r = fread(err + n, 1, errlen - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	err[n] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	unlink(path);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (!n)
			snprintf(err, errlen, "%s: exit status %d", cmd,
				 st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

#endif /* KSTREAM_TESTS_PROMTOOL_H */
