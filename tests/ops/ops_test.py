#!/usr/bin/env python3
"""Tests of what deploy/ ships: the Prometheus alert rules, the Grafana
dashboard, the docker-compose stack, the Kubernetes manifests and the
container image's Dockerfile.

Part "static" (no servers): promtool checks the rules and runs their unit
tests (deploy/prometheus/alerts_test.yml); the dashboard, compose file,
kustomization and manifests are read and checked for what would break them
(a file they mount that does not exist, an environment variable a config
file needs that the service does not set, an unpinned image, a probe on
another port than the metrics endpoint); the Dockerfile's runtime image
must install the package of every library the binary links.

Part "live": the compose stack's topology on loopback. PostgreSQL
(scripts/pg), Kafka (scripts/kafka), `cdcpipe capture` and `cdcpipe load`
started with deploy/config/*.yaml, a workload, and a real Prometheus
scraping both with deploy/prometheus/prometheus.yml (targets and intervals
changed) and the alert rules loaded. Then every query of the dashboard
must run and return data, every metric the alert rules name must exist,
no alert may fire on this healthy pipeline, and the replication slot's WAL
figures must agree with PostgreSQL's own view of the slot.

Usage: ops_test.py --source-dir DIR --binary build/cdcpipe --part static|live [--keep]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from debezium_compat import Env, free_port, wait_for  # noqa: E402  (the throwaway PostgreSQL and Kafka)

FAILURES = []


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        FAILURES.append(what)
    return ok


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def config_env_vars(path):
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", open(path).read()))


def dashboard_queries(deploy):
    """(panel title, PromQL) of every Prometheus target of the dashboard."""
    dash = json.load(open(os.path.join(deploy, "grafana", "dashboards", "cdcpipe.json")))
    out = []
    for p in dash["panels"]:
        for t in p.get("targets", []):
            if p["datasource"]["type"] == "prometheus":
                out.append((p["title"], t["expr"]))
    return dash, out


def rule_exprs(deploy):
    rules = yaml.safe_load(open(os.path.join(deploy, "prometheus", "alerts.yml")))
    return [(r["alert"], r["expr"]) for g in rules["groups"] for r in g["rules"]]


METRIC_NAME = re.compile(r"\b((?:cdcpipe|process)_[a-z_]+)\b")


def metric_names(expr):
    return set(METRIC_NAME.findall(expr))


# ------------------------------------------------------------------ static

def static_part(src, binary):
    deploy = os.path.join(src, "deploy")
    prom = os.path.join(deploy, "prometheus")
    r = run(["promtool", "check", "rules", os.path.join(prom, "alerts.yml")])
    check(r.returncode == 0, f"promtool check rules alerts.yml\n{r.stdout if r.returncode else ''}".strip())
    r = run(["promtool", "test", "rules", "alerts_test.yml"], cwd=prom)
    check(r.returncode == 0, f"promtool test rules alerts_test.yml\n{r.stdout if r.returncode else ''}".strip())
    tested = set(re.findall(r"alertname: (\w+)", open(os.path.join(prom, "alerts_test.yml")).read()))
    for alert, _ in rule_exprs(deploy):
        check(alert in tested, f"alerts_test.yml tests alert {alert}")

    # The dashboard: unique panel ids, inside the 24-column grid, every
    # Prometheus query filtered by the $job variable the dashboard defines.
    dash, queries = dashboard_queries(deploy)
    ids = [p["id"] for p in dash["panels"]]
    check(len(ids) == len(set(ids)), "dashboard panel ids are unique")
    for p in dash["panels"]:
        g = p["gridPos"]
        check(g["x"] + g["w"] <= 24, f"panel '{p['title']}' fits the grid")
        if p["type"] != "row":
            check(bool(p.get("description")), f"panel '{p['title']}' says what it shows")
    variables = {v["name"] for v in dash["templating"]["list"]}
    for title, expr in queries:
        check('job=~"$job"' in expr, f"panel '{title}' selects $job: {expr}")
    check({"datasource", "loki", "job"} <= variables, "dashboard defines datasource, loki and job variables")

    # docker-compose: mounted files exist, images are pinned, and each
    # cdcpipe service sets every ${VAR} its configuration file reads.
    compose = yaml.safe_load(open(os.path.join(deploy, "docker-compose.yml")))
    for name, svc in compose["services"].items():
        image = svc.get("image", "")
        check(re.search(r":v?[0-9][\w.\-]*$", image) is not None, f"compose service {name}: pinned image '{image}'")
        for vol in svc.get("volumes", []):
            host = vol.split(":")[0]
            if host.startswith("./"):
                check(os.path.exists(os.path.join(deploy, host)), f"compose service {name}: mounts {host}, which exists")
        cmd = svc.get("command", [])
        if image.startswith("cdcpipe:"):
            cfg = os.path.join(deploy, "config", os.path.basename(cmd[cmd.index("-c") + 1]))
            check(os.path.exists(cfg), f"compose service {name}: its configuration {cfg} exists")
            missing = config_env_vars(cfg) - set(svc.get("environment", {}))
            check(not missing, f"compose service {name}: sets {sorted(config_env_vars(cfg))} (missing {sorted(missing)})")

    # Prometheus's own configuration, with the rules where compose mounts them.
    tmp = tempfile.mkdtemp(prefix="cdcpipe-ops-static-")
    try:
        cfg = yaml.safe_load(open(os.path.join(prom, "prometheus.yml")))
        cfg["rule_files"] = [os.path.join(prom, "alerts.yml")]
        path = os.path.join(tmp, "prometheus.yml")
        yaml.safe_dump(cfg, open(path, "w"))
        r = run(["promtool", "check", "config", path])
        check(r.returncode == 0, f"promtool check config prometheus.yml\n{r.stdout if r.returncode else ''}".strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    jobs = {j["job_name"] for j in cfg["scrape_configs"]}
    check(all(j.startswith("cdcpipe") for j in jobs), f"scrape jobs {sorted(jobs)} match the rules' job=~\"cdcpipe.*\"")

    # Kubernetes: every resource kustomize would apply; probes on the
    # metrics port; each container sets every ${VAR} of its configuration.
    kust = yaml.safe_load(open(os.path.join(deploy, "kustomization.yaml")))
    for f in kust["configMapGenerator"][0]["files"]:
        check(os.path.exists(os.path.join(deploy, f)), f"kustomization: config file {f} exists")
    containers = 0
    for res in kust["resources"]:
        for doc in yaml.safe_load_all(open(os.path.join(deploy, res))):
            if doc["kind"] not in ("Deployment", "StatefulSet"):
                continue
            for c in doc["spec"]["template"]["spec"]["containers"]:
                containers += 1
                where = f"{doc['kind']} {doc['metadata']['name']}"
                ports = {p["name"]: p["containerPort"] for p in c["ports"]}
                env = {e["name"]: e.get("value") for e in c["env"]}
                check(env.get("CDCPIPE_HTTP_LISTEN", "").endswith(f":{ports.get('metrics')}"),
                      f"{where}: http.listen serves the metrics port {ports.get('metrics')}")
                for probe in ("livenessProbe", "readinessProbe"):
                    get = c[probe]["httpGet"]
                    check(get["path"] == "/healthz" and get["port"] == "metrics", f"{where}: {probe} on /healthz")
                annotations = doc["spec"]["template"]["metadata"]["annotations"]
                check(annotations.get("prometheus.io/port") == str(ports.get("metrics")),
                      f"{where}: scrape annotation names the metrics port")
                cfg = os.path.join(deploy, "config", os.path.basename(c["args"][c["args"].index("-c") + 1]))
                missing = config_env_vars(cfg) - set(env)
                check(not missing, f"{where}: sets every variable of {os.path.basename(cfg)} (missing {sorted(missing)})")
    check(containers == 2, f"kustomization deploys capture and load ({containers} containers)")

    # The runtime image installs the package of every library the binary
    # links (DuckDB is copied from the build stage; libc is in the base).
    docker = open(os.path.join(deploy, "Dockerfile")).read()
    runtime = docker[docker.rindex("FROM "):]
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", run(["readelf", "-d", binary]).stdout)
    resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", binary]).stdout, re.M))
    for lib in needed:
        if lib.startswith("libduckdb") or lib.startswith("libc.so") or lib.startswith("libm.so"):
            continue
        pkg = None
        for path in (resolved.get(lib, ""), os.path.realpath(resolved.get(lib, "/nonexistent"))):
            r = run(["dpkg", "-S", path])
            if r.returncode == 0:
                pkg = r.stdout.split(":")[0]
                break
        check(pkg is not None and re.search(rf"\b{re.escape(pkg)}\b", runtime) is not None,
              f"Dockerfile runtime image installs {pkg} for {lib}")
    check("/opt/cdcpipe/duckdb-" in runtime and "libduckdb.so" in runtime, "Dockerfile copies libduckdb.so")
    ignored = open(os.path.join(src, ".dockerignore")).read().split()
    check("build/" in ignored, ".dockerignore keeps a local build/ (another tree's CMake cache) out of the image")


# ------------------------------------------------------------------ live

def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def prom_query(prom, expr):
    body = json.loads(http_get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {body}")
    return body["data"]["result"]


def live_part(env):
    deploy = os.path.join(env.src, "deploy")
    # A limit on the WAL a slot may keep, so that safe_wal_size has a value.
    env.psql("ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'; SELECT pg_reload_conf();")
    env.psql("CREATE TABLE orders (id bigint PRIMARY KEY, qty int, note text);"
             "INSERT INTO orders SELECT g, g % 10, 'n' || g FROM generate_series(1, 5000) g;")

    capture_http, load_http = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    common = {"CDCPIPE_KAFKA_BOOTSTRAP": env.bootstrap, "CDCPIPE_TOPIC_PREFIX": "ops"}
    # Heartbeats every second: the slot's WAL figures come with them.
    text = open(os.path.join(deploy, "config", "capture.yaml")).read()
    env.cdcpipe("capture", "capture", text.replace("snapshot: initial", "snapshot: initial\n    heartbeat_interval_ms: 1000"),
                dict(common, CDCPIPE_PG_DSN=env.dsn, CDCPIPE_HTTP_LISTEN=capture_http))
    env.cdcpipe("load", "load", open(os.path.join(deploy, "config", "load.yaml")).read(),
                dict(common, CDCPIPE_DUCKDB_PATH=os.path.join(env.dir, "warehouse.duckdb"), CDCPIPE_HTTP_LISTEN=load_http))

    # Prometheus as deploy/prometheus/prometheus.yml sets it up, scraping
    # these two every second.
    cfg = yaml.safe_load(open(os.path.join(deploy, "prometheus", "prometheus.yml")))
    cfg["global"].update(scrape_interval="1s", evaluation_interval="1s")
    cfg["rule_files"] = [os.path.join(deploy, "prometheus", "alerts.yml")]
    targets = {"cdcpipe-capture": capture_http, "cdcpipe-load": load_http}
    for job in cfg["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    prom_cfg = os.path.join(env.dir, "prometheus.yml")
    yaml.safe_dump(cfg, open(prom_cfg, "w"))
    prom_addr = f"127.0.0.1:{free_port()}"
    env.spawn("prometheus", ["prometheus", f"--config.file={prom_cfg}", f"--web.listen-address={prom_addr}",
                             f"--storage.tsdb.path={os.path.join(env.dir, 'tsdb')}"])
    prom = f"http://{prom_addr}"

    # The snapshot, then changes for a while: rates need a few scrapes.
    def has(expr):
        try:
            return bool(prom_query(prom, expr))
        except OSError:  # Prometheus still starting
            return False
    wait_for("the snapshot in the warehouse", lambda: has("cdcpipe_load_rows_total >= 5000"), 180)
    for i in range(20):
        env.psql(f"UPDATE orders SET qty = qty + 1 WHERE id % 20 = {i};"
                 f"INSERT INTO orders SELECT g, 1, 'late' FROM generate_series({10000 + i * 100}, {10000 + i * 100 + 99}) g;")
        time.sleep(1)
    wait_for("every change in the warehouse", lambda: has("cdcpipe_load_rows_total >= 12000"), 120)
    wait_for("the slot's figures", lambda: has("cdcpipe_capture_slot_safe_wal_bytes"), 60)
    time.sleep(5)  # a few more scrapes after the last change

    names = set(r["metric"]["__name__"] for r in prom_query(prom, '{__name__=~"cdcpipe_.*|process_.*"}'))
    _, queries = dashboard_queries(deploy)
    for title, expr in queries:
        q = (expr.replace('job=~"$job"', 'job=~"cdcpipe.*"').replace("$__rate_interval", "10s")
             .replace("$__range", "5m"))
        try:
            result = prom_query(prom, q)
            check(len(result) > 0, f"dashboard '{title}' returns data: {q}")
        except Exception as e:
            check(False, f"dashboard '{title}' runs: {q}: {e}")
    for alert, expr in rule_exprs(deploy):
        missing = metric_names(expr) - names
        check(not missing, f"alert {alert}: Prometheus has its metrics (missing {sorted(missing)})")
    rules = json.loads(http_get(f"{prom}/api/v1/rules"))["data"]["groups"]
    for g in rules:
        for r in g["rules"]:
            check(r["health"] == "ok", f"Prometheus evaluates {r['name']} ({r['health']} {r.get('lastError', '')})")
            check(r["state"] == "inactive", f"{r['name']} does not fire on a healthy pipeline ({r['state']})")

    # The slot's figures against PostgreSQL's own view of the slot.
    slot = env.psql("SELECT pg_current_wal_lsn() - restart_lsn, pg_current_wal_lsn() - confirmed_flush_lsn, safe_wal_size "
                    "FROM pg_replication_slots WHERE slot_name = 'cdcpipe'").split("|")
    def value(name):
        return float(prom_query(prom, name)[0]["value"][1])
    retained, lag, safe = (value(f"cdcpipe_capture_slot_{n}") for n in ("retained_wal_bytes", "lag_bytes", "safe_wal_bytes"))
    check(0 <= lag <= retained <= 1 << 30, f"slot: 0 <= lag {lag:.0f} <= retained {retained:.0f} <= 1 GiB")
    # PostgreSQL counts the limit from the start of the current WAL segment
    # (16 MiB), so safe_wal_size may pass it by a part of one.
    check(0 < safe <= (1 << 30) + (16 << 20), f"slot: safe WAL {safe:.0f} within max_slot_wal_keep_size")
    # Heartbeats write WAL every second: PostgreSQL's figures now are a
    # little ahead of the last scrape, never far.
    check(abs(float(slot[0]) - retained) < 64 << 20, f"slot: retained {retained:.0f} near PostgreSQL's {slot[0]}")
    check(abs(float(slot[2]) - safe) < 64 << 20, f"slot: safe WAL {safe:.0f} near PostgreSQL's {slot[2]}")
    wait_for("load's Kafka lag at 0", lambda: has("cdcpipe_load_kafka_lag_messages == 0"), 60)
    check(True, "load's Kafka lag went to 0 once it caught up")
    lines = [json.loads(l) for l in open(os.path.join(env.dir, "capture.log")) if l.startswith("{")]
    check(lines and all({"ts", "level", "component", "msg"} <= set(l) for l in lines),
          f"capture's {len(lines)} log lines are JSON objects with ts, level, component, msg (promtail's fields)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--binary", required=True)
    ap.add_argument("--part", choices=["static", "live"], required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    src, binary = os.path.abspath(args.source_dir), os.path.abspath(args.binary)
    started = time.time()
    if args.part == "static":
        static_part(src, binary)
    else:
        env = Env(args)
        try:
            env.start_pg()
            env.start_kafka()
            live_part(env)
        except Exception as e:
            check(False, f"{type(e).__name__}: {e}")
            for name in ("capture", "load", "prometheus"):
                path = os.path.join(env.dir, f"{name}.log")
                if os.path.exists(path):
                    print(f"--- last lines of {name}.log\n" + "".join(open(path).readlines()[-15:]))
        finally:
            env.cleanup()
    print(f"{'PASS' if not FAILURES else 'FAIL'} ({len(FAILURES)} failed) in {time.time() - started:.0f} s")
    return 0 if not FAILURES else 1


if __name__ == "__main__":
    sys.exit(main())
