// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl top [-i SECONDS] [-n COUNT]: a live, refreshing per-topic
 * view of rates (messages/s, MB/s, deliveries/s, drops, losses, errors),
 * the max lag and the p99 latency of the last interval, computed from
 * successive stats dumps.
 *
 * On a terminal the screen is cleared and redrawn with ANSI sequences
 * and the keyboard is read in non-canonical mode ('q' quits); the
 * terminal is restored on every exit, SIGINT and SIGTERM included.
 * Otherwise (a pipe, a file, a script) each snapshot is printed after the
 * previous one, and -n COUNT stops after COUNT of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "json.h"
#include "nl.h"
#include "parse.h"
#include "stats.h"
#include "statsnl.h"
#include "streamctl.h"

#define TOP_INTERVAL_MAX_MS	(3600 * 1000)

static volatile sig_atomic_t top_stop;
static struct termios top_saved_tio;
static volatile sig_atomic_t top_tio_saved;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void top_restore_tty(void)
{
	if (top_tio_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &top_saved_tio);
		top_tio_saved = 0;
	}
}

/* Keys without Enter, no echo; signals (^C) still work. */
static void top_raw_tty(void)
{
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &top_saved_tio))
		return;
	tio = top_saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio))
		return;
	top_tio_saved = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct top {
	const struct ctl *ctl;
	uint64_t interval_ms;
	uint64_t count;		/* snapshots to print, 0: until stopped */
	bool keys;		/* stdin is a terminal: read 'q' */
	bool ansi;		/* stdout is a terminal: clear and redraw */
	sigset_t waitmask;	/* the mask with SIGINT/SIGTERM unblocked */
};

/*
 * Wait until the monotonic deadline; 1 if the user asked to quit ('q',
 * end of input, SIGINT, SIGTERM), 0 otherwise.
 */
static int top_wait(struct top *tp, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t now = mono_ms();
		struct timespec ts;
		int n;

		if (top_stop)
			return 1;
		if (now >= deadline)
			return 0;
		ts.tv_sec = (deadline - now) / 1000;
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
		n = ppoll(&p, tp->keys ? 1 : 0, &ts, &tp->waitmask);
		if (n < 0 && errno != EINTR)
			return 1;
		if (n > 0) {
			char c;
			ssize_t r = read(STDIN_FILENO, &c, 1);

			if (r <= 0 || c == 'q' || c == 'Q')
				return 1;
		}
	}
}

static void top_print(struct top *tp, const struct stats_set *prev,
		      const struct stats_set *cur, double dt)
{
	char when[32] = "";
	struct top_row row;
	struct json j;
	time_t now = time(NULL);
	struct winsize ws;
	size_t i, rows = 0;
	struct tm tm;

	/*
	 * Lines left for topics under the title and the header, keeping the
	 * last line free: a newline there would scroll the title away.
	 */
	if (tp->ansi && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 4)
		rows = ws.ws_row - 3;
	if (tp->ctl->json) {
		json_init(&j, stdout);
		json_obj_start(&j);
		json_kv_u64(&j, "time_ns", real_ns());
		json_kv_u64(&j, "interval_ms", (uint64_t)(dt * 1000 + 0.5));
		json_key(&j, "topics");
		json_arr_start(&j);
	} else {
		if (localtime_r(&now, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		if (tp->ansi)
			fputs("\033[H\033[2J", stdout);
		printf("kstream top - %s, %zu topic%s, interval %.2f s%s\n", when,
		       cur->n, cur->n == 1 ? "" : "s", dt,
		       tp->keys ? " (q to quit)" : "");
		top_print_header(stdout, tp->ansi);
	}
	for (i = 0; i < cur->n; i++) {
		const struct topic_stats *c = &cur->v[i];
		const struct topic_stats *p;

		/* A screen shows what fits, and says what does not. */
		if (!tp->ctl->json && rows && i + 1 == rows && i + 1 < cur->n) {
			printf("(%zu more topics)\n", cur->n - i);
			break;
		}

		p = stats_set_find(prev, c->info.name,
				   topic_has(&c->info, KSTREAM_A_TOPIC_ID) ?
				   (int64_t)c->info.id : -1);
		top_compute(p, c, dt, &row);
		if (tp->ctl->json)
			top_print_json(&j, &row);
		else
			top_print_row(stdout, &row);
	}
	if (tp->ctl->json) {
		json_arr_end(&j);
		json_obj_end(&j);
	}
	if (tp->ctl->json || !tp->ansi)
		putchar('\n');
	fflush(stdout);
}

static int top_run(struct top *tp)
{
	struct stats_set sets[2] = { { 0 } }, *prev = &sets[0], *cur = &sets[1];
	uint64_t t_prev, t_cur, shown = 0;
	struct kst_nl nl;
	int ret;

	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = stats_fetch(&nl, NULL, prev);
	t_prev = mono_ms();
	while (!ret && (!tp->count || shown < tp->count)) {
		struct stats_set *tmp;

		if (top_wait(tp, t_prev + tp->interval_ms))
			break;
		stats_set_free(cur);
		ret = stats_fetch(&nl, NULL, cur);
		t_cur = mono_ms();
		if (ret)
			break;
		top_print(tp, prev, cur, (double)(t_cur - t_prev) / 1000);
		if (ferror(stdout))
			break;
		shown++;
		tmp = prev;
		prev = cur;
		cur = tmp;
		t_prev = t_cur;
	}
	stats_set_free(&sets[0]);
	stats_set_free(&sets[1]);
	kst_nl_close(&nl);
	return ret;
}

static int top_args(struct top *tp, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool interval = !strcmp(o, "-i") || !strcmp(o, "--interval");
		bool count = !strcmp(o, "-n") || !strcmp(o, "--count");

		if (!interval && !count) {
			fprintf(stderr, "streamctl: top: unexpected argument \"%s\"\n", o);
			return EXIT_USAGE;
		}
		if (!v) {
			fprintf(stderr, "streamctl: top: %s needs a value\n", o);
			return EXIT_USAGE;
		}
		if (interval && (parse_duration_ms(v, TOP_INTERVAL_MAX_MS,
						   &tp->interval_ms) ||
				 tp->interval_ms < 10)) {
			fprintf(stderr, "streamctl: top: bad interval \"%s\" (seconds, 0.01 to 3600)\n",
				v);
			return EXIT_USAGE;
		}
		if (count && (parse_uint(v, UINT32_MAX, &tp->count) || !tp->count)) {
			fprintf(stderr, "streamctl: top: bad count \"%s\" (1 or more)\n", v);
			return EXIT_USAGE;
		}
		i++;
	}
	return EXIT_OK;
}

/* streamctl top [-i SECONDS] [-n COUNT] */
int cmd_top(struct ctl *ctl, int argc, char **argv)
{
	struct top tp = { .ctl = ctl, .interval_ms = 1000 };
	struct sigaction sa = { .sa_handler = top_on_signal };
	sigset_t block;
	int ret;

	ret = top_args(&tp, argc, argv);
	if (ret)
		return ret;
	tp.keys = isatty(STDIN_FILENO);
	tp.ansi = isatty(STDOUT_FILENO) && !ctl->json;

	/* Signals only interrupt the wait, where they are unblocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &tp.waitmask);
	sigdelset(&tp.waitmask, SIGINT);
	sigdelset(&tp.waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (tp.keys)
		top_raw_tty();
	if (tp.ansi)
		fputs("\033[?25l", stdout);		/* hide the cursor */
	ret = top_run(&tp);
	if (tp.ansi)
		fputs("\033[?25h", stdout);
	fflush(stdout);
	top_restore_tty();
	return ret;
}
