"""Small real .rpm files for the yum index tests, built here with rpmbuild (Debian's ``rpm``).

ko-app requires ko-tool (>= epoch 2) and a file of ko-lib; ko-tool has an epoch, files in
/usr/bin and /etc (a config file, a directory), a document, a ghost, every kind of dependency and
changelog entries with equal dates; ko-lib is noarch. None of these three has automatic
dependencies, so dnf resolves them against an empty root. ko-elf carries ELF binaries and a
script with the dependencies rpmbuild finds in them (libc.so.6 symbol versions, /bin/sh), as real
distribution packages do. Build times come from SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BUILD_TIME = 1790000000
SPECS = {
    "ko-tool": """\
Name: ko-tool
Epoch: 2
Version: 1.2.3
Release: 1
Summary: A tool & <things>
License: Apache-2.0
URL: https://example.invalid/ko-tool
Vendor: KubeOperator tests
Packager: Test Packager <test@example.invalid>
Group: System/Tools
BuildArch: x86_64
AutoReqProv: no
Provides: ko-tool-api = 1.2
Requires: ko-lib >= 0.9
Requires(post): ko-lib
Conflicts: ko-old < 1.0
Obsoletes: ko-tool-legacy <= 1.0-1
Recommends: ko-extra
Suggests: ko-docs
%description
The tool.
Second line with "quotes".
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/ko-tool %{buildroot}/usr/share/doc/ko-tool
printf '#!/bin/sh\\necho ko-tool\\n' > %{buildroot}/usr/bin/ko-tool
echo 'key=value' > %{buildroot}/etc/ko-tool/ko-tool.conf
echo readme > %{buildroot}/usr/share/doc/ko-tool/README
%files
%attr(0755,root,root) /usr/bin/ko-tool
%dir /etc/ko-tool
%config(noreplace) /etc/ko-tool/ko-tool.conf
/usr/share/doc/ko-tool/README
%ghost /var/log/ko-tool.log
%changelog
* Tue Nov 24 2026 Ann Author <ann@example.invalid> - 2:1.2.3-1
- Newest change
* Tue Nov 24 2026 Bob Builder <bob@example.invalid> - 2:1.2.2-1
- Same day
* Mon Nov 02 2026 Ann Author <ann@example.invalid> - 2:1.2.1-1
- Older change
""",
    "ko-lib": """\
Name: ko-lib
Version: 0.9
Release: 3
Summary: The library
License: MIT
BuildArch: noarch
AutoReqProv: no
Provides: ko-lib-api = 0.9
%description
Library.
%install
mkdir -p %{buildroot}/usr/lib/ko-lib %{buildroot}/usr/sbin
echo 'x=1' > %{buildroot}/usr/lib/ko-lib/lib.sh
printf '#!/bin/sh\\n' > %{buildroot}/usr/sbin/ko-lib-helper
%files
/usr/lib/ko-lib/lib.sh
%attr(0755,root,root) /usr/sbin/ko-lib-helper
""",
    "ko-app": """\
Name: ko-app
Version: 1.0
Release: 1
Summary: The application
License: MIT
BuildArch: x86_64
AutoReqProv: no
Requires: ko-tool >= 2:1.2
Requires: /usr/sbin/ko-lib-helper
Requires: /etc/ko-app.conf
%description
App.
%install
mkdir -p %{buildroot}/etc
echo 'a=1' > %{buildroot}/etc/ko-app.conf
%files
%config /etc/ko-app.conf
""",
    "ko-elf": """\
Name: ko-elf
Version: 3.1
Release: 2
Summary: ELF binaries with automatic dependencies
License: MIT
BuildArch: x86_64
%global debug_package %{nil}
%global __strip /bin/true
%description
ELF.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/libexec/ko-elf
cp /bin/true %{buildroot}/usr/bin/ko-true
cp /bin/ls %{buildroot}/usr/libexec/ko-elf/ko-ls
printf '#!/bin/sh\\necho\\n' > %{buildroot}/usr/libexec/ko-elf/script.sh
chmod 755 %{buildroot}/usr/libexec/ko-elf/script.sh
%files
/usr/bin/ko-true
/usr/libexec/ko-elf
""",
}
FILES = {
    "ko-tool": "ko-tool-1.2.3-1.x86_64.rpm",
    "ko-lib": "ko-lib-0.9-3.noarch.rpm",
    "ko-app": "ko-app-1.0-1.x86_64.rpm",
    "ko-elf": "ko-elf-3.1-2.x86_64.rpm",
}


class RpmbuildUnavailable(RuntimeError):
    """No rpmbuild here: install Debian's rpm package (deploy/dev/system-deps.sh does)."""


def build_test_rpms(dest: Path) -> dict[str, Path]:
    """The .rpms built into ``dest``, by package name."""
    if shutil.which("rpmbuild") is None:
        raise RpmbuildUnavailable("rpmbuild is not installed: run `make sysdeps` (Debian package rpm)")
    top = dest / ".rpmbuild"
    (top / "SPECS").mkdir(parents=True, exist_ok=True)
    specs = []
    for name, text in SPECS.items():
        spec = top / "SPECS" / f"{name}.spec"
        spec.write_text(text)
        specs.append(str(spec))
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(BUILD_TIME), "HOME": str(top)}
    run = subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {top}", "--define", "_buildhost ko-test-builder",
         "--define", "use_source_date_epoch_as_buildtime 1", "--define", "clamp_mtime_to_source_date_epoch 1",
         *specs],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"rpmbuild failed: {run.stderr[-2000:]}")
    out = {}
    for name, file_name in FILES.items():
        built = next((top / "RPMS").rglob(file_name))
        out[name] = built.rename(dest / file_name)
    shutil.rmtree(top)
    return out
