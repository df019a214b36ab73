"""Make a release live on every web server at once: stage, verify, switch; roll back the same way.

On each host (generator.deploy.config.Host) the base folder holds

    releases/<name>/            one folder per release, complete and verified on the host
    releases/.staging-<name>/   a release being uploaded (never live)
    current -> releases/<name>  the live release; nginx serves <base>/current

A deployment runs in three steps, and a step begins on no host before the previous one ended on all:
1. stage: on every host at once, rsync the build into releases/.staging-<name>/, files equal to the
   live release's hard-linked to them (a daily rebuild moves only what changed);
2. verify: on every host, sha256sum and find check each file of the staging folder against the
   build's manifest (path, size, SHA-256; nothing missing, nothing extra); only then is it renamed
   to releases/<name>/;
3. switch: only when every host has verified, each host's `current` is replaced by one rename(2) of a
   new symlink over it. A failed switch switches the hosts already switched back to what they served.
A half-copied release is never live: until the rename, `current` names a complete, verified folder.
Before it uploads anything to a host, the deployment reads the host's live manifest: a release whose
manifest does not name it as `previous` (it does not extend the host's chain of releases,
generator.site.chain) is refused there, with code release-not-extending, unless its manifest is a
stated correction (`clusters build --correction`), which is reported on every host with its reason.
Then each host keeps the newest `keep` releases (and always the live one).

Two deployments (or a deployment and a rollback) never interleave on a host: each takes the host's
lock (a folder made by mkdir, holding who took it and when) before it reads anything, and gives it
back at the end. A lock left by a run that died is taken over when its process is gone (same
machine) or after STALE_AFTER.

Every step reports per host through `say(host, sentence)`; the functions return whether the whole
operation succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shlex
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.deploy.config import DeployConfig, Secrets
from generator.deploy.remote import Remote
from generator.site.chain import check_extends
from generator.site.release import (
    MANIFEST_FILE,
    FileEntry,
    Manifest,
    ManifestError,
    check_folder,
    is_release_name,
    parse_manifest,
    read_manifest,
)

Say = Callable[[str, str], None]  # (host name or "", one Chinese sentence)
RELEASES = "releases"
CURRENT = "current"
STAGING_PREFIX = ".staging-"
LOCK = ".deploy-lock"
STALE_AFTER = dt.timedelta(hours=2)  # longer than any upload (generator.deploy.remote.UPLOAD_TIMEOUT)
_MAX_LISTED = 5  # differences named per host before "…"


class StepFailed(Exception):
    """A host could not complete a step (the sentence says why)."""


@dataclass(frozen=True)
class Operator:
    """Who runs this deployment: written into each host's lock."""

    machine: str
    pid: int
    started: dt.datetime

    def line(self) -> str:
        return f"{self.machine} {self.pid} {int(self.started.timestamp())}"


def lock_is_stale(holder: str, me: Operator, alive: Callable[[int], bool]) -> bool:
    """Whether a lock held by `holder` (an Operator line) may be taken over: its process on this very
    machine is gone, it is older than STALE_AFTER, or it names no one (a run died while taking it)."""
    parts = holder.split()
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return True
    machine, pid, since = parts[0], int(parts[1]), int(parts[2])
    if machine == me.machine and pid != me.pid and not alive(pid):
        return True
    return me.started.timestamp() - since > STALE_AFTER.total_seconds()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class HostState:
    """What one host holds: its live release (the `current` link's target) and its releases."""

    live: str | None = None  # the target as the link states it, e.g. releases/20261207T000512-abc
    releases: list[str] = field(default_factory=list)  # names, oldest first

    @property
    def live_name(self) -> str | None:
        if self.live is None:
            return None
        name = PurePosixPath(self.live).name
        return name if is_release_name(name) else None


# --- the scripts each host runs (POSIX sh); every path is quoted --------------------------------------


