"""`ko_containerd_layout`: the spec's advanced.containerd_config in the CRI layout of one config version.

containerd 1.x reads config version 2, where the CRI plugin is one table
(``plugins."io.containerd.grpc.v1.cri"``); containerd 2.x writes version 3, where it is split into
``io.containerd.cri.v1.runtime`` (runtimes, cgroups, CNI, ...) and ``io.containerd.cri.v1.images``
(snapshotter, registry, sandbox image, ...), the streaming server staying in the old table. A site's
settings (e.g. docs/container-hosts.md's ``disable_cgroup``) are written once, in either layout, and
work with both forms of containerd: the tables of the other layout are moved as containerd 2's own
migration (plugins/cri/{runtime,images}/plugin.go, cri.go) moves them, and the target layout's own
value wins where both name a key. Anything else is returned unchanged; the input is never modified.

``disable_cgroup`` (hosts without cgroup controllers) was removed in containerd 2.0: it is left out of a
version 3 configuration (containerd 2 would ignore it with a warning), and `ko_containerd_disable_cgroup`
tells the role to do its work instead (templates/runc-without-cgroups.j2).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

CRI_V2 = "io.containerd.grpc.v1.cri"
CRI_RUNTIME = "io.containerd.cri.v1.runtime"
CRI_IMAGES = "io.containerd.cri.v1.images"
# Keys of the version 2 CRI table that containerd 2 reads elsewhere.
SERVER_KEYS = frozenset({"disable_tcp_service", "stream_server_address", "stream_server_port",
                         "stream_idle_timeout", "enable_tls_streaming", "x509_key_pair_streaming"})  # fmt: skip
IMAGE_KEYS = frozenset({"registry", "image_decryption", "max_concurrent_downloads", "image_pull_progress_timeout",
                        "image_pull_with_sync_fs", "stats_collect_period"})  # fmt: skip
IMAGE_CONTAINERD_KEYS = frozenset({"snapshotter", "disable_snapshot_annotations", "discard_unpacked_layers"})


def _merge(low: dict[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
    """``low`` deep-merged with ``high`` (tables merge, ``high``'s value wins)."""
    out = dict(low)
    for key, value in high.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _to_v3(plugins: dict[str, Any]) -> dict[str, Any]:
    old = plugins.pop(CRI_V2, None)
    if not isinstance(old, Mapping):
        if old is not None:
            plugins[CRI_V2] = old
        return plugins
    runtime: dict[str, Any] = {}
    images: dict[str, Any] = {}
    server: dict[str, Any] = {}
    for key, value in old.items():
        if key in SERVER_KEYS:
            server[key] = value
        elif key in IMAGE_KEYS:
            images[key] = value
        elif key == "sandbox_image":
            images["pinned_images"] = {"sandbox": value}
        elif key == "containerd" and isinstance(value, Mapping):
            rest = {k: v for k, v in value.items() if k not in IMAGE_CONTAINERD_KEYS}
            images.update({k: v for k, v in value.items() if k in IMAGE_CONTAINERD_KEYS})
            if rest:
                runtime["containerd"] = rest
        elif key == "cni" and isinstance(value, Mapping) and "bin_dir" in value:
            cni = {k: v for k, v in value.items() if k != "bin_dir"}
            runtime["cni"] = {"bin_dirs": [value["bin_dir"]], **cni} if "bin_dirs" not in cni else cni
        else:
            runtime[key] = value
    for name, moved in ((CRI_RUNTIME, runtime), (CRI_IMAGES, images), (CRI_V2, server)):
        if moved:
            plugins[name] = _merge(moved, plugins.get(name) or {})
    return plugins


def _to_v2(plugins: dict[str, Any]) -> dict[str, Any]:
    runtime = plugins.pop(CRI_RUNTIME, None)
    images = plugins.pop(CRI_IMAGES, None)
    old: dict[str, Any] = {}
    if isinstance(runtime, Mapping):
        old = dict(runtime)
        cni = old.get("cni")
        if isinstance(cni, Mapping) and isinstance(cni.get("bin_dirs"), list) and len(cni["bin_dirs"]) == 1:
            old["cni"] = {"bin_dir": cni["bin_dirs"][0], **{k: v for k, v in cni.items() if k != "bin_dirs"}}
    elif runtime is not None:
        plugins[CRI_RUNTIME] = runtime
    if isinstance(images, Mapping):
        kept: dict[str, Any] = {}
        for key, value in images.items():
            if key in IMAGE_CONTAINERD_KEYS:
                old = _merge(old, {"containerd": {key: value}})
            elif key == "pinned_images" and isinstance(value, Mapping) and set(value) == {"sandbox"}:
                old["sandbox_image"] = value["sandbox"]
            elif key in IMAGE_KEYS:
                old[key] = value
            else:  # no version 2 equivalent (runtime_platform, other pinned images): left as written
                kept[key] = value
        if kept:
            plugins[CRI_IMAGES] = kept
    elif images is not None:
        plugins[CRI_IMAGES] = images
    if old:
        plugins[CRI_V2] = _merge(old, plugins.get(CRI_V2) or {})
    return plugins


def ko_containerd_disable_cgroup(config: Mapping[str, Any] | None) -> bool:
    """Whether the spec asks containerd's disable_cgroup, in either layout."""
    plugins = config.get("plugins") if isinstance(config, Mapping) else None
    if not isinstance(plugins, Mapping):
        return False
    tables = [plugins.get(name) for name in (CRI_V2, CRI_RUNTIME)]
    return any(isinstance(table, Mapping) and table.get("disable_cgroup") is True for table in tables)


def ko_containerd_layout(config: Mapping[str, Any] | None, version: Any) -> dict[str, Any]:
    """``config`` with its CRI tables in the layout of config ``version`` (2, or 3 and later)."""
    if not isinstance(config, Mapping):
        return {}
    out = copy.deepcopy(dict(config))
    plugins = out.get("plugins")
    if not isinstance(plugins, Mapping):
        return out
    plugins = dict(plugins)
    if int(version) < 3:
        out["plugins"] = _to_v2(plugins)
        return out
    plugins = _to_v3(plugins)
    runtime = plugins.get(CRI_RUNTIME)
    if isinstance(runtime, Mapping) and "disable_cgroup" in runtime:
        plugins[CRI_RUNTIME] = {k: v for k, v in runtime.items() if k != "disable_cgroup"}
    out["plugins"] = plugins
    return out


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "ko_containerd_layout": ko_containerd_layout,
            "ko_containerd_disable_cgroup": ko_containerd_disable_cgroup,
        }
