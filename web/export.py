"""CSV export of pre-dossiers that opens cleanly in French Excel."""

import csv
import io
from typing import Callable, Iterable

BOM = "\ufeff"
# A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    ("reference", "Référence"), ("status", "Statut"), ("created_at", "Reçu le"),
    ("first_name", "Prénom"), ("last_name", "Nom"), ("phone", "Téléphone"),
    ("email", "E-mail"), ("postal_code", "Code postal"), ("commune", "Commune"),
    ("situation", "Situation"), ("contact_time", "Moment d'appel"),
]


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[dict], show: Callable[[str, object], object]) -> str:
    """UTF-8 text with a BOM and ";" separators; `show` turns stored values into labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        writer.writerow([neutralise(show(key, row.get(key))) for key, _ in COLUMNS])
    return BOM + buffer.getvalue()
