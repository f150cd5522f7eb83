"""The edit rules (SPEC §6): pure functions over a document's values and its form.

A form's ``edit_rules:`` (docs/forms.md) become :class:`Rule` objects; the
values of a document are its read keys with the corrections applied
(:data:`Values`: field → key → :class:`Value`); :func:`check_document` returns
one :class:`Finding` per field key (or field, or document) that breaks a rule,
the first rule of the form winning when several break on one key.

====================  ========================================================
``when``              a finding for
====================  ========================================================
blank                 a blank key (``positions``: only those keys)
multiple              a multiple mark (``*``)
blank_or_multiple     either; ``partial: true`` counts blanks only when some
                      key of the rule's fields is filled (a date partly blank)
gap_in_name           a blank key with a letter after it (a gap inside a name)
wrong_length          a field filled in some keys but not all (field level)
date_out_of_range     month, day, year (the rule's three fields) not a real
                      date, or outside ``range`` (field level, on the month)
blank_document        no mark on any page (document level)
page_missing, lithocode_mismatch, lithocode_unreadable, duplicate_lithocode
                      the capture condition of that name (document level)
====================  ========================================================

Read keys carrying a flag the rule names in ``review`` (default
``uncertain``; ``light`` may be added) are findings of that rule too, whatever
their value: they are never accepted silently. A keyed value carries no flag.
A finding an editor resolved by keying stays resolved while the value is the
one keyed (``confirmed``): "leave it as read if they agree" is possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sample_sheets.codes import lithocode_valid
from sample_sheets.model import BUBBLE_KINDS, Field, Form

BLANK, MULTIPLE = "", "*"
VALUE_RULES = ("blank", "multiple", "blank_or_multiple", "gap_in_name")
FIELD_RULES = ("wrong_length", "date_out_of_range")
CONDITION_RULES = {"missing_page": "page_missing", "lithocode_mismatch": "lithocode_mismatch",
                   "lithocode_unread": "lithocode_unreadable",
                   "duplicate_lithocode": "duplicate_lithocode"}
"""Capture's condition codes (capture/assembly.py) → the ``when`` of their rule."""
DEFAULT_REVIEW = ("uncertain",)
"""Read flags that make a key a finding unless the rule says otherwise."""
DEFAULT_PROBLEMS = {
    "blank": "{where} is blank",
    "multiple": "{where} has more than one mark",
    "blank_or_multiple": "{where} is blank or has more than one mark",
    "gap_in_name": "{where} is blank inside the name (letters follow)",
    "wrong_length": "{where} is filled in {filled} of {keys} columns",
    "date_out_of_range": "{where} reads {value}: {why}",
    "blank_document": "no mark was read on any page of the document",
    "page_missing": "a page of the document is missing: {detail}",
    "lithocode_mismatch": "the document's lithocodes disagree: {detail}",
    "lithocode_unreadable": "the lithocode could not be read: {detail}",
    "duplicate_lithocode": "the lithocode is found more than once: {detail}",
}
"""The problem text of each kind of rule, unless the rule gives its own ``problem``."""


@dataclass(frozen=True)
class Rule:
    """One edit rule of a form (docs/forms.md, "Edit rules")."""

    id: str
    when: str
    resolution: str
    fields: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    range: tuple[date, date] | None = None
    problem: str = ""
    partial: bool = False
    review: tuple[str, ...] = DEFAULT_REVIEW
    double_key: bool = False

    @classmethod
    def from_definition(cls, d: Mapping) -> Rule:
        dates = tuple(date.fromisoformat(x) for x in d["range"]) if "range" in d else None
        return cls(d["id"], d["when"], d["resolution"].strip(), tuple(d.get("fields", ())),
                   tuple(str(p) for p in d.get("positions", ())), dates,
                   d.get("problem", ""), d.get("partial", False),
                   tuple(d.get("review", DEFAULT_REVIEW)), d.get("double_key", False))


