"""Destinations: every ISO 3166-1 country, and EAR country-group membership as of a date.

Membership changes (Nicaragua into D:1/D:5 on 2024-03-15, Cambodia out of D:5 on 2026-02-03, the UAE
from D:3/D:4 to A:5 on 2026-07-10) are rows with from/to dates and a citation, so evaluating "as of
2024-06-01" uses the groups in force that day. Hong Kong is evaluated as China (85 FR 83788).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ChipsimError, unknown_name

DATA = Path(__file__).resolve().parent  # the country tables sit beside their loader


@lru_cache(maxsize=1)
def countries() -> pd.DataFrame:
    """ISO 3166-1 countries and territories, indexed by alpha-2 code."""
    frame = pd.read_csv(DATA / "countries.csv", dtype=str, keep_default_na=False)
    return frame.set_index("iso2", drop=False)


@lru_cache(maxsize=1)
def memberships() -> pd.DataFrame:
    """Dated country-group memberships (group, iso2, effective_from, effective_to, citation)."""
    return pd.read_csv(DATA / "country_groups.csv", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def all_codes() -> frozenset[str]:
    """Every destination code, as a set ('*' in a destination set); built once."""
    return frozenset(countries().index)


@lru_cache(maxsize=1)
def group_names() -> frozenset[str]:
    """Every group named in the membership table (in force or not); read once, as every set expansion asks."""
    return frozenset(memberships()["group"])


def parse_date(text, what: str = "date") -> dt.date:
    """A YYYY-MM-DD date, or a clear error naming what was expected."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ChipsimError(f"{what} {text!r} is not a date; expected YYYY-MM-DD (e.g. 2024-06-01)") from None


def in_force(frm: str, to: str, day: dt.date) -> bool:
    """Is a [from, to] interval (ISO strings, empty = open) in force on `day`?"""
    iso = day.isoformat()
    return (not frm or frm <= iso) and (not to or iso <= to)


@lru_cache(maxsize=64)
def groups_as_of(day: dt.date) -> dict[str, frozenset[str]]:
    """Each country group's members in force on `day`."""
    m = memberships()
    iso = day.isoformat()
    live = m[((m["effective_from"] == "") | (m["effective_from"] <= iso)) & ((m["effective_to"] == "") | (iso <= m["effective_to"]))]
    return {g: frozenset(s["iso2"]) for g, s in live.groupby("group")}


def ear_country(codes) -> np.ndarray:
    """The country the EAR evaluates for each destination (Hong Kong -> China)."""
    c = countries()
    treated = c["ear_treated_as"].reindex(list(codes)).fillna("").to_numpy(dtype=object)
    return np.where(treated != "", treated, np.asarray(list(codes), dtype=object))


def resolve_destinations(codes=None) -> list[str]:
    """Validate ISO alpha-2 codes (case-insensitive); None means every country."""
    known = countries().index
    if not codes:
        return list(known)
    out = []
    for code in codes:
        up = str(code).strip().upper()
        if up not in known:
            raise unknown_name("destination (ISO 3166-1 alpha-2 code)", str(code), known)
        out.append(up)
    return list(dict.fromkeys(out))


def country_name(code: str) -> str:
    c = countries()
    return c.at[code, "name"] if code in c.index else code


def set_members(spec: dict, day: dt.date, where: str = "") -> frozenset[str]:
    """The ISO codes a destination-set spec names on `day`.

    spec = {"any": [group names, ISO codes, "*" or {code, from, to, citation}], "except": [...]};
    a listed item with from/to counts only while in force.
    """
    groups = groups_as_of(day)
    every = all_codes()

    def expand(items, key):
        out: set[str] = set()
        for item in items or []:
            frm = to = ""
            if isinstance(item, dict):
                frm, to = str(item.get("from", "")), str(item.get("to", ""))
                item = item.get("code", "")
            if not in_force(frm, to, day):
                continue
            if item == "*":
                out |= every
            elif item in groups or item in group_names():
                out |= groups.get(item, frozenset())
            elif item in every:
                out.add(item)
            else:
                raise ChipsimError(f"{where}destination set '{key}' names {item!r}, which is neither a country group "
                                   f"({', '.join(sorted(group_names()))}), an ISO code nor '*'")
        return out

    return frozenset(expand(spec.get("any"), "any") - expand(spec.get("except"), "except"))
