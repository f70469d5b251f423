-- One database per service (ARCHITECTURE §1: each service owns its PostgreSQL database).
-- The official postgres image runs this once, when its data directory is empty
-- (docker-compose.yml mounts it into /docker-entrypoint-initdb.d). The test environments
-- create the same databases in code (packages/testkit).
-- "order" is a reserved word in SQL, so every name is quoted.
CREATE DATABASE "order";
CREATE DATABASE "inventory";
CREATE DATABASE "payment";
CREATE DATABASE "email";
CREATE DATABASE "warehouse";
CREATE DATABASE "analytics";
-- Apicurio Registry's storage under docker compose (see docker-compose.yml).
CREATE DATABASE "registry";
