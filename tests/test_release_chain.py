"""The chain of releases (issue 27): every build's manifest names the previous one by its SHA-256 and is
signed with an OpenSSH key; `clusters verify` checks a saved copy, an archive or the live site.

Three builds of the test records, each after a small data change committed to a git repository, each
extending the one before (`clusters build --releases`), signed with the test key in
tests/fixtures/release-keys/ (real ssh-keygen). Each failure case works on a copy of the last build
with one thing broken, and checks the exit code and the stable code `clusters verify` names.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TESTS_DIR, Page, git, make_data_dir, run_cli

from generator.site.build import Releases, build_site
from generator.site.chain import Chain, Source, check_extends, read_chain
from generator.site.edit import serve_folder
from generator.site.release import MANIFEST_FILE, data_fingerprint, read_manifest
from generator.site.signing import NAMESPACE

KEYS = TESTS_DIR / "fixtures" / "release-keys"
TEST_KEY = KEYS / "test_signing_key"  # a throwaway test key (KEYS/README.md), never a publishing key
TEST_SIGNERS = KEYS / "allowed_signers"
PLACEHOLDER_SIGNERS = REPO_ROOT / "deploy" / "allowed_signers"  # as shipped: no key until the bureau adds one
CONFIG = REPO_ROOT / "mkdocs.yml"
DAYS = ("2026-11-20", "2026-11-21", "2026-11-22")
ALPHA = Path("data") / "clusters" / "test-municipal-alpha.yaml"


def build(repo: Path, site: Path, day: str, *extra: object) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "build", "--data", "data", "--site-dir", site, "--today", day, "--config-file", CONFIG, *extra, cwd=repo
    )


def verify(where: object, *extra: object) -> subprocess.CompletedProcess[str]:
    return run_cli("verify", where, *extra)


@pytest.fixture(scope="module")
def chain3(tmp_path_factory) -> dict[str, Path]:
    """Three signed releases of a git repository's records, each after a data change, each extending the
    one before; and the repository. Read-only: tests that break something work on a copy."""
    root = tmp_path_factory.mktemp("chain3")
    repo = root / "repo"
    repo.mkdir()
    make_data_dir(repo)
    git(repo, "init", "-q")
    made: dict[str, Path] = {"repo": repo}
    previous: Path | None = None
    for index, day in enumerate(DAYS, start=1):
        if index > 1:  # a small change of the records: the cluster's area
            path = repo / ALPHA
            path.write_text(
                re.sub(r"area_km2: .*", f"area_km2: 12.{4 + index}", path.read_text(encoding="utf-8")),
                encoding="utf-8",
            )
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"records {index}", when=f"{DAYS[index - 1]}T09:00:00+08:00")
        site = root / f"site{index}"
        chained = ("--releases", previous) if previous is not None else ()
        done = build(repo, site, day, *chained, "--signing-key", TEST_KEY, "--allowed-signers", TEST_SIGNERS)
        assert done.returncode == 0, done.stdout + done.stderr
        made[f"site{index}"] = previous = site
    return made


def broken_copy(chain3: dict[str, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(chain3["site3"], copy)
    return copy


def failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("核对未通过：")
    return line


def test_an_intact_chain_of_three_releases_verifies(chain3):
    names = [read_manifest(chain3[f"site{i}"]).name for i in (1, 2, 3)]
    assert len(set(names)) == 3
    done = verify(chain3["site3"], "--allowed-signers", TEST_SIGNERS, "--require-signature")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"3 个版本，从 {names[0]} 到 {names[2]}" in done.stdout
    assert "3 个已签名的版本签名有效" in done.stdout
    # Without --allowed-signers: the site's own releases/allowed_signers (the test key), said so.
    done = verify(chain3["site3"])
    assert done.returncode == 0 and "公钥取自被核对的网站本身" in done.stdout


def test_each_manifest_links_the_previous_one_and_states_its_build(chain3):
    repo = chain3["repo"]
    head = git(repo, "rev-parse", "HEAD")
    first, second, third = (read_manifest(chain3[f"site{i}"]) for i in (1, 2, 3))
    assert first.previous is None
    for before, after, index in ((first, second, 1), (second, third, 2)):
        raw = (chain3[f"site{index}"] / MANIFEST_FILE).read_bytes()
        assert after.previous is not None and after.previous.name == before.name
        assert after.previous.sha256 == hashlib.sha256(raw).hexdigest()
        # The earlier manifest travels byte for byte, with its signature.
        assert (chain3["site3"] / "releases" / f"{before.name}.json").read_bytes() == (
            chain3[f"site{index}"] / MANIFEST_FILE
        ).read_bytes()
    assert third.commit == head and third.as_of.isoformat() == "2026-11-22T00:00:00+08:00"
    assert third.data_sha256 == data_fingerprint(repo / "data")
    assert len({first.data_sha256, second.data_sha256, third.data_sha256}) == 3  # each build changed the records
    assert third.signature == "signed" and third.signing_key and third.signing_key.startswith("SHA256:")
    lock = hashlib.sha256((REPO_ROOT / "requirements.lock").read_bytes()).hexdigest()
    assert third.lock_sha256 == lock  # the build environment, as locked
    raw = json.loads((chain3["site3"] / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert raw["format"] == 2 and set(raw) >= {"as_of", "built_at", "commit", "data_sha256", "previous", "files"}
    assert (chain3["site3"] / "releases" / "allowed_signers").read_bytes() == TEST_SIGNERS.read_bytes()
    # The signature verifies with the two commands the open-data page gives anyone.
    site = chain3["site3"]
    with open(site / MANIFEST_FILE, "rb") as stream:
        checked = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(TEST_SIGNERS), "-I", NAMESPACE, "-n", NAMESPACE]
            + ["-s", str(site / "release.json.sig")],
            stdin=stream,
            capture_output=True,
            text=True,
            check=False,
        )
    assert checked.returncode == 0 and f'Good "{NAMESPACE}" signature' in checked.stdout + checked.stderr


def test_the_release_log_page_lists_every_release_with_what_it_changed(chain3):
    repo = chain3["repo"]
    commits = git(repo, "log", "--format=%H").split()  # newest first
    page = Page(chain3["site3"] / "releases" / "index.html")
    sections = page.root.find_all("section", cls="cl-release")
    names = [read_manifest(chain3[f"site{i}"]).name for i in (3, 2, 1)]
    assert [node.attrs["data-release"] for node in sections] == names
    newest, middle, oldest = (node.text() for node in sections)
    assert commits[0][:12] in newest and commits[0][:7] in newest and "修改集群记录" in newest
    assert commits[1][:7] in middle and commits[0][:7] not in middle
    assert "第一个版本" in oldest
    links = [a.attrs["href"] for a in sections[1].find_all("a")]
    assert f"../releases/{names[1]}.json" in links and f"../changes/#commit-{commits[1]}" in links
    assert "../release.json" in [a.attrs["href"] for a in sections[0].find_all("a")]


def test_one_changed_byte_in_a_saved_page_is_named(chain3, tmp_path):
    copy = broken_copy(chain3, tmp_path)
    page = copy / "clusters" / "test-municipal-alpha" / "index.html"
    raw = bytearray(page.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    page.write_bytes(bytes(raw))
    line = failure(verify(copy, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-file-mismatch]") and "clusters/test-municipal-alpha/index.html" in line


def test_a_removed_release_breaks_the_chain(chain3, tmp_path):
    copy = broken_copy(chain3, tmp_path)
    first = read_manifest(chain3["site1"]).name
    (copy / "releases" / f"{first}.json").unlink()
    line = failure(verify(copy, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-chain-missing]") and f"releases/{first}.json" in line


def test_reordered_releases_break_the_chain(chain3, tmp_path):
    copy = broken_copy(chain3, tmp_path)
    first, second = (read_manifest(chain3[f"site{i}"]).name for i in (1, 2))
    a, b = copy / "releases" / f"{first}.json", copy / "releases" / f"{second}.json"
    a_raw, b_raw = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_raw)
    b.write_bytes(a_raw)
    line = failure(verify(copy, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-chain-broken]") and f"releases/{second}.json" in line


def test_a_manifest_signed_with_another_key_is_refused(chain3, tmp_path):
    copy = broken_copy(chain3, tmp_path)
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    (copy / "release.json.sig").unlink()
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", NAMESPACE, "-f", str(other), str(copy / MANIFEST_FILE)], check=True
    )
    line = failure(verify(copy, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-signature-invalid]") and read_manifest(copy).name in line
    # A build does not extend a chain whose signatures do not hold.
    done = build(chain3["repo"], tmp_path / "next", DAYS[-1], "--releases", copy, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 1 and "[release-signature-invalid]" in done.stderr
    # Another key's signature under the right name is refused by the build too.
    done = build(chain3["repo"], tmp_path / "site", DAYS[-1], "--signing-key", other, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 1 and "[release-key-not-allowed]" in done.stderr
    assert not (tmp_path / "site").exists()


def test_no_allowed_signer_configured_is_said(chain3, tmp_path):
    line = failure(verify(chain3["site3"], "--allowed-signers", PLACEHOLDER_SIGNERS))
    assert line.endswith("[release-signers-missing]")
    done = build(chain3["repo"], tmp_path / "site", DAYS[-1], "--signing-key", TEST_KEY)  # the shipped placeholder
    assert (
        done.returncode == 1 and "[release-key-not-allowed]" in done.stderr and "deploy/allowed_signers" in done.stderr
    )


def test_a_release_that_does_not_extend_the_live_chain_is_refused(chain3):
    raw = {i: (chain3[f"site{i}"] / MANIFEST_FILE).read_bytes() for i in (1, 2, 3)}
    manifest = {i: read_manifest(chain3[f"site{i}"]) for i in (1, 2, 3)}
    assert check_extends(manifest[2], raw[2], raw[1]) is None  # follows the live release
    assert check_extends(manifest[3], raw[3], raw[3]) is None  # is the live release
    assert check_extends(manifest[1], raw[1], None) is None  # nothing live yet
    refused = check_extends(manifest[3], raw[3], raw[1])  # skips release 2
    assert refused is not None and manifest[1].name in refused and manifest[2].name in refused
    refused = check_extends(manifest[1], raw[1], raw[2])  # an older release, a chain of its own
    assert refused is not None and "--correction" in refused


def test_an_unsigned_local_build_says_so_and_verifies_without_signatures(chain3, tmp_path):
    site = tmp_path / "local"
    # The shipped, empty allowed_signers cannot check the signed chain: the build does not extend it.
    done = build(chain3["repo"], site, DAYS[-1], "--releases", chain3["site3"])
    assert done.returncode == 1 and "[release-signers-missing]" in done.stderr
    done = build(chain3["repo"], site, DAYS[-1], "--releases", chain3["site3"], "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 0, done.stderr
    assert read_manifest(site).signature == "unsigned" and not (site / "release.json.sig").exists()
    # After signed releases, an unsigned one cannot join the chain unnoticed.
    line = failure(verify(site, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-unsigned]")


def test_a_saved_copy_of_an_earlier_release_is_checked_against_the_live_chain(chain3, tmp_path):
    second = read_manifest(chain3["site2"]).name
    done = verify(chain3["site2"], "--chain", chain3["site3"], "--release", second, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 0, done.stdout + done.stderr
    copy = tmp_path / "copy"
    shutil.copytree(chain3["site2"], copy)
    manifest = copy / MANIFEST_FILE
    manifest.write_bytes(manifest.read_bytes().replace(b'"as_of": "2026-11-21', b'"as_of": "2026-11-19'))
    line = failure(verify(copy, "--chain", chain3["site3"], "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-chain-broken]")


@pytest.fixture
def served(chain3) -> Iterator[str]:
    """The last release served over HTTP on 127.0.0.1, as a live site."""
    with serve_folder(chain3["site3"]) as url:
        yield url


def test_the_live_site_verifies_over_http(served, chain3, tmp_path):
    done = verify(served, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 个版本" in done.stdout
    # A build that extends the live site by its URL.
    site = tmp_path / "next"
    done = build(chain3["repo"], site, DAYS[-1], "--releases", served, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 0, done.stderr
    assert read_manifest(site).previous == read_chain(Source(str(chain3["site3"]))).head.link


def test_usage_errors_exit_2(tmp_path):
    assert verify(tmp_path / "nothing").returncode == 2
    assert verify(tmp_path, "--release", "not-a-release").returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    done = verify(empty)
    assert done.returncode == 1 and done.stderr.strip().endswith("[release-manifest]")
    done = verify("http://127.0.0.1:9/")  # nothing listens there (the discard port)
    assert done.returncode == 1 and done.stderr.strip().endswith("[release-source]")
    assert "http://127.0.0.1:9/release.json" in done.stderr


def test_the_yearly_archive_carries_the_chain_up_to_31_december(chain3, tmp_path):
    repo = chain3["repo"]
    out = tmp_path / "archive.zip"
    signed = ("--signing-key", TEST_KEY, "--allowed-signers", TEST_SIGNERS)
    done = run_cli(
        "archive",
        "2026",
        "--data",
        "data",
        "-o",
        out,
        "--config-file",
        CONFIG,
        "--releases",
        chain3["site3"],
        *signed,
        cwd=repo,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 个版本的发布记录" in done.stdout
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("site/release.json"))
    assert manifest["previous"]["name"] == read_manifest(chain3["site3"]).name
    assert manifest["as_of"] == "2026-12-31T00:00:00+08:00"
    done = verify(out, "--allowed-signers", TEST_SIGNERS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 个版本" in done.stdout
    # An archive of a year before every release carries none of them.
    done = run_cli(
        "archive",
        "2025",
        "--data",
        "data",
        "-o",
        out,
        "--config-file",
        CONFIG,
        "--releases",
        chain3["site3"],
        "--no-git",
        cwd=repo,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("site/release.json"))["previous"] is None
    assert verify(out).returncode == 0


def test_a_manifest_signed_later_by_the_ci_sign_job_verifies(chain3, tmp_path):
    """The publish workflow builds with --sign-later, and a job that runs no project code signs the
    manifest with ssh-keygen alone (.github/workflows/publish.yml, job sign)."""
    site = tmp_path / "site"
    done = build(
        chain3["repo"], site, DAYS[-1], "--releases", chain3["site3"], "--sign-later", "--allowed-signers", TEST_SIGNERS
    )
    assert done.returncode == 0, done.stderr
    manifest = read_manifest(site)
    assert manifest.signature == "signed" and manifest.signing_key == read_manifest(chain3["site3"]).signing_key
    line = failure(verify(site, "--allowed-signers", TEST_SIGNERS))
    assert line.endswith("[release-signature-missing]")  # not signed yet
    key = tmp_path / "key"  # ssh-keygen reads only a private key no one else may read; a checkout's is 0644
    shutil.copy(TEST_KEY, key)
    key.chmod(0o600)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-n", NAMESPACE, "-f", str(key), str(site / MANIFEST_FILE)], check=True)
    done = verify(site, "--allowed-signers", TEST_SIGNERS, "--require-signature")
    assert done.returncode == 0, done.stdout + done.stderr
    # Without a key in allowed_signers there is nothing to sign later with.
    done = build(chain3["repo"], tmp_path / "other", DAYS[-1], "--sign-later")
    assert done.returncode == 1 and "[release-signers-missing]" in done.stderr


def test_rebuilding_the_previous_release_from_git_history_reproduces_it_byte_for_byte(chain3, tmp_path):
    """Reproducibility as evidence: the previous release's commit, checked out from git history and
    built as of the instants its manifest states, after the chain it extended, with the same locked
    software, gives the files its manifest lists, byte for byte (and so the same manifest and, ed25519
    being deterministic, the same signature)."""
    site = chain3["site2"]
    manifest = read_manifest(site)
    assert manifest.previous is not None
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(chain3["repo"]), str(clone)], check=True)
    git(clone, "checkout", "-q", manifest.commit)
    live = read_chain(Source(str(chain3["site3"])))
    names = [release.manifest.name for release in live.releases]
    extended = Chain(live.releases[: names.index(manifest.previous.name) + 1])
    rebuilt = tmp_path / "rebuilt"
    build_site(
        CONFIG,
        clone / "data",
        rebuilt,
        manifest.as_of,
        built_at=manifest.built_at,
        commit=manifest.commit,
        releases=Releases(chain=extended, signing_key=TEST_KEY, allowed_signers=TEST_SIGNERS),
    )
    assert read_manifest(rebuilt) == manifest
    for entry in manifest.files:
        assert (rebuilt / entry.path).read_bytes() == (site / entry.path).read_bytes(), entry.path
    assert (rebuilt / MANIFEST_FILE).read_bytes() == (site / MANIFEST_FILE).read_bytes()
    assert (rebuilt / "release.json.sig").read_bytes() == (site / "release.json.sig").read_bytes()
    assert verify(rebuilt, "--chain", chain3["site3"], "--allowed-signers", TEST_SIGNERS).returncode == 0
    done = run_cli("compare-sites", site, rebuilt)
    assert done.returncode == 0 and "两次生成的网站文件逐字节相同" in done.stdout


def test_compare_sites_lists_the_files_a_change_touched(chain3):
    done = run_cli("compare-sites", chain3["site2"], chain3["site3"])
    assert done.returncode == 0, done.stderr
    changed = done.stdout.split("### 内容有变化", 1)[1]
    assert "- `clusters/test-municipal-alpha/index.html`" in changed and "- `data/clusters.csv`" in changed
    assert "releases/" not in done.stdout.split("### ", 1)[1]  # the release log always differs: left out


def test_the_staff_guide_and_the_open_data_page_explain_how_to_check_a_release(chain3):
    from generator.site.chain import CODES

    guide = Page(chain3["site3"] / "guide" / "index.html").text
    open_data = Page(chain3["site3"] / "open-data" / "index.html").text
    for text in (guide, open_data):
        assert f"ssh-keygen -Y verify -f allowed_signers -I {NAMESPACE} -n {NAMESPACE} -s release.json.sig" in text
        assert "ssh-keygen -l -f allowed_signers" in text and "clusters verify" in text
    for code in CODES:  # every code verify, the build or the deploy can name
        assert code in guide, code
