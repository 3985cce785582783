// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for streambridge's engine routes: their configuration
 * (engine_cfg.c through config.c), the origin key, the out window and the
 * status writers (engine.c).  The routes themselves run against real
 * brokers in the VM (tests/bridge/engines).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "config.h"
#include "bridge_conf.h"
#include "daemon.h"
#include "engine.h"
#include "json.h"

static const char conf[] =
	"[node]\nname = edge-7\nid = 7\nca = /etc/sb/ca.crt\n"
	"[route up]\nsource = imu\ndestination = mqtts://broker:8883/fleet/{node}/{source}/x\n"
	"qos = 2\ninflight = 64\ncert = /c.crt\nkey = /c.key\n"
	"[route down]\nsource = mqtt://[::1]:1884/fleet/+/cmd\ndestination = cmd\nqos = 0\n"
	"[route js]\nsource = imu\ndestination = nats://a:4222,b:4223,[::1]:4224/plant.imu\n"
	"stream = PLANT\ncreate = yes\nreplicas = 3\nstorage = memory\n"
	"[route jsin]\ndestination = plant\nsource = tls://a/plant.>\nstream = PLANT\n"
	"[route k]\nsource = gps\ndestination = kstream://10.0.0.2:7000/gps\ninsecure = yes\n";

static void test_config(void **state)
{
	struct bc_config *c = load_ok(conf);
	const struct be_route *e;

	(void)state;
	assert_int_equal(5, c->nroutes);
	e = &c->routes[0].engine;
	assert_int_equal(BE_MQTT, e->engine);
	assert_false(e->in);
	assert_true(e->tls);
	assert_string_equal("broker:8883", e->servers);
	assert_string_equal("fleet/edge-7/imu/x", e->path);	/* template expanded */
	assert_int_equal(2, e->qos);
	assert_int_equal(64, e->inflight);
	assert_string_equal("kstream-edge-7-up", e->client_id);
	assert_int_equal(86400, e->session_expiry);
	assert_string_equal("kstream/checkpoint/edge-7/up", e->checkpoint);
	assert_int_equal(1000, e->checkpoint_ms);
	assert_string_equal("imu", c->routes[0].source);
	assert_string_equal("/etc/sb/ca.crt", c->routes[0].tls.ca);	/* inherited */
	assert_string_equal("/c.crt", c->routes[0].tls.cert);

	e = &c->routes[1].engine;
	assert_int_equal(BE_MQTT, e->engine);
	assert_true(e->in);
	assert_false(e->tls);
	assert_string_equal("[::1]:1884", e->servers);
	assert_string_equal("fleet/+/cmd", e->path);
	assert_int_equal(0, e->qos);			/* given as 0 */
	assert_string_equal("cmd", c->routes[1].topic);
	assert_string_equal("", e->checkpoint);		/* in routes have none */

	e = &c->routes[2].engine;
	assert_int_equal(BE_NATS, e->engine);
	assert_string_equal("a:4222,b:4223,[::1]:4224", e->servers);
	assert_string_equal("plant.imu", e->path);
	assert_string_equal("PLANT", e->stream);
	assert_true(e->create);
	assert_int_equal(3, e->replicas);
	assert_true(e->memory);
	assert_int_equal(256, e->inflight);

	e = &c->routes[3].engine;
	assert_true(e->in);
	assert_true(e->tls);
	assert_string_equal("plant.>", e->path);
	assert_string_equal("jsin", e->durable);		/* the route's name */
	assert_int_equal(30000, e->ack_wait_ms);
	assert_int_equal(256, e->fetch);
	assert_string_equal("plant", c->routes[3].topic);

	assert_int_equal(BE_NONE, c->routes[4].engine.engine);
	assert_string_equal("10.0.0.2", c->routes[4].host);
	bc_free(c);
}

static void test_checkpoint_none(void **state)
{
	struct bc_config *c = load_ok("[node]\nname=n\n[route r]\nsource=a\n"
				      "destination=mqtt://h/t\ncheckpoint=none\n");

	(void)state;
	assert_string_equal("", c->routes[0].engine.checkpoint);
	assert_int_equal(1, c->routes[0].engine.qos);	/* default */
	bc_free(c);
}

#define N "[node]\nname=n\n[route r]\n"

