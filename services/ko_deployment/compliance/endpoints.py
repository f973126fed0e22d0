"""HTTP routes of compliance runs: /api/v1/clusters/{id}/compliance-runs (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.errors import PayloadTooLarge
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_deployment.clusters.endpoints import Ctx
from ko_deployment.compliance import service
from ko_deployment.compliance.schemas import ComplianceRunDetail, ComplianceRunOut, ComplianceRunStarted

router = APIRouter(prefix="/api/v1/clusters/{cluster_id}/compliance-runs", tags=["compliance"])
MAX_RESULTS_BYTES = 50 << 20
# What `sonobuoy retrieve` writes, as browsers and curl label it (any other type: 415).
ARCHIVE_TYPES = ("application/gzip", "application/x-gzip", "application/x-tar", "application/octet-stream")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="startComplianceCheck",
    summary="Check every node against the CIS Kubernetes Benchmark (202: the run and its compliance-check "
    "operation to follow)",
    openapi_extra=permission("project:write"),
)
async def start_check(
    session: SessionDep, identity: CurrentIdentity, cluster_id: str, ctx: Ctx
) -> ComplianceRunStarted:
    return await service.start(session, identity, cluster_id, ctx)


@router.get(
    "",
    operation_id="listComplianceRuns",
    summary="The cluster's compliance runs (node checks and Sonobuoy results), newest first, with their counts",
    openapi_extra=permission("project:read"),
)
async def list_runs(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ComplianceRunOut]:
    return await service.list_runs(session, identity, cluster_id, limit, offset)


@router.post(
    "/sonobuoy",
    status_code=status.HTTP_201_CREATED,
    operation_id="uploadSonobuoyResults",
    summary="Store a Sonobuoy results archive (`sonobuoy retrieve`'s tarball) as a run, parsed per test",
    description="Send the tarball as the request body with `Content-Type: application/gzip`, at most 50 MiB "
    "(and at most KO_MAX_UPLOAD_BYTES, default 4 MiB, on the gateway and this service). Each test of each "
    "plugin's sonobuoy_results.yaml (or of the e2e plugin's junit_01.xml) becomes an item, passed, failed "
    "(with its failure message) or skipped; the e2e JUnit file is kept for download. An archive that cannot "
    "be read is refused with field `file` and the reason.",
    openapi_extra=permission("project:write")
    | {
        "requestBody": {
            "required": True,
            "content": {k: {"schema": {"type": "string", "format": "binary"}} for k in ARCHIVE_TYPES},
        }
    },
)
async def upload_sonobuoy(
    request: Request, session: SessionDep, identity: CurrentIdentity, cluster_id: str
) -> ComplianceRunOut:
    data = bytearray()
    async for chunk in request.stream():  # the type and KO_MAX_UPLOAD_BYTES were checked (ko_common.request_body)
        data += chunk
        if len(data) > MAX_RESULTS_BYTES:
            raise PayloadTooLarge("The results archive is larger than 50 MiB: upload the tarball `sonobuoy "
                                  "retrieve` wrote, without other files.", field="file")  # fmt: skip
    return await service.upload_sonobuoy(session, identity, cluster_id, bytes(data))


@router.get(
    "/{run_id}",
    operation_id="getComplianceRun",
    summary="A compliance run: every item with its remedy, the counts, and what changed since the previous run",
    openapi_extra=permission("project:read"),
)
async def get_run(session: SessionDep, identity: CurrentIdentity, cluster_id: str, run_id: str) -> ComplianceRunDetail:
    return await service.detail(session, identity, cluster_id, run_id)


@router.get(
    "/{run_id}/junit",
    operation_id="downloadComplianceJunit",
    summary="The JUnit file of a Sonobuoy run (junit_01.xml), as a download",
    openapi_extra=permission("project:read")
    | {"responses": {"200": {"content": {"application/xml": {"schema": {"type": "string"}}}}}},
    response_class=Response,
)
async def download_junit(session: SessionDep, identity: CurrentIdentity, cluster_id: str, run_id: str) -> Response:
    found = await service.junit(session, identity, cluster_id, run_id)
    return Response(
        found.content, media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )  # fmt: skip