def _probe_script(base: PurePosixPath) -> str:
    return f"""set -eu
for tool in rsync sha256sum find readlink mv ln; do
  command -v "$tool" >/dev/null 2>&1 || {{ echo "服务器上缺少命令 $tool" >&2; exit 3; }}
done
mkdir -p {shlex.quote(str(base / RELEASES))}
cd {shlex.quote(str(base))}
if [ -L {CURRENT} ]; then printf 'live %s\\n' "$(readlink {CURRENT})"; fi
for folder in {RELEASES}/*/; do
  [ -d "$folder" ] || continue
  name=${{folder#{RELEASES}/}}
  printf 'release %s\\n' "${{name%/}}"
done
"""


def _verify_script(folder: PurePosixPath) -> str:
    """Check the folder against the checksum lines on stdin; list every entry with its size."""
    return f"""cd {shlex.quote(str(folder))} || exit 3
if failed=$(sha256sum --check --strict --quiet - 2>&1); then
  echo 'hashes ok'
else
  printf '%s\\n' "$failed" | head -n {_MAX_LISTED} | sed 's/^/hash /'
fi
find . -mindepth 1 \\( -type f -printf 'file %s %P\\n' \\) -o \\( ! -type d -printf 'other %P\\n' \\)
"""


def _switch_script(base: PurePosixPath, target: str | None) -> str:
    """Point `current` at `target` by one rename (or remove it when there was none); print the old target."""
    base_q = shlex.quote(str(base))
    if target is None:
        change = f"rm -f {CURRENT}"
    else:
        change = (
            f"test -f {shlex.quote(target + '/' + MANIFEST_FILE)}\n"
            f"ln -sfn {shlex.quote(target)} .{CURRENT}.new\nmv -T .{CURRENT}.new {CURRENT}"
        )
    return f"""set -eu
cd {base_q}
old=$(readlink {CURRENT} 2>/dev/null || true)
{change}
printf 'was %s\\n' "$old"
"""


def _lock_script(base: PurePosixPath, owner: str, stale: str | None) -> str:
    """Take the lock (or, with `stale`, take it over from that holder); print `locked` or `held <holder>`."""
    owner_q = shlex.quote(owner)
    if stale is None:
        take = f"if mkdir {LOCK} 2>/dev/null; then printf '%s\\n' {owner_q} > {LOCK}/owner; echo locked"
    else:
        take = (
            f"mkdir -p {LOCK}\n"
            f'if [ "$(cat {LOCK}/owner 2>/dev/null || true)" = {shlex.quote(stale)} ]; then '
            f"printf '%s\\n' {owner_q} > {LOCK}/owner; echo locked"
        )
    return f"""set -eu
mkdir -p {shlex.quote(str(base))}
cd {shlex.quote(str(base))}
{take}
else printf 'held %s\\n' "$(cat {LOCK}/owner 2>/dev/null || true)"; fi
"""


def _unlock_script(base: PurePosixPath, owner: str) -> str:
    return f"""cd {shlex.quote(str(base))} || exit 0
if [ "$(cat {LOCK}/owner 2>/dev/null || true)" = {shlex.quote(owner)} ]; then rm -rf {LOCK}; fi
"""


def _prune_script(base: PurePosixPath, remove: Sequence[str]) -> str:
    names = " ".join(shlex.quote(name) for name in remove)
    return f"""set -eu
cd {shlex.quote(str(base / RELEASES))}
for name in {names} {STAGING_PREFIX}*; do
  case "$name" in {STAGING_PREFIX}'*') continue ;; esac
  rm -rf -- "$name"
done
"""


# --- steps on one host --------------------------------------------------------------------------------


def lock(remote: Remote, me: Operator, say: Say) -> None:
    """Take the host's deploy lock, taking over a stale one; StepFailed while another run holds it."""
    holder: str | None = None
    for _ in range(2):
        done = remote.run(_lock_script(remote.host.path, me.line(), holder))
        if not done.ok:
            raise StepFailed(f"无法取得部署锁：{done.reason()}")
        answer = done.stdout.strip()
        if answer == "locked":
            if holder is not None:
                say(remote.host.name, f"接管了一个已失效的部署锁（{holder or '无记录'}）")
            return
        holder = answer.removeprefix("held").strip()
        if not lock_is_stale(holder, me, process_alive):
            machine, _, rest = holder.partition(" ")
            since = rest.partition(" ")[2]
            started = dt.datetime.fromtimestamp(int(since), me.started.tzinfo) if since.isdigit() else None
            when = f"，{started:%Y-%m-%d %H:%M} 开始" if started else ""
            raise StepFailed(
                f"另一次部署或回滚正在进行（{machine}{when}）；请等它结束。若确知它已中断，"
                f"可在 {STALE_AFTER.seconds // 3600} 小时后重试，或删除服务器上的 {remote.host.path / LOCK}"
            )
    raise StepFailed("部署锁在接管时被他人取得")