static void test_errors(void **state)
{
	(void)state;
	expect_err(N "source=a\ndestination=mqtt://h/t/#\n",
		   "t.conf:3: [route r]: destination: 't/#' is not a valid MQTT topic");
	expect_err(N "source=mqtt://h/a#\ndestination=b\n",
		   "t.conf:3: [route r]: source: 'a#' is not a valid MQTT topic filter");
	expect_err(N "source=a\ndestination=mqtt://h/{nope}\n",
		   "t.conf:3: [route r]: destination: bad template (known: {node} {source} {route})");
	expect_err(N "source=a\ndestination=mqtt://h:1,g:2/t\n",
		   "t.conf:5: [route r] destination: 'h:1,g:2': expected HOST[:PORT]");
	expect_err(N "source=a\ndestination=mqtt://h/t\nqos=3\n",
		   "t.conf:6: [route r] qos: expected a number from 0 to 2");
	expect_err(N "source=a\ndestination=mqtt://h/t\nqos=1\nqos=1\n",
		   "t.conf:7: [route r] qos: given twice in this section");
	expect_err(N "source=a\ndestination=mqtt://h/t\nstream=S\n",
		   "t.conf:3: [route r]: stream: not a key of outgoing MQTT routes");
	expect_err(N "source=mqtt://h/t\ndestination=b\ncheckpoint=c\n",
		   "t.conf:3: [route r]: checkpoint: not a key of incoming MQTT routes");
	expect_err(N "source=a\ndestination=nats://h/s\n",
		   "t.conf:3: [route r]: stream: required for NATS JetStream routes");
	expect_err(N "source=a\ndestination=nats://h/s.*\nstream=S\n",
		   "t.conf:3: [route r]: destination: 's.*' is not a valid NATS subject");
	expect_err(N "source=a\ndestination=nats://h/s\nstream=S\ndurable=d\n",
		   "t.conf:3: [route r]: durable: not a key of outgoing NATS routes");
	expect_err(N "source=mqtt://h/t\n",
		   "t.conf:3: [route r]: destination: required (the local topic)");
	expect_err(N "destination=mqtt://h/t\n",
		   "t.conf:3: [route r]: source: required (the local topic)");
	expect_err(N "source=mqtt://h/t\ndestination=mqtt://h/u\n",
		   "t.conf:5: [route r] destination: a route has one engine URL (source or destination)");
	expect_err(N "source=a\ndestination=b\n",
		   "t.conf:3: [route r]: destination: expected kstream://HOST:PORT/TOPIC, or an "
		   "engine URL as source");
	expect_err(N "insecure=yes\nsource=a\ndestination=kstream://h:1/b\nqos=1\n",
		   "t.conf:3: [route r]: engine keys on a kstream route (source or destination "
		   "must be an mqtt://, mqtts://, nats:// or tls:// URL)");
	expect_err(N "source=a\ndestination=mqtts://h/t\n",
		   "t.conf:3: [route r] ca: required to verify the engine's servers");
	expect_err(N "source=a\ndestination=mqtt://h/t\ninflight=0\n",
		   "t.conf:6: [route r] inflight: expected a number from 1 to 65535");
}

/* A changed engine key restarts the route on reload; the same file keeps it. */
static void test_equal(void **state)
{
	struct bc_config *a = load_ok(conf), *b = load_ok(conf);
	struct bc_config *c = load_ok(N "source=a\ndestination=mqtt://h/t\nqos=2\n");
	struct bc_config *d = load_ok(N "source=a\ndestination=mqtt://h/t\nqos=1\n");

	(void)state;
	assert_true(bc_route_equal(&a->routes[0], &b->routes[0]));
	assert_true(bc_route_equal(&a->routes[3], &b->routes[3]));
	assert_false(bc_route_equal(&c->routes[0], &d->routes[0]));
	bc_free(a);
	bc_free(b);
	bc_free(c);
	bc_free(d);
}

