"""A pre-dossier's statuses, in their order, and the moves between them."""

from enum import Enum


class Status(str, Enum):
    """Stored by value (the column holds "nouveau", "clos"…)."""

    NEW = "nouveau"
    TAKEN = "pris_en_charge"
    CONTACTED = "contacte"
    ORIENTED = "oriente"
    CLOSED = "clos"

    @property
    def rank(self) -> int:
        return list(Status).index(self)


VALUES = tuple(status.value for status in Status)
# What the staff read; the keys are the stored values.
LABELS = {
    Status.NEW.value: "Nouveau",
    Status.TAKEN.value: "Pris en charge",
    Status.CONTACTED.value: "Contacté",
    Status.ORIENTED.value: "Orienté vers un évaluateur",
    Status.CLOSED.value: "Clos",
}


def after_contact(current: str) -> Status:
    """The status once the candidate was reached: "contacté", unless further along."""
    status = Status(current)
    return Status.CONTACTED if status.rank < Status.CONTACTED.rank else status


def needs_confirmation(current: str, new: str) -> bool:
    """Going back to "Nouveau" and closing are asked twice."""
    return new != current and new in (Status.NEW.value, Status.CLOSED.value)
