#!/usr/bin/env python3
"""format avro against Confluent's own client (confluent-kafka-python, its
SchemaRegistryClient, AvroSerializer and AvroDeserializer on fastavro), with
`cdcpipe registry` as the registry for both sides.

capture: cdcpipe captures one table twice, as JSON (prefix J) and as Avro
  (prefix A). Confluent's AvroDeserializer must read every Avro key and
  value, and each must equal its JSON twin decoded with its Connect schema.
load: Confluent's AvroSerializer registers a Debezium-shaped schema and
  produces envelopes; cdcpipe load must put exactly those rows in DuckDB.

Run by ctest (label integration) with the pinned venv scripts/setup makes.
"""
import argparse
import base64
import decimal
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from debezium_compat import free_port, read_topic, run_in_env, wait_for  # noqa: E402

from confluent_kafka import Consumer, KafkaException, Producer  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402

TABLE_SQL = r"""
CREATE TABLE interop (
  id integer PRIMARY KEY, small smallint, big bigint, flag boolean, label text,
  price numeric(12,2), ratio numeric, real_v real, dbl double precision, day date,
  seen timestamp, seen_tz timestamptz, blob bytea, tags integer[], pos point, doc jsonb, uid uuid);
INSERT INTO interop VALUES
  (1, -32768, -9223372036854775808, true, E'quote '' tab \t unicode é', -9999999999.99, 1234567890.0123456789,
   1.5, -0.25, '1970-01-01', '1999-12-31 23:59:59.999999', '2024-06-30 23:59:59.5-07', '\x00ff10',
   '{1,NULL,3}', '(1.5,-2)', '{"a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
"""
STREAMED_SQL = r"""
INSERT INTO interop (id, label, price, ratio) VALUES (3, 'streamed', 0.01, -0.5);
UPDATE interop SET label = 'updated', tags = '{}' WHERE id = 1;
DELETE FROM interop WHERE id = 2;
"""


def capture_config(env, prefix, fmt, registry_url):
    return f"""source:
  postgres:
    dsn: "{env.dsn}"
    slot: slot_{prefix.lower()}
    publication: pub_{prefix.lower()}
    tables: [public.interop]
    snapshot: initial
kafka:
  bootstrap_servers: "{env.bootstrap}"
  topic_prefix: {prefix}
  partitions: 1
  replication_factor: 1
format: {fmt}
schema_registry:
  url: {registry_url}
http:
  listen: ""
"""


def start_registry(env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(env.dir, "registry.log"), "w")
    p = subprocess.Popen([env.binary, "registry", "--listen", f"127.0.0.1:{port}",
                          "--store", os.path.join(env.dir, "schemas.jsonl")],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    env.children.append(p)

    def up():
        try:
            return urllib.request.urlopen(url + "/subjects", timeout=2).status == 200
        except OSError as e:
            return str(e)
    wait_for("cdcpipe registry", up, timeout=30)
    return url


# ------------------------------------------------------------ capture part
def connect_value(schema, value):
    """A JsonConverter payload value as Python values, by its Connect
    schema, the way fastavro hands back the Avro twin: bytes as bytes,
    Connect Decimals as decimal.Decimal."""
    if value is None:
        return None
    t = schema["type"]
    if t == "struct":
        return {f["field"]: connect_value(f, value.get(f["field"])) for f in schema["fields"]}
    if t == "array":
        return [connect_value(schema["items"], v) for v in value]
    if t == "map":
        return {k: connect_value(schema["values"], v) for k, v in value.items()}
    if t == "bytes":
        raw = base64.b64decode(value)
        if schema.get("name") == "org.apache.kafka.connect.data.Decimal":
            scale = int(schema["parameters"]["scale"])
            return decimal.Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale)
        return raw
    if t in ("float", "double") and isinstance(value, str):
        return float(value)  # NaN / Infinity, which Jackson writes as strings
    return value


