#!/usr/bin/env bash
# bench/kafka_warmup.sh BOOTSTRAP MESSAGES CYCLES: warms up a fresh Kafka
# broker's JIT with the requests the figures bring, before the first one.
# Each cycle: a new idempotent producer (kcat, lz4, acks=all, batches of up to
# 4 MB, as the contenders produce) sends MESSAGES/CYCLES keyed messages of a
# 1a event's size (~3 KB) into a new, auto-created topic; kafka_hwm_watch
# (BENCH_HWM_WATCH) waits for their high watermarks; a consumer reads a fifth
# of them back. Why cycles rather than one long producer: see bench/run.
set -euo pipefail
bootstrap=$1 total=$2 cycles=$3
per=$(( (total + cycles - 1) / cycles ))
for c in $(seq 1 "$cycles"); do
  topic=bench-warmup-$c
  python3 -c 'import sys
n = int(sys.argv[1]); pad = "x" * 2990; w = sys.stdout.write
for i in range(n): w(f"{{\"id\":{i}}}\t{i:010d}{pad}\n")' "$per" \
    | kcat -b "$bootstrap" -P -t "$topic" -K $'\t' -z lz4 -X acks=all -X enable.idempotence=true -X linger.ms=5 \
        -X batch.size=4194304 -X message.max.bytes=4194304 -X partitioner=murmur2_random \
        -X queue.buffering.max.kbytes=1048576 -X queue.buffering.max.messages=1000000
  "$BENCH_HWM_WATCH" "$bootstrap" "$topic" "$per" 50 120 > /dev/null
  kcat -b "$bootstrap" -C -t "$topic" -o beginning -c $(( per / 5 )) -e -q > /dev/null
done
