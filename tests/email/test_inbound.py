"""Reading received emails: realistic messages from common mail programs, and junk."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.email.inbound import Inbound, html_to_text, read_message, unflow

TOKEN_ADDRESS = "audit+k3j5m2q8x4wz@la.example"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


OUTLOOK = crlf(f"""\
Received: from EX01.school.example (10.0.0.5) by EX02.school.example
Return-Path: <Jane.Smith@school.example>
From: "Smith, Jane" <Jane.Smith@School.Example>
To: "Partnership Audit" <{TOKEN_ADDRESS}>
CC: Head Teacher <head@school.example>
Subject: RE: Partnership audit: Section 1 [ref k3j5m2q8x4wz]
Thread-Topic: Partnership audit: Section 1 [ref k3j5m2q8x4wz]
Thread-Index: AQHZ1c2Xk1Qp8bB7
Date: Tue, 3 Nov 2026 09:14:22 +0000
Message-ID: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>
In-Reply-To: <audit-1@la.example>
Content-Language: en-GB
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
MIME-Version: 1.0
Content-Type: multipart/alternative;
\tboundary="_000_DB9PR01MB1234ABCD_"

--_000_DB9PR01MB1234ABCD_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

1. yes
2. no =E2=80=93 only pupils on roll
3. yes

Kind regards,
Jane

________________________________
From: Partnership Audit <{TOKEN_ADDRESS}>
Sent: 02 November 2026 10:00
To: Smith, Jane <Jane.Smith@school.example>
Subject: Partnership audit: Section 1 [ref k3j5m2q8x4wz]

1. Do you keep a register?  (yes / no)

--_000_DB9PR01MB1234ABCD_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p.MsoNormal {{margin:0cm;}}</style></head><body>
<div class=3D"WordSection1"><p class=3D"MsoNormal">1. yes</p></div>
</body></html>

--_000_DB9PR01MB1234ABCD_--
""")

GMAIL = crlf(f"""\
Delivered-To: {TOKEN_ADDRESS}
MIME-Version: 1.0
References: <audit-2@la.example>
In-Reply-To: <audit-2@la.example>
From: Bob Baker <bob.baker@gmail.com>
Date: Tue, 3 Nov 2026 11:02:13 +0000
Message-ID: <CAF8x=Qm1234abcd+efgh@mail.gmail.com>
Subject: Re: Partnership audit [ref k3j5m2q8x4wz]
To: Partnership Audit <{TOKEN_ADDRESS}>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"

--000000000000a1b2c3d4e5f6
Content-Type: text/plain; charset="UTF-8"

submit

On Mon, 2 Nov 2026 at 10:00, Partnership Audit <{TOKEN_ADDRESS}> wrote:

> Reply "submit" to send your answers.
>

--000000000000a1b2c3d4e5f6
Content-Type: text/html; charset="UTF-8"

<div dir=3D"ltr">submit</div><br><div class=3D"gmail_quote">
<blockquote class=3D"gmail_quote">Reply &quot;submit&quot;</blockquote></div>

--000000000000a1b2c3d4e5f6--
""")

APPLE_MAIL = crlf(f"""\
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_6F5C0A7E-1111-2222-3333-444455556666"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.700.6\\))
Subject: Re: Partnership audit [ref k3j5m2q8x4wz]
From: Carol Cole <carol@south.example>
In-Reply-To: <audit-3@la.example>
Date: Tue, 3 Nov 2026 12:30:00 +0000
Message-Id: <9A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@south.example>
To: Partnership Audit <{TOKEN_ADDRESS}>
X-Mailer: Apple Mail (2.3731.700.6)

--Apple-Mail=_6F5C0A7E-1111-2222-3333-444455556666
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
\tcharset=utf-8

4. We share attendance data with the local authority every term under =
the data sharing agreement.

> On 2 Nov 2026, at 10:00, Partnership Audit <{TOKEN_ADDRESS}> wrote:
>=20
> 4. Who do you share it with?

--Apple-Mail=_6F5C0A7E-1111-2222-3333-444455556666
Content-Transfer-Encoding: 7bit
Content-Type: text/html;
\tcharset=us-ascii

