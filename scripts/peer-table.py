"""Renders scripts/peer_bench.py's JSON as BENCHMARKS.md's table of ours against HF+PEFT."""
import json
import sys

for path in sys.argv[1:]:
    b = json.load(open(path))
    c = b["cpu"]
    v = b.get("versions", {})
    print(f"{c['model']}, {c['cores']} cores (AVX2 {'yes' if c['avx2'] else 'no'}, AVX-512 {'yes' if c['avx512f'] else 'no'}, "
          f"AVX512-BF16 {'yes' if c['avx512_bf16'] else 'no'}), {b['threads']} threads on both sides; HF side: torch "
          f"{v.get('torch', '?')}, transformers {v.get('transformers', '?')}, peft {v.get('peft', '?')}; dropout "
          f"{b['dropout']}; {b['rounds']} rounds of {b['steps']} timed steps after {b['warmup']} warm-up, sides "
          f"alternating first. A ratio is the median over rounds of ours / HF in the same round.\n")
    print("| configuration | ours | trainable | ours ms (median) | HF+PEFT | trainable | HF ms (median) | ours / HF |")
    print("|---|---|---:|---:|---|---:|---:|---:|")
    for name, s in b["configs"].items():
        if "skipped" in s:
            print(f"| {name} | | | | | | | skipped: {s['skipped']} |")
            continue
        for m, ms in s["ours_ms_median"].items():
            print(f"| {name} ({s['shape']}, {s['batch']} x {s['seq']}, {s['precision']}) | {m} | {s['ours_trainable'][m]:,} | "
                  f"{ms:,.0f} | {s['hf_method']}{' (autocast)' if s['precision'] == 'bf16' else ''} | {s['hf_trainable']:,} | "
                  f"{s['hf_ms_median']:,.0f} | "
                  f"{s['ratio_to_hf'][m]:.2f} |")
