"""Structured logs: one line per event, key=value (or JSON), always with the ids involved.

    log.info("run.accepted", execution=..., session=..., seq=3)
    -> 2026-11-26T19:02:03.123Z INFO run.accepted execution=... session=... seq=3
"""
from __future__ import annotations

import json
import logging
import sys
import time

ROOT = "campfire.workers"


class _Formatter(logging.Formatter):
    def __init__(self, style: str) -> None:
        super().__init__()
        self.style_ = style

    def format(self, record: logging.LogRecord) -> str:
        fields = dict(getattr(record, "fields", {}))
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += f".{int(record.msecs):03d}Z"
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        if self.style_ == "json":
            return json.dumps({"ts": stamp, "level": record.levelname, "event": record.getMessage(),
                               **fields}, default=str)
        parts = [stamp, record.levelname, record.getMessage()]
        parts += [f"{key}={_kv(value)}" for key, value in fields.items()]
        return " ".join(parts)


def _kv(value) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c in text for c in ' "=\n')) else text


class Log:
    """A logger whose calls take an event name and keyword fields."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(f"{ROOT}.{name}")

    def _log(self, level: int, event: str, /, exc_info=None, **fields) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, exc_info=exc_info, extra={"fields": fields})

    def debug(self, event: str, /, **fields) -> None:
        self._log(logging.DEBUG, event, **fields)

    def info(self, event: str, /, **fields) -> None:
        self._log(logging.INFO, event, **fields)

    def warning(self, event: str, /, **fields) -> None:
        self._log(logging.WARNING, event, **fields)

    def error(self, event: str, /, **fields) -> None:
        self._log(logging.ERROR, event, **fields)

    def exception(self, event: str, /, **fields) -> None:
        self._log(logging.ERROR, event, exc_info=True, **fields)


def get(name: str) -> Log:
    return Log(name)


def configure(style: str = "kv", level: int = logging.INFO) -> None:
    """Send the workers' logs to stderr in the given style, independent of Celery's logging."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(style))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
