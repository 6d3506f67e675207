"""``channel_shuffle``: interleave the channels of ``groups`` groups (ShuffleNet), a reshape-transpose-reshape."""
__all__ = ["channel_shuffle"]


def channel_shuffle(input, groups):
    """``(N, C, *)`` with channels reordered from ``(groups, C / groups)`` to ``(C / groups, groups)``."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{list(input.shape)}")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, rest = input.shape[0], input.shape[1], tuple(input.shape[2:])
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)
