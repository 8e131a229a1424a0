"""Reading an email reply into answers: numbered lines ("2 no - only for pupils on roll") and
what the person typed under the questions of the quoted email. Pure and tolerant: whatever it
cannot read for sure is handed back as unreadable, never guessed.

mail-parser-reply finds where the quoted history starts (Outlook "From:/Sent:" blocks,
"On ... wrote:", "-----Original Message-----"), signatures and disclaimers. The history is
still read, because people answer under each question of the quoted email ("inline")."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from mailparser_reply import EmailMessage  # type: ignore[import-untyped]
from mailparser_reply.constants import MAIL_LANGUAGES  # type: ignore[import-untyped]

from bot.flows.state import CARRY, NOTHING_TO_ADD, SAME
from bot.flows.typed import Vocabulary, clean, read_choice
from bot.texts import texts

END_OF_QUESTIONS = "-- end of questions --"
"""The line that ends the list of questions in the bot's emails: nothing after it is an
inline answer. Templates must write exactly this line."""

MAX_BODY = 100_000
"""Characters of a reply that are read. A reply is a few thousand; this bounds the work a
hostile one can cause."""


@dataclass(frozen=True, slots=True)
class QuestionRef:
    number: int
    """Global 1-based question number, as shown in the emails."""
    question_id: str
    kind: str
    """"tick" | "statement" | "text" | "describe"."""
    choices: tuple[str, ...]
    """() for free-text kinds."""
    text: str
    """The item's text as shown in the email."""
    carried: bool = False
    """Last round's answer can be confirmed ("3 same"); for a free-text question only then
    is "same" not its answer."""


class Command(StrEnum):
    START = "start"
    REVIEW = "review"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    LATER = "later"
    NEXT_WEEK = "next_week"


@dataclass(frozen=True, slots=True)
class ReadAnswer:
    number: int
    question_id: str
    value: str | None
    """Choice value, free text or NOTHING_TO_ADD (None, for a note alone, is never read)."""
    note: str | None
    line: str
    """What the person wrote for it, for the confirmation email."""
    still_true: bool = False
    """ "3 same": last round's answer holds (`value` is None; `note` is added to it)."""


@dataclass(frozen=True, slots=True)
class ParsedReply:
    answers: tuple[ReadAnswer, ...]
    """In the order written; a later line for the same number replaces an earlier one."""
    commands: tuple[Command, ...]
    unreadable: tuple[str, ...]
    """The person's own lines that could not be read, as written (stripped)."""
    signer: str | None = None
    """Who signs off, from a "SUBMIT name, role" (or "CONFIRM name, role") line: the text
    after the word, as written."""
    same_sections: tuple[int, ...] = ()
    """Sections whose last-round answers all still hold ("section 2 same")."""


def parse_reply(
    body: str,
    questions: Sequence[QuestionRef],
    vocabulary: Vocabulary,
    nothing_words: Sequence[str],
    keywords: Mapping[Command, Sequence[str]],
    section_words: Sequence[str] = (),
) -> ParsedReply:
    """The answers, commands and unreadable lines of one reply's plain-text body;
    `section_words` name a section in "section 2 same"."""
    reader = _Reader(questions, vocabulary, nothing_words, keywords, section_words)
    lines = _lines(body)
    for start, end, history in _fragments(lines):
        reader.read_fragment(lines[start:end], history)
    return reader.result()


def parse_with_texts(body: str, questions: Sequence[QuestionRef]) -> ParsedReply:
    """`parse_reply` with the words people may type, from templates/strings.yaml."""
    strings = texts().strings
    known = {command.value: command for command in Command}
    keywords = {
        known[name]: words for name, words in strings["email"]["keywords"].items() if name in known
    }
    return parse_reply(
        body,
        questions,
        texts().vocabulary,
        strings["typed"]["nothing"],
        keywords,
        strings["email"]["section_words"],
    )


# --- Lines and fragments ------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MARKS = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
"""Zero-width and direction marks, which mail clients scatter inside lines."""


def _lines(body: str) -> list[str]:
    if len(body) > MAX_BODY:
        body = body[: body.rfind("\n", 0, MAX_BODY) + 1 or MAX_BODY]
    return [clean(_MARKS.sub("", line)).strip() for line in _LINE_BREAK.split(body)]


