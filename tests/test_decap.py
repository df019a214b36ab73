"""The Decap CMS admin: site_src/admin/config.yml is exactly what generator/editor/decap.py makes from the
schemas, every schema field (and every YAML list and group of RECORD_TYPES) has a form field with
the same required/pattern/enum/min/max, no form field lacks a schema field, and the admin page
loads nothing from outside the site."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from conftest import Page

from generator import PROJECT_ROOT, SCHEMAS_DIR
from generator.editor.decap import (
    COLLECTION_KINDS,
    CONFIG_PATH,
    GITHUB_ORIGINS,
    TEXT_THRESHOLD,
    EditorSettings,
    decap_config,
    editor_settings,
    read_districts,
    render_decap_config,
)
from generator.publish import csp
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import load_schemas

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
DISTRICTS = read_districts()
CONFIG = decap_config(SCHEMA_SET, RECORD_TYPES, editor_settings(), DISTRICTS)
ADMIN_DIR = PROJECT_ROOT / "site_src" / "admin"
RECORD_TYPE = {record_type.kind: record_type for record_type in RECORD_TYPES}
CJK = re.compile(r"[\u4e00-\u9fff]")
# dist/decap-cms.js of the npm package decap-cms@3.16.3 (DECAP_SHA256), with the hosts the media-library
# widgets we do not use (Uploadcare, Cloudinary) and Pusher load scripts and files from renamed to .invalid
# names of the same length (the site names no origin to load from); DECAP_SHA256_SHIPPED is the copy here.
DECAP_VERSION = "3.16.3"
DECAP_SHA256 = "7c1efd6b616b4786e279aeef194dd21649a72058d3bc8d1f78901b574610dfb8"
DECAP_SHA256_SHIPPED = "51af44c9ceef055c2ec393b994efad5a589e567844116bf31936089afd78a1d1"
# The hosts, base64-encoded so that no file of the repository spells an origin to load from; each maps to
# its renamed form in the copy here and how often it occurs. What they served (decoded):
# Pusher's script (two hosts), Cloudinary's widget script, Uploadcare's widget, uploads and files (five),
# and GitHub's raw-file host in an identifier.
DECAP_RENAMED_HOSTS = {
    base64.b64decode("ZDNkeTVnbXRwOHloazcuY2xvdWRmcm9udC5uZXQ=").decode(): ("aaaaaaaaaaaaaaaaaaaaa.invalid", 1),
    base64.b64decode("bWVkaWEtbGlicmFyeS5jbG91ZGluYXJ5LmNvbQ==").decode(): ("bbbbbbbbbbbbbbbbbbbb.invalid", 1),
    base64.b64decode("dXBsb2FkLnVwbG9hZGNhcmUuY29t").decode(): ("ccccccccccccc.invalid", 1),
    base64.b64decode("c29jaWFsLnVwbG9hZGNhcmUuY29t").decode(): ("ddddddddddddd.invalid", 1),
    base64.b64decode("czMuYW1hem9uYXdzLmNvbQ==").decode(): ("eeeeeeee.invalid", 2),
    base64.b64decode("anMucHVzaGVyLmNvbQ==").decode(): ("fffff.invalid", 1),
    base64.b64decode("dWNhcmVjZG4uY29t").decode(): ("gggg.invalid", 3),
    base64.b64decode("dWNhcmVjZC5uZXQ=").decode(): ("hhh.invalid", 1),
    # Not a load: the $id of ajv's $data meta-schema and the $ref to it, renamed together (ajv resolves it
    # from its own copy), so that the bundle names no file host at all.
    base64.b64decode("cmF3LmdpdGh1YnVzZXJjb250ZW50LmNvbQ==").decode(): ("iiiiiiiiiiiiiiiii.invalid", 2),
}


def collection(kind: str) -> dict[str, Any]:
    return next(c for c in CONFIG["collections"] if c["name"] == RECORD_TYPE[kind].resource)


def by_name(fields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names = [f["name"] for f in fields]
    assert len(names) == len(set(names)), f"duplicate field names: {names}"
    return {f["name"]: f for f in fields}


def assert_field_matches(field: dict[str, Any], spec: dict[str, Any], where: str) -> None:
    """One form field against its Table Schema field descriptor."""
    constraints = spec.get("constraints", {})
    field_type = spec.get("type", "string")
    assert field["label"] == spec["title"], where
    assert field.get("hint") == spec.get("description"), where
    assert field["required"] is bool(constraints.get("required", False)), where  # Decap's default is true
    if "pattern" in constraints:
        regex, message = field["pattern"]
        assert regex == f"^(?:{constraints['pattern']})$", where
        assert CJK.search(message), where
    else:
        assert "pattern" not in field, where
    if field["name"] == "district":  # a foreign key to the districts: picked from data/districts.yaml
        assert field["widget"] == "select", where
        assert [o["value"] for o in field["options"]] == [code for code, _ in DISTRICTS], where
        assert {"label": "黄埔区（440112）", "value": "440112"} in field["options"], where
    elif "enum" in constraints:
        assert field["widget"] == "select", where
        values = [o["value"] if isinstance(o, dict) else o for o in field["options"]]
        assert values == [str(v) for v in constraints["enum"]], where
    elif field_type == "string":
        expected = "text" if constraints.get("maxLength", 0) > TEXT_THRESHOLD else "string"
        assert field["widget"] == expected, where
    elif field_type in ("integer", "number"):
        assert field["widget"] == "number", where
        assert field["value_type"] == ("int" if field_type == "integer" else "float"), where
    elif field_type == "boolean":
        assert field["widget"] == "boolean", where
    elif field_type == "date":
        assert field["widget"] == "datetime", where
        assert (field["format"], field["date_format"], field["time_format"]) == ("YYYY-MM-DD", "YYYY-MM-DD", False), (
            where
        )
    else:
        pytest.fail(f"{where}: no expectation for type {field_type}")
    for limit, option in (("minimum", "min"), ("maximum", "max")):
        assert field.get(option) == constraints.get(limit), where
    widget_keys = {
        "name",
        "label",
        "widget",
        "required",
        "hint",
        "pattern",
        "options",
        "value_type",
        "min",
        "max",
        "format",
        "date_format",
        "time_format",
        "picker_utc",
        "default",
        "comment",
    }
    assert set(field) <= widget_keys, f"{where}: unexpected keys {set(field) - widget_keys}"


def test_checked_in_config_is_current():
    assert CONFIG_PATH.read_text(encoding="utf-8") == render_decap_config(CONFIG), (
        "site_src/admin/config.yml is stale: run clusters generate"
    )


def test_checked_in_config_says_it_is_generated_and_parses_to_the_same_configuration():
    text = CONFIG_PATH.read_text(encoding="utf-8")
    assert text.startswith("# 本文件由 generator/editor/decap.py 生成"), text[:80]
    assert "请勿手工编辑" in text.splitlines()[0]
    assert yaml.safe_load(text) == CONFIG


def test_site_settings():
    assert editor_settings() == EditorSettings()  # data/site.yaml names no repository yet
    assert CONFIG["backend"]["name"] == "github"
    assert CONFIG["backend"]["repo"] == "OWNER/REPO" and CONFIG["backend"]["branch"] == "main"
    text = CONFIG_PATH.read_text(encoding="utf-8")
    assert re.search(r"^  repo: OWNER/REPO  # .*data/site\.yaml 的 editor\.repo", text, re.M)
    assert "local_backend" not in CONFIG and "local_backend" not in text  # only `clusters edit` serves one
    assert CONFIG["publish_mode"] == "editorial_workflow"
    assert CONFIG["locale"] == "zh_Hans"
    assert CONFIG["media_folder"] == "site_src/assets/uploads"
    assert [c["name"] for c in CONFIG["collections"]] == ["clusters", "notices", "calls"]


def test_a_repository_on_github_enterprise():
    settings = EditorSettings.from_values(
        {"editor_repo": "gxj/gz-clusters", "editor_branch": "main", "editor_api_root": "https://git.example.org/api/v3",
         "editor_base_url": "https://auth.example.org"}
    )  # fmt: skip
    config = decap_config(SCHEMA_SET, RECORD_TYPES, settings)
    assert config["backend"] == {
        "name": "github",
        "repo": "gxj/gz-clusters",
        "branch": "main",
        "base_url": "https://auth.example.org",
        "api_root": "https://git.example.org/api/v3",
        "commit_messages": CONFIG["backend"]["commit_messages"],
    }
    assert config["publish_mode"] == "editorial_workflow"
    assert "OWNER/REPO" not in render_decap_config(config)
    assert settings.origins() == ("https://git.example.org",)


def test_a_repository_on_gitea_or_forgejo():
    """Decap's Gitea backend logs in with an OAuth2 application (PKCE: a client ID, no secret) and has
    no editorial workflow: the form saves commits onto `branch`, a branch of its own."""
    yaml_mapping = {"backend": "gitea", "repo": "gxj/gz-clusters", "branch": "edits",
                    "base_url": "https://git.example.org", "api_root": "https://git.example.org/api/v1", "app_id": "a1b2-c3"}  # fmt: skip
    settings = EditorSettings.from_values(yaml_mapping)
    config = decap_config(SCHEMA_SET, RECORD_TYPES, settings)
    assert config["backend"]["name"] == "gitea"
    assert {k: config["backend"][k] for k in ("repo", "branch", "base_url", "api_root", "app_id")} == {
        k: v for k, v in yaml_mapping.items() if k != "backend"
    }
    assert "publish_mode" not in config  # simple: Decap refuses editorial_workflow with Gitea
    policy = csp.admin_policy(settings.origins())
    assert "connect-src 'self' https://git.example.org;" in policy  # that forge, and no other origin
    assert "github" not in policy
    assert csp.admin_policy(("javascript:alert(1)",)) == csp.ADMIN_POLICY  # only origins get in


def test_the_editor_names_github_only_once_a_repository_there_is_configured():
    """The admin page's policy lets the editor reach github.com's API and status page only when
    data/site.yaml names a repository there; unconfigured (as shipped), it names no origin but its own."""
    unconfigured = csp.admin_policy(EditorSettings.from_values({}).origins())
    assert unconfigured == csp.ADMIN_POLICY and "https://" not in unconfigured and "http://" not in unconfigured
    on_github = EditorSettings.from_values({"backend": "github", "repo": "gxj/gz-clusters"})
    assert on_github.origins() == GITHUB_ORIGINS
    policy = {
        words[0]: words[1:]
        for part in csp.admin_policy(on_github.origins(), on_github.image_origins()).split(";")
        if (words := part.split())
    }
    assert "https://api.github.com" in policy["connect-src"] and "https://www.githubstatus.com" in policy["connect-src"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]  # no avatars from GitHub's CDN
    shipped = editor_settings(PROJECT_ROOT / "data")  # the shipped data names no repository yet
    assert shipped.repo is None and shipped.origins() == ()


def test_the_local_backend_is_only_in_the_local_configuration():
    config = decap_config(SCHEMA_SET, RECORD_TYPES, local_backend="http://127.0.0.1:8081/api/v1", data_folder="records")
    assert config["local_backend"] == {
        "url": "http://127.0.0.1:8081/api/v1",
        "allowed_hosts": ["127.0.0.1", "localhost"],
    }
    assert config["collections"][0]["folder"] == "records/clusters"


@pytest.mark.parametrize("kind", COLLECTION_KINDS)
def test_collection_is_the_record_folder(kind):
    found = collection(kind)
    folder = "data/" + RECORD_TYPE[kind].location.rsplit("/", 1)[0]
    assert (found["folder"], found["extension"], found["format"]) == (folder, "yaml", "yaml")
    assert (PROJECT_ROOT / folder).is_dir()
    assert found["identifier_field"] == RECORD_TYPE[kind].key == "id"
    assert found["slug"] == "{{fields.id}}"
    assert found["create"] is True
    assert CJK.search(found["label"])


@pytest.mark.parametrize("kind", COLLECTION_KINDS)
def test_every_schema_field_has_a_matching_form_field_and_no_other(kind):
    record_type = RECORD_TYPE[kind]
    specs = SCHEMA_SET.schemas[record_type.resource]["fields"]
    fields = by_name(collection(kind)["fields"])
    top = [s for s in specs if not any(s["name"].startswith(g + "_") for g in record_type.groups)]
    expected = {s["name"] for s in top} | set(record_type.groups) | set(record_type.children)
    assert set(fields) == expected
    for spec in top:
        assert_field_matches(fields[spec["name"]], spec, f"{kind}.{spec['name']}")
    for group in record_type.groups:
        assert fields[group]["widget"] == "object"
        assert fields[group]["required"] is False
        members = {s["name"][len(group) + 1 :]: s for s in specs if s["name"].startswith(group + "_")}
        sub = by_name(fields[group]["fields"])
        assert set(sub) == set(members), group
        for name, spec in members.items():
            assert_field_matches(sub[name], spec, f"{kind}.{group}.{name}")
    for key, resource in record_type.children.items():
        assert fields[key]["widget"] == "list" and fields[key]["required"] is False
        assert fields[key]["label"] == SCHEMA_SET.titles[resource]
        child_specs = {
            s["name"]: s
            for s in SCHEMA_SET.schemas[resource]["fields"]
            if s["name"] not in ("seq", record_type.parent_field)
        }
        sub = by_name(fields[key]["fields"])
        assert set(sub) == set(child_specs), key
        for name, spec in child_specs.items():
            assert_field_matches(sub[name], spec, f"{kind}.{key}[].{name}")


@pytest.mark.parametrize("kind", COLLECTION_KINDS)
def test_new_records_start_as_decap_saves_them(kind):
    """Decap drops YAML comments (the key field's `comment` writes the yaml-language-server line back)
    and writes keys in form order: the skeleton `clusters new` starts from has both. The shipped
    records are checked the same way in test_shipped_data.py."""
    fields = by_name(collection(kind)["fields"])
    form = [f["name"] for f in collection(kind)["fields"]]
    text = (PROJECT_ROOT / "generator" / "templates" / f"new_{kind}.yaml.j2").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# {fields['id']['comment']}"
    keys = re.findall(r"^([a-z_]+):", text, re.M)
    assert keys == [name for name in form if name in keys]


def test_enum_options_are_labelled_from_the_descriptions():
    events = by_name(by_name(collection("cluster")["fields"])["events"]["fields"])
    assert {"label": "certified 认定", "value": "certified"} in events["type"]["options"]
    assert {"label": "national 国家级（工信部）", "value": "national"} in by_name(collection("notice")["fields"])[
        "level"
    ]["options"]


def test_a_schema_change_reaches_the_form():
    changed = load_schemas(SCHEMAS_DIR)
    changed.schemas["clusters"]["fields"].append(
        {"name": "employees", "title": "企业数量", "type": "integer", "constraints": {"minimum": 1}}
    )
    fields = by_name(decap_config(changed, RECORD_TYPES, None, DISTRICTS)["collections"][0]["fields"])
    assert fields["employees"] == {
        "name": "employees",
        "label": "企业数量",
        "widget": "number",
        "value_type": "int",
        "min": 1,
        "required": False,
    }


def patterns() -> list[str]:
    found = set()
    for kind in COLLECTION_KINDS:
        record_type = RECORD_TYPE[kind]
        for resource in (record_type.resource, *record_type.children.values()):
            found |= {
                s["constraints"]["pattern"]
                for s in SCHEMA_SET.schemas[resource]["fields"]
                if "pattern" in s.get("constraints", {})
            }
    return sorted(found)


SAMPLES = [
    "",
    "a",
    "abc-def",
    "abc-",
    "-abc",
    "ABC",
    "440112",
    "4401123",
    "2023",
    "2023-01",
    "2023-01-05",
    "2023-1",
    "17:30",
    "00:00",
    "24:00",
    "09:05",
    "https://example.org/a?b=1",
    "http://x",
    "ftp://x",
    "https://a b",
    "020-12345678",
    "(020) 1234 5678",
    "abc\n",
    "\n440112",
]


def test_decap_patterns_accept_exactly_what_the_schemas_accept():
    """Decap runs each pattern with JavaScript's RegExp.test; Frictionless matches the whole value."""
    node = shutil.which("node")
    assert node, "Node.js is needed to check the patterns as Decap (JavaScript) runs them"
    cases = [(f"^(?:{p})$", s) for p in patterns() for s in SAMPLES]
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(cases.map(([p, s]) => new RegExp(p).test(s))));"
    )
    result = subprocess.run([node, "-e", script], input=json.dumps(cases), capture_output=True, text=True, check=True)
    javascript = json.loads(result.stdout)
    python = [re.fullmatch(p, s) is not None for p in patterns() for s in SAMPLES]
    mismatches = [case for case, js, py in zip(cases, javascript, python, strict=True) if js != py]
    assert not mismatches