def unlock(remote: Remote, me: Operator) -> None:
    remote.run(_unlock_script(remote.host.path, me.line()))


def probe(remote: Remote) -> HostState:
    done = remote.run(_probe_script(remote.host.path))
    if not done.ok:
        raise StepFailed(f"无法读取服务器上的发布目录：{done.reason()}")
    state = HostState()
    for line in done.stdout.splitlines():
        kind, _, value = line.partition(" ")
        if kind == "live":
            state.live = value
        elif kind == "release" and is_release_name(value):
            state.releases.append(value)
    state.releases.sort()
    return state


def verify(remote: Remote, folder: PurePosixPath, expected: Sequence[FileEntry]) -> None:
    """Every file of `folder` on the host matches `expected`, checked on the host; else StepFailed."""
    lines = "".join(f"{entry.sha256}  ./{entry.path}\n" for entry in expected)
    done = remote.run(_verify_script(folder), stdin=lines)
    if not done.ok:
        raise StepFailed(f"无法在服务器上校验 {folder.name}：{done.reason()}")
    hashes_ok = False
    bad_hashes: list[str] = []
    found: dict[str, int] = {}
    others: list[str] = []
    for line in done.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if line == "hashes ok":
            hashes_ok = True
        elif kind == "hash":
            bad_hashes.append(rest)
        elif kind == "file":
            size, _, path = rest.partition(" ")
            found[path] = int(size)
        elif kind == "other":
            others.append(rest)
    sizes = {entry.path: entry.size for entry in expected}
    differences = [f"多出 {path}" for path in sorted(found.keys() - sizes.keys())]
    differences += [f"缺少 {path}" for path in sorted(sizes.keys() - found.keys())]
    differences += [f"{path} 大小不符" for path in sorted(sizes.keys() & found.keys()) if sizes[path] != found[path]]
    differences += [f"{path} 不是普通文件" for path in others]
    if not hashes_ok and not differences:
        differences = [f"SHA-256 不符：{text}" for text in bad_hashes] or ["SHA-256 校验未通过"]
    if differences:
        listed = "；".join(differences[:_MAX_LISTED]) + ("……" if len(differences) > _MAX_LISTED else "")
        raise StepFailed(f"{folder.name} 与发布清单不符（共 {len(differences)} 处）：{listed}")


def live_manifest(remote: Remote, state: HostState) -> bytes | None:
    """The bytes of the host's live manifest; None when the host serves nothing yet."""
    if state.live is None:
        return None
    done = remote.run(f"cat {shlex.quote(str(remote.host.path / CURRENT / MANIFEST_FILE))}")
    if not done.ok:
        raise StepFailed(f"无法读取正在提供的版本的发布清单：{done.reason()}")
    return done.stdout.encode("utf-8")


def check_chain(remote: Remote, state: HostState, manifest: Manifest, raw: bytes, say: Say) -> None:
    """The release extends the host's live chain, or is a stated correction (reported); else StepFailed."""
    live = live_manifest(remote, state)
    refused = check_extends(manifest, raw, live)
    if refused is not None:
        raise StepFailed(f"{refused} [release-not-extending]")
    if (
        manifest.correction
        and live is not None
        and (manifest.previous is None or manifest.previous.sha256 != _sha(live))
    ):
        say(
            remote.host.name,
            f"更正发布：{manifest.name} 不接续正在提供的版本 {_shown(state.live)}，理由：{manifest.correction}",
        )


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _expected_files(site_dir: Path, manifest: Manifest) -> list[FileEntry]:
    """The manifest's files plus the manifest itself, as the host must hold them."""
    raw = (site_dir / MANIFEST_FILE).read_bytes()
    return [*manifest.files, FileEntry(MANIFEST_FILE, len(raw), hashlib.sha256(raw).hexdigest())]


