"""Problems as data: every code the validator can report, with its Chinese text.

A problem names a file, a line and a column, carries a stable kebab-case code (which fixes its
severity) and the values its message names (its parameters), never the message itself: the Chinese
text is made from the registry's template only where a problem is shown (the terminal line, the
JSON and SARIF documents of `clusters validate --format`, the build's log). The registry below is
the single source of the codes: the CLI prints from it, the SARIF lists it as rules and the staff
guide lists it, so they never drift.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

Param = str | int  # a value a message names: an int stays a number (sizes, counts, years), the rest text


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # nothing wrong: something the build will do on a later day


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: Severity
    template: str  # Chinese message, str.format() placeholders (names only, no format specs)
    description: str  # Chinese explanation for the staff guide: what it means, how to fix it
    group: str
    params: frozenset[str] = field(init=False)  # the placeholders' names: what a problem of this code carries

    def __post_init__(self) -> None:
        names = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(self.template)]
        if any(
            not (name and name.isidentifier()) or spec or conversion
            for name, spec, conversion in names
            if name is not None
        ):
            raise ValueError(
                f"{self.code}: a template names its values by name only, without a format: {self.template}"
            )
        object.__setattr__(self, "params", frozenset(name for name, _, _ in names if name is not None))

    def message(self, params: Mapping[str, Param]) -> str:
        """The Chinese text of a problem of this code with these values."""
        return self.template.format_map(params)

    def summary(self) -> str:
        """The template with each value left out (…): the rule's short description in SARIF."""
        return self.template.format_map(dict.fromkeys(self.params, "…"))


def _types(group: str, severity: Severity, *rows: tuple[str, str, str]) -> dict[str, ProblemType]:
    return {code: ProblemType(code, severity, template, description, group) for code, template, description in rows}


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