def form_rules(form: Form) -> tuple[Rule, ...]:
    """The rules a form switches on, in its order."""
    return tuple(Rule.from_definition(d) for d in form.edit_rules if d.get("enabled", True))


def rule_of(form: Form, rule_id: str) -> Rule:
    return next(r for r in form_rules(form) if r.id == rule_id)


@dataclass(frozen=True)
class Value:
    """A key's value (an option code, "" blank, "*" multiple; a multiple-
    selection key's marked codes) and the review flags of its reading."""

    value: str
    flags: tuple[str, ...] = ()


Values = dict[str, dict[str, Value]]
"""field → key → Value, for every bubble field of the document's form."""


@dataclass(frozen=True)
class Condition:
    """A capture condition of the document: its code and detail."""

    code: str
    detail: str


@dataclass(frozen=True)
class Finding:
    """A broken rule: on ``field``'s ``key``, on the whole field (key None),
    or on the document (both None). ``value`` is the key's or field's value."""

    rule: str
    field: str | None
    key: str | None
    value: str
    problem: str

    @property
    def place(self) -> tuple[str, str | None, str | None]:
        return self.rule, self.field, self.key


def check_document(form: Form, values: Values, conditions: Iterable[Condition] = (),
                   confirmed: Mapping[tuple[str, str | None, str | None], str] | None = None
                   ) -> list[Finding]:
    """Every finding of the form's rules on ``values`` and ``conditions``.
    ``confirmed``: (rule, field, key) → the value an editor keyed for it."""
    confirmed = confirmed or {}
    conditions = list(conditions)
    findings, taken = [], set()
    for rule in form_rules(form):
        for finding in _rule_findings(form, rule, values, conditions):
            where = (finding.field, finding.key) if finding.field else (finding.rule,)
            if where not in taken:
                taken.add(where)
                findings.append(finding)
    if any(f.rule in _blank_document_rules(form) for f in findings):
        findings = [f for f in findings if f.field is None]
    return [f for f in findings if confirmed.get(f.place) != f.value]


def _blank_document_rules(form: Form) -> set[str]:
    """A blank document's findings are its own and capture's: its empty
    fields say nothing more."""
    return {r.id for r in form_rules(form) if r.when == "blank_document"}


def _rule_findings(form: Form, rule: Rule, values: Values, conditions: list[Condition]
                   ) -> list[Finding]:
    if rule.when in VALUE_RULES:
        return [f for name in rule.fields for f in _value_findings(form, rule, name, values)]
    if rule.when == "wrong_length":
        return [f for name in rule.fields if (f := _length_finding(form, rule, name, values))]
    if rule.when == "date_out_of_range":
        found = _date_finding(rule, values)
        return [found] if found else []
    if rule.when == "blank_document":
        marked = any(v.value for keys in values.values() for v in keys.values())
        return [] if marked else [_finding(rule, None, None, "", {})]
    codes = [c for c in conditions if CONDITION_RULES.get(c.code) == rule.when]
    if not codes:
        return []
    return [_finding(rule, None, None, "", {"detail": "; ".join(c.detail for c in codes)})]


def _value_findings(form: Form, rule: Rule, name: str, values: Values) -> list[Finding]:
    keys = values.get(name, {})
    fld = form.fields[name]
    filled = any(v.value for n in rule.fields for v in values.get(n, {}).values())
    read = [keys.get(k, Value(BLANK)) for k in fld.keys]
    last_letter = max((i for i, v in enumerate(read) if v.value not in (BLANK, MULTIPLE)),
                      default=-1)
    out = []
    for i, (key, v) in enumerate(zip(fld.keys, read, strict=True)):
        if rule.positions and key not in rule.positions:
            continue
        if _breaks(rule, v.value, i < last_letter, filled):
            out.append(_finding(rule, name, key, v.value, {"where": where(fld, key)}))
        elif reviewed := [f for f in v.flags if f in rule.review]:
            problem = (f"{where(fld, key)} reads {v.value or 'blank'!r} from a mark flagged "
                       f"{' and '.join(reviewed)}: confirm or key it")
            out.append(Finding(rule.id, name, key, v.value, problem))
    return out


