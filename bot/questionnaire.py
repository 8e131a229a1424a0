"""The audit as data: load, validate and version a questionnaire YAML file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

DEFAULT_QUESTIONNAIRE = "audit-2018.yaml"

_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MAX_ITEM_ID = 40
"""Item ids travel in button data, which Telegram caps at 64 bytes."""
_SCALARS = yaml.constructor.SafeConstructor()
ANSWERED = "answered"
"""A `flag_when` value for free-text items: flag any answer other than "nothing to add"."""


class Kind(StrEnum):
    TICK = "tick"
    TEXT = "text"
    DESCRIBE = "describe"
    STATEMENT = "statement"

    @property
    def choices(self) -> tuple[str, ...]:
        """Values a button can record; free-text kinds record what was typed."""
        return _CHOICES[self]

    @property
    def is_free_text(self) -> bool:
        return not self.choices


_CHOICES: dict[Kind, tuple[str, ...]] = {
    Kind.TICK: ("yes", "no"),
    Kind.STATEMENT: ("true", "differs"),
    Kind.TEXT: (),
    Kind.DESCRIBE: (),
}


_BOOLEAN_CHOICE: dict[tuple[Kind, bool], str] = {
    (Kind.TICK, True): "yes",
    (Kind.TICK, False): "no",
    (Kind.STATEMENT, True): "true",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def __setattr__(self, name: str, value: Any) -> None:
        # `frozen` guards fields only; pydantic lets a cached_property (version, items)
        # be overwritten, so refuse every other name here.
        if name not in type(self).model_fields:
            raise AttributeError(f"{type(self).__name__} is immutable; cannot set '{name}'")
        super().__setattr__(name, value)


class Item(_Frozen):
    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ITEM_ID)
    kind: Kind
    text: str = Field(min_length=1)
    original_text: str | None = None
    flag_when: tuple[str, ...] = ()
    """Answers the LA summary lists as points to look at (a choice, or "answered")."""

    @field_validator("flag_when", mode="before")
    @classmethod
    def _known_answers(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is None or not isinstance(value, list | tuple):
            return value
        allowed = kind.choices or (ANSWERED,)
        # YAML reads an unquoted yes/no/true as a boolean: map it back to the choice meant.
        value = [_BOOLEAN_CHOICE.get((kind, v), v) if isinstance(v, bool) else v for v in value]
        for wanted in value:
            if wanted not in allowed:
                raise ValueError(
                    f"'{wanted}' is not an answer to a {kind.value} question"
                    f" (use one of: {', '.join(allowed)})"
                )
        return value

    @cached_property
    def content_hash(self) -> str:
        """What the question asks (its kind and wording): the same in two questionnaire
        versions means last round's answer still answers it. Not part of the version."""
        return hashlib.sha256(f"{self.kind.value}\n{self.text}".encode()).hexdigest()[:12]

    def flags(self, value: str | None) -> bool:
        """Whether this stored value is one the LA asked to have pointed out."""
        if value is None:
            return False
        if self.kind.is_free_text:
            return ANSWERED in self.flag_when and value.strip() != ""
        return value in self.flag_when


class Section(_Frozen):
    id: str = Field(pattern=_ID_PATTERN)
    heading: str = Field(min_length=1)
    original_heading: str | None = None
    instructions: str | None = None
    column: str | None = None
    items: tuple[Item, ...] = Field(min_length=1)


class Severity(StrEnum):
    """How urgent an action is for the LA; labels are in strings.yaml."""

    RED = "red"
    AMBER = "amber"


NOTHING = "nothing"
"""An `answers` value of an action rule for free-text items: "nothing to add"."""


