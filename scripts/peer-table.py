"""Renders scripts/peer_bench.py's JSON as BENCHMARKS.md's table of ours against HF+PEFT."""
import json
import sys

for path in sys.argv[1:]:
    b = json.load(open(path))
    c = b["cpu"]
    v = b.get("versions", {})
    print((f"Ours at build {b['ours_build']}. " if b.get("ours_build") else "") + f"{c['model']}, {c['cores']} cores (AVX2 {'yes' if c['avx2'] else 'no'}, AVX-512 {'yes' if c['avx512f'] else 'no'}, "
          f"AVX512-BF16 {'yes' if c['avx512_bf16'] else 'no'}), {b['threads']} threads on both sides; HF side: torch "
          f"{v.get('torch', '?')}, transformers {v.get('transformers', '?')}, peft {v.get('peft', '?')}; dropout "
          f"{b['dropout']}; {b['rounds']} rounds of {b['steps']} timed steps after {b['warmup']} warm-up, sides "
          f"alternating first. A ratio is the median over rounds of ours / HF in the same round. Allocator: ours "
          f"{b.get('ours_malloc') or 'glibc default'}; HF {b.get('hf_malloc', 'glibc default')}"
          + (f" and, in the last columns, HF under ours ({b['hf_tuned_malloc']})" if b.get("hf_tuned_malloc") else "") + ".\n")
    tuned = bool(b.get("hf_tuned_malloc"))
    print("| configuration | ours | trainable | ours ms (median) | HF+PEFT | trainable | HF ms (median) | ours / HF |"
          + (" HF ms, same allocator | ours / HF, same allocator |" if tuned else ""))
    print("|---|---|---:|---:|---|---:|---:|---:|" + ("---:|---:|" if tuned else ""))
    for name, s in b["configs"].items():
        if "skipped" in s:
            print(f"| {name} | | | | | | | skipped: {s['skipped']} |")
            continue
        for m, ms in s["ours_ms_median"].items():
            print(f"| {name} ({s['shape']}, {s['batch']} x {s['seq']}, {s['precision']}) | {m} | {s['ours_trainable'][m]:,} | "
                  f"{ms:,.0f} | {s['hf_method']}{' (autocast)' if s['precision'] == 'bf16' else ''} | {s['hf_trainable']:,} | "
                  f"{s['hf_ms_median']:,.0f} | "
                  f"{s['ratio_to_hf'][m]:.2f} |"
                  + (f" {s['hf_tuned_ms_median']:,.0f} | {s['ratio_to_hf_tuned'][m]:.2f} |" if tuned else ""))
