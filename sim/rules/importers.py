"""The importer's side as data: dated, cited measures a destination takes against the chips it imports.

China's customs holds, its regulators' guidance and its approvals for named buyers decide whether a chip the US
would license actually enters; Malaysia's permit for US-origin AI chips bears on shipments through it. They
are kept apart from the US rules on purpose: they produce their own answer (the `import` column), never a US
outcome, so a reader can always tell "the US refuses" from "China refuses".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..data.destinations import parse_date
from ..errors import ChipsimError
from .scenario import _FileError, _read_toml

IMPORTERS_DIR = Path(__file__).resolve().parent / "importers"
KINDS = ("measure", "advisory")  # an advisory is listed with the answer but never changes the word
SELECTORS = ("chips", "designed_outside", "designed_in", "datacenter")
FIELDS = {"id", "country", "from", "to", "import", "text", "citation", "evidence", "kind", "supersedes"} | set(SELECTORS)


@dataclass(frozen=True)
class Measure:
    id: str
    country: str
    start: str  # ISO day; a month ("2025-08") counts from its first day, and the text says the day is not given
    end: str
    word: str
    text: str
    citation: str
    evidence: str
    kind: str
    supersedes: tuple[str, ...]
    chips: tuple[str, ...]  # chip ids or prefixes ending in '*'; empty = every chip the other selectors admit
    designed_outside: str
    designed_in: str
    datacenter: bool | None


@dataclass(frozen=True)
class ImportRules:
    title: str
    words: tuple[str, ...]  # weakest to strongest
    measures: tuple[Measure, ...]


def _day(value, err, what: str) -> str:
    text = str(value)
    if len(text) == 7:  # a month: from its first day
        text += "-01"
    return parse_date(text, f"{err.source}: {what}").isoformat()


@lru_cache(maxsize=None)
def load_import_rules(path: str | None = None) -> ImportRules:
    """Every importer-side measure in the bundled files (or one file), validated before anything reads it."""
    files = [Path(path)] if path else sorted(IMPORTERS_DIR.glob("*.toml"))
    title, words, measures = [], None, []
    for file in files:
        data, text = _read_toml(file)
        err = _FileError(str(file.relative_to(IMPORTERS_DIR.parent.parent.parent)) if not path else str(file), text)
        title.append(str(data.get("title", file.stem)))
        file_words = data.get("words")
        if not isinstance(file_words, list) or "open" not in file_words or not all(isinstance(w, str) for w in file_words):
            raise err("'words' must list the import answers, weakest first, including 'open'", "words")
        if words is not None and tuple(file_words) != words:
            raise err("every importer file must use the same 'words'", "words")
        words = tuple(file_words)
        for raw in data.get("measures", []):
            mid = raw.get("id", "?")
            unknown = set(raw) - FIELDS
            if unknown:
                raise err(f"measure {mid}: unknown field(s) {', '.join(sorted(unknown))}", str(mid))
            for key in ("id", "country", "from", "import", "text", "citation"):
                if key not in raw:
                    raise err(f"measure {mid} needs '{key}'", str(mid))
            if raw["import"] not in words:
                raise err(f"measure {mid}: import must be one of {', '.join(words)}, not {raw['import']!r}", str(mid))
            kind = raw.get("kind", "measure")
            if kind not in KINDS:
                raise err(f"measure {mid}: kind must be one of {', '.join(KINDS)}", str(mid))
            measures.append(Measure(
                id=mid, country=str(raw["country"]).upper(), start=_day(raw["from"], err, f"measure {mid} from"),
                end=_day(raw["to"], err, f"measure {mid} to") if raw.get("to") else "", word=raw["import"],
                text=str(raw["text"]), citation=str(raw["citation"]), evidence=str(raw.get("evidence", "")), kind=kind,
                supersedes=tuple(raw.get("supersedes", [])), chips=tuple(raw.get("chips", [])),
                designed_outside=str(raw.get("designed_outside", "")), designed_in=str(raw.get("designed_in", "")),
                datacenter=raw.get("datacenter")))
    ids = {m.id for m in measures}
    for m in measures:
        missing = [s for s in m.supersedes if s not in ids]
        if missing:
            raise ChipsimError(f"importer measure {m.id} supersedes unknown measure(s): {', '.join(missing)}")
    return ImportRules(" / ".join(title), words or ("open",), tuple(measures))
