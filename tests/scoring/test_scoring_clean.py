"""The adapter from the edit station's clean document record (its JSON form)."""

import pytest

from scoring.clean import document_from_clean
from scoring.errors import ScoringError


def keyed(values, first=1):
    """Read values of keys first, first + 1, … ("" : a blank column at ``first``)."""
    values = values or [""]
    return {str(first + i): {"value": v, "source": "read"} for i, v in enumerate(values)}


CLEAN = {
    "document_id": 12, "lithocode": "00012346", "form_id": "answer_folder", "batch_id": 3,
    "status": "released",
    "fields": {
        "last_name": {**keyed("LE"), "3": {"value": "E", "source": "keyed"}, **keyed("", 4)},
        "first_name": keyed("KIM"), "birth_year": keyed("16"), "birth_month": keyed(["MAR"]),
        "birth_day": keyed("04"), "gender": keyed("F"), "ssid": keyed("1234567890"),
        "reading": {"7": {"value": "C", "source": "read"},
                    "8": {"value": "*", "source": "read"}},
    },
    "changed": {"reading": {"7": {"from": "B", "to": "C", "now": "C"}}},
    "accepted": [],
}


def test_a_clean_record_gives_responses_erasures_and_demographics():
    doc = document_from_clean(CLEAN, school="S1")
    assert doc.fields["reading"]["7"].value == "C" and doc.fields["reading"]["7"].original == "B"
    assert doc.fields["reading"]["8"].original is None
    d = doc.demographics
    assert (d.school, d.last_name, d.first_name, d.birth_date, d.gender, d.ssid) == (
        "S1", "LEE", "KIM", "16-MAR-04", "F", "1234567890")


def test_a_document_not_released_is_refused():
    with pytest.raises(ScoringError, match="document 12 is 'open' at the edit station"):
        document_from_clean({**CLEAN, "status": "open"})
