#!/bin/bash
# bench-certs: time to make CA + client + server certificates with
# machinectl's certs/ (through tests/lib/tls-mkcert) beside the openssl CLI
# doing the same, for each key type; and the time of `machinectl env` (which
# runs the offline certificate check) for a machine with and without a server
# certificate.  Medians of repeated runs.  Not run by `make check`.
#
#   tests/bench/bench-certs.sh [BUILDDIR]     (default: the current directory)
#
# Use a build without --enable-sanitizers for numbers worth comparing.
set -eu
B=$(cd "${1:-.}" && pwd)
MC="$B/machinectl"
MKCERT="$B/tests/lib/tls-mkcert"
for f in "$MC" "$MKCERT"; do
	[ -x "$f" ] || { echo "bench-certs: $f missing: run 'make check' (or make tests/lib/tls-mkcert) in $B" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "bench-certs: openssl not found" >&2; exit 2; }
if ldd "$MC" | grep -q libasan; then
	echo "# note: $MC is built with sanitizers; its times are several times slower than a release build"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# With BENCH_JSONL set (scripts/bench), each median is also a JSON record.
. "$(dirname "$0")/lib-bench.sh"

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.1f", ns/1e6}'; }

ours() { # KEYTYPE DIR
	"$MKCERT" ca "$2" "$1" && "$MKCERT" server "$2" "$2/server.pem" "$2/server-key.pem" bench --ip 192.168.99.100 --key-type "$1"
}
theirs() { # KEYTYPE DIR: the same three certificates with `openssl req` / `openssl x509`
	local kt=$1 d=$2 newkey
	case $kt in
	ecdsa-p256) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	rsa-2048) newkey=(-newkey rsa:2048) ;;
	rsa-4096) newkey=(-newkey rsa:4096) ;;
	esac
	mkdir -p "$d"
	openssl req -x509 "${newkey[@]}" -nodes -subj "/O=bench/CN=bench CA" -days 1080 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
		-keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null
	openssl req -new "${newkey[@]}" -nodes -subj "/O=bench.client/CN=client" -keyout "$d/key.pem" -out "$d/c.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$d/c.ext"
	openssl x509 -req -in "$d/c.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
		-days 1080 -extfile "$d/c.ext" -out "$d/cert.pem" 2>/dev/null
	openssl req -new "${newkey[@]}" -nodes -subj "/O=bench.server/CN=bench" -keyout "$d/server-key.pem" -out "$d/s.csr" 2>/dev/null
	printf 'subjectAltName=IP:192.168.99.100,DNS:bench,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/s.ext"
	openssl x509 -req -in "$d/s.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
		-days 1080 -extfile "$d/s.ext" -out "$d/server.pem" 2>/dev/null
}

printf '%-12s %8s %26s %26s\n' "key type" "runs" "machinectl (median ms)" "openssl CLI (median ms)"
for kt in ecdsa-p256 rsa-2048 rsa-4096; do
	case $kt in rsa-4096) runs=${BENCH_CERTS_RSA4096_RUNS:-5} ;; rsa-2048) runs=9 ;; *) runs=21 ;; esac
	a=() b=()
	for ((i = 0; i < runs; i++)); do
		rm -rf "$T/o" "$T/t"
		t0=$(now); ours "$kt" "$T/o" >/dev/null; t1=$(now)
		theirs "$kt" "$T/t"; t2=$(now)
		a+=($((t1 - t0))) b+=($((t2 - t1)))
	done
	openssl verify -CAfile "$T/o/ca.pem" "$T/o/server.pem" >/dev/null
	openssl verify -CAfile "$T/t/ca.pem" "$T/t/server.pem" >/dev/null
	printf '%-12s %8d %26s %26s\n' "$kt" "$runs" "$(ms "$(printf '%s\n' "${a[@]}" | median)")" \
		"$(ms "$(printf '%s\n' "${b[@]}" | median)")"
	BENCH_EXTRA="{\"key_type\": \"$kt\"}" bench_samples "certs.$kt.machinectl" "CA+client+server $kt: machinectl" ms \
		$(printf '%s\n' "${a[@]}" | awk '{ print $1 / 1e6 }') >/dev/null
	BENCH_EXTRA="{\"key_type\": \"$kt\"}" bench_samples "certs.$kt.openssl" "CA+client+server $kt: openssl CLI" ms \
		$(printf '%s\n' "${b[@]}" | awk '{ print $1 / 1e6 }') >/dev/null
done
echo "# machinectl: one process per step (tls-mkcert ca, tls-mkcert server); openssl: 5 processes (req, req, x509, req, x509)"

# env: the offline check runs on every call.
export MACHINECTL_STORAGE_PATH="$T/store" MACHINECTL_DRIVER_PATH="$B/tests/.libs"
"$MC" create --driver none --url tcp://192.168.99.100:2376 plain >/dev/null
have_test_driver=0
if "$MC" create --driver test --test-ip 192.168.99.100 withserver >/dev/null 2>&1; then have_test_driver=1; fi
runs=51
for m in plain withserver; do
	[ $m = withserver ] && [ $have_test_driver = 0 ] && { echo "env ($m): skipped (no test driver plugin in $B/tests/.libs)"; continue; }
	a=()
	for ((i = 0; i < runs; i++)); do
		t0=$(now); "$MC" env --shell bash "$m" >/dev/null; t1=$(now)
		a+=($((t1 - t0)))
	done
	c=()
	for ((i = 0; i < runs; i++)); do
		t0=$(now); "$MC" url "$m" >/dev/null; t1=$(now)
		c+=($((t1 - t0)))
	done
	printf 'env %-11s median %6s ms over %d runs (url, no certificate check: %s ms)\n' "($m)" \
		"$(ms "$(printf '%s\n' "${a[@]}" | median)")" "$runs" "$(ms "$(printf '%s\n' "${c[@]}" | median)")"
done
