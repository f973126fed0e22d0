"""Field types shared by the inventory's cloud and IP pool schemas: names, free text, labels."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces), e.g. dc1-east")
    return value


def _check_label(value: str) -> str:
    """A name of something in the cloud (a cluster, a network, a flavor): anything printable, not blank."""
    if not value.strip():
        raise ValueError("must not be empty: give the name as the cloud shows it")
    if len(value) > 255 or any(not c.isprintable() for c in value):
        raise ValueError("must be at most 255 printable characters")
    return value


Name = Annotated[str, AfterValidator(_check_name)]
Label = Annotated[str, AfterValidator(_check_label)]
Description = Annotated[str, Field(max_length=512)]
ProjectId = Annotated[str, Field(min_length=1, max_length=64)]
