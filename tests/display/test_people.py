"""People by name (issue 10), not by login."""

from __future__ import annotations

from discharge_hub.display.people import current_user_name, is_me, login_of, person_name
from discharge_hub.services.people import Permissions


def test_a_stamp_shows_the_persons_name():
    assert person_name("Jane Smith (jsmith)") == "Jane Smith"
    assert person_name("jsmith", {"jsmith": "Jane Smith"}) == "Jane Smith"
    assert person_name("root") == "root"  # no name known: the login
    assert person_name(None) == "someone"
    assert person_name("Dr A (B) Jones (ajones)") == "Dr A (B) Jones"


def test_me_is_recognised_by_login():
    assert login_of("Jane Smith (jsmith)") == "jsmith"
    assert is_me("Jane Smith (jsmith)", "jsmith")
    assert not is_me("Jo Bloggs (jbloggs)", "Jane Smith (jsmith)")


def test_the_current_users_name():
    named = Permissions("jsmith", "Jane Smith", frozenset({"coordinator"}))
    assert current_user_name(named) == "Jane Smith"
    assert current_user_name(Permissions("jsmith", None, frozenset())) == "jsmith"
