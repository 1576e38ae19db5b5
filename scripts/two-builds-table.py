"""Renders scripts/bench-two-builds.sh's JSON as a BENCHMARKS.md table."""
import json
import sys

for path in sys.argv[1:]:
    r = json.load(open(path))
    c = r["cpu"]
    print(f"{c['model']}, {c['cores']} cores (AVX-512 {'yes' if c['avx512f'] else 'no'}, AVX512-BF16 "
          f"{'yes' if c['avx512_bf16'] else 'no'}), {r['threads']} threads; `dcft bench {r['bench_args']}`; "
          f"{r['rounds']} rounds, each a process per build, the first side alternating. A ratio is new / old within a round, "
          f"median over rounds.\n")
    print(f"| method | {r['old_build']} ms (rounds) | {r['new_build']} ms (rounds) | new / old (rounds) | new / old |")
    print("|---|---:|---:|---:|---:|")
    for name, m in r["methods"].items():
        f = lambda xs: ", ".join(f"{x:,.0f}" for x in xs)
        print(f"| {name} | {f(m['old_ms_rounds'])} | {f(m['new_ms_rounds'])} | "
              f"{', '.join(f'{x:.2f}' for x in m['new_to_old_rounds'])} | {m['new_to_old_median']:.2f} |")
