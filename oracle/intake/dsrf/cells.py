"""Cell formats of DSRF flat files: multi-values, dates, decimals, ISRCs, counts."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal

from oracle.intake.units import parse_units

_ESCAPED_BAR = re.compile(r"(?<!\\)\|")
#: The schemas' ISRC pattern (no hyphens in DSRF cells); stored upper-case.
_ISRC = re.compile(r"^[A-Za-z]{2}[A-Za-z0-9]{3}[0-9]{7}$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_ISO_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
#: Counts longer than this are refused (a micro-unit row must fit 64 bits).
MAX_COUNT_DIGITS = 12


def split_multi(text: str) -> list[str]:
    """A multi-value cell: values separated by `|`, where `\\|` is a literal bar."""
    if "\\" not in text:
        return text.split("|")
    return [part.replace("\\|", "|") for part in _ESCAPED_BAR.split(text)]


def unescape(text: str) -> str:
    return text.replace("\\|", "|") if "\\" in text else text


def isrc_or_none(text: str) -> str | None:
    value = text.strip()
    return value.upper() if _ISRC.match(value) else None


def parse_count(text: str) -> tuple[int | None, str | None]:
    """(count, None) or (None, why not): ASCII digits only, at most MAX_COUNT_DIGITS.

    The one place a count cell is parsed (the hot loop only takes short plain-digit cells
    itself); it defers to oracle.intake.units.parse_units so the shared rules apply.
    """
    value = text.strip()
    if len(value) > MAX_COUNT_DIGITS and value.isdigit():
        return None, f"more than {MAX_COUNT_DIGITS} digits: {value!r}"
    return parse_units(value)


def parse_decimal(text: str) -> Decimal | None:
    value = text.strip()
    return Decimal(value) if _DECIMAL.match(value) else None


def period_bounds(start_text: str, end_text: str) -> tuple[int | None, int | None, str | None]:
    """[start, end) in unix seconds for ddex_IsoDate cells YYYY[-MM[-DD]], end inclusive."""
    start = _iso_date(start_text, last=False)
    end = _iso_date(end_text, last=True)
    why = None
    if start is None:
        why = f"UsageStartDate {start_text!r} is not YYYY[-MM[-DD]]"
    elif end is None:
        why = f"UsageEndDate {end_text!r} is not YYYY[-MM[-DD]]"
    start_s = calendar.timegm(start.timetuple()) if start else None
    end_s = calendar.timegm((end + dt.timedelta(days=1)).timetuple()) if end else None
    return start_s, end_s, why


def _iso_date(text: str, last: bool) -> dt.date | None:
    match = _ISO_DATE.match(text.strip())
    if match is None:
        return None
    year = int(match.group(1))
    month_text, day_text = match.group(2), match.group(3)
    try:
        if month_text is None:
            return dt.date(year, 12, 31) if last else dt.date(year, 1, 1)
        month = int(month_text)
        if day_text is None:
            day = calendar.monthrange(year, month)[1] if last else 1
            return dt.date(year, month, day)
        return dt.date(year, month, int(day_text))
    except ValueError:
        return None


def is_date_time(text: str) -> bool:
    return bool(_DATE_TIME.match(text.strip()))
