"""A real nginx for the tests: Debian's binary, run as a foreground process on 127.0.0.1 with the
site configuration `clusters nginx-conf` writes, under `timeout` so it stops by itself."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

LIFETIME = 900  # seconds: a test's nginx (or sshd) exits by itself after this


def find_nginx() -> str | None:
    for candidate in (os.environ.get("NGINX_PATH"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_command(folder: Path, site_conf: Path) -> list[str]:
    """Write folder/nginx.conf, a main configuration around `site_conf` (an http-context file) that
    runs in the foreground with its pid and temporary files in `folder`; return the command."""
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    mime = Path("/etc/nginx/mime.types")
    types = (
        f"include {mime};" if mime.is_file() else "types { text/html html; text/css css; application/javascript js; }"
    )
    main = folder / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nmaster_process off;\npid {folder / 'nginx.pid'};\nerror_log stderr error;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  {types}\n  default_type application/octet-stream;\n"
        f"  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};\n"
        f"  uwsgi_temp_path {temp}; scgi_temp_path {temp};\n  include {site_conf};\n}}\n",
        encoding="utf-8",
    )
    return ["timeout", str(LIFETIME), find_nginx() or "nginx", "-p", str(folder), "-c", str(main), "-e", "stderr"]