CODES: dict[str, ProblemType] = {
    **_types(
        "文件",
        E,
        (
            "file-too-large",
            "文件大小为 {size} 字节，超过上限 {limit} 字节",
            "单个记录文件不应超过 256 KiB。过大的文件通常是误放的附件或重复粘贴的内容。",
        ),
        (
            "file-encoding",
            "文件不是有效的 UTF-8 编码（无法解码的字节 {byte}）",
            "记录文件必须以 UTF-8 编码保存。请在编辑器中选择“UTF-8”重新保存（不要使用 GBK/GB2312）。",
        ),
        ("file-empty", "文件为空或只有注释，没有任何记录", "记录文件不能为空。如果要删除一条记录，请删除整个文件。"),
        ("file-unreadable", "无法读取文件：{detail}", "文件存在但无法读取（权限或文件系统问题）。"),
        (
            "file-name",
            "文件名 “{name}” 不符合要求：只能使用小写英文字母、数字和连字符，扩展名为 .yaml",
            "记录文件名即记录标识（id），只能由小写字母、数字和单个连字符组成，例如 huangpu-smart-equipment.yaml。",
        ),
        ("file-missing", "缺少必需的文件 {name}", "data/ 下必须有这个文件，网站才能生成。"),
        (
            "file-symlink",
            "这是符号链接，不会读取它指向的内容",
            "data/ 和 site_src/ 中只能放普通文件和文件夹。符号链接可能把仓库之外的文件带进网站，因此一律拒绝；"
            "请把文件本身复制进来并提交。",
        ),
        (
            "file-not-regular",
            "这不是普通文件或文件夹（例如命名管道、设备文件），不会读取",
            "data/ 和 site_src/ 中只能放普通文件和文件夹。",
        ),
    ),
    **_types(
        "文件",
        W,
        (
            "file-untracked",
            "git 没有跟踪这个文件：它不会进入合并后的网站",
            "网站由仓库中已提交的文件生成。请用 git add 把它加入提交，或者删除它；如果它本不该在这里，请移走。",
        ),
        (
            "file-unexpected",
            "不认识的文件，已忽略：记录文件应放在规定目录并以 .yaml 结尾",
            "data/ 中只应有规定目录下的 .yaml 记录文件。其他文件不会被读取，请确认是否放错位置或扩展名写成了 .yml。",
        ),
    ),
    **_types(
        "YAML 语法",
        E,
        (
            "yaml-syntax",
            "YAML 语法错误：{detail}",
            "文件不是合法的 YAML。常见原因：冒号后缺少空格、缩进不一致、引号未闭合。请对照错误位置检查。",
        ),
        (
            "yaml-tab",
            "使用了制表符（Tab）。YAML 只能用空格缩进",
            "YAML 不允许用 Tab 缩进。请把该行开头的 Tab 替换为空格（建议每级两个空格）。",
        ),
        (
            "yaml-control-character",
            "文件包含不可见的控制字符 {char}",
            "文件中有 NUL 或其他不可打印的控制字符，通常来自复制粘贴。请删除该字符。",
        ),
        (
            "yaml-duplicate-key",
            "字段 “{key}” 重复出现（第一次出现在第 {first_line} 行）",
            "同一层级中同一字段只能写一次，否则后一个值会悄悄覆盖前一个。请删除或合并重复的字段。",
        ),
        (
            "yaml-alias",
            "不允许使用 YAML 锚点和别名（& 与 *）",
            "记录文件不需要锚点和别名；禁止它们可以防止“别名炸弹”。请把内容直接写出来。",
        ),
        ("yaml-merge-key", "不允许使用合并键 <<", "记录文件不使用 YAML 合并键，请把字段直接写出来。"),
        ("yaml-tag", "不允许使用 YAML 标签 {tag}", "请去掉以 ! 开头的标签；字段的类型由数据模式决定。"),
        (
            "yaml-multiple-documents",
            "一个文件只能包含一条记录（发现多个 YAML 文档分隔符 ---）",
            "每个文件只放一条记录。请把多余的文档拆分到单独的文件中。",
        ),
        (
            "yaml-not-mapping",
            "文件顶层必须是“字段: 值”的映射，而不是{kind}",
            "记录文件的顶层应当是字段映射（例如 id: …、name: …），不能是列表或单个值。",
        ),
        ("yaml-complex-key", "字段名必须是简单文本", "字段名不能是列表、映射或空值。"),
        ("yaml-too-deep", "嵌套层级超过 {limit} 层", "记录的嵌套层级过深，通常是缩进错误造成的。"),
    ),
    **_types(
        "字段结构",
        E,
        (
            "unknown-key",
            "未知字段 “{key}”{hint}",
            "数据模式中没有这个字段，通常是拼写错误。未知字段不会被忽略，以免信息悄悄丢失。",
        ),
        (
            "expected-scalar",
            "字段 “{key}” 应为单个值，而不是{kind}",
            "该字段只能填写一个值（文本、数字或日期），不能是列表或映射。",
        ),
        (
            "expected-list",
            "字段 “{key}” 应为列表（每项以 - 开头），而不是{kind}",
            "该字段是列表，每一项另起一行并以“- ”开头。",
        ),
        ("expected-mapping", "{what}应为“字段: 值”的映射，而不是{kind}", "该位置应当是若干“字段: 值”组成的映射。"),
    ),
    **_types(
        "数据模式",
        E,
        ("required", "缺少必填字段 “{field}”（{title}）", "数据模式规定该字段必须填写。"),
        (
            "invalid-type",
            "“{title}”（{field}）的值 “{value}” 不是有效的{type_name}",
            "字段的值与数据模式规定的类型不符，例如日期应写成 2024-07-10，数字不能带单位，是/否应写成 true/false。",
        ),
        (
            "invalid-format",
            "“{title}”（{field}）的值 “{value}” 格式不正确：{expectation}",
            "字段的值不符合规定的格式（例如区划代码必须是 6 位数字，id 只能用小写字母、数字和连字符）。",
        ),
        (
            "invalid-choice",
            "“{title}”（{field}）的值 “{value}” 不在允许范围内，可选：{choices}",
            "该字段只能取数据模式列出的值之一。",
        ),
        (
            "out-of-range",
            "“{title}”（{field}）的值 “{value}” 超出允许范围（{bound}）",
            "数值或长度超出数据模式规定的范围，例如公示期的工作日数或文字长度。",
        ),
        (
            "duplicate-id",
            "“{title}”（{field}）的值 “{value}” 重复，已在 {other} 使用",
            "标识必须唯一。请检查是否复制文件后忘记修改 id。",
        ),
        (
            "unknown-reference",
            "“{title}”（{field}）引用的 “{value}” 不存在：{target}中没有这一项",
            "引用的记录不存在，例如区划代码不是广州市的 11 个区之一，或公示名单中的集群 id 没有对应的集群文件。",
        ),
    ),
    **_types(
        "业务规则",
        E,
        ("id-mismatch", "id “{id}” 与文件名 “{stem}” 不一致", "记录的 id 必须与文件名（不含 .yaml）完全相同。"),
        (
            "invalid-date",
            "“{field}” 的值 “{value}” 不是存在的日期",
            "日期必须真实存在（例如没有 2 月 30 日）。日期可以只写到年（2023）或月（2023-01），但不能写出来源没有的日。",
        ),
        (
            "event-field-missing",
            "“{type_name}”事件必须填写 “{field}”（{title}）",
            "不同类型的事件需要不同的字段：认定需要级别和来源，撤销需要理由条款，年度报告需要所属年度。",
        ),
        (
            "event-field-not-allowed",
            "“{type_name}”事件不使用字段 “{field}”（{title}）",
            "该字段对这种事件没有意义，通常是放错了位置。",
        ),
        (
            "events-out-of-order",
            "事件应按日期先后排列：本事件日期 {date} 早于上一事件日期 {previous}",
            "events 列表按时间顺序记录集群经历的事情，请把事件按日期从早到晚排列。",
        ),
        (
            "no-recognition",
            "集群没有任何认定记录（type: certified）",
            "data/clusters 中的每个集群都必须至少有一条认定事件；尚未认定的候选集群只出现在公示名单中。",
        ),
        ("revoked-twice", "集群已在第 {first_line} 行被撤销，不能再次撤销", "一个集群只能被撤销一次。"),
        (
            "event-after-revocation",
            "撤销（第 {revoked_line} 行）之后不应再有“{type_name}”事件",
            "撤销后的集群保留在名单中并标注撤销，但不再发生复核、变更或年度报告。重新获得认定应记录为新的认定事件。",
        ),
        (
            "event-before-programme",
            "{level_name}认定日期 {date} 早于该级别政策的施行时间（{since}）",
            "各级认定始于其政策施行之时（data/policy/ 中各文件的施行日期与文号）。早于这一时间的认定日期一定有误。",
        ),
        (
            "renewal-without-recognition",
            "复核通过之前没有{level_name}认定记录",
            "复核（指引 4.1）只能延长已有认定的有效期，请先记录对应级别的认定事件。",
        ),
        ("validity-order", "有效期起始 {valid_from} 晚于截止 {valid_until}", "来源载明的有效期起止顺序颠倒。"),
        (
            "entry-needs-reference",
            "名单条目必须填写 cluster（已有集群的 id）或 name（候选集群名称）",
            "公示名单中的每一项要么引用 data/clusters 中的集群，要么写明尚未建档的候选集群名称。",
        ),
        (
            "outcome-before-window",
            "正式名单发布日期 {date} 不晚于公示期最后一天 {last_day}",
            "公示期到最后一天 24:00（或公示载明的更早截止时刻）才结束（本站做法），正式名单只能在此之后发布。",
        ),
        (
            "objections-upheld-exceed",
            "异议成立件数 {upheld} 多于收到的异议件数 {received}",
            "成立的异议不可能多于收到的异议。",
        ),
        (
            "calendar-not-covered",
            "{what} {date} 落在尚未收录节假日安排的年份（{years}），无法计算公示期",
            "公示期按工作日计算，需要当年国务院节假日安排（data/calendar/<年份>.yaml）。12 月 24 日以后的日期还需要"
            "下一年的安排，因为元旦放假和调休可能落在上一年年底。请先补充该年份的文件；本工具不会按普通周末猜测。",
        ),
        (
            "notice-ends-early",
            "公示载明的截止日 {ends_on} 早于按 {working_days} 个工作日计算的最后一天 {last_day}",
            "公示期不得少于规定的工作日数（市级公示见工作指引 3.3.2）。少一天，公示就可能被质疑无效。",
        ),
        (
            "district-contact-without-source",
            "{district}的主管部门联系方式没有注明来源（bureau_source）",
            "区主管部门的名称、地址、电话、办公时间或网站，只能照录有来源的内容；请在 bureau_source 写明载明这些信息的网页，"
            "找不到来源的请留空，网站显示为“未载明”。",
        ),
        (
            "correction-field-unknown",
            "勘误记录的字段 “{field}” 不是{what}记录中的字段",
            "field 按 YAML 中的写法填写被更正的字段，例如 title、published_on、objection.phone、outcome.final_doc_no；更正公示名单写 entries；"
            "申报通知的申报材料、联系人、附件分别写 materials、contacts、attachments。",
        ),
        (
            "correction-before-publication",
            "勘误日期 {date} 早于{what}发布日期 {published_on}",
            "勘误是对已发布公示或申报通知的更正，日期不能早于其发布之日。",
        ),
        (
            "published-notice-changed",
            "已发布公示的“{title}”（{field}）由 “{old}” 改为 “{new}”，但没有对应的勘误记录",
            "公示发布后，记录中载明的内容只能通过勘误更正：在该公示的 corrections 下增加一项，写明日期（date）、字段（field）、"
            "原值（old）、新值（new）和原因（reason）。拉取请求检查（clusters validate --against）会逐项核对。",
        ),
        (
            "published-call-changed",
            "已发布申报通知的“{title}”（{field}）由 “{old}” 改为 “{new}”，但没有对应的勘误记录",
            "申报通知发布后，记录中载明的内容只能通过勘误更正：在该通知的 corrections 下增加一项，写明日期（date）、字段（field）、"
            "原值（old）、新值（new）和原因（reason）。拉取请求检查（clusters validate --against）会逐项核对。",
        ),
        (
            "published-call-removed",
            "已发布的申报通知 {call} 被删除",
            "已发布的申报通知是公开记录的一部分，不能删除；内容有误的请用勘误（corrections）更正。",
        ),
        (
            "call-source-missing",
            "市级申报通知没有原文网址（url）",
            "市级申报通知由市工业和信息化局自己发布，记录必须写明原文网址，申报单位才能核对原文；国家级、省级通知未知时可以留空。",
        ),
        (
            "call-contact-missing",
            "市级申报通知没有写明咨询联系方式（至少一位联系人的电话、电子邮箱或地址）",
            "市级申报通知必须让申报单位知道向谁咨询：在 contacts 下照录通知原文的联系人及其电话（phone）、电子邮箱（email）"
            "或地址（address）。国家级、省级通知未知时可以留空，网站显示为“未载明”。",
        ),
        (
            "call-deadline-before-opening",
            "申报截止日 {deadline} 早于申报开始日 {opens}",
            "申报截止日不能早于申报开始日（没有写开始日时为发布日期）。请照原文核对两个日期。",
        ),
        (
            "published-notice-removed",
            "已发布的公示 {notice} 被删除",
            "已发布的公示是公开记录的一部分，不能删除；内容有误的请用勘误（corrections）更正。",
        ),
        (
            "correction-log-rewritten",
            "勘误记录中已有的条目被修改或删除",
            "勘误记录只能追加：已有的条目（包括顺序）必须保持不变，新的更正写在末尾。",
        ),
        (
            "notice-source-missing",
            "市级公示没有原文网址（url）",
            "市级公示由市工业和信息化局自己发布，记录必须写明原文网址，公众才能核对；国家级、省级公示未知时可以留空。",
        ),
        (
            "notice-contact-missing",
            "市级公示没有写明异议受理的联系方式（电话、地址或电子邮箱至少一项）",
            "市级公示必须让公众知道向谁、怎样提出异议：在 objection 下照录公示原文中的电话（phone）、地址（address）"
            "或电子邮箱（email）。国家级、省级公示未知时可以留空，网站显示为“未载明”。",
        ),
        (
            "notice-starts-before-publication",
            "公示开始日 {starts_on} 早于发布日期 {published_on}",
            "公示期不能在公示发布之前开始。",
        ),
        (
            "renewal-too-early",
            "复核通过日期 {date} 早于有效期届满前 {days} 天（有效期至 {valid_until}）",
            "复核在有效期满后进行（指引 4.1）；早于“即将到期”期限（本站做法，见“本站做法与状态说明”页）的复核记录通常是日期或级别填错了。",
        ),
        (
            "report-before-certification",
            "年度报告所属年度 {year} 早于首次认定的年份 {certified}",
            "年度报告填报的是认定以后各年度的情况（指引 4.2），不能早于认定年份。",
        ),
        (
            "makeup-day-not-weekend",
            "调休上班日 {date} 是星期{weekday}，调休上班日只会是周六或周日",
            "国务院通知中的“上班”调休日都是周末；工作日本来就上班，不需要列出。请核对通知原文。",
        ),
        ("holiday-span-order", "放假开始日 {start} 晚于结束日 {end}", "放假时间段应先写开始日、后写结束日（含）。"),
        (
            "calendar-date-outside-year",
            "日期 {date} 不在 {year} 年安排可能涉及的范围内（{earliest} 至 {latest}）",
            "某年的节假日安排只涉及该年及前一年的 12 月 24 日以后（例如 2023 年元旦假期从 2022-12-31 开始）：放假时段的"
            "结束日必须在该年内，开始日和调休上班日最早是前一年的 12 月 24 日。日期超出这个范围，通常是复制上一年的文件后"
            "没有改年份，请核对通知原文。",
        ),
        (
            "makeup-day-in-holiday",
            "调休上班日 {date} 落在 {span_path} 第 {span_line} 行的放假时段“{name}”（{start} 至 {end}）之内",
            "同一天不能既放假又上班。国务院通知中的调休上班日都在放假时段之外；请核对通知原文，更正上班日期或放假起止日期。"
            "放假时段可能写在另一年的文件中（例如 2023 年元旦假期从 2022-12-31 开始，写在 2023.yaml）。",
        ),
        (
            "holiday-spans-overlap",
            "放假时段“{name}”（{start} 至 {end}）与 {other_path} 第 {other_line} 行的“{other}”（{other_start} 至 {other_end}）重叠",
            "国务院通知中的各个放假时段互不重叠，同一个假期也只写一次。请核对通知原文：通常是起止日期写错，"
            "或同一个假期写了两遍（也可能一个写在上一年的文件中）。",
        ),
        (
            "calendar-title-year",
            "通知标题 “{title}” 写的是 {named} 年，而本文件是 {year} 年的安排",
            "通知标题照录国务院办公厅通知的标题，例如“国务院办公厅关于2026年部分节假日安排的通知”，其中的年份就是文件名的年份。"
            "复制上一年的文件新增下一年时，请同时更新标题（以及文号、发布日期、网址和全部日期）。",
        ),
        (
            "verified-without-official-source",
            "名称写了 verified: true，但没有一个来源标明 official: true（发文机关原文）",
            "只有核对过发文机关自己的网页或文件，才能把名称标为已核实；来源是转载页面或新闻报道时写 verified: false，"
            "网站会显示“名称未核实”并照录来源的写法。",
        ),
        (
            "site-address-invalid",
            "网站地址应为 http:// 或 https:// 开头、带主机名的网址，不能含用户名或密码",
            "base_url 会被拆成协议、主机和路径后重新拼出，用于网站的绝对链接、订阅源和日历；无法这样拆分的地址不能使用。",
        ),
        (
            "editor-gitea-incomplete",
            "记录编辑后台使用 Gitea/Forgejo，但没有填写 editor 中的 {fields}",
            "Gitea/Forgejo 的编辑后台要知道代码仓库（repo）、服务器的 API 地址（api_root，如 https://服务器/api/v1）"
            "和登录用的 OAuth2 应用客户端 ID（app_id），缺一项都无法登录。见编辑指南“记录编辑后台”一节。",
        ),
        (
            "policy-missing",
            "data/policy/ 中没有市级政策文件（工作指引）",
            "网站的有效期、公示期、年度报告、认定条件等规则都取自 data/policy/ 中的政策数据；至少需要一份 level: municipal 的文件。",
        ),
        (
            "practice-statement-missing",
            "网站页面要用的说法 {key} 不在 statements 列表中",
            "页面按标识引用 data/practice.yaml 中的说法；删去或改名一条页面要用的说法，网站就无法生成。请恢复这一条，"
            "或只修改它的文字。",
        ),
        (
            "practice-section-unknown",
            "说法 {key} 所在的节 {section} 不在 sections 列表中",
            "statements 中每一条的 section 须是 sections 中某一节的 key：本站做法页面按节列出每一条说法。",
        ),
        (
            "practice-reading-without-clause",
            "说法 {key} 是本站读法（reading），但没有写所读的条款（reads）",
            "本站读法是对某一条款的理解，须在 reads 中写明所读的条款，例如 “guangzhou-2024 3.3.2”；"
            "与条款无关的办法写作 kind: practice。",
        ),
        (
            "practice-clause-unknown",
            "说法 {key} 所读的条款 {clause}（{policy}）不在政策数据中",
            "reads 中的每一项须是 data/policy/ 中某一政策文件的标识和它 clauses 或 revocation_grounds 中的条款编号。",
        ),
        (
            "practice-placeholder-unknown",
            "说法 {key} 中的占位 {placeholder} 无法识别",
            "可用的占位：{quote:引文} {words:引文} {clause:引文}（引文是市级工作指引 excerpts 的 key，或 validity、publicity、"
            "annual-report、target、in-force），{see:说法或节的标识|文字}，{page:页面.md#锚点|文字}，{value:名称}，"
            "{status:状态} 等。",
        ),
        (
            "policy-clause-missing",
            "引用的条款 {clause} 不在本文件的 clauses 列表中",
            "政策数据中每个数值都要注明条款，并在 clauses 中照录该条款原文，网站据此逐字引用。",
        ),
        (
            "policy-words-not-in-clause",
            "“{words}”没有逐字出现在条款 {clause} 的原文中",
            "words 必须是条款原文中的原话（去掉排版空格），网站把它作为引文显示。请对照原文更正。",
        ),
        (
            "criterion-words-kind",
            "认定条件 {key}：是／否项（kind: yesno）必须写 words，量化指标（kind: threshold）不写 words",
            "criteria 中的是／否项在 words 中照录条款原话；量化指标的数值、比较用语和原话只写在 thresholds 中，"
            "criteria 里只写它的标识（key），不重复，以免两处不一致。",
        ),
        (
            "criterion-threshold-unknown",
            "认定条件 {key} 写作量化指标，但本文件的 thresholds 中没有条款 {clause} 的指标 {key}",
            "kind: threshold 的条件用 key 指向 thresholds 中同一条款的指标；请更正 key 或 clause，或在 thresholds 中补上该指标。",
        ),
        (
            "criterion-threshold-unlisted",
            "量化指标 {key} 没有列入 criteria",
            "列出 criteria 时，认定条件页和自检表只显示其中的条件：thresholds 中的每个指标都要在 criteria 中"
            "按条款原文的顺序写一项（kind: threshold，key 为指标标识）。",
        ),
        (
            "criterion-key-duplicate",
            "认定条件标识 {key} 重复",
            "criteria 中每一项的 key 都不同：网站和自检表用它找到这一项。",
        ),
        (
            "policy-stated-rule-incomplete",
            "{batch} 年度批次的{rule_name}规则{what}",
            "stated_rules 中每条规则照录一份文件对一个批次载明的内容：有效期（validity）写年数 years，或写 valid_until"
            "（可加 valid_from）；年度报告（annual_report）写截止月份 due_month。同一批次的同一种规则只写一条。",
        ),
        (
            "revocation-ground-unknown",
            "撤销理由 {reason} 不是撤销当日施行的市级指引所列情形（可选：{grounds}）",
            "撤销理由写撤销情形的条款编号，须是撤销当日施行的市级指引（data/policy/）所列的撤销情形之一。",
        ),
        (
            "notice-working-days-unknown",
            "公示没有写明公示期的工作日数，{level_name}政策数据也没有规定，无法计算公示期",
            "市级公示的工作日数由工作指引规定（见 data/policy/），其他级别的公示请照录公示原文写明的工作日数（working_days）。",
        ),
    ),
    **_types(
        "业务规则",
        W,
        (
            "editor-github-login-abroad",
            "记录编辑后台使用 GitHub，但没有填写登录服务的地址（editor.base_url）",
            "GitHub 的登录需要一个保存客户端密钥的登录服务；不填 base_url 时，Decap CMS 会打开它在境外的默认登录服务，"
            "从境内可能无法访问，登录信息也会经过第三方。请在局里部署兼容 Decap CMS 的登录服务，把地址写入 editor.base_url，"
            "或改用自建的 Gitea/Forgejo（见编辑指南“记录编辑后台”）。",
        ),
        (
            "editor-gitea-branch-main",
            "记录编辑后台使用 Gitea/Forgejo，每次保存都会直接提交到 main 分支，不经过拉取请求",
            "Decap CMS 的 Gitea 后端没有“编辑工作流”：保存即提交到 editor.branch。请把 branch 设为专用分支（如 edits），"
            "由审核人员从它向 main 发起拉取请求，自动检查通过后再合并。",
        ),
        (
            "area-outside-criterion",
            "占地面积 {area} {unit}不符合{short} {clause}“{words}”",
            "这是市级集群申报单位须具备的条件（认定条件页），不是数据错误：记录照录来源载明的面积。"
            "请核对来源；国家级、省级集群不适用这一条件。",
        ),
        (
            "recognition-date-unknown",
            "认定日期未载明：来源没有给出日期，有效期将无法计算",
            "来源没有写明认定日期时，日期留空并会在网站上显示为“未载明”。找到正式文件后请补上日期与文号。",
        ),
        (
            "calendar-not-covered-stated-end",
            "{what} {date} 涉及尚未收录节假日安排的年份（{years}）：按公示载明的截止日 {ends_on} 发布，尚未与官方日历核对",
            "公示载明了自己的截止日（ends_on）时，即使缺少相关年份的国务院节假日安排也照常发布，页面会说明公示期"
            "尚未与官方日历核对；补充 data/calendar/<年份>.yaml 后会自动核对。没有载明截止日的公示仍然无法发布。",
        ),
        (
            "calendar-comment-year",
            "文件开头的注释写的是 {named} 年的通知，而本文件是 {year} 年的安排",
            "节假日安排文件开头的注释说明本文件记录的是哪一年的通知。复制上一年的文件新增下一年时，请把注释中的年份一并改掉，"
            "以免读者误以为这是上一年的安排。注释不影响计算，所以这只是警告。",
        ),
    ),
    **_types(
        "定时发布",
        N,
        (
            "event-in-future",
            "事件日期 {date} 晚于今天（{today}）：将于 {date} 生效，届时每日重建会发布",
            "事件在其日期当天才出现在网站上（每日北京时间 00:05 重建）。可以提前合并已确定的结果；"
            "按更早日期生成的网站不会显示它。",
        ),
        (
            "call-scheduled",
            "申报通知发布日期 {date} 晚于今天（{today}）：将于 {date} 发布，届时每日重建会发布",
            "发布日期在今天之后的申报通知不会出现在网站、订阅源和日历中，直到发布日当天的每日重建。可以提前合并通知记录。",
        ),
        (
            "notice-scheduled",
            "公示发布日期 {date} 晚于今天（{today}）：将于 {date} 发布，届时每日重建会发布",
            "发布日期在今天之后的公示不会出现在网站、开放数据、订阅源和日历中，直到发布日当天的每日重建"
            "（北京时间 00:05）。可以提前合并公示记录。",
        ),
    ),
    **_types(
        "附件",
        E,
        (
            "attachment-missing",
            "引用的附件 “{name}” 不存在：{folder}/ 中没有这个文件",
            "记录引用的附件文件必须放在 data/attachments/ 中，文件名（含扩展名）与记录中的写法完全相同。"
            "请补上文件，或更正记录中的文件名。",
        ),
        (
            "attachment-type-mismatch",
            "附件 “{name}” 的内容与扩展名 .{extension} 不符：应为{expected}，实际是{actual}",
            "网站按文件的实际内容（文件开头的特征字节）核对类型，而不是只看扩展名：例如把 PDF 改名为 .docx，"
            "或把旧版 .doc 直接改成 .docx，访客都会打不开。请用原软件“另存为”正确的格式（Word 选 .docx，"
            "Excel 选 .xlsx），或把扩展名改成文件真正的类型；损坏的文件请重新导出。",
        ),
        (
            "attachment-markup",
            "附件 “{name}” 是{kind}：网页、SVG 图片、脚本和 XML 文件不能作为附件发布",
            "HTML 网页、SVG 图片、JavaScript 脚本和 XML 文件从本站的网址打开时，其中的脚本会在访客的浏览器中"
            "以本站的名义运行（可以伪造页面内容、读取访客在本站的信息），因此一律拒绝，无论扩展名是什么。"
            "请改为 PDF 文档或 PNG/JPEG 图片后再放入 data/attachments/。",
        ),
        (
            "attachment-too-large",
            "附件 “{name}” 大小为 {size} 字节，超过上限 {limit} 字节（{limit_label}）",
            "单个附件不能超过 20 MiB（20971520 字节）。过大的文件下载慢，也会让仓库迅速膨胀。"
            "请压缩图片、把扫描件以较低分辨率另存为 PDF，或拆分成几个文件。",
        ),
        (
            "attachment-name",
            "附件文件名 “{name}” 不符合要求：只能使用小写英文字母、数字和连字符，扩展名为 {allowed}",
            "附件的文件名就是它在网站上的固定地址，只能由小写字母、数字和单个连字符组成，扩展名只能是"
            " .pdf、.docx、.xlsx、.ofd、.jpg、.jpeg 或 .png（小写），例如 2024-list-draft.pdf。"
            "请重命名文件，并同时修改引用它的记录。",
        ),
        (
            "attachment-unreferenced",
            "附件 “{name}” 没有被任何记录引用：没有记录说明它是什么，不能单独发布",
            "data/attachments/ 中的每个文件都必须由申报通知、公示或结果记录引用，网站才能在相应页面说明它是什么。"
            "请在记录中引用它，或者删除这个文件。",
        ),
        (
            "attachment-not-file",
            "“{name}” 是{kind}：附件只能是直接放在 {folder}/ 中的普通文件",
            "data/attachments/ 中只能直接放附件文件本身，不能建子文件夹，也不能放符号链接等特殊文件。"
            "请把文件移到 data/attachments/ 下（不要嵌套文件夹），并复制文件本身而不是链接。",
        ),
    ),
    # The deployment file (deploy/servers.yaml) of `clusters deploy`, `rollback` and `releases`:
    # written by the bureau's IT staff, not by record editors.
    **_types(
        "部署配置",
        E,
        (
            "deploy-config-absent",
            "找不到部署配置文件",
            "clusters deploy、rollback、releases 需要部署配置文件（默认 deploy/servers.yaml）。"
            "可复制 deploy/servers.example.yaml 后按实际服务器修改，或用 --config 指定文件。",
        ),
        (
            "deploy-config-key",
            "未知的配置项 “{key_name}”（可用的配置项：{allowed}）",
            "部署配置文件只认得列出的配置项；拼错的配置项不会被悄悄忽略，而是报错。",
        ),
        (
            "deploy-config-missing",
            "缺少配置项 “{field}”",
            "每台服务器都需要 name、address，以及 user 和 path（可以写在顶层，对所有服务器生效）。",
        ),
        (
            "deploy-config-value",
            "配置项 “{field}” 的值 “{value}” 不符合要求：应为{hint}",
            "按提示改正这一项。服务器地址、用户名和目录只能使用提示中列出的字符，以免在远程命令中被误解。",
        ),
        (
            "deploy-config-no-hosts",
            "hosts 下没有列出任何服务器",
            "hosts 是服务器列表，至少要有一台，每台写 name（输出中使用的名称）和 address（主机名或 IP）。",
        ),
        (
            "deploy-config-duplicate-host",
            "服务器名称 “{name}” 与第 {first} 台服务器重复",
            "每台服务器的 name 必须不同，部署输出才能说清是哪一台。",
        ),
    ),
    **_types(
        "整理格式",
        E,
        (
            "normalise-needed",
            "文件不是标准格式（第一行的数据模式说明、字段顺序、缩进或引号），值本身没有问题",
            "表单编辑器和手工编辑写出的格式不尽相同。运行 clusters normalise（或不带 --check）按标准格式重写文件："
            "只调整第一行的 yaml-language-server 说明、字段顺序、缩进和引号，不改变任何值，注释保留。",
        ),
        (
            "normalise-not-record",
            "不是记录文件：clusters normalise 只整理 data/ 中的记录（如 clusters/*.yaml、notices/*.yaml、site.yaml）",
            "clusters normalise 按文件所在的文件夹判断记录类型。请只给出 data/ 中的记录文件，或不给文件名以整理全部记录。",
        ),
        (
            "normalise-unsafe",
            "无法在不改变值的情况下整理这个文件，文件保持原样（{detail}）",
            "整理格式前后都会按校验器的读法读取文件，值不同就不写入。请运行 clusters validate 查看文件本身的问题；"
            "如果校验通过，请把这个文件报告给维护者。",
        ),
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing found at a place: the file as staff see it (relative to the working directory), the
    line and column (1-based, columns in characters), the code and the message's values by name.

    Two problems are equal when all of these are (two fields missing at one place are two problems,
    told apart by their values); they sort by place, code and then shown text, as the terminal lists them.
    Build them with `problem()`, which checks the values against the code's template."""

    path: str
    line: int
    col: int
    code: str
    params: tuple[tuple[str, Param], ...] = ()  # by name, sorted; values as the message shows them

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def values(self) -> dict[str, Param]:
        """The message's values by name, e.g. {"field": "name", "title": "集群名称"}."""
        return dict(self.params)

    @property
    def message(self) -> str:
        """The Chinese text, made from the registry's template now (it is not stored)."""
        return CODES[self.code].message(self.values)

    def __lt__(self, other: Problem) -> bool:
        mine, theirs = (self.path, self.line, self.col, self.code), (other.path, other.line, other.col, other.code)
        if mine != theirs:
            return mine < theirs
        return self.message < other.message  # made only for problems of one code at one place

    def format(self) -> str:
        """The terminal line staff read: `path:line:col: severity: message [code]`."""
        return f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message} [{self.code}]"

    def github_annotation(self) -> str:
        kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}[self.severity]
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{kind} file={self.path},line={self.line},col={self.col},title={self.code}::{message}"


