"""What the registry says about this host's GPUs (name, memory), from nvidia-smi when present."""
from __future__ import annotations

import shutil
import subprocess

QUERY = ["--query-gpu=name,memory.total,memory.used", "--format=csv,noheader,nounits"]


def gpus() -> list[dict]:
    """[{"name", "memory_total_mib", "memory_used_mib"}] per GPU; [] without NVIDIA GPUs."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run([smi, *QUERY], capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse(out.stdout)


def parse(text: str) -> list[dict]:
    result = []
    for line in text.strip().splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            result.append({"name": parts[0], "memory_total_mib": int(parts[1]),
                           "memory_used_mib": int(parts[2])})
    return result
