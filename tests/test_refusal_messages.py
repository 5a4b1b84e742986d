"""A write the server refuses is said in the user's terms: who once, what they may not
do, nothing saved (found in a real window: "permission denied for table spell", and the
user's name twice)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from discharge_hub.db_errors import refusal
from discharge_hub.services.people import Permissions

SAM = Permissions(
    login="sam", display_name="Sam Social", roles=frozenset({"social_care"}),
    place_code="E06000017", place_name="Rutland", enforced=True,
)  # fmt: skip


def refused(server_says: str) -> str:
    return str(refusal(sa_exc.DBAPIError("UPDATE …", {}, Exception(server_says)), SAM))


def test_another_council_s_placement_is_said_as_such_naming_the_user_once() -> None:
    text = refused('new row violates row-level security policy for table "placement"')
    assert text == (
        "Not allowed for Sam Social (sam) · social care, Rutland: you may change these only "
        "for patients of Rutland. Nothing was saved."
    )
    assert text.count("Sam Social") == 1


def test_a_table_the_role_may_not_write_is_not_named_to_the_user() -> None:
    text = refused("permission denied for table spell")
    assert "table" not in text and "spell" not in text
    assert text == (
        "Not allowed for Sam Social (sam) · social care, Rutland: your role may not make "
        "this change. Nothing was saved."
    )


def test_other_refusals_keep_the_server_s_words() -> None:
    text = refused("only the owner may change the audit trail")
    assert "only the owner may change the audit trail" in text and text.endswith("saved.")
