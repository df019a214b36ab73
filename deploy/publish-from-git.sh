#!/usr/bin/env bash
# 广州市市级中小企业特色产业集群网站：在构建主机上校验记录、生成网站并部署到全部服务器。
# 由 systemd/gz-clusters-publish.service 在专用检出目录（/srv/gz-clusters-build）更新到 main 分支之后运行，
# 也可以在该目录中以 gz-clusters 用户手工运行：sudo -u gz-clusters deploy/publish-from-git.sh
# 步骤与 .github/workflows/publish.yml 相同：clusters validate → clusters build → clusters deploy。
# 任何一步失败都会停止，并以非零退出码结束（journalctl 中可见原因）；部署失败时线上网站保持原样。
# 可在 /etc/gz-clusters/deploy.env 中设置：
#   CLUSTERS_DEPLOY_SSH_KEY      部署私钥文件的路径（必填）
#   CLUSTERS_DEPLOY_KNOWN_HOSTS  各服务器主机公钥（known_hosts）文件的路径（必填）
#   DEPLOY_CONFIG                服务器清单，默认为检出目录中的 deploy/servers.yaml
#   PYTHON                       创建虚拟环境所用的 Python（3.11 或更高），默认为 python3
#
# The virtual environment lives in the checkout (.venv, ignored by git and kept by the service's
# `git clean`); the project is reinstalled on every run, since main may have changed its dependencies.

set -euo pipefail

main() {
    local checkout
    checkout="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
    cd -- "$checkout"

    local config="${DEPLOY_CONFIG:-deploy/servers.yaml}"
    if [[ -z "${CLUSTERS_DEPLOY_SSH_KEY:-}" || -z "${CLUSTERS_DEPLOY_KNOWN_HOSTS:-}" ]]; then
        echo "没有设置 CLUSTERS_DEPLOY_SSH_KEY 或 CLUSTERS_DEPLOY_KNOWN_HOSTS（写在 /etc/gz-clusters/deploy.env，见 deploy/README.md）。" >&2
        exit 2
    fi
    if [[ ! -f "$config" ]]; then
        echo "找不到服务器清单 ${config}（参照 deploy/servers.example.yaml 编写，见 deploy/README.md）。" >&2
        exit 2
    fi

    echo "检出目录：${checkout}，提交 $(git rev-parse --short=12 HEAD 2> /dev/null || echo 未知)"

    if [[ ! -x .venv/bin/python ]]; then
        "${PYTHON:-python3}" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet -e .

    # Without --today the status day is today in Asia/Shanghai, whatever the host's time zone.
    .venv/bin/clusters validate
    .venv/bin/clusters build --site-dir site
    .venv/bin/clusters deploy --config "$config" --site-dir site
}

# Everything runs from main(): bash reads a script as it goes, and this one lives in a checkout that
# `git reset` may rewrite; a function is read whole before it starts.
main "$@"
