"""Benchmark: cold start of the tests' real Kubernetes control plane (tests/support/kube_control_plane.py).

Each start is cold for the cluster (new certificates, an empty etcd, new temp dir); the binaries
stay in the page cache after the first. Prints, for --repeat starts, the median time from start to
kube-apiserver's /readyz and to both kube-apiserver and kube-controller-manager ready, then the
resident memory of each process once the controllers have settled, and checks that stop() leaves
no process. Target (issue 13): ready in under 5 s.

Needs the Kubernetes binaries built into /var/cache/kubeoperator-k8s/<version>/bin (see
../shared/docs/real-kubernetes.md).

    .venv/bin/python bench/real_control_plane.py [--repeat 5] [--settle 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import kube_control_plane as kcp

TARGET_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after ready before measuring memory")
    args = parser.parse_args()
    try:
        binaries = kcp.find_binaries()
    except kcp.Unavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 2
    print(f"Kubernetes {binaries.version}, etcd {binaries.etcd}")
    apiserver, ready, rss = [], [], []
    for i in range(args.repeat):
        plane = kcp.start(binaries=binaries)
        try:
            time.sleep(args.settle)
            memory = plane.rss_mib()
        finally:
            plane.stop()  # raises if a process survives
        apiserver.append(plane.apiserver_seconds)
        ready.append(plane.ready_seconds)
        rss.append(memory)
        print(f"start {i + 1}: apiserver ready {plane.apiserver_seconds:.2f} s, all ready {plane.ready_seconds:.2f} s, "
              f"RSS {sum(memory.values()):.0f} MiB")  # fmt: skip
    median = statistics.median(ready)
    print(f"median of {args.repeat}: kube-apiserver /readyz {statistics.median(apiserver):.2f} s, "
          f"with kube-controller-manager {median:.2f} s (target < {TARGET_SECONDS:.0f} s)")  # fmt: skip
    for name in rss[0]:
        print(f"  RSS {name}: {statistics.median(r[name] for r in rss):.0f} MiB")
    print(f"  RSS total: {statistics.median(sum(r.values()) for r in rss):.0f} MiB; no process left after stop()")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
