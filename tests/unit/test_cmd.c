// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/common/cmd.c (prefix matching, dispatch,
 * help), on a table shaped like streamctl's, and for streamctl's own
 * tables through the built binary (build/bin/streamctl: help and usage
 * errors need no kernel).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

#include "cmd.h"

/* Which function ran, and with which arguments. */
static const char *ran;
static int ran_argc;
static char **ran_argv;

#define FN(name)							\
	static int name(struct ctl *ctl, int argc, char **argv)		\
	{								\
		(void)ctl;						\
		ran = #name;						\
		ran_argc = argc;					\
		ran_argv = argv;					\
		return 42;						\
	}

FN(t_add)
FN(t_del)
FN(t_show)
FN(t_list)
FN(f_load)
FN(f_list)
FN(s_show)
FN(s_reset)
FN(status)
FN(top)
FN(monitor)

static const struct cmd topic_cmds[] = {
	{ .name = "add", .fn = t_add, .args = "NAME", .help = "create" },
	{ .name = "del", .fn = t_del, .args = "NAME", .help = "delete" },
	{ .name = "delete", .fn = t_del },
	{ .name = "show", .fn = t_show, .help = "show" },
	{ .name = "list", .fn = t_list, .help = "list" },
};
static const struct cmd_table topic_t = {
	.name = "topic", .cmds = topic_cmds, .n = CMD_TABLE_SIZE(topic_cmds),
	.dflt = t_show,
};

static const struct cmd filter_cmds[] = {
	{ .name = "load", .fn = f_load, .help = "load" },
	{ .name = "list", .fn = f_list, .help = "list" },
};
static const struct cmd_table filter_t = {
	.name = "filter", .cmds = filter_cmds, .n = CMD_TABLE_SIZE(filter_cmds),
};

static const struct cmd stats_cmds[] = {
	{ .name = "show", .fn = s_show, .help = "show" },
	{ .name = "reset", .fn = s_reset, .help = "reset" },
};
static const struct cmd_table stats_t = {
	.name = "stats", .cmds = stats_cmds, .n = CMD_TABLE_SIZE(stats_cmds),
	.dflt = s_show, .exact = true,
};

static const struct cmd top_cmds[] = {
	{ .name = "status", .fn = status, .help = "status" },
	{ .name = "topic", .sub = &topic_t, .help = "" },
	{ .name = "filter", .sub = &filter_t, .help = "" },
	{ .name = "stats", .sub = &stats_t, .help = "" },
	{ .name = "top", .fn = top, .min = 3, .args = "[-n COUNT]",
	  .help = "live rates" },
	{ .name = "monitor", .fn = monitor, .help = "events" },
};
static const struct cmd_table top_t = {
	.cmds = top_cmds, .n = CMD_TABLE_SIZE(top_cmds),
};

/* ------------------------------------------------------- capture */

/* cmd_find(t, word) must find the command named want. */
static void assert_finds(const struct cmd_table *t, const char *word,
			 const char *want)
{
	const struct cmd *c = NULL;
	struct out o;

	out_open(&o);
	if (cmd_find(t, word, &c, o.f) != CMD_FOUND)
		fail_msg("\"%s\" not found: %s", word, out_str(&o));
	assert_string_equal(want, c->name);
	assert_string_equal("", out_str(&o) ? out_str(&o) : "");
	out_close(&o);
}

/* cmd_find(t, word) must fail with ret, explaining it as msg. */
static void assert_refuses(const struct cmd_table *t, const char *word,
			   int ret, const char *msg)
{
	const struct cmd *c = NULL;
	struct out o;

	out_open(&o);
	assert_int_equal(ret, cmd_find(t, word, &c, o.f));
	assert_string_equal(msg, out_str(&o));
	out_close(&o);
}

/* --------------------------------------------------------- matcher */

static void exact_names_win(void **state)
{
	(void)state;
	/* "top" is a prefix of "topic" and a command of its own */
	assert_finds(&top_t, "top", "top");
	assert_finds(&top_t, "topic", "topic");
	/* "del" is a prefix of its alias "delete" */
	assert_finds(&topic_t, "del", "del");
	assert_finds(&topic_t, "delete", "delete");
}

