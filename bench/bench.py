#!/usr/bin/env python3
"""Helpers for bench/run: timed commands, capture/load measurements, profiles,
and the docs/benchmarks.md report. Standard library only.

Every measurement is stored in WORK/results.json (one flat JSON object);
`render` turns it into the report. Processes started here are recorded in
WORK/pids/<name>.pid so bench/run's trap can stop exactly them.
"""
import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request

# --------------------------------------------------------------------------
# results store


def _results_path(work):
    return os.path.join(work, "results.json")


def load_results(work):
    try:
        with open(_results_path(work)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(work, **kv):
    r = load_results(work)
    r.update(kv)
    tmp = _results_path(work) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(r, f, indent=1, sort_keys=True)
    os.replace(tmp, _results_path(work))


def _pidfile(work, name):
    d = os.path.join(work, "pids")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name + ".pid")


def _spawn(work, name, argv, log_path):
    log = open(log_path, "w")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    with open(_pidfile(work, name), "w") as f:
        f.write(str(p.pid))
    return p


def _reap(p, wait_s):
    """Waits up to wait_s for p; returns (exit_code, rusage) or (None, None).
    Uses wait4 so that an exited child's peak RSS and CPU time are kept."""
    if getattr(p, "bench_done", False):
        return p.returncode, p.bench_ru
    deadline = time.monotonic() + wait_s
    while True:
        try:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        except ChildProcessError:
            return p.returncode, None
        if pid != 0:
            p.returncode = os.waitstatus_to_exitcode(status)
            p.bench_done, p.bench_ru = True, ru
            return p.returncode, ru
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.05)


def _stop(work, name, p, wait_s=60):
    """SIGTERM, wait, then SIGKILL: only our own child, by PID."""
    code, ru = _reap(p, 0)
    if code is None:
        p.send_signal(signal.SIGTERM)
        code, ru = _reap(p, wait_s)
        if code is None:
            p.kill()
            code, ru = _reap(p, 10)
    try:
        os.unlink(_pidfile(work, name))
    except FileNotFoundError:
        pass
    return code, ru


TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid, tid=None):
    """The fields of /proc/PID/stat (of thread `tid`: /proc/PID/task/TID/stat)
    after the command name (index 1: the parent PID, 11-12: utime and stime,
    13-14: cutime and cstime, in clock ticks), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _ticks(pid, reaped_children=False):
    """utime + stime of a process in clock ticks (0 if gone), plus cutime +
    cstime (its children that have exited) if asked."""
    fields = _stat(pid)
    return sum(int(x) for x in fields[11:15 if reaped_children else 13]) if fields else 0


def _proc_status(pid):
    """(VmHWM kB, VmRSS kB, cpu seconds) of a live process, or Nones."""
    hwm = rss = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    fields = _stat(pid)
    return hwm, rss, ((int(fields[11]) + int(fields[12])) / TCK if fields else None)


def _proc_counters(pid):
    """Minor page faults and context switches (voluntary, involuntary) of a
    live process, or {}: a process that does the same work with more faults
    or more preemptions than another shows where its extra CPU went."""
    out = {}
    fields = _stat(pid)
    if fields:
        out["minor_faults"] = int(fields[7])
    # /proc/PID/status counts the main thread's switches only: sum the threads.
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        tids = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    for key, name in (("voluntary_ctxt_switches:", "voluntary_switches"),
                                      ("nonvoluntary_ctxt_switches:", "involuntary_switches")):
                        if line.startswith(key):
                            out[name] = out.get(name, 0) + int(line.split()[1])
        except (OSError, ValueError):
            pass
    return out


def _sample_threads(pid, seen):
    """Records in `seen` (thread id -> (name, CPU seconds)) the CPU of each
    live thread of a process by its name (/proc/PID/task/*/comm: cdcpipe
    names its threads cdc-*, librdkafka its rdk:*, the main thread keeps the
    program's name). A thread that ends keeps its last sample."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue  # the thread ended meanwhile
        fields = _stat(pid, tid)
        if fields:
            seen[tid] = (name, (int(fields[11]) + int(fields[12])) / TCK)


def _threads_by_name(seen, process_cpu):
    """CPU seconds by thread name from _sample_threads' record, and under
    'unsampled' what the process used beyond it: the CPU of threads after
    their last sample, before they ended."""
    by_name = {}
    for name, secs in seen.values():
        by_name[name] = by_name.get(name, 0.0) + secs
    if process_cpu is not None:
        by_name["unsampled"] = max(process_cpu - sum(by_name.values()), 0.0)
    return {k: round(v, 2) for k, v in by_name.items()}


def _pid_from(path_env):
    """The PID in the first line of the file named by $path_env, or None."""
    try:
        with open(os.environ[path_env]) as f:
            return int(f.readline().strip())
    except (KeyError, OSError, ValueError):
        return None


def _pg_ticks(postmaster):
    """CPU ticks of the bench's PostgreSQL: the postmaster, its live children
    (walsenders, backends, autovacuum) and, through its cutime, the children
    that have exited (the walsender of a pg_recvlogical that stopped)."""
    total = _ticks(postmaster, reaped_children=True)
    for d in os.listdir("/proc"):
        fields = _stat(d) if d.isdigit() else None
        if fields and int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total


def cpu_snapshot():
    """Busy ticks of the whole machine (/proc/stat) and CPU ticks of the
    bench's PostgreSQL and Kafka broker (the JVM), whose PIDs are in the files
    named by BENCH_PG_PID_FILE and BENCH_KAFKA_PID_FILE (set by bench/run;
    without them those parts read 0)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    pg, kafka = _pid_from("BENCH_PG_PID_FILE"), _pid_from("BENCH_KAFKA_PID_FILE")
    return {"t": time.monotonic(), "busy": sum(v[:8]) - v[3] - v[4],  # all but idle and iowait
            "pg": _pg_ticks(pg) if pg else 0, "kafka": _ticks(kafka) if kafka else 0}


def cpu_between(a, b, proc_cpu):
    """Where the cores went from snapshot a to b: the machine's busy
    core-seconds, the measured process's CPU seconds (`proc_cpu`, taken where
    it is measured: /proc or wait4), PostgreSQL's, Kafka's, and the rest of
    the busy time (everything else on the machine)."""
    secs = b["t"] - a["t"]
    busy, pg, kafka = ((b[k] - a[k]) / TCK for k in ("busy", "pg", "kafka"))
    proc = proc_cpu or 0.0
    return {"seconds": round(secs, 2), "busy_core_s": round(busy, 2),
            "busy_cores": round(busy / secs, 2) if secs > 0 else None, "process_s": round(proc, 2),
            "postgres_s": round(pg, 2), "kafka_s": round(kafka, 2),
            "rest_s": round(max(0.0, busy - proc - pg - kafka), 2)}


def _log_errors(log_path, limit=5):
    """The error lines of a cdcpipe JSON log (messages only)."""
    out = []
    try:
        with open(log_path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                if j.get("level") in ("error", "fatal"):
                    out.append(f'{j.get("component")}: {j.get("msg")}: {j.get("error", "")}'.strip())
    except FileNotFoundError:
        pass
    return out[:limit]


# --------------------------------------------------------------------------
# Kafka via kcat


def topic_partitions(bootstrap, topic):
    """Partition count from full metadata (never asks for the topic by name,
    which could auto-create it behind cdcpipe's back); None if absent."""
    r = subprocess.run(["kcat", "-b", bootstrap, "-L", "-m", "5"], capture_output=True, text=True)
    m = re.search(r'topic "%s" with (\d+) partitions' % re.escape(topic), r.stdout)
    return int(m.group(1)) if m else None


HWM_WATCH = os.environ.get("BENCH_HWM_WATCH") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "build", "bench", "tools", "kafka_hwm_watch")


class AckWatch:
    """How many messages a topic holds (the sum of its partitions' high
    watermarks: every one acknowledged by Kafka), from one kafka_hwm_watch
    process for the whole wait: a kcat -Q every 0.1 s took ~3% of the two
    cores from the contender being timed."""

    def __init__(self, work, name, bootstrap, topic, expect, timeout):
        self.pidfile = _pidfile(work, name + ".hwm")
        self.p = subprocess.Popen([HWM_WATCH, bootstrap, topic, str(expect), "50", str(int(timeout) + 10)],
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        with open(self.pidfile, "w") as f:
            f.write(str(self.p.pid))
        os.set_blocking(self.p.stdout.fileno(), False)
        self.acked, self._buf, self._eof = 0, b"", False

    def wait(self, seconds):
        """Waits up to `seconds` for a new sum (returns at once when one
        comes); returns the latest."""
        if self._eof:  # the watcher is done: nothing more will come
            time.sleep(seconds)
        elif select.select([self.p.stdout], [], [], seconds)[0]:
            data = self.p.stdout.read() or b""
            self._eof = data == b""
            *lines, self._buf = (self._buf + data).split(b"\n")
            for line in filter(None, lines):
                self.acked = int(line.split()[1])
        return self.acked

    def close(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait()
        self.p.stdout.close()
        os.unlink(self.pidfile)


# --------------------------------------------------------------------------
# commands


def cmd_set(a):
    v = a.value
    if re.fullmatch(r"-?\d+(\.\d+)?", v):
        v = json.loads(v)
    save(a.work, **{a.key: v})


def cmd_get(a):
    v = load_results(a.work).get(a.key, "")
    print(v if not isinstance(v, (dict, list)) else json.dumps(v))


def cmd_timed(a):
    """Runs a command (stdout to a file), records wall seconds and exit code."""
    out = open(a.stdout, "wb") if a.stdout else subprocess.DEVNULL
    err = open(a.log, "wb") if a.log else subprocess.DEVNULL
    start = cpu_snapshot()
    t0 = time.monotonic()
    p = subprocess.Popen(a.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    with open(_pidfile(a.work, a.name), "w") as f:
        f.write(str(p.pid))
    rc, ru = _reap(p, a.timeout)
    if rc is None:
        p.kill()
        _, ru = _reap(p, 30)
        rc = "timeout"
    dt = time.monotonic() - t0
    end = cpu_snapshot()
    os.unlink(_pidfile(a.work, a.name))
    cpu = round(ru.ru_utime + ru.ru_stime, 2) if ru else None
    save(a.work, **{f"{a.name}.seconds": round(dt, 3), f"{a.name}.rc": rc, f"{a.name}.cpu_seconds": cpu,
                    f"{a.name}.sys_seconds": round(ru.ru_stime, 2) if ru else None,
                    f"{a.name}.cpu_split": cpu_between(start, end, cpu)})
    print(f"{a.name}: {dt:.2f} s, exit {rc}, cpu {cpu} s", file=sys.stderr)
    sys.exit(0 if rc == 0 else 1)


def cmd_init_slot(a):
    """Starts capture until it logs "streaming started" (slot and publication
    now exist), then stops it with SIGTERM."""
    p = _spawn(a.work, a.name, [a.cdcpipe, "--log-format", "json", "capture", "-c", a.config], a.log)
    t0 = time.monotonic()
    ok = False
    while time.monotonic() - t0 < a.timeout:
        if _reap(p, 0)[0] is not None:
            break
        with open(a.log, errors="replace") as f:
            if "streaming started" in f.read():
                ok = True
                break
        time.sleep(0.1)
    code, _ = _stop(a.work, a.name, p)
    print(f"{a.name}: streaming started={ok}, capture exit {code}", file=sys.stderr)
    if not ok:
        print("\n".join(open(a.log, errors="replace").read().splitlines()[-20:]), file=sys.stderr)
        sys.exit(1)


def _capture_argv(a):
    base = [a.cdcpipe, "--log-format", "json", "capture", "-c", a.config]
    if a.massif:
        return ["valgrind", "--tool=massif", f"--massif-out-file={a.massif}", "--max-snapshots=200"] + base
    if not a.callgrind:
        return base
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={a.callgrind}", "--dump-instr=no"] + base


def cmd_capture(a):
    """Runs capture until the topic's high watermarks sum to --expect (every
    message acknowledged by Kafka), the process exits, or the timeout."""
    start = cpu_snapshot()
    watch = AckWatch(a.work, a.name, a.bootstrap, a.topic, a.expect, a.timeout)
    p = _spawn(a.work, a.name, _capture_argv(a), a.log)
    t0 = time.monotonic()
    acked, status = 0, None
    # Marks: the first acknowledgement (cdcpipe's CPU then), the last.
    first_ack, first_ack_cpu = None, None
    last = (None, None, None)
    samples = []
    streaming_at = None
    threads, threads_at = {}, -1.0
    while True:
        now = time.monotonic() - t0
        if now - threads_at >= 0.1:  # often enough to see the snapshot's threads before they end
            _sample_threads(p.pid, threads)
            threads_at = now
        if _reap(p, 0)[0] is not None:
            status = "exited"
            break
        if streaming_at is None:
            with open(a.log, errors="replace") as f:
                if "streaming started" in f.read():
                    streaming_at = round(now, 2)
        cur = _proc_status(p.pid)
        if cur[0] is not None:
            last = cur
        if first_ack is None and acked > 0 and cur[2] is not None:
            first_ack, first_ack_cpu = cpu_snapshot(), cur[2]
        if len(samples) == 0 or now - samples[-1][0] >= 1.0:
            samples.append((round(now, 2), acked, cur[1]))
        if acked >= a.expect:
            status = "ok"
            break
        if now > a.timeout:
            status = "timeout"
            break
        acked = watch.wait(a.interval)
    elapsed = time.monotonic() - t0
    end = cpu_snapshot()
    watch.close()
    parts = topic_partitions(a.bootstrap, a.topic)
    hwm, _, cpu = _proc_status(p.pid)
    _sample_threads(p.pid, threads)  # at the same moment as cpu
    if hwm is None:
        hwm, cpu = last[0], last[2]
    cpu_split = {"whole": cpu_between(start, end, cpu)}
    if first_ack is not None and cpu is not None:
        # Until the first message is acknowledged (start-up, and for one big
        # transaction PostgreSQL decoding it before it sends a row), and from
        # then on (delivery).
        cpu_split["until_first_ack"] = cpu_between(start, first_ack, first_ack_cpu)
        cpu_split["delivery"] = cpu_between(first_ack, end, cpu - first_ack_cpu)
    # Not timed: how long after the last acknowledgement the slot is
    # confirmed past the workload (so a restart would not re-send it).
    confirm_delay = None
    if status == "ok" and a.slot and a.dsn and a.confirm_lsn:
        tc = time.monotonic()
        while time.monotonic() - tc < 5:
            r = subprocess.run(["psql", a.dsn, "-Atqc",
                                f"SELECT confirmed_flush_lsn >= '{a.confirm_lsn}'::pg_lsn FROM pg_replication_slots "
                                f"WHERE slot_name = '{a.slot}'"], capture_output=True, text=True)
            if r.stdout.strip() == "t":
                confirm_delay = round(time.monotonic() - tc, 2)
                break
            time.sleep(0.05)
        hwm2, _, cpu2 = _proc_status(p.pid)
        hwm = max(hwm or 0, hwm2 or 0) or None
    code, ru = _stop(a.work, a.name, p)
    if status == "exited" and ru is not None:
        hwm = max(hwm or 0, ru.ru_maxrss)
        cpu = ru.ru_utime + ru.ru_stime
    res = {
        "streaming_started_s": streaming_at, "slot_confirmed_after_s": confirm_delay,
        "slot_confirm_checked": bool(status == "ok" and a.slot and a.confirm_lsn),
        "status": status, "seconds": round(elapsed, 3), "acked": acked, "expect": a.expect,
        "rows_per_s": round(a.expect / elapsed) if status == "ok" else None,
        "peak_rss_mb": round(hwm / 1024, 1) if hwm else None, "cpu_seconds": round(cpu, 2) if cpu else None,
        "exit_code": code, "errors": _log_errors(a.log), "topic": a.topic, "partitions": parts,
        "config": os.path.basename(a.config), "timeline": samples[-40:], "cpu_split": cpu_split,
        "threads_cpu_s": _threads_by_name(threads, cpu),
        "poll_interval_s": a.interval,
    }
    save(a.work, **{a.name: res})
    print(f"{a.name}: {status} in {elapsed:.2f} s, {acked}/{a.expect} acked, peak RSS {res['peak_rss_mb']} MB, "
          f"cpu {res['cpu_seconds']} s, exit {code} {res['errors']}", file=sys.stderr)
    sys.exit(0 if status == "ok" else 1)


# Debezium's connector settings for throughput, as its documentation advises
# (bigger batches and queue, a short poll interval; producer batching and lz4
# through producer.override.*, which Kafka Connect >= 3.0 allows by default),
# with acks=all and the idempotent producer like cdcpipe's. The worker's
# JsonConverter has schemas enabled (scripts/debezium), as cdcpipe writes.
DEBEZIUM_TUNING = {
    "max.batch.size": "8192",
    "max.queue.size": "65536",
    "poll.interval.ms": "50",
    "producer.override.acks": "all",
    "producer.override.enable.idempotence": "true",
    "producer.override.compression.type": "lz4",
    "producer.override.linger.ms": "20",
    "producer.override.batch.size": "1048576",
    "producer.override.buffer.memory": "134217728",
}


def cmd_debezium(a):
    """Runs Debezium's PostgreSQL connector in Kafka Connect standalone
    (scripts/debezium) on an existing slot, from its start until the topic's
    high watermarks sum to --expect (every event acknowledged by Kafka)."""
    d = os.path.join(a.work, a.name)
    os.makedirs(d, exist_ok=True)
    m = re.search(r"host=(\S+)", a.dsn), re.search(r"port=(\d+)", a.dsn), re.search(r"dbname=(\S+)", a.dsn)
    props = {
        "name": f"bench-{a.name}",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": m[0].group(1) if m[0] else "127.0.0.1",
        "database.port": m[1].group(1) if m[1] else "5432",
        "database.user": "postgres", "database.password": "unused",
        "database.dbname": m[2].group(1) if m[2] else "postgres",
        "topic.prefix": a.prefix, "table.include.list": a.table,
        "plugin.name": "pgoutput", "slot.name": a.slot, "publication.name": a.publication,
        "publication.autocreate.mode": "disabled",
        # Streaming figures: the slot was created before the workload, no data
        # snapshot; with no stored offset Debezium starts at the slot's
        # confirmed_flush_lsn, so it streams the same WAL as the others
        # ("never" is gone in 3.x). Figure 2: initial, on a slot of its own.
        "snapshot.mode": a.snapshot_mode,
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": str(a.partitions),
    }
    props.update(DEBEZIUM_TUNING)
    pfile = os.path.join(d, "connector.properties")
    with open(pfile, "w") as f:
        f.write("".join(f"{k}={v}\n" for k, v in props.items()))
    save(a.work, **{f"{a.name}_props": props})
    # The worker's converters (scripts/debezium): JsonConverter, or with
    # --converter avro Apicurio's AvroConverter in Confluent's framing, its
    # schemas in the Apicurio API at --registry.
    env = dict(os.environ, CDCPIPE_DEBEZIUM_CONVERTER=a.converter)
    if a.converter == "avro":
        if not a.registry:
            sys.exit("debezium --converter avro needs --registry")
        env["CDCPIPE_DEBEZIUM_REGISTRY_URL"] = a.registry
    log = open(os.path.join(d, "start.log"), "w")
    t0 = time.monotonic()
    starter = subprocess.Popen([a.script, "start", d, pfile, a.bootstrap], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env)
    with open(_pidfile(a.work, a.name + ".start"), "w") as f:
        f.write(str(starter.pid))
    watch = AckWatch(a.work, a.name, a.bootstrap, a.topic, a.expect, a.timeout)
    java, running_at, status, acked = None, None, None, 0
    samples, last = [], (None, None, None)
    while True:
        now = time.monotonic() - t0
        if java is None and os.path.exists(os.path.join(d, "connect.pid")):
            try:
                java = int(open(os.path.join(d, "connect.pid")).read().strip())
                with open(_pidfile(a.work, a.name + ".java"), "w") as f:
                    f.write(str(java))
            except ValueError:
                pass
        if running_at is None:
            rc, _ = _reap(starter, 0)
            if rc == 0:
                running_at = round(now, 2)
            elif rc is not None:
                status = "failed to start"
                break
        if java is not None and _proc_status(java)[0] is None and running_at is not None:
            status = "exited"
            break
        cur = _proc_status(java) if java else (None, None, None)
        if cur[0] is not None:
            last = cur
        if not samples or now - samples[-1][0] >= 1.0:
            samples.append((round(now, 2), acked, cur[1]))
        if acked >= a.expect:
            status = "ok"
            break
        if now > a.timeout:
            status = "timeout"
            break
        acked = watch.wait(a.interval)
    elapsed = time.monotonic() - t0
    watch.close()
    parts = topic_partitions(a.bootstrap, a.topic)
    hwm, _, cpu = _proc_status(java) if java else (None, None, None)
    if hwm is None:
        hwm, cpu = last[0], last[2]
    _stop(a.work, a.name + ".start", starter, 5)
    subprocess.run([a.script, "stop", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:  # the converter settings scripts/debezium gave the worker
        converter_props = [l.strip() for l in open(os.path.join(d, "worker.properties"))
                           if l.startswith(("key.converter", "value.converter"))]
    except FileNotFoundError:
        converter_props = []
    try:
        os.unlink(_pidfile(a.work, a.name + ".java"))
    except FileNotFoundError:
        pass
    errors = []
    if status != "ok":
        for fn in ("start.log", "connect.log"):
            try:
                errors += [l.strip()[:300] for l in open(os.path.join(d, fn), errors="replace")
                           if " ERROR " in l or "failed" in l][:3]
            except FileNotFoundError:
                pass
    res = {
        "status": status, "seconds": round(elapsed, 3), "acked": acked, "expect": a.expect,
        "rows_per_s": round(a.expect / elapsed) if status == "ok" else None,
        "task_running_s": running_at,
        "rows_per_s_after_running": (round(a.expect / (elapsed - running_at))
                                     if status == "ok" and running_at and elapsed > running_at else None),
        "peak_rss_mb": round(hwm / 1024, 1) if hwm else None, "cpu_seconds": round(cpu, 2) if cpu else None,
        "errors": errors, "topic": a.topic, "partitions": parts, "timeline": samples[-60:],
        "poll_interval_s": a.interval, "converter": a.converter, "converter_props": converter_props,
    }
    save(a.work, **{a.name: res})
    print(f"{a.name}: {status} in {elapsed:.2f} s (task running at {running_at} s), {acked}/{a.expect} acked, "
          f"peak RSS {res['peak_rss_mb']} MB, cpu {res['cpu_seconds']} s {errors}", file=sys.stderr)
    sys.exit(0 if status == "ok" else 1)


def _get_json(url, timeout=15):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode())


def _get_text(url, timeout=15):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def cmd_load(a):
    """Runs load until /v1/progress reports partitions assigned and lag 0."""
    argv = [a.cdcpipe, "--log-format", "json", "load", "-c", a.config]
    if a.callgrind:
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={a.callgrind}", "--dump-instr=no"] + argv
    if a.perf:
        argv = PERF_RECORD + ["-o", a.perf, "--"] + argv
    start = cpu_snapshot()
    p = _spawn(a.work, a.name, argv, a.log)
    t0 = time.monotonic()
    status, prog, last = None, None, (None, None, None)
    samples = []
    while True:
        now = time.monotonic() - t0
        if _reap(p, 0)[0] is not None:
            status = "exited"
            break
        try:
            prog = _get_json(f"http://{a.listen}/v1/progress")
        except Exception as e:  # not listening yet, or 503 while Kafka is queried
            prog = {"error": str(e)}
        cur = _proc_status(p.pid)
        if cur[0] is not None:
            last = cur
        if len(samples) == 0 or now - samples[-1][0] >= 1.0:
            samples.append((round(now, 2), prog.get("lag"), cur[1]))
        if prog.get("assigned", 0) > 0 and prog.get("lag") == 0:
            status = "ok"
            break
        if now > a.timeout:
            status = "timeout"
            break
        time.sleep(a.interval)
    elapsed = time.monotonic() - t0
    end = cpu_snapshot()
    hwm, _, cpu = _proc_status(p.pid)
    counters = _proc_counters(p.pid)
    if hwm is None:
        hwm, cpu = last[0], last[2]
    rows_total, transactions, waited, work = None, None, {}, {}
    try:
        metrics = _get_text(f"http://{a.listen}/metrics")
        m = re.search(r"^cdcpipe_load_rows_total (\d+)", metrics, re.M)
        rows_total = int(m.group(1)) if m else None
        m = re.search(r"^cdcpipe_load_batches_total (\d+)", metrics, re.M)
        transactions = int(m.group(1)) if m else None
        # Where the consuming loop waited (for Kafka's next message, or for
        # the warehouse to finish the batch before), and where the work went
        # (decoding, and the warehouse's phases).
        waited = _labelled_seconds(metrics, "cdcpipe_load_wait_seconds_total", "on")
        work = _labelled_seconds(metrics, "cdcpipe_load_work_seconds_total", "in")
    except Exception:
        pass
    verify = None
    if status == "ok" and a.verify:
        # Untimed sanity check while load still serves its warehouse.
        t = time.monotonic()
        r = subprocess.run([a.cdcpipe, "--log-format", "json", "verify", "-c", a.config, "--timeout", "30"],
                           capture_output=True, text=True, timeout=300)
        verify = {"rc": r.returncode, "seconds": round(time.monotonic() - t, 1),
                  "stdout": r.stdout.strip().splitlines()[-5:],
                  "errors": [l for l in r.stderr.splitlines() if '"error"' in l][-3:]}
    code, ru = _stop(a.work, a.name, p)
    if status == "exited" and ru is not None:
        hwm = max(hwm or 0, ru.ru_maxrss)
        cpu = ru.ru_utime + ru.ru_stime
    res = {
        "status": status, "seconds": round(elapsed, 3), "expect": a.expect, "last_progress": prog,
        "rows_total_metric": rows_total, "transactions": transactions, "waited_s": waited, "work_s": work,
        "cpu_split": {"whole": cpu_between(start, end, cpu)},
        "rows_per_s": round(a.expect / elapsed) if status == "ok" else None,
        "peak_rss_mb": round(hwm / 1024, 1) if hwm else None, "cpu_seconds": round(cpu, 2) if cpu else None,
        "counters": counters,
        "exit_code": code, "errors": _log_errors(a.log), "verify": verify, "timeline": samples[-60:],
        "poll_interval_s": a.interval,
    }
    save(a.work, **{a.name: res})
    print(f"{a.name}: {status} in {elapsed:.2f} s, rows metric {rows_total}, peak RSS {res['peak_rss_mb']} MB, "
          f"cpu {res['cpu_seconds']} s, {counters}, waited {waited}, work {work}, exit {code}, verify {verify}", file=sys.stderr)
    sys.exit(0 if status == "ok" else 1)


def cmd_setjson(a):
    """Stores the JSON object in a file under a key."""
    with open(a.file) as f:
        save(a.work, **{a.key: json.load(f)})


def cmd_micro(a):
    """Google Benchmark JSON (with repetitions, aggregates only) -> the median
    of each benchmark."""
    with open(a.file) as f:
        j = json.load(f)
    out = []
    for b in j.get("benchmarks", []):
        if b.get("aggregate_name") != "median":
            continue
        out.append({"name": b["run_name"], "real_time": b["real_time"], "cpu_time": b["cpu_time"],
                    "unit": b.get("time_unit", "ns"), "items_per_second": b.get("items_per_second"),
                    "bytes_per_second": b.get("bytes_per_second"), "iterations": b.get("iterations")})
    ctx = j.get("context", {})
    save(a.work, **{a.name: {"benchmarks": out, "library_build_type": ctx.get("library_build_type"),
                             "repetitions": 3, "load_avg": ctx.get("load_avg")}})
    for b in out:
        print(f"{b['name']}: {b['real_time']:.1f} {b['unit']}, {b['items_per_second']}", file=sys.stderr)


_HIST = "cdcpipe_load_source_to_warehouse_seconds"
_KAFKA_HIST = "cdcpipe_load_kafka_to_warehouse_seconds"
_APPLY_HIST = "cdcpipe_load_apply_seconds"


def _buckets(text, name):
    """Cumulative buckets [(le ms, count)] of the histogram `name`."""
    return [(float("inf") if le == "+Inf" else round(float(le) * 1000, 3), int(v))
            for le, v in re.findall(r'^%s_bucket\{le="([^"]+)"\} (\d+)' % name, text, re.M)]


def _labelled_seconds(metrics, name, label):
    """{label value: seconds} of a counter with one label, from /metrics text."""
    series = re.findall(r'^%s\{%s="(\w+)"\} ([0-9.e+-]+)' % (name, label), metrics, re.M)
    return {value: round(float(v), 2) for value, v in series}


def _scrape(listen):
    """(rows applied, cumulative buckets [(le ms, count)], count, sum seconds,
    buckets of the Kafka-record-to-warehouse and of the apply-duration histograms)."""
    text = _get_text(f"http://{listen}/metrics")
    rows = int(re.search(r"^cdcpipe_load_rows_total (\d+)", text, re.M).group(1))
    count = int(re.search(r"^%s_count (\d+)" % _HIST, text, re.M).group(1))
    total = float(re.search(r"^%s_sum (\S+)" % _HIST, text, re.M).group(1))
    return rows, _buckets(text, _HIST), count, total, _buckets(text, _KAFKA_HIST), _buckets(text, _APPLY_HIST)


def _window(after, before):
    """The cumulative buckets of what a histogram counted between two scrapes."""
    return [(le, v - v0) for (le, v), (_, v0) in zip(after, before)]


def _quantile(q, buckets):
    """Linear interpolation inside the bucket holding rank q (as Prometheus'
    histogram_quantile); buckets are cumulative [(le ms, count)]."""
    total = buckets[-1][1] if buckets else 0
    if total == 0:
        return None
    rank = q * total
    lo, below = 0.0, 0
    for le, c in buckets:
        if c >= rank:
            if le == float("inf"):
                return lo
            return lo + (le - lo) * (rank - below) / max(c - below, 1)
        lo, below = le, c
    return lo


def _max_bucket(buckets):
    """(lower, upper] ms bounds of the highest non-empty bucket."""
    lo, below, out = 0.0, 0, None
    for le, c in buckets:
        if c > below:
            out = (lo, le)
        lo, below = le, c
    return out


def cmd_e2e(a):
    """`cdcpipe run` on a fresh table; for each rate, pgbench --rate for
    --seconds, then waits until every row is applied; the latency of the
    window's rows is the difference of the load's histogram before and after."""
    p = _spawn(a.work, a.name, [a.cdcpipe, "--log-format", "json", "run", "-c", a.config], a.log)
    res = {"rates": [], "status": None, "seconds_per_rate": a.seconds}

    def fail(msg):
        res["status"] = msg
        code, _ = _stop(a.work, a.name, p)
        res["exit_code"], res["errors"] = code, _log_errors(a.log)
        save(a.work, **{a.name: res})
        print(f"{a.name}: {msg} {res['errors']}", file=sys.stderr)
        sys.exit(1)

    def wait(pred, timeout):
        t = time.monotonic()
        while time.monotonic() - t < timeout:
            if _reap(p, 0)[0] is not None:
                return False
            try:
                if pred():
                    return True
            except Exception:
                pass
            time.sleep(0.05)
        return False

    def streaming():
        with open(a.log, errors="replace") as f:
            return "streaming started" in f.read()

    if not wait(streaming, 150):
        fail("capture did not start streaming")
    subprocess.run(["psql", a.dsn, "-v", "ON_ERROR_STOP=1", "-qc",
                    "INSERT INTO e2e(customer_id, amount, status, note) VALUES (0, 0, 'warm-up', 'warm-up')"],
                   check=True)
    if not wait(lambda: _scrape(a.listen)[0] >= 1, 150):
        fail("the warm-up row was not applied within 150 s")
    for spec in [x for x in a.rates.split(",") if x]:
        # RATE rows/s in single-row transactions, or RATExK: RATE rows/s in
        # transactions of K rows (--batch-script, @K@ replaced).
        rate_text, _, k_text = spec.partition("x")
        rate, per_tx = int(rate_text), int(k_text or 1)
        script = a.script
        if per_tx > 1:
            script = os.path.join(a.work, f"e2e_{per_tx}_rows.sql")
            with open(a.batch_script) as src, open(script, "w") as dst:
                dst.write(src.read().replace("@K@", str(per_tx)))
        rows0, b0, c0, s0, k0, ap0 = _scrape(a.listen)
        cpu0 = _proc_status(p.pid)[2]
        t0, window_start = time.monotonic(), time.time()
        pg = subprocess.run(["pgbench", "-n", "-c", "4", "-j", "2", f"--rate={rate / per_tx:g}", "-T", str(a.seconds),
                             "-f", script, a.dsn], capture_output=True, text=True)
        t_end, window_end = time.monotonic(), time.time()
        m = re.search(r"number of transactions actually processed: (\d+)", pg.stdout)
        n = int(m.group(1)) * per_tx if m else 0
        tps = re.search(r"^tps = ([\d.]+)", pg.stdout, re.M)
        lag = re.search(r"rate limit schedule lag: avg ([\d.]+) \(max ([\d.]+)\) ms", pg.stdout)
        applied = wait(lambda: _scrape(a.listen)[0] >= rows0 + n and
                       _get_json(f"http://{a.listen}/v1/progress").get("lag") == 0, 300)
        drain = time.monotonic() - t_end
        rows1, b1, c1, s1, k1, ap1 = _scrape(a.listen)
        cpu1 = _proc_status(p.pid)[2]
        delta, kdelta, apdelta = _window(b1, b0), _window(k1, k0), _window(ap1, ap0)
        cnt = c1 - c0
        r = {"rate": rate, "rows_per_tx": per_tx, "pgbench_rc": pg.returncode, "transactions": n // per_tx,
             "achieved_rows_per_s": round(n / a.seconds) if n else 0,
             "pgbench_tps": float(tps.group(1)) if tps else None,
             "schedule_lag_avg_ms": float(lag.group(1)) if lag else None,
             "schedule_lag_max_ms": float(lag.group(2)) if lag else None,
             "all_applied": applied, "drain_after_end_s": round(drain, 2), "observed": cnt,
             "rows_applied": rows1 - rows0,
             "p50_ms": _quantile(0.5, delta), "p99_ms": _quantile(0.99, delta),
             "max_bucket_ms": _max_bucket(delta),
             "kafka_p50_ms": _quantile(0.5, kdelta), "kafka_p99_ms": _quantile(0.99, kdelta),
             "apply_p50_ms": _quantile(0.5, apdelta), "apply_p99_ms": _quantile(0.99, apdelta),
             "applies": apdelta[-1][1] if apdelta else None, "mean_ms": round((s1 - s0) * 1000 / cnt, 1) if cnt else None,
             "cpu_cores": round((cpu1 - cpu0) / (time.monotonic() - t0), 2) if cpu0 is not None and cpu1 is not None else None,
             "rss_mb": round((_proc_status(p.pid)[1] or 0) / 1024, 1),
             "window_unix": [window_start, window_end],
             "buckets": [(le if le != float("inf") else "+Inf", v) for le, v in delta if v]}
        res["rates"].append(r)
        save(a.work, **{a.name: res})
        print(f"{a.name} {rate}/s ({per_tx} rows per transaction): {n} rows, p50 {r['p50_ms']} p99 {r['p99_ms']} max in {r['max_bucket_ms']} ms "
              f"(Kafka record -> warehouse p50 {r['kafka_p50_ms']} p99 {r['kafka_p99_ms']}; {r['applies']} applies, "
              f"p50 {r['apply_p50_ms']} p99 {r['apply_p99_ms']} ms each), "
              f"applied {applied}, cpu {r['cpu_cores']} cores", file=sys.stderr)
        if not applied:
            fail(f"rows of the {rate}/s window were not all applied within 300 s")
    hwm = _proc_status(p.pid)[0]
    code, _ = _stop(a.work, a.name, p)
    res.update({"status": "ok", "exit_code": code, "peak_rss_mb": round(hwm / 1024, 1) if hwm else None,
                "errors": _log_errors(a.log)})
    if a.duckdb and a.query_tool:
        for r in res["rates"]:
            r["from_rows"] = _latency_from_rows(a.query_tool, a.duckdb, *r["window_unix"])
            print(f"{a.name} {r['rate']}/s from the rows' timestamps: {r['from_rows']}", file=sys.stderr)
    save(a.work, **{a.name: res})


def _latency_from_rows(query_tool, duckdb_file, start, end):
    """Figure 4 measured a second way, without cdcpipe's histogram, for the
    rows PostgreSQL inserted between start and end (unix seconds): from the
    row's source commit (_cdc_ts, Debezium's source.ts_ms, truncated to the
    millisecond) to the start of the DuckDB transaction that loaded it
    (_cdc_loaded_at, DuckDB's now()). The row becomes visible when that
    transaction commits, so this is below the visible latency by the
    transaction's own duration. Also from the INSERT (created_at is
    PostgreSQL's clock_timestamp() there), which no cdcpipe clock touches,
    and the INSERT -> commit part on its own."""
    since_commit = "(epoch_us(_cdc_loaded_at) - epoch_us(_cdc_ts)) / 1000.0"
    since_insert = "(epoch_us(_cdc_loaded_at) - epoch_us(created_at)) / 1000.0"
    to_commit = "(epoch_us(_cdc_ts) - epoch_us(created_at)) / 1000.0"
    stats = lambda e: f"quantile_cont({e}, 0.5), quantile_cont({e}, 0.99), max({e})"
    sql = (f"SELECT count(*), {stats(since_commit)}, {stats(since_insert)}, max({to_commit}) "
           "FROM \"public\".\"e2e\" "
           f"WHERE status <> 'warm-up' AND epoch_us(created_at) BETWEEN {int(start * 1e6)} AND {int(end * 1e6)}")
    out = subprocess.run([query_tool, duckdb_file, sql], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[:300]}
    v = out.stdout.strip().split("\t")
    number = lambda x: None if x == "\\N" else round(float(x), 1)
    return {"rows": int(v[0]), "p50_ms": number(v[1]), "p99_ms": number(v[2]), "max_ms": number(v[3]),
            "from_insert_p50_ms": number(v[4]), "from_insert_p99_ms": number(v[5]),
            "from_insert_max_ms": number(v[6]), "insert_to_commit_max_ms": number(v[7])}


def cmd_machine(a):
    def sh(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:
            return ""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    pins = {}
    try:
        for line in open(os.path.join(a.root, "scripts", "setup.pins")):
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                pins[k] = v.strip('"')
    except FileNotFoundError:
        pass
    build_type = "?"
    try:
        for line in open(os.path.join(a.root, "build", "CMakeCache.txt")):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                build_type = line.split("=", 1)[1].strip()
    except FileNotFoundError:
        pass
    kcat_v = sh("kcat", "-V").splitlines()
    dirty = sh("git", "-C", a.root, "status", "--porcelain", "--", "src")
    m = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "nproc": os.cpu_count(), "cpu_model": cpu, "mem": mem,
        "kernel": os.uname().release, "pg_version": sh("psql", a.dsn, "-Atc", "show server_version"),
        "pg_fsync": sh("psql", a.dsn, "-Atc", "show fsync"),
        "kafka_version": pins.get("KAFKA_VERSION", "?"),
        "debezium_version": pins.get("DEBEZIUM_VERSION", ""),
        "apicurio_version": pins.get("APICURIO_VERSION", ""),
        "kcat_version": next((l.split("(")[0].replace("Version", "").strip() for l in kcat_v
                              if l.startswith("Version")), "?"),
        "cdcpipe_version": sh(a.cdcpipe, "--version"), "git_head": sh("git", "-C", a.root, "rev-parse", "--short", "HEAD"),
        "src_dirty": bool(dirty), "build_type": build_type,
        "binary_mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(a.cdcpipe))),
        "binary_path": os.path.abspath(a.cdcpipe),
        "loadavg": open("/proc/loadavg").read().split()[0],
    }
    save(a.work, machine=m)


def cmd_msg_bytes(a):
    r = subprocess.run(["kcat", "-b", a.bootstrap, "-C", "-t", a.topic, "-p", "0", "-o", "beginning", "-c", "2000",
                        "-e", "-q", "-f", "%S\n"], capture_output=True, text=True, timeout=60)
    sizes = [int(x) for x in r.stdout.split() if x.isdigit()]
    if sizes:
        r2 = load_results(a.work)
        m = r2.get("machine", {})
        m[a.name] = round(sum(sizes) / len(sizes))
        save(a.work, machine=m)


def cmd_hwm(a):
    """How many messages the topic holds now (0 if it does not exist)."""
    r = subprocess.run([HWM_WATCH, a.bootstrap, a.topic, "0", "50", "5"], capture_output=True, text=True)
    print(r.stdout.split()[1] if r.returncode == 0 else 0)


def _annotate(path, inclusive, n, keep=lambda fn: True):
    r = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100", path],
                       capture_output=True, text=True)
    total = None
    m = re.search(r"^\s*([\d,]+)\s+(?:\(100\.0%\)\s+)?PROGRAM TOTALS", r.stdout, re.M)
    if m:
        total = int(m.group(1).replace(",", ""))
    rows = []
    in_funcs = False
    for line in r.stdout.splitlines():
        if "file:function" in line:
            in_funcs = True
            continue
        if not in_funcs:
            continue
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*([\d.]+)%\)\s+)?(\S.*)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        pct = float(m.group(2)) if m.group(2) else (100.0 * ir / total if total else None)
        fn = m.group(3)
        obj = ""
        mo = re.match(r"^(.*) \[(.*)\]$", fn)
        if mo:
            fn, obj = mo.group(1), os.path.basename(mo.group(2))
        if not keep(fn):
            continue
        fn = re.sub(r"^/\S*?/src/", "src/", fn)
        if any(row["function"] == fn for row in rows):
            continue
        rows.append({"ir": ir, "pct": pct, "function": fn, "object": obj})
        if len(rows) >= n:
            break
    return total, rows


def _by_object(path):
    """Self cost summed per ELF object (functions with no object listed are
    inlined into a caller's file: counted as cdcpipe)."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", "--auto=no", path],
                       capture_output=True, text=True)
    sums, total, in_funcs = {}, 0, False
    for line in r.stdout.splitlines():
        if "file:function" in line:
            in_funcs = True
            continue
        if in_funcs and total and not line.strip():
            break  # end of the function list (annotated sources may follow)
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$", line) if in_funcs else None
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        mo = re.search(r" \[(.*)\]$", m.group(2))
        obj = os.path.basename(mo.group(1)) if mo else "cdcpipe"
        obj = re.sub(r"\.so[.\d]*$", "", obj)
        sums[obj] = sums.get(obj, 0) + ir
        total += ir
    return [{"object": k, "pct": round(100.0 * v / total, 1)} for k, v in
            sorted(sums.items(), key=lambda kv: -kv[1])[:8]] if total else []


def _is_cdc(fn):
    """A cdcpipe function (not a std::/absl:: helper instantiated for it)."""
    name = fn.split(":", 1)[1] if re.match(r"^[^:]*\.(h|cc|hpp|cpp):", fn) else fn
    name = re.sub(r"<.*", "", name.split("(")[0])
    return bool(re.search(r"(^|\s)cdc::", name)) and "{lambda" not in fn


def cmd_top(a):
    """Top functions by self cost (Ir) from a callgrind output file, and the
    cdcpipe functions with the highest inclusive cost."""
    total, rows = _annotate(a.file, False, a.n)
    _, incl = _annotate(a.file, True, a.n, _is_cdc)
    save(a.work, **{a.name: {"total_ir": total, "top": rows, "inclusive_cdc": incl, "by_object": _by_object(a.file),
                             "file": os.path.basename(a.file)}})
    for row in rows:
        print(f"{row['pct']:6.2f}%  {row['function'][:150]}  [{row['object']}]", file=sys.stderr)
    for row in incl:
        print(f"incl {row['pct']:6.2f}%  {row['function'][:150]}", file=sys.stderr)


# perf samples every thread on the CPU clock (this VM has no hardware
# counters) and unwinds user stacks from a copy of them (the build keeps no
# frame pointers), so that a function's cost includes its callees'.
PERF_RECORD = ["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384"]


def _perf_report(file, *args):
    """The lines of `perf report --stdio` of `file`, without call graphs."""
    return subprocess.run(["perf", "report", "-i", file, "--stdio", "-g", "none", *args],
                          capture_output=True, text=True, timeout=900).stdout.splitlines()


def cmd_perf_threads(a):
    """The CPU samples of a perf.data file by thread, and the functions the
    busiest cdcpipe thread spent them in, with their callees (children)."""
    threads = []
    for line in _perf_report(a.file, "--no-children", "--sort", "comm"):
        m = re.match(r"^\s*([\d.]+)%\s+(\S.*?)\s*$", line)
        if m:
            threads.append({"thread": m.group(2), "pct": float(m.group(1))})
    busiest = next((t["thread"] for t in threads if t["thread"].startswith("cdc-")), None)
    functions = []
    if busiest:
        for line in _perf_report(a.file, "--no-inline", "--children", "--comm", busiest, "--sort", "sym"):
            m = re.match(r"^\s*([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(.*?)\s*$", line)
            if not m:
                continue
            fn = m.group(4)
            # Frames every sample of the thread passes through say nothing.
            if fn.startswith("0x") or fn in ("clone3", "start_thread") or fn.startswith("std::thread::"):
                continue
            functions.append({"function": fn, "children": float(m.group(1)), "self": float(m.group(2))})
            if len(functions) >= a.n:
                break
    samples = None
    for line in _perf_report(a.file, "--header-only"):
        m = re.search(r"sample duration :\s*([\d.]+) ms", line)
        if m:
            samples = float(m.group(1)) / 1000
    save(a.work, **{a.name: {"threads": threads, "busiest": busiest, "functions": functions,
                             "seconds": samples, "file": os.path.basename(a.file)}})
    for t in threads:
        print(f"{t['pct']:6.2f}%  {t['thread']}", file=sys.stderr)
    for f in functions:
        print(f"{f['children']:6.2f}% {f['self']:6.2f}%  {f['function'][:150]}", file=sys.stderr)


def cmd_massif(a):
    """Heap at the peak snapshot of a massif output: the allocation tree down
    to --depth levels, branches of at least --min-pct of the peak heap."""
    lines = open(a.file, errors="replace").read().splitlines()
    snaps, cur = [], None
    for line in lines:
        if line.startswith("snapshot="):
            cur = {"tree": [], "heap": 0, "kind": None}
            snaps.append(cur)
        elif cur is not None and line.startswith("mem_heap_B="):
            cur["heap"] = int(line.split("=")[1])
        elif cur is not None and line.startswith("mem_heap_extra_B="):
            cur["extra"] = int(line.split("=")[1])
        elif cur is not None and line.startswith("heap_tree="):
            cur["kind"] = line.split("=")[1]
        elif cur is not None and re.match(r"^\s*n\d+: ", line):
            depth = len(line) - len(line.lstrip(" "))
            m = re.match(r"^\s*n\d+: (\d+) (.*)$", line)
            cur["tree"].append((depth, int(m.group(1)), m.group(2)))
    peak = next((sn for sn in snaps if sn["kind"] == "peak"), None)
    if peak is None:
        peak = max(snaps, key=lambda sn: sn["heap"]) if snaps else None
    if not peak or not peak["tree"]:
        save(a.work, **{a.name: {"error": "no detailed snapshot"}})
        return
    total = peak["heap"]
    out = []
    for depth, b, label in peak["tree"]:
        if depth == 0 or depth > a.depth or b < total * a.min_pct / 100:
            continue
        label = re.sub(r"^0x[0-9A-F]+: ", "", label)
        out.append({"depth": depth, "bytes": b, "label": label})
    save(a.work, **{a.name: {"peak_heap_mb": round(total / 2**20, 1), "depth": a.depth, "min_pct": a.min_pct,
                             "peak_extra_mb": round(peak.get("extra", 0) / 2**20, 1), "tree": out}})
    for e in out:
        print(f"{'  ' * e['depth']}{e['bytes'] / 2**20:8.1f} MB  {e['label'][:140]}", file=sys.stderr)


# --------------------------------------------------------------------------
# report


def _fmt_rate(v):
    return f"{v:,.0f}" if isinstance(v, (int, float)) else "—"


def _sec(v):
    return f"{v:.2f} s" if isinstance(v, (int, float)) else "—"


def _yes(ok):
    return "**yes**" if ok else "**NO**"


def _capture_cell(c):
    if not c:
        return "not run"
    if c["status"] == "ok":
        return f"{_fmt_rate(c['rows_per_s'])} rows/s ({_sec(c['seconds'])})"
    err = "; ".join(c.get("errors") or []) or f"exit {c.get('exit_code')}"
    return (f"FAILED ({c['status']} after {_sec(c['seconds'])}, {c['acked']:,} of {c['expect']:,} "
            f"acknowledged): `{err[:300]}`")


def _after_first_ack(c):
    """The rate from the first sample with an acknowledged message to the end:
    without the start-up (producer init, slot/topic metadata)."""
    if not c or c.get("status") != "ok":
        return ""
    first = next(((t, n) for t, n, _ in c.get("timeline") or [] if isinstance(n, int) and n > 0), None)
    if not first or c["seconds"] - first[0] < 0.5:
        return ""
    rate = (c["expect"] - first[1]) / (c["seconds"] - first[0])
    return (f" First acknowledgement seen at {first[0]} s ({first[1]:,} acknowledged); from there to the end "
            f"{_fmt_rate(rate)} rows/s (start-up excluded; the timeline is sampled about once a second, so "
            "this is approximate).")


def _first_ack_rate(c):
    if not c or c.get("status") != "ok":
        return None
    first = next(((t, n) for t, n, _ in c.get("timeline") or [] if isinstance(n, int) and n > 0), None)
    if not first or c["seconds"] - first[0] < 0.5:
        return None
    return (c["expect"] - first[1]) / (c["seconds"] - first[0])


def _ok_rate(c):
    """rows/s of a capture or peer result that succeeded, else None."""
    return c.get("rows_per_s") if c and c.get("status") == "ok" else None


def _timed_rate(r, name, n):
    """rows/s of the timed run NAME (pg_recvlogical, kcat, COPY) over N rows, else None."""
    secs = r.get(f"{name}.seconds")
    return n / secs if secs and n and r.get(f"{name}.rc") == 0 else None


def _rows_latency_text(fr):
    """Figure 4's second measure (bench.py _latency_from_rows), for its table cell."""
    if not fr:
        return ""
    if fr.get("error") or not fr.get("rows"):
        return f"; from the rows' timestamps: not measured ({fr.get('error') or 'no rows'})"
    text = (f"; from the rows' timestamps (source commit -> start of the loading transaction): p50 "
            f"{fr['p50_ms']:.0f} ms, p99 {fr['p99_ms']:.0f} ms, max {fr['max_ms']:.0f} ms ({fr['rows']:,} rows)")
    if fr.get("from_insert_max_ms") is not None:
        text += (f"; from the INSERT: p99 {fr['from_insert_p99_ms']:.0f} ms, max {fr['from_insert_max_ms']:.0f} ms "
                 f"(INSERT -> commit at most {fr['insert_to_commit_max_ms']:.0f} ms)")
    return text


def _is_e2e_target(x):
    """The e2e window the issue's target is about: 5k single-row transactions a second."""
    return x["rate"] == 5000 and x.get("rows_per_tx", 1) == 1


def _timed_delivery(r, name, n, unit, cpu=False):
    """(rate, table cell) of the timed producer run NAME, which had to leave N
    messages in Kafka (recorded as NAME.msgs)."""
    secs = r.get(f"{name}.seconds")
    rate = _timed_rate(r, name, n) if r.get(f"{name}.msgs") == n else None
    ok = rate is not None
    cpu_note = f", kcat CPU {r.get(f'{name}.cpu_seconds')} s" if cpu else ""
    cell = (f"{_fmt_rate(rate)} {unit} ({_sec(secs)}{cpu_note})" if ok else
            f"FAILED (exit {r.get(f'{name}.rc')}, {r.get(f'{name}.msgs')} of {n} messages in Kafka)")
    return rate, cell


def _load_cell(ld):
    if ld["status"] == "ok":
        return f"{_fmt_rate(ld['rows_per_s'])} rows/s ({_sec(ld['seconds'])})"
    return (f"FAILED ({ld['status']} after {_sec(ld['seconds'])}): "
            f"`{'; '.join(ld.get('errors') or [])[:300]}` last progress `{json.dumps(ld.get('last_progress'))}`")


def mix_rows(r, w):
    """Figure 3 on a change mix: updates, deletes and inserts loaded on top of
    the 1a rows, in both delete modes, against kcat reading the same topic."""
    messages, changes = r.get("mix3_messages"), r.get("mix3_changes")
    if not messages:
        return
    kc = r.get("kcat3m.seconds")
    kc_rate = _timed_rate(r, "kcat3m", messages)
    ref = f"kcat -C of the same topic: {_fmt_rate(kc_rate)} msgs/s ({_sec(kc)})" if kc_rate else "kcat FAILED"
    for name, mode in (("load3m", "upsert, hard deletes"), ("load3softm", "upsert, delete_mode soft")):
        x = r.get(name)
        if not x:
            continue
        ok = x["status"] == "ok"
        msg_rate = messages / x["seconds"] if ok and x.get("seconds") else None
        ratio = _ratio(msg_rate, kc_rate)
        cell = (f"{_fmt_rate(x['rows_per_s'])} changes/s, {_fmt_rate(msg_rate)} msgs/s ({_sec(x['seconds'])})"
                if ok else _load_cell(x))
        w(f"| 3 | load ({mode}) of a change mix into the table loaded above: {r.get('mix3_note')}; "
          f"{messages:,} messages, {changes:,} changes | {cell} | {ref} | {f'{ratio:.2f}x' if ratio else '—'} | "
          f"(none stated) | {_would_meet(_ok_rate(x), 200000, '200k')} |")


def _verify_text(v):
    """What `cdcpipe verify` said after a load (bench.py load --verify)."""
    return (f"`cdcpipe verify` (untimed, source orders vs warehouse): exit {v['rc']} in {v['seconds']} s: "
            + "; ".join(f"`{line.strip()}`" for line in v.get("stdout", [])))


def _dbz_avro_what(r):
    """How the Debezium-with-Avro peer writes (bench/run's dbz ... avro)."""
    m = r.get("machine", {})
    return (f"Apicurio Registry {m.get('apicurio_version', '')}'s AvroConverter, in Confluent's framing: magic "
            "byte, 4-byte schema id, Avro binary")


def _would_meet(rate, target, label):
    """The met? cell of a reference row measured against a target it is not judged on."""
    if not rate:
        return "—"
    return f"(would meet {label})" if rate >= target else f"(below {label})"


def _fmt_x(v, line=0.9):
    """A ratio to two decimals, or to three where two would round it up onto
    the target's line (0.899x, not a 0.90x that misses 0.9x)."""
    return f"{v:.3f}x" if v < line and f"{v:.2f}" == f"{line:.2f}" else f"{v:.2f}x"


def _ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return a / b
    return None


# Sections of docs/benchmarks.md written by hand (analysis of how figures
# moved, why a target is missed): a new run keeps them from the file it
# rewrites, so regenerating the figures never loses the reasoning.
HAND_WRITTEN = ("How the figures moved during development", "Why the missed targets are missed",
                "Ad-hoc snapshots while streaming")


def _hand_written_sections(path):
    try:
        text = open(path).read()
    except FileNotFoundError:
        return {}
    found = {}
    for title in HAND_WRITTEN:
        m = re.search(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", text, re.S | re.M)
        if m:
            found[title] = m.group(0).rstrip("\n").split("\n")
    return found


def _round_suffixes(rounds):
    """The phase suffix of each round of 1a/1b (and of 3's loads: load3,
    load3_r2, ...): "" for round 1 (phase 1a),
    "_r2" for round 2 (1a_r2), ...; the twins of phase 1a_r2 in the other
    formats are 1as_r2 (json_schemaless) and 1av_r2 (avro)."""
    return [""] + [f"_r{i}" for i in range(2, rounds + 1)]


def _median(values):
    """The median (the upper one of an even count), or None if one is missing."""
    return None if not values or None in values else sorted(values)[len(values) // 2]


def capture_rounds(r, tag, n, twin=""):
    """Round by round over the same WAL (phases TAG, TAG_r2, ...; TAG<twin>,
    TAG<twin>_r2, ... for a twin format): the capture results,
    pg_recvlogical's rates over N rows, and their ratios (None where a round
    failed)."""
    sfxs = _round_suffixes(r.get(f"rounds{tag}") or 1)
    caps = [r.get(f"cap{tag}{twin}{sfx}_default") for sfx in sfxs]
    recvs = [_timed_rate(r, f"recv{tag}{sfx}", n) for sfx in sfxs]
    return caps, recvs, [_ratio(_ok_rate(c), x) for c, x in zip(caps, recvs)]


def load_rounds(r):
    """Figure 3's upsert loads of the 1a topic (load3, load3_r2, ...) and
    their rates (None where one failed)."""
    loads = [r.get(f"load3{sfx}") for sfx in _round_suffixes(r.get("rounds3") or 1)]
    return loads, [_ok_rate(x) for x in loads]


def missed_targets(r):
    """The targets bench/run profiles when missed, judged as the verdict
    judges them: 1a and 1b by the median of their rounds' ratios, load by
    the median of its rounds. A figure without results counts as missed
    (BENCH_ONLY=profile profiles all)."""
    def below(value, target):
        return not (value is not None and value >= target)
    c1a = r.get("cap1a_default") or {}
    checks = {
        "1a": below(_median(capture_rounds(r, "1a", r.get("rows_1a"))[2]), 0.9),
        "1b": below(_median(capture_rounds(r, "1b", r.get("tx_1b"))[2]), 0.9),
        "load": below(_median(load_rounds(r)[1]), 200000),
        "snap": below(_ok_rate(r.get("cap2")), 500000),
        "rss": not (c1a.get("status") == "ok" and (c1a.get("peak_rss_mb") or 1e9) <= 256),
    }
    return {k for k, missed in checks.items() if missed}


def cmd_missed(a):
    """Exit 0 when the figure's target is missed (see missed_targets)."""
    sys.exit(0 if a.figure in missed_targets(load_results(a.work)) else 1)


# The other formats 1a, 1b, 1c, 2 and 3 run in beside the default (bench/run's
# twins): their phase letter, format, and what it is.
TWINS = (("s", "json_schemaless", "JsonConverter schemas.enable=false, decimal_handling_mode string: ~0.6 KB per "
          "event instead of ~3.3 KB"),
         ("v", "avro", "Confluent's AvroConverter, schemas in `cdcpipe registry`: ~0.25 KB per event"))


def _split_row(w, figure, who, x):
    if not x:
        return
    w(f"| {figure} | {who} | {_sec(x['seconds'])} | {x['busy_core_s']:.2f} s ({x['busy_cores']:.2f} cores) | "
      f"{x['process_s']:.2f} s | {x['postgres_s']:.2f} s | {x['kafka_s']:.2f} s | {x['rest_s']:.2f} s |")


def load_work_section(r, w):
    """Where each load of figure 3 spent its time: the consuming loop waiting
    for Kafka or for the warehouse, decoding, and the warehouse's phases."""
    runs = [(name, label) for name, label in (
        ("load3", "1a topic, upsert"), ("load3soft", "1a topic, delete_mode soft"),
        ("load3_r2", "1a topic, upsert, round 2"), ("load3append", "1a topic, append mode"),
        *((f"load3_r{i}", f"1a topic, upsert, round {i}") for i in range(3, (r.get("rounds3") or 1) + 1)), ("load3s", "1a json_schemaless topic, upsert"),
        ("load3v", "1a avro topic, upsert"),
        ("load3m", "change mix, upsert"), ("load3softm", "change mix, delete_mode soft")) if r.get(name)]
    if not runs:
        return
    w("## Where load's time went (3)")
    w("")
    w("From each load's own counters (`cdcpipe_load_wait_seconds_total`, `cdcpipe_load_work_seconds_total`) at "
      "the end of its run. The consuming loop reads and decodes messages and collapses them into the next batch "
      "(decode) while the warehouse applies the batch before on a thread of its own: handing DuckDB the rows "
      "(write), merging them into the table (merge: the MERGE, or the INSERT of append mode), storing the offsets "
      "and committing (commit). When the loop has a full batch and the warehouse is still busy, it waits "
      "(waited on warehouse); when Kafka has nothing buffered, it waits for Kafka. Transactions: "
      "`cdcpipe_load_batches_total`. The machine's busy cores and the CPU of everything but this load, "
      "PostgreSQL and Kafka (rest) show whether something else took the cores.")
    w("")
    w("| load | seconds | cdcpipe CPU | transactions | machine busy | rest | waited on Kafka | waited on warehouse "
      "| decode | write | merge | commit |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, label in runs:
        x = r[name]
        wt, wk = x.get("waited_s") or {}, x.get("work_s") or {}
        split = (x.get("cpu_split") or {}).get("whole") or {}
        busy = f"{split['busy_cores']:.2f} cores" if split.get("busy_cores") is not None else "—"
        cells = [_sec(x.get("seconds")), _sec(x.get("cpu_seconds")),
                 str(x["transactions"]) if x.get("transactions") is not None else "—", busy,
                 _sec(split.get("rest_s"))]
        cells += [_sec(v) for v in (wt.get("kafka"), wt.get("warehouse"))]
        cells += [_sec(wk.get(part)) for part in ("decode", "write", "merge", "commit")]
        w(f"| {label} | " + " | ".join(cells) + " |")
    w("")


def cores_section(r, w):
    """Where the machine's cores went while each contender of the missed
    targets (1a, 2) ran: a capture's time is its walsender's, its own and
    Kafka's CPU on the same two cores."""
    rows = []
    for sfx in _round_suffixes(r.get("rounds1a") or 1):
        ph = "1a" + sfx
        rows.append(("1a", f"pg_recvlogical ({ph})", r.get(f"recv{ph}.cpu_split")))
        for name, label in [(f"cap{ph}_default", f"capture ({ph})")] + [
                (f"cap1a{t}{sfx}_default", f"capture, {fmt} ({ph})") for t, fmt, _ in TWINS]:
            split = (r.get(name) or {}).get("cpu_split") or {}
            rows.append(("1a", label, split.get("whole")))
            if not sfx:  # the phases, in the first round
                rows.append(("1a", f"{label}: until the first acknowledgement", split.get("until_first_ack")))
                rows.append(("1a", f"{label}: from the first acknowledgement", split.get("delivery")))
    rows.append(("2", "COPY ... TO STDOUT (FORMAT binary)", r.get("copy2.cpu_split")))
    for name, label in [("cap2", "snapshot")] + [(f"cap2{t}", f"snapshot, {fmt}") for t, fmt, _ in TWINS]:
        split = (r.get(name) or {}).get("cpu_split") or {}
        rows.append(("2", label, split.get("whole")))
    rows.append(("2", f"kcat -P of {r.get('ingest2_rows') or 0:,} of the snapshot's events (the Kafka ingest limit)",
                 r.get("ingest2.cpu_split")))
    rows = [x for x in rows if x[2]]
    if not rows:
        return
    w("## Where the cores went (1a and 2)")
    w("")
    w("CPU of the whole machine (busy core-seconds from /proc/stat, and the average number of busy cores) and "
      "of its parts while each contender of the two figures with missed targets ran, in this run: the "
      "contender's own process, the bench's PostgreSQL (postmaster and children: the walsender that decodes "
      "for the contender, and for COPY the backend), its Kafka broker (JVM), and the rest of the machine. "
      "A capture's 'until the first acknowledgement' is its start-up and, for one big transaction, "
      "PostgreSQL decoding and spilling it before it sends a row; 'from the first acknowledgement' is "
      "delivery. Two cores are 2.00 cores.")
    w("")
    w("| figure | contender | seconds | machine busy | contender CPU | PostgreSQL CPU | Kafka CPU | rest |")
    w("|---|---|---|---|---|---|---|---|")
    for figure, who, x in rows:
        _split_row(w, figure, who, x)
    w("")


def _is_broker_thread(name):
    return name.startswith("rdk:broker")


# The groups of capture's threads in threads_section, by thread name.
THREAD_GROUPS = [
    ("librdkafka broker thread (compresses and sends)", _is_broker_thread),
    ("serializers (write the events)", lambda n: n == "cdc-serialize"),
    ("snapshot readers (COPY)", lambda n: n == "cdc-snapshot"),
    ("capture thread (decodes, hands events on, delivery reports)", lambda n: n == "cdc-capture"),
]


def threads_section(r, w):
    """Capture's CPU by thread, per 1M rows, for the snapshot (2) and 1a's
    first round; and, for the default snapshot, the CPU that its broker
    thread, PostgreSQL and Kafka need before cdcpipe writes an event, against
    what two cores have for 500k rows/s."""
    formats = [("", "")] + [(t, f", {fmt}") for t, fmt, _ in TWINS]
    runs = [(f"cap2{t}", f"snapshot{fmt}", r.get("snap_rows")) for t, fmt in formats]
    runs += [(f"cap1a{t}_default", f"capture 1a{fmt} (round 1)", r.get("rows_1a")) for t, fmt in formats]
    runs = [(n, label, rows) for n, label, rows in runs
            if rows and (r.get(n) or {}).get("threads_cpu_s") and r[n].get("status") == "ok"]
    if not runs:
        return
    w("## Capture's CPU by thread (1a and 2)")
    w("")
    w("CPU seconds per 1,000,000 rows of each of capture's threads, read from /proc/PID/task every 0.1 s "
      "while capture ran and just before it was stopped (cdcpipe names its threads; librdkafka names its "
      "own). 'other' is the rest: the main thread, librdkafka's main thread, the metrics server, and the CPU that threads "
      "which ended during the run (the snapshot's) used after their last reading, at most 0.1 s each.")
    w("")
    w("| contender | " + " | ".join(label for label, _ in THREAD_GROUPS) + " | other | all |")
    w("|---|" + "---|" * (len(THREAD_GROUPS) + 2))
    for name, label, rows in runs:
        threads = r[name]["threads_cpu_s"]
        per_m = 1e6 / rows
        grouped = [sum(v for n, v in threads.items() if match(n)) for _, match in THREAD_GROUPS]
        total = sum(threads.values())
        cells = [f"{g * per_m:.2f} s" for g in grouped] + [f"{(total - sum(grouped)) * per_m:.2f} s",
                                                            f"{total * per_m:.2f} s"]
        w(f"| {label} | " + " | ".join(cells) + " |")
    w("")
    x, rows = r.get("cap2") or {}, r.get("snap_rows")
    whole = (x.get("cpu_split") or {}).get("whole") or {}
    if x.get("status") == "ok" and x.get("threads_cpu_s") and rows and whole:
        per_m = 1e6 / rows
        broker = sum(v for n, v in x["threads_cpu_s"].items() if _is_broker_thread(n)) * per_m
        pg, kafka = whole["postgres_s"] * per_m, whole["kafka_s"] * per_m
        budget = 2 * 1e6 / 500_000
        floor = broker + pg + kafka
        w(f"The default snapshot's floor: before cdcpipe writes one event, 1M rows cost {broker:.2f} s in "
          f"librdkafka's broker thread (lz4 and the copy into its blocks), {pg:.2f} s in PostgreSQL and "
          f"{kafka:.2f} s in Kafka: **{floor:.2f} s**. At 500,000 rows/s two cores have {budget:.2f} s of CPU "
          f"for 1M rows, so {'even with free serializers the target cannot be met here' if floor >= budget else f'{budget - floor:.2f} s are left for the rest of capture'}.")
        w("")


def perf_section(r, notes, w):
    """The perf profile of load by thread (bench/run's profile of figure 3)."""
    pl = r.get("perf_load")
    if not pl or not pl.get("threads"):
        return
    run = r.get("prof_perf_load") or {}
    w(f"### {notes.get('perf_load', 'load, sampled by perf')}")
    w("")
    w(f"`{' '.join(PERF_RECORD)}` around the load (status {run.get('status')} in {_sec(run.get('seconds'))}; "
      "perf's unwinding slows it). Unlike callgrind, which runs one thread at a time, perf shows which thread "
      "the others wait for. Share of the process's samples "
      f"({pl.get('seconds') or 0:.1f} s of sampling, to its stop) by thread:")
    w("")
    w("| thread | share |")
    w("|---|---|")
    for t in pl["threads"]:
        if t["pct"] >= 0.1:
            w(f"| `{t['thread']}` | {t['pct']:.1f}% |")
    w("")
    if pl.get("functions"):
        w(f"Where `{pl['busiest']}` spent them (shares of all the process's samples; with callees = the function "
          "and what it calls, so rows nest):")
        w("")
        w("| function | with callees | self |")
        w("|---|---|---|")
        for f in pl["functions"]:
            fn = f["function"].replace("|", "\\|")
            if len(fn) > 120:
                fn = fn[:117] + "..."
            w(f"| `{fn}` | {f['children']:.1f}% | {f['self']:.1f}% |")
        w("")


def cmd_render(a):
    r = load_results(a.work)
    kept = _hand_written_sections(a.out)
    L = []
    w = L.append

    def hand_written(title):
        if title in kept:
            L.extend(kept[title])
            w("")
    m = r.get("machine", {})
    w("# Benchmarks")
    w("")
    w(f"Generated by `bench/run` on {m.get('date', '?')}; every figure below comes from that one run, "
      "each next to its reference measured in the same run on the same data. Reproduce with:")
    w("")
    w("```sh")
    took = r.get("bench_seconds")
    w("scripts/build && bench/run          # rewrites this file"
      + (f"; this run took {took // 60} min {took % 60} s on this 2-core machine" if isinstance(took, int) else ""))
    w("```")
    w("")
    if r.get("quick"):
        w("**This is a BENCH_QUICK=1 run: reduced sizes, not the figures of record.**")
        w("")
    w("Knobs (environment): `BENCH_ROWS_1A` (default 1000000), `BENCH_TX_1B` (200000), "
      "`BENCH_ROUNDS` (3 alternated rounds of 1a and 1b, and 3 upsert loads; the verdicts take the medians), "
      "`BENCH_TWINS` (\"json_schemaless avro\": 1a and 1b in every round, 1c, 2 and 3 also run in those formats; empty: not), "
      "`BENCH_TOAST_ROWS` (100000), `BENCH_SNAPSHOT_ROWS` (5000000), `BENCH_E2E_SECONDS` (60 per rate), "
      "`BENCH_E2E_RATES` (1000,5000,20000,20000x10: RATExK offers RATE rows/s in transactions of K rows), `BENCH_E2E_FAST_MS` (100: 5k rows/s once more with that `sink.batch.max_ms`; empty: not), `BENCH_PROFILE_ROWS` (100000), `BENCH_NO_PROFILE=1`, "
      "`BENCH_NO_PEERS=1` (no wal2json + kcat), `BENCH_NO_DEBEZIUM=1` (no Debezium peer, JSON or Avro), `BENCH_RSS_ROWS` "
      "(5000000, the one transaction of figure 5; 0 skips it), `BENCH_NO_MICRO=1`, `BENCH_QUICK=1` (smaller defaults for every "
      "size, a few minutes), `BENCH_ONLY` (comma list of micro,1a,1b,1c,2,3,4,5,profile: only those figures), "
      "`BENCH_KAFKA_WARMUP` (6000000 messages; 0: none), `BENCH_OUT` (this file), `BENCH_KEEP=1` (keep the temp dir "
      "with logs).")
    w("")
    w("## Machine and software")
    w("")
    w(f"- CPU: {m.get('cpu_model', '?')}, `nproc` = {m.get('nproc', '?')}; memory {m.get('mem', '?')}; "
      f"kernel {m.get('kernel', '?')}")
    fsync = m.get('pg_fsync', '?')
    w(f"- PostgreSQL {m.get('pg_version', '?')} (`scripts/pg`, own cluster, loopback, **fsync={fsync}**"
      + (" for bench speed (`CDCPIPE_PG_FSYNC`): it only affects how fast the workload is written, not the decoding "
         "being measured" if fsync == "off" else " (`CDCPIPE_PG_FSYNC`): the workload is written durably")
      + "); Apache Kafka "
      f"{m.get('kafka_version', '?')} (`scripts/kafka`, single node, loopback); kcat {m.get('kcat_version', '?')}")
    w(f"- cdcpipe: `{m.get('cdcpipe_version', '?')}`, git HEAD `{m.get('git_head', '?')}`"
      + (f" **plus uncommitted changes in src/** (another engineer was editing; the binary is what "
         f"`build/cdcpipe` held at {m.get('binary_mtime', '?')})" if m.get("src_dirty") else "")
      + f"; build type {m.get('build_type', '?')}")
    if r.get("kafka_warmup"):
        w(f"- Kafka warm-up before the first figure (`bench/kafka_warmup.sh`): {int(r['kafka_warmup']):,} keyed "
          f"messages of 3 KB in {r.get('kafka_warmup_cycles', 1)} cycles, each a new `kcat -P` (lz4, acks=all, "
          "idempotent, batches of up to 4 MB, as the contenders produce) into a new topic, a wait for its high "
          "watermarks and a consumer reading a fifth of it back, "
          f"{_sec(r.get('kafka_warmup.seconds'))}, exit {r.get('kafka_warmup.rc')}, so that the broker's JIT "
          "compilation is not paid by whichever contender runs first (`BENCH_KAFKA_WARMUP`)")
    try:
        end_mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(m["binary_path"])))
    except (KeyError, OSError):
        end_mtime = None
    if end_mtime and end_mtime != m.get("binary_mtime"):
        w(f"- **The binary was rebuilt during the run** ({m.get('binary_mtime')} -> {end_mtime}): phases may have "
          "run different builds; run again for consistent figures.")
    with open("/proc/loadavg") as f:
        end_load = f.read().split()[0]
    w(f"- Load average (1 min) when the run started: {m.get('loadavg', '?')}, when it ended: {end_load}. The "
      "machine may be shared with other sessions, so absolute figures are noisy; that is why every figure is a "
      "ratio against a reference measured minutes apart in the same run on the same data.")
    w("")

    c1a = r.get("cap1a_default")
    c1a_w = r.get("cap1a_workaround")
    c1b = r.get("cap1b_default")
    c1b_w = r.get("cap1b_workaround")
    rl1a = r.get("recv1a.seconds")
    rl1b = r.get("recv1b.seconds")
    n1a = r.get("rows_1a")
    n1b = r.get("tx_1b")
    rl1a_rate = _timed_rate(r, "recv1a", n1a)
    rl1b_rate = _timed_rate(r, "recv1b", n1b)
    ld = r.get("load3")
    kc = r.get("kcat3.seconds")
    n3 = r.get("load3_rows")
    kc_rate = _timed_rate(r, "kcat3", n3)
    wa = r.get("workaround_properties", "")

    def best(default, workaround):
        if default and default["status"] == "ok":
            return default, False
        if workaround and workaround["status"] == "ok":
            return workaround, True
        return default, False

    missed = missed_targets(r)  # the targets' verdicts, as bench/run's profiles judge them
    b1a, b1a_wa = best(c1a, c1a_w)
    b1b, b1b_wa = best(c1b, c1b_w)
    verdict = {}

    w("## Figures")
    w("")
    w("| # | figure | cdcpipe | reference (same run, same data) | ratio | target | met? |")
    w("|---|---|---|---|---|---|---|")

    def rounds_of(tag, twin, n):
        # capture_rounds, with the median ratio and the ratios' text.
        caps, recvs, ratios = capture_rounds(r, tag, n, twin)
        return caps, recvs, _median(ratios), ", ".join(_fmt_x(x) if x else "—" for x in ratios)

    def rate_cells(results):
        return " / ".join(_fmt_rate(_ok_rate(c)) if _ok_rate(c) else "FAILED" for c in results)

    def twin_rows(tag, rounds, n):
        # The same WAL captured in the other formats in each round: a
        # reference, not the default format.
        # 1c (one round) has no target: its twins are only compared to 0.9x.
        for twin, fmt, what in TWINS:
            caps, _, med, ratios = rounds_of(tag, twin, n)
            if not any(caps):
                continue
            if rounds > 1:
                when, ref, ratio = ("in each round", "pg_recvlogical of the same rounds",
                                    f"{ratios}; median {_fmt_x(med) if med else '—'}")
            else:
                when, ref, ratio = "", "pg_recvlogical (above)", ratios
            if tag == "1c":  # no target of its own
                verdict_cell = _would_meet(med, 0.9, "0.9x")
            else:
                verdict_cell = f"(would be {'met' if med >= 0.9 else 'missed'})" if med else "—"
            w(f"| {tag} | same WAL, capture with `format: {fmt}` ({what}), right after the default capture"
              f"{' ' + when if when else ''} | {rate_cells(caps)} rows/s | {ref} | {ratio} | "
              f"(not the default format: reference only) | {verdict_cell} |")

    def cap_rows(tag, label, default, workaround, rl_rate, rl_secs, n):
        if not default and rl_secs is None:
            return  # not part of this run (BENCH_ONLY): no row, no verdict
        ref = (f"pg_recvlogical: {_fmt_rate(rl_rate)} rows/s ({_sec(rl_secs)})" if rl_rate
               else "pg_recvlogical FAILED")
        ok_default = default and default["status"] == "ok"
        ratio = _ratio(default["rows_per_s"], rl_rate) if ok_default else None
        met = tag not in missed  # the median of the rounds (round 1's ratio when it is the only one)
        verdict[tag] = met
        rounds = r.get(f"rounds{tag}") or 1
        w(f"| {tag} | {label}, default config{', round 1' if rounds > 1 else ''} | {_capture_cell(default)} | "
          f"{ref} | {_fmt_x(ratio) if ratio else '—'} | >= 0.9x | {'(round 1)' if rounds > 1 else _yes(met)} |")
        if rounds > 1:
            # Rounds 2..n on the same WAL, with fresh slots made before the
            # workload; the verdict takes the median of the rounds' ratios.
            caps, recvs, med, ratios = rounds_of(tag, "", n)
            w(f"| {tag} | {label}: {rounds} rounds over the same WAL, pg_recvlogical first in odd rounds and capture "
              f"first in even ones | {rate_cells(caps)} rows/s | pg_recvlogical: "
              f"{' / '.join(_fmt_rate(x) if x else 'FAILED' for x in recvs)} rows/s | "
              f"{ratios}; median {_fmt_x(med) if med else '— (a round failed)'} | >= 0.9x (median) | {_yes(met)} |")
        twin_rows(tag, rounds, n)
        if workaround:
            ratio_w = _ratio(workaround.get("rows_per_s"), rl_rate)
            w(f"| {tag}' | same, with workaround `kafka.properties` {wa} | {_capture_cell(workaround)} | {ref} | "
              f"{f'{ratio_w:.2f}x' if ratio_w else '—'} | >= 0.9x | "
              f"{'(would be ' + ('met' if ratio_w and ratio_w >= 0.9 else 'missed') + ')'} |")

    cap_rows("1a", f"capture, {n1a:,} rows in one transaction" if n1a else "capture 1a", c1a, c1a_w,
             rl1a_rate, rl1a, n1a)
    cap_rows("1b", f"capture, {n1b:,} single-row transactions (pgbench -c 4)" if n1b else "capture 1b", c1b, c1b_w,
             rl1b_rate, rl1b, n1b)

    # RSS of capture in 1a
    if c1a:
        rss = c1a.get("peak_rss_mb")
        met = "rss" not in missed
        verdict["rss"] = met
        note = "" if c1a["status"] == "ok" else f" (run failed after {_sec(c1a['seconds'])})"
        w(f"| 5 | capture peak RSS during 1a, default config | {rss} MB{note} | — | — | <= 256 MB | {_yes(met)} |")
        if c1a_w:
            rw = c1a_w.get("peak_rss_mb")
            w(f"| 5' | same, with the workaround properties | {rw} MB | — | — | <= 256 MB | "
              f"(would be {'met' if c1a_w['status'] == 'ok' and rw is not None and rw <= 256 else 'missed'}) |")
    for t, fmt, _ in TWINS:  # round 1's twins
        tw = r.get(f"cap1a{t}_default")
        if tw:
            rw = tw.get("peak_rss_mb")
            ok = tw["status"] == "ok" and rw is not None and rw <= 256
            w(f"| 5 | capture peak RSS during 1a, `format: {fmt}` (round 1) | {rw} MB | — | — | "
              f"(not the default format: reference only) | (would be {'met' if ok else 'missed'}) |")
    loads, load_rates = load_rounds(r)
    load_median = _median(load_rates)
    # What the other loads of figure 3 are compared with.
    upsert, upsert_what = ((load_median, "median of the rounds") if len(loads) > 1 else (_ok_rate(ld), "above"))
    if ld:
        ref = f"kcat -C: {_fmt_rate(kc_rate)} msgs/s ({_sec(kc)})" if kc_rate else "kcat FAILED"
        cell = _load_cell(ld)
        ratio = _ratio(ld.get("rows_per_s"), kc_rate)
        met = "load" not in missed
        verdict["load"] = met
        several = len(loads) > 1
        w(f"| 3 | load (Kafka -> DuckDB, upsert), {n3:,} messages of the 1a topic{', round 1' if several else ''} | "
          f"{cell} | {ref} | {f'{ratio:.2f}x' if ratio else '—'} | >= 200,000 rows/s | "
          f"{'(round 1)' if several else _yes(met)} |")
        if several:
            # Rounds 2..n: the same topic into fresh warehouses, between the
            # other modes' loads; the verdict takes the median.
            w(f"| 3 | load (upsert): {len(loads)} rounds, each into a fresh warehouse with its own consumer "
              f"group, rounds 2.. between the loads of the other modes below | "
              f"{' / '.join(_fmt_rate(x) if x else 'FAILED' for x in load_rates)} rows/s; median "
              f"{_fmt_rate(load_median) if load_median else '— (a round failed)'} | {ref} | "
              f"{f'{mr:.2f}x (median)' if (mr := _ratio(load_median, kc_rate)) else '—'} | "
              f">= 200,000 rows/s (median) | {_yes(met)} |")
        w(f"| 5 | load peak RSS during 3 | {ld.get('peak_rss_mb')} MB | — | — | (none stated) | — |")
        for t, fmt, _ in TWINS:
            if (lt := r.get(f"load3{t}")) and lt.get("peak_rss_mb") is not None:
                w(f"| 5 | load peak RSS during 3, the `format: {fmt}` topic of 1a | {lt['peak_rss_mb']} MB | — | — | "
                  "(none stated) | — |")
    elif r.get("load3_skipped"):
        w(f"| 3 | load | not measured: {r['load3_skipped']} | — | — | >= 200,000 rows/s | — |")
    ap = r.get("append3")
    if ld and ap:
        ratio = _ratio(upsert, ap.get("rows_per_s"))
        w(f"| 3 | load upsert ({upsert_what}), same rows (reference: plain DuckDB Appender insert, one transaction per "
          f"122,880 rows, as load's default batch) | {_fmt_rate(upsert)} rows/s | Appender: {_fmt_rate(ap.get('rows_per_s'))} rows/s "
          f"({_sec(ap.get('seconds'))}) | {f'{ratio:.2f}x' if ratio else '—'} | (reference only) | — |")
    # 3 in the other table modes, and of the other formats' topics: against upsert
    for name in ("load3soft", "load3append", "load3s", "load3v"):
        x = r.get(name)
        if not (ld and x):
            continue
        ratio = _ratio(_ok_rate(x), upsert)
        w(f"| 3 | load, same rows: {r.get(name + '_note')} | {_load_cell(x)} | load upsert ({upsert_what}): "
          f"{_fmt_rate(upsert)} rows/s | {f'{ratio:.2f}x' if ratio else '—'} | (none stated) | "
          f"{_would_meet(_ok_rate(x), 200000, '200k')} |")
    mix_rows(r, w)
    c1c = r.get("cap1c_default")
    rl1c = r.get("recv1c.seconds")
    ntoast = r.get("toast_rows")
    rl1c_rate = _timed_rate(r, "recv1c", ntoast)
    workloads = {"1a": "rows in one transaction", "1b": "single-row transactions",
                 "1c": "updates (one transaction) of rows whose 20 KB TOASTed column is unchanged"}
    # 1c
    if c1c or rl1c:
        ratio = _ratio(_ok_rate(c1c), rl1c_rate)
        w(f"| 1c | capture, {ntoast:,} {workloads['1c']} | "
          f"{_capture_cell(c1c)} | pg_recvlogical: {_fmt_rate(rl1c_rate)} rows/s ({_sec(rl1c)}) | "
          f"{f'{ratio:.2f}x' if ratio else '—'} | (none stated; 1a/1b: >= 0.9x) | "
          f"{_would_meet(ratio, 0.9, '0.9x')} |")
        twin_rows("1c", 1, ntoast)
    # 1a/1b/1c: the naive pipeline
    for ph, n, rl_rate, c in (("1a", n1a, rl1a_rate, b1a), ("1b", n1b, rl1b_rate, b1b),
                              ("1c", ntoast, rl1c_rate, c1c)):
        if not r.get(f"w2j{ph}.seconds"):
            continue
        rate, cell = _timed_delivery(r, f"w2j{ph}", n, "rows/s")
        ratio = _ratio(_ok_rate(c), rate)
        w(f"| {ph} | naive pipeline `pg_recvlogical` + wal2json `\\|` `kcat -P` (lz4, acks=all), same WAL, same "
          f"Kafka | {cell} | pg_recvlogical (pgoutput): {_fmt_rate(rl_rate)} rows/s | "
          f"{f'{_ratio(rate, rl_rate):.2f}x' if _ratio(rate, rl_rate) else '—'}; cdcpipe ÷ naive "
          f"{f'{ratio:.2f}x' if ratio else '—'} | (reference only) | — |")
    # 1a/1b/1c: Debezium's connector (Kafka Connect standalone) on the same WAL
    for ph, n, c in (("1a", n1a, b1a), ("1b", n1b, b1b), ("1c", ntoast, c1c)):
        dz = r.get(f"dbz{ph}")
        if not dz:
            continue
        cdc = _ok_rate(c)
        ratio = _ratio(cdc, dz.get("rows_per_s"))
        met = ratio is not None and ratio >= 3
        if ph == "1c":  # the issue states the 3x target for 1a and 1b only
            target, met_cell = "(none stated; 1a/1b: >= 3x)", ("—" if ratio is None else
                                                               f"(would {'meet' if met else 'miss'} 3x)")
        else:
            verdict[f"dbz{ph}"] = met
            target, met_cell = ">= 3x", _yes(met)
        w(f"| {ph} | capture vs Debezium {r.get('machine', {}).get('debezium_version', '')} PostgreSQL connector "
          f"(Kafka Connect standalone, tuned for throughput, same WAL, same Kafka), {n:,} {workloads[ph]}"
          f" | {_fmt_rate(cdc)} rows/s | Debezium: {_capture_cell(dz)} | "
          f"{f'{ratio:.2f}x' if ratio else '—'} | {target} | {met_cell} |")
    # 1a/1b/1c: Debezium with Avro on the same WAL (its own slot, made with
    # the others before the workload), against capture's avro twin (1a, 1b:
    # of round 1)
    for ph, n in (("1a", n1a), ("1b", n1b), ("1c", ntoast)):
        dz = r.get(f"dbz{ph}v")
        if not dz:
            continue
        cdc = _ok_rate(r.get(f"cap{ph}v_default"))
        ratio = _ratio(cdc, _ok_rate(dz))
        met_cell = "—" if ratio is None else f"(would {'meet' if ratio >= 3 else 'miss'} 3x)"
        w(f"| {ph} | capture with `format: avro` ({'its' if ph == '1c' else 'round 1' + chr(39) + 's'} avro twin) vs Debezium "
          f"{r.get('machine', {}).get('debezium_version', '')} PostgreSQL connector with Avro ({_dbz_avro_what(r)}; "
          f"Kafka Connect standalone, tuned for throughput, same WAL, same Kafka), {n:,} {workloads[ph]} | "
          f"{_fmt_rate(cdc)} rows/s | Debezium with Avro: {_capture_cell(dz)} | "
          f"{f'{ratio:.2f}x' if ratio else '—'} | (not the default format: reference only) | {met_cell} |")
    # 5: one big transaction
    c5 = r.get("cap5")
    if c5:
        rss = c5.get("peak_rss_mb")
        met = c5["status"] == "ok" and rss is not None and rss <= 256
        verdict["rss5"] = met
        w(f"| 5 | capture peak RSS during ONE transaction of {r.get('rss_rows'):,} rows, default config | "
          f"{rss} MB ({_capture_cell(c5)}) | — | — | < 256 MB | {_yes(met)} |")
    # 2
    c2 = r.get("cap2")
    nsnap = r.get("snap_rows")
    if c2:
        cp = r.get("copy2.seconds")
        cp_rate = _timed_rate(r, "copy2", nsnap)
        ok = c2["status"] == "ok"
        ratio = _ratio(c2.get("rows_per_s") if ok else None, cp_rate)
        met = "snap" not in missed
        verdict["snap"] = met
        w(f"| 2 | initial snapshot, {nsnap:,} rows of the 1a shape (until every op=r event is acknowledged) | "
          f"{_capture_cell(c2)} | `COPY ... TO STDOUT (FORMAT binary)` via psql: {_fmt_rate(cp_rate)} rows/s "
          f"({_sec(cp)}) | {f'{ratio:.2f}x' if ratio else '—'} | >= 500,000 rows/s | {_yes(met)} |")
        w(f"| 5 | capture peak RSS during 2 | {c2.get('peak_rss_mb')} MB | — | — | (none stated) | — |")
        for twin, fmt, what in TWINS:
            c2t = r.get(f"cap2{twin}")
            if not c2t:
                continue
            ratio = _ratio(_ok_rate(c2t), cp_rate)
            w(f"| 2 | same snapshot with `format: {fmt}` ({what}) | {_capture_cell(c2t)} | COPY binary: "
              f"{_fmt_rate(cp_rate)} rows/s | {f'{ratio:.2f}x' if ratio else '—'} | (not the default format: "
              f"reference only) | {_would_meet(_ok_rate(c2t), 500000, '500k')} |")
    # 2: Debezium's snapshot of the same table
    dz2 = r.get("dbz2")
    if c2 and dz2:
        ratio = _ratio(_ok_rate(c2), _ok_rate(dz2))
        w(f"| 2 | initial snapshot vs Debezium {r.get('machine', {}).get('debezium_version', '')} PostgreSQL connector "
          f"(snapshot.mode initial, Kafka Connect standalone, tuned for throughput, same table, same Kafka) | "
          f"{_fmt_rate(_ok_rate(c2))} rows/s | Debezium: {_capture_cell(dz2)} | {f'{ratio:.2f}x' if ratio else '—'} | "
          f"(none stated) | — |")
    # 2: Debezium's snapshot with Avro, against the avro snapshot twin
    dz2v = r.get("dbz2v")
    if dz2v:
        c2v = _ok_rate(r.get("cap2v"))
        ratio = _ratio(c2v, _ok_rate(dz2v))
        w(f"| 2 | initial snapshot with `format: avro` vs Debezium {r.get('machine', {}).get('debezium_version', '')} "
          f"PostgreSQL connector with Avro ({_dbz_avro_what(r)}; snapshot.mode initial, Kafka Connect standalone, "
          f"tuned for throughput, same table, same Kafka) | {_fmt_rate(c2v)} rows/s | Debezium with Avro: "
          f"{_capture_cell(dz2v)} | {f'{ratio:.2f}x' if ratio else '—'} | (none stated) | — |")
    # 2: the Kafka ingest limit of the same events
    if r.get("ingest2.seconds"):
        n = r.get("ingest2_rows")
        rate, cell = _timed_delivery(r, "ingest2", n, "msgs/s", cpu=True)
        cdc = _ok_rate(c2)
        ratio = _ratio(cdc, rate)
        w(f"| 2 | reference: the Kafka ingest limit of these events here: `kcat -P` sends {n:,} of the snapshot's "
          f"events ({int(r.get('ingest2_bytes') or 0) / n / 1024:.1f} KB each with its key, read from a file) with "
          f"cdcpipe's producer settings, same Kafka | {_fmt_rate(cdc)} rows/s | {cell} | "
          f"{f'{ratio:.2f}x' if ratio else '—'} | (reference only) | — |")
    # 4
    e2e = r.get("e2e")
    e2e_rows = [(x, "") for x in (e2e or {}).get("rates", [])]
    e2e_rows += [(x, f", **sink.batch.max_ms={r.get('e2e_fast_ms')}** (default 500)")
                 for x in (r.get("e2e_fast") or {}).get("rates", [])]
    e2e_rows += [(x, f", **format: avro** ({TWINS[1][2]})") for x in (r.get("e2e_avro") or {}).get("rates", [])]
    if e2e:
        for x, variant in e2e_rows:
            mb = x.get("max_bucket_ms")
            mx = ("—" if not mb else f"<= {mb[1]:.0f}" if mb[1] != float("inf") and mb[1] is not None else f"> {mb[0]:.0f}")
            per_tx = x.get("rows_per_tx", 1)
            single = _is_e2e_target(x)
            target = "<= 250 ms p99" if single else "(none stated)"
            shape = (f" as {x['rate'] // per_tx:,} transactions/s of {per_tx} rows" if per_tx > 1
                     else " in single-row transactions")
            ok = bool(x.get("all_applied") and x.get("p99_ms") is not None and x["p99_ms"] <= 250)
            if not single:
                met_cell = "—"
            elif variant:  # another config or format: what it would have been
                met_cell = f"(would be {'met' if ok else 'missed'})"
            else:
                verdict["e2e"] = ok
                met_cell = _yes(ok)
            f = lambda v: f"{v:.0f}" if isinstance(v, (int, float)) else "—"
            w(f"| 4 | end-to-end latency (source commit -> visible in DuckDB), {x['rate']:,} rows/s offered{shape} for "
              f"{e2e.get('seconds_per_rate')} s (achieved {_fmt_rate(x.get('achieved_rows_per_s'))} rows/s){variant} | "
              f"p50 {f(x.get('p50_ms'))} ms, p99 {f(x.get('p99_ms'))} ms, max {mx} ms "
              f"({x.get('observed'):,} rows){_rows_latency_text(x.get('from_rows'))} | — | — | {target} | "
              f"{met_cell} |")
        if e2e.get("status") not in ("ok", None):
            w(f"| 4 | end-to-end latency | FAILED: {e2e['status']} `{'; '.join(e2e.get('errors') or [])[:300]}` "
              f"| — | — | <= 250 ms p99 at 5,000 rows/s | **NO** |")
        ev = r.get("e2e_avro")
        if ev and ev.get("status") not in ("ok", None):
            w(f"| 4 | end-to-end latency, format: avro | FAILED: {ev['status']} "
              f"`{'; '.join(ev.get('errors') or [])[:300]}` | — | — | (not the default format: reference only) | — |")
    w("")
    w("Ratio = cdcpipe rows/s ÷ reference rows/s. Capture time runs from starting `cdcpipe capture` until the "
      "sum of the topic's high watermarks reaches the row count, i.e. every message is acknowledged "
      "by Kafka (acks=all): `bench/tools/kafka_hwm_watch` asks Kafka every 50 ms on one connection (one "
      "ListOffsets request), the same for Debezium; pg_recvlogical time runs from its start until it exits at `--endpos`. Load time "
      "runs from starting `cdcpipe load` until `/v1/progress` reports partitions assigned and lag 0 (every "
      "message applied and its offset committed in DuckDB); kcat time is `kcat -C -o beginning -e` of the "
      "same topic to /dev/null. Peak RSS is VmHWM read from /proc just before SIGTERM (or from wait4 when the "
      "process exited by itself).")
    w("")

    hand_written("How the figures moved during development")

    mi = r.get("micro")
    if mi and mi.get("benchmarks"):
        w("## Micro-benchmarks")
        w("")
        w("`build/bench/micro/cdcpipe_micro_bench` (Google Benchmark, bench/micro/micro_bench.cc), median of "
          f"{mi.get('repetitions')} repetitions, same build as above, one thread. Input: a 10-column row (the 1a "
          "`orders` columns plus int2, float8, date, bool columns), text values as pgoutput sends them. "
          "Time is wall-clock per operation"
          + (f"; Debian's libbenchmark reports itself as a `{mi.get('library_build_type')}` build, which affects "
             "only the harness, not the code measured" if mi.get("library_build_type") == "debug" else "") + ".")
        w("")
        w("| benchmark | what one operation is | time/op | CPU/op | items/s | bytes/s |")
        w("|---|---|---|---|---|---|")
        what = {"BM_PgOutputDecodeInsert": "decode a CopyData 'w' frame + pgoutput Insert (10 columns)",
                "BM_PgOutputDecodeUpdateUnchangedToast": "decode a pgoutput Update with one unchanged TOAST column",
                "BM_PgOutputDecodeRelation": "decode a pgoutput Relation message (10 columns)",
                "BM_DebeziumJsonSerializeInsert": "serialize an insert to Debezium JSON key + value (schemas on)",
                "BM_DebeziumAvroSerializeInsert": "serialize an insert to Confluent-framed Avro key + value "
                                                  "(written straight from the row; schemas registered once, in memory)",
                "BM_DebeziumJsonSerializeUpdateUnchangedToast": "serialize an update (old key, one unchanged TOAST column)",
                "BM_DebeziumJsonDecodeInsert": "decode a Debezium JSON insert into a typed RowChange",
                "BM_DebeziumAvroDecodeInsert": "decode a Confluent-framed Avro insert into a typed RowChange (schema resolved once, in memory)",
                "BM_BatchCollapse/122880/122880": "Batch::Add of 122,880 decoded changes (a default batch), all distinct keys, + Take",
                "BM_BatchCollapse/122880/12288": "Batch::Add of 122,880 decoded changes over 12,288 keys, + Take"}
        def rate(v, unit=""):
            if not isinstance(v, (int, float)):
                return "—"
            for d, sfx in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
                if v >= d:
                    return f"{v / d:.2f}{sfx}{unit}"
            return f"{v:.0f}{unit}"
        for b in mi["benchmarks"]:
            w(f"| `{b['name']}` | {what.get(b['name'], '')} | {b['real_time']:,.0f} {b['unit']} | "
              f"{b['cpu_time']:,.0f} {b['unit']} | {rate(b.get('items_per_second'))} | "
              f"{rate(b.get('bytes_per_second'), 'B')} |")
        w("")
        w("CTest runs each once (`micro_bench_smoke`, labels unit and bench-smoke, `--benchmark_min_time=0`) "
          "so that they keep building and running; that run is not a measurement.")
        w("")

    # details
    w("## Details")
    w("")
    if m.get("msg_bytes"):
        w(f"- Average Kafka message (value) size in the 1a topic: {m['msg_bytes']} bytes (Debezium JSON with schemas)"
          + "".join(f"; {m[f'msg_bytes_{t}']} bytes with `format: {fmt}`" for t, fmt, _ in TWINS if m.get(f"msg_bytes_{t}"))
          + ".")
    for name, c in (("1a default", c1a), ("1a workaround", c1a_w), ("1b default", c1b), ("1b workaround", c1b_w)):
        if not c:
            continue
        util = (c["cpu_seconds"] / c["seconds"]) if c.get("cpu_seconds") and c.get("seconds") else None
        w(f"- capture {name}: status {c['status']}, {c['acked']:,}/{c['expect']:,} acknowledged in "
          f"{_sec(c['seconds'])}, cdcpipe CPU {c.get('cpu_seconds')} s"
          + (f" ({util:.2f} cores on average)" if util else "")
          + f", peak RSS {c.get('peak_rss_mb')} MB, exit code {c.get('exit_code')}, {c.get('partitions')} partitions"
          + (f"; log said \"streaming started\" {c['streaming_started_s']} s after start"
             if c.get("streaming_started_s") is not None else "")
          + ("" if not c.get("slot_confirm_checked") else
             (f"; slot confirmed past the workload {c['slot_confirmed_after_s']} s after the last acknowledgement"
              if c.get("slot_confirmed_after_s") is not None else
              "; **slot NOT confirmed past the workload within 5 s** of the last acknowledgement"))
          + "." + _after_first_ack(c))
        if c.get("errors"):
            for e in c["errors"]:
                w(f"  - log: `{e[:400]}`")
        if any("create topic :" in e for e in c.get("errors") or []):
            w("  - The topic name in that error is empty: the message was re-published after being moved from. "
              "`CaptureLoop::PublishAll` (src/pipeline/capture_loop.cc) calls `publisher_.Publish(std::move(m), "
              "ticket)` inside its retry loop; when librdkafka's queue is full (Unavailable) the retry publishes "
              "the moved-from message, whose topic is \"\". The workaround run raises the producer queue limits so "
              "that the queue-full path is never taken.")
        if c.get("timeline"):
            tl = ", ".join(f"{t}s:{n:,}" for t, n, _ in c["timeline"][:30] if isinstance(n, int))
            w(f"  - acknowledged over time: {tl}")
            tl = ", ".join(f"{t}s:{rss // 1024}" for t, _, rss in c["timeline"][:30] if isinstance(rss, int))
            w(f"  - RSS over time (MB): {tl}")
    for ph in ("1a", "1b", "1c", "1av", "1bv", "1cv", "2v"):
        dz = r.get(f"dbz{ph}")
        if not dz:
            continue
        avro = ph.endswith("v")
        cdc = {"1a": b1a, "1b": b1b, "1c": c1c, "1av": r.get("cap1av_default"), "1bv": r.get("cap1bv_default"),
               "1cv": r.get("cap1cv_default"), "2v": r.get("cap2v")}[ph] or {}
        util = (dz["cpu_seconds"] / dz["seconds"]) if dz.get("cpu_seconds") and dz.get("seconds") else None
        w(f"- Debezium {ph[:-1] + ' with Avro' if avro else ph}: status {dz['status']}, {dz['acked']:,}/{dz['expect']:,} acknowledged in "
          f"{_sec(dz['seconds'])} from starting the Kafka Connect worker (JVM start included, as cdcpipe's process "
          f"start is); the connector's task was RUNNING at {dz.get('task_running_s')} s"
          + (f", so {_fmt_rate(dz['rows_per_s_after_running'])} rows/s from then" if dz.get("rows_per_s_after_running") else "")
          + f"; worker JVM CPU {dz.get('cpu_seconds')} s" + (f" ({util:.2f} cores on average)" if util else "")
          + f", peak RSS {dz.get('peak_rss_mb')} MB, {dz.get('partitions')} partitions." + _after_first_ack(dz))
        fa_d = _first_ack_rate(dz)
        fa_c = _first_ack_rate(cdc)
        if fa_d and fa_c:
            w(f"  - Start-up excluded on both sides (from the first acknowledgement): cdcpipe"
              f"{' (`format: avro`)' if avro else ''} {_fmt_rate(fa_c)} rows/s, "
              f"Debezium{' with Avro' if avro else ''} {_fmt_rate(fa_d)} rows/s: {fa_c / fa_d:.2f}x "
              "(approximate, timeline sampled once a second).")
        dj = r.get(f"dbz{ph[:-1]}") if avro else None
        if _ok_rate(dz) and _ok_rate(dj):
            w(f"  - Debezium with Avro ÷ Debezium with JSON (schemas on) on the same "
              f"{'table' if ph == '2v' else 'WAL'}: {_ok_rate(dz) / _ok_rate(dj):.2f}x "
              f"({_fmt_rate(_ok_rate(dz))} vs {_fmt_rate(_ok_rate(dj))} rows/s).")
        for e in dz.get("errors") or []:
            w(f"  - log: `{e[:400]}`")
        if dz.get("timeline"):
            tl = ", ".join(f"{t}s:{n:,}" for t, n, _ in dz["timeline"][:40] if isinstance(n, int))
            w(f"  - acknowledged over time: {tl}")
    props = r.get("dbz1a_props") or r.get("dbz1b_props")
    if props:
        keys = [k for k in props if k.startswith(("max.", "poll.", "producer.override.", "snapshot.", "topic.creation."))]
        w("- Debezium connector settings beyond the connection, slot and publication: "
          + ", ".join(f"`{k}={props[k]}`" for k in keys)
          + "; worker: Kafka's JsonConverter for keys and values with `schemas.enable=true` (scripts/debezium), "
          "JVM -Xmx512m, G1. cdcpipe's producer: lz4, linger.ms 5, acks=all, idempotent.")
    dzv = r.get("dbz1av") or r.get("dbz1bv") or r.get("dbz1cv") or r.get("dbz2v")
    if dzv:
        conv = [p.split("=", 1)[0][len("value.converter."):] + "=" + p.split("=", 1)[1]
                for p in dzv.get("converter_props") or [] if p.startswith("value.converter.")
                and not p.startswith("value.converter.apicurio.registry.url=")]
        w(f"- Debezium with Avro: the same connector settings; worker (scripts/debezium, "
          f"`CDCPIPE_DEBEZIUM_CONVERTER=avro`): {_dbz_avro_what(r)} (from Maven Central; Confluent's "
          "AvroConverter is not there) for keys and values, `io.apicurio.registry.utils.converter.AvroConverter` "
          "with " + ", ".join(f"`{c}`" for c in conv) + ". Its schemas go to `bench/tools/apicurio_registry.py`, "
          "a stand-in for Apicurio Registry's REST API v2 (the converter's client does not speak Confluent's API) that registers each new schema in the "
          "bench's `cdcpipe registry` under the same subject and answers with that id, so the ids in Debezium's "
          "messages are the ones `cdcpipe registry` (and so `cdcpipe load`) resolves; one request per distinct "
          "schema, none per message.")
    c5 = r.get("cap5")
    if c5:
        util = (c5["cpu_seconds"] / c5["seconds"]) if c5.get("cpu_seconds") and c5.get("seconds") else None
        w(f"- capture 5 (one transaction of {r.get('rss_rows'):,} rows, table `big` of the 1a shape, inserted in "
          f"{_sec(r.get('insert5.seconds'))}): status {c5['status']}, {c5['acked']:,}/{c5['expect']:,} acknowledged "
          f"in {_sec(c5['seconds'])}, cdcpipe CPU {c5.get('cpu_seconds')} s"
          + (f" ({util:.2f} cores on average)" if util else "") + f", peak RSS {c5.get('peak_rss_mb')} MB.")
        if c5.get("timeline"):
            tl = ", ".join(f"{t}s:{rss // 1024}" for t, _, rss in c5["timeline"][:40] if isinstance(rss, int))
            w(f"  - RSS over time (MB): {tl}")
    if ld:
        util = (ld["cpu_seconds"] / ld["seconds"]) if ld.get("cpu_seconds") and ld.get("seconds") else None
        w(f"- load: status {ld['status']} in {_sec(ld['seconds'])}, cdcpipe_load_rows_total "
          f"{ld.get('rows_total_metric')}, cdcpipe CPU {ld.get('cpu_seconds')} s"
          + (f" ({util:.2f} cores on average)" if util else "") + f", peak RSS {ld.get('peak_rss_mb')} MB, "
          f"config {r.get('load3_config_note', '')}.")
        if ld.get("timeline"):
            tl = ", ".join(f"{t}s:{lag:,}" for t, lag, _ in ld["timeline"][:40] if isinstance(lag, int))
            w(f"  - lag over time: {tl}")
            tl = ", ".join(f"{t}s:{rss // 1024}" for t, _, rss in ld["timeline"][:40] if isinstance(rss, int))
            w(f"  - RSS over time (MB): {tl}")
        if ld.get("verify"):
            w(f"  - {_verify_text(ld['verify'])}")
        for e in ld.get("errors") or []:
            w(f"  - log: `{e[:400]}`")
    # The variants of figure 3 that verify checks (append mode: no).
    for name in ("load3soft", *(f"load3_r{i}" for i in range(2, (r.get("rounds3") or 1) + 1)), "load3s", "load3v"):
        x = r.get(name)
        if x and x.get("verify"):
            w(f"- {name} ({r.get(name + '_note')}): {_verify_text(x['verify'])}"
              + (" Without schemas, load stores a timestamp as the text it arrives as, so verify's checksum of "
                 "such a column differs from the source's (docs/limitations.md)."
                 if name == "load3s" and x["verify"].get("rc") else ""))
    if r.get("mix3_messages"):
        w(f"- change mix of figure 3 ({r.get('mix3_note')}), written in {_sec(r.get('mix3.seconds'))}; "
          f"captured in {_sec((r.get('cap3m_default') or {}).get('seconds'))} "
          f"(status {(r.get('cap3m_default') or {}).get('status')}).")
        for name in ("load3m", "load3softm"):
            x = r.get(name)
            if not x:
                continue
            w(f"  - {name}: status {x['status']} in {_sec(x['seconds'])}, cdcpipe_load_rows_total "
              f"{x.get('rows_total_metric')} (the 1a rows are in the warehouse already, this process counts its own), "
              f"cdcpipe CPU {x.get('cpu_seconds')} s, peak RSS {x.get('peak_rss_mb')} MB"
              + (f"; {_verify_text(x['verify'])}" if x.get("verify") else ""))
    for ph in ("1a", "1b"):
        if r.get(f"recv{ph}.seconds"):
            w(f"- pg_recvlogical {ph}: {_sec(r[f'recv{ph}.seconds'])}, exit {r.get(f'recv{ph}.rc')}, its own CPU "
              f"{r.get(f'recv{ph}.cpu_seconds')} s (of which system {r.get(f'recv{ph}.sys_seconds')} s; the "
              "walsender's CPU is not included).")
    if r.get("pgbench_tps"):
        w(f"- 1b workload: `{r.get('pgbench_cmd', '')}`: {r['pgbench_tps']} (not a cdcpipe figure).")
    w(f"- 1a insert of {n1a:,} rows in one transaction took {_sec(r.get('insert1a.seconds'))}." if n1a else "")
    for name, c in (("1c", r.get("cap1c_default")), ("2 (snapshot)", r.get("cap2"))):
        if not c:
            continue
        util = (c["cpu_seconds"] / c["seconds"]) if c.get("cpu_seconds") and c.get("seconds") else None
        w(f"- capture {name}: status {c['status']}, {c['acked']:,}/{c['expect']:,} acknowledged in "
          f"{_sec(c['seconds'])}, cdcpipe CPU {c.get('cpu_seconds')} s"
          + (f" ({util:.2f} cores on average)" if util else "") + f", peak RSS {c.get('peak_rss_mb')} MB."
          + _after_first_ack(c))
        if c.get("timeline"):
            tl = ", ".join(f"{t}s:{n:,}" for t, n, _ in c["timeline"][:30] if isinstance(n, int))
            w(f"  - acknowledged over time: {tl}")
        for e in c.get("errors") or []:
            w(f"  - log: `{e[:400]}`")
    if r.get("toast_rows"):
        w(f"- 1c table: `docs(id bigint pk, version int, updated_at timestamptz, doc text)` with `doc` = 20,480 "
          f"characters stored `STORAGE EXTERNAL` (out of line, uncompressed, so that pgoutput sends it as "
          f"unchanged 'u'); {r['toast_rows']:,} rows, {int(r.get('toast_bytes') or 0) / 2**20:,.0f} MB on disk "
          f"(insert {_sec(r.get('insert1c.seconds'))}); the workload is one `UPDATE docs SET version = version + 1, "
          f"updated_at = now()` ({_sec(r.get('update1c.seconds'))}), {int(r.get('wal_1c') or 0) / 2**20:,.1f} MB "
          f"of WAL; pg_recvlogical CPU {r.get('recv1c.cpu_seconds')} s.")
    if r.get("snap_rows"):
        w(f"- 2: table `snap` (same columns as `orders`), {r['snap_rows']:,} rows inserted in "
          f"{_sec(r.get('insert2.seconds'))}; COPY binary through psql to /dev/null took {_sec(r.get('copy2.seconds'))} "
          f"(psql CPU {r.get('copy2.cpu_seconds')} s). cdcpipe's time includes creating the slot and its exported "
          "snapshot, and ends when Kafka has acknowledged every op=r event.")
    ap = r.get("append3")
    if ap:
        w(f"- 3 reference: `build/bench/tools/duckdb_append_ref` read the {ap.get('rows'):,} rows of `orders` as COPY "
          f"text and appended them with the DuckDB C Appender (values as VARCHAR, cast by DuckDB) into a fresh "
          f"table with the same column types, no key, committing every 122,880 rows: {_sec(ap.get('seconds'))}.")
    for ph in ("1a", "1b", "1c"):
        if r.get(f"w2j{ph}.seconds"):
            w(f"- wal2json + kcat {ph}: {_sec(r[f'w2j{ph}.seconds'])}, exit {r.get(f'w2j{ph}.rc')}, "
              f"{r.get(f'w2j{ph}.msgs')} messages in Kafka (expected {r.get(f'w2j{ph}.expect')}), CPU of the "
              f"pipeline's processes {r.get(f'w2j{ph}.cpu_seconds')} s (walsender not included).")
    e2e = r.get("e2e")
    if e2e:
        w(f"- 4: `cdcpipe run` (capture + load in one process) against the same Kafka, table `e2e` (the 1b row "
          f"shape), pgbench -c 4 -j 2 --rate=R -T {e2e.get('seconds_per_rate')} of single-row INSERTs, rates in "
          f"sequence in the same process; status {e2e.get('status')}, peak RSS {e2e.get('peak_rss_mb')} MB. "
          "Latency of a row = the time its DuckDB transaction committed (load, after the MERGE) minus its commit "
          "time in PostgreSQL (Debezium source.ts_ms, ms precision), recorded by load in the histogram "
          "`cdcpipe_load_source_to_warehouse_seconds` (/metrics); the figures are the difference of the histogram "
          "before and after each window, after every row of the window was applied. Quantiles are interpolated "
          "inside buckets (bounds 1, 2, 5, 10, 20 ... 100, 125 ... 250, 300, 400 ... 1000, 1250, 1500, 2000 ms ...), "
          "so they are accurate to the bucket; max is the highest non-empty bucket. Measured a second way, "
          "without that histogram, once the process has stopped (`bench/tools/duckdb_query` reads the DuckDB "
          "file): for every row PostgreSQL inserted during the window, its `_cdc_loaded_at` (DuckDB's now(), "
          "the start of the transaction that loaded it) minus its `_cdc_ts` (the source commit, Debezium's "
          "source.ts_ms, truncated to the millisecond), per row. The row becomes visible when that transaction "
          "commits, so this second measure is lower than the visible latency by the loading transaction's own "
          "duration (the apply p50/p99 below). The same from the row's `created_at` (PostgreSQL's "
          "clock_timestamp() at the INSERT), which no clock of cdcpipe's touches, and the INSERT -> commit part "
          "on its own (PostgreSQL's, not cdcpipe's).")
        for x, variant in e2e_rows:
            w(f"  - {x['rate']:,} rows/s{variant}, {x.get('rows_per_tx', 1)} row(s) per transaction: "
              f"{x['transactions']:,} transactions (pgbench tps {x.get('pgbench_tps')}, "
              f"schedule lag avg {x.get('schedule_lag_avg_ms')} ms, max {x.get('schedule_lag_max_ms')} ms), "
              f"all applied {x.get('all_applied')} ({x.get('drain_after_end_s')} s after pgbench ended), mean "
              f"{x.get('mean_ms')} ms, cdcpipe CPU {x.get('cpu_cores')} cores, RSS {x.get('rss_mb')} MB; "
              + (f"of that, Kafka record (capture's produce) -> visible p50 {x['kafka_p50_ms']:.0f} ms, p99 "
                 f"{x['kafka_p99_ms']:.0f} ms (`cdcpipe_load_kafka_to_warehouse_seconds`); {x.get('applies'):,} "
                 f"warehouse transactions, each p50 {x['apply_p50_ms']:.0f} ms, p99 {x['apply_p99_ms']:.0f} ms "
                 "(`cdcpipe_load_apply_seconds`); "
                 if x.get("kafka_p50_ms") is not None and x.get("apply_p50_ms") is not None else "")
              + f"histogram (ms upper bound: rows): "
              + ", ".join(f"{le if isinstance(le, str) else int(le)}: {v:,}" for le, v in x.get("buckets", [])))
        for x, variant in e2e_rows:
            if x.get("achieved_rows_per_s") and x["achieved_rows_per_s"] < 0.95 * x["rate"]:
                w(f"  - At {x['rate']:,} rows/s offered ({x.get('rows_per_tx', 1)} row(s) per transaction), pgbench sustained only {x['achieved_rows_per_s']:,} rows/s "
                  "on this shared 2-core machine (PostgreSQL, Kafka, cdcpipe and pgbench on the same 2 cores): "
                  "that window measures latency at the achieved rate, with a growing schedule lag in pgbench.")
        base = next((x for x, v in e2e_rows if _is_e2e_target(x) and not v), None)
        fast = next((x for x in (r.get("e2e_fast") or {}).get("rates", []) if _is_e2e_target(x)), None)
        if base and fast and base.get("p50_ms") and fast.get("p50_ms"):
            w(f"  - Where the latency goes at 5,000 rows/s: with `sink.batch.max_ms` 500 -> {r.get('e2e_fast_ms')}, "
              f"p50 went {base['p50_ms']:.0f} -> {fast['p50_ms']:.0f} ms and p99 {base['p99_ms']:.0f} -> "
              f"{fast['p99_ms']:.0f} ms (two separate runs, so noisy; a row waits up to max_ms for its batch to be "
              f"applied). What remains at max_ms={r.get('e2e_fast_ms')} (p99 {fast['p99_ms']:.0f} ms) is spread over "
              "the stages the lines above give for each window: source commit to Kafka record (the gap between the "
              "two histograms), the wait for a batch, and the warehouse transaction (apply p50/p99). cdcpipe used "
              f"{base.get('cpu_cores')} / {fast.get('cpu_cores')} cores on average, so most of it is waiting (batch "
              "windows, Kafka's acknowledgements, DuckDB commits, two cores shared with PostgreSQL, Kafka and "
              "pgbench) rather than cdcpipe's own CPU work.")
        for e in e2e.get("errors") or []:
            w(f"  - log: `{e[:400]}`")
        ev = r.get("e2e_avro")
        if ev:
            rates = ", ".join(f"{x['rate']:,}" + (f" (x{x['rows_per_tx']})" if x.get("rows_per_tx", 1) > 1 else "")
                              for x in ev.get("rates", [])) or "—"
            w(f"  - The avro run ({rates} rows/s, `format: avro`, its own process, slot, topic and DuckDB file): "
              f"status {ev.get('status')}, peak RSS {ev.get('peak_rss_mb')} MB.")
            for e in ev.get("errors") or []:
                w(f"  - avro run's log: `{e[:400]}`")
    w("")
    w("Commands (DSN, ports, slot and topic names are those of the run):")
    w("")
    w("```sh")
    for k in ("cmd_micro", "cmd_recv1a", "cmd_w2j1a", "cmd_cap1a", "cmd_cap1as", "cmd_cap1av", "cmd_dbz1a", "cmd_dbz1av",
              "cmd_pgbench", "cmd_recv1b", "cmd_w2j1b", "cmd_cap1b", "cmd_cap1bs", "cmd_cap1bv", "cmd_dbz1b", "cmd_dbz1bv",
              "cmd_kcat3", "cmd_load3", "cmd_append3", "cmd_cap3m", "cmd_kcat3m", "cmd_load3m", "cmd_load3softm",
              "cmd_recv1c", "cmd_w2j1c", "cmd_cap1c", "cmd_cap1cs", "cmd_cap1cv", "cmd_dbz1c", "cmd_dbz1cv", "cmd_copy2",
              "cmd_cap2", "cmd_cap2s", "cmd_cap2v", "cmd_dbz2", "cmd_dbz2v", "cmd_load3s", "cmd_load3v", "cmd_ingest2", "cmd_run4",
              "cmd_run4v", "cmd_pgbench4"):
        if r.get(k):
            w(r[k])
    w("```")
    w("")

    cores_section(r, w)
    threads_section(r, w)
    load_work_section(r, w)
    hand_written("Why the missed targets are missed")
    hand_written("Ad-hoc snapshots while streaming")

    # profiles
    profs = [(k, v) for k, v in sorted(r.items()) if k.startswith("profile_") and isinstance(v, dict) and "top" in v]
    notes = {k.split(".", 1)[1]: v for k, v in r.items() if k.startswith("profile_note.")}
    if profs or notes or r.get("massif_cap1a"):
        w("## Profiles of missed targets")
        w("")
        w("`perf stat -e instructions` is not supported on this VM (no hardware counters), so profiles are "
          "`valgrind --tool=callgrind` runs on a smaller workload; cost = instructions executed (Ir), self cost "
          "only (`callgrind_annotate --inclusive=no`). Instruction counts do not show time spent waiting "
          "(I/O, fsync, polling); compare with the CPU figures above (cores on average) to see whether the "
          "phase is CPU-bound at all."
          + (" The last profile, of load by thread, is perf's, sampling the CPU clock." if r.get("perf_load") else ""))
        w("")
        for k, v in profs:
            w(f"### {notes.get(k, k)}")
            w("")
            run = r.get("prof_" + k[len("profile_"):])
            if run:
                w(f"Run under callgrind: status {run['status']} after {_sec(run['seconds'])} "
                  f"({run.get('acked', run.get('rows_total_metric'))} of {run['expect']:,} rows).")
                w("")
            if v.get("by_object"):
                w("Where the instructions go, by library (self cost): "
                  + ", ".join(f"{o['object']} {o['pct']}%" for o in v["by_object"])
                  + ". liblz4 is the compression librdkafka's broker thread runs on every batch (lz4, as the "
                  "naive pipeline and Debezium are configured); libc is mostly memcpy/memset (librdkafka copying "
                  "messages into batches, lz4's buffers) and malloc/free.")
                w("")
            w(f"Total {v.get('total_ir') or 0:,} Ir. Top {len(v['top'])} functions by self cost:")
            w("")
            w("| # | self Ir | % | function | object |")
            w("|---|---|---|---|---|")
            for i, row in enumerate(v["top"], 1):
                fn = row["function"].replace("|", "\\|")
                if len(fn) > 160:
                    fn = fn[:157] + "..."
                pct = f"{row['pct']:.2f}" if row["pct"] is not None else "?"
                w(f"| {i} | {row['ir']:,} | {pct} | `{fn}` | {row['object']} |")
            w("")
            if v.get("inclusive_cdc"):
                w("cdcpipe functions with the highest inclusive cost (self + callees; nested, so they overlap):")
                w("")
                w("| # | inclusive % | function |")
                w("|---|---|---|")
                for i, row in enumerate(v["inclusive_cdc"], 1):
                    fn = row["function"].replace("|", "\\|")
                    if len(fn) > 160:
                        fn = fn[:157] + "..."
                    pct = f"{row['pct']:.2f}" if row["pct"] is not None else "?"
                    w(f"| {i} | {pct} | `{fn}` |")
                w("")
        perf_section(r, notes, w)
        ms = r.get("massif_cap1a")
        if ms and ms.get("tree"):
            run = r.get("prof_mem_cap1a") or {}
            w(f"### {notes.get('massif_cap1a', 'capture heap at its peak')}")
            w("")
            w(f"`valgrind --tool=massif` (heap only, not code/stack/mapped pages): status {run.get('status')}, "
              f"peak heap {ms['peak_heap_mb']} MB (+{ms['peak_extra_mb']} MB allocator overhead); VmHWM under "
              f"massif is not comparable. Allocation tree at the peak snapshot, branches >= {ms.get('min_pct')}% of "
              f"the peak, {ms.get('depth')} levels (level 1 = the function that called malloc/new):")
            w("")
            w("```")
            for e in ms["tree"]:
                w(f"{'  ' * (e['depth'] - 1)}{e['bytes'] / 2**20:7.1f} MB  {e['label'][:150]}")
            w("```")
            w("")
        for k, note in sorted(notes.items()):
            if not any(k == pk for pk, _ in profs) and k != "massif_cap1a":
                w(f"- {k}: {note}")
        w("")
    w("## Verdict")
    w("")
    names = {"1a": "capture >= 0.9x pg_recvlogical, 1M rows in one transaction",
             "1b": "capture >= 0.9x pg_recvlogical, 200k single-row transactions",
             "rss": "capture peak RSS <= 256 MB in 1a", "load": "load >= 200k rows/s",
             "snap": "initial snapshot >= 500k rows/s", "e2e": "end-to-end p99 <= 250 ms at 5k rows/s",
             "dbz1a": "capture >= 3x Debezium, 1M rows in one transaction",
             "dbz1b": "capture >= 3x Debezium, 200k single-row transactions",
             "rss5": "capture peak RSS < 256 MB during one transaction of 5M rows"}
    wa_note = {}
    for k, c in (("1a", c1a_w), ("1b", c1b_w)):
        if c and c.get("status") == "ok":
            rl = rl1a_rate if k == "1a" else rl1b_rate
            ratio_w = _ratio(c.get("rows_per_s"), rl)
            if ratio_w:
                wa_note[k] = (f" (the default config failed; with the workaround producer properties "
                              f"{ratio_w:.2f}x, which would {'meet' if ratio_w >= 0.9 else 'miss'} it)")
    if c1a_w and c1a_w.get("status") == "ok" and c1a_w.get("peak_rss_mb"):
        wa_note["rss"] = (f" (the default run failed at {c1a.get('peak_rss_mb')} MB; with the workaround "
                          f"properties {c1a_w['peak_rss_mb']} MB)")
    for k in ("1a", "1b", "dbz1a", "dbz1b", "rss", "rss5", "load", "snap", "e2e"):
        if k in verdict:
            w(f"- {names[k]}: {'met' if verdict[k] else 'NOT met'}{'' if verdict[k] else wa_note.get(k, '')}")
    w("")
    w("## Not measured yet")
    w("")
    w("These are **not** measured here and no figure for them exists yet:")
    w("")
    if not r.get("dbz2"):
        w("- Debezium as a reference for the initial snapshot (2) (not part of this run);")
    if not r.get("e2e_fast"):
        w("- end-to-end latency with a batch window other than the default (BENCH_E2E_FAST_MS; not part of this run);")
    if not (r.get("load3m") and r.get("load3softm")):
        w("- load of updates and deletes in both delete modes (the change mix of figure 3; not part of this run);")
    if not r.get("cap2v"):
        w("- `format: avro` (its twins of 1a, 1b, 1c, 2 and 3; BENCH_TWINS; not part of this run);")
    if not any(r.get(f"dbz{ph}v") for ph in ("1a", "1b", "1c", "2")):
        w("- Debezium with Avro (Apicurio's AvroConverter beside the avro twins of 1a, 1b, 1c and 2; needs the "
          "Debezium peer, the avro twins and `scripts/debezium avro-converter`; not part of this run);")
    if fsync == "off":
        w("- a full run with fsync=on for the workload (by hand: benchmarks-history.md, section "
          "\"A full run with fsync=on\").")
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(L))
    print(f"wrote {a.out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("set"); s.add_argument("key"); s.add_argument("value"); s.set_defaults(f=cmd_set)
    s = sub.add_parser("get"); s.add_argument("key"); s.set_defaults(f=cmd_get)
    s = sub.add_parser("timed"); s.add_argument("name"); s.add_argument("--timeout", type=float, default=600)
    s.add_argument("--stdout"); s.add_argument("--log"); s.add_argument("argv", nargs="+"); s.set_defaults(f=cmd_timed)
    for nm, fn in (("init-slot", cmd_init_slot), ("capture", cmd_capture), ("load", cmd_load)):
        s = sub.add_parser(nm); s.add_argument("name"); s.add_argument("--cdcpipe", required=True)
        s.add_argument("--config", required=True); s.add_argument("--log", required=True)
        s.add_argument("--timeout", type=float, default=300); s.add_argument("--interval", type=float, default=0.1)
        s.add_argument("--bootstrap"); s.add_argument("--topic"); s.add_argument("--expect", type=int, default=0)
        s.add_argument("--listen"); s.add_argument("--callgrind"); s.add_argument("--verify", action="store_true")
        s.add_argument("--slot"); s.add_argument("--dsn"); s.add_argument("--confirm-lsn"); s.add_argument("--massif")
        s.add_argument("--perf", help="perf record into this file (load only)")
        s.set_defaults(f=fn)
    s = sub.add_parser("debezium"); s.add_argument("name"); s.add_argument("--script", required=True)
    s.add_argument("--dsn", required=True); s.add_argument("--bootstrap", required=True)
    s.add_argument("--topic", required=True); s.add_argument("--prefix", required=True)
    s.add_argument("--table", required=True); s.add_argument("--slot", required=True)
    s.add_argument("--publication", required=True); s.add_argument("--partitions", type=int, default=4)
    s.add_argument("--expect", type=int, required=True); s.add_argument("--timeout", type=float, default=900)
    s.add_argument("--interval", type=float, default=0.1)
    s.add_argument("--snapshot-mode", default="no_data")
    s.add_argument("--converter", choices=("json", "avro"), default="json")
    s.add_argument("--registry", help="with --converter avro: the Apicurio API v2 base URL")
    s.set_defaults(f=cmd_debezium)
    s = sub.add_parser("machine"); s.add_argument("--root", required=True); s.add_argument("--dsn", required=True)
    s.add_argument("--cdcpipe", required=True); s.set_defaults(f=cmd_machine)
    s = sub.add_parser("msg-bytes"); s.add_argument("--bootstrap", required=True); s.add_argument("--topic", required=True)
    s.add_argument("--name", default="msg_bytes", help="the machine fact it is saved as")
    s.set_defaults(f=cmd_msg_bytes)
    s = sub.add_parser("hwm"); s.add_argument("--bootstrap", required=True); s.add_argument("--topic", required=True)
    s.set_defaults(f=cmd_hwm)
    s = sub.add_parser("top"); s.add_argument("name"); s.add_argument("file"); s.add_argument("-n", type=int, default=10)
    s.set_defaults(f=cmd_top)
    s = sub.add_parser("missed"); s.add_argument("figure", choices=["1a", "1b", "load", "snap", "rss"])
    s.set_defaults(f=cmd_missed)
    s = sub.add_parser("perf-threads"); s.add_argument("name"); s.add_argument("file")
    s.add_argument("-n", type=int, default=25); s.set_defaults(f=cmd_perf_threads)
    s = sub.add_parser("massif"); s.add_argument("name"); s.add_argument("file")
    s.add_argument("--depth", type=int, default=5); s.add_argument("--min-pct", type=float, default=4.0)
    s.set_defaults(f=cmd_massif)
    s = sub.add_parser("render"); s.add_argument("--out", required=True); s.set_defaults(f=cmd_render)
    s = sub.add_parser("setjson"); s.add_argument("key"); s.add_argument("file"); s.set_defaults(f=cmd_setjson)
    s = sub.add_parser("micro"); s.add_argument("name"); s.add_argument("file"); s.set_defaults(f=cmd_micro)
    s = sub.add_parser("e2e"); s.add_argument("name"); s.add_argument("--cdcpipe", required=True)
    s.add_argument("--config", required=True); s.add_argument("--log", required=True)
    s.add_argument("--listen", required=True); s.add_argument("--dsn", required=True)
    s.add_argument("--script", required=True); s.add_argument("--rates", required=True)
    s.add_argument("--batch-script", help="pgbench script of the RATExK rates, with @K@ for K")
    s.add_argument("--seconds", type=int, required=True)
    s.add_argument("--duckdb", help="the run's DuckDB file, read after it stops (latency from the rows)")
    s.add_argument("--query-tool", help="bench/tools/duckdb_query"); s.set_defaults(f=cmd_e2e)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