def stage(remote: Remote, state: HostState, site_dir: Path, manifest: Manifest, say: Say) -> None:
    """Upload (unless the host holds the release already) and verify; leaves releases/<name>/."""
    name = manifest.name
    base = remote.host.path
    expected = _expected_files(site_dir, manifest)
    if name in state.releases:
        verify(remote, base / RELEASES / name, expected)
        say(remote.host.name, f"已有 {name}，校验通过（不再上传）")
        return
    staging = base / RELEASES / f"{STAGING_PREFIX}{name}"
    live = state.live_name
    link_dest = base / RELEASES / live if live and live in state.releases else None
    done, stats = remote.upload(site_dir, staging, link_dest)
    if not done.ok:
        raise StepFailed(f"上传 {name} 失败：{done.reason()}")
    reused = f"沿用 {stats.files - stats.sent} 个未变文件，" if link_dest else ""
    say(remote.host.name, f"已上传 {name}（共 {stats.files} 个文件，{reused}新传 {stats.sent} 个）")
    verify(remote, staging, expected)
    done = remote.run(f"mv -T {shlex.quote(str(staging))} {shlex.quote(str(base / RELEASES / name))}")
    if not done.ok:
        raise StepFailed(f"校验通过，但无法把 {staging.name} 改名为 {name}：{done.reason()}")
    say(remote.host.name, f"校验通过：{len(expected)} 个文件与发布清单一致（在服务器上逐一计算 SHA-256）")


def switch(remote: Remote, target: str | None) -> str | None:
    """Make `target` (releases/<name>, or None: no live release) live; return what was live before."""
    done = remote.run(_switch_script(remote.host.path, target))
    if not done.ok:
        raise StepFailed(f"切换失败：{done.reason()}")
    for line in done.stdout.splitlines():
        if line.startswith("was "):
            return line[4:] or None
    return None


# --- operations on every host ---------------------------------------------------------------------------


class _Reporter:
    """`say` made safe for the worker threads: one sentence at a time."""

    def __init__(self, say: Say):
        self._say = say
        self._lock = threading.Lock()

    def __call__(self, host: str, sentence: str) -> None:
        with self._lock:
            self._say(host, sentence)


def _on_every_host(remotes: Sequence[Remote], step: Callable[[Remote], None], say: Say) -> list[str]:
    """Run `step` on every host at once; the names of the hosts where it failed (each reported)."""
    failed: list[str] = []

    def attempt(remote: Remote) -> None:
        try:
            step(remote)
        except StepFailed as failure:
            say(remote.host.name, f"失败：{failure}")
            failed.append(remote.host.name)

    with ThreadPoolExecutor(max_workers=min(8, len(remotes))) as pool:
        list(pool.map(attempt, remotes))
    return sorted(failed, key=[r.host.name for r in remotes].index)


def _switch_all(remotes: Sequence[Remote], states: dict[str, HostState], name: str, say: Say) -> bool:
    """Switch every host to releases/<name>, one after another; on a failure switch the others back."""
    switched: list[tuple[Remote, str | None]] = []
    target = f"{RELEASES}/{name}"
    for remote in remotes:
        try:
            before = switch(remote, target)
        except StepFailed as failure:
            say(remote.host.name, f"{failure}")
            _switch_back([*switched, (remote, states[remote.host.name].live)], say)
            return False
        switched.append((remote, before))
        say(remote.host.name, f"已切换：现在提供 {name}（原为 {_shown(before)}）")
    return True


def _switch_back(switched: Sequence[tuple[Remote, str | None]], say: Say) -> None:
    for remote, before in reversed(switched):
        try:
            switch(remote, before)
            say(remote.host.name, f"已切回 {_shown(before)}")
        except StepFailed as failure:
            say(remote.host.name, f"无法切回 {_shown(before)}，请人工检查这台服务器：{failure}")


