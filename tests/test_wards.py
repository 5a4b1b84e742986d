"""Ward order and labels (discharge_hub/wards.py), Qt-free."""

from __future__ import annotations

from discharge_hub.wards import board_order, natural_key, site_initials, ward_labels


def test_natural_order_counts_numbers() -> None:
    names = ["Ward 10", "ward 2", "Ward 1", "Beechwood Ward", "Ward 21", "Ward 3b", "Ward 3"]
    assert sorted(names, key=natural_key) == [
        "Beechwood Ward", "Ward 1", "ward 2", "Ward 3", "Ward 3b", "Ward 10", "Ward 21",
    ]  # fmt: skip


def test_site_initials() -> None:
    assert site_initials("Glenfield Hospital") == "GH"
    assert site_initials("Leicester Royal Infirmary") == "LRI"
    assert site_initials("Hinckley and Bosworth Community Hospital") == "HBCH"
    assert site_initials("St Luke's Hospital") == "SLH"


def test_ward_labels_name_the_site_only_where_the_name_is_shared() -> None:
    labels = ward_labels(
        [
            (1, "Ward 15", "Glenfield Hospital"),
            (2, "Ward 15", "Leicester Royal Infirmary"),
            (3, "Ward 7", "Leicester Royal Infirmary"),
            (4, "Ward 9", "Grove Hospital"),
            (5, "Ward 9", "Greenfield Hospital"),  # the same initials: the full name
        ]
    )
    assert labels == {
        1: "Ward 15 · GH",
        2: "Ward 15 · LRI",
        3: "Ward 7",
        4: "Ward 9 · Grove Hospital",
        5: "Ward 9 · Greenfield Hospital",
    }


def test_board_order_is_site_ward_bed_with_bedless_last() -> None:
    rows = [
        ("LRI", "Ward 10", "B01"),
        ("GH", "Ward 15", None),
        ("GH", "Ward 15", "B02"),
        ("LRI", "Ward 2", "B05"),
        ("GH", "Ward 15", "B01"),
    ]
    assert sorted(rows, key=lambda r: board_order(*r)) == [
        ("GH", "Ward 15", "B01"),
        ("GH", "Ward 15", "B02"),
        ("GH", "Ward 15", None),
        ("LRI", "Ward 2", "B05"),
        ("LRI", "Ward 10", "B01"),
    ]