def problem(code: str, path: str, line: int, col: int, **params: object) -> Problem:
    """Build a problem from the registry: unknown codes, and values missing from or not named by the
    code's template, are a programming error. A value is kept as the message shows it: an int as it
    is, anything else (a date, a number of another type, a path) as its text."""
    kind = CODES[code]
    if params.keys() != kind.params:
        raise TypeError(f"problem {code} takes the values {sorted(kind.params)}, not {sorted(params)}")
    return Problem(path, line, col, code, tuple(sorted((name, _param(value)) for name, value in params.items())))


def _param(value: object) -> Param:
    if type(value) is int:  # not bool, nor an int subclass that shows itself otherwise
        return value
    return format(value, "")  # exactly what str.format() puts in the message


def summary(problems: list[Problem], files: int) -> str:
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = sum(1 for p in problems if p.severity is Severity.WARNING)
    notes = sum(1 for p in problems if p.severity is Severity.NOTE)
    scheduled = f"，{notes} 项定时发布" if notes else ""
    if errors:
        return f"校验未通过：{files} 个文件，{errors} 个错误，{warnings} 个警告{scheduled}"
    return f"校验通过：{files} 个文件，0 个错误，{warnings} 个警告{scheduled}"


# --- Problems shown to tools: `clusters validate --format json|sarif` ---------------------------------

