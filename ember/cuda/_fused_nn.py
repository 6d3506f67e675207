"""Fused nn kernels on the GPU (filled in below)."""
KERNELS_BY_OP = {}