class ActionRule(_Frozen):
    """Answers that need follow-up by the LA, with how urgent and what to do.

    A rule covers `questions` and the questions of `sections` (every question if neither);
    it matches an answer given in `answers` (a choice; for free text, "answered" or
    "nothing") and a note or written answer containing one of `note_contains`; a rule with
    both needs both.
    """

    id: str = Field(pattern=_ID_PATTERN, max_length=MAX_ITEM_ID)
    questions: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    note_contains: tuple[str, ...] = ()
    severity: Severity
    action: str = Field(min_length=1)

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted yes/no/true as a boolean: map it back to the choice meant.
        if not isinstance(value, list | tuple):
            return value
        named = {True: "yes", False: "no"}
        return [named[v] if isinstance(v, bool) else v for v in value]

    @field_validator("note_contains")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not word.strip() for word in value):
            raise ValueError("a word to look for must not be empty")
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> ActionRule:
        if not self.answers and not self.note_contains:
            raise ValueError("a rule needs 'answers', 'note_contains' or both")
        return self


class Questionnaire(_Frozen):
    title: str = Field(min_length=1)
    organisation: str | None = None
    edition: str | None = None
    sections: tuple[Section, ...] = Field(min_length=1)
    actions: tuple[ActionRule, ...] = ()
    """Answers the LA follows up (the summary's Actions list)."""
    attestation: str | None = Field(default=None, min_length=1, max_length=1000)
    """What the person signing off a submission confirms; None: the wording in
    templates/strings.yaml (`signoff.attestation`)."""

    @cached_property
    def version(self) -> str:
        """Content hash: formatting and comments in the file do not change it."""
        data = self.model_dump(mode="json")
        if not data["actions"]:
            del data["actions"]  # a file without rules keeps the version it always had
        if data["attestation"] is None:
            del data["attestation"]  # likewise a file without its own attestation
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {item.id: n for n, item in enumerate(self.items)}

    @cached_property
    def _section_of(self) -> tuple[int, ...]:
        return tuple(n for n, section in enumerate(self.sections) for _ in section.items)

    def position(self, item_id: str) -> int | None:
        return self._index.get(item_id)

    def item(self, item_id: str) -> Item:
        return self.items[self._index[item_id]]

    def section_number(self, position: int) -> int:
        """1-based number of the section holding the item at `position`."""
        return self._section_of[position] + 1

    def starts_section(self, position: int) -> bool:
        return position == 0 or self._section_of[position] != self._section_of[position - 1]

    def walk(self) -> Iterator[tuple[Section, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item


class QuestionnaireError(ValueError):
    """A questionnaire file is invalid; the message names the file, the line and the problem."""


def load_questionnaire(path: Path | None = None) -> tuple[Questionnaire, str]:
    """Load and validate a questionnaire; returns it with its source text."""
    if path is None:
        bundled = resources.files("questionnaires").joinpath(DEFAULT_QUESTIONNAIRE)
        source = bundled.read_text("utf-8")
        return parse_questionnaire(source, DEFAULT_QUESTIONNAIRE), source
    try:
        source = path.read_text("utf-8")
    except OSError as exc:
        raise QuestionnaireError(f"{path}: cannot be read ({exc.strerror}).") from exc
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(f"{path}: is not a UTF-8 text file.") from exc
    return parse_questionnaire(source, str(path)), source


def parse_questionnaire(source: str, filename: str = "<questionnaire>") -> Questionnaire:
    lines: dict[tuple[Any, ...], int] = {}
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = None if node is None else _to_python(node, (), lines)
    except _DuplicateKey as exc:
        raise QuestionnaireError(
            f"{filename}, line {exc.line}: '{exc.key}' is given twice in the same entry."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise QuestionnaireError(f"{filename}, {where}: {problem}.") from exc
    if node is None:
        raise QuestionnaireError(f"{filename}: the file is empty.")

    def line_of(loc: tuple[Any, ...]) -> int:
        while loc not in lines:
            loc = loc[:-1]
        return lines[loc]

    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        field = ".".join(str(part) for part in loc) or "top level"
        raise QuestionnaireError(
            f"{filename}, line {line_of(loc)}: {field}: {_describe(error)}."
        ) from None

    seen: dict[str, int] = {}
    for s, section in enumerate(questionnaire.sections):
        ids = [(("sections", s, "id"), section.id)] + [
            (("sections", s, "items", i, "id"), item.id) for i, item in enumerate(section.items)
        ]
        for loc, ident in ids:
            if ident in seen:
                raise QuestionnaireError(
                    f"{filename}, line {line_of(loc)}: id '{ident}' is used twice "
                    f"(first on line {seen[ident]})."
                )
            seen[ident] = line_of(loc)
    problem = _action_rule_problem(questionnaire)
    if problem is not None:
        loc, message = problem
        raise QuestionnaireError(f"{filename}, line {line_of(loc)}: {message}.")
    return questionnaire


def _action_rule_problem(questionnaire: Questionnaire) -> tuple[tuple[Any, ...], str] | None:
    """The first action rule that names what is not there, as (where, what is wrong)."""
    sections = {section.id: section for section in questionnaire.sections}
    rule_ids: set[str] = set()
    for r, rule in enumerate(questionnaire.actions):
        at = ("actions", r)
        if rule.id in rule_ids:
            return (*at, "id"), f"actions: rule id '{rule.id}' is used twice"
        rule_ids.add(rule.id)
        for n, ident in enumerate(rule.questions):
            if questionnaire.position(ident) is None:
                return (*at, "questions", n), f"actions.{r}: there is no question '{ident}'"
        for n, ident in enumerate(rule.sections):
            if ident not in sections:
                return (*at, "sections", n), f"actions.{r}: there is no section '{ident}'"
        covered = rule_items(questionnaire, rule)
        for n, wanted in enumerate(rule.answers):
            if not any(wanted in answers_of(item.kind) for item in covered):
                allowed = sorted({a for item in covered for a in answers_of(item.kind)})
                # YAML reads an unquoted true as a boolean, which stands for "yes"
                quote = '; put "true" in quotes' if wanted == "yes" and "true" in allowed else ""
                return (*at, "answers", n), (
                    f"actions.{r}: '{wanted}' is not an answer to the questions this rule"
                    f" covers (use one of: {', '.join(allowed)}{quote})"
                )
    return None


def answers_of(kind: Kind) -> tuple[str, ...]:
    """What an action rule's `answers` may name for a question of this kind."""
    return kind.choices or (ANSWERED, NOTHING)


def rule_items(questionnaire: Questionnaire, rule: ActionRule) -> tuple[Item, ...]:
    """The questions a rule covers, in questionnaire order."""
    if not rule.questions and not rule.sections:
        return questionnaire.items
    return tuple(
        item
        for section, item in questionnaire.walk()
        if item.id in rule.questions or section.id in rule.sections
    )


def _describe(error: Any) -> str:
    if error["type"] == "enum" and error["loc"][-1] == "severity":
        allowed = ", ".join(severity.value for severity in Severity)
        return f"unknown severity '{error['input']}' (use one of: {allowed})"
    if error["type"] == "enum":
        allowed = ", ".join(kind.value for kind in Kind)
        return f"unknown kind '{error['input']}' (use one of: {allowed})"
    if error["type"] == "missing":
        return "is missing"
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    if error["type"] == "string_pattern_mismatch":
        return "ids use lower-case letters, digits, '.', '_' and '-'"
    if error["type"] == "string_too_short":
        return "must not be empty"
    if error["type"] == "string_too_long":
        return f"is longer than {error['ctx']['max_length']} characters"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return str(error["msg"]).rstrip(".").lower()


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line


def _to_python(node: yaml.Node, loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    """Build plain data from a YAML node tree, noting the line of every value."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in result:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            result[key] = _to_python(value_node, (*loc, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(child, (*loc, n), lines) for n, child in enumerate(node.value)]
    return _SCALARS.construct_object(node)
