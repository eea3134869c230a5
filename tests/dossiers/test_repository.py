"""The repository on SQLite and PostgreSQL: creation, idempotency, take, history, deletion."""

import threading
from datetime import timedelta

from sqlalchemy import event, inspect, select

from dossiers.models import antenne
from dossiers.repository import UNDONE, ListQuery, NewPreDossier, Repository, level_key, now

CANDIDATE = NewPreDossier(
    request_key="sender-1:1",
    sender_id="sender-1",
    antenne_id="arras",
    first_name="Léa",
    last_name="Martin",
    phone="0612345678",
    postal_code="62300",
    commune="Lens",
    situation="salarie",
    quiz_levels={1: "a_l_aise", 2: "a_travailler"},
)


def test_schema_is_apart_from_rasas_tables(repository: Repository):
    tables = set(inspect(repository.engine).get_table_names())
    assert {
        "clea_pre_dossier",
        "clea_antenne",
        "clea_staff_user",
        "clea_quiz_result",
        "clea_history",
        "clea_alembic_version",
    } <= tables
    assert "events" not in tables


def test_antennes_come_from_the_referentiel(repository: Repository):
    with repository.engine.connect() as connection:
        rows = dict(connection.execute(select(antenne.c.id, antenne.c.email)).all())
    assert rows["amiens"] == "contactamiens@transitionspro-hdf.fr" and len(rows) == 5


def test_create_and_read_back(repository: Repository):
    reference, created = repository.create_pre_dossier(CANDIDATE)
    assert created and reference.startswith(f"CLEA-{now().year}-") and len(reference) == 14
    stored = repository.get(reference)
    assert (stored["first_name"], stored["antenne_id"], stored["status"]) == (
        "Léa",
        "arras",
        "nouveau",
    )
    assert stored["quiz_levels"] == {1: "a_l_aise", 2: "a_travailler"}
    assert [h["kind"] for h in stored["history"]] == ["created"]


def test_a_retried_request_is_written_once(repository: Repository):
    first = repository.create_pre_dossier(CANDIDATE)
    again = repository.create_pre_dossier(CANDIDATE)
    assert again == (first[0], False)
    assert repository.count() == 1


def test_two_overlapping_takes_one_wins(repository: Repository):
    reference, _ = repository.create_pre_dossier(CANDIDATE)
    barrier = threading.Barrier(2, timeout=20)
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(repository.take(reference, None)))
        for _ in range(2)
    ]
    first_begin = threading.local()

    def meet(_connection) -> None:
        """Both transactions are open before either writes or commits."""
        if threading.current_thread() in threads and not getattr(first_begin, "seen", False):
            first_begin.seen = True
            barrier.wait()

    event.listen(repository.engine, "begin", meet)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    event.remove(repository.engine, "begin", meet)
    assert sorted(results) == [False, True]
    assert [h["to_value"] for h in repository.get(reference)["history"]] == [
        "nouveau",
        "pris_en_charge",
    ]


def test_status_changes_are_recorded_with_reason(repository: Repository):
    reference, _ = repository.create_pre_dossier(CANDIDATE)
    assert repository.take(reference, None)
    assert repository.change_status(reference, None, "contacte")
    assert repository.change_status(reference, None, "clos", "Candidat orienté")
    stored = repository.get(reference)
    assert stored["status"] == "clos" and stored["closed_at"] is not None
    assert stored["history"][-1]["text"] == "Candidat orienté"
    assert not repository.change_status(reference, None, "clos")


def test_delete_for_sender(repository: Repository):
    repository.create_pre_dossier(CANDIDATE)
    repository.create_pre_dossier(
        NewPreDossier(**{**CANDIDATE.__dict__, "request_key": "other", "sender_id": "sender-2"})
    )
    assert repository.delete_for_sender("sender-1") == 1
    assert repository.count() == 1


def test_retention_deletes_only_long_closed_ones(repository: Repository):
    reference, _ = repository.create_pre_dossier(CANDIDATE)
    repository.change_status(reference, None, "clos")
    assert repository.purge_closed_before(now() - timedelta(days=365)) == 0
    assert repository.purge_closed_before(now() + timedelta(seconds=1)) == 1
    assert repository.get(reference) is None