static void test_origin(void **state)
{
	char buf[BE_ORIGIN_MAX], topic[BE_NAME_MAX];
	uint64_t node, seq;
	static const char *const bad[] = {
		"", "/", "1//2", "1/a/", "/a/2", "01/a/2", "1/a/02", "1/a b/2", "1/a/2x",
		"18446744073709551616/a/1", "1/a/-1", "1 /a/1", "1/a/b/2", "x/a/1",
	};
	size_t i;

	(void)state;
	assert_int_equal(8, be_origin_format(buf, sizeof(buf), 7, "imu", 42));
	assert_string_equal("7/imu/42", buf);
	assert_int_equal(0, be_origin_parse(buf, strlen(buf), &node, topic, sizeof(topic), &seq));
	assert_true(node == 7 && seq == 42);
	assert_string_equal("imu", topic);
	assert_int_equal(0, be_origin_parse("18446744073709551615/a.b/0", 26, &node, topic,
					    sizeof(topic), &seq));
	assert_true(node == UINT64_MAX && seq == 0);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(0, be_origin_parse("1/t/5XYZ", 5, &node, topic, sizeof(topic), &seq));
	assert_true(seq == 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!be_origin_parse(bad[i], strlen(bad[i]), &node, topic, sizeof(topic), &seq))
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(-ENAMETOOLONG, be_origin_format(buf, 5, 7, "imu", 42));
}

