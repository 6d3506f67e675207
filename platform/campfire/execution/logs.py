"""One log line per event, `name key=value ...`, always with the ids involved (as the workers
log), so one grep for an execution id follows a run across web, platform worker and workers."""

import json
import logging

_logger = logging.getLogger("campfire.execution")


def _value(value) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c in text for c in ' "=\n')) else text


def log(level: int, event: str, /, exc_info=None, **fields) -> None:
    if _logger.isEnabledFor(level):
        line = " ".join([event, *(f"{key}={_value(value)}" for key, value in fields.items() if value is not None)])
        _logger.log(level, line, exc_info=exc_info)


def info(event: str, /, **fields) -> None:
    log(logging.INFO, event, **fields)


def warning(event: str, /, exc_info=None, **fields) -> None:
    log(logging.WARNING, event, exc_info=exc_info, **fields)


def error(event: str, /, exc_info=None, **fields) -> None:
    log(logging.ERROR, event, exc_info=exc_info, **fields)