<html><body>4. We share attendance data</body></html>
--Apple-Mail=_6F5C0A7E-1111-2222-3333-444455556666--
""")

SOFT = " "  # format=flowed: a line ending in a space goes on on the next line
THUNDERBIRD_FLOWED = crlf(f"""\
Message-ID: <5f1e2d3c-aaaa-bbbb-cccc-0123456789ab@east.example>
Date: Tue, 3 Nov 2026 13:00:00 +0000
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Partnership audit [ref k3j5m2q8x4wz]
To: {TOKEN_ADDRESS}
From: Dan Dee <dan@east.example>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

5. no - we keep the records for six years after the pupil{SOFT}
leaves, then shred them.

On 02/11/2026 10:00, Partnership Audit wrote:
> 5. Do you keep records for less than{SOFT}
> three years?
""")

HTML_ONLY = crlf(f"""\
From: Erin <erin@west.example>
To: {TOKEN_ADDRESS}
Subject: Re: Partnership audit [ref k3j5m2q8x4wz]
Message-ID: <html-only-1@west.example>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><head><title>ignored</title><style>body {{ color: red }}</style></head>
<body><p>1. yes</p><p>2. no&nbsp;&ndash; not any more</p><div>3.&nbsp;true<br>4. differs</div>
<blockquote type="cite"><div>1. Do you keep a register?</div>
<blockquote><p>older quote</p></blockquote></blockquote>
<script>alert("x")</script></body></html>
""")

BASE64_BODY = crlf(f"""\
From: Fay <fay@north.example>
To: {TOKEN_ADDRESS}
Subject: =?UTF-8?B?UmU6IMOJY29sZSBhdWRpdA==?= [ref k3j5m2q8x4wz]
Message-ID: <b64@north.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

""") + base64.encodebytes("review\r\nMerci — Fay\r\n".encode())

LATIN1 = (
    b"From: =?iso-8859-1?q?Ren=E9e_M=FCller?= <renee@north.example>\r\n"
    b"To: " + TOKEN_ADDRESS.encode() + b"\r\n"
    b"Subject: =?ISO-8859-1?Q?Re:_Caf=E9_partnership?=\r\n"
    b"Message-ID: <latin1@north.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=ISO-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"2. no \xe2 \xa3 costs: caf\xe9 staff only\r\n"
)

OUT_OF_OFFICE = crlf(f"""\
From: Jane Smith <jane.smith@school.example>
To: {TOKEN_ADDRESS}
Subject: Automatic reply: Partnership audit [ref k3j5m2q8x4wz]
Message-ID: <oof-1@school.example>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset="us-ascii"

I am out of the office until Monday.
""")

AUTO_SUBMITTED_ONLY = crlf(f"""\
From: Vacation <holiday@school.example>
To: {TOKEN_ADDRESS}
Subject: Away
Message-ID: <vac@school.example>
Auto-Submitted: auto-replied (vacation)

Away this week.
""")

BULK = crlf(f"""\
From: Newsletter <news@lists.example>
To: {TOKEN_ADDRESS}
Subject: This week in schools
Message-ID: <bulk-1@lists.example>
Precedence: bulk
List-Unsubscribe: <mailto:unsubscribe@lists.example>

News.
""")

BOUNCE = crlf(f"""\
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.la.example>
To: {TOKEN_ADDRESS}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.la.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B0UNCE"

--B0UNCE
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.la.example.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B0UNCE
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.la.example
Final-Recipient: rfc822; gone@school.example
Action: failed
Status: 5.1.1

--B0UNCE
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Partnership Audit <audit@la.example>
To: gone@school.example

--B0UNCE--
""")

PLAIN_REPORT_BOUNCE = crlf(f"""\
From: postmaster@school.example
To: {TOKEN_ADDRESS}
Subject: Delivery Status Notification (Failure)
Message-ID: <bounce-2@school.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="x"

--x
Content-Type: text/plain

