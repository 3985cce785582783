// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's loop (daemon.h): epoll over routes, listeners, peers, the
 * control socket and a signalfd; timers by epoll_wait's timeout.
 *
 * Signals: SIGHUP reloads the configuration (unchanged routes and
 * listeners keep running, changed ones restart, removed ones stop; a
 * file with an error changes nothing); SIGTERM/SIGINT stop consuming,
 * flush the batches, wait up to dead_ms for the acknowledgements, send
 * CLOSE and exit 0.
 *
 * Privileges: after the listeners are bound and the control socket is
 * made, the process switches to [node] user (if set) and drops every
 * capability (libcap), with no_new_privs.
 *
 * Uses: route.c, listener.c, status.c, config.c, libcap.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>

#include "daemon.h"
#include "events.h"
#include "engine.h"

void blog(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "streambridge: %s\n", buf);
}

void ev_set(struct daemon *d, struct ev *e, int fd, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.ptr = e };

	if (e->fd == fd && e->events == events)
		return;
	if (e->fd >= 0 && e->fd != fd)
		ev_del(d, e);
	if (e->fd < 0) {
		if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ee))
			blog("epoll add fd %d: %s", fd, strerror(errno));
	} else if (epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ee)) {
		blog("epoll mod fd %d: %s", fd, strerror(errno));
	}
	e->fd = fd;
	e->events = events;
}

void ev_del(struct daemon *d, struct ev *e)
{
	if (e->fd < 0)
		return;
	epoll_ctl(d->ep, EPOLL_CTL_DEL, e->fd, NULL);
	e->fd = -1;
	e->events = 0;
}

static void make_hello(struct daemon *d)
{
	memset(&d->hello, 0, sizeof(d->hello));
	d->hello.version_min = BF_VERSION;
	d->hello.version_max = BF_VERSION;
	d->hello.features = BF_FEAT_ALL;
	d->hello.node_id = d->cfg->node.id;
	d->hello.max_frame = d->cfg->node.max_frame;
	d->hello.keepalive_ms = d->cfg->node.keepalive_ms;
	strcpy(d->hello.name, d->cfg->node.name);
}

static void log_insecure(const struct bc_config *c)
{
	int i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].tls.insecure)
			blog("route %s: INSECURE: plaintext, no authentication of %s:%s",
			     c->routes[i].name, c->routes[i].host, c->routes[i].port);
	for (i = 0; i < c->nlisteners; i++)
		if (c->listeners[i].tls.insecure)
			blog("listener %s: INSECURE: plaintext, peers are not authenticated; "
			     "only '*' grants apply", c->listeners[i].name);
}

static struct route **find_route(struct daemon *d, const char *name)
{
	struct route **rp;

	for (rp = &d->routes; *rp; rp = &(*rp)->next)
		if (!strcmp((*rp)->cfg.name, name))
			return rp;
	return NULL;
}

static struct listener **find_listener(struct daemon *d, const char *name)
{
	struct listener **lp;

	for (lp = &d->listeners; *lp; lp = &(*lp)->next)
		if (!strcmp((*lp)->cfg.name, name))
			return lp;
	return NULL;
}

/* Start what @c has and is not running (or runs differently); stop what it lacks. */
static int apply(struct daemon *d, struct bc_config *c, bool initial)
{
	char err[512];
	const char *why;
	int i, fails = 0;
	struct route **rp, *r;
	struct listener **lp, *l;

	/* Stop removed or changed. */
	for (rp = &d->routes; *rp;) {
		r = *rp;
		why = bc_route_change(c, &r->cfg);
		if (!why) {
			rp = &r->next;
			continue;
		}
		blog("route %s: %s", r->cfg.name, why);
		*rp = r->next;
		route_stop(r, true);
	}
	for (lp = &d->listeners; *lp;) {
		l = *lp;
		for (i = 0; i < c->nlisteners; i++)
			if (!strcmp(c->listeners[i].name, l->cfg.name))
				break;
		if (i < c->nlisteners && bc_listener_equal(&c->listeners[i], &l->cfg)) {
			lp = &l->next;
			continue;
		}
		blog("listener %s: %s", l->cfg.name,
		     i < c->nlisteners ? "changed: restarting" : "removed");
		*lp = l->next;
		listener_stop(l, true);
	}
	d->cfg = c;
	/* Start new. */
	for (i = 0; i < c->nlisteners; i++) {
		if (find_listener(d, c->listeners[i].name))
			continue;
		if (listener_start(d, &c->listeners[i], &l, err, sizeof(err))) {
			blog("listener %s: %s", c->listeners[i].name, err);
			fails++;
			continue;
		}
		for (lp = &d->listeners; *lp; lp = &(*lp)->next)
			;
		*lp = l;
		blog("listener %s: listening on %s:%s (%s)", l->cfg.name,
		     l->cfg.host[0] ? l->cfg.host : "*", l->cfg.port,
		     l->cfg.tls.insecure ? "plaintext" : "TLS 1.3, client certificates required");
	}
	for (i = 0; i < c->nroutes; i++) {
		if (c->routes[i].engine.engine != BE_NONE)
			continue;	/* engines_apply(), once privileges are dropped */
		if (find_route(d, c->routes[i].name))
			continue;
		if (route_start(d, &c->routes[i], &r)) {
			fails++;
			continue;
		}
		/* In file order, for status. */
		for (rp = &d->routes; *rp; rp = &(*rp)->next)
			;
		*rp = r;
	}
	if (fails && initial)
		return -1;
	return fails ? -1 : 0;
}