def _breaks(rule: Rule, value: str, letter_after: bool, filled: bool) -> bool:
    """Whether a key's ``value`` breaks a value rule; ``letter_after``: a
    letter follows the key; ``filled``: some key of the rule's fields is."""
    if rule.when == "gap_in_name":
        return value == BLANK and letter_after
    blank = value == BLANK and (filled or not rule.partial)
    return {"blank": blank, "multiple": value == MULTIPLE,
            "blank_or_multiple": blank or value == MULTIPLE}[rule.when]


def _length_finding(form: Form, rule: Rule, name: str, values: Values) -> Finding | None:
    fld = form.fields[name]
    text = field_text(fld, values.get(name, {}))
    filled = sum(1 for c in text if c != " ")
    if filled in (0, len(fld.keys)):
        return None
    return _finding(rule, name, None, text.rstrip(),
                    {"where": fld.label or name, "filled": filled, "keys": len(fld.keys)})


def field_text(fld: Field, keys: Mapping[str, Value]) -> str:
    """A field's keys as one string, a blank key as a space."""
    return "".join(keys.get(k, Value(BLANK)).value or " " for k in fld.keys)


def _date_finding(rule: Rule, values: Values) -> Finding | None:
    parts = [[v.value for v in values.get(name, {}).values()] for name in rule.fields]
    if any(p in (BLANK, MULTIPLE) for part in parts for p in part) or len(parts) != 3:
        return None
    month, day, year = ("".join(p) for p in parts)
    text = f"{month}/{day}/{year}"
    why = date_problem(month, day, year, rule.range)
    if why is None:
        return None
    return _finding(rule, rule.fields[0], None, text, {"where": "the date of birth",
                                                      "value": text, "why": why})


def date_problem(month: str, day: str, year: str, span: tuple[date, date] | None) -> str | None:
    """Why month/day/year (digits; the year in two or four) is not an
    acceptable date, or None."""
    try:
        found = date(full_year(int(year), span), int(month), int(day))
    except ValueError:
        return "not a real date"
    if span and not span[0] <= found <= span[1]:
        return f"outside {span[0].isoformat()} … {span[1].isoformat()}"
    return None


def full_year(year: int, span: tuple[date, date] | None) -> int:
    """A two-digit year in the century that puts it in (or nearest to) ``span``;
    the latest century not after the span's end."""
    if year >= 100:
        return year
    end = span[1].year if span else date.today().year
    full = end - (end - year) % 100
    return full


def _finding(rule: Rule, field: str | None, key: str | None, value: str, words: dict
             ) -> Finding:
    text = rule.problem or DEFAULT_PROBLEMS[rule.when]
    return Finding(rule.id, field, key, value, text.format_map(_Words(words)))