Delivery has failed.
--x--
""")

GARBAGE = b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xde\xad\xbe\xef" * 10


@dataclass(frozen=True)
class Case:
    raw: bytes
    sender: str = ""
    recipients: tuple[str, ...] = ()
    subject: str = ""
    text: str | None = None
    contains: tuple[str, ...] = ()
    automatic: bool = False
    message_id: str | None = None
    lacks: tuple[str, ...] = field(default_factory=tuple)


CASES = {
    "outlook": Case(
        OUTLOOK,
        sender="jane.smith@school.example",
        recipients=(TOKEN_ADDRESS, "head@school.example"),
        subject="RE: Partnership audit: Section 1 [ref k3j5m2q8x4wz]",
        contains=("1. yes\n2. no – only pupils on roll\n3. yes\n", "From: Partnership Audit"),
        message_id="<DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>",
        lacks=("\r", "<p"),
    ),
    "gmail": Case(
        GMAIL,
        sender="bob.baker@gmail.com",
        recipients=(TOKEN_ADDRESS,),
        subject="Re: Partnership audit [ref k3j5m2q8x4wz]",
        contains=("submit\n\nOn Mon, 2 Nov 2026", '> Reply "submit" to send your answers.'),
        message_id="<CAF8x=Qm1234abcd+efgh@mail.gmail.com>",
        lacks=("<div",),
    ),
    "apple mail": Case(
        APPLE_MAIL,
        sender="carol@south.example",
        recipients=(TOKEN_ADDRESS,),
        subject="Re: Partnership audit [ref k3j5m2q8x4wz]",
        contains=(
            "4. We share attendance data with the local authority every term under the data "
            "sharing agreement.\n",
            "> 4. Who do you share it with?",
        ),
    ),
    "thunderbird format=flowed": Case(
        THUNDERBIRD_FLOWED,
        sender="dan@east.example",
        recipients=(TOKEN_ADDRESS,),
        contains=(
            "5. no - we keep the records for six years after the pupil leaves, then shred them.\n",
            "> 5. Do you keep records for less than three years?",
        ),
    ),
    "html only": Case(
        HTML_ONLY,
        sender="erin@west.example",
        text=(
            "1. yes\n2. no – not any more\n3. true\n4. differs\n"
            "> 1. Do you keep a register?\n>> older quote"
        ),
    ),
    "base64": Case(
        BASE64_BODY,
        sender="fay@north.example",
        subject="Re: École audit [ref k3j5m2q8x4wz]",
        text="review\nMerci — Fay",
    ),
    "iso-8859-1": Case(
        LATIN1,
        sender="renee@north.example",
        subject="Re: Café partnership",
        text="2. no â £ costs: café staff only",
    ),
    "out of office": Case(OUT_OF_OFFICE, sender="jane.smith@school.example", automatic=True),
    "auto-submitted": Case(AUTO_SUBMITTED_ONLY, automatic=True, text="Away this week."),
    "precedence bulk": Case(BULK, automatic=True, text="News."),
    "dsn bounce": Case(
        BOUNCE,
        sender="mailer-daemon@mx.la.example",
        automatic=True,
        contains=("could not\nbe delivered",),
        lacks=("Reporting-MTA",),
    ),
    "postmaster report": Case(PLAIN_REPORT_BOUNCE, automatic=True, text="Delivery has failed."),
}


@pytest.mark.parametrize("name", CASES)
def test_realistic_messages(name: str) -> None:
    case = CASES[name]
    read = read_message(case.raw)
    if case.sender:
        assert read.sender == case.sender
    if case.recipients:
        assert read.recipients == case.recipients
    if case.subject:
        assert read.subject == case.subject
    if case.message_id:
        assert read.message_id == case.message_id
    if case.text is not None:
        assert read.text == case.text
    for part in case.contains:
        assert part in read.text
    for part in case.lacks:
        assert part not in read.text
    assert read.automatic is case.automatic


def test_garbage_never_raises_and_gets_a_stable_id() -> None:
    read = read_message(GARBAGE)
    assert isinstance(read, Inbound)
    assert read.sender == "" and read.recipients == () and read.subject == ""
    assert read.message_id == read_message(GARBAGE).message_id
    assert read.message_id != read_message(GARBAGE + b"x").message_id
    read.text.encode("utf-8")  # storable


def test_empty_input() -> None:
    read = read_message(b"")
    assert (read.sender, read.recipients, read.subject, read.text) == ("", (), "", "")
    assert read.message_id and not read.automatic


def test_missing_message_id_is_a_hash_of_the_bytes() -> None:
    raw = b"From: a@school.example\r\nSubject: hi\r\n\r\nbody\r\n"
    first, again = read_message(raw), read_message(raw)
    assert first.message_id == again.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith(">")


def test_recipients_come_from_to_cc_delivered_to_and_x_original_to() -> None:
    raw = (
        b"Delivered-To: Audit+TOKEN@LA.example\r\n"
        b"X-Original-To: audit+token@la.example\r\n"
        b"From: Lead <LEAD@School.Example>\r\n"
        b'To: "Audit, LA" <audit@la.example>, other@school.example\r\n'
        b"Cc: =?utf-8?q?Zo=C3=AB?= <zoe@school.example>\r\n"
        b"Subject: x\r\n\r\nx\r\n"
    )
    read = read_message(raw)
    assert read.sender == "lead@school.example"
    assert read.recipients == (
        "audit@la.example",
        "other@school.example",
        "zoe@school.example",
        "audit+token@la.example",
    )


def test_raw_utf8_headers_are_read() -> None:
    raw = "From: Zoë <zoe@school.example>\r\nSubject: Café – réponse\r\n\r\nok\r\n".encode()
    read = read_message(raw)
    assert read.subject == "Café – réponse"
    assert read.sender == "zoe@school.example"


def test_malformed_headers_give_empty_values() -> None:
    raw = (
        b"From: <<<@@>>>\r\n"
        b"To: ,,,;;; <\r\n"
        b"Subject: =?bogus-charset?q?x?= =?utf-8?b?####?=\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"!!! not base64 \xff\r\n"
    )
    read = read_message(raw)
    assert read.sender == ""
    assert read.recipients == ()
    assert isinstance(read.subject, str) and isinstance(read.text, str)
    read.text.encode("utf-8")


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ("Auto-Submitted: no", False),
        ("Auto-Submitted: no (sent by a person)", False),
        ("Auto-Submitted: auto-generated", True),
        ("Precedence: junk", True),
        ("Precedence: list", True),
        ("Precedence: first-class", False),
        ("X-Autoreply: yes", True),
        ("X-Autorespond: Out of office", True),
        ("X-Auto-Response-Suppress: OOF, AutoReply", True),
        ("X-Auto-Response-Suppress: DR, RN, NRN", False),
        ("Return-Path: <>", True),
        ("Return-Path: <lead@school.example>", False),
        ("Subject: Out of Office: Partnership audit", True),
        ("Subject: Re: out of office hours contact", False),
        ("Subject: Automatic reply: audit", True),
    ],
)
def test_automatic_mail_is_recognised(headers: str, automatic: bool) -> None:
    raw = f"From: lead@school.example\r\n{headers}\r\n\r\nbody\r\n".encode()
    assert read_message(raw).automatic is automatic


def test_from_mailer_daemon_without_a_domain_is_automatic() -> None:
    assert read_message(b"From: MAILER-DAEMON\r\n\r\nx\r\n").automatic


def test_html_to_text_keeps_lines_and_quotes() -> None:
    html = (
        "<div>Hello&amp;bye</div><div><br></div><div>line two<br/>line   three</div>"
        "<ul><li>one</li><li>two</li></ul><pre>  keep\n  spacing</pre>"
        "<blockquote><div>quoted<br>more</div></blockquote>after"
    )
    assert html_to_text(html) == (
        "Hello&bye\n\nline two\nline three\n- one\n- two\n  keep\n  spacing\n"
        "> quoted\n> more\nafter"
    )


def test_unflow_joins_soft_breaks_only() -> None:
    assert unflow("a \nb\nc") == "a b\nc"
    assert unflow("one \ntwo", delsp=True) == "onetwo"
    assert unflow("-- \nsig") == "--\nsig"
    assert unflow("> quoted \n> more\nplain") == "> quoted more\nplain"
    assert unflow(" From space-stuffed") == "From space-stuffed"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_read_message_never_raises(raw: bytes) -> None:
    read = read_message(raw)
    for value in (read.message_id, read.sender, read.subject, read.text, *read.recipients):
        value.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: ",
                b"To: ",
                b"Subject: ",
                b"Content-Type: multipart/mixed; boundary=b\r\n",
                b"Content-Type: text/html\r\n",
                b"Content-Transfer-Encoding: quoted-printable\r\n",
                b"=?utf-8?b?",
                b"=?x?q?",
                b"--b\r\n",
                b"--b--\r\n",
                b"<blockquote>",
                b"\r\n",
                b"\xff",
                b"a@b.c",
                b"<",
                b">",
                b",",
                b'"',
            ]
        ),
        max_size=60,
    )
)
def test_read_message_never_raises_on_email_shaped_junk(parts: list[bytes]) -> None:
    read = read_message(b"".join(parts))
    for value in (read.message_id, read.sender, read.subject, read.text, *read.recipients):
        value.encode("utf-8")