def test_admin_page_is_not_indexed_and_loads_only_local_files():
    tags = Page(ADMIN_DIR / "index.html").tags
    robots = [a for t, a in tags if t == "meta" and a.get("name") == "robots"]
    assert robots and "noindex" in robots[0]["content"]
    sources = [a.get("src") or a.get("href") for t, a in tags if t in ("script", "link", "img", "iframe")]
    assert "decap-cms.js" in sources and "config.yml" in sources
    for source in sources:
        assert not re.match(r"^(https?:)?//", source), source
        assert (ADMIN_DIR / source).is_file(), source


def test_vendored_decap_bundle_is_the_npm_release_with_only_its_foreign_hosts_renamed():
    bundle = ADMIN_DIR / "decap-cms.js"
    content = bundle.read_bytes()
    assert len(content) < 10 * 1024 * 1024
    assert hashlib.sha256(content).hexdigest() == DECAP_SHA256_SHIPPED
    original = content
    for host, (renamed, count) in DECAP_RENAMED_HOSTS.items():
        assert len(renamed) == len(host) and renamed.endswith(".invalid")
        assert content.count(renamed.encode()) == count and host.encode() not in content, host
        original = original.replace(renamed.encode(), host.encode())
    assert hashlib.sha256(original).hexdigest() == DECAP_SHA256  # the npm release, byte for byte
    assert f'console.log("decap-cms {DECAP_VERSION}")'.encode() in content
    assert (ADMIN_DIR / "decap-cms.js.LICENSE.txt").is_file()


def test_a_github_repository_without_a_login_service_of_its_own_is_warned():
    """Without editor.base_url Decap would send staff to its default login service abroad."""
    from generator.load.rules import check_editor_settings

    def located(name: str) -> tuple[str, int, int]:
        return ("site.yaml", 1, 1)

    def codes(values: dict[str, str]) -> list[str]:
        return [p.code for p in check_editor_settings(values, located)]

    assert codes({"editor_backend": "github", "editor_repo": "gxj/gz-clusters"}) == ["editor-github-login-abroad"]
    assert codes({"editor_repo": "gxj/gz-clusters", "editor_base_url": "https://auth.example.gov.cn"}) == []
    assert codes({"editor_backend": "github"}) == []  # not configured yet: the placeholder repository