static void unique_prefixes(void **state)
{
	(void)state;
	assert_finds(&topic_t, "a", "add");
	assert_finds(&topic_t, "ad", "add");
	assert_finds(&topic_t, "s", "show");
	assert_finds(&topic_t, "l", "list");
	assert_finds(&top_t, "m", "monitor");
	assert_finds(&top_t, "f", "filter");
	assert_finds(&top_t, "statu", "status");
	/* aliases of one command are one candidate */
	assert_finds(&topic_t, "d", "del");
	assert_finds(&topic_t, "dele", "delete");
	/* top asks for three letters: t and to are topic */
	assert_finds(&top_t, "t", "topic");
	assert_finds(&top_t, "to", "topic");
	assert_finds(&top_t, "topi", "topic");
}

static void ambiguous_prefixes_list_candidates(void **state)
{
	(void)state;
	assert_refuses(&top_t, "s", CMD_AMBIGUOUS,
		       "streamctl: ambiguous command \"s\": status, stats\n");
	assert_refuses(&top_t, "stat", CMD_AMBIGUOUS,
		       "streamctl: ambiguous command \"stat\": status, stats\n");
	assert_refuses(&filter_t, "l", CMD_AMBIGUOUS,
		       "streamctl: filter: ambiguous command \"l\": load, list\n");
	assert_finds(&filter_t, "lo", "load");
	assert_finds(&filter_t, "li", "list");
}

static void unknown_words(void **state)
{
	(void)state;
	assert_refuses(&topic_t, "x", CMD_UNKNOWN,
		       "streamctl: topic: unknown command \"x\"; commands: add, del, show, list, help\n");
	assert_refuses(&top_t, "tops", CMD_UNKNOWN,
		       "streamctl: unknown command \"tops\"; commands: status, topic, filter, stats, top, monitor, help\n");
	/* longer than a name is no prefix of it */
	assert_refuses(&topic_t, "adds", CMD_UNKNOWN,
		       "streamctl: topic: unknown command \"adds\"; commands: add, del, show, list, help\n");
	assert_refuses(&topic_t, "", CMD_UNKNOWN,
		       "streamctl: topic: unknown command \"\"; commands: add, del, show, list, help\n");
}

static void help_is_everywhere(void **state)
{
	const struct cmd *c;

	(void)state;
	assert_int_equal(CMD_HELP, cmd_find(&topic_t, "help", &c, NULL));
	assert_int_equal(CMD_HELP, cmd_find(&topic_t, "h", &c, NULL));
	assert_int_equal(CMD_HELP, cmd_find(&top_t, "he", &c, NULL));
	/* exact tables: "help" only */
	assert_int_equal(CMD_HELP, cmd_find(&stats_t, "help", &c, NULL));
	assert_int_equal(CMD_UNKNOWN, cmd_find(&stats_t, "h", &c, NULL));
}

static void exact_tables_take_full_names(void **state)
{
	const struct cmd *c;

	(void)state;
	assert_finds(&stats_t, "reset", "reset");
	assert_int_equal(CMD_UNKNOWN, cmd_find(&stats_t, "r", &c, NULL));
	assert_int_equal(CMD_UNKNOWN, cmd_find(&stats_t, "sh", &c, NULL));
}

/* -------------------------------------------------------- dispatch */

static int run(const struct cmd_table *t, const char *line)
{
	static char buf[256];
	static char *argv[16];
	int argc = 0;
	char *p;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok(buf, " "); p && argc < 15; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	ran = NULL;
	ran_argc = -1;
	return cmd_run(t, NULL, argc, argv);
}

static void dispatch(void **state)
{
	(void)state;
	assert_int_equal(42, run(&top_t, "t a big size 4M"));
	assert_string_equal("t_add", ran);
	assert_int_equal(3, ran_argc);
	assert_string_equal("big", ran_argv[0]);
	assert_string_equal("4M", ran_argv[2]);

	assert_int_equal(42, run(&top_t, "topic"));
	assert_string_equal("t_show", ran);
	assert_int_equal(0, ran_argc);

	assert_int_equal(42, run(&top_t, "top -n 1"));
	assert_string_equal("top", ran);
	assert_int_equal(2, ran_argc);

	/* exact table: a word that is no command goes to the default */
	assert_int_equal(42, run(&top_t, "stats imu"));
	assert_string_equal("s_show", ran);
	assert_int_equal(1, ran_argc);
	assert_string_equal("imu", ran_argv[0]);
	assert_int_equal(42, run(&top_t, "stats r"));
	assert_string_equal("s_show", ran);
	assert_int_equal(42, run(&top_t, "stats reset imu"));
	assert_string_equal("s_reset", ran);
}

