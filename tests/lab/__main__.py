"""`python -m tests.lab up --hosts 3` / `python -m tests.lab down` / `python -m tests.lab status`.

`--name` and `--subnet` default to `KO_LAB_NAME` and `KO_LAB_SUBNET` (else kolab0, 10.213.0.0/24),
the variables the test session's `lab` fixture reads: either way names the same lab.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.lab.fixtures import session_lab_config
from tests.lab.lab import Lab, LabError


def parser() -> argparse.ArgumentParser:
    _, name, subnet = session_lab_config()
    out = argparse.ArgumentParser(prog="python -m tests.lab", description="the KubeOperator test lab")
    out.add_argument("command", choices=["up", "down", "status"])
    out.add_argument("--hosts", type=int, default=3, help="number of hosts (default 3)")
    out.add_argument("--name", default=name, help=f"lab (and bridge) name (default $KO_LAB_NAME or kolab0: {name})")
    out.add_argument(
        "--subnet", default=subnet, help=f"the lab's private range (default $KO_LAB_SUBNET or 10.213.0.0/24: {subnet})"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "up":
            start = time.monotonic()
            lab = Lab(args.hosts, name=args.name, subnet=args.subnet).up()
            print(f"lab {lab.name} up in {time.monotonic() - start:.1f}s ({lab.bridge} {lab.gateway})")
            print(f"  apt repository {lab.repo_url} (run apt-get update on a host first)")
            for h in lab.hosts:
                print(
                    f"  {h.name:6} {h.ip:15} ssh -i {h.key_path} root@{h.ip}"
                    f"   |   sshpass -p {h.password} ssh {h.user}@{h.ip}"
                )
        elif args.command == "down":
            lab = Lab.load(args.name)
            lab.down()
            left = {k: v for k, v in lab.leftovers().items() if v}
            if left:
                print(f"lab {args.name}: left behind: {json.dumps(left)}", file=sys.stderr)
                return 1
            print(f"lab {args.name} down")
        else:
            lab = Lab.load(args.name)
            status = {
                "hosts": [h.__dict__ for h in lab.hosts],
                "repo_url": lab.repo_url if lab.repo_port else None,
                "present": lab.leftovers(),
            }
            print(json.dumps(status, indent=1))
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
