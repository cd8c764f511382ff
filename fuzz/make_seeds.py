#!/usr/bin/env python3
"""Writes the seed corpus of the pgoutput decoder fuzz target: one valid
message of each pgoutput type (protocol version 1), a few wrapped in the
CopyData frames of START_REPLICATION ('w' XLogData, 'k' keepalive).
Usage: fuzz/make_seeds.py DIR"""
import os
import struct
import sys


def cstr(s):
    return s.encode() + b"\0"


def text(v):
    return b"t" + struct.pack(">I", len(v)) + v.encode()


def tuple_data(values):
    out = struct.pack(">H", len(values))
    for v in values:
        out += b"n" if v is None else b"u" if v is ... else text(v)
    return out


COLS = [(1, "id", 20), (0, "customer_id", 23), (0, "amount", 1700), (0, "status", 25),
        (0, "created_at", 1184), (0, "note", 25)]
ROW = ["7", "4711", "123.45", "paid", "2026-11-24 03:46:51.123456+00", "order note 0cc175b9"]

relation = b"R" + struct.pack(">I", 16385) + cstr("public") + cstr("orders") + b"d" + struct.pack(">H", len(COLS))
for flags, name, oid in COLS:
    relation += struct.pack(">B", flags) + cstr(name) + struct.pack(">Ii", oid, 786436 if oid == 1700 else -1)

seeds = {
    "begin": b"B" + struct.pack(">QqI", 0x16B3780, 758635200000000, 750),
    "commit": b"C" + struct.pack(">BQQq", 0, 0x16B3780, 0x16B37B0, 758635200000000),
    "origin": b"O" + struct.pack(">Q", 0x16B3000) + cstr("node_a"),
    "relation": relation,
    "type": b"Y" + struct.pack(">I", 16400) + cstr("public") + cstr("mood"),
    "insert": b"I" + struct.pack(">I", 16385) + b"N" + tuple_data(ROW),
    "insert_null": b"I" + struct.pack(">I", 16385) + b"N" + tuple_data(["8", None, None, "new", None, None]),
    "update_key_toast": b"U" + struct.pack(">I", 16385) + b"K" + tuple_data(["7", None, None, None, None, None])
                        + b"N" + tuple_data(["8", "4711", "1.00", "shipped", "2026-11-24 03:46:51+00", ...]),
    "update_old_full": b"U" + struct.pack(">I", 16385) + b"O" + tuple_data(ROW) + b"N" + tuple_data(ROW),
    "update_new_only": b"U" + struct.pack(">I", 16385) + b"N" + tuple_data(ROW),
    "delete_key": b"D" + struct.pack(">I", 16385) + b"K" + tuple_data(["7", None, None, None, None, None]),
    "truncate": b"T" + struct.pack(">IB", 2, 3) + struct.pack(">II", 16385, 16390),
    "message": b"M" + struct.pack(">BQ", 1, 0x16B3790) + cstr("cdcpipe") + struct.pack(">I", 5) + b"hello",
}
frame_hdr = b"w" + struct.pack(">QQq", 0x16B3780, 0x16B37B0, 758635200000000)
seeds["frame_insert"] = frame_hdr + seeds["insert"]
seeds["frame_relation"] = frame_hdr + relation
seeds["keepalive"] = b"k" + struct.pack(">QqB", 0x16B37B0, 758635200000000, 1)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out}")