static void dispatch_refusals_run_nothing(void **state)
{
	(void)state;
	assert_int_equal(EXIT_USAGE, run(&top_t, "s"));
	assert_null(ran);
	assert_int_equal(EXIT_USAGE, run(&top_t, "filter l"));
	assert_null(ran);
	assert_int_equal(EXIT_USAGE, run(&top_t, "filter"));
	assert_null(ran);
	assert_int_equal(EXIT_USAGE, run(&top_t, "bogus"));
	assert_null(ran);
}

/* ------------------------------------------------------------ help */

static void help_of_one_command(void **state)
{
	char *argv[] = { "a", NULL };
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(EXIT_OK, cmd_usage(o.f, &topic_t, 1, argv));
	assert_string_equal("Usage:\n"
			    "  topic add NAME         create\n", out_str(&o));
	out_close(&o);
}

static void help_of_a_table(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(EXIT_OK, cmd_usage(o.f, &topic_t, 0, NULL));
	assert_string_equal("Usage: streamctl [-j] topic COMMAND [ARGS]\n"
			    "       streamctl topic help [COMMAND]\n\n"
			    "Commands (a unique prefix is enough):\n"
			    "  topic add NAME         create\n"
			    "  topic del NAME         delete\n"
			    "  topic show             show\n"
			    "  topic list             list\n", out_str(&o));
	out_close(&o);

	/* the top level lists the objects' commands */
	out_open(&o);
	assert_int_equal(EXIT_OK, cmd_usage(o.f, &top_t, 0, NULL));
	assert_non_null(strstr(out_str(&o), "\n  topic del NAME         delete\n"));
	assert_non_null(strstr(out_str(&o), "\n  stats reset            reset\n"));
	assert_non_null(strstr(out_str(&o), "\n  top [-n COUNT]         live rates\n"));
	assert_null(strstr(out_str(&o), "delete "));	/* aliases are not listed */
	out_close(&o);
}

static void help_of_an_unknown_command(void **state)
{
	char *argv[] = { "nope", NULL };
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(EXIT_USAGE, cmd_usage(o.f, &topic_t, 1, argv));
	assert_string_equal("", out_str(&o) ? out_str(&o) : "");
	out_close(&o);
}

/* ------------------------------------------- the streamctl binary */

/* build/tests/unit/test_cmd -> build/bin/streamctl */
static const char *streamctl(void)
{
	static char path[PATH_MAX];
	ssize_t n;
	char *p;

	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	assert_true(n > 0);
	path[n] = '\0';
	p = strstr(path, "/tests/unit/");
	assert_non_null(p);
	strcpy(p, "/bin/streamctl");
	if (access(path, X_OK))
		fail_msg("%s missing: make userspace tests", path);
	return path;
}

