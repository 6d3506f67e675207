"""DataLoader and random_split under a GPU default device (EMBER_DEVICE=cuda on GPU workers): a CPU
generator still seeds them, and the batches live on the default device."""
import ember
from ember.utils.data import DataLoader, TensorDataset, random_split


def test_seeded_shuffle_and_split_work_with_a_cuda_default_device(gpu):
    ember.set_default_device("cuda")
    try:
        X, y = ember.arange(20.0).reshape(10, 2), ember.arange(10)
        assert X.device.type == "cuda"
        orders = []
        for _ in range(2):
            loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True,
                                generator=ember.Generator().manual_seed(0))
            batches = list(loader)
            assert all(xb.device.type == "cuda" for xb, _ in batches)
            orders.append([int(v) for _, yb in batches for v in yb.cpu().tolist()])
        assert orders[0] == orders[1] and sorted(orders[0]) == list(range(10))
        assert orders[0] != list(range(10))
        train, test = random_split(TensorDataset(X, y), [0.8, 0.2], generator=ember.Generator().manual_seed(1))
        assert len(train) == 8 and len(test) == 2
        assert len(list(DataLoader(TensorDataset(X, y), batch_size=3, shuffle=True))) == 4  # unseeded too
    finally:
        ember.set_default_device("cpu")
