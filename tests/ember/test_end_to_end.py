"""End to end on the shipped digits: an MLP reaches >= 95% and a small CNN >= 97% test accuracy (seeded).

Each trains with ember.nn, ember.optim and a shuffled DataLoader; the training time is printed (the
issue's budget is 30 s each on CPU; run with -s to see it).
"""
import time

import pytest

import ember
import ember.nn as nn
from ember.datasets import load_digits
from ember.utils.data import DataLoader, TensorDataset


def _train_and_test(model, flatten, epochs, lr, seed=0):
    ember.manual_seed(seed)
    x_train, y_train = load_digits("train", flatten=flatten)
    x_test, y_test = load_digits("test", flatten=flatten)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True,
                        generator=ember.Generator().manual_seed(seed))
    opt = ember.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with ember.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return accuracy, seconds


@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_reaches_95_percent(seed):
    ember.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    accuracy, seconds = _train_and_test(model, flatten=True, epochs=30, lr=1e-3, seed=seed)
    print(f"\nMLP digits: test accuracy {accuracy:.4f}, training {seconds:.2f} s")
    assert accuracy >= 0.95


@pytest.mark.parametrize("seed", [0, 1])
def test_cnn_reaches_97_percent(seed):
    ember.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 2 * 2, 10))
    accuracy, seconds = _train_and_test(model, flatten=False, epochs=20, lr=3e-3, seed=seed)
    print(f"\nCNN digits: test accuracy {accuracy:.4f}, training {seconds:.2f} s")
    assert accuracy >= 0.97
