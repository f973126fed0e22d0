#!/usr/bin/env python3
"""Container health check: GET /healthz on this container's own port; exit 0 on a 200.

Liveness only (the process serves HTTP); /readyz, which also checks the database and
NATS, is for orchestrators that route traffic (Kubernetes readiness probes).
Standard library only, so it runs in any of the images without curl.
"""

import os
import sys
import urllib.request

port = os.environ.get("KO_HTTP_PORT", "8080")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
