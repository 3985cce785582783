// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/bridge/status.c: text, JSON and Prometheus output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "daemon.h"
#include "../promtool.h"

static const char conf[] =
	"[node]\nname = edge-7\nid = 7\ninsecure = yes\n"
	"[route imu]\nsource = imu\ndestination = kstream://10.0.0.2:7000/imu.edge-7\n"
	"[route gps]\nsource = gps\ndestination = kstream://10.0.0.2:7000/gps\n"
	"[listener main]\nlisten = *:7000\ngrant = * imu\n";

struct fixture {
	struct daemon d;
	struct bc_config *cfg;
	struct route r[2];
	struct listener l;
};

static struct fixture *fixture(void)
{
	struct fixture *x = calloc(1, sizeof(*x));
	char err[BC_ERR_MAX];
	int i;

	assert_non_null(x);
	assert_int_equal(0, bc_load_string(conf, "t.conf", &x->cfg, err, sizeof(err)));
	x->d.cfg = x->cfg;
	for (i = 0; i < 2; i++) {
		x->r[i].d = &x->d;
		x->r[i].cfg = x->cfg->routes[i];
		x->r[i].next = i ? NULL : &x->r[1];
	}
	x->d.routes = &x->r[0];
	x->r[0].state = R_STREAMING;
	x->r[0].st.messages = 1000;
	x->r[0].st.bytes = 64000;
	x->r[0].st.raw_bytes = 96000;
	x->r[0].st.wire_bytes = 32000;
	x->r[0].st.loss = 3;
	x->r[0].have_acked = true;
	x->r[0].acked = 999;
	x->r[1].state = R_IDLE;
	x->r[1].src_state = SRC_GONE;
	x->r[1].st.source_deleted = 1;
	snprintf(x->r[1].state_msg, sizeof(x->r[1].state_msg), "connect 10.0.0.2:7000: refused");
	x->l.d = &x->d;
	x->l.cfg = x->cfg->listeners[0];
	x->l.st.tls_failures = 2;
	x->l.st.denied = 1;
	x->l.st.duplicates = 5;
	x->d.listeners = &x->l;
	return x;
}

static char *render(struct fixture *x, enum status_format fmt)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	status_write(f, &x->d, fmt);
	fclose(f);
	return out;
}

static void test_prometheus(void **state)
{
	struct fixture *x = fixture();
	char *out = render(x, STATUS_PROM), err[1024] = "";

	(void)state;
	if (promtool_check(out, err, sizeof(err)))
		fail_msg("promtool check metrics refused it: %s\n%s", err, out);
	assert_non_null(strstr(out, "streambridge_route_messages_total{route=\"imu\",topic=\"imu\"} 1000\n"));
	assert_non_null(strstr(out, "streambridge_route_lost_messages_total{route=\"imu\",topic=\"imu\"} 3\n"));
	assert_non_null(strstr(out, "streambridge_route_up{route=\"imu\",topic=\"imu\"} 1\n"));
	assert_non_null(strstr(out, "streambridge_route_up{route=\"gps\",topic=\"gps\"} 0\n"));
	assert_non_null(strstr(out, "streambridge_listener_tls_failures_total{listener=\"main\"} 2\n"));
	assert_non_null(strstr(out, "streambridge_listener_duplicates_total{listener=\"main\"} 5\n"));
	assert_non_null(strstr(out, "streambridge_route_source_up{route=\"imu\",topic=\"imu\"} 1\n"));
	assert_non_null(strstr(out, "streambridge_route_source_up{route=\"gps\",topic=\"gps\"} 0\n"));
	assert_non_null(strstr(out,
			       "streambridge_route_source_deleted_total{route=\"gps\",topic=\"gps\"} 1\n"));
	free(out);
	bc_free(x->cfg);
	free(x);
}

static void test_text(void **state)
{
	struct fixture *x = fixture();
	char *out = render(x, STATUS_TEXT);

	(void)state;
	assert_non_null(strstr(out, "node edge-7 id 7 "));
	assert_non_null(strstr(out, "route imu imu -> 10.0.0.2:7000/imu.edge-7 state streaming\n"));
	assert_non_null(strstr(out, "messages 1000 bytes 64000 batches 0 ratio 3.00 lag 0 acked 999\n"));
	assert_non_null(strstr(out, "route gps gps -> 10.0.0.2:7000/gps state idle "
				    "(connect 10.0.0.2:7000: refused) source deleted\n"));
	assert_non_null(strstr(out, " source_deleted 1 source_denied 0\n"));
	assert_non_null(strstr(out, "listener main *:7000 peers 0 accepted 0 tls_failures 2"));
	free(out);
	bc_free(x->cfg);
	free(x);
}

static void test_json(void **state)
{
	struct fixture *x = fixture();
	char *out = render(x, STATUS_JSON);

	(void)state;
	assert_true(out[0] == '{' && out[strlen(out) - 2] == '}' && out[strlen(out) - 1] == '\n');
	assert_non_null(strstr(out, "\"name\":\"imu\""));
	assert_non_null(strstr(out, "\"acked\":999"));
	assert_non_null(strstr(out, "\"acked\":null"));	/* gps: nothing acknowledged */
	assert_non_null(strstr(out, "\"state\":\"idle\""));
	assert_non_null(strstr(out, "\"source_state\":\"open\""));
	assert_non_null(strstr(out, "\"source_state\":\"deleted\",\"source_deleted\":1"));
	assert_non_null(strstr(out, "\"denied\":1"));
	assert_null(strstr(out, "\"spool\""));		/* no spool configured */
	free(out);
	bc_free(x->cfg);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
