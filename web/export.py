"""CSV export of pre-dossiers that opens cleanly in French Excel."""

import csv
import io
import re
from typing import Callable, Iterable

BOM = "\ufeff"
# A cell starting with one of these would run as a formula in a spreadsheet, also after
# spaces, and also at the start of a piece a spreadsheet may split off at a "," or ";".
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r", "\n")
PIECES = re.compile(r"[,;]")
COLUMNS = [
    ("reference", "Référence"), ("status", "Statut"), ("created_at", "Reçu le"),
    ("first_name", "Prénom"), ("last_name", "Nom"), ("phone", "Téléphone"),
    ("email", "E-mail"), ("postal_code", "Code postal"), ("commune", "Commune"),
    ("situation", "Situation"), ("contact_time", "Moment d'appel"),
]


def neutralise(value: object) -> str:
    """The cell's text, prefixed with ' when a spreadsheet could run it as a formula."""
    text = "" if value is None else str(value)
    dangerous = text.startswith(CONTROL_STARTS) or any(
        piece.lstrip(" \t\r\n").startswith(FORMULA_STARTS) for piece in PIECES.split(text)
    )
    return "'" + text if dangerous else text


def to_csv(rows: Iterable[dict], show: Callable[[str, object], object]) -> str:
    """UTF-8 text with a BOM, ";" separators and every cell quoted; `show` turns stored values
    into labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        writer.writerow([neutralise(show(key, row.get(key))) for key, _ in COLUMNS])
    return BOM + buffer.getvalue()
