/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command tables of streamctl: matching a command word by unique prefix,
 * as iproute2 does ("streamctl t a" is "streamctl topic add"), dispatch,
 * and the help of each table and command.  No netlink here, so it can be
 * unit tested.
 *
 * A table lists the commands of one object; a command either runs a
 * function or has a table of its own (an object: "topic" has "add",
 * "del", ...).  Adding a command is one entry:
 *
 *	{ .name = "add", .fn = topic_add,
 *	  .args = "NAME [size SIZE] ...",
 *	  .help = "create a topic" },
 *
 * and its help ("streamctl -h", "streamctl topic help [add]") follows.
 *
 * Matching a word against a table:
 *
 *   - a word equal to a name is that command (so "top" is top even though
 *     it begins "topic", and "del" is del although "delete" begins so);
 *   - otherwise the commands whose names begin with the word, ignoring
 *     those whose .min (shortest prefix accepted, 0 for 1) is longer than
 *     the word; aliases of one command (entries with the same fn and sub)
 *     count once;
 *   - one candidate: that command; none: unknown; more: ambiguous, refused
 *     with the list of candidates;
 *   - "help" (or a prefix of it, when no command begins so) is every
 *     table's help command: "OBJECT help [COMMAND]";
 *   - a table with .exact takes full names only (its object accepts a free
 *     word, a topic name, where a command would be: "stats imu"); a word
 *     that is no command goes to .dflt with the arguments from that word.
 *
 * Errors print one line, "streamctl: [OBJECT: ]unknown command \"W\"
 * (...)" or "... ambiguous command \"W\": A, B", and return EXIT_USAGE (2).
 */
#ifndef KSTREAM_CMD_H
#define KSTREAM_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ctl;
struct cmd_table;

/* argv[0] is the first word after the command's name; argc may be 0. */
typedef int (*cmd_fn)(struct ctl *ctl, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn fn;			/* NULL when sub is set */
	const struct cmd_table *sub;	/* an object's commands */
	const char *args;		/* synopsis after the name, or NULL */
	const char *help;		/* description; NULL: an alias, not listed */
	unsigned int min;		/* shortest prefix accepted (0: 1) */
};

struct cmd_table {
	const char *name;		/* "topic"; NULL for the top level */
	const struct cmd *cmds;
	size_t n;
	cmd_fn dflt;			/* no command word, or (exact) no match */
	bool exact;			/* full names only */
	const char *notes;		/* after the commands in the help */
};

#define CMD_TABLE_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes scripts can rely on (streamctl --help, admin-guide.rst). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the kernel refused the request */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOMODULE = 3,	/* kstream module not loaded */
};

enum {
	CMD_FOUND = 0,
	CMD_HELP = 1,		/* the word asks for help */
	CMD_UNKNOWN = -1,
	CMD_AMBIGUOUS = -2,
};

/*
 * Match word against t as described above: CMD_FOUND with *out set,
 * CMD_HELP, CMD_UNKNOWN or CMD_AMBIGUOUS.  With err, a refusal is
 * explained there (one line).
 */
int cmd_find(const struct cmd_table *t, const char *word,
	     const struct cmd **out, FILE *err);

/*
 * Run the command that argv[0] names in t (argc may be 0: t->dflt, or a
 * usage error).  Help goes to stdout (EXIT_OK), errors to stderr
 * (EXIT_USAGE).
 */
int cmd_run(const struct cmd_table *t, struct ctl *ctl, int argc, char **argv);

/*
 * The help of t (every command, as "streamctl -h" lists them), or of one
 * of its commands (c, from t).  prefix is how the object is spelled
 * before the command names ("topic "), "" at the top level.
 */
void cmd_help(FILE *f, const struct cmd_table *t, const char *prefix);

/*
 * "OBJECT help [COMMAND...]": the usage of t (a header, every command,
 * t->notes) or of the command argv names, to f.  EXIT_OK, or EXIT_USAGE
 * (and a message on stderr) if argv names no command.
 */
int cmd_usage(FILE *f, const struct cmd_table *t, int argc, char **argv);
void cmd_help_one(FILE *f, const struct cmd *c, const char *prefix);

#endif /* KSTREAM_CMD_H */
