#!/bin/bash
# Build the test binary first: go test -c -o vec.test ./internal/vec (TEST names it).
# 6 interleaved rounds: each round times every float64 kernel and its float32 namesake in turn.
for i in 1 2 3 4 5 6; do
  echo "round $i $(cat /proc/loadavg)"
  ${TEST:-./vec.test} -test.run XXX -test.bench 'Dtype' -test.benchtime 0.5s -test.count 1 | grep '^Benchmark'
done
echo "end $(cat /proc/loadavg)"
