#!/usr/bin/env python3
"""Renders `dcft bench --decoder-shape ... --json` files as BENCHMARKS.md's decoder tables (one per file)."""
import json
import sys

for path in sys.argv[1:]:
    b = json.load(open(path))
    m = b["machine"]
    print(f"**{b['model']}**, batch {b['batch']} x seq {b['seq']}, adapted: {b['adapted']}; {m['cpu']}, {b['threads']} threads "
          f"({', '.join(m['flags'])}), allocator {m.get('malloc', 'glibc default')}; median of {b['steps']} timed steps after "
          f"{b['warmup']} warm-up; generation: greedy, batch 1, {b['prompt_tokens']}-token prompt, {b['new_tokens']} new tokens, "
          f"median of {b['generation_rounds']} rounds (`{path}`)\n")
    print("| method | precision | step ms (median) | min | max | train tokens/s | / floor | trainable | generated tokens/s | / base |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in b["methods"].items():
        gen = r.get("generation_tokens_per_s_median")
        print(f"| {name} | {r['precision']} | {r['step_ms_median']:,.0f} | {r['step_ms_min']:,.0f} | {r['step_ms_max']:,.0f} | "
              f"{r['tokens_per_s']:.1f} | {r['ratio_to_floor']:.3f} | {r['trainable_params']:,} | "
              f"{'-' if gen is None else f'{gen:.2f}'} | {'-' if gen is None else format(r['generation_to_base'], '.3f')} |")
    print()
