"""Many people at once on the website's chat, each sending as the widget does: a message
whose answer does not come back is sent again with the same id (web/static/chat.js).

Like a browser, the client keeps connections open between messages; and like a browser
(Chromium's HttpNetworkTransaction::ShouldResendRequest), it sends a request again at
once, unseen by the page, when a kept connection was closed by the server before any
answer: nginx's old workers close their idle connections when it reloads.
"""

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

import aiohttp

# The widget's waits between two tries of one message (web/static/chat.js).
RETRY_DELAYS_S = (1, 2, 4, 8, 15, 30)
RETRIED_STATUSES = (0, 502, 503, 504)  # 0: no answer at all
ATTEMPT_TIMEOUT_S = 60
FIRST_NAMES = ("Léa", "Paul", "Inès", "Karim", "Sofia", "Marc", "Nadia", "Hugo", "Aïcha", "Jean")
REFERENCE = re.compile(r"CLEA-\d{4}-\w+")
APOLOGY = "l'assistant a un problème"  # utter_assistant_unavailable: an answer failed
RETYPE_AFTER_S = 2
STORE_RETRIES = 20


@dataclass
class Exchange:
    """One message of a person: when it was sent and answered, and each try's status."""

    started: float
    ended: float = 0.0
    statuses: list[int] = field(default_factory=list)
    resent_by_browser: int = 0  # a kept connection closed before any answer
    seen_error: str | None = None  # what the person read when every try failed


@dataclass
class Conversation:
    sender: str = ""
    reference: str | None = None
    consented: bool = False
    exchanges: list[Exchange] = field(default_factory=list)


class Person:
    """One conversation through the public address, to a pre-dossier."""

    def __init__(self, http: aiohttp.ClientSession, public_url: str, number: int) -> None:
        self.http = http
        self.url = public_url
        self.number = number
        self.conversation = Conversation()

    async def say(self, message: str) -> list[dict]:
        """The answers to `message`, sent again with its id while no answer comes back;
        [] when every try failed (the person read the error)."""
        message_id = uuid.uuid4().hex
        exchange = Exchange(started=time.monotonic())
        self.conversation.exchanges.append(exchange)
        for delay in (*RETRY_DELAYS_S, None):
            status, body, closed_kept_connection = await self._post(message, message_id)
            if closed_kept_connection:
                exchange.resent_by_browser += 1
                status, body, _ = await self._post(message, message_id)
            exchange.statuses.append(status)
            if status == 200 and isinstance(body, list):
                exchange.ended = time.monotonic()
                apologies = [m["text"] for m in body if APOLOGY in (m.get("text") or "")]
                exchange.seen_error = apologies[0] if apologies else None
                return body
            if status not in RETRIED_STATUSES or delay is None:
                break
            await asyncio.sleep(delay)
        exchange.ended = time.monotonic()
        exchange.seen_error = body.get("error") if isinstance(body, dict) else None
        return []

    async def answer(self, message: str) -> list[dict]:
        """`message`, typed again once, as a person would, after an error or the apology."""
        answers = await self.say(message)
        if self.conversation.exchanges[-1].seen_error is None:
            return answers
        await asyncio.sleep(RETYPE_AFTER_S)
        return await self.say(message)

    async def _post(self, message: str, message_id: str) -> tuple[int, object, bool]:
        """The status and body of one try, and whether it failed on a kept connection
        that the server closed before any answer (a browser sends it again at once)."""
        body = {"sender": self.conversation.sender, "message": message, "message_id": message_id}
        connection = SimpleNamespace(reused=False)
        try:
            async with self.http.post(
                f"{self.url}/chat",
                json=body,
                trace_request_ctx=connection,
                timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT_S),
            ) as answer:
                try:
                    return answer.status, await answer.json(content_type=None), False
                except ValueError:  # nginx's own error page
                    return answer.status, None, False
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            return 0, None, connection.reused
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return 0, None, False

    async def _new_conversation_id(self) -> str:
        """An id from the web app, asked again while it does not answer (it may be restarting)."""
        for delay in (*RETRY_DELAYS_S, 0):
            try:
                async with self.http.post(f"{self.url}/chat/session") as issued:
                    if issued.status == 200:
                        return (await issued.json())["sender"]
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(delay)
        raise AssertionError("no conversation id after every try")

    async def make_pre_dossier(self) -> Conversation:
        """Ask for a pre-dossier, consent, fill the form and confirm, as a person would:
        "Réessayer" while the store is away, the confirmation clicked twice."""
        self.conversation.sender = await self._new_conversation_id()
        await self.answer("je veux m'inscrire à cléa")
        consent = await self.answer("Arras")
        buttons = consent[-1].get("buttons") if consent else None
        await self.say(buttons[0]["payload"] if buttons else "oui")
        self.conversation.consented = True
        number = self.number
        phone = f"06 12 {number // 10_000:02d} {number // 100 % 100:02d} {number % 100:02d}"
        for message in (
            FIRST_NAMES[number % len(FIRST_NAMES)],
            "Durand",
            phone,
            "demandeur d'emploi",
            "Le matin",
        ):
            await self.answer(message)
        for _ in range(STORE_RETRIES):
            answer = "\n".join(m.get("text") or "" for m in await self.say("/affirm"))
            found = REFERENCE.search(answer)
            if found:
                self.conversation.reference = found.group(0)
                break
            await asyncio.sleep(2)  # "Réessayer" (the store is away) or an error
        await self.say("/affirm")  # a double click: still one pre-dossier
        return self.conversation


def connection_reuse_trace() -> aiohttp.TraceConfig:
    """Marks a request's `trace_request_ctx.reused` when it goes on a kept connection."""

    async def reused(_session: object, context: SimpleNamespace, _params: object) -> None:
        if context.trace_request_ctx is not None:  # a message's request (not an id's)
            context.trace_request_ctx.reused = True

    trace = aiohttp.TraceConfig()
    trace.on_connection_reuseconn.append(reused)
    return trace


@dataclass
class LoadResult:
    conversations: list[Conversation]
    started: float
    ended: float

    @property
    def exchanges(self) -> list[Exchange]:
        return [e for c in self.conversations for e in c.exchanges]

    def answered_per_second(self, start: float, end: float) -> float:
        """Messages answered per second between two instants."""
        answered = sum(1 for e in self.exchanges if start <= e.ended < end and e.seen_error is None)
        return answered / max(end - start, 1e-9)

    def peak_concurrency(self) -> int:
        """The largest number of conversations running at one instant."""
        edges = sorted(
            [(c.exchanges[0].started, 1) for c in self.conversations if c.exchanges]
            + [(c.exchanges[-1].ended, -1) for c in self.conversations if c.exchanges]
        )
        running = peak = 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
        return peak


async def run_load(
    public_url: str, people: int, keep_going: asyncio.Event, first_number: int = 0
) -> LoadResult:
    """`people` people making pre-dossiers at once, each starting another until
    `keep_going` is cleared; numbers (hence phone numbers) all different."""
    started = time.monotonic()
    numbers = iter(range(first_number, first_number + 1_000_000))
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=2 * people), trace_configs=[connection_reuse_trace()]
    ) as http:

        async def one_after_another() -> list[Conversation]:
            done = [await Person(http, public_url, next(numbers)).make_pre_dossier()]
            while keep_going.is_set():
                done.append(await Person(http, public_url, next(numbers)).make_pre_dossier())
            return done

        results = await asyncio.gather(*(one_after_another() for _ in range(people)))
    return LoadResult([c for done in results for c in done], started, time.monotonic())
