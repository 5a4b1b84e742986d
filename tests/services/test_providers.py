"""The provider directory: vacancy history by as_of, the picker's order (serving the
patient's council and service type, vacancies first), and its filters."""

from __future__ import annotations

from datetime import timedelta

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.services import hub, providers
from tests.conftest import admitted
from tests.core_support import add_provider, admit, on_pathway, refused

NOW = clock.as_utc(admitted(1))  # yesterday 10:00: "now" for the figures below


def test_each_vacancy_figure_is_kept_and_the_newest_is_current(db: Database) -> None:
    p = add_provider(db, capacity=10, vacancies=3, vacancies_as_of=NOW - timedelta(hours=5))

    def setting(vacancies: int, hours_ago: float, version: int | None = None) -> hub.ProviderView:
        with db.unit_of_work("council") as s:
            return hub.set_vacancies(
                s,
                provider_id=p.id,
                expected_version=version,
                vacancies=vacancies,
                as_of=NOW - timedelta(hours=hours_ago),
            )

    newer = setting(1, 1, p.version)
    assert (newer.vacancies, newer.vacancies_as_of) == (1, NOW - timedelta(hours=1))
    older = setting(7, 3)  # a late return for an earlier moment: history only
    assert (older.vacancies, older.vacancies_as_of, older.version) == (
        1,
        NOW - timedelta(hours=1),
        newer.version,
    )
    assert setting(1, 1) == older  # the same figure again: nothing new
    err = refused(
        db,
        lambda s: hub.set_vacancies(
            s, provider_id=p.id, expected_version=None, vacancies=2, as_of=NOW - timedelta(hours=1)
        ),
        field="vacancies",
    )
    assert "already recorded" in str(err)
    refused(
        db,
        lambda s: hub.set_vacancies(
            s,
            provider_id=p.id,
            expected_version=None,
            vacancies=2,
            as_of=clock.now() + timedelta(hours=1),
        ),
        field="as_of",
    )
    with db.read() as s:
        history = providers.vacancy_history(s, p.id)
    assert [(h.vacancies, NOW - h.as_of) for h in history] == [
        (1, timedelta(hours=1)),
        (7, timedelta(hours=3)),
        (3, timedelta(hours=5)),
    ]
    assert {h.recorded_by for h in history} == {"hubuser", "council"}


def test_the_picker_lists_providers_for_the_council_and_service_vacancies_first(
    db: Database,
) -> None:
    spell = on_pathway(db, admit(db, place="Leicestershire"), "P3")
    add_provider(
        db,
        "Anstey Court",
        service_types=["nursing_home"],
        places=["E10000018"],
        capacity=40,
        vacancies=0,
    )
    add_provider(
        db,
        "Quorn Grange",
        service_types=["nursing_home", "residential_home"],
        places=["E10000018", "E06000017"],
        capacity=40,
        vacancies=2,
    )
    add_provider(
        db,
        "Braunstone Park",
        service_types=["nursing_home"],
        places=["E06000016"],
        capacity=40,
        vacancies=9,
    )
    add_provider(
        db,
        "Beaumont Lodge",
        service_types=["residential_home"],
        places=["E10000018"],
        capacity=40,
        vacancies=5,
    )
    add_provider(
        db,
        "Oakham Meadows",
        service_types=["nursing_home"],
        places=["E10000018"],
        capacity=40,
        vacancies=6,
    )
    with db.unit_of_work("hub") as s:
        p = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="nursing_home"
        )
    with db.read() as s:
        picker = hub.providers_for_placement(s, p.id)
        new_request = hub.providers_for(s, service_type="nursing_home", place="E10000018")
        anywhere = hub.providers_for(s, service_type="nursing_home", place=None)
        directory = hub.list_providers(s)
        rutland = hub.list_providers(s, place="E06000017")
    assert [x.name for x in picker] == ["Oakham Meadows", "Quorn Grange", "Anstey Court"]
    assert picker == new_request
    assert [x.name for x in anywhere][:2] == ["Braunstone Park", "Oakham Meadows"]
    assert [x.name for x in directory] == sorted(x.name for x in directory)
    assert [x.name for x in rutland] == ["Quorn Grange"]
    assert picker[1].service_types == ("nursing_home", "residential_home")
    assert picker[1].places == ("E06000017", "E10000018")
    assert picker[1].code.startswith("1-") and picker[1].vacancies_as_of is not None


def test_cqc_location_id_format() -> None:
    assert providers.CQC_CODE.fullmatch("1-123456789")
    assert providers.CQC_CODE.fullmatch("1-12345678901")
    assert not providers.CQC_CODE.fullmatch("1-1234567890123")
