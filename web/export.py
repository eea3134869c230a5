"""Exports of pre-dossiers: CSV that opens cleanly in French Excel, and .xlsx."""

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dossiers.follow_up import PARIS
from dossiers.repository import as_utc, level_key
from referentiel.loader import Referentiel
from referentiel.quiz import Quiz

BOM = "\ufeff"
# A cell would run as a formula in a spreadsheet when it starts with a control character,
# or when "=", "+", "-" or "@" starts it, also after spaces, and also at the start of a
# piece a spreadsheet may split off at a "," or ";".
DANGEROUS = re.compile(r"^[\t\r\n]|(?:^|[,;])[ \t\r\n]*[=+\-@]")


RISKY_FIRST = frozenset("=+-@\t\r\n ")


def neutralise(value: object) -> str:
    """The cell's text, prefixed with ' when a spreadsheet could run it as a formula."""
    text = "" if value is None else str(value)
    if text[:1] not in RISKY_FIRST and "," not in text and ";" not in text:
        return text  # most cells: nothing a spreadsheet could start a formula from
    return "'" + text if DANGEROUS.search(text) else text


@dataclass(frozen=True)
class Column:
    """A column of the export: its title, how a row (repository.export_batches) fills it,
    whether it holds a date (a datetime, shown as one by each format), and whether its
    values are the project's own (labels, references, counts): only typed text can start a
    formula, so only that is neutralised."""

    title: str
    fill: Callable[[Mapping], Any]  # a row of the repository's export
    is_date: bool = False
    own_values: bool = False


def paris_time(value: datetime | None) -> datetime | None:
    """The moment in Paris time, without its zone (what a spreadsheet shows)."""
    return None if value is None else as_utc(value).astimezone(PARIS).replace(tzinfo=None)


def iso_time(value: datetime | None) -> str:
    """ "2026-12-01 14:25", Paris time: a spreadsheet sorts it and reads it as a date."""
    return "" if value is None else as_utc(value).astimezone(PARIS).isoformat(" ", "minutes")[:16]


def export_columns(ref: Referentiel, quiz: Quiz, status_labels: dict[str, str]) -> list[Column]:
    """The export's columns."""
    situations = {s.id: s.label for s in ref.situations}
    antennes = {a.id: a.name for a in ref.antennes}
    levels = {level.id: level.label for level in quiz.levels}
    outcomes = ref.follow_up.contact_outcomes

    def level_of(domain: int) -> Callable[[Mapping], object]:
        key = level_key(domain)
        return lambda row: levels.get(row[key], "")

    return [
        Column("Référence", itemgetter("reference"), own_values=True),
        Column(
            "Antenne",
            lambda row: antennes.get(row["antenne_id"], row["antenne_id"]),
            own_values=True,
        ),
        Column(
            "Statut", lambda row: status_labels.get(row["status"], row["status"]), own_values=True
        ),
        Column("Statut depuis le", itemgetter("status_at"), is_date=True),
        Column("Reçu le", itemgetter("created_at"), is_date=True),
        Column("Suivi par", itemgetter("handler")),
        Column("Prénom", itemgetter("first_name")),
        Column("Nom", itemgetter("last_name")),
        Column("Téléphone", itemgetter("phone")),
        Column("E-mail", itemgetter("email")),
        Column("Code postal", itemgetter("postal_code")),
        Column("Commune", itemgetter("commune")),
        Column("Situation", lambda row: situations.get(row["situation"] or "", row["situation"])),
        Column("Moment d'appel", itemgetter("contact_time")),
        Column("Tentatives de contact", itemgetter("contact_attempts"), own_values=True),
        Column("Dernier contact", itemgetter("last_contact_at"), is_date=True),
        Column(
            "Résultat du dernier contact",
            lambda row: outcomes.get(row["last_contact_outcome"] or "", ""),
            own_values=True,
        ),
        *(
            Column(f"Test : {domain.short}", level_of(domain.id), own_values=True)
            for domain in ref.domains
        ),
    ]


def _writer(buffer: io.StringIO):
    return csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)


def csv_header(columns: list[Column]) -> str:
    """The BOM (French Excel then reads UTF-8) and the titles."""
    buffer = io.StringIO()
    _writer(buffer).writerow([neutralise(column.title) for column in columns])
    return BOM + buffer.getvalue()


def _formatter(column: Column) -> Callable[[Mapping], str]:
    """How one column's cell is written in CSV: dates in ISO, typed text neutralised."""
    fill = column.fill
    if column.is_date:
        return lambda row: iso_time(fill(row))
    if column.own_values:
        return fill
    return lambda row: neutralise(fill(row))


def csv_rows(rows: Iterable[Mapping], columns: list[Column]) -> str:
    """Rows as CSV lines: ";" separators, every cell quoted, typed text neutralised."""
    formatters = [_formatter(column) for column in columns]
    buffer = io.StringIO()
    _writer(buffer).writerows([[cell(row) for cell in formatters] for row in rows])
    return buffer.getvalue()


def write_xlsx(batches: Iterable[list[Mapping]], columns: list[Column], path: Path) -> int:
    """The rows as an .xlsx workbook at `path`, written row by row (openpyxl's write-only
    mode: flat memory); dates are dates, numbers numbers, and every text is text, never a
    formula. The number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Pré-dossiers")
    sheet.freeze_panes = "B2"
    sheet.append([_text(sheet, column.title) for column in columns])
    written = 0
    for batch in batches:
        for row in batch:
            sheet.append([_cell(sheet, column, column.fill(row)) for column in columns])
        written += len(batch)
    workbook.save(path)
    return written


def _text(sheet, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"  # a text starting with "=" stays text
    return cell


def _cell(sheet, column: Column, value: Any):
    if column.is_date:
        cell = WriteOnlyCell(sheet, value=paris_time(value))
        cell.number_format = "dd/mm/yyyy hh:mm"
        return cell
    if isinstance(value, int):
        return value
    return _text(sheet, value)
