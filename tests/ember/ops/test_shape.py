"""Shape and movement ops against PyTorch (see tests/ember/harness.py)."""
from tests.ember.harness import Op, op_tests

S3 = [(2, 3, 4)]
SPECS = [
    Op("reshape", lambda m, x: x.reshape(4, -1), [(2, 3, 4), (8, 3)]),
    Op("reshape_tuple", lambda m, x: m.reshape(x, (3, 8)), S3),
    Op("reshape_0d", lambda m, x: x.reshape(1, 1), [()]),
    Op("reshape_noncontig", lambda m, x: x.transpose(0, 2).reshape(-1), S3),
    Op("view", lambda m, x: x.view(6, 4) * 2, S3),
    Op("view_flat", lambda m, x: x.view(-1), [(2, 3, 4), ()]),
    Op("flatten", lambda m, x: x.flatten(), [(2, 3, 4), ()]),
    Op("flatten_range", lambda m, x: m.flatten(x, 1, 2), [(2, 3, 4, 5)]),
    Op("unflatten", lambda m, x: x.unflatten(1, (3, 2)), [(4, 6)]),
    Op("squeeze", lambda m, x: x.squeeze(), [(1, 3, 1, 4), (1,)]),
    Op("squeeze_dim", lambda m, x: x.squeeze(2), [(3, 4, 1)]),
    Op("squeeze_noop", lambda m, x: x.squeeze(0), [(3, 4)]),
    Op("squeeze_tuple", lambda m, x: m.squeeze(x, (0, 2)), [(1, 3, 1, 4)]),
    Op("unsqueeze", lambda m, x: x.unsqueeze(1), [(3, 4)]),
    Op("unsqueeze_0d", lambda m, x: x.unsqueeze(-1), [()]),
    Op("unsqueeze_neg", lambda m, x: m.unsqueeze(x, -1), [(3, 4)]),
    Op("permute", lambda m, x: x.permute(2, 0, 1) * 1, S3),
    Op("permute_tuple", lambda m, x: m.permute(x, (1, 2, 0)), S3),
    Op("transpose", lambda m, x: x.transpose(0, -1), S3),
    Op("t", lambda m, x: x.t(), [(3, 4), (5,)]),
    Op("T", lambda m, x: x.T, [(3, 4)]),
    Op("mT", lambda m, x: x.mT, [(2, 3, 4)]),
    Op("movedim", lambda m, x: m.movedim(x, 0, -1), [(2, 3, 4)]),
    Op("expand", lambda m, x: x.expand(2, 3, 4), [(3, 1), (1, 4), ()]),
    Op("expand_neg", lambda m, x: x.expand(5, -1, -1), [(3, 4)]),
    Op("expand_as", lambda m, x, y: x.expand_as(y) * y, [((3, 1), (3, 4))]),
    Op("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(4,)]),
    Op("repeat", lambda m, x: x.repeat(2, 3), [(3, 4), (4,)]),
    Op("repeat_more", lambda m, x: x.repeat(2, 1, 3), [(3, 4)]),
    Op("tile", lambda m, x: m.tile(x, (2,)), [(3, 4)]),
    Op("narrow", lambda m, x: x.narrow(1, 1, 2), [(3, 4)]),
    Op("contiguous", lambda m, x: x.t().contiguous(), [(3, 4)]),
    Op("clone", lambda m, x: x.clone() * 2, [(3, 4), ()]),
    Op("diagonal", lambda m, x: x.diagonal(), [(4, 4), (3, 5)]),
    Op("diagonal_offset", lambda m, x: m.diagonal(x, -1, 1, 2), [(2, 4, 3)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
