// SPDX-License-Identifier: GPL-2.0
/*
 * Command tables: prefix matching, dispatch and help; see cmd.h.
 */
#include <string.h>

#include "cmd.h"

#define CMD_MAX_CANDIDATES 16
#define HELP_COLUMN 25

static bool cmd_same(const struct cmd *a, const struct cmd *b)
{
	return a->fn == b->fn && a->sub == b->sub;
}

/* "topic: ", or "" at the top level. */
static void cmd_where(FILE *f, const struct cmd_table *t)
{
	fprintf(f, "streamctl: ");
	if (t->name)
		fprintf(f, "%s: ", t->name);
}

/* The listed commands of t, then help: "add, del, show, list, help". */
static void cmd_list(FILE *f, const struct cmd_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->cmds[i].help)
			fprintf(f, "%s, ", t->cmds[i].name);
	fputs("help", f);
}

int cmd_find(const struct cmd_table *t, const char *word,
	     const struct cmd **out, FILE *err)
{
	const struct cmd *cand[CMD_MAX_CANDIDATES];
	size_t i, k, nc = 0, len = strlen(word);
	bool help;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(word, t->cmds[i].name)) {
			*out = &t->cmds[i];
			return CMD_FOUND;
		}
	}
	if (!strcmp(word, "help"))
		return CMD_HELP;
	help = !t->exact && len && !strncmp("help", word, len);
	for (i = 0; !t->exact && len && i < t->n; i++) {
		const struct cmd *c = &t->cmds[i];

		if (strncmp(c->name, word, len) || len < (c->min ? c->min : 1))
			continue;
		for (k = 0; k < nc && !cmd_same(cand[k], c); k++)
			;
		if (k < nc) {
			/* an alias of a candidate: list the listed name */
			if (!cand[k]->help)
				cand[k] = c;
			continue;
		}
		if (nc < CMD_MAX_CANDIDATES)
			cand[nc++] = c;
	}
	if (nc == 1 && !help) {
		*out = cand[0];
		return CMD_FOUND;
	}
	if (nc == 0 && help)
		return CMD_HELP;
	if (nc == 0) {
		if (err) {
			cmd_where(err, t);
			fprintf(err, "unknown command \"%s\"; commands: ", word);
			cmd_list(err, t);
			fputc('\n', err);
		}
		return CMD_UNKNOWN;
	}
	if (err) {
		cmd_where(err, t);
		fprintf(err, "ambiguous command \"%s\":", word);
		for (k = 0; k < nc; k++)
			fprintf(err, "%s %s", k ? "," : "", cand[k]->name);
		fprintf(err, "%s\n", help ? ", help" : "");
	}
	return CMD_AMBIGUOUS;
}

/* Write s with every line after the first indented by indent spaces. */
static void cmd_lines(FILE *f, const char *s, int indent)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1])
			fprintf(f, "%*s", indent, "");
	}
}

void cmd_help_one(FILE *f, const struct cmd *c, const char *prefix)
{
	const char *nl;
	int col;

	if (c->sub) {
		char sub[64];

		snprintf(sub, sizeof(sub), "%s%s ", prefix, c->name);
		cmd_help(f, c->sub, sub);
		return;
	}
	col = fprintf(f, "  %s%s", prefix, c->name);
	if (c->args) {
		col += fprintf(f, " ");
		cmd_lines(f, c->args, 12);
		nl = strrchr(c->args, '\n');
		col = nl ? 12 + (int)strlen(nl + 1) : col + (int)strlen(c->args);
	}
	if (!c->help)
		return;
	if (col < HELP_COLUMN - 1)
		fprintf(f, "%*s", HELP_COLUMN - col, "");
	else
		fprintf(f, "\n%*s", HELP_COLUMN, "");
	cmd_lines(f, c->help, HELP_COLUMN);
	fputc('\n', f);
}

void cmd_help(FILE *f, const struct cmd_table *t, const char *prefix)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->cmds[i].help)
			cmd_help_one(f, &t->cmds[i], prefix);
}

int cmd_usage(FILE *f, const struct cmd_table *t, int argc, char **argv)
{
	const struct cmd *c;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s%s", t->name ? t->name : "",
		 t->name ? " " : "");
	while (argc > 0) {
		int r = cmd_find(t, argv[0], &c, stderr);

		if (r == CMD_HELP)
			break;
		if (r < 0)
			return EXIT_USAGE;
		if (!c->sub || argc == 1) {
			fputs("Usage:\n", f);
			cmd_help_one(f, c, prefix);
			return EXIT_OK;
		}
		t = c->sub;
		snprintf(prefix, sizeof(prefix), "%s ", t->name);
		argc--;
		argv++;
	}
	if (t->name)
		fprintf(f, "Usage: streamctl [-j] %s COMMAND [ARGS]\n"
		       "       streamctl %s help [COMMAND]\n\n"
		       "Commands (%s):\n",
		       t->name, t->name,
		       t->exact ? "full names only" : "a unique prefix is enough");
	else
		fprintf(f, "Usage: streamctl [-j] OBJECT COMMAND [ARGS]\n"
		       "       streamctl -V | -h | help [OBJECT [COMMAND]]\n\n"
		       "Objects and commands (a unique prefix is enough):\n");
	cmd_help(f, t, prefix);
	if (t->notes) {
		fputc('\n', f);
		fputs(t->notes, f);
	}
	return EXIT_OK;
}

int cmd_run(const struct cmd_table *t, struct ctl *ctl, int argc, char **argv)
{
	bool to_dflt = t->exact && t->dflt;
	const struct cmd *c;
	int r;

	if (argc < 1) {
		if (t->dflt)
			return t->dflt(ctl, 0, argv);
		cmd_where(stderr, t);
		fputs("missing command; commands: ", stderr);
		cmd_list(stderr, t);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	r = cmd_find(t, argv[0], &c, to_dflt ? NULL : stderr);
	if (r == CMD_HELP)
		return cmd_usage(stdout, t, argc - 1, argv + 1);
	if (r < 0)
		return to_dflt ? t->dflt(ctl, argc, argv) : EXIT_USAGE;
	if (c->sub)
		return cmd_run(c->sub, ctl, argc - 1, argv + 1);
	/* "streamctl top help": a top-level command's own help */
	if (!t->name && argc == 2 && !strcmp(argv[1], "help")) {
		fputs("Usage:\n", stdout);
		cmd_help_one(stdout, c, "");
		return EXIT_OK;
	}
	return c->fn(ctl, argc - 1, argv + 1);
}
