# shellcheck shell=bash
# Creates throwaway PostgreSQL and MariaDB databases on 127.0.0.1, loads
# the pgsql and mysql schemas into them and exports the DSNs the SQL
# storage tests read:
#
#   NANOMDM_TEST_PGSQL_DSN  lib/pq URL, sslmode=disable
#   NANOMDM_TEST_MYSQL_DSN  go-sql-driver/mysql DSN
#
# Source it from the repository root or anywhere else: source .ci/sql-env.sh
# Sourcing it again reuses the databases it already created in this shell.
# A server that is not reachable is reported and its variable left unset,
# so the tests for that backend skip. Remove the databases with
# sql_env_cleanup.

sql_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# sql_env_suffix prints a random lowercase suffix for database names.
sql_env_suffix() {
	od -An -N6 -tx1 /dev/urandom | tr -d ' \n'
}

# sql_env_pgsql creates the PostgreSQL database and exports its DSN.
sql_env_pgsql() {
	local psql=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q -X)
	if ! command -v psql >/dev/null; then
		echo "sql-env: psql not installed; pgsql tests will skip" >&2
		return 0
	fi
	if [ -n "${SQL_ENV_PGSQL_DB:-}" ] &&
		"${psql[@]}" -d "$SQL_ENV_PGSQL_DB" -c 'SELECT 1' >/dev/null 2>&1; then
		return 0
	fi
	local db="nanomdm_test_$(sql_env_suffix)"
	if ! "${psql[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null; then
		echo "sql-env: cannot create PostgreSQL database $db; pgsql tests will skip" >&2
		return 0
	fi
	# Tests commit thousands of small transactions; not waiting for each
	# one to reach the disk makes them several times faster. It only
	# affects this throwaway database.
	"${psql[@]}" -d postgres -c "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null
	if ! "${psql[@]}" -d "$db" -f "$sql_env_root/storage/pgsql/schema.sql" >/dev/null; then
		echo "sql-env: loading storage/pgsql/schema.sql into $db failed" >&2
		return 1
	fi
	export SQL_ENV_PGSQL_DB="$db"
	export NANOMDM_TEST_PGSQL_DSN="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
	echo "sql-env: PostgreSQL database $db ready" >&2
}

# sql_env_mysql creates the MariaDB database and exports its DSN.
sql_env_mysql() {
	local client
	client="$(command -v mariadb || command -v mysql || true)"
	if [ -z "$client" ]; then
		echo "sql-env: mariadb client not installed; mysql tests will skip" >&2
		return 0
	fi
	local mysql=("$client" -h 127.0.0.1 -u root)
	if [ -n "${SQL_ENV_MYSQL_DB:-}" ] &&
		"${mysql[@]}" "$SQL_ENV_MYSQL_DB" -e 'SELECT 1' >/dev/null 2>&1; then
		return 0
	fi
	local db="nanomdm_test_$(sql_env_suffix)"
	if ! "${mysql[@]}" -e "CREATE DATABASE $db" >/dev/null; then
		echo "sql-env: cannot create MariaDB database $db; mysql tests will skip" >&2
		return 0
	fi
	if ! "${mysql[@]}" "$db" <"$sql_env_root/storage/mysql/schema.sql"; then
		echo "sql-env: loading storage/mysql/schema.sql into $db failed" >&2
		return 1
	fi
	export SQL_ENV_MYSQL_DB="$db"
	export NANOMDM_TEST_MYSQL_DSN="root@tcp(127.0.0.1:3306)/$db"
	echo "sql-env: MariaDB database $db ready" >&2
}

# sql_env_cleanup drops the databases this script created and unsets the
# variables.
sql_env_cleanup() {
	if [ -n "${SQL_ENV_PGSQL_DB:-}" ]; then
		psql -h 127.0.0.1 -U postgres -q -X -d postgres \
			-c "DROP DATABASE IF EXISTS $SQL_ENV_PGSQL_DB" >/dev/null
	fi
	if [ -n "${SQL_ENV_MYSQL_DB:-}" ]; then
		"$(command -v mariadb || command -v mysql)" -h 127.0.0.1 -u root \
			-e "DROP DATABASE IF EXISTS $SQL_ENV_MYSQL_DB"
	fi
	unset SQL_ENV_PGSQL_DB SQL_ENV_MYSQL_DB NANOMDM_TEST_PGSQL_DSN NANOMDM_TEST_MYSQL_DSN
}

sql_env_pgsql
sql_env_mysql
