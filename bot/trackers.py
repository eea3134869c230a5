"""A conversation tracker whose per-message cost does not grow with the conversation.

Rasa's policies read a conversation as its list of past states, and Rasa rebuilds that
list from the first event for every prediction, several times per message; it also
copies the tracker, by replaying every event, before running each action. At turn 300
of one conversation (about 3,000 events) that made a message ten times slower than at
turn 1. This tracker:
- walks the events once: the states of the turns already walked are kept, and only
  the new events are walked at the next call (an undo, a restart or a new session
  changes what came before: the walk then starts again);
- gives the policies the last `RECENT_STATES` states only: our policies look no
  further back (MemoizationPolicy 5 states, a rule at most one state per step, the
  longest rule 5 steps; tests/bot/test_trackers.py checks both), and Rasa's rule
  matching deep-copies every state it is given;
- keeps the list of applied events (what remains after undos and restarts, which
  Rasa rebuilds from the first event at each call, a dozen times per message) and
  extends it with the events added since;
- copies itself by cloning its state instead of replaying its events.
The state of each turn is computed exactly as Rasa computes it
(`Domain.states_for_tracker_history`).
"""

import copy
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# The states the policies are given: three times what any of our policies or rules reads.
RECENT_STATES = 20


@dataclass
class _Walk:
    """`Domain.states_for_tracker_history`, stopped after the events walked so far."""

    domain: Domain
    tracker: DialogueStateTracker  # the state after the events walked
    walked: list[Event] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    last_ml_action: dict[str, Any] | None = None
    turn_was_hidden: bool = False


@dataclass
class _Applied:
    """`DialogueStateTracker.applied_events` over the first `length` events."""

    events: list[Event]
    loop_names: set[str]
    length: int
    last: Event | None


class IncrementalTracker(DialogueStateTracker):
    """A `DialogueStateTracker` that keeps its walks over its events between calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._walks: dict[tuple[Any, ...], _Walk] = {}
        self._applied: _Applied | None = None

    def applied_events(self) -> list[Event]:
        """Rasa's `applied_events`, extended with the events added since the last call."""
        done, events = self._applied, self.events
        if (
            done is None
            or len(events) < done.length
            or (done.length and events[done.length - 1] is not done.last)
        ):
            done = None  # not only added to: walk again
        new = list(islice(events, done.length, None)) if done else list(events)
        names = _loop_names(new)
        if done is None or not names <= done.loop_names:
            done = _Applied([], _loop_names(events), 0, None)
            new = list(events)
        self._apply(new, done)
        done.length, done.last = len(events), events[-1] if events else None
        self._applied = done
        return list(done.events)

    def _apply(self, new: list[Event], done: _Applied) -> None:
        """The loop of Rasa's `applied_events`, over the new events."""
        applied = done.events
        for event in new:
            if isinstance(event, (Restarted, SessionStarted)):
                applied.clear()
            elif isinstance(event, ActionReverted):
                self._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                self._undo_till_previous(UserUttered, applied)
                self._undo_till_previous(ActionExecuted, applied)
            elif (
                isinstance(event, ActionExecuted)
                and event.action_name in done.loop_names
                and not self._first_loop_execution_or_unhappy_path(event.action_name, applied)
            ):
                self._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        """The last `RECENT_STATES` past states, computed as Rasa does, fresh copies."""
        key = (omit_unset_slots, ignore_rule_only_turns, _frozen(rule_only_data))
        applied = self.applied_events()
        walk = self._walks.get(key)
        if walk is None or walk.domain is not domain or not _starts_with(applied, walk.walked):
            walk = self._walks[key] = _Walk(domain, self.init_copy())
        options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        for event in applied[len(walk.walked) :]:
            if isinstance(event, ActionExecuted):
                _visit(walk, walk.tracker, event.hide_rule_turn, walk.states, options)
            walk.tracker.update(event)
            walk.walked.append(event)
        recent = [_copied(state) for state in walk.states[-RECENT_STATES:]]
        # The state after the last event, as a last turn that is never kept.
        last = _Walk(
            domain,
            walk.tracker,
            last_ml_action=walk.last_ml_action,
            turn_was_hidden=walk.turn_was_hidden,
        )
        _visit(last, walk.tracker, False, recent, options)
        return recent[-RECENT_STATES:]

    def copy(self) -> "IncrementalTracker":
        """What Rasa's `copy` (a replay of every event) gives, cloned instead."""
        clone = copy.copy(self)
        clone.events = deque(self.events, self._max_event_history)
        clone.slots = type(self.slots)({name: copy.copy(slot) for name, slot in self.slots.items()})
        clone.latest_action = dict(self.latest_action) if self.latest_action else None
        clone.active_loop = copy.copy(self.active_loop)
        clone.model_id = None  # as a replay leaves them
        clone.assistant_id = None
        clone._walks = {}
        if self._applied:
            clone._applied = _Applied(
                list(self._applied.events),
                set(self._applied.loop_names),
                self._applied.length,
                self._applied.last,
            )
        return clone


def _loop_names(events: Iterable[Event]) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _visit(
    walk: _Walk,
    tracker: DialogueStateTracker,
    hide_rule_turn: bool,
    states: list[State],
    options: tuple[bool, bool, dict[str, Any] | None],
) -> None:
    """One turn of `Domain.states_for_tracker_history`: the state of `tracker`, if shown."""
    omit_unset_slots, ignore_rule_only_turns, rule_only_data = options
    domain = walk.domain
    if ignore_rule_only_turns:
        if not walk.turn_was_hidden:
            walk.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            walk.turn_was_hidden = hide_rule_turn
        if walk.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if walk.last_ml_action:
            state[PREVIOUS_ACTION] = walk.last_ml_action
    states.append(domain._clean_state(state))


def _starts_with(events: list[Event], prefix: list[Event]) -> bool:
    """True when `events` begins with the very same event objects as `prefix`."""
    return len(prefix) <= len(events) and all(
        mine is theirs for mine, theirs in zip(events, prefix)
    )


def _copied(state: State) -> State:
    """A state the caller may change: Rasa's policies delete keys of the states given."""
    return {key: dict(value) for key, value in state.items()}


def _frozen(value: Any) -> Any:
    """A hashable form of `rule_only_data` (lists of slot and loop names)."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value