_MAIL = EmailMessage(text="", languages=["en"], keep_hyphen_lists=True)
"""Only for the library's patterns. Hyphen lists are kept: "- only for pupils on roll" on
its own line is a note, not a signature."""
_HEADER: re.Pattern[str] = _MAIL.HEADER_REGEX
_SIGNATURE: re.Pattern[str] = _MAIL.SIGNATURE_REGEX
_DISCLAIMER: re.Pattern[str] = _MAIL.DISCLAIMERS_REGEX
_SIGN_OFF_START = re.compile(
    r"(?:>\s?)*(?:" + "|".join(MAIL_LANGUAGES["en"]["signatures"]) + ")", re.IGNORECASE
)
_HEADER_HINT = re.compile(
    r"wrote:|original message|^[>\s*]*(?:from|sent|to|subject|date|cc|organization)\s*:",
    re.IGNORECASE,
)
_LIBRARY_LINE = 200
"""The library's patterns backtrack badly on long lines; no header or signature is longer."""


def _fragments(lines: Sequence[str]) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_history) line ranges: the person's text before the first quoted
    message, then each quoted message without its header lines."""
    # Only lines that may belong to a header are shown to the library, which keeps its
    # patterns fast and line numbers exact.
    keep = [bool(_HEADER_HINT.search(line)) for line in lines]
    for n in range(len(lines) - 1):
        keep[n] = keep[n] or "wrote" in lines[n + 1].casefold()
    shown = (line[:_LIBRARY_LINE] if k else "" for line, k in zip(lines, keep, strict=True))
    shadow = "\n".join(shown)
    starts = [0]
    for n, ch in enumerate(shadow):
        if ch == "\n":
            starts.append(n + 1)
    position, history = 0, False
    for match in _HEADER.finditer(shadow):
        text = match.group(0)
        first = match.start() + len(text) - len(text.lstrip())
        last = match.start() + len(text.rstrip())
        if last <= first:
            continue
        first_line = bisect_right(starts, first) - 1
        last_line = bisect_right(starts, last - 1) - 1
        if first_line < position:
            continue
        yield position, first_line, history
        position, history = last_line + 1, True
    yield position, len(lines), history


# --- Words the person may write -------------------------------------------------------------

_NUMBER = r"(?:(?:q(?:uestion)?\.?|#)\s*)?(?P<number>\d{1,4})(?!\d)"
_NUMBERED = re.compile(
    _NUMBER + r"(?:(?P<separator>\s*[.):\-–—]|\s)\s*(?P<answer>.*)|\s*)",
    re.IGNORECASE | re.DOTALL,
)
"""A numbered line: "1 yes", "12: nothing", "Q7 yes", "7) Yes", "#7 yes", or "7" alone."""
_HEADER_LINE = re.compile(r"(?P<number>\d{1,4})\.\s+(?P<rest>\S.*)", re.DOTALL)
_ITEM_LIKE = re.compile(r"\d{1,4}\.\s+\S.*\(.*\)", re.DOTALL)
"""A line that looks like a question of the bot's emails: `N. <text>  (hint)`."""
_END = re.compile(r"-+\s*end\s+of\s+questions\s*-+", re.IGNORECASE)
_QUOTE_PREFIX = re.compile(r"(?:>\s?)+")
_SEPARATOR = re.compile(r"[-_=*~.·•#+|/\\:;,!?'\"()\[\]{}\s]+")
_WORD = re.compile(r"\S+")
_LEAST_SHOWN = 12
"""Characters of an item's text a wrapped question line shows at least (lines wrap at some
70 characters; "1. Add" is not the question "Address")."""
_HINT_LINES = 6
"""Lines a question's "(…)" hint may run over (an answer shown in it may be long)."""
_PLEASANTRY_LINE = 80
_PLEASANTRY_WORDS = 4
"""A greeting or sign-off may carry a name or a few words: "Hi all,", "Kind regards, Jane"."""
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")
_GREETING = re.compile(
    r"(?:hi|hiya|hello|hey|dear|good\s+(?:morning|afternoon|evening|day)|morning|afternoon)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"(?:(?:many|much|huge|big)\s+thanks|thanks|thank\s+you|thankyou|cheers|ta|tia"
    r"|(?:with\s+)?(?:(?:kind|kindest|best|warm|warmest|many)\s+)?regards|best\s+wishes|best"
    r"|all\s+the\s+best|warm\s+wishes|yours(?:\s+(?:sincerely|faithfully|truly))?"
    r"|speak\s+soon|sent\s+from)(?![^\W\d_])",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _fold(word: str) -> str:
    return word.casefold().translate(_QUOTES)


def _pleasantry(line: str, opening: re.Pattern[str]) -> bool:
    """`line` is `opening` with at most a few words after it and no digits."""
    match = opening.match(line) if len(line) <= _PLEASANTRY_LINE else None
    if match is None:
        return False
    rest = line[match.end() :]
    if rest[:1].isalnum() or any(ch.isdigit() for ch in rest):
        return False  # "Hiking ...", "Best 3 schools"
    return len(_NAME_WORD.findall(rest)) <= _PLEASANTRY_WORDS


def _starts_signature(line: str) -> bool:
    """A sign-off ("Kind regards", "Thanks, Jane"), "-- ", "Sent from my iPhone"."""
    if _pleasantry(line, _CLOSING):
        return True
    if len(line) > _LIBRARY_LINE or not _SIGNATURE.search(f"\n{line}\n"):
        return False
    # The library also takes "Thanks, here is what we hold" for a sign-off: a sentence.
    return not _SIGN_OFF_START.match(line)


def _is_disclaimer(line: str) -> bool:
    return len(line) <= _LIBRARY_LINE * 4 and _DISCLAIMER.search(line) is not None


def _paren_end(text: str) -> int | None:
    """Index just after the parenthesis that closes the one `text` starts with."""
    depth = 0
    for n, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return n + 1
    return None


# --- Reading ----------------------------------------------------------------------------------


class _Row(Enum):
    BLANK = "blank"
    QUOTED = "quoted"
    HEADER = "header"
    """A question line of the bot's email: `N. <item text>  (hint)`."""
    WRAPPED = "wrapped"
    """The rest of a question line the mail client wrapped, or its hint."""
    END = "end"
    OWN = "own"


@dataclass(slots=True)
class _Line:
    kind: _Row
    text: str
    quoted: bool = False
    number: int = 0
    typed: str = ""
    """On a question line: what the person typed after its text and hint."""
    hinted: bool = False
    """On a question line: it has its "(yes / no)" hint, as the questions of the bot's
    question list do (the review lists questions without one)."""


@dataclass(slots=True)
class _Heading:
    """The question line being read, and what of it may still follow on the next lines."""

    row: _Line
    words: list[str]
    """The item's words the line still lacks (the mail client wrapped it)."""
    hint: str = "none"
    """"none" (it may come on the next line), "open" (its ")" is on a next line), "done"."""
    open_lines: int = 0

    def follow(self, tail: str) -> None:
        """Read what follows the item's text: its hint, then anything the person typed."""
        self.words = []
        if not tail:
            return
        if not tail.startswith("("):
            self.hint = "done"
            self.type(tail)
            return
        self.row.hinted = True
        end = _paren_end(tail)
        if end is None:
            self.hint = "open"
            return
        self.hint = "done"
        self.type(tail[end:].strip())

    def type(self, text: str) -> None:
        if text and not self.row.quoted:
            self.row.typed = text


@dataclass(slots=True)
class _Pending:
    """A numbered line, with the lines that carry on from it."""

    number: int
    answer: str
    lines: list[str] = field(default_factory=list)


class _Reader:
    def __init__(
        self,
        questions: Sequence[QuestionRef],
        vocabulary: Vocabulary,
        nothing_words: Sequence[str],
        keywords: Mapping[Command, Sequence[str]],
        section_words: Sequence[str] = (),
    ) -> None:
        self.questions = {q.number: q for q in questions}
        names = "|".join(re.escape(w) for w in sorted(section_words, key=len, reverse=True))
        self.section = (
            re.compile(rf"(?:{names})\s*(?P<number>\d{{1,2}})\s*[.):\-–—]?\s*(?P<rest>.+)", re.I)
            if names
            else None
        )
        self.same_sections: list[int] = []
        # "same" is read only in a round carrying answers forward ("3 no change" is No
        # with a note in any other)
        self.carrying = any(q.carried for q in questions)
        self.item_words = {q.number: [_fold(w) for w in q.text.split()] for q in questions}
        self.vocabulary = vocabulary
        self.nothing = {_command_key(word) for word in nothing_words}
        self.keywords: dict[str, Command] = {}
        for command, words in keywords.items():
            for word in words:
                self.keywords.setdefault(_command_key(word), Command(command))
        self.answers: dict[int, ReadAnswer] = {}
        self.commands: list[Command] = []
        self.unreadable: list[str] = []
        # "SUBMIT name, role": the first word of each list (the one the emails suggest)
        self.signing = {
            _command_key(words[0]): Command(command)
            for command, words in keywords.items()
            if command in (Command.SUBMIT, Command.CONFIRM) and words
        }
        self.signer: str | None = None

    def result(self) -> ParsedReply:
        return ParsedReply(
            tuple(self.answers.values()),
            tuple(self.commands),
            tuple(self.unreadable),
            self.signer,
            tuple(self.same_sections),
        )

    # Recording

    def command(self, line: str) -> bool:
        if (number := self.same_section(line)) is not None:
            if number not in self.same_sections:
                self.same_sections.append(number)
            return True
        command = self.keywords.get(_command_key(line))
        if command is None and (signed := self.signed_command(line)) is not None:
            command, self.signer = signed
        if command is None:
            return False
        if command not in self.commands:
            self.commands.append(command)
        return True

    def same_section(self, line: str) -> int | None:
        """ "Section 2 same": the section's number, if the line says all of it still holds."""
        match = self.section.fullmatch(line.strip()) if self.section else None
        if match is None:
            return None
        same = read_choice(match["rest"], CARRY, (SAME,), self.vocabulary)
        return int(match["number"]) if same is not None and same.note is None else None

    def signed_command(self, line: str) -> tuple[Command, str] | None:
        """ "SUBMIT Jane Smith, Head of inclusion": the command and who signs off. Only the
        suggested word, followed by a name and role with a comma between them."""
        word, _, rest = line.strip().partition(" ")
        command = self.signing.get(_command_key(word))
        rest = rest.strip().strip("\"'“”‘’*_").rstrip(".!").strip()
        if command is None or "," not in rest:
            return None
        return command, rest

    def record(self, number: int, answer: str, lines: Sequence[str]) -> None:
        """The answer to question `number`, replacing any earlier one; unreadable lines
        also undo an earlier answer to that number, as the person meant to change it."""
        read = self.read(number, answer)
        self.answers.pop(number, None)
        if read is None:
            self.unreadable.extend(lines)
            return
        question = self.questions[number]
        self.answers[number] = ReadAnswer(
            number, question.question_id, *read, "\n".join(lines), still_true=read[0] is None
        )

    def read(self, number: int, text: str) -> tuple[str | None, str | None] | None:
        """(value, note) for what was written for question `number`, or None; the value is
        None for "same" (last round's answer holds)."""
        question = self.questions[number]
        text = text.strip()
        if not text:
            return None
        if question.carried or (question.choices and self.carrying):
            same = read_choice(text, CARRY, (SAME,), self.vocabulary)
            if same is not None and not (same.note and self.answers_line(same.note)):
                return None, same.note
        if not question.choices:
            if _command_key(text) in self.nothing:
                return NOTHING_TO_ADD, None
            return text, None
        typed = read_choice(text, question.kind, question.choices, self.vocabulary)
        if typed is None or (typed.note is not None and self.answers_line(typed.note)):
            return None  # "1 yes, 2 no" is two answers on one line, not a note
        return typed.value, typed.note

    def answers_line(self, text: str) -> bool:
        """Whether `text` is itself a numbered answer ("2 no"), not a note ("2 schools")."""
        match = _NUMBERED.fullmatch(text)
        if match is None or int(match["number"]) not in self.questions:
            return False
        question, answer = self.questions[int(match["number"])], match["answer"] or ""
        if not question.choices:
            return _command_key(answer) in self.nothing
        return read_choice(answer, question.kind, question.choices, self.vocabulary) is not None

    def readable(self, line: str) -> bool:
        """Whether a line is something the person means the bot to act on."""
        if _command_key(line) in self.keywords or self.signed_command(line) is not None:
            return True
        match = _NUMBERED.fullmatch(line)
        return (
            match is not None
            and int(match["number"]) in self.questions
            and self.read(int(match["number"]), match["answer"] or "") is not None
        )

    # Fragments

    def read_fragment(self, lines: Sequence[str], history: bool) -> None:
        rows = list(self.scan(lines))
        own = not history or self.quoted_style(rows)
        # In an unquoted original (Outlook) only the lines under the question list are the
        # person's: questions with their hint, before the line that ends the list.
        last_end = max((n for n, row in enumerate(rows) if row.kind is _Row.END), default=-1)
        first = next((n for n, row in enumerate(rows) if row.hinted), len(rows))
        free: list[_Line | None] = []  # the person's lines outside the questions; None: a gap
        block: tuple[int, list[str]] | None = None
        for n, row in enumerate(rows):
            if row.kind is _Row.WRAPPED:
                continue
            header = row.kind is _Row.HEADER
            # a question line this audit does not have: what is under it is not guessed at
            unknown = not own and row.kind is _Row.OWN and _ITEM_LIKE.fullmatch(row.text)
            # '>' quoting goes on: the person's lines after it are no longer under the question
            quoted = own and row.kind is _Row.QUOTED
            if header or unknown or quoted or row.kind is _Row.END:
                if block is not None:
                    self.read_block(*block)
                block = None
                if header and (own or (row.hinted and n < last_end)):
                    block = (row.number, [row.typed] if row.typed else [])
                elif unknown and first < n < last_end:
                    block = (0, [])
                free.append(None)
            elif block is not None:
                if row.kind is _Row.OWN:
                    block[1].append(row.text)
            elif own and row.kind is _Row.OWN:
                free.append(row)
            else:
                free.append(None)
        if block is not None and own:
            self.read_block(*block)
        self.read_free(free)

    def quoted_style(self, rows: Sequence[_Line]) -> bool:
        """Whether a quoted message is '>'-quoted, so that unquoted lines are the person's."""
        for row in rows:
            if row.kind in (_Row.HEADER, _Row.END):
                return row.quoted
        return any(row.kind is _Row.QUOTED for row in rows)

    def scan(self, lines: Sequence[str]) -> Iterator[_Line]:
        heading: _Heading | None = None
        for raw in lines:
            quoted = raw.startswith(">")
            text = _QUOTE_PREFIX.sub("", raw, count=1).strip() if quoted else raw
            if not text:
                heading = None
                yield _Line(_Row.BLANK, raw, quoted)
                continue
            if _END.fullmatch(text):
                heading = None
                yield _Line(_Row.END, raw, quoted)
                continue
            found = self.heading(raw, text, quoted)
            if found is not None:
                heading = found
                yield heading.row
                continue
            if heading is not None and heading.row.quoted == quoted and _carry_on(heading, text):
                yield _Line(_Row.WRAPPED, raw, quoted)
                continue
            heading = None
            if quoted:
                yield _Line(_Row.QUOTED, raw, quoted)
            else:
                yield _Line(_Row.OWN, raw)

    def heading(self, raw: str, text: str, quoted: bool) -> _Heading | None:
        """A question line of the bot's email, `N. <item text>  (hint)`, possibly cut short
        by a mail client that wraps long lines."""
        match = _HEADER_LINE.fullmatch(text)
        if match is None:
            return None
        number = int(match["number"])
        expected = self.item_words.get(number)
        if not expected:
            return None
        rest = match["rest"]
        spans = [(m.start(), m.end()) for m in _WORD.finditer(rest)]
        shown = [_fold(rest[a:b]) for a, b in spans]
        row = _Line(_Row.HEADER, raw, quoted, number)
        if shown[: len(expected)] == expected:
            heading = _Heading(row, [])
            heading.follow(rest[spans[len(expected) - 1][1] :].strip())
            return heading
        if expected[: len(shown)] == shown and len("".join(shown)) >= min(
            len("".join(expected)), _LEAST_SHOWN
        ):
            return _Heading(row, expected[len(shown) :])
        return None

    def read_block(self, number: int, lines: list[str]) -> None:
        """What the person typed under question `number` of the quoted email."""
        if number not in self.questions:  # a question line of another audit
            self.unreadable.extend(line for line in lines if not self.command(line))
            return
        kept: list[str] = []
        for line in lines:
            if not line or self.command(line):
                continue
            if _starts_signature(line):
                break
            kept.append(line)
        if not kept:
            return  # nothing typed under it: not an answer
        first = kept[0]
        match = _NUMBERED.fullmatch(first)
        # "4 yes" under question 4; but "22 pupils" under a free-text question is its text
        if (
            match is not None
            and match["answer"]
            and int(match["number"]) == number
            and (self.questions[number].choices or not match["separator"].isspace())
        ):
            first = match["answer"]
        self.record(number, "\n".join([first, *kept[1:]]), kept)

    def read_free(self, rows: Sequence[_Line | None]) -> None:
        """The person's own lines outside the questions: numbered answers, commands,
        greetings and signatures; anything else is unreadable. None in `rows` is a gap
        (a quoted line, a question, a blank line)."""
        pending: _Pending | None = None
        disclaimer = False
        for n, row in enumerate(rows):
            if row is None or row.kind is not _Row.OWN:
                self.finish(pending)
                pending = None
                disclaimer = False
                continue
            line = row.text
            if self.command(line):
                self.finish(pending)
                pending = None
                continue
            match = _NUMBERED.fullmatch(line)
            if match is not None:
                self.finish(pending)
                pending = _Pending(int(match["number"]), match["answer"] or "", [line])
                continue
            if _starts_signature(line):
                self.finish(pending)
                pending = None
                if not self.read_later(rows[n + 1 :]):
                    return  # the rest is the signature
                continue
            if _pleasantry(line, _GREETING) or _SEPARATOR.fullmatch(line):
                self.finish(pending)
                pending = None
                continue
            if disclaimer or _is_disclaimer(line):
                self.finish(pending)
                pending = None
                disclaimer = True
                continue
            if pending is not None:
                pending.answer += "\n" + line
                pending.lines.append(line)
                continue
            self.unreadable.append(line)
        self.finish(pending)

    def read_later(self, rows: Sequence[_Line | None]) -> bool:
        """Whether the next line the person wrote is meant to be read: then a "Thanks,"
        before it opened the message rather than closed it."""
        for row in rows:
            if row is not None and row.kind is _Row.OWN:
                return self.readable(row.text)
        return False

    def finish(self, pending: _Pending | None) -> None:
        """Record a numbered line, with the lines carrying on from it."""
        if pending is None:
            return
        if pending.number not in self.questions:
            self.unreadable.extend(pending.lines)
            return
        answer = pending.answer
        if not answer.strip():
            # "12 -": the dash was the answer ("nothing"), not a separator
            dash = _NUMBER_ONLY.sub("", pending.lines[0], count=1)
            if not self.questions[pending.number].choices and _command_key(dash) in self.nothing:
                answer = dash
        self.record(pending.number, answer, pending.lines)


_NUMBER_ONLY = re.compile(_NUMBER + r"\s*", re.IGNORECASE)


def _carry_on(heading: _Heading, text: str) -> bool:
    """Whether `text` continues the question line being read (the rest of its text, or its
    hint), taking note of anything typed after it."""
    if heading.words:
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        shown = [_fold(text[a:b]) for a, b in spans]
        if heading.words[: len(shown)] == shown:
            heading.words = heading.words[len(shown) :]
            return True
        if shown[: len(heading.words)] == heading.words:
            heading.follow(text[spans[len(heading.words) - 1][1] :].strip())
            return True
        return False
    if heading.hint == "none" and text.startswith("("):
        heading.follow(text)
        return True
    if heading.hint == "open" and heading.open_lines < _HINT_LINES:
        # the hint goes on to its ")"; lines it takes are not read, so nothing is guessed
        heading.open_lines += 1
        if ")" in text:
            heading.hint = "done"
            heading.type(text[text.index(")") + 1 :].strip())
        return True
    return False


def _command_key(text: str) -> str:
    """Text as compared with keywords: any case, single spaces, without the quotes or
    trailing punctuation people add ("Submit.", '"review"')."""
    text = " ".join(text.casefold().split())
    return text.strip("\"'“”‘’*_").rstrip(".!?,;:").strip("\"'“”‘’*_ ")