static void reload(struct daemon *d)
{
	struct bc_config *c, *old = d->cfg;
	char err[BC_ERR_MAX];

	if (bc_load(old->path, &c, err, sizeof(err))) {
		blog("reload: %s (configuration unchanged)", err);
		d->reload_failures++;
		return;
	}
	if (strcmp(c->node.name, old->node.name) || c->node.id != old->node.id ||
	    strcmp(c->node.control, old->node.control) || strcmp(c->node.user, old->node.user) ||
	    c->node.max_frame != old->node.max_frame) {
		blog("reload: [node] name, id, control, user and max_frame need a restart: "
		     "configuration unchanged");
		d->reload_failures++;
		bc_free(c);
		return;
	}
	/* Routes and listeners copy their config: the old one can go after apply. */
	log_insecure(c);
	if (apply(d, c, false))
		d->reload_failures++;
	engines_apply(d, c);
	make_hello(d);
	d->reloads++;
	bc_free(old);
	blog("reloaded %s", c->path);
}

/* Hand @path (and, for a spool, its files) to the user the daemon becomes. */
static void give(const char *path, const struct passwd *pw)
{
	if (chown(path, pw->pw_uid, pw->pw_gid) && errno != ENOENT)
		blog("chown %s to %s: %s", path, pw->pw_name, strerror(errno));
}

static void give_spool(const char *dir, const struct passwd *pw)
{
	struct dirent *de;
	char path[BC_PATH_MAX * 2 + 300];
	DIR *dd;

	give(dir, pw);
	dd = opendir(dir);
	if (!dd)
		return;
	while ((de = readdir(dd)))
		if (strstr(de->d_name, ".seg")) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			give(path, pw);
		}
	closedir(dd);
}

