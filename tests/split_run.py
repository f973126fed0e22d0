"""`make test`'s runner: the whole suite in two pytest processes at once, to fit CI's time budget.

The real three-master module (tests/deployment/test_real_ha_lab.py, about 12 minutes, mostly spent
waiting on its hosts), then the console's lab journey (tests/e2e/test_console_lab_e2e.py, about 3
minutes) and the cluster planned from a plan (tests/provisioning/test_plan_cluster_lab.py, its VMs
the lab's four hosts, about 6 minutes), then the engine's and the deploy failures' lab modules (about
4 minutes, one or two hosts), each on the same hosts once the one before deleted its cluster, run in
a second process with a lab of its own (another name and range, as
tests/lab/fixtures.py allows two runs on one machine) while the first process runs everything else.
Its output is kept in a file and printed when both have ended; the exit status is the worse of the two.

Anything narrower is run as it is, in one process: explicit paths or node ids, `-k`, `-m`, `--no-lab`,
or `KO_TEST_SERIAL=1`. Usage: `python -m tests.split_run [pytest arguments]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIDE_MODULES = (
    "tests/deployment/test_real_ha_lab.py",
    "tests/e2e/test_console_lab_e2e.py",
    "tests/provisioning/test_plan_cluster_lab.py",
    "tests/deployment/test_operations_lab.py",
    "tests/deployment/test_deploy_failures_lab.py",
)
SIDE_LAB = {"KO_LAB_NAME": "kolabha", "KO_LAB_SUBNET": "10.214.0.0/24", "KO_LAB_HOSTS": "4"}
NARROWING = ("-k", "-m", "--no-lab", "--lf", "--last-failed", "-x", "--exitfirst")


def _serial(args: list[str]) -> bool:
    if os.environ.get("KO_TEST_SERIAL") == "1":
        return True
    return any(not a.startswith("-") or a.split("=", 1)[0] in NARROWING for a in args)


def main(args: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest"]
    if _serial(args):
        return subprocess.call([*pytest, *args])
    log = Path(tempfile.mkstemp(prefix="ko-test-side-", suffix=".log")[1])
    started = time.monotonic()
    with log.open("w") as out:
        side = subprocess.Popen([*pytest, *args, *SIDE_MODULES], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **SIDE_LAB})  # fmt: skip
        try:
            main_rc = subprocess.call([*pytest, *args, *(f"--ignore={m}" for m in SIDE_MODULES)])
        finally:
            side_rc = side.wait()
    print(
        f"\n===== {', '.join(SIDE_MODULES)}, run beside the rest "
        f"(exit {side_rc}, {time.monotonic() - started:.0f} s in all) ====="
    )
    print(log.read_text(errors="replace"), end="")
    log.unlink()
    return max(main_rc, side_rc)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