def _shown(target: str | None) -> str:
    return PurePosixPath(target).name if target else "无（此前没有发布）"


def _probe_all(remotes: Sequence[Remote], say: Say) -> tuple[dict[str, HostState], list[str]]:
    states: dict[str, HostState] = {}

    def read(remote: Remote) -> None:
        states[remote.host.name] = probe(remote)

    failed = _on_every_host(remotes, read, say)
    return states, failed


def remotes_for(config: DeployConfig, secrets: Secrets) -> list[Remote]:
    return [Remote(host, secrets, config.rsync_options) for host in config.hosts]


def deploy(config: DeployConfig, secrets: Secrets, site_dir: Path, me: Operator, say: Say) -> bool:
    """Stage, verify and switch the build in `site_dir` on every host; prune old releases."""
    say = _Reporter(say)
    try:
        manifest = read_manifest(site_dir)
    except ManifestError as exc:
        say("", f"部署未开始：{exc}")
        return False
    differences = check_folder(site_dir, manifest)
    if differences:
        say(
            "",
            f"部署未开始：{site_dir} 在生成后被改动过（{'；'.join(differences[:_MAX_LISTED])}），请重新 clusters build",
        )
        return False
    remotes = remotes_for(config, secrets)
    say(
        "",
        f"部署 {manifest.name}（截至 {manifest.as_of.isoformat()}，{len(manifest.files)} 个文件）到 {len(remotes)} 台服务器",
    )
    states: dict[str, HostState] = {}
    locked: list[Remote] = []

    raw = (site_dir / MANIFEST_FILE).read_bytes()

    def prepare(remote: Remote) -> None:
        lock(remote, me, say)
        locked.append(remote)
        states[remote.host.name] = probe(remote)
        check_chain(remote, states[remote.host.name], manifest, raw, say)
        stage(remote, states[remote.host.name], site_dir, manifest, say)

    try:
        failed = _on_every_host(remotes, prepare, say)
        if failed:
            say("", f"部署失败：{'、'.join(failed)} 未能上传并校验，所有服务器都没有切换，网站保持原样")
            return False
        if not _switch_all(remotes, states, manifest.name, say):
            say("", "部署失败：切换没有在所有服务器上完成，已切换的服务器已切回原来的版本")
            return False
        for remote in remotes:
            _prune(remote, states[remote.host.name], manifest.name, config.keep, say)
        say("", f"部署完成：{len(remotes)} 台服务器都在提供 {manifest.name}")
        return True
    finally:
        for remote in locked:
            unlock(remote, me)


def _prune(remote: Remote, state: HostState, live: str, keep: int, say: Say) -> None:
    names = sorted({*state.releases, live})
    kept = set(names[-keep:]) | {live}
    remove = [name for name in names if name not in kept]
    done = remote.run(_prune_script(remote.host.path, remove))
    if not done.ok:
        say(remote.host.name, f"注意：未能删除旧版本（不影响网站）：{done.reason()}")
    elif remove:
        say(remote.host.name, f"已删除旧版本 {'、'.join(remove)}，保留最近 {len(kept)} 个")


ROLLBACK_LOG = "rollbacks.log"  # beside releases/ on each host: one line per rollback, appended, never rewritten


def rollback(
    config: DeployConfig, secrets: Secrets, release: str | None, me: Operator, say: Say, *, reason: str
) -> bool:
    """Make `release` (or the one before the live one) live on every host, verified first, and append
    the rollback to each host's ROLLBACK_LOG with its `reason`: a rollback makes live a release the
    chain has passed (generator.site.chain), so, like a correction release, it is stated and logged."""
    say = _Reporter(say)
    remotes = remotes_for(config, secrets)
    locked: list[Remote] = []
    try:
        return _rollback(remotes, release, me, locked, say, reason)
    finally:
        for remote in locked:
            unlock(remote, me)


