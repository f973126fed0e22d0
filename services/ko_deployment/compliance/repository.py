"""All SQL of compliance runs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ko_common.repository import Repository
from ko_deployment.compliance.models import ComplianceJunit, ComplianceRun


class ComplianceRunRepository(Repository[ComplianceRun]):
    model = ComplianceRun

    async def of_cluster(self, cluster_id: str, limit: int, offset: int) -> tuple[Sequence[ComplianceRun], int]:
        """The cluster's runs, newest first."""
        stmt = (
            select(ComplianceRun)
            .where(ComplianceRun.cluster_id == cluster_id)
            .order_by(ComplianceRun.created_at.desc(), ComplianceRun.id.desc())
        )
        return await self.paginate(stmt, limit, offset)

    async def by_operation(self, operation_id: str) -> ComplianceRun | None:
        return await self.one_or_none(select(ComplianceRun).where(ComplianceRun.operation_id == operation_id))

    async def previous(self, run: ComplianceRun) -> ComplianceRun | None:
        """The newest finished run of the same kind on the same cluster created before ``run``."""
        stmt = (
            select(ComplianceRun)
            .where(
                ComplianceRun.cluster_id == run.cluster_id,
                ComplianceRun.kind == run.kind,
                ComplianceRun.status == "succeeded",
                ComplianceRun.created_at < run.created_at,
                ComplianceRun.id != run.id,
            )
            .order_by(ComplianceRun.created_at.desc(), ComplianceRun.id.desc())
            .limit(1)
        )
        return await self.one_or_none(stmt)

    async def junit(self, run_id: str) -> ComplianceJunit | None:
        return await self.session.get(ComplianceJunit, run_id)

    async def has_junit(self, run_id: str) -> bool:
        stmt = select(ComplianceJunit.run_id).where(ComplianceJunit.run_id == run_id)
        return (await self.session.execute(stmt)).first() is not None

    async def add_junit(self, junit: ComplianceJunit) -> None:
        self.session.add(junit)
        await self.session.flush()
