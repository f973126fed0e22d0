"""JSON log lines carrying the request and trace id, with secrets scrubbed."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)

# Belt and braces: code never logs secrets, and this catches a mistake.
_SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
    re.compile(
        r"(?i)(\"?(password|passphrase|private_key|token|secret|authorization|cookie)\"?\s*[:=]\s*)(\"[^\"]*\"|\S+)"
    ),
]


def scrub(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub("[redacted private key]", text)
    return _SECRET_PATTERNS[1].sub(lambda m: m.group(1) + '"[redacted]"', text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        tid = getattr(record, "trace_id", None) or trace_id_var.get()
        if rid:
            entry["request_id"] = rid
        if tid:
            entry["trace_id"] = tid
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update({k: v for k, v in extra.items() if k not in entry})
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.msg = scrub(record.getMessage())
        record.args = None
        return super().format(record)


def configure_logging(service: str, level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(PlainFormatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "nats", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").propagate = True


def log_fields(**fields: object) -> dict[str, object]:
    """``logger.info("...", extra=log_fields(key=value))`` adds structured fields."""
    return {"fields": fields}
