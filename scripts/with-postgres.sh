#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD with a throwaway PostgreSQL server on loopback and
#   MAILLAGE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
# in its environment. The role `postgres` is a superuser, because the integration tests
# create (and drop) one database per test. The server and its data directory are removed
# when CMD ends, whatever happens; the script exits with CMD's exit code.
#
# Environment:
#   PG_BINDIR         directory holding initdb/pg_ctl (default: PostgreSQL 15's, then pg_config's)
#   MAILLAGE_PG_PORT  first port to try (default 54329; the next free one is used)
#
# Works as root (as in CI: initdb refuses root, so the server runs as the `postgres`
# system user, created when missing) and as an ordinary user (the server runs as them).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 64
fi

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then echo /usr/lib/postgresql/15/bin; return; fi
    if command -v pg_config >/dev/null 2>&1; then
        local dir
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    return 1
}

if ! bindir="$(find_bindir)"; then
    echo "with-postgres: PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BINDIR" >&2
    exit 127
fi

# as_pg CMD...: run a server-side command as the user that owns the data directory.
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin postgres
    fi
    # Under /tmp rather than $TMPDIR: the postgres user must be able to reach it, and
    # root's TMPDIR may sit under /root.
    pgdir="$(mktemp -d /tmp/maillage-pg.XXXXXX)"
    chown postgres: "$pgdir"
    # cd /: the caller's directory may be unreadable to postgres (initdb warns then).
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    pgdir="$(mktemp -d "${TMPDIR:-/tmp}/maillage-pg.XXXXXX")"
    as_pg() { "$@"; }
fi
datadir="$pgdir/data"
logfile="$pgdir/server.log"

cleanup() {
    local rc=$?
    if [ -f "$datadir/postmaster.pid" ]; then
        # immediate: the data is thrown away, there is nothing worth a clean checkpoint.
        as_pg "$bindir/pg_ctl" stop -D "$datadir" -m immediate -s >/dev/null 2>&1 || true
    fi
    rm -rf "$pgdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg "$bindir/initdb" -D "$datadir" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$pgdir/initdb.log" 2>&1 || {
    cat "$pgdir/initdb.log" >&2
    echo "with-postgres: initdb failed" >&2
    exit 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port="${MAILLAGE_PG_PORT:-54329}"
started=false
for _ in $(seq 1 20); do
    if ! port_in_use "$port"; then
        # Durability is pointless for a throwaway test server; max_connections leaves room
        # for the per-test pools of a parallel `cargo test`.
        if as_pg "$bindir/pg_ctl" start -D "$datadir" -l "$logfile" -w -t 60 -s \
            -o "-h 127.0.0.1 -p $port -k $pgdir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            >/dev/null 2>&1; then
            started=true
            break
        fi
        # Lost a race for the port, or something worse: the log tells which.
        tail -n 5 "$logfile" >&2 || true
    fi
    port=$((port + 1))
done
if ! $started; then
    echo "with-postgres: could not start PostgreSQL (log: see above)" >&2
    exit 1
fi

for _ in $(seq 1 60); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then break; fi
    sleep 0.5
done
"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || {
    cat "$logfile" >&2
    echo "with-postgres: PostgreSQL did not become ready" >&2
    exit 1
}

# A database for trying the server by hand: MAILLAGE_DATABASE_URL=$MAILLAGE_TEST_POSTGRES_URL
# would otherwise point at the maintenance database.
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres maillage

export MAILLAGE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (database 'maillage' created; MAILLAGE_TEST_POSTGRES_URL=$MAILLAGE_TEST_POSTGRES_URL)" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