def _rollback(
    remotes: Sequence[Remote], release: str | None, me: Operator, locked: list[Remote], say: Say, reason: str
) -> bool:
    states: dict[str, HostState] = {}

    def read(remote: Remote) -> None:
        lock(remote, me, say)
        locked.append(remote)
        states[remote.host.name] = probe(remote)

    failed = _on_every_host(remotes, read, say)
    if failed:
        say("", f"回滚未开始：无法读取 {'、'.join(failed)}，所有服务器都没有切换")
        return False
    target = release or _previous_release(states, say)
    if target is None:
        return False
    missing = [r.host.name for r in remotes if target not in states[r.host.name].releases]
    if missing:
        say("", f"回滚未开始：{'、'.join(missing)} 上没有 {target}，所有服务器都没有切换")
        return False
    manifests: dict[str, str] = {}

    def check(remote: Remote) -> None:
        folder = remote.host.path / RELEASES / target
        done = remote.run(f"cat {shlex.quote(str(folder / MANIFEST_FILE))}")
        if not done.ok:
            raise StepFailed(f"无法读取 {target} 的发布清单：{done.reason()}")
        try:
            manifest = parse_manifest(done.stdout)
        except ManifestError as exc:
            raise StepFailed(str(exc)) from None
        raw = done.stdout.encode("utf-8")
        own = FileEntry(MANIFEST_FILE, len(raw), hashlib.sha256(raw).hexdigest())
        verify(remote, folder, [*manifest.files, own])
        manifests[remote.host.name] = own.sha256
        say(remote.host.name, f"{target} 校验通过")

    failed = _on_every_host(remotes, check, say)
    if not failed and len(set(manifests.values())) > 1:
        say("", f"回滚未开始：各服务器上的 {target} 的发布清单不一致")
        return False
    if failed:
        say("", f"回滚未开始：{'、'.join(failed)} 上的 {target} 未通过校验，所有服务器都没有切换")
        return False
    if not _switch_all(remotes, states, target, say):
        say("", "回滚失败：切换没有在所有服务器上完成，已切换的服务器已切回原来的版本")
        return False
    logged = True
    for remote in remotes:
        line = rollback_log_line(me, _shown(states[remote.host.name].live), target, reason)
        log = remote.host.path / ROLLBACK_LOG
        done = remote.run(f"printf '%s\\n' {shlex.quote(line)} >> {shlex.quote(str(log))}")
        if done.ok:
            say(remote.host.name, f"回滚已记入 {ROLLBACK_LOG}：理由：{reason}")
        else:
            logged = False
            say(remote.host.name, f"回滚已完成，但无法记入 {ROLLBACK_LOG}，请人工补记：{done.reason()}")
    say("", f"回滚完成：{len(remotes)} 台服务器都在提供 {target}")
    return logged


def rollback_log_line(me: Operator, before: str, target: str, reason: str) -> str:
    """One line of a host's rollback log: when (the command's start, Asia/Shanghai), who, from which
    release to which, and why; tabs and line breaks in the reason become spaces."""
    said = " ".join(reason.split())
    return "\t".join((me.started.isoformat(timespec="seconds"), me.machine, before, target, said))


def _previous_release(states: dict[str, HostState], say: Say) -> str | None:
    lives = {state.live_name for state in states.values()}
    if len(lives) != 1 or None in lives:
        shown = "、".join(f"{host}：{state.live_name or '无'}" for host, state in states.items())
        say("", f"回滚未开始：各服务器提供的版本不同或没有版本（{shown}），请指明要回滚到的版本")
        return None
    live = lives.pop()
    assert live is not None
    older = sorted(set.intersection(*(set(s.releases) for s in states.values())) - {live})
    older = [name for name in older if name < live]
    if not older:
        say("", f"回滚未开始：所有服务器上都没有比 {live} 更早的版本")
        return None
    return older[-1]


def list_releases(config: DeployConfig, secrets: Secrets, say: Say) -> bool:
    """Say, per host, which releases it holds and which is live."""
    say = _Reporter(say)
    remotes = remotes_for(config, secrets)
    states, failed = _probe_all(remotes, say)
    for remote in remotes:
        state = states.get(remote.host.name)
        if state is None:
            continue
        if not state.releases:
            say(remote.host.name, "没有任何版本")
        for name in state.releases:
            say(remote.host.name, f"{name}{'  ← 当前' if name == state.live_name else ''}")
    return not failed
