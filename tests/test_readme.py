"""The README stays true: its settings table is settings.py's, every path it names
exists, and every measured figure it quotes is dated or names the report it comes from."""

import re

from harness.servers import ROOT
from settings import markdown_table

README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_START, SETTINGS_END = "<!-- settings: start -->", "<!-- settings: end -->"
# Written by the commands, not kept in git.
GENERATED = ("var/", "reports/", "models/", "node_modules/", ".venv/")
NOT_OURS = ("node_modules", ".venv", ".git", "var", "models", "reports", "__pycache__")
PATH_LIKE = re.compile(r"\.(py|yml|yaml|json|sh|j2|html|js|txt|md|toml|css|svg|png)$")
# A measured figure: a decimal with a unit, or any number of ms, % or messages/s
# (settings and limits are round numbers of seconds and megabytes).
FIGURE = re.compile(
    r"(?<![\w.])(?:\d+[.,]\d+\s?(?:ms|s|%|MB|GB|messages/s|×)"
    r"|\d+\s?(?:ms|%|messages/s))(?![\w/])"
)
DATED = re.compile(r"20\d\d-\d\d-\d\d|reports/[\w.-]+\.json")


def project_paths() -> set[str]:
    """Every file and folder of the project, relative to its root ("bot/", "bot/x.py")."""
    found = set()
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_OURS or "__pycache__" in relative.parts:
            continue
        found.add(relative.as_posix() + ("/" if path.is_dir() else ""))
    return found


def named_paths() -> set[str]:
    """The paths the README names in code spans (a test's `file::name` by its file)."""
    names = set()
    for span in re.findall(r"`([^`\s]+)`", README):
        name = span.split("::")[0]
        if name.startswith(("/", "@", "-", ".")) or "://" in name:
            continue
        if any(c in name for c in "*{}<>$…|=,()"):
            continue
        if "/" in name or PATH_LIKE.search(name):
            names.add(name)
    return names


def test_the_settings_table_is_the_settings_module_s():
    start = README.index(SETTINGS_START) + len(SETTINGS_START)
    assert README[start : README.index(SETTINGS_END)].strip() == markdown_table().strip(), (
        "run `python -m settings --markdown` and paste its table into the README"
    )


def test_every_path_the_readme_names_exists():
    paths = project_paths()
    missing = [
        name
        for name in sorted(named_paths())
        if not name.startswith(GENERATED)
        and name not in paths
        and not any(path.endswith("/" + name) for path in paths)  # within a folder named nearby
    ]
    assert not missing


def test_every_measured_figure_is_dated_or_names_its_report():
    undated = [
        section.splitlines()[0]
        for section in re.split(r"(?m)^(?=#{2,4} )", README)
        if FIGURE.search(section) and not DATED.search(section)
    ]
    assert not undated
