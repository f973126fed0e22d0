"""Bodies of projects and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"
ProjectRole = Literal["project-manager", "read-only"]


class ProjectCreate(BaseModel):
    name: str = Field(pattern=NAME_PATTERN, description="Lower-case letters, digits and `-`, up to 64.")
    description: str = Field("", max_length=1000)


class ProjectUpdate(BaseModel):
    name: str | None = Field(None, pattern=NAME_PATTERN)
    description: str | None = Field(None, max_length=1000)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    created_at: datetime
    my_role: str | None = Field(None, description="Your role here: admin, project-manager or read-only.")


class MemberIn(BaseModel):
    role: ProjectRole


class MemberOut(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: ProjectRole


class CandidateOut(BaseModel):
    """A user a project manager may add: only what is needed to pick them."""

    user_id: str
    username: str
    display_name: str
