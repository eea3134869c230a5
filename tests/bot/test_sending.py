"""The reply policy shared by the messaging apps: short timeouts, bounded retries."""

import asyncio
import time

import pytest

from bot.channels import sending
from bot.channels.sending import ReplyFailed, SendError, host_of, pause_before, with_retries


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(sending, "BACKOFF_S", (0.01, 0.02, 0.04))


def attempts_answering(*outcomes):
    """An attempt function giving each outcome in turn (an exception is raised)."""
    calls = []

    async def attempt():
        outcome = outcomes[len(calls)]
        calls.append(time.monotonic())
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome == "hang":
            await asyncio.sleep(60)
        return outcome

    return attempt, calls


def test_a_passing_failure_is_tried_again_until_it_passes():
    attempt, calls = attempts_answering(SendError("HTTP 503"), SendError("HTTP 502"), "ok")
    assert asyncio.run(with_retries("telegram", "api", attempt)) == "ok"
    assert len(calls) == 3


def test_a_refusal_that_will_not_change_is_not_tried_again():
    attempt, calls = attempts_answering(SendError("HTTP 403 code 200", retry=False), "ok")
    with pytest.raises(ReplyFailed, match="telegram: HTTP 403"):
        asyncio.run(with_retries("telegram", "api", attempt))
    assert len(calls) == 1


def test_retries_are_bounded():
    attempt, calls = attempts_answering(*[SendError("HTTP 500")] * 10)
    with pytest.raises(ReplyFailed):
        asyncio.run(with_retries("twilio", "api", attempt))
    assert len(calls) == sending.ATTEMPTS


def test_the_providers_delay_is_honoured_within_a_cap():
    assert pause_before(1, SendError("429", retry_after=0.3)) == 0.3
    assert pause_before(1, SendError("429", retry_after=3600)) == sending.MAX_RETRY_AFTER_S
    attempt, calls = attempts_answering(SendError("429", retry_after=0.3), "ok")
    asyncio.run(with_retries("telegram", "api", attempt))
    assert calls[1] - calls[0] >= 0.25  # the loop's clock may wake a tick early; backoff is 0.01


def test_a_hanging_call_is_cut_by_the_timeout():
    attempt, calls = attempts_answering("hang", "ok")
    started = time.monotonic()
    assert asyncio.run(with_retries("messenger", "api", attempt, timeout_s=0.2)) == "ok"
    assert time.monotonic() - started < 2


def test_only_the_host_of_an_address_is_logged():
    assert host_of("https://api.telegram.org/bot123:ABC/sendMessage") == "api.telegram.org"
