"""Logging for the server: every line one JSON object, request lines on stdout, the rest on
stderr. On ECS both streams land in one CloudWatch stream, where only JSON can be queried."""

from __future__ import annotations

import json
import logging
from typing import Any


class JsonFormatter(logging.Formatter):
    """A record as one JSON object; a traceback travels in its `exception` field, and a
    record's `fields` extra (security events) are fields of the line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": record.created,
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, separators=(",", ":"), default=str)


def logging_config(level: str) -> dict[str, Any]:
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            # Request lines are JSON already, a loop turn's in one record
            # (todo_async.serving.access_log).
            "message": {"format": "%(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "message",
                "stream": "ext://sys.stdout",
            },
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "todo_async.access": {"handlers": ["access"], "level": level, "propagate": False},
            "todo_async": {"handlers": ["default"], "level": level, "propagate": False},
            # uvicorn's start-up, shut-down and protocol errors ("uvicorn.error") and, were it
            # switched on, its access log: JSON like the rest.
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
        },
        # Any other library's records (asyncio, databases, ...).
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
