"""Logging for the server: request lines as bare JSON on stdout, the rest on stderr."""

from typing import Any


def logging_config(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "message": {"format": "%(message)s"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "access": {
                "class": "todo_async.log_handlers.LoopFlushedStreamHandler",
                "formatter": "message",
                "stream": "ext://sys.stdout",
            },
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "todo_async.access": {
                "handlers": ["access"],
                "level": level.upper(),
                "propagate": False,
            },
            "todo_async": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
