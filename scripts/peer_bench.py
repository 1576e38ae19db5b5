"""Ours against Hugging Face transformers + PEFT on the same CPU, interleaved (issue 29; BENCHMARKS.md).

For each configuration and round: `dcft bench` (our methods interleaved in one process) and scripts/peer_step.py
(HF+PEFT), in alternating order from round to round so that a slow phase of the machine does not always fall on the
same side. A ratio is the median over rounds of ours / HF within the round. Writes everything, per-round medians
included, to one JSON that scripts/peer-table.py renders. Run it with nothing else busy (pause training: SIGTERM).

    python3 scripts/peer_bench.py --python VENV/bin/python [--rounds 3] [--configs base-32x64-fp32,...] --out FILE
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

CONFIGS = {
    # name: shape, batch, seq, precision, our methods, HF method
    "base-32x64-fp32": ("12,768,3072,12", 32, 64, "fp32", ["dcft-d8", "lora-r1"], "lora-r1"),
    "base-32x64-bf16": ("12,768,3072,12", 32, 64, "bf16", ["dcft-d8:bf16", "lora-r1:bf16"], "lora-r1"),
    "minilm-16x384-fp32": ("6,384,1536,12", 16, 384, "fp32", ["dcft-d8", "lora-r1"], "lora-r1"),
    "base-16x384-fp32": ("12,768,3072,12", 16, 384, "fp32", ["dcft-d8", "lora-r1"], "lora-r1"),
    "full-32x64-fp32": ("12,768,3072,12", 32, 64, "fp32", ["full"], "full"),
    # A few seconds in all: checks the harness, not the speed.
    "smoke": ("2,64,128,2", 4, 16, "fp32", ["dcft-d8", "lora-r1"], "lora-r1"),
}
DEFAULT_CONFIGS = [c for c in CONFIGS if c != "smoke"]


def cpu():
    flags, model = set(), "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    return {"model": model, "cores": os.cpu_count(), "avx2": "avx2" in flags, "avx512f": "avx512f" in flags,
            "avx512_bf16": "avx512_bf16" in flags, "kernel": platform.release()}


def build():
    """Our side's commit, with '+changes' when the sources differ from it (what the numbers were measured on)."""
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src", "pom.xml", "dcft-core"]).returncode != 0
    return rev + ("+changes" if dirty else "")


def ours(dcft, shape, batch, seq, methods, steps, warmup, threads):
    out = subprocess.run([dcft, "bench", "--shape", shape, "--batch", str(batch), "--seq", str(seq), "--steps", str(steps),
                          "--warmup", str(warmup), "--methods", ",".join(methods), "--no-inference", "--threads",
                          str(threads), "--json"], capture_output=True, text=True, check=True).stdout
    b = json.loads(out[out.index("{"):])
    return {m: b["methods"][m]["step_ms_median"] for m in methods}, b


# The dcft launcher raises glibc's mmap threshold (BENCHMARKS.md, "The memory allocator"); HF+PEFT as users run it has
# glibc's default. --hf-tuned adds a third side: HF under the same allocator setting as ours.
TUNED = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1"


def hf(python, shape, batch, seq, method, precision, steps, warmup, threads, tuned=False):
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    env.pop("GLIBC_TUNABLES", None)
    if tuned:
        env["GLIBC_TUNABLES"] = TUNED
    out = subprocess.run([python, os.path.join(here, "peer_step.py"), "--shape", shape, "--batch", str(batch), "--seq", str(seq),
                          "--method", method, "--precision", precision, "--steps", str(steps), "--warmup", str(warmup),
                          "--threads", str(threads)], capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--python", required=True, help="the venv's python with torch, transformers, peft")
    p.add_argument("--dcft", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dcft"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--configs", default=",".join(DEFAULT_CONFIGS))
    p.add_argument("--hf-tuned", action="store_true", help="also run HF with the launcher's allocator setting")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    info = cpu()
    result = {"cpu": info, "threads": a.threads, "rounds": a.rounds, "steps": a.steps, "warmup": a.warmup,
              "dropout": "0.1 hidden and attention, both sides", "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "hf_malloc": "glibc default", "hf_tuned_malloc": ("GLIBC_TUNABLES=" + TUNED) if a.hf_tuned else None,
              "ours_build": build(), "configs": {}}
    for name in a.configs.split(","):
        shape, batch, seq, precision, methods, hf_method = CONFIGS[name]
        if precision == "bf16" and not info["avx512_bf16"]:
            result["configs"][name] = {"skipped": "no native bf16 on this CPU (avx512_bf16): emulated bf16 is not a fair peer"}
            continue
        rounds = []
        for r in range(a.rounds):
            row = {}
            order = ["ours", "hf"] if r % 2 == 0 else ["hf", "ours"]
            if a.hf_tuned:
                order.append("hf_tuned")
            for side in order:
                if side == "ours":
                    row["ours"], bench = ours(a.dcft, shape, batch, seq, methods, a.steps, a.warmup, a.threads)
                    row["ours_trainable"] = {m: bench["methods"][m]["trainable_params"] for m in methods}
                    result["ours_malloc"] = bench["machine"].get("malloc")
                elif side == "hf_tuned":
                    row["hf_tuned"] = hf(a.python, shape, batch, seq, hf_method, precision, a.steps, a.warmup, a.threads, True)["step_ms_median"]
                else:
                    h = hf(a.python, shape, batch, seq, hf_method, precision, a.steps, a.warmup, a.threads)
                    row["hf"] = h["step_ms_median"]
                    row["hf_step_ms"] = h["step_ms"]
                    result["versions"] = {k: h[k] for k in ("torch", "transformers", "peft")}
                    row["hf_trainable"] = h["trainable_params"]
            rounds.append(row)
            print(f"{name} round {r + 1}: ours {row['ours']} ms, HF {hf_method} {row['hf']:.0f} ms", file=sys.stderr, flush=True)
        summary = {"shape": shape, "batch": batch, "seq": seq, "precision": precision, "hf_method": hf_method,
                   "rounds": rounds, "hf_ms_median": statistics.median(r["hf"] for r in rounds), "ours_ms_median": {},
                   "ours_trainable": rounds[0]["ours_trainable"], "hf_trainable": rounds[0]["hf_trainable"],
                   "ratio_to_hf": {}}
        if a.hf_tuned:
            summary["hf_tuned_ms_median"] = statistics.median(r["hf_tuned"] for r in rounds)
            summary["ratio_to_hf_tuned"] = {}
        for m in methods:
            summary["ours_ms_median"][m] = statistics.median(r["ours"][m] for r in rounds)
            summary["ratio_to_hf"][m] = statistics.median(r["ours"][m] / r["hf"] for r in rounds)
            if a.hf_tuned:
                summary["ratio_to_hf_tuned"][m] = statistics.median(r["ours"][m] / r["hf_tuned"] for r in rounds)
        result["configs"][name] = summary
        with open(a.out + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(a.out + ".tmp", a.out)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
