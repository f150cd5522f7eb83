"""The roles of ScanScore's accounts (SPEC §1)."""

OPERATOR = "operator"
EDITOR = "editor"
SCORER = "scorer"
SUPERVISOR = "supervisor"
ADMIN = "admin"

ROLES: tuple[str, ...] = (OPERATOR, EDITOR, SCORER, SUPERVISOR, ADMIN)
"""Every role, in the order pages list them."""

ROLE_TITLES = {
    OPERATOR: "Operator",
    EDITOR: "Editor",
    SCORER: "Scorer",
    SUPERVISOR: "Supervisor",
    ADMIN: "Administrator",
}
