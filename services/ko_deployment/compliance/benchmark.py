"""The built-in node check: CIS Kubernetes Benchmark v1.9 items judged from what each node showed.

The `compliance` role only gathers (no judgement on the nodes, nothing changed there): the mode and
owner of the files named here, every file under the PKI directories, the command lines of the
control-plane processes, etcd and the kubelet, and the kubelet's configuration and etcd's environment
file. It is told what to gather by `gather_vars()` (the extra-var `ko_compliance`), so each path is
written once, here, and writes one JSON per node (`facts`). `evaluate()` judges every item on every
node: pass, fail, warn (a Manual item of the benchmark, or a recommendation the product cannot
require) or skip (not applicable: no kube-apiserver on a worker), with what it observed and the
remedy. Only flags and modes go into an item's `observed`, never a file's content.
"""

from __future__ import annotations

import base64
import binascii
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ko_deployment.compliance.schemas import ComplianceItem, Status

K8S = "/etc/kubernetes"
MANIFESTS = f"{K8S}/manifests"
PKI = f"{K8S}/pki"
KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"
ETCD_ENV = "/etc/etcd/etcd.env"
# The etcd role's data directory first (a data dir set elsewhere is read from etcd's settings).
ETCD_DATA_DIRS = ("/var/lib/etcd/kubeoperator", "/var/lib/etcd")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the --bind-address default, only compared against
APISERVER, CONTROLLER, SCHEDULER = "kube-apiserver", "kube-controller-manager", "kube-scheduler"
PROCESSES = (APISERVER, CONTROLLER, SCHEDULER, "etcd", "kubelet")
MANIFEST = {p: f"{MANIFESTS}/{p}.yaml" for p in (APISERVER, CONTROLLER, SCHEDULER)}
SPEC_HINT = {
    APISERVER: "advanced.control_plane_args.apiserver",
    CONTROLLER: "advanced.control_plane_args.controller_manager",
    SCHEDULER: "advanced.control_plane_args.scheduler",
}
# Go's TLS cipher suites the benchmark (1.2.29) counts as strong.
STRONG_CIPHERS = frozenset({
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
})  # fmt: skip
Result = tuple[Status, str]


