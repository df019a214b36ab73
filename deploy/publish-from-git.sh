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
#   LIVE_SITE_URL                线上网站的地址：新版本接续它的发布记录（clusters build --releases）；
#                                不设置时接续上一次在本机生成的 site/（见 deploy/README.md 的“发布记录与签名”）
#   CLUSTERS_RELEASE_SIGNING_KEY 发布清单签名私钥文件的路径；不设置时发布清单注明未签名
# 由 systemd 启动时（每 15 分钟一次，设置了 STATE_DIRECTORY），只在需要时生成并部署：main 分支有新的提交、
# 北京时间进入新的一天（页面写明“状态按哪一天计算”），或刚过去的一刻钟内有公开状态变化（如公示在 17:30 截止，
# 由 clusters next-change --within 15 判断，与 .github/workflows/publish.yml 相同）；否则什么也不做、正常结束。
# 上一次成功发布的提交和日期记在 $STATE_DIRECTORY/last-publish；删除这个文件即可强制下一次运行重新发布。
# 手工运行（没有 STATE_DIRECTORY）时总是生成并部署。
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
    # The build environment as locked (every package pinned with its hashes), then the project itself.
    .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
    .venv/bin/python -m pip install --quiet --no-deps -e .

    # Run by the timer (systemd sets STATE_DIRECTORY): publish only when something would change.
    local record="" published=""
    if [[ -n "${STATE_DIRECTORY:-}" ]]; then
        record="${STATE_DIRECTORY%%:*}/last-publish"
        published="$(git rev-parse HEAD 2> /dev/null || echo unknown) $(TZ=Asia/Shanghai date +%F)"
        if [[ -f "$record" && "$(cat -- "$record")" == "$published" ]]; then
            # Same commit, same day: only a state changing in the quarter just ended needs a build. The
            # quarter is the clock rounded down in Asia/Shanghai, as the workflow's `due` job takes it.
            local quarter status=0
            quarter=$(TZ=Asia/Shanghai date -d "@$(( $(date +%s) / 900 * 900 ))" +%Y-%m-%dT%H:%M)
            .venv/bin/clusters next-change --within 15 --at "$quarter" || status=$?
            case "$status" in
                0) echo "${quarter}（北京时间）之前 15 分钟内公开状态有变化：重新生成并部署。" ;;
                1) echo "没有新的提交，日期未变，最近 15 分钟内公开状态也没有变化：不重新生成。"; return 0 ;;
                *) exit "$status" ;;
            esac
        fi
    fi

    # Without --today the status day is today in Asia/Shanghai, whatever the host's time zone.
    .venv/bin/clusters validate
    # The new release extends the live chain of releases: the live site by its address, else the
    # last build made here (which the last successful run deployed).
    local releases=()
    if [[ -n "${LIVE_SITE_URL:-}" ]]; then
        releases=(--releases "$LIVE_SITE_URL")
    elif [[ -f site/release.json ]]; then
        releases=(--releases site)
    fi
    .venv/bin/clusters build --site-dir site "${releases[@]}"
    .venv/bin/clusters deploy --config "$config" --site-dir site
    if [[ -n "$record" ]]; then
        printf '%s\n' "$published" > "$record"
    fi
}

# Everything runs from main(): bash reads a script as it goes, and this one lives in a checkout that
# `git reset` may rewrite; a function is read whole before it starts.
main "$@"
