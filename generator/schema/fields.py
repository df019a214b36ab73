"""One Table Schema field, read once: its name, title, type, constraints and their Chinese wording.

Every translator of a field — the validation messages (load.tables), the editors' JSON Schema and
Decap form (editor/), the open-data page's field table (publish.pages) — reads a `Field`, so a type
or a constraint is worded in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.schema.kinds import ANCHOR_KEY, CLAUSE_REFS, RECORD_ID

TYPE_NAMES = {
    "integer": "整数（只写数字，如 7）",
    "number": "数字（只写数字，如 12.5，不带单位）",
    "date": "日期（格式 YYYY-MM-DD，且须是真实存在的日期）",
    "boolean": "是/否值（只能写 true 或 false）",
    "string": "文本",
    "array": "列表",
    "datetime": "日期时间（ISO 8601，带时区）",
}
PATTERN_EXPECTATIONS = {
    "[0-9]{6}": "应为 6 位数字",
    "4401[0-9]{2}": "应为广州市辖区的 6 位区划代码（以 4401 开头）",
    RECORD_ID.pattern: "只能使用小写英文字母、数字和连字符，且不能以连字符开头或结尾、不能连续使用连字符",
    ANCHOR_KEY.pattern: "只能使用小写英文字母、数字、连字符和下划线，例如 status-valid 或 status-in_publicity",
    CLAUSE_REFS.pattern: "应写作“政策标识 条款编号”，多项用逗号和空格分隔，例如 guangzhou-2024 3.3.2, guangzhou-2024 4.1",
    "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?": "应为日期 YYYY-MM-DD，或只写到月（YYYY-MM）、只写到年（YYYY）",
    'https?://[^\\s<>"]+': "应为以 http:// 或 https:// 开头的完整网址",
    "https?://\\S+": "应为以 http:// 或 https:// 开头的完整网址",
    "(?!00:00)([01][0-9]|2[0-3]):[0-5][0-9]": "应为 24 小时制时刻 HH:MM（晚于 00:00），例如 17:30",
    "[0-9()（）+ -]{5,30}": "应为电话号码，只能包含数字、括号、加号、空格和连字符",
    "[a-z]+": "只能使用小写英文字母",
    "[0-9A-Za-z]{6,20}": "应为 6 到 20 位字母或数字",
    "[0-9A-Za-z_.-]+/[0-9A-Za-z_.-]+": "应写成“所有者/仓库名”，只能使用英文字母、数字、下划线、点和连字符",
    "[0-9A-Za-z_.-]+(/[0-9A-Za-z_.-]+)*": "应为分支名：英文字母、数字、下划线、点和连字符，可用 / 分层",
    "[0-9A-Za-z_-]{1,100}": "应为 OAuth 应用的客户端 ID：英文字母、数字、下划线和连字符",
    "[0-9]+(\\.[0-9]+)*": "应为条款编号，例如 3.2.2",
    "[a-z_]+(\\.[a-z_]+)?": "应为记录中的字段名，按 YAML 中的写法，例如 title 或 objection.phone",
    RECORD_ID.pattern
    + "\\.(pdf|docx|xlsx|ofd|jpg|jpeg|png)": "应为 data/attachments/ 中的文件名：小写英文字母、数字和连字符，"
    "扩展名为 pdf、docx、xlsx、ofd、jpg、jpeg 或 png",
}
EMAIL_EXPECTATION = "应为电子邮箱地址"
BOUND_WORDS = {
    "minimum": "不小于 {}",
    "maximum": "不大于 {}",
    "minLength": "长度不少于 {} 个字符",
    "maxLength": "长度不超过 {} 个字符",
}


def pattern_expectation(pattern: str) -> str:
    """What a value matching `pattern` looks like, in Chinese."""
    return PATTERN_EXPECTATIONS.get(pattern, f"应符合格式 {pattern}")


@dataclass(frozen=True)
class Field:
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def title(self) -> str:
        return str(self.spec.get("title", self.name))

    @property
    def description(self) -> str:
        return str(self.spec.get("description", ""))

    @property
    def type(self) -> str:
        return str(self.spec.get("type", "string"))

    @property
    def constraints(self) -> Mapping[str, Any]:
        found: Mapping[str, Any] = self.spec.get("constraints", {})
        return found

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def pattern(self) -> str | None:
        found = self.constraints.get("pattern")
        return str(found) if found is not None else None

    @property
    def enum(self) -> list[Any] | None:
        found = self.constraints.get("enum")
        return list(found) if found is not None else None

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type)

    @property
    def type_expectation(self) -> str:
        return "应为" + self.type_name

    @property
    def expectation(self) -> str:
        """What a valid value looks like: its pattern's wording, an e-mail address, or its type."""
        if self.pattern is not None:
            return pattern_expectation(self.pattern)
        if self.spec.get("format") == "email":
            return EMAIL_EXPECTATION
        return self.type_expectation

    def bound(self, constraint: str, value: Any = None) -> str:
        """A limit in words: bound("maxLength") -> 长度不超过 200 个字符."""
        limit = self.constraints.get(constraint) if value is None else value
        return BOUND_WORDS.get(constraint, "{}").format(limit)

    @property
    def requirements(self) -> list[str]:
        """Every constraint in words, for a field table: 必填/可空, 唯一, choices, limits, format."""
        parts = ["必填" if self.required else "可空"]
        if self.constraints.get("unique"):
            parts.append("唯一")
        if self.enum is not None:
            parts.append("可选值：" + "、".join(map(str, self.enum)))
        parts += [self.bound(name) for name in BOUND_WORDS if name in self.constraints and name != "minLength"]
        if self.pattern is not None:
            parts.append(pattern_expectation(self.pattern))
        return parts


def fields(specs: list[dict[str, Any]]) -> list[Field]:
    return [Field(spec) for spec in specs]
