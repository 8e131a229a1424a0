"""The terminal channel: answer the audit by typing, on a TTY or from piped input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.about import about_now, about_outcome
from bot.audit_service import AuditService, Outcome, contact_lock
from bot.config import Settings
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import NOTHING_TO_ADD
from bot.questionnaire import Kind, Questionnaire
from bot.texts import Texts, texts

CHANNEL = "console"
_PROMPTS = fx.Ask | fx.OfferNote | fx.AskConfirm | fx.ShowReview | fx.AskWhere | fx.ConfirmChange


class Help:
    """/help: not a flow event; the chat answers it itself."""


Reader = Callable[[str], str]
"""Reads one line after showing a prompt; raises EOFError at the end of input."""
Writer = Callable[[str], None]


@dataclass
class _Expecting:
    """What the last message asked for, so a typed line can be read as an event."""

    effect: fx.Effect | None = None
    kind: Kind | None = None


class ConsoleChat:
    def __init__(
        self,
        service: AuditService,
        contact_id: int,
        read: Reader,
        write: Writer,
        settings: Settings,
        throwaway: bool = False,
    ) -> None:
        self.settings = settings
        self.throwaway = throwaway
        self.service = service
        self.contact_id = contact_id
        self.read = read
        self.write = write
        self.texts: Texts = texts()
        self.expecting = _Expecting()
        self.questionnaire: Questionnaire | None = None
        self.last_saved: str | None = None
        """The question last answered here: where `/note` adds a note."""

    async def run(self) -> None:
        """Converse until the user quits or input ends; progress is saved at every step."""
        outcome = await self.send(ev.Start())
        about = about_outcome(self.settings, outcome)
        if about is not None:
            self.write(
                self.texts.render("console/welcome.txt.j2", contact=outcome.contact, about=about)
            )
        self.show(outcome)
        if outcome.questionnaire is None:
            return
        while True:
            try:
                line = self.read(self.texts.string("console.prompt"))
            except EOFError:
                break
            event = self.parse(line)
            if isinstance(event, ev.Pause):
                break
            if isinstance(event, Help):
                about = await about_now(self.service.db, self.settings, outcome.contact)
                self.write(self.texts.render("console/help.txt.j2", about=about))
            elif event is not None:
                self.show(await self.send(event))
        self.show(await self.send(ev.Pause()))

    async def send(self, event: ev.Event) -> Outcome:
        async with contact_lock(self.contact_id):
            return await self.service.handle(self.contact_id, CHANNEL, event)

    def show(self, outcome: Outcome) -> None:
        self.questionnaire = outcome.questionnaire or self.questionnaire
        for effect in outcome.effects:
            template = f"console/{fx.template_name(effect)}.txt.j2"
            self.write(
                self.texts.render(
                    template,
                    effect=effect,
                    q=outcome.questionnaire,
                    answers=outcome.answers,
                    throwaway=self.throwaway,
                    me=self.contact_id,
                )
            )
            if isinstance(effect, fx.Recorded):
                self.last_saved = effect.question_id
            if isinstance(effect, _PROMPTS):
                kind = None
                if isinstance(effect, fx.Ask | fx.OfferNote) and outcome.questionnaire:
                    kind = outcome.questionnaire.item(effect.question_id).kind
                self.expecting = _Expecting(effect, kind)

    def parse(self, line: str) -> ev.Event | Help | None:
        """Read a typed line as an event, given what was asked last."""
        text = line.strip()
        if text.startswith("/"):
            return self.command(text)
        expecting = self.expecting.effect
        if isinstance(expecting, fx.AskConfirm):
            return self.confirm(expecting, text)
        if isinstance(expecting, fx.ConfirmChange):
            word = text.lower()
            yes = word in ("y", "yes")
            if not yes and word not in ("n", "no"):
                self.write(self.texts.string("console.yes_or_no"))
                return None
            if yes:
                return ev.Choose(expecting.question_id, expecting.value, confirmed=True)
            return ev.Keep(expecting.question_id)
        if isinstance(expecting, fx.OfferNote):
            return ev.Text(text) if text else ev.Next(expecting.question_id)
        kind = self.expecting.kind
        nothing = text.lower() == self.texts.string("console.nothing_word")
        if isinstance(expecting, fx.Ask) and kind is not None and kind.is_free_text and nothing:
            return ev.Choose(expecting.question_id, NOTHING_TO_ADD)
        # typed choices ("no - only for pupils on roll") are read by the flow itself
        return ev.Text(text) if text else None

    def confirm(self, asking: fx.AskConfirm, text: str) -> ev.Event | None:
        """At "Submit?": the name or role it asks for, else yes, no, or which part of the
        sign-off to change."""
        if asking.asks is not None:
            return ev.Text(text) if text else None
        word = text.lower()
        parts = {
            self.texts.string("signoff.console.name"): ev.SignerPart.NAME,
            self.texts.string("signoff.console.role"): ev.SignerPart.ROLE,
        }
        if word in parts:
            return ev.Sign(parts[word])
        if word in ("y", "yes", "n", "no"):
            return ev.Confirm() if word.startswith("y") else ev.CancelSubmit()
        self.write(self.texts.string("signoff.console.answer"))
        return None

    def command(self, text: str) -> ev.Event | Help | None:
        name, _, argument = text[1:].partition(" ")
        current = self.expecting.effect
        question = current.question_id if isinstance(current, fx.Ask | fx.OfferNote) else None
        simple: dict[str, ev.Event] = {
            "skip": ev.Skip(question),
            "next": ev.Next(question),
            "back": ev.Back(question),
            "review": ev.Review(),
            "submit": ev.Submit(),
            "status": ev.Status(),
            "quit": ev.Pause(),
            "pause": ev.Pause(),
            "start": ev.Start(),
        }
        if name.lower() in simple:
            return simple[name.lower()]
        if name.lower() == "same-section" and question is not None:
            return ev.SectionStillTrue(question)  # all of last year's section still holds
        if name.lower() == "go":
            return self.jump(argument.strip())
        if name.lower() == "note":
            return self.note(argument.strip())
        if name.lower() == "help":
            return Help()
        self.write(self.texts.string("console.unknown_command", command=name))
        return None

    def note(self, target: str) -> ev.Event | None:
        """`/note` (on the question last answered) or `/note 12`."""
        if not target:
            if self.last_saved is None:
                self.write(self.texts.string("console.nothing_to_note"))
                return None
            return ev.Note(self.last_saved)
        jump = self.jump(target)
        return ev.Note(jump.question_id) if isinstance(jump, ev.Jump) else None

    def jump(self, target: str) -> ev.Event | None:
        """`/go 12` (a question number) or `/go s2.schools` (an id)."""
        q = self.questionnaire
        if (
            q is not None
            and target.isascii()
            and target.isdigit()
            and 1 <= int(target) <= len(q.items)
        ):
            return ev.Jump(q.items[int(target) - 1].id)
        if q is not None and q.position(target) is not None:
            return ev.Jump(target)
        self.write(self.texts.string("console.no_such_question", target=target))
        return None
