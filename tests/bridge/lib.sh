# SPDX-License-Identifier: GPL-2.0
# Helpers of the bridge VM tests (sourced by tests/bridge/smoke and faults).
# Runs inside the guest as root: two network namespaces "a" (10.77.0.1,
# the sending node) and "b" (10.77.0.2, the receiving node) joined by a
# veth pair; no other address is used.
src=${KSTREAM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=$src/build/bin
ko=$src/build/kmod/$(uname -r)/kmod/kstream.ko
sb=$bin/streambridge
traffic=$src/tests/bridge/traffic
work=$(mktemp -d /tmp/bridge.XXXXXX)
# BRIDGE_KEEP=DIR: copy the daemons' logs and the test's notes there at
# the end (DIR on the host's 9p share), to follow a failure afterwards.
if [ -n "${BRIDGE_KEEP:-}" ]; then
	trap 'mkdir -p "$BRIDGE_KEEP" && cp "$work"/*.log "$work"/*.out "$work"/schedule "$BRIDGE_KEEP"/ 2>/dev/null' EXIT
fi
tnum=0
failed=0

ok() { tnum=$((tnum + 1)); echo "ok $tnum - $*"; }
nok() { tnum=$((tnum + 1)); echo "not ok $tnum - $*"; failed=1; }
check() { # check NAME CMD...: ok when CMD exits 0
	local name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then ok "$name"; else nok "$name"; sed 's/^/# /' "$work/last.out"; fi
}
note() { echo "# $*"; }

setup_net() {
	modprobe veth 2>/dev/null
	modprobe sch_netem 2>/dev/null
	ip link set lo up
	ip netns add a && ip netns add b &&
	ip link add va type veth peer name vb &&
	ip link set va netns a && ip link set vb netns b &&
	ip -n a addr add 10.77.0.1/24 dev va && ip -n b addr add 10.77.0.2/24 dev vb &&
	ip -n a link set va up && ip -n b link set vb up &&
	ip -n a link set lo up && ip -n b link set lo up
}

# Certificates made now, never committed: a CA, node-a (client), node-b
# (server, IP SAN 10.77.0.2), a rogue CA with a node-a lookalike, an
# expired node-a.
make_certs() {
	local d=$work/pki
	mkdir -p "$d" && cd "$d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=test-ca -keyout ca.key -out ca.crt 2>/dev/null || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=rogue-ca -keyout rogue.key -out rogue.crt 2>/dev/null || return 1
	for n in node-a node-b other; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$n \
			-keyout $n.key -out $n.csr 2>/dev/null || return 1
	done
	printf 'subjectAltName=IP:10.77.0.2\n' >b.ext
	openssl x509 -req -in node-a.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-out node-a.crt 2>/dev/null &&
	openssl x509 -req -in node-b.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile b.ext -out node-b.crt 2>/dev/null &&
	openssl x509 -req -in node-a.csr -CA rogue.crt -CAkey rogue.key -CAcreateserial \
		-days 2 -out rogue-a.crt 2>/dev/null || return 1
	# Expired: valid for one day, two years ago (openssl ca takes explicit dates).
	mkdir -p ca-db && : >ca-db/index && echo 01 >ca-db/serial
	cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
dir = $d/ca-db
database = \$dir/index
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
CNF
	openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in node-a.csr \
		-startdate 20200101000000Z -enddate 20200102000000Z -out expired-a.crt \
		>/dev/null 2>&1 || return 1
	# Pins: SHA-256 of the DER public key.
	pin_b=sha256:$(openssl pkey -in node-b.key -pubout -outform DER | sha256sum | cut -c1-64)
	pin_other=sha256:$(openssl pkey -in other.key -pubout -outform DER | sha256sum | cut -c1-64)
	cd - >/dev/null
}

# start_node NS NAME CONF: run streambridge in namespace NS; pid in $work/NAME.pid.
start_node() {
	ip netns exec "$1" "$sb" -c "$3" >>"$work/$2.log" 2>&1 &
	echo $! >"$work/$2.pid"
}

stop_node() { # stop_node NAME [SIGNAL]: signal and wait
	local pid
	pid=$(cat "$work/$1.pid" 2>/dev/null) || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local rc=$?
	rm -f "$work/$1.pid"
	return $rc
}

# status_num SOCK JQ: one number from streambridge status -j
status_num() {
	"$sb" -S "$1" status -j 2>/dev/null | jq -r "$2"
}

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS of wall-clock time
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}
