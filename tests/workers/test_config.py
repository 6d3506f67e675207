"""Settings come from the environment; bad values fail at start with the variable's name."""
from __future__ import annotations

import pytest

from workers.config import ConfigError, WorkerConfig


def test_defaults_follow_the_issue():
    config = WorkerConfig.from_env({})
    assert config.cell_timeout == 300 and config.interrupt_grace == 5
    assert config.output_limit == 5_000_000 and config.idle_cull == 900
    assert config.warm_kernels == 2 and config.pool_queues == ("cpu", "live")
    assert config.visibility_timeout > config.cell_timeout
    assert config.broker_url == "redis://127.0.0.1:6379/0"


def test_environment_overrides_and_prefixes():
    config = WorkerConfig.from_env({"REDIS_URL": "redis://r:1/2", "CAMPFIRE_WORKER_DEVICE": "gpu",
                                    "CAMPFIRE_QUEUE_PREFIX": "t.", "CAMPFIRE_MAX_KERNELS": "1"})
    assert config.broker_url == config.redis_url == "redis://r:1/2"
    assert config.pool_queues == ("t.gpu",) and config.warm_kernels == 1


@pytest.mark.parametrize("env, name", [
    ({"CAMPFIRE_CELL_TIMEOUT": "soon"}, "CAMPFIRE_CELL_TIMEOUT"),
    ({"CAMPFIRE_MAX_KERNELS": "0"}, "CAMPFIRE_MAX_KERNELS"),
    ({"CAMPFIRE_WORKER_DEVICE": "tpu"}, "CAMPFIRE_WORKER_DEVICE"),
    ({"CAMPFIRE_KERNEL_WAIT": "30", "CAMPFIRE_VISIBILITY_TIMEOUT": "20"},
     "CAMPFIRE_VISIBILITY_TIMEOUT"),
    ({"CAMPFIRE_HEARTBEAT_INTERVAL": "5", "CAMPFIRE_HEARTBEAT_TTL": "4"}, "CAMPFIRE_HEARTBEAT_TTL"),
    ({"CAMPFIRE_LOG_FORMAT": "xml"}, "CAMPFIRE_LOG_FORMAT"),
])
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        WorkerConfig.from_env(env)
