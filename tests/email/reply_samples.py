"""Real-looking email replies to the bot's question emails, with what should be read from
each. The quoted emails follow templates/email/ask.txt.j2 as the bot sends them; the mail
clients' quoting (Outlook, Gmail, Apple Mail, Thunderbird, phones) is copied from real mail."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.channels.email.replies import Command
from bot.questionnaire import load_questionnaire

QUESTIONNAIRE = load_questionnaire()[0]
HINTS = {
    "tick": "yes / no",
    "statement": "true / differs",
    "text": "your words, or nothing",
    "describe": "your words",
}

GMAIL_ON = "On Mon, 30 Nov 2026 at 09:12, Audit Bot <audit@la.example> wrote:"
GMAIL_ON_WRAPPED = "On Mon, 30 Nov 2026 at 09:12, Audit Bot <\naudit@la.example> wrote:"
APPLE_ON = "On 30 Nov 2026, at 09:12, Audit Bot <audit@la.example> wrote:"
THUNDERBIRD_ON = "On 30/11/2026 09:12, Audit Bot wrote:"
SUBJECT = "Audit for North Partnership: section 1 of 7 [ref k3j5h7g2m4n6]"
OUTLOOK_FROM = f"""From: Audit Bot <audit@la.example>
Sent: 30 November 2026 09:12
To: Jane Smith <jane.smith@north.example>
Subject: {SUBJECT}"""
OUTLOOK_WEB_FROM = f"""________________________________
From: Audit Bot <audit@la.example>
Sent: Monday, November 30, 2026 9:12 AM
To: Jane Smith <jane.smith@north.example>
Subject: {SUBJECT}"""
OUTLOOK_ORIGINAL = f"""-----Original Message-----
From: Audit Bot <audit@la.example>
Sent: 30 November 2026 09:12
To: Jane Smith <jane.smith@north.example>
Subject: {SUBJECT}"""
THUNDERBIRD_FORWARD = f"""-------- Original Message --------
Subject: {SUBJECT}
Date: Mon, 30 Nov 2026 09:12:00 +0000
From: Audit Bot <audit@la.example>
To: Jane Smith <jane.smith@north.example>"""
SAMSUNG_FROM = f"""-------- Original message --------
From: Audit Bot <audit@la.example>
Date: 30/11/2026 09:12 (GMT+00:00)
To: jane.smith@north.example
Subject: {SUBJECT}"""
SIGNATURE = """Kind regards

Jane Smith
Partnership Lead | North Partnership
Tel: 0116 305 0000 | Mob: 07700 900123
12 High Street, Leicester LE1 1AA

This email and any attachments are confidential and may be legally privileged. If you
are not the intended recipient, please tell the sender and delete it. Leicestershire
County Council may monitor email traffic."""


def number_of(item_id: str) -> int:
    position = QUESTIONNAIRE.position(item_id)
    assert position is not None
    return position + 1


def section_email(section: int, answered: Mapping[int, str] | None = None) -> str:
    """The bot's email asking section `section` (1-based), as ask.txt.j2 writes it;
    `answered`: question number -> the label of an answer already given."""
    answered = answered or {}
    part = QUESTIONNAIRE.sections[section - 1]
    first = number_of(part.items[0].id)
    lines = [
        "Hello Jane Smith,",
        "",
        f"Section {section} of {len(QUESTIONNAIRE.sections)}: {part.heading}",
    ]
    if part.instructions:
        lines.append(part.instructions)
    lines += [
        "",
        "Reply with one line per question: its number, then your answer. For example:",
        f"  {first} yes",
        f"  {first + 1} no - only for pupils on roll",
        "A note can follow a dash. You can also type each answer under its question below.",
        "",
    ]
    for item in part.items:
        number = number_of(item.id)
        hint = f"answered: {answered[number]}" if number in answered else HINTS[item.kind.value]
        lines.append(f"{number}. {item.text}  ({hint})")
    lines += [
        "-- end of questions --",
        "You can reply at any time. Write REVIEW to see all your answers, SUBMIT when you"
        " have finished, or LATER to be reminded tomorrow.",
    ]
    return "\n".join(lines)


def review_email() -> str:
    """The review email (show_review.txt.j2) for answers to the first three questions."""
    lines = [
        "Hello Jane Smith,",
        "",
        "Your answers",
        "",
        "Section 1: " + QUESTIONNAIRE.sections[0].heading,
    ]
    labels = {1: "Yes", 2: "No - note: only for pupils on roll", 3: "Yes"}
    for item in QUESTIONNAIRE.sections[0].items:
        number = number_of(item.id)
        lines += [f"  {number}. {item.text}", f"     {labels.get(number, 'Not answered yet')}", ""]
    lines.append("When you are happy with your answers, reply SUBMIT to send the audit.")
    return "\n".join(lines)


REPLY_EMAIL = f"""Hello Jane Smith,

