"""The hand-worked small test of tests/scoring (docs/scoring.md works it through)."""

HAND_WORKED = {
    "id": "hand_worked", "version": 1, "subject": "Reading", "grade": 5,
    "administration": "Spring 2027", "form": "answer_folder", "field": "reading",
    "options": "ABCD",
    "items": [
        {"key": "1", "answer": "A"},                       # single key
        {"key": "2", "answer": ["B", "D"]},                # two keys
        {"key": "3", "answer": "C", "points": 2},          # worth 2 points
        {"key": "4", "answer": "D", "status": "dropped"},  # worth nothing
        {"key": "5", "answer": "A", "status": "everyone"},  # full points to all
    ],
    "clusters": [{"name": "X", "items": ["1", "2"]}, {"name": "Y", "items": ["3", "4", "5"]}],
    "polytomous": [{"name": "writing", "source": "handscore", "max_points": 4, "weight": 0.5}],
    # raw 0..7 (1 + 1 + 2 + 1 items, 4 × 0.5 writing)
    "scale": {"lowest": 97, "highest": 200, "table": [[0, 90], [2, 101], [3, 120], [7, 209]]},
    "condition_from": {"field": "special_codes", "key": "1"},
    "levels": [{"name": "L1", "cut": 97}, {"name": "L2", "cut": 111},
               {"name": "L3", "cut": 165}, {"name": "L4", "cut": 200}],
}