static int drop_privileges(struct daemon *d)
{
	const struct bc_node *n = &d->cfg->node;
	cap_t caps;

	if (n->user[0]) {
		struct passwd *pw = getpwnam(n->user);
		struct route *r;

		if (!pw) {
			blog("user %s: no such user", n->user);
			return -1;
		}
		/* What it will write after the switch: its spools, and it answers status. */
		for (r = d->routes; r; r = r->next) {
			char dir[BC_PATH_MAX * 2 + 2];

			if (!r->cfg.spool_dir[0])
				continue;
			give(r->cfg.spool_dir, pw);
			snprintf(dir, sizeof(dir), "%s/%s", r->cfg.spool_dir, r->cfg.name);
			give_spool(dir, pw);
		}
		give(d->control_path, pw);
		if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
		    setuid(pw->pw_uid)) {
			blog("switching to user %s: %s", n->user, strerror(errno));
			return -1;
		}
	}
	caps = cap_init();	/* empty: no capability at all */
	if (!caps || cap_set_proc(caps)) {
		blog("dropping capabilities: %s", strerror(errno));
		cap_free(caps);
		return -1;
	}
	cap_free(caps);
	/* Nor the bounding set's for anything this process would exec (it does not). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		blog("no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool all_drained(struct daemon *d)
{
	struct route *r;

	for (r = d->routes; r; r = r->next)
		if (!route_drained(r))
			return false;
	return true;
}

static void dispatch(struct daemon *d, struct ev *e, uint32_t events)
{
	struct signalfd_siginfo si;

	switch (e->kind) {
	case EV_ROUTE_SOCK:
	case EV_ROUTE_SRC:
		route_event(e->obj, e, events);
		break;
	case EV_LISTEN:
		if (!d->stopping)
			listener_event(e->obj, events);
		break;
	case EV_PEER_SOCK:
	case EV_PEER_SINK:
		peer_event(e->obj, e, events);
		break;
	case EV_CONTROL:
		control_event(d);
		break;
	case EV_SIGNAL:
		while (read(e->fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP && !d->stopping) {
				reload(d);
			} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				if (!d->stopping)
					blog("signal %d: flushing and stopping", si.ssi_signo);
				d->stopping = true;
			}
		}
		break;
	}
}

int daemon_run(struct bc_config *c)
{
	struct daemon dd = { 0 }, *d = &dd;
	struct epoll_event evs[64];
	char err[BC_ERR_MAX];
	uint64_t stop_deadline = 0;
	sigset_t mask;
	int sfd, n, i, rc = 0;

	srandom((unsigned int)(time(NULL) ^ getpid()));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->ep < 0 || sfd < 0) {
		fprintf(stderr, "streambridge: epoll/signalfd: %s\n", strerror(errno));
		return 1;
	}
	d->ev_signal = (struct ev){ .kind = EV_SIGNAL, .fd = -1 };
	d->ev_control = (struct ev){ .kind = EV_CONTROL, .fd = -1 };
	ev_set(d, &d->ev_signal, sfd, EPOLLIN);
	d->cfg = c;
	d->started_ms = now_ms();
	make_hello(d);
	blog("node %s (id %llu) starting, %d routes, %d listeners, config %s", c->node.name,
	     (unsigned long long)c->node.id, c->nroutes, c->nlisteners, c->path);
	log_insecure(c);
	if (control_open(d, c->node.control, err, sizeof(err))) {
		fprintf(stderr, "streambridge: control socket: %s\n", err);
		return 1;
	}
	if (apply(d, c, true)) {
		fprintf(stderr, "streambridge: cannot start (see above)\n");
		control_close(d);
		return 1;
	}
	if (drop_privileges(d)) {
		control_close(d);
		return 1;
	}
	blog("running: capabilities dropped%s%s", c->node.user[0] ? ", user " : "",
	     c->node.user);
	engines_apply(d, c);	/* threads: after the drop, so none keeps a capability */
	for (;;) {
		uint64_t now = now_ms(), wait = 1000, w;
		struct route *r;
		struct listener *l;

		for (r = d->routes; r; r = r->next) {
			w = route_tick(r, now);
			if (w < wait)
				wait = w;
		}
		for (l = d->listeners; l; l = l->next) {
			w = listener_tick(l, now);
			if (w < wait)
				wait = w;
		}
		bev_flush(false);
		if (d->stopping) {
			if (!stop_deadline) {
				stop_deadline = now + c->node.dead_ms;
				for (r = d->routes; r; r = r->next)
					r->draining = true;
				for (r = d->routes; r; r = r->next)
					route_event(r, &r->ev_src, 0);	/* flush the batch */
			}
			if (all_drained(d) || now >= stop_deadline) {
				if (!all_drained(d)) {
					blog("stopping with unacknowledged messages (resent after restart)");
				}
				break;
			}
			if (wait > 20)
				wait = 20;
		}
		n = epoll_wait(d->ep, evs, 64, (int)(wait ? wait : 1));
		if (n < 0 && errno != EINTR) {
			blog("epoll_wait: %s", strerror(errno));
			rc = 1;
			break;
		}
		/*
		 * Level-triggered: events dropped after an object was freed
		 * (they may point at it) come back at the next epoll_wait.
		 */
		d->freed = false;
		for (i = 0; i < n && !d->freed; i++)
			dispatch(d, evs[i].data.ptr, evs[i].events);
		c = d->cfg;	/* a reload may have replaced it */
	}
	engines_stop_all(d);
	while (d->routes) {
		struct route *r = d->routes;

		d->routes = r->next;
		route_stop(r, true);
	}
	while (d->listeners) {
		struct listener *l = d->listeners;

		d->listeners = l->next;
		listener_stop(l, true);
	}
	control_close(d);
	close(sfd);
	close(d->ep);
	bev_flush(true);
	blog("stopped");
	bc_free(d->cfg);
	return rc;
}
