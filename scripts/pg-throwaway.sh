# Sourced by scripts/test and scripts/bench-replicas: starts a PostgreSQL
# server of its own, stopped and removed on exit. initdb into a temp dir as
# the postgres user (initdb refuses root), listening on a free loopback
# port; the Debian package is installed if no server binaries are found.
# PG_OPTS: extra server options (e.g. "-c fsync=off" for tests).
# Sets pgbin, pgdir, pgport, PG_URL; defines as_pg and stop_pg.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	echo "installing PostgreSQL with apt-get" >&2
	apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
pgbin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
pgdir=$(mktemp -d /tmp/custos-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pgdir"; fi
stop_pg() {
	as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$pgdir"
}
as_pg "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -N -E UTF8 >/dev/null
# A free port: start on a random one, trying others if it is taken meanwhile.
pgport=""
for _ in $(seq 1 20); do
	p=$((20000 + RANDOM % 20000))
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
	if as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w start -o "-c listen_addresses=127.0.0.1 -p $p -k $pgdir \
		-c max_connections=300 ${PG_OPTS:-}" >/dev/null; then
		pgport=$p
		break
	fi
done
[ -n "$pgport" ] || { echo "could not start PostgreSQL:" >&2; cat "$pgdir/log" >&2; exit 1; }
PG_URL="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
