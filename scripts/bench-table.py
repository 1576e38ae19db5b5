"""Renders `dcft bench --json` output as the markdown tables of BENCHMARKS.md."""
import json
import sys

for path in sys.argv[1:]:
    b = json.load(open(path))
    print(f"**{b['model']}**, batch {b['batch']} x seq {b['seq']}, {b['threads']} threads, "
          f"median of {b['steps']} timed steps after {b['warmup']} warm-up{' (each method in its own process)' if b.get('isolated') else ''}\n")
    rss = any("peak_rss_mb" in m for m in b["methods"].values())
    print("| method | step ms (median) | min | max | tokens/s | / frozen | / floor | trainable |" + (" peak RSS MB |" if rss else ""))
    print("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if rss else ""))
    for name, m in b["methods"].items():
        r = lambda k: "-" if m.get(k) is None else f"{m[k]:.3f}"
        row = (f"| {name} | {m['step_ms_median']:.0f} | {m['step_ms_min']:.0f} | {m['step_ms_max']:.0f} | {m['tokens_per_s']:.0f} "
               f"| {r('ratio_to_frozen')} | {r('ratio_to_floor')} | {m['trainable_params']:,} |")
        if rss:
            row += f" {m.get('peak_rss_mb', float('nan')):.0f} |"
        print(row)
    variants = [(n, m) for n, m in b["methods"].items() if m.get("ratio_to_variant_of") is not None]
    if variants:
        print("\nVariants against their base method, paired in the same rounds: " + "; ".join(
            f"{n} / {m['variant_of']} = {m['ratio_to_variant_of']:.3f}" for n, m in variants) + ".")
    if "inference" in b:
        i = b["inference"]
        print(f"\nInference (encoder forward, no autograd): base {i['base_ms_median']:.0f} ms, merged DCFT d=8 "
              f"{i['merged_ms_median']:.0f} ms (x{i['merged_to_base']:.3f}), unmerged {i['unmerged_ms_median']:.0f} ms "
              f"(x{i['unmerged_to_base']:.3f}).")
    if "layers" in b:
        print(f"\nOne adapted layer alone, {b['batch'] * b['seq']:,} tokens (`--layers`):\n")
        print("| layer | variant | forward ms | forward + backward ms |")
        print("|---|---|---:|---:|")
        for shape, vs in b["layers"].items():
            for v, t in vs.items():
                print(f"| {shape} | {v} | {t['forward_ms_median']:.1f} | {t['forward_backward_ms_median']:.1f} |")
    if "profile" in b:
        p = b["profile"]
        print(f"\nOperator self time (`--profile`: each operator's least over {len(next(iter(p.values()))['traces'])} profiled steps): " + ", ".join(
            f"{name} {m['self_ms_total']:.0f} ms" for name, m in p.items()) + ".")
        for name, m in p.items():
            if "increase_over_floor" not in m or name not in ("dcft-d8", "lora-r1", "dcft-d8-materialized"):
                continue
            print(f"\n{name}: largest increases over floor\n")
            print("| operator | extra self ms | extra calls |")
            print("|---|---:|---:|")
            for op in m["increase_over_floor"][:8]:
                print(f"| `{op['op']}` | {op['self_ms']:.1f} | {op['calls']} |")
    print()
