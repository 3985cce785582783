/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of streambridge's configuration: load a file from a string,
 * expecting it to load, or to fail with exactly one message.  Include
 * after <cmocka.h> and "config.h".
 */
#ifndef KSTREAM_TESTS_BRIDGE_CONF_H
#define KSTREAM_TESTS_BRIDGE_CONF_H

static inline struct bc_config *load_ok(const char *text)
{
	struct bc_config *c = NULL;
	char err[BC_ERR_MAX] = "";

	if (bc_load_string(text, "t.conf", &c, err, sizeof(err)))
		fail_msg("unexpected error: %s", err);
	return c;
}

static inline void expect_err(const char *text, const char *msg)
{
	struct bc_config *c = NULL;
	char err[BC_ERR_MAX] = "";

	assert_int_equal(-1, bc_load_string(text, "t.conf", &c, err, sizeof(err)));
	assert_null(c);
	assert_string_equal(msg, err);
}

#endif /* KSTREAM_TESTS_BRIDGE_CONF_H */