I could not read this line, so nothing was saved from it:
  "4 n/a"
Please send it again as a question number and an answer, for example "3 yes" or "4 no - only\
 for pupils on roll".

Saved 2 answers:
  1. Yes
  2. No - note: only pupils (on roll)

{section_email(2).split(chr(10), 2)[2]}"""
"""The bot's answer to a reply (reply.txt.j2): what it could not read, what it saved, and
the next section's questions."""


def quote(text: str, width: int | None = None) -> str:
    """`text` quoted with '>' as Gmail, Apple Mail and Thunderbird do; `width`: lines are
    wrapped to it first, as plain-text clients do."""
    out = []
    for line in text.split("\n"):
        for part in textwrap.wrap(line, width - 2) if width and line else [line]:
            out.append(f"> {part}" if part else ">")
    return "\n".join(out)


def inline(
    email: str,
    typed: Mapping[int, str],
    *,
    quoted: bool = False,
    width: int | None = None,
    on_line: bool = False,
) -> str:
    """`email` with the person's text typed under (or, `on_line`, after) the questions
    numbered in `typed`, as people do in Outlook (`quoted` False) or Gmail (True)."""
    out = []
    for line in email.split("\n"):
        head = line.strip().split(". ", 1)[0]
        answer = typed.get(int(head)) if head.isdigit() else None
        if answer is not None and on_line:
            line = f"{line} {answer}"
        if quoted:
            out.append(quote(line, width))
        elif width and line:
            out.extend(textwrap.wrap(line, width))
        else:
            out.append(line)
        if answer is not None and not on_line:
            out.append(answer)
    return "\n".join(out)


Expected = tuple[int, str | None, str | None]


@dataclass(frozen=True)
class Sample:
    name: str
    body: str
    answers: Sequence[Expected] = ()
    commands: Sequence[Command] = ()
    unreadable: Sequence[str] = ()


Y, N = "yes", "no"
REFERRAL = "We check referral forms against the school's MIS.\nAnything missing is chased by phone."
NOTHING = "nothing"

