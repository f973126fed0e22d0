"""Asking every service whether a project still owns resources there."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from ko_common.errors import Unavailable
from ko_gateway.auth.principal import Principal
from ko_gateway.proxy.client import call


async def project_usage(app: FastAPI, principal: Principal, project_id: str) -> dict[str, int]:
    services = list(app.state.service_urls)

    async def one(service: str) -> dict[str, int]:
        response = await call(
            app, service, "GET", f"/internal/projects/{project_id}/usage", principal.identity, timeout=5
        )
        if response.status_code != 200:
            raise Unavailable(f"The {service} service could not say whether the project is in use; retry later.")
        return {str(k): int(v) for k, v in response.json().items()}

    usage: dict[str, int] = {}
    for part in await asyncio.gather(*(one(s) for s in services)):
        usage.update(part)
    return usage