def comparable(x):
    """Equal values compare equal: Decimals by value, floats as such."""
    if isinstance(x, dict):
        return {k: comparable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [comparable(v) for v in x]
    if isinstance(x, decimal.Decimal):
        return ("decimal", x.normalize())
    return x


def check_capture(env, registry_url):
    env.psql(TABLE_SQL)
    for prefix, fmt in (("J", "json"), ("A", "avro")):
        env.cdcpipe(f"capture-{prefix}", "capture", capture_config(env, prefix, fmt, registry_url))
    def topics_hold(n):
        counts = {p: len(read_topic_raw(env.bootstrap, f"{p}.public.interop")) for p in ("J", "A")}
        return all(c >= n for c in counts.values()) or counts
    wait_for("both snapshots", lambda: topics_hold(2))
    env.psql(STREAMED_SQL)
    wait_for("the streamed changes", lambda: topics_hold(2 + 3 + 1))  # insert, update, delete + tombstone
    json_msgs = read_topic(env.bootstrap, "J.public.interop")

    registry = SchemaRegistryClient({"url": registry_url})
    key_de = AvroDeserializer(registry)
    value_de = AvroDeserializer(registry)
    consumer = Consumer({"bootstrap.servers": env.bootstrap, "group.id": "interop", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe(["A.public.interop"])
    avro_msgs = []
    end = time.time() + 60
    while len(avro_msgs) < len(json_msgs) and time.time() < end:
        m = consumer.poll(1.0)
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        key = key_de(m.key(), SerializationContext(m.topic(), MessageField.KEY))
        value = value_de(m.value(), SerializationContext(m.topic(), MessageField.VALUE)) if m.value() else None
        avro_msgs.append((key, value))
    consumer.close()

    problems = []
    if len(avro_msgs) != len(json_msgs):
        problems.append(f"{len(avro_msgs)} Avro messages, {len(json_msgs)} JSON ones")
    for i, ((akey, avalue), jm) in enumerate(zip(avro_msgs, json_msgs)):
        jkey = connect_value(jm["key"]["schema"], jm["key"]["payload"])
        if comparable(akey) != comparable(jkey):
            problems.append(f"message {i} key: Avro {akey} != JSON {jkey}")
        if (avalue is None) != (jm["value"] is None):
            problems.append(f"message {i}: tombstone in one format only")
            continue
        if avalue is None:
            continue
        jvalue = connect_value(jm["value"]["schema"], jm["value"]["payload"])
        # The two captures differ in their prefix and timing only.
        for part in ("before", "after", "op"):
            if comparable(avalue[part]) != comparable(jvalue[part]):
                problems.append(f"message {i} {part}:\n    Avro {avalue[part]}\n    JSON {jvalue[part]}")
        for f in ("lsn", "txId", "db", "schema", "table", "snapshot"):
            if f != "lsn" and avalue["source"][f] != jvalue["source"][f]:
                problems.append(f"message {i} source.{f}: Avro {avalue['source'][f]} != JSON {jvalue['source'][f]}")
    subjects = registry.get_subjects()
    if sorted(subjects) != ["A.public.interop-key", "A.public.interop-value"]:
        problems.append(f"registry subjects {subjects}")
    if problems:
        print("capture: FAIL\n  " + "\n  ".join(problems))
        return False
    print(f"capture: PASS ({len(avro_msgs)} messages read by Confluent's AvroDeserializer equal their JSON twins)")
    return True


def read_topic_raw(bootstrap, topic):
    r = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\n"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return r.stdout.split() if r.returncode == 0 else []


# --------------------------------------------------------------- load part
VALUE_SCHEMA = {
    "type": "record", "name": "Value", "namespace": "P.public.produced",
    "fields": [
        {"name": "id", "type": "int"},
        {"name": "name", "type": ["null", "string"], "default": None},
        {"name": "balance", "type": ["null", {"type": "bytes", "scale": 2, "precision": 10, "connect.version": 1,
                                              "connect.parameters": {"scale": "2", "connect.decimal.precision": "10"},
                                              "connect.name": "org.apache.kafka.connect.data.Decimal",
                                              "logicalType": "decimal"}], "default": None},
        {"name": "created_at", "type": ["null", {"type": "long", "connect.version": 1,
                                                 "connect.name": "io.debezium.time.MicroTimestamp"}], "default": None},
        {"name": "small", "type": ["null", {"type": "int", "connect.type": "int16"}], "default": None},
    ],
    "connect.name": "P.public.produced.Value",
}
SOURCE_SCHEMA = {
    "type": "record", "name": "Source", "namespace": "io.debezium.connector.postgresql",
    "fields": [
        {"name": "version", "type": "string"}, {"name": "connector", "type": "string"},
        {"name": "name", "type": "string"}, {"name": "ts_ms", "type": "long"},
        {"name": "snapshot", "type": [{"type": "string", "connect.version": 1,
                                       "connect.parameters": {"allowed": "true,first,last,false,incremental"},
                                       "connect.default": "false", "connect.name": "io.debezium.data.Enum"}, "null"],
         "default": "false"},
        {"name": "db", "type": "string"},
        {"name": "sequence", "type": ["null", "string"], "default": None},
        {"name": "schema", "type": "string"}, {"name": "table", "type": "string"},
        {"name": "txId", "type": ["null", "long"], "default": None},
        {"name": "lsn", "type": ["null", "long"], "default": None},
        {"name": "xmin", "type": ["null", "long"], "default": None},
    ],
    "connect.name": "io.debezium.connector.postgresql.Source",
}
ENVELOPE_SCHEMA = {
    "type": "record", "name": "Envelope", "namespace": "P.public.produced",
    "fields": [
        {"name": "before", "type": ["null", VALUE_SCHEMA], "default": None},
        {"name": "after", "type": ["null", "Value"], "default": None},
        {"name": "source", "type": SOURCE_SCHEMA},
        {"name": "op", "type": "string"},
        {"name": "ts_ms", "type": ["null", "long"], "default": None},
    ],
    "connect.version": 1, "connect.name": "P.public.produced.Envelope",
}
KEY_SCHEMA = {"type": "record", "name": "Key", "namespace": "P.public.produced",
              "fields": [{"name": "id", "type": "int"}], "connect.name": "P.public.produced.Key"}


def envelope(op, lsn, before=None, after=None):
    return {"before": before, "after": after, "op": op, "ts_ms": 1_700_000_000_000,
            "source": {"version": "3.4.3.Final", "connector": "postgresql", "name": "P", "ts_ms": 1_700_000_000_000,
                       "snapshot": "false", "db": "postgres", "sequence": json.dumps([str(lsn - 8), str(lsn)]),
                       "schema": "public", "table": "produced", "txId": lsn, "lsn": lsn, "xmin": None}}


def check_load(env, registry_url, query_tool):
    registry = SchemaRegistryClient({"url": registry_url})
    key_ser = AvroSerializer(registry, json.dumps(KEY_SCHEMA))
    value_ser = AvroSerializer(registry, json.dumps(ENVELOPE_SCHEMA))
    topic = "P.public.produced"
    producer = Producer({"bootstrap.servers": env.bootstrap})
    row = lambda i, name, bal: {"id": i, "name": name, "balance": bal,  # noqa: E731
                                "created_at": 1_700_000_000_123_456 + i, "small": -i}
    events = [
        ({"id": 1}, envelope("c", 100, after=row(1, "one", decimal.Decimal("12.34")))),
        ({"id": 2}, envelope("c", 200, after=row(2, "twö", decimal.Decimal("-99999999.99")))),
        ({"id": 3}, envelope("c", 300, after=row(3, None, None))),
        ({"id": 1}, envelope("u", 400, before=row(1, "one", decimal.Decimal("12.34")),
                             after=row(1, "uno", decimal.Decimal("0.01")))),
        ({"id": 3}, envelope("d", 500, before=row(3, None, None))),
        ({"id": 3}, None),  # tombstone
    ]
    for key, value in events:
        producer.produce(topic, key=key_ser(key, SerializationContext(topic, MessageField.KEY)),
                         value=None if value is None else value_ser(value, SerializationContext(topic, MessageField.VALUE)))
    producer.flush(30)

    duck = os.path.join(env.dir, "load.duckdb")
    port = free_port()
    load, _ = env.cdcpipe("load", "load", f"""source:
  postgres:
    dsn: "{env.dsn}"
kafka:
  bootstrap_servers: "{env.bootstrap}"
  topic_prefix: P
  group_id: interop-load
format: avro
schema_registry:
  url: {registry_url}
sink:
  duckdb:
    path: {duck}
  batch:
    max_ms: 100
load:
  topics: [{topic}]
  dead_letter_topic: P.cdcpipe-dlq
http:
  listen: 127.0.0.1:{port}
""")

    def caught_up():
        if load.poll() is not None:
            raise RuntimeError(f"load exited {load.returncode}")
        try:
            p = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/progress", timeout=5))
        except OSError as e:
            return str(e)
        return (p.get("assigned", 0) > 0 and p.get("lag") == 0) or p
    wait_for("load to catch up", caught_up, timeout=60)
    env.stop_child(load)
    r = subprocess.run([query_tool, duck, "SELECT id, name, balance, created_at, small, typeof(balance), "
                        "typeof(created_at), typeof(small) FROM public.produced ORDER BY id"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = r.stdout.splitlines()
    want = ["1\tuno\t0.01\t2023-11-14 22:13:20.123457\t-1\tDECIMAL(10,2)\tTIMESTAMP\tSMALLINT",
            "2\ttwö\t-99999999.99\t2023-11-14 22:13:20.123458\t-2\tDECIMAL(10,2)\tTIMESTAMP\tSMALLINT"]
    dlq = read_topic(env.bootstrap, "P.cdcpipe-dlq")
    problems = []
    if r.returncode != 0:
        problems.append(f"query failed: {r.stderr}")
    if got != want:
        problems.append("rows:\n    " + "\n    ".join(got) + "\n  want:\n    " + "\n    ".join(want))
    if dlq:
        problems.append(f"{len(dlq)} dead letters")
    if problems:
        tail = open(os.path.join(env.dir, "load.log")).read().splitlines()[-15:]
        print("load: FAIL\n  " + "\n  ".join(problems) + "\n  load log tail:\n    " + "\n    ".join(tail))
        return False
    print("load: PASS (events from Confluent's AvroSerializer loaded with their types)")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--binary", required=True)
    ap.add_argument("--query-tool", required=True, help="bench/tools/duckdb_query")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    def parts(env):
        url = start_registry(env)
        ok = check_capture(env, url)
        return check_load(env, url, os.path.abspath(args.query_tool)) and ok
    return run_in_env(args, parts)


if __name__ == "__main__":
    sys.exit(main())
