#!/usr/bin/env python3
"""Training steps with glibc's default allocator against the launcher's raised mmap threshold (BENCHMARKS.md,
"The memory allocator"), interleaved: each round runs `dcft bench` once per setting, the order alternating from round
to round. With the peer venv's torch it also times one elementwise product into a fresh [4096, out] tensor against
one into a preallocated tensor, under both settings (the effect in isolation). Writes one JSON; prints the table.

    python3 scripts/malloc-bench.py [--rounds 2] [--python ~/.cache/dcft/peer-venv/bin/python] --out results/bench/malloc.json
Pause background training first.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DCFT = os.path.join(HERE, "..", "dcft")
TUNED = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1"
CONFIGS = {
    "base-32x128": ["--shape", "12,768,3072,12", "--batch", "32", "--seq", "128", "--methods", "floor,lora-r8,lora-r8-dora,dcft-d8"],
    "minilm-16x384": ["--shape", "6,384,1536,12", "--batch", "16", "--seq", "384", "--methods", "floor,lora-r1,dcft-d8"],
    # One method alone: its process's peak resident memory is the method's.
    "minilm-16x384-memory": ["--shape", "6,384,1536,12", "--batch", "16", "--seq", "384", "--methods", "dcft-d8"],
    "smoke": ["--shape", "2,64,128,2", "--batch", "4", "--seq", "16", "--methods", "floor,dcft-d8"],
}
MICRO = r"""
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
out = {}
for rows, width in ((4096, 768), (4096, 3072), (16 * 12 * 384, 384)):
    z, g, o = torch.randn(rows, width), torch.randn(width), torch.empty(rows, width)
    for name, f in (("fresh", lambda: z * g), ("preallocated", lambda: torch.mul(z, g, out=o))):
        ts = []
        for _ in range(21):
            t = time.perf_counter(); r = f(); ts.append((time.perf_counter() - t) * 1e3); del r
        out[f"{rows}x{width}-{name}"] = sorted(ts)[10]
print(json.dumps({"ms": out, "torch": torch.__version__}))
"""


def env_for(setting):
    e = dict(os.environ)
    e.pop("GLIBC_TUNABLES", None)
    if setting == "default":
        e["DCFT_MALLOC"] = "default"
    else:
        e.pop("DCFT_MALLOC", None)
        e["GLIBC_TUNABLES"] = TUNED
    return e


def bench(args, setting, steps, warmup, threads):
    out = subprocess.run([DCFT, "bench", *args, "--steps", str(steps), "--warmup", str(warmup), "--no-inference", "--threads",
                          str(threads), "--json"], capture_output=True, text=True, check=True, env=env_for(setting)).stdout
    b = json.loads(out[out.index("{"):])
    return b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--configs", default="base-32x128,minilm-16x384,minilm-16x384-memory")
    p.add_argument("--python", default=os.path.expanduser("~/.cache/dcft/peer-venv/bin/python"))
    p.add_argument("--out", required=True)
    a = p.parse_args()
    result = {"tuned": "GLIBC_TUNABLES=" + TUNED, "threads": a.threads, "rounds": a.rounds, "steps": a.steps, "warmup": a.warmup,
              "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "configs": {}}
    if os.path.exists(a.python):
        micro = {}
        for setting in ("default", "tuned"):
            e = env_for(setting)
            r = subprocess.run([a.python, "-c", "import statistics\n" + MICRO, str(a.threads)], capture_output=True, text=True,
                               check=True, env=e)
            micro[setting] = json.loads(r.stdout.strip().splitlines()[-1])
        result["micro"] = micro
    for name in a.configs.split(","):
        rounds = []
        for r in range(a.rounds):
            row = {}
            for setting in (("default", "tuned") if r % 2 == 0 else ("tuned", "default")):
                b = bench(CONFIGS[name], setting, a.steps, a.warmup, a.threads)
                row[setting] = {m: v["step_ms_median"] for m, v in b["methods"].items()}
                row[setting + "_malloc"] = b["machine"]["malloc"]
                row[setting + "_peak_rss_mb"] = {m: v.get("peak_rss_mb") for m, v in b["methods"].items()}
                result["machine"] = {k: v for k, v in b["machine"].items() if k != "malloc"}
            rounds.append(row)
            print(f"{name} round {r + 1}: {row}", file=sys.stderr, flush=True)
        methods = list(rounds[0]["default"])
        result["configs"][name] = {
            "args": CONFIGS[name], "rounds": rounds,
            "default_ms": {m: statistics.median(x["default"][m] for x in rounds) for m in methods},
            "tuned_ms": {m: statistics.median(x["tuned"][m] for x in rounds) for m in methods},
            "ratio_tuned_to_default": {m: statistics.median(x["tuned"][m] / x["default"][m] for x in rounds) for m in methods},
            "peak_rss_mb": {s: {m: max(x[s + "_peak_rss_mb"][m] or 0 for x in rounds) for m in methods} for s in ("default", "tuned")},
        }
        with open(a.out + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(a.out + ".tmp", a.out)
    with open(a.out + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(a.out + ".tmp", a.out)
    table(result)


def table(result):
    m = result.get("machine", {})
    print(f"{m.get('cpu')}, {m.get('logical_cores')} cores ({', '.join(m.get('flags', []))}), {result['threads']} threads, fp32; "
          f"{result['rounds']} rounds of {result['steps']} timed steps after {result['warmup']} warm-up, settings alternating first; "
          f"tuned = {result['tuned']}. A ratio is the median over rounds of tuned / default in the same round.\n")
    if "micro" in result:
        d, t = result["micro"]["default"]["ms"], result["micro"]["tuned"]["ms"]
        print(f"One elementwise product `z * g` of a [rows, width] float32 tensor in Python (torch {result['micro']['default']['torch']},"
              " its main thread: glibc's main arena), median of 21:\n")
        print("| rows x width | MB | into a fresh tensor, default | fresh, tuned | into a preallocated tensor, default | preallocated, tuned |")
        print("|---|---:|---:|---:|---:|---:|")
        for k in sorted({k.rsplit("-", 1)[0] for k in d}, key=lambda k: int(k.split("x")[0]) * int(k.split("x")[1])):
            r, w = map(int, k.split("x"))
            print(f"| {k} | {r * w * 4 / 1e6:.1f} | {d[k + '-fresh']:.2f} ms | {t[k + '-fresh']:.2f} ms | {d[k + '-preallocated']:.2f} ms "
                  f"| {t[k + '-preallocated']:.2f} ms |")
        print()
    print("| configuration | method | step ms, glibc default | step ms, tuned | tuned / default | peak RSS MB, default | tuned |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, c in result["configs"].items():
        for meth in c["default_ms"]:
            rss = c["peak_rss_mb"]
            mem = (f"| {rss['default'][meth]:,.0f} | {rss['tuned'][meth]:,.0f} |" if rss["default"][meth] else "| - | - |")
            print(f"| {name} | {meth} | {c['default_ms'][meth]:,.0f} | {c['tuned_ms'][meth]:,.0f} | {c['ratio_tuned_to_default'][meth]:.3f} " + mem)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(json.load(open(sys.argv[2])))
    else:
        main()
