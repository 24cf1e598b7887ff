# ratios.py FILE: for each BenchmarkDtype* in dtype.sh's output FILE, the
# median float64 and float32 times over the rounds and the median (and
# range) of their per-round ratio float64/float32.
import collections
import re
import statistics
import sys

rounds, loads = [], []
for line in open(sys.argv[1]):
    if line.startswith("round "):
        loads.append(line.split()[2])
        rounds.append({})
    elif line.startswith("end "):
        loads.append(line.split()[1])
    else:
        m = re.match(r"(Benchmark\S+?)-\d+\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            rounds[-1][m.group(1)] = float(m.group(2))
names = collections.OrderedDict((k[: -len("/f64")], None) for r in rounds for k in r if k.endswith("/f64"))
print("load averages (1 min) at each round's start and the end:", " ".join(loads))
for n in names:
    pairs = [(r[n + "/f64"], r[n + "/f32"]) for r in rounds if n + "/f64" in r and n + "/f32" in r]
    ratios = [a / b for a, b in pairs]
    print(f"{n:45s} f64 {statistics.median(a for a, _ in pairs):10.1f} ns  f32 {statistics.median(b for _, b in pairs):10.1f} ns"
          f"  f64/f32 {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}, {len(ratios)} rounds)")
