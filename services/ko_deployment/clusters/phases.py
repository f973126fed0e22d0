"""Which playbooks make up each operation kind: `operations.yml` in the playbooks directory.

The list belongs to the Ansible content, not to the engine: `playbooks/operations.yml` maps each
kind (deploy, reset, ...) to its ordered phases, e.g.

    deploy:
      - {name: base-system, playbook: 01-base-system.yml}
      - {name: container-runtime, playbook: 02-container-runtime.yml}
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ko_common.errors import Unavailable
from ko_common.operations.kinds import PhaseDef

INDEX = "operations.yml"


def phases_of(playbooks_dir: Path, kind: str) -> list[PhaseDef]:
    path = playbooks_dir / INDEX
    try:
        index = yaml.safe_load(path.read_text())
        entries = index[kind]
        phases = [PhaseDef(str(e["name"]), str(e["playbook"])) for e in entries]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise Unavailable(
            f"The Ansible content has no usable {kind} phases ({path}): check KO_PLAYBOOKS_DIR and the installation."
        ) from exc
    missing = [p.target for p in phases if not (playbooks_dir / p.target).is_file()]
    if missing or not phases:
        raise Unavailable(f"Playbooks missing from {playbooks_dir}: {', '.join(missing) or kind}.")
    return phases
