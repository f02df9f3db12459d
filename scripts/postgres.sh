#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages where it is missing, starts its
# cluster and makes the role the tests connect as. Prints the URL the tests
# take from SHOAL_TEST_POSTGRES_URL. Used by .ci/run; run it by hand to test
# the database parts locally.
set -euo pipefail
# Only the URL goes to stdout.
exec 3>&1 1>&2

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null 3>&-
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
	$sudo pg_createcluster "$version" main >/dev/null 3>&-
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
	# Never fd 3 where a server may start: it would hold the caller's pipe open.
	$sudo pg_ctlcluster "$version" main start 3>&-
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

# A role that may create databases but is no superuser, so that the
# connection limits shoal sets apply to it.
as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shoal_test') THEN
		CREATE ROLE shoal_test LOGIN CREATEDB PASSWORD 'shoal_test';
	END IF;
END
$$;
SQL
echo "postgresql://shoal_test:shoal_test@127.0.0.1:$port/postgres" >&3
