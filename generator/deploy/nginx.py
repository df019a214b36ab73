"""The web server's configuration for the site: nginx serving the live release of `clusters deploy`.

One template (generator/templates/nginx.conf.j2) with the few values that differ between bureaus:
the base folder, the domain, the listening addresses and, for HTTPS, the certificate files. Each
value is checked here to hold only characters nginx reads literally, so the template needs no
escaping.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from generator.publish import csp
from generator.publish.templates import render

DEFAULT_ROOT = PurePosixPath("/srv/gz-clusters")
DEFAULT_SERVER_NAME = "clusters.example.gov.cn"
_SERVER_NAME = re.compile(r"[A-Za-z0-9.*-]+( [A-Za-z0-9.*-]+)*")
_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


class NginxConfigError(ValueError):
    """A parameter nginx would misread (a Chinese sentence)."""


@dataclass(frozen=True)
class NginxSite:
    root: PurePosixPath = DEFAULT_ROOT  # the deploy base folder: <root>/current is served
    server_name: str = DEFAULT_SERVER_NAME
    listen_address: str | None = None  # None: every IPv4 and IPv6 address
    http_port: int = 80
    https_port: int = 443
    certificate: PurePosixPath | None = None  # with certificate_key: HTTPS, and HTTP redirects
    certificate_key: PurePosixPath | None = None


def _listen(address: str | None, port: int) -> list[str]:
    if address is None:
        return [str(port), f"[::]:{port}"]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        raise NginxConfigError(f"监听地址 “{address}” 不是 IP 地址") from None
    return [f"[{parsed}]:{port}" if parsed.version == 6 else f"{parsed}:{port}"]


def _checked_path(path: PurePosixPath, what: str) -> str:
    text = str(path)
    if not _PATH.fullmatch(text) or ".." in path.parts:
        raise NginxConfigError(f"{what} “{text}” 应为绝对路径，只含字母、数字和 ._-/")
    return text.rstrip("/") or "/"


def nginx_conf(site: NginxSite) -> str:
    """The configuration text for /etc/nginx/conf.d/ (nginx's http context)."""
    if not _SERVER_NAME.fullmatch(site.server_name):
        raise NginxConfigError(f"域名 “{site.server_name}” 只能含字母、数字、点、连字符（多个域名用空格分隔）")
    for port in (site.http_port, site.https_port):
        if not 0 < port < 65536:
            raise NginxConfigError(f"端口 {port} 不在 1–65535 之间")
    if (site.certificate is None) != (site.certificate_key is None):
        raise NginxConfigError("启用 HTTPS 需要同时给出证书（--certificate）和私钥（--certificate-key）")
    https = site.certificate is not None and site.certificate_key is not None
    return render(
        "nginx.conf.j2",
        root=_checked_path(site.root, "网站目录"),
        server_name=site.server_name,
        http_listen=_listen(site.listen_address, site.http_port),
        https_listen=_listen(site.listen_address, site.https_port),
        https=https,
        certificate=_checked_path(site.certificate, "证书") if site.certificate else "",
        certificate_key=_checked_path(site.certificate_key, "私钥") if site.certificate_key else "",
        csp_map=csp.nginx_map().rstrip("\n"),
    )


def example_site() -> NginxSite:
    """The parameters of the shipped deploy/nginx.conf: the defaults, with HTTPS."""
    return NginxSite(
        certificate=PurePosixPath(f"/etc/nginx/ssl/{DEFAULT_SERVER_NAME}.pem"),
        certificate_key=PurePosixPath(f"/etc/nginx/ssl/{DEFAULT_SERVER_NAME}.key"),
    )
