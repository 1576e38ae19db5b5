"""One Hugging Face transformers + PEFT training configuration, timed step by step (the peer of `dcft bench`).

A random BertForSequenceClassification of the given shape (dropout 0.1 in hidden layers and attention, as BERT's
config has it), LoRA r=1 (alpha 2) on all six matrices of every layer with the classifier trained whole (PEFT's
SEQ_CLS), or every weight trained (`full`); AdamW, gradient norm clipped at 1.0. A step is what
Hugging Face's Trainer does: forward with labels, backward, clip, optimizer step, zero_grad. bf16 runs under
torch.autocast, as Trainer's --bf16 does on CPU. Prints one JSON line: the step times and the versions.

    python scripts/peer_step.py --shape 12,768,3072,12 --batch 32 --seq 64 --method lora-r1 --precision fp32 \
        --steps 3 --warmup 1 --threads 2
"""
import argparse
import json
import statistics
import time

import peft
import torch
import transformers

p = argparse.ArgumentParser()
p.add_argument("--shape", required=True, help="LAYERS,HIDDEN,FFN,HEADS")
p.add_argument("--batch", type=int, required=True)
p.add_argument("--seq", type=int, required=True)
p.add_argument("--method", choices=["lora-r1", "full"], required=True)
p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
p.add_argument("--steps", type=int, default=3)
p.add_argument("--warmup", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.set_num_interop_threads(1)
torch.manual_seed(1234)
layers, hidden, ffn, heads = (int(x) for x in a.shape.split(","))
config = transformers.BertConfig(vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                                 intermediate_size=ffn, max_position_embeddings=512, hidden_dropout_prob=0.1,
                                 attention_probs_dropout_prob=0.1, num_labels=2)
model = transformers.BertForSequenceClassification(config)
if a.method == "lora-r1":
    # SEQ_CLS trains the classifier whole, as `dcft bench` does on its random encoder (which has no pooler to train).
    lora = peft.LoraConfig(task_type=peft.TaskType.SEQ_CLS, r=1, lora_alpha=2, lora_dropout=0.0,
                           target_modules=["query", "key", "value", "attention.output.dense", "intermediate.dense",
                                           "output.dense"])
    model = peft.get_peft_model(model, lora)
model.train()
params = [q for q in model.parameters() if q.requires_grad]
optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0)
g = torch.Generator().manual_seed(7)
ids = torch.randint(1000, 30000, (a.batch, a.seq), generator=g)
mask = torch.ones_like(ids)
labels = torch.randint(0, 2, (a.batch,), generator=g)

times = []
for i in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if i >= a.warmup:
        times.append((time.perf_counter() - t0) * 1000)

print(json.dumps({"step_ms": times, "step_ms_median": statistics.median(times),
                  "trainable_params": sum(q.numel() for q in params), "threads": a.threads,
                  "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}))
