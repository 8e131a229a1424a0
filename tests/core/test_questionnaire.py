"""The bundled questionnaire against the 2018 paper form, versioning and validation errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.questionnaire import (
    Kind,
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    parse_questionnaire,
)

# The paper form the YAML transcribes, kept beside it so the comparison needs nothing else.
FORM = Path(__file__).resolve().parents[2] / "questionnaires" / "sources" / "audit-2018-form.txt"
COPY_PASTE_SLIP = (
    "Are there any other organisations that you share information on individual students with"
)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _form_sections() -> dict[int, tuple[str, list[str]]]:
    """Section number -> (heading line, item rows in order) from the paper form's text."""
    text = FORM.read_text("utf-8")
    parts = re.split(r"(?m)^(\d)\.\s+", text)
    sections: dict[int, tuple[str, list[str]]] = {}
    for n in range(1, len(parts), 2):
        lines = [line.strip() for line in parts[n + 1].splitlines()]
        heading, rest = lines[0], lines[1:]
        first_blank = rest.index("")  # column headers come before the first blank line
        rows = [_norm(line) for line in rest[first_blank:] if line]
        sections[int(parts[n])] = (_norm(heading), rows)
    return sections


# -- the bundled audit ------------------------------------------------------------------

EXPECTED_KINDS: dict[str, list[Kind]] = {
    "s1": [Kind.TICK] * 11 + [Kind.TEXT],
    "s2": [Kind.TICK] * 5 + [Kind.TEXT],
    "s3": [Kind.TICK] * 4 + [Kind.TEXT],
    "s4": [Kind.TICK] * 4 + [Kind.TEXT],
    "s5": [Kind.TICK] * 6 + [Kind.TEXT],
    "s6": [Kind.DESCRIBE] * 4 + [Kind.TEXT],
    "s7": [Kind.STATEMENT] * 3 + [Kind.TEXT],
}


def test_bundled_audit_has_seven_sections_and_44_items(questionnaire: Questionnaire) -> None:
    assert [s.id for s in questionnaire.sections] == list(EXPECTED_KINDS)
    assert len(questionnaire.items) == 44
    assert sum(len(kinds) for kinds in EXPECTED_KINDS.values()) == 44


@pytest.mark.parametrize("section_id", list(EXPECTED_KINDS))
def test_kinds_per_section(questionnaire: Questionnaire, section_id: str) -> None:
    (section,) = [s for s in questionnaire.sections if s.id == section_id]
    assert [item.kind for item in section.items] == EXPECTED_KINDS[section_id]
    assert section.items[-1].id == f"{section_id}.other"
    assert all(item.id.startswith(f"{section_id}.") for item in section.items)


def test_ids_are_unique(questionnaire: Questionnaire) -> None:
    ids = [s.id for s in questionnaire.sections] + [i.id for i in questionnaire.items]
    assert len(ids) == len(set(ids)) == 51


def test_title_and_edition(questionnaire: Questionnaire) -> None:
    assert questionnaire.title == "Audit of information held by partnerships"
    assert questionnaire.edition == "September 2018"
    assert questionnaire.organisation == (
        "Leicestershire Secondary Education and Inclusion Partnerships"
    )


def test_every_row_of_the_paper_form_is_an_item_in_order(questionnaire: Questionnaire) -> None:
    form = _form_sections()
    assert sorted(form) == [1, 2, 3, 4, 5, 6, 7]
    for number, section in enumerate(questionnaire.sections, start=1):
        _, rows = form[number]
        ours = [_norm(item.original_text or item.text) for item in section.items]
        assert ours == rows, f"section {number}"


def test_every_item_text_appears_in_the_form(questionnaire: Questionnaire) -> None:
    whole = _norm(FORM.read_text("utf-8"))
    for item in questionnaire.items:
        original = item.original_text or item.text
        assert _norm(original) in whole, item.id


def test_section_headings_match_the_form(questionnaire: Questionnaire) -> None:
    form = _form_sections()
    for number, section in enumerate(questionnaire.sections, start=1):
        heading, _ = form[number]
        original = _norm(section.original_heading or section.heading)
        assert heading.startswith(original) or heading.endswith(original), section.id