JSON_FORMAT = (
    "clusters-validate"  # the JSON document's "format"; its "version" changes only when a member changes meaning
)
JSON_VERSION = 1


def problems_document(problems: Iterable[Problem], files: int) -> dict[str, Any]:
    """The JSON document of `clusters validate --format json`, for tools and the form editor: each
    problem with its code, severity, path, line, column, values (params) and Chinese text (message),
    in the order the terminal lists them, and a summary (the counts and the terminal's last line)."""
    listed = list(problems)
    errors, warnings, notes = (sum(1 for p in listed if p.severity is level) for level in Severity)
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "summary": {
            "ok": errors == 0,
            "files": files,
            "errors": errors,
            "warnings": warnings,
            "notes": notes,
            "message": summary(listed, files),
        },
        "problems": [
            {
                "code": p.code,
                "severity": p.severity.value,
                "path": p.path,
                "line": p.line,
                "column": p.col,
                "params": p.values,
                "message": p.message,
            }
            for p in listed
        ],
    }


SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_TOOL = "clusters validate"


def sarif_log(problems: Iterable[Problem]) -> dict[str, Any]:
    """The SARIF 2.1.0 log of `clusters validate --format sarif`, for code scanning: one run whose
    rules are the registry (every code, with its Chinese description) and one result per problem,
    at its file (a URI relative to the working directory), line and column (in characters)."""
    index = {code: at for at, code in enumerate(CODES)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": {"name": SARIF_TOOL, "rules": [_sarif_rule(kind) for kind in CODES.values()]}},
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(p, index[p.code]) for p in problems],
            }
        ],
    }


def _sarif_rule(kind: ProblemType) -> dict[str, Any]:
    return {
        "id": kind.code,
        "shortDescription": {"text": kind.summary()},
        "fullDescription": {"text": kind.description},
        "help": {"text": kind.description},
        "defaultConfiguration": {"level": kind.severity.value},  # error, warning, note: SARIF's own words
        "properties": {"tags": [kind.group]},
    }


def _sarif_result(found: Problem, rule_index: int) -> dict[str, Any]:
    region = {"startLine": found.line} if found.line >= 1 else {}
    if region and found.col >= 1:
        region["startColumn"] = found.col
    location: dict[str, Any] = {"artifactLocation": {"uri": quote(found.path, safe="/")}}
    if region:
        location["region"] = region
    return {
        "ruleId": found.code,
        "ruleIndex": rule_index,
        "level": found.severity.value,
        "message": {"text": found.message},
        "locations": [{"physicalLocation": location}],
        "properties": {"params": found.values},
    }