static struct eroute *fake_route(const struct bc_route *cfg)
{
	struct eroute *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->cfg = *cfg;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

static void test_window(void **state)
{
	struct bc_config *c = load_ok(conf);
	struct eroute *r = fake_route(&c->routes[0]);
	struct ewin w;

	(void)state;
	assert_int_equal(0, ewin_init(&w, 3));
	ewin_push(&w, 10, 100, 5);
	ewin_push(&w, 11, 101, 6);
	ewin_push(&w, 12, 102, 7);
	assert_true(ewin_full(&w));
	assert_int_equal(-ENOENT, ewin_ack(&w, 999, false));
	assert_int_equal(0, ewin_ack(&w, 101, false));	/* out of order */
	assert_false(ewin_advance(&w, r));		/* 10 still pending */
	assert_false(atomic_load(&r->st.have_acked));
	assert_int_equal(0, ewin_ack(&w, 10, true));	/* by sequence (NATS) */
	assert_true(ewin_advance(&w, r));
	assert_true(atomic_load(&r->st.acked_seq) == 11);
	assert_true(atomic_load(&r->st.messages) == 2);
	assert_true(atomic_load(&r->st.bytes) == 11);
	assert_true(atomic_load(&r->st.inflight) == 1);
	assert_true(ewin_first(&w) == 12);
	ewin_push(&w, 13, 103, 1);			/* wraps around */
	ewin_push(&w, 14, 104, 1);
	assert_true(ewin_full(&w));
	assert_int_equal(-ENOENT, ewin_ack(&w, 101, false));	/* already gone */
	assert_int_equal(0, ewin_ack(&w, 12, true));
	assert_int_equal(0, ewin_ack(&w, 104, false));
	assert_true(ewin_advance(&w, r));
	assert_true(atomic_load(&r->st.acked_seq) == 12);
	assert_true(ewin_first(&w) == 13);
	ewin_clear(&w);
	assert_false(ewin_full(&w));
	ewin_free(&w);
	pthread_mutex_destroy(&r->lock);
	free(r);
	bc_free(c);
}

struct status_fixture {
	struct daemon d;
	struct bc_config *cfg;
	struct eroute *r[2];
};

static void status_setup(struct status_fixture *x)
{
	memset(x, 0, sizeof(*x));
	x->cfg = load_ok(conf);
	x->d.cfg = x->cfg;
	x->r[0] = fake_route(&x->cfg->routes[0]);
	x->r[1] = fake_route(&x->cfg->routes[1]);
	x->r[0]->next = x->r[1];
	x->d.eroutes = x->r[0];
	atomic_store(&x->r[0]->state, ER_UP);
	snprintf(x->r[0]->state_msg, sizeof(x->r[0]->state_msg), "publishing");
	atomic_store(&x->r[0]->st.messages, 1000);
	atomic_store(&x->r[0]->st.inflight, 12);
	atomic_store(&x->r[0]->st.acked_seq, 999);
	atomic_store(&x->r[0]->st.have_acked, true);
	atomic_store(&x->r[0]->st.resume_from, ERS_CHECKPOINT);
	atomic_store(&x->r[0]->st.resumed_at, 500);
	atomic_store(&x->r[0]->st.tls_failures, 2);
	atomic_store(&x->r[1]->state, ER_DOWN);
	snprintf(x->r[1]->state_msg, sizeof(x->r[1]->state_msg), "refused \"x\"");
	atomic_store(&x->r[1]->st.duplicates, 5);
	atomic_store(&x->r[1]->st.gaps, 3);
}

static void status_teardown(struct status_fixture *x)
{
	int i;

	for (i = 0; i < 2; i++) {
		pthread_mutex_destroy(&x->r[i]->lock);
		free(x->r[i]);
	}
	bc_free(x->cfg);
}

static void test_status_text(void **state)
{
	struct status_fixture x;
	struct out o;

	(void)state;
	status_setup(&x);
	out_open(&o);
	engines_status_text(o.f, &x.d);
	assert_string_equal(
		"route up imu -> mqtts://broker:8883/fleet/edge-7/imu/x qos 2 state up (publishing)\n"
		"    messages 1000 bytes 0 acked 999 inflight 12 acks_pending 0 sent 0 resent 0 "
		"engine_duplicates 0 loss 0 resume checkpoint@500\n"
		"    connects 0 reconnects 0 connect_failures 0 tls_failures 2 checkpoints 0 broker_resets 0\n"
		"route down mqtt://[::1]:1884/fleet/+/cmd -> cmd qos 0 state down (refused \"x\")\n"
		"    messages 0 bytes 0 duplicates 5 gaps 3 unkeyed 0 redeliveries 0 too_big 0\n"
		"    connects 0 reconnects 0 connect_failures 0 tls_failures 0\n", out_str(&o));
	out_close(&o);
	status_teardown(&x);
}

static void test_status_json(void **state)
{
	struct status_fixture x;
	struct json j;
	struct out o;

	(void)state;
	status_setup(&x);
	out_open(&o);
	json_init(&j, o.f);
	engines_status_json(&j, &x.d);
	assert_int_equal(0, json_finish(&j));
	assert_non_null(strstr(out_str(&o), "{\"name\":\"up\",\"engine\":\"mqtt\",\"direction\":"
				"\"out\",\"servers\":\"broker:8883\",\"mqtt_topic\":"
				"\"fleet/edge-7/imu/x\",\"source\":\"imu\",\"tls\":true,\"qos\":2,"
				"\"state\":\"up\",\"state_msg\":\"publishing\",\"messages\":1000,"));
	assert_non_null(strstr(out_str(&o), "\"acked\":999,\"inflight\":12,"));
	assert_non_null(strstr(out_str(&o), "\"resume_from\":\"checkpoint\",\"resumed_at\":500,"));
	assert_non_null(strstr(out_str(&o), "\"state_msg\":\"refused \\\"x\\\"\""));
	assert_non_null(strstr(out_str(&o), "\"duplicates\":5,\"gaps\":3,"));
	out_close(&o);
	status_teardown(&x);
}

/* Every sample has its family's TYPE before it; counters end in _total. */
static void test_status_prom(void **state)
{
	struct status_fixture x;
	char *line, *save, *text, type[128] = "", fam[128] = "";
	int samples = 0;
	struct out o;

	(void)state;
	status_setup(&x);
	out_open(&o);
	engines_status_prom(o.f, &x.d);
	text = strdup(out_str(&o));
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "# TYPE %127s %127s", fam, type) == 2) {
			if (!strcmp(type, "counter"))
				assert_non_null(strstr(fam, "_total"));
			continue;
		}
		if (line[0] == '#')
			continue;
		assert_int_equal(0, strncmp(line, fam, strlen(fam)));
		assert_int_equal('{', line[strlen(fam)]);
		samples++;
	}
	assert_int_equal(20 * 2, samples);	/* 19 counters and gauges, up; two routes */
	assert_non_null(strstr(out_str(&o), "streambridge_engine_route_inflight{route=\"up\","
				"engine=\"mqtt\",direction=\"out\"} 12\n"));
	assert_non_null(strstr(out_str(&o), "streambridge_engine_route_gaps_total{route=\"down\","
				"engine=\"mqtt\",direction=\"in\"} 3\n"));
	assert_non_null(strstr(out_str(&o), "streambridge_engine_route_up{route=\"down\","
				"engine=\"mqtt\",direction=\"in\"} 0\n"));
	free(text);
	out_close(&o);
	status_teardown(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_checkpoint_none),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_status_prom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