def test_new_wording_only_where_the_original_is_kept(questionnaire: Questionnaire) -> None:
    """original_text is there only when the wording changed, and differs from it."""
    for item in questionnaire.items:
        if item.original_text is not None:
            assert _norm(item.original_text) != _norm(item.text), item.id


@pytest.mark.parametrize(
    ("item_id", "new_wording"),
    [
        (
            "s3.other",
            "Are there any other organisations that you share aggregated information with?",
        ),
        (
            "s4.other",
            "Are there any other organisations that you collect information on individual "
            "students from?",
        ),
    ],
)
def test_copy_paste_slip_is_kept_as_original_text(
    questionnaire: Questionnaire, item_id: str, new_wording: str
) -> None:
    item = questionnaire.item(item_id)
    assert item.original_text == COPY_PASTE_SLIP
    assert item.text == new_wording
    # Section 2's question really is worded that way, which is where the slip came from.
    assert questionnaire.item("s2.other").original_text == COPY_PASTE_SLIP


def test_lookup_helpers(questionnaire: Questionnaire) -> None:
    assert questionnaire.position("s1.address") == 0
    assert questionnaire.position("s7.other") == 43
    assert questionnaire.position("nope") is None
    assert questionnaire.item("s6.register").kind is Kind.DESCRIBE
    assert questionnaire.section_number(0) == 1
    assert questionnaire.section_number(12) == 2
    assert questionnaire.section_number(43) == 7
    starts = [n for n in range(44) if questionnaire.starts_section(n)]
    assert starts == [0, 12, 18, 23, 28, 35, 40]
    assert [item.id for _, item in questionnaire.walk()] == [i.id for i in questionnaire.items]


def test_kind_choices() -> None:
    assert Kind.TICK.choices == ("yes", "no")
    assert Kind.STATEMENT.choices == ("true", "differs")
    assert Kind.TEXT.is_free_text and Kind.DESCRIBE.is_free_text
    assert not Kind.TICK.is_free_text and not Kind.STATEMENT.is_free_text


def test_flags(questionnaire: Questionnaire) -> None:
    statement = questionnaire.item("s7.paper_seven_years")
    assert statement.flags("differs") and not statement.flags("true")
    assert not statement.flags(None)
    other = questionnaire.item("s2.other")
    assert other.flags("Police") and not other.flags("") and not other.flags("  ")
    assert not questionnaire.item("s1.other").flags("anything")


def test_load_from_path_returns_source(tmp_path: Path) -> None:
    bundled, source = load_questionnaire()
    path = tmp_path / "q.yaml"
    path.write_text(source, "utf-8")
    loaded, loaded_source = load_questionnaire(path)
    assert loaded_source == source
    assert loaded == bundled
    assert loaded.version == bundled.version


def test_unreadable_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(QuestionnaireError, match=r"missing\.yaml: cannot be read"):
        load_questionnaire(missing)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(QuestionnaireError, match=r"binary\.yaml: is not a UTF-8 text file"):
        load_questionnaire(binary)


# -- version ---------------------------------------------------------------------------


def _source() -> str:
    return load_questionnaire()[1]


def test_version_is_a_short_hash(questionnaire: Questionnaire) -> None:
    assert re.fullmatch(r"[0-9a-f]{12}", questionnaire.version)


def test_version_survives_reformatting_and_comments(questionnaire: Questionnaire) -> None:
    data = yaml.safe_load(_source())
    reformatted = "# a different layout of the same questionnaire\n" + yaml.safe_dump(
        data, sort_keys=True, default_flow_style=False, allow_unicode=False, width=40
    )
    assert reformatted != _source()
    again = parse_questionnaire(reformatted, "reformatted.yaml")
    assert again == questionnaire
    assert again.version == questionnaire.version

    flow_style = yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10_000)
    assert parse_questionnaire(flow_style).version == questionnaire.version


def test_version_ignores_surrounding_whitespace_in_texts(questionnaire: Questionnaire) -> None:
    data = yaml.safe_load(_source())
    data["sections"][0]["items"][0]["text"] = "  Address  "
    assert parse_questionnaire(yaml.safe_dump(data)).version == questionnaire.version


def test_version_changes_when_a_text_changes(questionnaire: Questionnaire) -> None:
    data = yaml.safe_load(_source())
    data["sections"][0]["items"][0]["text"] = "Postal address"
    changed = parse_questionnaire(yaml.safe_dump(data))
    assert changed.version != questionnaire.version
    assert changed.item("s1.address").text == "Postal address"


