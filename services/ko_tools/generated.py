"""The command line of a generated, checked-in file: write it, check it is fresh, or print it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def generated_file_cli(description: str, path: Path, render_text: Callable[[], str]) -> None:
    """``--write`` the generated file, ``--check`` that it is fresh, or print it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", action="store_true", help=f"write {path}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in file is stale")
    args = parser.parse_args()
    text = render_text()
    if args.check:
        if not path.exists() or path.read_text() != text:
            sys.exit(f"{path} is stale: run `make contract`")
        return
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
        return
    sys.stdout.write(text)
