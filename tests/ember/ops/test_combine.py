"""Joining, splitting and rearranging copies against PyTorch (see tests/ember/harness.py)."""
from tests.ember.harness import Op, op_tests

S3 = [(2, 3, 4)]
SPECS = [
    Op("cat", lambda m, x, y: m.cat([x, y], 0), [((2, 3), (4, 3)), ((0, 3), (2, 3))]),
    Op("cat_neg", lambda m, x, y, z: m.cat((x, y, z), dim=-1), [((2, 3), (2, 1), (2, 2))]),
    Op("cat_legacy_empty", lambda m, x, y: m.cat([x, y]), [((0,), (2, 3))]),
    Op("stack", lambda m, x, y: m.stack([x, y], 1), [((2, 3), (2, 3))]),
    Op("stack_0d", lambda m, x, y: m.stack([x, y]), [((), ())]),
    Op("stack_neg", lambda m, x, y: m.stack([x, y], dim=-1), [((2, 3), (2, 3))]),
    Op("split_int", lambda m, x: x.split(2, dim=1), [(3, 5)]),
    Op("split_list", lambda m, x: m.split(x, [1, 3, 1], dim=1), [(3, 5)]),
    Op("split_partial_use", lambda m, x: x.split(2)[1] * 3, [(5, 2)]),
    Op("chunk", lambda m, x: x.chunk(3, dim=0), [(7, 2), (6, 2), (2, 2)]),
    Op("unbind", lambda m, x: x.unbind(1), [(3, 4)]),
    Op("unbind_partial", lambda m, x: m.unbind(x)[0] * 2, [(3, 4)]),
    Op("iter", lambda m, x: [r * (i + 1) for i, r in enumerate(x)], [(3, 4)]),
    Op("flip", lambda m, x: x.flip(0), [(3, 4)]),
    Op("flip_dims", lambda m, x: m.flip(x, (0, 2)), S3),
    Op("roll", lambda m, x: m.roll(x, 1, 0), [(3, 4)]),
    Op("roll_multi", lambda m, x: m.roll(x, (1, -2), (0, 1)), [(3, 4)]),
    Op("roll_flat", lambda m, x: m.roll(x, 5), [(3, 4)]),
    Op("tril", lambda m, x: x.tril(), [(4, 4), (2, 3, 5)]),
    Op("triu", lambda m, x: m.triu(x, 1), [(4, 4)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