def test_version_changes_when_an_original_text_changes(questionnaire: Questionnaire) -> None:
    data = yaml.safe_load(_source())
    data["sections"][2]["items"][-1]["original_text"] = "Something else"
    assert parse_questionnaire(yaml.safe_dump(data)).version != questionnaire.version


def test_an_attestation_is_optional_and_changes_the_version_only_when_given(
    questionnaire: Questionnaire,
) -> None:
    """The sign-off wording: a file without it keeps its version (rounds already opened
    with it stay matched); one with it is a different questionnaire."""
    assert questionnaire.attestation is None
    data = yaml.safe_load(_source())
    data["attestation"] = "We confirm these answers on behalf of the partnership."
    worded = parse_questionnaire(yaml.safe_dump(data))
    assert worded.attestation == "We confirm these answers on behalf of the partnership."
    assert worded.version != questionnaire.version
    # the version this file had before questionnaires could have an attestation
    assert parse_questionnaire(VALID).version == "f32f03caa987"
    data["attestation"] = ""
    with pytest.raises(QuestionnaireError):
        parse_questionnaire(yaml.safe_dump(data))


# -- invalid files ---------------------------------------------------------------------

VALID = """\
title: Test audit
sections:
  - id: s1
    heading: First
    items:
      - {id: s1.a, kind: tick, text: A}
      - id: s1.b
        kind: text
        text: B?
"""


def test_minimal_file_is_valid() -> None:
    q = parse_questionnaire(VALID, "small.yaml")
    assert [i.id for i in q.items] == ["s1.a", "s1.b"]


def _error(source: str, filename: str = "bad.yaml") -> str:
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(source, filename)
    return str(info.value)


def test_unknown_kind_names_file_and_line() -> None:
    source = VALID.replace("kind: text", "kind: essay")
    message = _error(source)
    assert message.startswith("bad.yaml, line 8:")
    assert "unknown kind 'essay'" in message
    assert "tick, text, describe, statement" in message


def test_unknown_kind_in_flow_mapping() -> None:
    message = _error(VALID.replace("kind: tick", "kind: ticks"))
    assert message.startswith("bad.yaml, line 6:")
    assert "ticks" in message


def test_duplicate_id_names_both_lines() -> None:
    source = VALID.replace("id: s1.b", "id: s1.a")
    message = _error(source)
    assert message.startswith("bad.yaml, line 7:")
    assert "'s1.a' is used twice" in message
    assert "first on line 6" in message


def test_duplicate_id_across_sections() -> None:
    source = VALID + (
        "  - id: s2\n    heading: Second\n    items:\n      - {id: s1.b, kind: tick, text: C}\n"
    )
    message = _error(source)
    assert message.startswith("bad.yaml, line 13:")
    assert "first on line 7" in message


def test_section_id_clashing_with_an_item_id() -> None:
    source = (
        VALID
        + "  - id: s1.a\n    heading: Second\n    items:\n      - {id: x, kind: tick, text: C}\n"
    )
    message = _error(source)
    assert message.startswith("bad.yaml, line 10:")
    assert "'s1.a' is used twice" in message


def test_missing_text_names_the_item_line() -> None:
    source = VALID.replace("        text: B?\n", "")
    message = _error(source)
    assert message.startswith("bad.yaml, line 7:")
    assert "items.1.text" in message and "is missing" in message


def test_empty_text() -> None:
    message = _error(VALID.replace("text: A}", "text: '   '}"))
    assert message.startswith("bad.yaml, line 6:")
    assert "must not be empty" in message


def test_bad_yaml_syntax_names_the_line() -> None:
    source = VALID.replace("    heading: First\n", "    heading: First\n   bad: [indent\n")
    message = _error(source)
    assert message.startswith("bad.yaml, line 5:")


def test_unclosed_flow_mapping() -> None:
    source = VALID.replace("text: A}", "text: A")
    message = _error(source)
    assert message.startswith("bad.yaml, line ")
    line = int(re.match(r"bad\.yaml, line (\d+):", message).group(1))  # type: ignore[union-attr]
    assert 5 <= line <= 7


def test_unknown_yaml_tag_is_a_questionnaire_error() -> None:
    message = _error(VALID.replace("kind: text", "kind: !essay text"))
    assert message.startswith("bad.yaml, line 8:")


