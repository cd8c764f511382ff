#!/usr/bin/env python3
"""A stand-in for Apicurio Registry (REST API v2), for bench/run's Debezium
with Avro peer. Standard library only, in memory, loopback only.

Why it exists: the bench compares cdcpipe's `format: avro` with Debezium
writing Avro, and the Avro converter Kafka Connect can get from Maven
Central is Apicurio's (Confluent's AvroConverter is not there). Apicurio's
client speaks Apicurio's own REST API v2, not Confluent's, so neither
`cdcpipe registry` nor a Confluent registry can serve it, and running the
real Apicurio Registry (a Quarkus server) beside the bench would take more
of the two shared cores than the peer being measured. What the converter
calls, as scripts/debezium configures it (auto-register, 4-byte ids,
use-id contentId), is one request per distinct schema: "create the artifact,
or return it when this content is already its version"; the answer's
contentId is the 4-byte id in each message (Confluent's framing). Only that
is served; everything else is a 404 in Apicurio's error shape (and logged,
so a new call shows up).

  apicurio_registry.py --forward CONFLUENT_URL [--url-file FILE] [--log FILE]
    binds 127.0.0.1 on a free port and prints its base URL
    (http://127.0.0.1:PORT/apis/registry/v2; also written to --url-file);
    each new schema is registered in the Confluent-compatible
    registry (e.g. `cdcpipe registry`) under the same subject
    (<topic>-key / <topic>-value, TopicIdStrategy = TopicNameStrategy), and
    the id it gives is the content id here, so ids in Debezium's messages
    resolve in that registry too.

Endpoints (paths relative to the base URL; the /apis/registry/v2 prefix is
optional):
  POST /groups/{group}/artifacts[?ifExists=...&canonical=...]
       headers X-Registry-ArtifactId, X-Registry-ArtifactType; body: the
       schema (application/json) or {"content": ..., "references": [...]}
       (application/create.extended+json)
       -> ArtifactMetaData {groupId, id, version, type, globalId, contentId, ...}
"""
import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/apis/registry/v2"


class Registry:
    """Schemas by content, each registered once in the Confluent-compatible
    registry at `forward` under its subject; that registry's id is the
    content id (and the global id: the converter writes the content id)."""

    def __init__(self, forward):
        self.lock = threading.Lock()
        self.forward = forward.rstrip("/")
        self.ids = {}  # (subject, schema text) -> id

    def create(self, group, artifact, atype, text):
        """The answer to "create the artifact, or return the version with
        this content" (ifExists RETURN_OR_UPDATE, what the serializer sends)."""
        with self.lock:
            cid = self.ids.get((artifact, text))
            if cid is None:
                req = urllib.request.Request(
                    f"{self.forward}/subjects/{urllib.parse.quote(artifact, safe='')}/versions",
                    data=json.dumps({"schema": text}).encode(), method="POST",
                    headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
                with urllib.request.urlopen(req, timeout=30) as r:
                    cid = self.ids[(artifact, text)] = int(json.loads(r.read())["id"])
        return {"groupId": group, "id": artifact, "version": "1", "type": atype or "AVRO", "globalId": cid,
                "contentId": cid, "state": "ENABLED", "labels": [], "properties": {}, "references": []}


def handler(reg, log):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _send(self, code, body, ctype="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if log:
                log.write(f"{time.strftime('%H:%M:%S')} {self.command} {self.path} "
                          f"{self.headers.get('Content-Type', '')} -> {code}\n")
                log.flush()

        def _not_found(self, what):
            self._send(404, {"error_code": 404, "message": what, "name": "NotFoundException"})

        def _path(self):
            p = urllib.parse.urlsplit(self.path).path
            return p[len(PREFIX):] if p.startswith(PREFIX) else p

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            m = re.fullmatch(r"/groups/([^/]+)/artifacts", self._path())
            if not m:
                return self._not_found(f"no such endpoint in this stand-in: POST {self.path}")
            artifact = self.headers.get("X-Registry-ArtifactId")
            if not artifact:
                return self._send(400, {"error_code": 400, "message": "X-Registry-ArtifactId is required here"})
            text = body.decode()
            if "create.extended" in (self.headers.get("Content-Type") or ""):
                text = json.loads(text)["content"]
            try:
                meta = reg.create(urllib.parse.unquote(m.group(1)), artifact,
                                  self.headers.get("X-Registry-ArtifactType"), text)
            except Exception as e:  # the forward registry refused or is down
                return self._send(502, {"error_code": 502, "message": f"forwarding failed: {e}"})
            self._send(200, meta)

        def do_GET(self):
            self._not_found(f"no such endpoint in this stand-in: GET {self.path}")

    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url-file")
    ap.add_argument("--forward", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    log = open(a.log, "a") if a.log else None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler(Registry(a.forward), log))
    url = f"http://127.0.0.1:{srv.server_address[1]}{PREFIX}"
    if a.url_file:
        with open(a.url_file + ".tmp", "w") as f:
            f.write(url + "\n")
        os.replace(a.url_file + ".tmp", a.url_file)
    print(url, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