SAMPLES = [
    # --- numbered lines, written on their own ------------------------------------------------
    Sample(
        "plain numbered",
        "1 yes\n2 no\n3 y\n4 n\n",
        [(1, Y, None), (2, N, None), (3, Y, None), (4, N, None)],
    ),
    Sample(
        "numbering styles",
        "Q5 yes\n6. Yes\n7) YES\n#8 yes\n   9     yes   \nQuestion 10: no\n11 - no\nq.13 y\n14:yes",
        [
            (5, Y, None),
            (6, Y, None),
            (7, Y, None),
            (8, Y, None),
            (9, Y, None),
            (10, N, None),
            (11, N, None),
            (13, Y, None),
            (14, Y, None),
        ],
    ),
    Sample(
        "notes after a dash, colon, comma",
        "2 no - only for pupils on roll\n3 yes: work emails only\n4 no, we ask the school\n"
        "5 Yes – through the school office\n6 yes.",
        [
            (2, N, "only for pupils on roll"),
            (3, Y, "work emails only"),
            (4, N, "we ask the school"),
            (5, Y, "through the school office"),
            (6, Y, None),
        ],
    ),
    Sample(
        "note on the next line",
        "2 no\nonly for pupils on roll\n\n3 yes\n- work emails only",
        [(2, N, "only for pupils on roll"), (3, Y, "work emails only")],
    ),
    Sample(
        "tick words",
        "1 ✓\n2 x\n3 tick\n4 ticked\n5 yeah\n6 nope\n7 ✗\n8 X\n9 Tick - paper copies only\n10 N",
        [
            (1, Y, None),
            (2, Y, None),
            (3, Y, None),
            (4, Y, None),
            (5, Y, None),
            (6, N, None),
            (7, N, None),
            (8, Y, None),
            (9, Y, "paper copies only"),
            (10, N, None),
        ],
    ),
    Sample(
        "statements",
        "41 true\n42 differs - we keep paper records for ten years\n"
        "43 Our practice differs: we archive after one year",
        [
            (41, "true", None),
            (42, "differs", "we keep paper records for ten years"),
            (43, "differs", "we archive after one year"),
        ],
    ),
    Sample(
        "statement short words",
        "41 t\n42 D\n43 True for us\n",
        [(41, "true", None), (42, "differs", None), (43, "true", None)],
    ),
    Sample(
        "free text and nothing to add",
        "12 We also hold photographs of pupils on trips\n18: nothing\n23 N/A\n28 None.\n35 -\n"
        "36 We check referral forms against the school's MIS\n44 Nothing to add",
        [
            (12, "We also hold photographs of pupils on trips", None),
            (18, NOTHING, None),
            (23, NOTHING, None),
            (28, NOTHING, None),
            (35, NOTHING, None),
            (36, "We check referral forms against the school's MIS", None),
            (44, NOTHING, None),
        ],
    ),
    Sample(
        "free text over several lines",
        "36 We check referral forms against the school's MIS\nand phone the school if anything"
        " is missing.\n\n37 The admin team updates the record the same day.",
        [
            (
                36,
                "We check referral forms against the school's MIS\nand phone the school if"
                " anything is missing.",
                None,
            ),
            (37, "The admin team updates the record the same day.", None),
        ],
    ),
    Sample(
        "free text that says yes",
        "12 yes - we keep copies of EHCPs",
        [(12, "yes - we keep copies of EHCPs", None)],
    ),
    Sample(
        "unreadable numbered lines are never guessed",
        "99 yes\n4 n/a\n3 maybe\n9 - see attached\n12:\n41 sometimes",
        unreadable=["99 yes", "4 n/a", "3 maybe", "9 - see attached", "12:", "41 sometimes"],
    ),
    Sample(
        "two answers on one line",
        "7 yes 8 no\n1 yes, 2 no\n3 yes; 4 yes",
        unreadable=["7 yes 8 no", "1 yes, 2 no", "3 yes; 4 yes"],
    ),
    Sample(
        "a note that starts with a number stays a note",
        "4 yes - 2 schools only\n5 no, 30 pupils",
        [(4, Y, "2 schools only"), (5, N, "30 pupils")],
    ),
    Sample(
        "a later line replaces an earlier one",
        "1 yes\n2 no\n1 no - only current pupils",
        [(2, N, None), (1, N, "only current pupils")],
    ),
    Sample(
        "a later unreadable line undoes an earlier answer",
        "3 yes\n4 yes\n3 yes actually maybe",
        [(4, Y, None)],
        unreadable=["3 yes actually maybe"],
    ),
    Sample("a number alone", "1 yes\n\n7\n", [(1, Y, None)], unreadable=["7"]),
    # --- commands and pleasantries -------------------------------------------------------------
    Sample("command only", "Submit.", commands=[Command.SUBMIT]),
    Sample(
        "command words",
        'REVIEW\n"submit"\nyes submit!\nRemind me tomorrow\nreview',
        commands=[Command.REVIEW, Command.SUBMIT, Command.CONFIRM, Command.LATER],
    ),
    Sample("start", "Hiya,\n\nstart\n\nThanks\nJane", commands=[Command.START]),
    Sample(
        "answers and a command",
        "Hello,\n\n1 yes\n2 yes\n\nsubmit\n\nThanks, Jane",
        [(1, Y, None), (2, Y, None)],
        [Command.SUBMIT],
    ),
    Sample(
        "greetings and sign-offs are ignored",
        "Hi Audit team,\n\n1 yes\n\nThanks\n\nKind regards,\nJane",
        [(1, Y, None)],
    ),
    Sample(
        "a sentence is unreadable",
        "Good morning,\nPlease find my answers below.\n1 yes\nCheers\nDave",
        [(1, Y, None)],
        unreadable=["Please find my answers below."],
    ),
    Sample(
        "thanks before the answers opens the message",
        "Thanks, here are our answers:\n1 yes\n2 yes\n\nMany thanks\nJane Smith",
        [(1, Y, None), (2, Y, None)],
    ),
    Sample("yes without a number", "Yes\n", unreadable=["Yes"]),
    Sample("name after a sign-off", "3 yes\nCheers\nDave", [(3, Y, None)]),
    Sample(
        "thank-you sentence is not taken for a sign-off",
        "Thank you, we do not hold GP details for anyone",
        unreadable=["Thank you, we do not hold GP details for anyone"],
    ),
    # --- Outlook: the original is quoted without '>' -----------------------------------------
    Sample(
        "outlook desktop, numbered on top",
        f"1 yes\n2 yes\n3 no - we only have parents' emails\n\n{SIGNATURE}\n\n{OUTLOOK_FROM}\n\n"
        + section_email(1),
        [(1, Y, None), (2, Y, None), (3, N, "we only have parents' emails")],
    ),
    Sample(
        "outlook web, separator line",
        f"1 yes\n2 yes\n\n{OUTLOOK_WEB_FROM}\n\n" + section_email(1),
        [(1, Y, None), (2, Y, None)],
    ),
    Sample(
        "outlook original message",
        f"13 yes\n14 yes\n15 no\n\nRegards\nJane\n\n{OUTLOOK_ORIGINAL}\n\n" + section_email(2),
        [(13, Y, None), (14, Y, None), (15, N, None)],
    ),
    Sample(
        "outlook inline answers",
        f"Please see my answers below.\n\nThanks\nJane\n\n{OUTLOOK_FROM}\n\n"
        + inline(
            section_email(1),
            {1: "yes", 2: "No - only for pupils on roll", 3: "Y", 12: "We also hold photos"},
        ),
        [
            (1, Y, None),
            (2, N, "only for pupils on roll"),
            (3, Y, None),
            (12, "We also hold photos", None),
        ],
        unreadable=["Please see my answers below."],
    ),
    Sample(
        "outlook inline, typed on the question line",
        f"{OUTLOOK_FROM}\n\n"
        + inline(section_email(1), {1: "yes", 4: "no - the school has it"}, on_line=True),
        [(1, Y, None), (4, N, "the school has it")],
    ),
    Sample(
        "outlook inline, questions left empty and the examples are not answers",
        f"{OUTLOOK_FROM}\n\n" + inline(section_email(2), {14: "yes", 18: "nothing"}),
        [(14, Y, None), (18, NOTHING, None)],
    ),
    Sample(
        "outlook inline, text after the end of the questions is the original's",
        f"{OUTLOOK_FROM}\n\n"
        + inline(section_email(1), {1: "yes"}).replace(
            "-- end of questions --", "-- end of questions --\nsubmit\n5 yes"
        ),
        [(1, Y, None)],
    ),
    Sample(
        "outlook inline without the end line is not read",
        f"{OUTLOOK_FROM}\n\n"
        + inline(section_email(1), {1: "yes", 2: "no"}).replace("-- end of questions --\n", ""),
    ),
    Sample(
        "outlook inline, describe answers over several lines",
        f"See below\n\n{OUTLOOK_FROM}\n\n"
        + inline(
            section_email(6),
            {
                36: REFERRAL,
                37: "Admin staff update SIMS the same day.",
                40: "No",
            },
        ),
        [
            (
                36,
                REFERRAL,
                None,
            ),
            (37, "Admin staff update SIMS the same day.", None),
            (40, NOTHING, None),
        ],
        unreadable=["See below"],
    ),
    Sample(
        "outlook inline statements",
        f"{OUTLOOK_FROM}\n\n"
        + inline(
            section_email(7), {41: "True", 42: "differs - we keep them for ten years", 43: "t"}
        ),
        [(41, "true", None), (42, "differs", "we keep them for ten years"), (43, "true", None)],
    ),
    Sample(
        "outlook inline after numbered lines on top: the later one counts",
        f"1 no\n2 yes\n\n{OUTLOOK_FROM}\n\n" + inline(section_email(1), {1: "yes"}),
        [(2, Y, None), (1, Y, None)],
    ),
    Sample(
        "outlook inline under an answered question",
        f"{OUTLOOK_FROM}\n\n" + inline(section_email(1, {1: "Yes", 2: "No"}), {1: "no"}),
        [(1, N, None)],
    ),
    Sample(
        "outlook inline under a question showing a stored answer over two lines",
        f"{OUTLOOK_FROM}\n\n"
        + inline(section_email(1, {12: "We hold photos\nand videos"}), {1: "yes"}).replace(
            "and videos)", "and videos)\nWe also hold audio recordings"
        ),
        [(1, Y, None), (12, "We also hold audio recordings", None)],
    ),
    Sample(
        "outlook inline in the bot's reply, after what it saved and could not read",
        f"{OUTLOOK_FROM}\n\n" + inline(REPLY_EMAIL, {13: "yes", 18: "The police"}),
        [(13, Y, None), (18, "The police", None)],
    ),
    Sample(
        "gmail reply to the bot's reply",
        f"14 yes\n\n{GMAIL_ON}\n" + quote(REPLY_EMAIL),
        [(14, Y, None)],
    ),
    Sample(
        "outlook inline with question lines wrapped by the client",
        f"{OUTLOOK_FROM}\n\n"
        + inline(section_email(2), {14: "yes", 15: "no", 18: "The youth service"}, width=60),
        [(14, Y, None), (15, N, None), (18, "The youth service", None)],
    ),
    Sample(
        "outlook inline with a command under the last question",
        f"{OUTLOOK_FROM}\n\n" + inline(section_email(7), {43: "true", 44: "Nothing\nsubmit"}),
        [(43, "true", None), (44, NOTHING, None)],
        [Command.SUBMIT],
    ),
    Sample(
        "outlook reply to the review: its answers are not the person's",
        f"1 no\n\n{OUTLOOK_FROM}\n\n{review_email()}",
        [(1, N, None)],
    ),
    Sample(
        "outlook mobile",
        f"1 yes\n2 yes\n\nGet Outlook for iOS\n{OUTLOOK_WEB_FROM}\n\n" + section_email(1),
        [(1, Y, None), (2, Y, None)],
    ),
    Sample(
        "windows mail",
        f"1 yes\n\nSent from Mail for Windows\n\n{OUTLOOK_FROM}\n\n" + section_email(1),
        [(1, Y, None)],
    ),
    # --- Gmail, Apple Mail, Thunderbird: the original is quoted with '>' -------------------
    Sample(
        "gmail, numbered on top",
        f"1 yes\n2 no\n\n{GMAIL_ON}\n\n" + quote(section_email(1)),
        [(1, Y, None), (2, N, None)],
    ),
    Sample(
        "gmail, attribution wrapped over two lines",
        f"12 Photos of pupils\n\n{GMAIL_ON_WRAPPED}\n\n" + quote(section_email(1)),
        [(12, "Photos of pupils", None)],
    ),
    Sample(
        "gmail inline",
        f"{GMAIL_ON}\n\n"
        + inline(
            section_email(1), {1: "yes", 2: "no\nonly for pupils on roll", 12: "none"}, quoted=True
        ),
        [(1, Y, None), (2, N, "only for pupils on roll"), (12, NOTHING, None)],
    ),
    Sample(
        "gmail inline, quote wrapped at 72 characters",
        f"Answers below\n\n{GMAIL_ON}\n\n"
        + inline(
            section_email(5),
            {29: "yes", 33: "no - not colleges", 34: "yes", 35: "We use it for our annual report"},
            quoted=True,
            width=72,
        ),
        [
            (29, Y, None),
            (33, N, "not colleges"),
            (34, Y, None),
            (35, "We use it for our annual report", None),
        ],
        unreadable=["Answers below"],
    ),
    Sample(
        "gmail inline, number typed again",
        f"{GMAIL_ON}\n\n" + inline(section_email(1), {4: "4 yes", 5: "5. no"}, quoted=True),
        [(4, Y, None), (5, N, None)],
    ),
    Sample(
        "gmail inline, unreadable answer",
        f"{GMAIL_ON}\n\n" + inline(section_email(1), {4: "n/a", 5: "yes"}, quoted=True),
        [(5, Y, None)],
        unreadable=["n/a"],
    ),
    Sample(
        "gmail inline, signed at the bottom",
        f"{GMAIL_ON}\n\n"
        + inline(section_email(1), {1: "yes"}, quoted=True)
        + "\n\nThanks\nJane\n07700 900123",
        [(1, Y, None)],
    ),
    Sample(
        "gmail inline statement wrapped",
        f"{GMAIL_ON}\n\n"
        + inline(section_email(7), {43: "differs - after three years"}, quoted=True, width=60),
        [(43, "differs", "after three years")],
    ),
    Sample(
        "gmail reply to the review, changed under a question",
        f"{GMAIL_ON}\n\n"
        + inline(review_email(), {1: "no - we stopped keeping them"}, quoted=True),
        [(1, N, "we stopped keeping them")],
    ),
    Sample(
        "gmail quoted only",
        f"{GMAIL_ON}\n\n" + quote(section_email(1)),
    ),
    Sample(
        "apple iphone",
        f"1 yes\n2 no\n\nSent from my iPhone\n\n{APPLE_ON}\n\n" + quote(section_email(1)),
        [(1, Y, None), (2, N, None)],
    ),
    Sample(
        "apple mail inline",
        f"{APPLE_ON}\n\n"
        + inline(section_email(3), {19: "Yes", 23: "The county youth service"}, quoted=True),
        [(19, Y, None), (23, "The county youth service", None)],
    ),
    Sample(
        "samsung phone",
        f"1 yes\n\nSent from my Samsung Galaxy smartphone.\n\n{SAMSUNG_FROM}\n\n"
        + section_email(1),
        [(1, Y, None)],
    ),
    Sample(
        "thunderbird, answers below the quote",
        f"{THUNDERBIRD_ON}\n"
        + quote(section_email(1), 72)
        + "\n\n1 yes\n2 no\n\n-- \nJane Smith\n0116 305 0000",
        [(1, Y, None), (2, N, None)],
    ),
    Sample(
        "thunderbird forward header",
        f"24 yes\n25 yes\n\n{THUNDERBIRD_FORWARD}\n\n" + section_email(4),
        [(24, Y, None), (25, Y, None)],
    ),
    # --- signatures, disclaimers, odd characters ---------------------------------------------
    Sample(
        "signature with an address that starts with a number",
        "1 yes\n\n-- \nJane Smith\n12 High Street\nLeicester LE1 1AA",
        [(1, Y, None)],
    ),
    Sample(
        "external mail banner on top",
        "CAUTION: This email originated from outside of the organisation. Do not click links or"
        " open attachments unless you recognise the sender and know the content is safe."
        "\n\n1 yes\n2 no",
        [(1, Y, None), (2, N, None)],
    ),
    Sample(
        "disclaimer without a sign-off",
        "1 yes\n\nDisclaimer: This email and any files transmitted with it are confidential and\n"
        "intended solely for the use of the individual to whom they are addressed.",
        [(1, Y, None)],
    ),
    Sample(
        "windows line endings",
        f"1 yes\r\n2 no - only for pupils on roll\r\n\r\n{GMAIL_ON}\r\n\r\n"
        + quote(section_email(1)).replace("\n", "\r\n"),
        [(1, Y, None), (2, N, "only for pupils on roll")],
    ),
    Sample(
        "invisible characters",
        "\u200f1\u00a0yes\u200e\n2\tno\n\ufeff3  y\u200b\n4\u00a0-\u00a0no",
        [(1, Y, None), (2, N, None), (3, Y, None), (4, N, None)],
    ),
    Sample("control characters", "1 yes\x00\n2 no\x07\x1b", [(1, Y, None), (2, N, None)]),
    Sample(
        "emoji",
        "1 ✓\n12 Photos 📷 of pupils on trips\n\n👍",
        [(1, Y, None), (12, "Photos 📷 of pupils on trips", None)],
        unreadable=["👍"],
    ),
    Sample(
        "html remnants",
        "<div>1 yes</div>\n<br>\n2 no&nbsp;",
        unreadable=["<div>1 yes</div>", "<br>", "2 no&nbsp;"],
    ),
    Sample("empty", ""),
    Sample("blank lines only", "  \n\t\n\u00a0\n\n"),
]
