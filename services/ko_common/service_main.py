"""``python -m ko_<service>``: run one service on its own."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from ko_common.app import serve
from ko_common.settings import Settings


def run(factory: Callable[[Settings], FastAPI], settings_cls: type[Settings]) -> None:
    try:
        settings = settings_cls()
    except ValueError as exc:  # a refused setting: say which and how to fix, no traceback
        raise SystemExit(f"kubeoperator: invalid settings: {exc}") from None
    serve(factory, settings)
