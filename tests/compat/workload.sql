-- Workload of the Debezium compatibility test (tests/compat/debezium_compat.py).
-- Section "schema" runs before Debezium and cdcpipe start (its rows are the
-- snapshot); section "stream" runs once both have finished their snapshots.
-- Rows are inserted in primary-key order, so a heap scan and a key-ordered
-- snapshot read them in the same order.

-- @@ schema
SET TIME ZONE 'UTC';
CREATE TABLE types (
  id int PRIMARY KEY,
  b boolean, i2 smallint, i8 bigint, f4 real, f8 double precision,
  n numeric(10,2), nv numeric, t text, vc varchar(20), c char(5), by bytea,
  j json, jb jsonb, u uuid, d date, tm time, ts timestamp, ts3 timestamp(3),
  tstz timestamptz, tstz3 timestamptz(3));
CREATE TABLE required (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'none', qty int NOT NULL DEFAULT 0, note text);
CREATE TABLE keyless (a int, b text);
ALTER TABLE keyless REPLICA IDENTITY FULL;
CREATE TABLE fullpk (id int PRIMARY KEY, v text);
ALTER TABLE fullpk REPLICA IDENTITY FULL;
CREATE TABLE toasty (id int PRIMARY KEY, small int, big text, blob bytea);
ALTER TABLE toasty ALTER COLUMN big SET STORAGE EXTERNAL, ALTER COLUMN blob SET STORAGE EXTERNAL;
CREATE TABLE composite (a int, b text, v int, PRIMARY KEY (a, b));
CREATE TABLE marker (id int PRIMARY KEY, phase text);
-- Interleaved transactions (stream section): a transaction whose first
-- change precedes another transaction's changes in the WAL but that commits
-- after it. dblink runs the other transaction in a second session.
CREATE TABLE txorder (id int PRIMARY KEY, v text);
CREATE EXTENSION IF NOT EXISTS dblink;
-- Names Avro does not allow (field.name.adjustment.mode and
-- schema.name.adjustment.mode: the test runs both connectors with avro).
CREATE TABLE "odd-names" ("1st" int PRIMARY KEY, "Order Date" text, "naïve" int, "user-id" int);
-- Scales PostgreSQL 15 allows outside [0, precision]: negative (rounds
-- before the point) and larger than the precision.
CREATE TABLE scales (id int PRIMARY KEY, hundreds numeric(5,-2), tiny numeric(3,5));

INSERT INTO types VALUES
  (1, true, 1, 10000000000, 1.5, 2.25, 123.45, 3.14159, 'hello', 'varchar', 'ab', '\xdeadbeef',
   '{"a": 1}', '{"b": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-15', '12:34:56.789',
   '2024-01-15 12:00:00.5', '2024-01-15 12:00:00.123', '2024-01-15 12:00:00.5+02', '2024-01-15 12:00:00.123456+00'),
  (2, false, -32768, -9223372036854775808, -0.5, 1e300, -123.45, -0.001, 'snow ☃ "quoted"\n', '', 'x', '\x',
   '[]', '{}', '00000000-0000-0000-0000-000000000000', '1969-12-31', '00:00:00', '1969-12-31 23:59:59.999999',
   '1970-01-01 00:00:00', '1900-01-01 00:00:00+00', '2038-01-19 03:14:07.9+00'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL);
INSERT INTO required VALUES (1, 'one', 1, NULL), (2, 'two', 2, 'n2');
INSERT INTO keyless VALUES (1, 'k1'), (2, 'k2'), (2, 'k2');
INSERT INTO fullpk VALUES (1, 'f1'), (2, 'f2');
INSERT INTO toasty SELECT 1, 1, string_agg(md5(g::text), ''), decode(string_agg(md5(g::text), ''), 'hex')
  FROM generate_series(1, 400) g;
INSERT INTO composite VALUES (1, 'a', 10), (1, 'b', 20);
INSERT INTO marker VALUES (1, 'snapshot');
INSERT INTO txorder VALUES (1, 'snapshot'), (2, 'snapshot');
INSERT INTO "odd-names" VALUES (1, 'one', 1, 10), (2, 'two', 2, 20);
INSERT INTO scales VALUES (1, 12345, 0.00123), (2, -9999949, -0.00999), (3, 0, 0);

-- @@ stream
SET TIME ZONE 'UTC';
INSERT INTO types VALUES
  (10, true, 7, 7, 'NaN', '-Infinity', 99999999.99, 123456789012345678901234567890.123456789, 'ten', 'v', 'abcde',
   '\x00ff', '{"k": "v"}', '{"n": null}', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2000-02-29', '23:59:59.999999',
   'infinity', '-infinity', '2024-06-30 23:59:59.999999-07', '2024-06-30 10:00:00.1+05:30');
UPDATE types SET t = 'hello again', n = 0, nv = 1e-10, jb = '{"z": 1, "a": 2}' WHERE id = 1;
UPDATE types SET b = NULL, i2 = NULL, by = NULL, tstz = NULL WHERE id = 10;
BEGIN;
UPDATE types SET id = 20 WHERE id = 2;
DELETE FROM types WHERE id = 3;
INSERT INTO required (id) VALUES (3);
UPDATE required SET note = 'changed' WHERE id = 1;
COMMIT;
INSERT INTO keyless VALUES (3, 'k3'), (NULL, NULL);
UPDATE keyless SET b = 'k1 updated' WHERE a = 1;
DELETE FROM keyless WHERE a = 2;
UPDATE fullpk SET v = 'f1 updated' WHERE id = 1;
UPDATE fullpk SET id = 3 WHERE id = 2;
DELETE FROM fullpk WHERE id = 1;
UPDATE toasty SET small = small + 1 WHERE id = 1;
UPDATE toasty SET big = 'short now' WHERE id = 1;
DELETE FROM toasty WHERE id = 1;
UPDATE composite SET b = 'c' WHERE a = 1 AND b = 'a';
UPDATE composite SET v = v + 1;
TRUNCATE required;
INSERT INTO required VALUES (4, 'after truncate', 4, NULL);
BEGIN;
SELECT pg_logical_emit_message(true, 'app.audit', 'transactional: é ''quoted''');
UPDATE composite SET v = v + 1;
COMMIT;
SELECT pg_logical_emit_message(false, 'app.notice', E'\\x00ff'::bytea);
-- T2 writes first (lowest LSN) but commits last; T1 commits in between.
-- Key 2 is changed by T1 then by T2: the warehouse must end with T2's value.
BEGIN;
UPDATE txorder SET v = 'T2 first' WHERE id = 1;
SELECT dblink_exec('host=127.0.0.1 port=' || current_setting('port') || ' user=postgres dbname=' || current_database(),
                   'UPDATE txorder SET v = ''T1'' WHERE id = 2');
UPDATE txorder SET v = 'T2 last' WHERE id = 2;
COMMIT;
INSERT INTO "odd-names" VALUES (3, 'three', 3, 30);
UPDATE "odd-names" SET "Order Date" = 'one updated', "naïve" = NULL WHERE "1st" = 1;
UPDATE "odd-names" SET "1st" = 4 WHERE "1st" = 2;
DELETE FROM "odd-names" WHERE "1st" = 3;
INSERT INTO scales VALUES (4, 100, 0.00001);
UPDATE scales SET hundreds = 98765 WHERE id = 1;
INSERT INTO marker VALUES (2, 'stream');