class _Words(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def where(fld: Field, key: str) -> str:
    """The words for one key: "LAST NAME, position 3", "READING item 12"."""
    label = (fld.label or fld.name).split("·")[0].strip()
    if len(fld.keys) == 1:
        return label
    return f"{label}, {'position' if fld.kind == 'grid' else 'item'} {key}"


def finding_value(form: Form, rule: Rule, field: str | None, key: str | None,
                  values: Values) -> str:
    """The value a finding of ``rule`` on (field, key) shows for ``values``:
    the key's value, the field's text, or the date as M/D/Y."""
    if field is None:
        return ""
    if rule.when == "date_out_of_range":
        parts = ["".join(v.value for v in values.get(n, {}).values()) for n in rule.fields]
        return "/".join(parts)
    if key is None:
        return field_text(form.fields[field], values.get(field, {})).rstrip()
    return values.get(field, {}).get(key, Value(BLANK)).value


# --- keyed values -----------------------------------------------------------------------


class BadValue(ValueError):
    """A keyed value that does not fit: ``field`` (or "value") and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def keyed_changes(form: Form, rule: Rule, field: str | None, key: str | None, text: str
                  ) -> dict[tuple[str, str], str]:
    """The key values an editor's ``text`` sets for a finding: (field, key) →
    value. Raises :class:`BadValue` for text the finding's field cannot hold."""
    text = text.strip().upper()
    if field is None:
        raise BadValue("value", "this item takes no value: send the document for rescan, "
                                "ask the supervisor, or skip it")
    fld = form.fields[field]
    if rule.when == "date_out_of_range":
        return _date_changes(form, rule, text)
    if key is None:
        return _field_changes(fld, text)
    return {(field, key): _key_value(fld, key, text)}


def _key_value(fld: Field, key: str, text: str) -> str:
    codes = fld.option_codes
    if fld.selection == "multiple":
        wrong = [c for c in text if c not in codes]
        if wrong:
            raise BadValue(fld.name, f"{where(fld, key)} has no option {wrong[0]!r}: use "
                                     f"{', '.join(codes)} or nothing")
        return "".join(c for c in codes if c in text)
    if text in (BLANK, MULTIPLE) or text in codes:
        return text
    if len(text) > max(len(c) for c in codes):
        raise BadValue(fld.name, f"{text!r} is too long for {where(fld, key)}: one of "
                                 f"{_options(codes)}, * for a multiple, or nothing for blank")
    raise BadValue(fld.name, f"{where(fld, key)} has no option {text!r}: use "
                             f"{_options(codes)}, * for a multiple, or nothing for blank")


def _options(codes: tuple[str, ...]) -> str:
    return f"{codes[0]}–{codes[-1]}" if len(codes) > 6 else ", ".join(codes)


def _field_changes(fld: Field, text: str) -> dict[tuple[str, str], str]:
    if len(text) > len(fld.keys):
        raise BadValue(fld.name, f"{text!r} is too long for {fld.label or fld.name}: "
                                 f"{len(fld.keys)} columns")
    padded = text.ljust(len(fld.keys))
    return {(fld.name, k): _key_value(fld, k, c.strip()) for k, c in zip(fld.keys, padded,
                                                                          strict=True)}


def _date_changes(form: Form, rule: Rule, text: str) -> dict[tuple[str, str], str]:
    digits = text.replace("/", "").replace("-", "").replace(" ", "")
    if not digits.isdigit():
        raise BadValue("birth_date", f"{text!r} is not a date: key digits only, as MMDDYY "
                                     "or MM/DD/YY")
    widths = [len(form.fields[n].keys) * (2 if form.fields[n].kind == "codes" else 1)
              for n in rule.fields]
    if len(digits) != sum(widths):
        raise BadValue("birth_date", f"{text!r} has {len(digits)} digits; key "
                                     f"{sum(widths)} (MMDDYY)")
    month, day, year = digits[:2], digits[2:4], digits[4:]
    if date_problem(month, day, year, None):
        raise BadValue("birth_date", f"{month}/{day}/{year} is not a real date")
    changes: dict[tuple[str, str], str] = {}
    for name, part in zip(rule.fields, (month, day, year), strict=True):
        fld = form.fields[name]
        if fld.kind == "codes":
            changes[(name, fld.keys[0])] = part
        else:
            changes.update({(name, k): c for k, c in zip(fld.keys, part, strict=True)})
    return changes


def check_lithocode(text: str, digits: int = 8) -> str:
    """A keyed lithocode, verified by its check digit; raises :class:`BadValue`."""
    text = text.strip()
    if not lithocode_valid(text, digits):
        raise BadValue("lithocode", f"{text!r} is not a lithocode: {digits} digits whose "
                                    "last is the check digit; key the printed number again")
    return text


def bubble_fields(form: Form) -> list[Field]:
    return [f for f in form.fields.values() if f.kind in BUBBLE_KINDS]
