#!/usr/bin/env bash
# One role and one database per service (docs/decisions/013-a-postgresql-role-per-service.md),
# as the native path creates them in code (infra/src/postgres-roles.ts); change the two together.
# Each role owns its database, and no other role may connect to it (the superuser still can).
#
# The official postgres image runs this once, when its data directory is empty
# (docker-compose.yml mounts it into /docker-entrypoint-initdb.d), as the superuser over the
# container's own socket. The passwords come from the environment, which docker-compose.yml
# fills from .env (see .env.example).
set -e

create_owned_database() {
  local name="$1" password="$2"
  if [ -z "$password" ]; then
    echo "init-databases.sh: no password for the $name role; set it in .env (see .env.example)" >&2
    exit 1
  fi
  # psql quotes the variables itself: :"name" as an identifier (`order` is a reserved word), :'password' as a literal.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
    --set name="$name" --set password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
-- PUBLIC may CONNECT to (and create TEMP tables in) every new database by default.
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_owned_database order "$POSTGRES_ORDER_PASSWORD"
create_owned_database inventory "$POSTGRES_INVENTORY_PASSWORD"
create_owned_database payment "$POSTGRES_PAYMENT_PASSWORD"
create_owned_database email "$POSTGRES_EMAIL_PASSWORD"
create_owned_database warehouse "$POSTGRES_WAREHOUSE_PASSWORD"
create_owned_database analytics "$POSTGRES_ANALYTICS_PASSWORD"
# Apicurio Registry's storage (see docker-compose.yml).
create_owned_database registry "$POSTGRES_REGISTRY_PASSWORD"
