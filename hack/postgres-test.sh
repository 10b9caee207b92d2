#!/usr/bin/env bash
# A throwaway PostgreSQL server for TokenGate's audit tests and benchmark, on a loopback port.
#
#   hack/postgres-test.sh start DIR     initdb into DIR on first use, start, print the DSN on stdout
#                                       (a restart after stop reuses the data and the port)
#   hack/postgres-test.sh stop DIR [MODE]  pg_ctl stop (MODE: fast (default), immediate, smart)
#   hack/postgres-test.sh destroy DIR   stop if running and delete DIR
#   hack/postgres-test.sh dsn DIR       print the DSN of DIR's server
#
# Works on a clean Debian as root (CI): installs the `postgresql` package when initdb is missing, and
# runs the server as the `postgres` user (PostgreSQL refuses to run as root), creating that user if
# the package did not. As a normal user it runs the server as that user. Authentication is `trust`
# on 127.0.0.1 only: this server is for tests, never for data.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
mode=${3:-fast}
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

pg_bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ] && command -v initdb >/dev/null 2>&1; then found=$(dirname "$(command -v initdb)"); fi
  echo "$found"
}

bindir=$(pg_bindir)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "postgres-test: installing Debian's postgresql package" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(pg_bindir)
  fi
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "postgres-test: PostgreSQL server binaries not found; install them with: apt-get install postgresql" >&2
    exit 1
  fi
fi

# Who runs the server: root cannot, so use `postgres` (the package's user) or create one.
if [ "$(id -u)" = 0 ]; then
  pg_user=postgres
  if ! id -u "$pg_user" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$pg_user"
  fi
  as_pg() { runuser -u "$pg_user" -- "$@"; }
else
  pg_user=$(id -un)
  as_pg() { "$@"; }
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 40000))  # no python3: a random port; a clash is retried below
}

dsn() { echo "host=127.0.0.1 port=$(cat "$dir/port") user=tokengate dbname=postgres"; }

running() { [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

start() {
  mkdir -p "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir/data" "$dir/sock"
    [ "$(id -u)" = 0 ] && chown -R "$pg_user" "$dir"
    chmod 700 "$dir/data"
    if ! as_pg test -w "$dir/data"; then
      echo "postgres-test: user $pg_user cannot write $dir/data; a parent directory is not traversable (chmod o+x it)" >&2
      exit 1
    fi
    as_pg "$bindir/initdb" -D "$dir/data" -U tokengate --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if running; then dsn; return; fi
  local tries=0
  while :; do
    [ -f "$dir/port" ] || free_port >"$dir/port"
    local port
    port=$(cat "$dir/port")
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/sock -c max_connections=50" \
        start >&2; then
      break
    fi
    tries=$((tries + 1))
    # The port may have been taken between choosing and binding: pick another (first start only).
    if [ "$tries" -ge 5 ]; then tail -n 20 "$dir/server.log" >&2; exit 1; fi
    rm -f "$dir/port"
  done
  dsn
}

stop() {
  if running; then as_pg "$bindir/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >&2; fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  destroy) [ -d "$dir" ] && { stop || true; rm -rf "$dir"; } ;;
  dsn) dsn ;;
  *) usage ;;
esac