@dataclass
class Facts:
    """What the role read on one node (its JSON file), indexed for the checks."""

    node: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    found: list[dict[str, Any]] = field(default_factory=list)
    args: dict[str, dict[str, str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, node: str, raw: dict[str, Any]) -> Facts:
        texts = {}
        for path, content in (raw.get("texts") or {}).items():
            try:
                texts[path] = base64.b64decode(content or "").decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                texts[path] = ""
        args = {}
        for line in raw.get("processes") or []:
            words = _split(str(line))
            name = words[0].rsplit("/", 1)[-1] if words else ""
            if name in PROCESSES and name not in args:
                args[name] = flags(words[1:])
        files = {str(p): s for p, s in (raw.get("files") or {}).items() if isinstance(s, dict) and s.get("exists")}
        found = [f for f in raw.get("found") or [] if isinstance(f, dict) and f.get("path")]
        return cls(node=node, files=files, found=found, args=args, texts=texts)

    def kubelet_config(self) -> dict[str, Any]:
        path = self.args.get("kubelet", {}).get("config", KUBELET_CONFIG)
        try:
            loaded = yaml.safe_load(self.texts.get(path, "")) or {}
        except yaml.YAMLError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def etcd_settings(self) -> dict[str, str] | None:
        """etcd's flags: its environment file (ETCD_PEER_CERT_FILE -> peer-cert-file), then its arguments."""
        if "etcd" not in self.args:
            return None
        settings = {}
        for line in self.texts.get(ETCD_ENV, "").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.startswith("ETCD_"):
                settings[key.removeprefix("ETCD_").lower().replace("_", "-")] = value.strip().strip("\"'")
        return settings | self.args["etcd"]


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def flags(words: Iterable[str]) -> dict[str, str]:
    """--name=value and --name value; a bare --name is "true"."""
    out: dict[str, str] = {}
    pending: str | None = None
    for word in words:
        if word.startswith("--"):
            name, sep, value = word[2:].partition("=")
            out[name] = value if sep else "true"
            pending = None if sep else name
        elif pending is not None:
            out[pending], pending = word, None
    return out


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    group: str
    judge: Callable[[Facts], Result]
    remedy: str


def _mode(stat: dict[str, Any]) -> int:
    try:
        return int(str(stat.get("mode", "7777")), 8)
    except ValueError:
        return 0o7777


def _owner(stat: dict[str, Any]) -> str:
    return f"{stat.get('pw_name') or stat.get('uid')}:{stat.get('gr_name') or stat.get('gid')}"


def file_mode(*paths: str, limit: int) -> Callable[[Facts], Result]:
    def judge(f: Facts) -> Result:
        present = [(p, f.files[p]) for p in paths if p in f.files]
        if not present:
            return "skip", f"{' or '.join(paths)}: not on this node"
        seen = ", ".join(f"{p} {_mode(s):04o}" for p, s in present)
        return ("fail" if any(_mode(s) & ~limit for _, s in present) else "pass"), seen

    return judge


def file_owner(*paths: str, owners: tuple[str, ...] = ("root:root",)) -> Callable[[Facts], Result]:
    def judge(f: Facts) -> Result:
        present = [(p, f.files[p]) for p in paths if p in f.files]
        if not present:
            return "skip", f"{' or '.join(paths)}: not on this node"
        seen = ", ".join(f"{p} {_owner(s)}" for p, s in present)
        return ("fail" if any(_owner(s) not in owners for _, s in present) else "pass"), seen

    return judge


def etcd_data_dir(f: Facts) -> tuple[str, dict[str, Any]] | None:
    configured = (f.etcd_settings() or {}).get("data-dir")
    for path in ([configured] if configured else []) + list(ETCD_DATA_DIRS):
        if path in f.files:
            return path, f.files[path]
    return None


def etcd_dir_mode(f: Facts) -> Result:
    found = etcd_data_dir(f)
    if found is None:
        return "skip", "no etcd data directory on this node"
    path, stat = found
    return ("fail" if _mode(stat) & ~0o700 else "pass"), f"{path} {_mode(stat):04o}"


def etcd_dir_owner(f: Facts) -> Result:
    found = etcd_data_dir(f)
    if found is None:
        return "skip", "no etcd data directory on this node"
    path, stat = found
    return ("pass" if _owner(stat) in ("etcd:etcd", "root:root") else "fail"), f"{path} {_owner(stat)}"


def pki_owner(f: Facts) -> Result:
    if PKI not in f.files:
        return "skip", f"{PKI}: not on this node"
    entries = [(PKI, f.files[PKI])] + [(str(e["path"]), e) for e in f.found if str(e["path"]).startswith(PKI + "/")]
    wrong = [f"{p} {_owner(s)}" for p, s in entries if _owner(s) != "root:root"]
    return ("fail", "; ".join(wrong[:5])) if wrong else ("pass", f"{len(entries)} entries root:root")


def pki_keys(f: Facts) -> Result:
    keys = [(str(e["path"]), e) for e in f.found if str(e["path"]).startswith(PKI + "/")
            and str(e["path"]).endswith(".key")]  # fmt: skip
    if not keys:
        return "skip", f"no key file under {PKI}"
    wrong = [f"{p} {_mode(s):04o}" for p, s in keys if _mode(s) & ~0o600]
    return ("fail", "; ".join(wrong[:5])) if wrong else ("pass", f"{len(keys)} key files 0600 or stricter")


def arg(process: str, test: Callable[[dict[str, str]], Result]) -> Callable[[Facts], Result]:
    def judge(f: Facts) -> Result:
        if process not in f.args:
            return "skip", f"{process} is not running on this node"
        return test(f.args[process])

    return judge


def shown(name: str, value: str | None) -> str:
    return f"--{name}={value}" if value is not None else f"--{name} not set"


def equals(name: str, want: str, *, default: str | None = None, absent: Status = "fail") -> Callable[..., Result]:
    def test(a: dict[str, str]) -> Result:
        value = a.get(name)
        if value is None:
            return ("pass" if default == want else absent), shown(name, None)
        return ("pass" if value.lower() == want else "fail"), shown(name, value)

    return test


def is_set(*names: str, absent: Status = "fail") -> Callable[..., Result]:
    def test(a: dict[str, str]) -> Result:
        missing = [n for n in names if not a.get(n)]
        return ("pass" if not missing else absent), ", ".join(shown(n, a.get(n)) for n in names)

    return test


def not_set(name: str) -> Callable[..., Result]:
    return lambda a: ("fail" if name in a else "pass", shown(name, a.get(name)))


def listing(name: str, *, has: str = "", lacks: str = "", absent: Status = "fail") -> Callable[..., Result]:
    def test(a: dict[str, str]) -> Result:
        if name not in a:
            return absent, shown(name, None)
        values = {v.strip() for v in a[name].split(",")}
        ok = (not has or has in values) and (not lacks or lacks not in values)
        return ("pass" if ok else "fail"), shown(name, a[name])

    return test


def ciphers(a: dict[str, str]) -> Result:
    value = a.get("tls-cipher-suites")
    if not value:
        return "warn", shown("tls-cipher-suites", None) + " (Go's defaults)"
    weak = sorted({c.strip() for c in value.split(",")} - STRONG_CIPHERS)
    return ("warn" if weak else "pass"), shown("tls-cipher-suites", value) + (f" (not strong: {', '.join(weak)})"
                                                                              if weak else "")  # fmt: skip


def etcd(test: Callable[[dict[str, str]], Result]) -> Callable[[Facts], Result]:
    def judge(f: Facts) -> Result:
        settings = f.etcd_settings()
        return ("skip", "etcd is not running on this node") if settings is None else test(settings)

    return judge


def kubelet(key: str, test: Callable[[Any], Status], flag: str | None = None) -> Callable[[Facts], Result]:
    """A KubeletConfiguration field (a dotted path); the kubelet's own flag overrides it, as on the node."""

    def judge(f: Facts) -> Result:
        if "kubelet" not in f.args:
            return "skip", "the kubelet is not running on this node"
        if flag and flag in f.args["kubelet"]:
            value: Any = f.args["kubelet"][flag]
            return test(_typed(value)), f"--{flag}={value}"
        value = f.kubelet_config()
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return test(value), f"{key}: {'not set' if value is None else _yaml(value)}"

    return judge


def _typed(value: str) -> Any:
    loaded = yaml.safe_load(value) if value else value
    return loaded if isinstance(loaded, bool | int) else value


def _yaml(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _manifest_remedy(process: str, setting: str) -> str:
    return (f"Set {setting} in {MANIFEST[process]} on each master (the kubelet restarts {process}); keep it across "
            f"upgrades with {SPEC_HINT[process]} in the cluster's spec.")  # fmt: skip


def _kubelet_remedy(setting: str) -> str:
    return (f"Set {setting} in {KUBELET_CONFIG} on each node and restart the kubelet (systemctl restart kubelet); "
            "keep it with advanced.kubelet_config in the cluster's spec.")  # fmt: skip


def _file_checks() -> list[Check]:
    cp, out = "control-plane", []
    names = {APISERVER: "API server", CONTROLLER: "controller manager", SCHEDULER: "scheduler"}
    for n, process in enumerate((APISERVER, CONTROLLER, SCHEDULER)):
        path = MANIFEST[process]
        out += [
            Check(f"1.1.{2 * n + 1}", f"The {names[process]} pod specification file permissions are 600 or more "
                  "restrictive", cp, file_mode(path, limit=0o600), f"chmod 600 {path}"),
            Check(f"1.1.{2 * n + 2}", f"The {names[process]} pod specification file ownership is root:root", cp,
                  file_owner(path), f"chown root:root {path}"),
        ]  # fmt: skip
    admin = (f"{K8S}/admin.conf", f"{K8S}/super-admin.conf")
    out += [
        Check("1.1.11", "The etcd data directory permissions are 700 or more restrictive", "etcd", etcd_dir_mode,
              f"chmod 700 {ETCD_DATA_DIRS[0]} (etcd's --data-dir)"),
        Check("1.1.12", "The etcd data directory ownership is etcd:etcd", "etcd", etcd_dir_owner,
              f"chown etcd:etcd {ETCD_DATA_DIRS[0]} (etcd's --data-dir)"),
        Check("1.1.13", "The default administrative credential file permissions are 600", cp,
              file_mode(*admin, limit=0o600), f"chmod 600 {' '.join(admin)} (those present)"),
        Check("1.1.14", "The default administrative credential file ownership is root:root", cp, file_owner(*admin),
              f"chown root:root {' '.join(admin)} (those present)"),
        Check("1.1.15", "The scheduler.conf file permissions are 600 or more restrictive", cp,
              file_mode(f"{K8S}/scheduler.conf", limit=0o600), f"chmod 600 {K8S}/scheduler.conf"),
        Check("1.1.17", "The controller-manager.conf file permissions are 600 or more restrictive", cp,
              file_mode(f"{K8S}/controller-manager.conf", limit=0o600), f"chmod 600 {K8S}/controller-manager.conf"),
        Check("1.1.19", "The Kubernetes PKI directory and file ownership is root:root", cp, pki_owner,
              f"chown -R root:root {PKI}"),
        Check("1.1.21", "The Kubernetes PKI key file permissions are 600", cp, pki_keys,
              f"chmod 600 {PKI}/*.key {PKI}/etcd/*.key"),
    ]  # fmt: skip
    return out


def _apiserver_checks() -> list[Check]:
    cp, api = "control-plane", APISERVER
    r = _manifest_remedy
    return [
        Check("1.2.1", "The --anonymous-auth argument is set to false (Manual: kubeadm's health probes use "
              "anonymous /livez)", cp, arg(api, equals("anonymous-auth", "false", absent="warn")),
              r(api, "--anonymous-auth=false") + " Check first that nothing relies on anonymous requests."),
        Check("1.2.2", "The --token-auth-file parameter is not set", cp, arg(api, not_set("token-auth-file")),
              f"Remove --token-auth-file from {MANIFEST[api]} on each master; use certificates or OIDC instead."),
        Check("1.2.4", "The --kubelet-client-certificate and --kubelet-client-key arguments are set", cp,
              arg(api, is_set("kubelet-client-certificate", "kubelet-client-key")),
              r(api, "--kubelet-client-certificate and --kubelet-client-key")),
        Check("1.2.5", "The --kubelet-certificate-authority argument is set", cp,
              arg(api, is_set("kubelet-certificate-authority")),
              r(api, f"--kubelet-certificate-authority={PKI}/ca.crt") + " The kubelets' serving certificates must "
              "then be signed by the cluster's CA (serverTLSBootstrap: true in advanced.kubelet_config)."),
        Check("1.2.6", "The --authorization-mode argument is not set to AlwaysAllow", cp,
              arg(api, listing("authorization-mode", lacks="AlwaysAllow", absent="fail")),
              r(api, "--authorization-mode=Node,RBAC")),
        Check("1.2.7", "The --authorization-mode argument includes Node", cp,
              arg(api, listing("authorization-mode", has="Node")), r(api, "--authorization-mode=Node,RBAC")),
        Check("1.2.8", "The --authorization-mode argument includes RBAC", cp,
              arg(api, listing("authorization-mode", has="RBAC")), r(api, "--authorization-mode=Node,RBAC")),
        Check("1.2.10", "The admission control plugin AlwaysAdmit is not set", cp,
              arg(api, listing("enable-admission-plugins", lacks="AlwaysAdmit", absent="pass")),
              r(api, "--enable-admission-plugins without AlwaysAdmit")),
        Check("1.2.14", "The admission control plugin NodeRestriction is set", cp,
              arg(api, listing("enable-admission-plugins", has="NodeRestriction")),
              r(api, "--enable-admission-plugins=NodeRestriction (with the others you use)")),
        Check("1.2.15", "The --profiling argument is set to false", cp,
              arg(api, equals("profiling", "false", default="true")), r(api, "--profiling=false")),
        Check("1.2.16", "The --audit-log-path argument is set", cp,
              arg(api, is_set("audit-log-path", absent="warn")),
              r(api, "--audit-log-path=/var/log/kubernetes/audit/audit.log with --audit-policy-file") +
              " (and mount that directory into the pod)."),
        Check("1.2.22", "The --service-account-key-file argument is set", cp,
              arg(api, is_set("service-account-key-file")), r(api, f"--service-account-key-file={PKI}/sa.pub")),
        Check("1.2.23", "The --etcd-certfile and --etcd-keyfile arguments are set", cp,
              arg(api, is_set("etcd-certfile", "etcd-keyfile")), r(api, "--etcd-certfile and --etcd-keyfile")),
        Check("1.2.24", "The --tls-cert-file and --tls-private-key-file arguments are set", cp,
              arg(api, is_set("tls-cert-file", "tls-private-key-file")),
              r(api, "--tls-cert-file and --tls-private-key-file")),
        Check("1.2.25", "The --client-ca-file argument is set", cp, arg(api, is_set("client-ca-file")),
              r(api, f"--client-ca-file={PKI}/ca.crt")),
        Check("1.2.26", "The --etcd-cafile argument is set", cp, arg(api, is_set("etcd-cafile")),
              r(api, "--etcd-cafile")),
        Check("1.2.27", "The --encryption-provider-config argument is set (Manual)", cp,
              arg(api, is_set("encryption-provider-config", absent="warn")),
              r(api, "--encryption-provider-config with an aescbc, secretbox or kms provider")),
        Check("1.2.29", "The API server only uses strong cryptographic ciphers (Manual)", cp, arg(api, ciphers),
              r(api, "--tls-cipher-suites=" + ",".join(sorted(c for c in STRONG_CIPHERS if "ECDHE" in c)[:4]))),
    ]  # fmt: skip


def _controller_scheduler_checks() -> list[Check]:
    cp, cm, sc, r = "control-plane", CONTROLLER, SCHEDULER, _manifest_remedy
    return [
        Check("1.3.2", "The controller manager's --profiling argument is set to false", cp,
              arg(cm, equals("profiling", "false", default="true")), r(cm, "--profiling=false")),
        Check("1.3.3", "The --use-service-account-credentials argument is set to true", cp,
              arg(cm, equals("use-service-account-credentials", "true")),
              r(cm, "--use-service-account-credentials=true")),
        Check("1.3.5", "The --root-ca-file argument is set", cp, arg(cm, is_set("root-ca-file")),
              r(cm, f"--root-ca-file={PKI}/ca.crt")),
        Check("1.3.7", "The controller manager's --bind-address argument is set to 127.0.0.1", cp,
              arg(cm, equals("bind-address", "127.0.0.1", default=ALL_INTERFACES)), r(cm, "--bind-address=127.0.0.1")),
        Check("1.4.1", "The scheduler's --profiling argument is set to false", cp,
              arg(sc, equals("profiling", "false", default="true")), r(sc, "--profiling=false")),
        Check("1.4.2", "The scheduler's --bind-address argument is set to 127.0.0.1", cp,
              arg(sc, equals("bind-address", "127.0.0.1", default=ALL_INTERFACES)), r(sc, "--bind-address=127.0.0.1")),
    ]  # fmt: skip


def _etcd_checks() -> list[Check]:
    env = f"in {ETCD_ENV} on each master, then systemctl restart etcd one master at a time"
    return [
        Check("2.1", "The --cert-file and --key-file arguments of etcd are set", "etcd",
              etcd(is_set("cert-file", "key-file")), f"Set ETCD_CERT_FILE and ETCD_KEY_FILE {env}."),
        Check("2.2", "The --client-cert-auth argument of etcd is set to true", "etcd",
              etcd(equals("client-cert-auth", "true")), f"Set ETCD_CLIENT_CERT_AUTH=true {env}."),
        Check("2.3", "The --auto-tls argument of etcd is not set to true", "etcd",
              etcd(equals("auto-tls", "false", default="false")), f"Remove ETCD_AUTO_TLS (or set it false) {env}."),
        Check("2.4", "The --peer-cert-file and --peer-key-file arguments of etcd are set", "etcd",
              etcd(is_set("peer-cert-file", "peer-key-file")),
              f"Set ETCD_PEER_CERT_FILE and ETCD_PEER_KEY_FILE {env}."),
        Check("2.5", "The --peer-client-cert-auth argument of etcd is set to true", "etcd",
              etcd(equals("peer-client-cert-auth", "true")), f"Set ETCD_PEER_CLIENT_CERT_AUTH=true {env}."),
        Check("2.6", "The --peer-auto-tls argument of etcd is not set to true", "etcd",
              etcd(equals("peer-auto-tls", "false", default="false")),
              f"Remove ETCD_PEER_AUTO_TLS (or set it false) {env}."),
    ]  # fmt: skip


def _kubelet_checks() -> list[Check]:
    kl, conf = "kubelet", f"{K8S}/kubelet.conf"
    not_false: Callable[[Any], Status] = lambda v: "fail" if v is False or str(v).lower() == "false" else "pass"  # noqa: E731
    return [
        Check("4.1.5", "The --kubeconfig kubelet.conf file permissions are 600 or more restrictive", kl,
              file_mode(conf, limit=0o600), f"chmod 600 {conf}"),
        Check("4.1.6", "The --kubeconfig kubelet.conf file ownership is root:root", kl, file_owner(conf),
              f"chown root:root {conf}"),
        Check("4.1.9", "The kubelet config.yaml file permissions are 600 or more restrictive", kl,
              file_mode(KUBELET_CONFIG, limit=0o600), f"chmod 600 {KUBELET_CONFIG}"),
        Check("4.1.10", "The kubelet config.yaml file ownership is root:root", kl, file_owner(KUBELET_CONFIG),
              f"chown root:root {KUBELET_CONFIG}"),
        Check("4.2.1", "The kubelet's anonymous authentication is disabled", kl,
              kubelet("authentication.anonymous.enabled", lambda v: "pass" if v is False else "fail",
                      "anonymous-auth"), _kubelet_remedy("authentication.anonymous.enabled: false")),
        Check("4.2.2", "The kubelet's authorization mode is not AlwaysAllow (Webhook)", kl,
              kubelet("authorization.mode", lambda v: "pass" if v == "Webhook" else "fail", "authorization-mode"),
              _kubelet_remedy("authorization.mode: Webhook")),
        Check("4.2.3", "The kubelet's client CA file is set", kl,
              kubelet("authentication.x509.clientCAFile", lambda v: "pass" if v else "fail", "client-ca-file"),
              _kubelet_remedy(f"authentication.x509.clientCAFile: {PKI}/ca.crt")),
        Check("4.2.4", "The kubelet's read-only port is 0 (Manual)", kl,
              kubelet("readOnlyPort", lambda v: "pass" if v in (None, 0, "0") else "fail", "read-only-port"),
              _kubelet_remedy("readOnlyPort: 0")),
        Check("4.2.5", "The kubelet's streaming connection idle timeout is not 0 (Manual)", kl,
              kubelet("streamingConnectionIdleTimeout", lambda v: "fail" if str(v) in ("0", "0s") else "pass",
                      "streaming-connection-idle-timeout"), _kubelet_remedy("streamingConnectionIdleTimeout: 4h0m0s")),
        Check("4.2.6", "The kubelet makes its iptables utility chains", kl,
              kubelet("makeIPTablesUtilChains", not_false, "make-iptables-util-chains"),
              _kubelet_remedy("makeIPTablesUtilChains: true")),
        Check("4.2.10", "The kubelet's certificate rotation is not disabled", kl,
              kubelet("rotateCertificates", not_false, "rotate-certificates"),
              _kubelet_remedy("rotateCertificates: true")),
        # Dropped from the benchmark in v1.9 (v1.8's 4.2.6): recommended, not required, so a warning.
        Check("KO-4.2.6-v1.8", "The kubelet protects the kernel's defaults (protectKernelDefaults)", kl,
              kubelet("protectKernelDefaults", lambda v: "pass" if v is True else "warn", "protect-kernel-defaults"),
              _kubelet_remedy("protectKernelDefaults: true") + " First set the kernel parameters the kubelet expects "
              "(vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1)."),
    ]  # fmt: skip


CHECKS: tuple[Check, ...] = (
    *_file_checks(),
    *_apiserver_checks(),
    *_controller_scheduler_checks(),
    *_etcd_checks(),
    *_kubelet_checks(),
)


def gather_vars() -> dict[str, Any]:
    """The extra-var `ko_compliance`: what the role reads on every node (the role judges nothing)."""
    kubeconfigs = ("admin.conf", "super-admin.conf", "scheduler.conf", "controller-manager.conf", "kubelet.conf")
    files = sorted({*MANIFEST.values(), *(f"{K8S}/{k}" for k in kubeconfigs), PKI, KUBELET_CONFIG, *ETCD_DATA_DIRS})
    return {"files": files, "dirs": [PKI], "processes": list(PROCESSES), "texts": [KUBELET_CONFIG, ETCD_ENV]}


def evaluate(nodes: dict[str, dict[str, Any]]) -> list[ComplianceItem]:
    """Every check on every node (name -> the JSON its role wrote), in the benchmark's order per node."""
    items = []
    for name in sorted(nodes):
        facts = Facts.of(name, nodes[name])
        for check in CHECKS:
            status, observed = check.judge(facts)
            items.append(ComplianceItem(
                id=check.id, title=check.title, group=check.group, node=name, status=status,
                observed=observed[:1000], remedy=check.remedy if status in ("fail", "warn") else "",
            ))  # fmt: skip
    return items
