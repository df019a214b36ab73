"""`clusters new`: skeletons that validate, carry today's date where it belongs, never overwrite."""

import datetime as dt

from conftest import make_data_dir, run_cli

from generator.load.dataset import load_dataset


def invoke(*args):
    """`clusters ARGS` in this process; an exception in the command fails the test (run_cli)."""
    result = run_cli(*args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_new_notice_is_valid_and_dated_today(tmp_path):
    data = make_data_dir(tmp_path)
    result = invoke(
        "new",
        "notice",
        "test-2026-list",
        "--title",
        "【测试数据】拟认定名单公示",
        "--issuer",
        "测试局",
        "--url",
        "https://example.org/notices/test-2026-list",
        "--phone",
        "020-00000000",
        "--data",
        data,
        "--today",
        "2026-11-27",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (data / "notices" / "test-2026-list.yaml").read_text(encoding="utf-8")
    assert "published_on: 2026-11-27" in text and "# 如何提出异议" in text
    loaded = load_dataset(data, today=dt.date(2026, 11, 27))
    assert loaded.ok, [p.format() for p in loaded.problems]
    notice = loaded.dataset.notices["test-2026-list"]
    assert notice.working_days is None and notice.objection.channels is None  # nothing pre-filled
    assert "channels: 书面" not in text


def test_new_cluster_is_valid_with_the_values_given(tmp_path):
    data = make_data_dir(tmp_path)
    result = invoke(
        "new",
        "cluster",
        "test-new",
        "--name",
        '【测试数据】带"引号"的: 名称',
        "--district",
        "440115",
        "--industry",
        "测试",
        "--source",
        "https://example.org/s",
        "--date",
        "2026-11-20",
        "--data",
        data,
        "--today",
        "2026-11-28",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = load_dataset(data, today=dt.date(2026, 11, 28))
    assert loaded.ok, [p.format() for p in loaded.problems]
    cluster = loaded.dataset.clusters["test-new"]
    assert cluster.name == '【测试数据】带"引号"的: 名称' and str(cluster.events[0].date) == "2026-11-20"


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    data = make_data_dir(tmp_path)
    target = data / "clusters" / "test-municipal-alpha.yaml"
    before = target.read_bytes()
    result = invoke(
        "new",
        "cluster",
        "test-municipal-alpha",
        "--name",
        "x",
        "--district",
        "440112",
        "--industry",
        "x",
        "--source",
        "https://example.org/s",
        "--data",
        data,
    )
    assert result.returncode == 1 and "不会覆盖" in result.stderr, result.stdout + result.stderr
    assert target.read_bytes() == before
    result = invoke("new", "notice", "Bad/Id", "--title", "x", "--issuer", "x", "--data", data)
    assert result.returncode == 2 and "不能作为 id" in result.stderr, result.stdout + result.stderr


def test_new_municipal_notice_without_source_and_contact_says_what_to_fill(tmp_path):
    data = make_data_dir(tmp_path)
    result = invoke(
        "new",
        "notice",
        "test-2026-bare",
        "--title",
        "【测试数据】拟认定名单公示",
        "--issuer",
        "测试局",
        "--data",
        data,
        "--today",
        "2026-11-27",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[notice-source-missing]" in result.stdout and "[notice-contact-missing]" in result.stdout
    assert (data / "notices" / "test-2026-bare.yaml").is_file()  # written, for staff to complete
