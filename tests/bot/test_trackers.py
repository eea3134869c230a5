"""The incremental tracker gives the policies what Rasa's own tracker gives them."""

import math
import random
from pathlib import Path

import pytest
import yaml
from helpers import project_domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.trackers import RECENT_STATES, IncrementalTracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = project_domain()
FORM = DOMAIN.form_names[0]
OPTIONS = [
    {},
    {"omit_unset_slots": True},
    {
        "ignore_rule_only_turns": True,
        "rule_only_data": {"rule_only_slots": [DOMAIN.slots[0].name], "rule_only_loops": [FORM]},
    },
]


def random_event(chance: random.Random):
    """An event of the kinds a conversation holds, undos and restarts included."""
    kind = chance.choices(
        [
            "action",
            "user",
            "slot",
            "loop",
            "bot",
            "undo",
            "revert",
            "restart",
            "session",
            "followup",
        ],
        weights=[30, 15, 15, 4, 10, 2, 2, 1, 1, 1],
    )[0]
    if kind == "action":
        return ActionExecuted(
            chance.choice(["action_listen", FORM, *DOMAIN.user_actions[:8]]),
            hide_rule_turn=chance.random() < 0.2,
        )
    if kind == "user":
        return UserUttered("texte", {"name": chance.choice(DOMAIN.intents[:10]), "confidence": 1})
    if kind == "slot":
        slot = chance.choice(DOMAIN.slots[:12])
        return SlotSet(slot.name, chance.choice([None, "a", True, 2]))
    if kind == "loop":
        return ActiveLoop(chance.choice([FORM, None]))
    if kind == "bot":
        return BotUttered("réponse")
    return {
        "undo": UserUtteranceReverted,
        "revert": ActionReverted,
        "restart": Restarted,
        "session": SessionStarted,
        "followup": lambda: FollowupAction("action_listen"),
    }[kind]()


@pytest.mark.parametrize("seed", range(4))
def test_past_states_are_rasas_last_states_at_every_step(seed):
    chance = random.Random(seed)
    tracker = IncrementalTracker("s", DOMAIN.slots)
    for step in range(400):
        tracker.update(random_event(chance))
        if step % 7 and step < 390:
            continue
        assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker), step
        for options in OPTIONS:
            expected = DOMAIN.states_for_tracker_history(tracker, **options)[-RECENT_STATES:]
            assert tracker.past_states(DOMAIN, **options) == expected, (seed, step, options)


def test_applied_events_are_rasas_after_every_event():
    chance = random.Random(11)
    tracker = IncrementalTracker("s", DOMAIN.slots)
    for step in range(600):
        tracker.update(random_event(chance))
        applied = tracker.applied_events()
        assert applied == DialogueStateTracker.applied_events(tracker), step
        applied.clear()  # the caller's own list


def test_the_states_given_may_be_changed_by_the_caller():
    tracker = IncrementalTracker("s", DOMAIN.slots)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("x", {"name": "greet"}),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    for state in tracker.past_states(DOMAIN):
        state.clear()  # as Rasa's featurizer deletes the user's text or intent
    assert tracker.past_states(DOMAIN) == DOMAIN.states_for_tracker_history(tracker)


def test_a_copy_is_what_rasas_replay_gives():
    chance = random.Random(7)
    tracker = IncrementalTracker("s", DOMAIN.slots)
    tracker.model_id = "model"
    for _ in range(300):
        tracker.update(random_event(chance))
    copied, replayed = tracker.copy(), DialogueStateTracker.travel_back_in_time(tracker, math.inf)
    assert copied.current_state(EventVerbosity.ALL) == replayed.current_state(EventVerbosity.ALL)
    for name in (
        "followup_action",
        "latest_action",
        "latest_message",
        "latest_bot_utterance",
        "active_loop",
        "model_id",
        "assistant_id",
        "_paused",
    ):
        assert getattr(copied, name) == getattr(replayed, name), name
    copied.update(SlotSet(DOMAIN.slots[0].name, "changé"))
    copied.update(ActiveLoop(FORM))
    assert tracker.get_slot(DOMAIN.slots[0].name) != "changé"  # the original is untouched
    assert len(tracker.events) == len(copied.events) - 2


def test_no_policy_or_rule_reads_further_back_than_the_states_given():
    longest = max(
        len(rule.get("steps", []))
        for path in (ROOT / "data" / "rules").glob("*.yml")
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", [])
    )
    assert longest + 1 < RECENT_STATES  # a step gives at most one state
    policies = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["policies"]
    assert {policy["name"] for policy in policies} == {"MemoizationPolicy", "RulePolicy"}
    memoization = next(p for p in policies if p["name"] == "MemoizationPolicy")
    assert memoization.get("max_history", 5) < RECENT_STATES  # Rasa's default: 5