@pytest.mark.parametrize("source", ["", "\n\n", "# only a comment\n"])
def test_empty_file(source: str) -> None:
    assert _error(source, "empty.yaml") == "empty.yaml: the file is empty."


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("- just\n- a list\n", 1),
        ("# comment\n\njust a string\n", 3),
        ("42\n", 1),
    ],
)
def test_wrong_top_level_type(source: str, line: int) -> None:
    message = _error(source)
    assert message.startswith(f"bad.yaml, line {line}: top level:")


def test_sections_must_be_a_list() -> None:
    message = _error("title: T\nsections:\n  s1: nope\n")
    assert message.startswith("bad.yaml, line 3: sections:")


def test_unknown_field_names_its_line() -> None:
    source = VALID.replace("        text: B?\n", "        text: B?\n        colour: red\n")
    message = _error(source)
    assert message.startswith("bad.yaml, line 10:")
    assert "colour" in message and "is not a known field" in message


def test_unknown_top_level_field() -> None:
    message = _error("year: 2018\n" + VALID)
    assert message.startswith("bad.yaml, line 1: year: is not a known field")


def test_bad_id_pattern() -> None:
    message = _error(VALID.replace("id: s1.b", "id: S1 B"))
    assert message.startswith("bad.yaml, line 7:")
    assert "ids use lower-case letters" in message


def test_item_ids_fit_in_button_data() -> None:
    longest = "s1." + "x" * 37
    assert parse_questionnaire(VALID.replace("id: s1.b", f"id: {longest}")).items[1].id == longest
    message = _error(VALID.replace("id: s1.b", f"id: {longest}x"))
    assert message == "bad.yaml, line 7: sections.0.items.1.id: is longer than 40 characters."


def test_flag_when_must_be_an_answer_of_the_kind() -> None:
    source = VALID.replace(
        "{id: s1.a, kind: tick, text: A}", "{id: s1.a, kind: tick, text: A, flag_when: [differs]}"
    )
    message = _error(source)
    assert message.startswith("bad.yaml, line 6:")
    assert "'differs' is not an answer to a tick question" in message


def test_no_items() -> None:
    source = "title: T\nsections:\n  - id: s1\n    heading: H\n    items: []\n"
    message = _error(source)
    assert message.startswith("bad.yaml, line 5:")


# -- immutability ----------------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["title", "sections", "edition"])
def test_questionnaire_fields_cannot_be_assigned(
    questionnaire: Questionnaire, attribute: str
) -> None:
    before = getattr(questionnaire, attribute)
    with pytest.raises(ValidationError):
        setattr(questionnaire, attribute, "changed")
    assert getattr(questionnaire, attribute) == before


@pytest.mark.parametrize("attribute", ["version", "items"])
def test_derived_attributes_cannot_be_assigned(
    questionnaire: Questionnaire, attribute: str
) -> None:
    before = getattr(questionnaire, attribute)
    with pytest.raises((ValidationError, AttributeError)):
        setattr(questionnaire, attribute, "changed")
    assert getattr(questionnaire, attribute) == before


def test_nested_objects_are_immutable(questionnaire: Questionnaire) -> None:
    item = questionnaire.items[0]
    section = questionnaire.sections[0]
    with pytest.raises(ValidationError):
        item.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        section.heading = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        section.items.append(item)  # type: ignore[attr-defined]
    assert isinstance(section.items, tuple) and isinstance(questionnaire.sections, tuple)
    assert item.text == "Address"


def test_questionnaires_are_hashable_values() -> None:
    a = parse_questionnaire(VALID)
    b = parse_questionnaire(VALID)
    assert a == b
    assert hash(a) == hash(b)
    data: dict[str, Any] = yaml.safe_load(VALID)
    data["title"] = "Other"
    assert parse_questionnaire(yaml.safe_dump(data)) != a


def test_a_key_given_twice_names_its_line() -> None:
    source = (
        "title: T\nsections:\n  - id: a\n    heading: H\n    items:\n"
        "      - id: a.x\n        kind: tick\n        text: One\n        text: Two\n"
    )
    with pytest.raises(QuestionnaireError, match=r"f\.yaml, line 9: 'text' is given twice"):
        parse_questionnaire(source, "f.yaml")
