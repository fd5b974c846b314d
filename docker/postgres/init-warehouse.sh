#!/bin/sh
# Run once by the postgres image, when its data volume is first initialised (it runs every file in
# /docker-entrypoint-initdb.d). The warehouse gets its own role and database beside Dagster's own
# (POSTGRES_DB, owned by POSTGRES_USER): one server, two databases, neither role can connect to the
# other's database.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v warehouse_db="${WAREHOUSE_DB:-warehouse}" \
    -v warehouse_user="${WAREHOUSE_USER:-tiktok}" \
    -v warehouse_password="$WAREHOUSE_PASSWORD" \
    -v dagster_db="$POSTGRES_DB" <<'EOSQL'
CREATE ROLE :"warehouse_user" LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE :"warehouse_db" OWNER :"warehouse_user";
REVOKE ALL ON DATABASE :"warehouse_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"dagster_db" FROM PUBLIC;
EOSQL
