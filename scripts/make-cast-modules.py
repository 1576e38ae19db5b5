#!/usr/bin/env python3
"""Writes the two TorchScript modules that cast tensors to and from bfloat16 inside libtorch.

DJL's PyTorch engine (0.36) cannot name bfloat16 when it creates or casts a tensor (its JNI maps
only DJL's first data types, and an unknown one aborts the JVM), and its own cast runs without
autograd. A scripted module's forward runs inside libtorch with autograd recording, so these two
one-line modules are the engine-side casts dev.dcft.engine.Bf16 uses.

Run once with any PyTorch (Debian's python3-torch 1.13 wrote the committed files); libtorch reads
archives written by older versions.
"""
import sys
import torch


class ToBf16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


class ToFp32(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)


out = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/dev/dcft/engine"
torch.jit.script(ToBf16()).save(f"{out}/to_bf16.pt")
torch.jit.script(ToFp32()).save(f"{out}/to_fp32.pt")
