"""Exports of pre-dossiers: CSV that opens cleanly in French Excel, and .xlsx."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Optional

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dossiers.follow_up import PARIS
from dossiers.repository import as_utc
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
    and whether it holds a date (a datetime, shown as one by each format)."""

    title: str
    fill: Callable[[dict], object]
    is_date: bool = False


def paris_time(value: Optional[datetime]) -> Optional[datetime]:
    """The moment in Paris time, without its zone (what a spreadsheet shows)."""
    return None if value is None else as_utc(value).astimezone(PARIS).replace(tzinfo=None)


def iso_time(value: Optional[datetime]) -> str:
    """ "2026-12-01 14:25", Paris time: a spreadsheet sorts it and reads it as a date."""
    local = paris_time(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def export_columns(ref: Referentiel, quiz: Quiz, status_labels: dict[str, str]) -> list[Column]:
    """The export's columns."""
    situations = {s.id: s.label for s in ref.situations}
    antennes = {a.id: a.name for a in ref.antennes}
    levels = {level.id: level.label for level in quiz.levels}
    outcomes = ref.follow_up.contact_outcomes

    def level_of(domain: int) -> Callable[[dict], object]:
        return lambda row: levels.get(row["quiz_levels"].get(domain), "")

    return [
        Column("Référence", lambda row: row["reference"]),
        Column("Antenne", lambda row: antennes.get(row["antenne_id"], row["antenne_id"])),
        Column("Statut", lambda row: status_labels.get(row["status"], row["status"])),
        Column("Statut depuis le", lambda row: row["status_at"], is_date=True),
        Column("Reçu le", lambda row: row["created_at"], is_date=True),
        Column("Suivi par", lambda row: row["handler"]),
        Column("Prénom", lambda row: row["first_name"]),
        Column("Nom", lambda row: row["last_name"]),
        Column("Téléphone", lambda row: row["phone"]),
        Column("E-mail", lambda row: row["email"]),
        Column("Code postal", lambda row: row["postal_code"]),
        Column("Commune", lambda row: row["commune"]),
        Column("Situation",
               lambda row: situations.get(row["situation"] or "", row["situation"])),
        Column("Moment d'appel", lambda row: row["contact_time"]),
        Column("Tentatives de contact", lambda row: row["contact_attempts"]),
        Column("Dernier contact", lambda row: row["last_contact_at"], is_date=True),
        Column("Résultat du dernier contact",
               lambda row: outcomes.get(row["last_contact_outcome"] or "", "")),
        *(Column(f"Test : {domain.short}", level_of(domain.id)) for domain in ref.domains),
    ]


def _lines(rows: Iterable[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()


def csv_header(columns: list[Column]) -> str:
    """The BOM (French Excel then reads UTF-8) and the titles."""
    return BOM + _lines([[column.title for column in columns]])


def csv_rows(rows: Iterable[dict], columns: list[Column]) -> str:
    """Rows as CSV lines: ";" separators, every cell quoted and neutralised."""
    return _lines([[iso_time(column.fill(row)) if column.is_date else column.fill(row)
                    for column in columns] for row in rows])


def write_xlsx(batches: Iterable[list[dict]], columns: list[Column], path: Path) -> int:
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


def _cell(sheet, column: Column, value: object):
    if column.is_date:
        cell = WriteOnlyCell(sheet, value=paris_time(value))
        cell.number_format = "dd/mm/yyyy hh:mm"
        return cell
    if isinstance(value, int):
        return value
    return _text(sheet, value)