/* Run streamctl ARGS; stdout and stderr into out; the exit status. */
static int sc(char *out, size_t len, const char *args)
{
	char cmd[PATH_MAX + 256];
	size_t got;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 </dev/null", streamctl(), args);
	f = popen(cmd, "r");
	assert_non_null(f);
	got = fread(out, 1, len - 1, f);
	out[got] = '\0';
	st = pclose(f);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void streamctl_prefixes_and_help(void **state)
{
	static char out[65536];

	(void)state;
	/* topic add by prefix: its usage */
	assert_int_equal(0, sc(out, sizeof(out), "t help a"));
	assert_non_null(strstr(out, "  topic add NAME [size SIZE]"));
	assert_null(strstr(out, "topic del"));
	assert_int_equal(0, sc(out, sizeof(out), "topic help"));
	assert_non_null(strstr(out, "Usage: streamctl [-j] topic COMMAND [ARGS]\n"));
	assert_non_null(strstr(out, "  topic list "));
	assert_null(strstr(out, "acl add"));
	assert_int_equal(0, sc(out, sizeof(out), "acl help"));
	assert_non_null(strstr(out, "  acl add NAME user|group WHO RIGHTS..."));
	assert_int_equal(0, sc(out, sizeof(out), "f h"));
	assert_non_null(strstr(out, "  filter attach TOPIC NAME"));
	assert_int_equal(0, sc(out, sizeof(out), "stats help"));
	assert_non_null(strstr(out, "  stats reset TOPIC"));
	assert_int_equal(0, sc(out, sizeof(out), "top help"));
	assert_string_equal(out, "Usage:\n  top [-i SECONDS] [-n COUNT]\n"
			    "                         live per-topic rates, lag and p99 latency,\n"
			    "                         every SECONDS (default 1); q quits; -n stops\n"
			    "                         after COUNT refreshes\n");
	assert_int_equal(0, sc(out, sizeof(out), "help"));
	assert_non_null(strstr(out, "Objects and commands (a unique prefix is enough):\n"));
	assert_non_null(strstr(out, "Exit status: "));
	assert_int_equal(0, sc(out, sizeof(out), "-h"));
	assert_non_null(strstr(out, "  probe TOPIC [-c COUNT]"));

	/* refusals: exit 2, one line naming the candidates */
	assert_int_equal(2, sc(out, sizeof(out), "st"));
	assert_string_equal("streamctl: ambiguous command \"st\": status, stats\n", out);
	assert_int_equal(2, sc(out, sizeof(out), "filter l"));
	assert_string_equal("streamctl: filter: ambiguous command \"l\": load, list\n", out);
	assert_int_equal(2, sc(out, sizeof(out), "topic frob x"));
	assert_string_equal("streamctl: topic: unknown command \"frob\"; commands: add, set, del, show, list, deadletter, help\n",
			    out);
	/* topic set: "s" stays show, "se" is set; what cannot change is
	 * refused before anything is sent */
	assert_int_equal(0, sc(out, sizeof(out), "topic help s"));
	assert_non_null(strstr(out, "  topic show [NAME"));
	assert_null(strstr(out, "topic set"));
	assert_int_equal(0, sc(out, sizeof(out), "topic help se"));
	assert_non_null(strstr(out, "  topic set NAME [mode MODE]"));
	assert_int_equal(2, sc(out, sizeof(out), "topic set x size 1M"));
	assert_non_null(strstr(out, "streamctl: topic set x: size cannot change on a live topic"));
	assert_int_equal(2, sc(out, sizeof(out), "topic set x"));
	assert_string_equal("streamctl: topic set x: nothing to set (mode, owner, group, policy or msgmax)\n",
			    out);
	assert_int_equal(2, sc(out, sizeof(out), "topic set x producers 9"));
	/* config: its own object, set checks its arguments first */
	assert_int_equal(0, sc(out, sizeof(out), "c h"));
	assert_non_null(strstr(out, "  config set creator-group GROUP|none"));
	assert_int_equal(2, sc(out, sizeof(out), "config set creator-group"));
	assert_int_equal(2, sc(out, sizeof(out), "config set creator-group no-such-group-here"));
	assert_non_null(strstr(out, "invalid group \"no-such-group-here\""));
	assert_int_equal(2, sc(out, sizeof(out), "acl"));
	assert_string_equal("streamctl: acl: missing command; commands: add, del, show, help\n", out);
	assert_int_equal(2, sc(out, sizeof(out), ""));
	assert_non_null(strstr(out, "Usage: streamctl"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_names_win),
		cmocka_unit_test(unique_prefixes),
		cmocka_unit_test(ambiguous_prefixes_list_candidates),
		cmocka_unit_test(unknown_words),
		cmocka_unit_test(help_is_everywhere),
		cmocka_unit_test(exact_tables_take_full_names),
		cmocka_unit_test(dispatch),
		cmocka_unit_test(dispatch_refusals_run_nothing),
		cmocka_unit_test(help_of_one_command),
		cmocka_unit_test(help_of_a_table),
		cmocka_unit_test(help_of_an_unknown_command),
		cmocka_unit_test(streamctl_prefixes_and_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