def _many(repository: Repository, count: int, antenne_id: str = "arras") -> list[str]:
    return [
        repository.create_pre_dossier(
            NewPreDossier(
                request_key=f"many-{antenne_id}-{i}",
                sender_id=f"many-{i}",
                antenne_id=antenne_id,
                first_name="Léa",
                last_name=f"Nom{i}",
                quiz_levels={1: "a_l_aise"},
            )
        )[0]
        for i in range(count)
    ]


def test_pages_hold_every_row_once_with_the_total(repository: Repository):
    references = _many(repository, 23)
    seen = []
    for offset in (0, 10, 20):
        rows, total = repository.page_pre_dossiers(ListQuery(antenne_id="arras"), offset, 10)
        assert total == 23
        seen += [row["reference"] for row in rows]
    assert sorted(seen) == sorted(references)
    assert repository.page_pre_dossiers(ListQuery(antenne_id="lille"))[1] == 0


def test_the_export_comes_in_batches_with_quiz_levels_and_status_dates(repository: Repository):
    references = _many(repository, 7)
    repository.change_status(references[0], None, "contacte")
    batches = list(repository.export_batches(ListQuery(antenne_id="arras"), [1, 2], size=3))
    assert [len(batch) for batch in batches] == [3, 3, 1]
    rows = [row for batch in batches for row in batch]
    assert [row["reference"] for row in rows] == references  # oldest first
    assert (rows[0][level_key(1)], rows[0][level_key(2)]) == ("a_l_aise", None)
    assert rows[0]["status_at"] > rows[1]["status_at"]  # its status changed after


def test_counts_by_antenne_with_new_and_late(repository: Repository):
    _many(repository, 3)
    late = _many(repository, 2, "lille")
    repository.change_status(late[1], None, "contacte")
    counts = repository.counts_by_antenne(
        now() + timedelta(minutes=1), received_since=now() - timedelta(days=1)
    )
    assert counts["arras"] == {"total": 3, "new": 3, "overdue": 3, "received": 3}
    assert counts["lille"] == {"total": 2, "new": 1, "overdue": 1, "received": 2}
    assert repository.counts_by_antenne(now() - timedelta(days=1))["arras"]["overdue"] == 0


def test_undo_only_the_last_change_by_its_author_while_it_is_fresh(repository: Repository):
    reference = _many(repository, 1)[0]
    first = repository.change_status(reference, None, "contacte")
    assert first is not None and repository.change_status(reference, None, "contacte") is None
    moved = repository.reassign(reference, None, "lille")
    assert repository.undo(first, None, now() - timedelta(minutes=10)) is None  # not the last
    assert repository.undo(moved, None, now() + timedelta(minutes=1)) is None  # too old
    undone = repository.undo(moved, None, now() - timedelta(minutes=10))
    assert undone == {"reference": reference, "kind": "reassigned", "restored": "arras"}
    assert repository.get(reference)["antenne_id"] == "arras"
    assert repository.undo(moved, None, now() - timedelta(minutes=10)) is None  # once
    assert repository.get(reference)["history"][-1]["text"] == UNDONE


def test_the_call_log_and_reaching_the_candidate(repository: Repository):
    reference = _many(repository, 1)[0]
    caller = repository.create_staff_user("arras1", "Arras", "h", "arras")
    assert repository.log_contact(reference, caller, "pas_de_reponse", "", reached=False)
    assert repository.get(reference)["status"] == "nouveau"
    assert repository.log_contact(reference, caller, "joint", "RDV jeudi", reached=True)
    stored = repository.get(reference)
    assert stored["status"] == "contacte" and stored["assigned_to"] == caller
    assert [(c["outcome"], c["comment"]) for c in stored["contacts"]] == [
        ("joint", "RDV jeudi"),
        ("pas_de_reponse", None),
    ]
    row = repository.page_pre_dossiers(ListQuery(antenne_id="arras"))[0][0]
    assert row["last_contact_outcome"] == "joint"
    exported = next(repository.export_batches(ListQuery(antenne_id="arras")))[0]
    assert exported["contact_attempts"] == 2
    assert not repository.log_contact("CLEA-2026-ZZZZ", caller, "joint", "", reached=True)
    repository.change_status(reference, None, "clos")
    repository.log_contact(reference, caller, "joint", "", reached=True)
    assert repository.get(reference)["status"] == "clos"  # reaching them never reopens
