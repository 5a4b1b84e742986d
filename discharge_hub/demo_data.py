"""Word lists for the synthetic demo data (:mod:`discharge_hub.demo`).

Everything here is invented: names are common given and family names, providers and
surgeries are fictional, phone numbers come from Ofcom's drama range (07700 900xxx).
Codes (ethnic category, service type, delay reason, barrier kind) are those shipped in
``resources/``; the demo checks them against the database before it uses them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Background:
    """A group of names that go together, with the ethnic categories and languages
    (language, share of people who need an interpreter) seen with them in LLR."""

    weight: float
    ethnic: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]


BACKGROUNDS: tuple[Background, ...] = (
    Background(
        44,
        ("A",),
        (),
        (
            "Margaret",
            "Dorothy",
            "Joan",
            "Patricia",
            "Susan",
            "Janet",
            "Irene",
            "Zoë",
            "Eileen",
            "Sheila",
            "Pauline",
            "Brenda",
            "Chloë",
            "Renée",
            "Jean",
            "Valerie",
        ),
        (
            "Arthur",
            "Kenneth",
            "Derek",
            "Brian",
            "Roy",
            "Geoffrey",
            "Trevor",
            "Keith",
            "Colin",
            "Dennis",
            "Malcolm",
            "Raymond",
            "Barry",
            "Graham",
        ),
        (
            "Smith",
            "Taylor",
            "Wright",
            "Brown",
            "Walker",
            "Hughes",
            "Marsh",
            "Pickering",
            "Bramley",
            "Thorpe",
            "Hall",
            "Ward",
            "Parker",
            "Ashby",
            "Oakley",
            "Lloyd-Hughes",
            "Barton-Wright",
            "Cooper",
            "Wilkinson",
            "Needham",
        ),
    ),
    Background(
        4,
        ("B",),
        (),
        ("Siobhán", "Aoife", "Bríd", "Máire", "Niamh"),
        ("Seán", "Pádraig", "Declan", "Ciarán", "Eoin"),
        ("O'Neill", "O'Brien", "O'Sullivan", "McCarthy", "D'Arcy", "Kavanagh"),
    ),
    Background(
        5,
        ("C",),
        (("Polish", 0.5), ("Romanian", 0.6), ("Lithuanian", 0.5)),
        ("Agnieszka", "Małgorzata", "Zofia", "Ioana", "Rūta"),
        ("Łukasz", "Józef", "Wojciech", "Bogdan", "Andrius"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Popescu", "Dąbrowska", "Kazlauskas"),
    ),
    Background(
        22,
        ("H",),
        (("Gujarati", 0.45), ("Punjabi", 0.35), ("Hindi", 0.3)),
        (
            "Priya",
            "Hansaben",
            "Kokilaben",
            "Manjit",
            "Jasvinder",
            "Savita",
            "Pushpa",
            "Kanta",
            "Surinder",
        ),
        ("Harjit", "Ramesh", "Vinod", "Jayantilal", "Sukhdev", "Pravin", "Dilip", "Navin"),
        (
            "Patel",
            "Mistry",
            "Chauhan",
            "Lad",
            "Kaur",
            "Singh",
            "Parmar",
            "Solanki",
            "Gill",
            "Sandhu",
            "Chudasama",
            "Mehta",
        ),
    ),
    Background(
        6,
        ("J", "K"),
        (("Urdu", 0.4), ("Bengali", 0.5), ("Sylheti", 0.6)),
        ("Fatima", "Aisha", "Razia", "Shahida", "Rukhsana"),
        ("Mohammed", "Abdul", "Tariq", "Iqbal", "Shafiq"),
        ("Ahmed", "Begum", "Hussain", "Khan", "Rahman", "Miah", "Choudhury"),
    ),
    Background(
        5,
        ("N",),
        (("Somali", 0.6), ("Shona", 0.3)),
        ("Amina", "Faduma", "Oluwaseun", "Chiamaka", "Nomvula", "Abena"),
        ("Abdirahman", "Chidi", "Tendai", "Kwame", "Oluwadamilare"),
        ("Okafor", "Adeyemi", "Mohamed", "Warsame", "Ndlovu", "Ndlovu-Smith", "Mensah"),
    ),
    Background(
        3,
        ("M", "P"),
        (),
        ("Gloria", "Hyacinth", "Merline", "Icilda"),
        ("Winston", "Delroy", "Errol", "Lloyd"),
        ("Campbell", "Francis", "Reid", "Gayle", "Forbes"),
    ),
    Background(
        1.5,
        ("R",),
        (("Cantonese", 0.5), ("Mandarin", 0.5)),
        ("Mei", "Lai Ping", "Xiu Ying"),
        ("Wei", "Chun", "Kwok Wah"),
        ("Chen", "Wong", "Li", "Lam"),
    ),
    Background(
        3,
        ("D", "E", "F", "G"),
        (),
        ("Jade", "Renée", "Chloë", "Leah"),
        ("Jordan", "Marcus", "Tyrone", "Jamal"),
        ("Thompson", "Francis-Hall", "Ndlovu-Smith", "Patel-Wright", "Campbell"),
    ),
    Background(
        6.5,
        ("L", "S", "Z", "99"),
        (("Arabic", 0.5), ("Tamil", 0.4), ("Kurdish", 0.6)),
        ("Leila", "Nadia", "Thenmoli", "Zoë", "Shirin"),
        ("Karim", "Rajan", "Dilan", "Hassan"),
        ("Haddad", "Rajaratnam", "Ahmadi", "Barzani", "Smith", "Shah"),
    ),
)

# Ward names (specialty) per site; a site not listed gets generic wards.
WARDS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "Leicester Royal Infirmary": (
        ("Ward 7", "Acute medicine"),
        ("Ward 15", "Older people's medicine"),
        ("Ward 16", "Older people's medicine"),
        ("Ward 21", "Stroke"),
        ("Ward 31", "General surgery"),
        ("Ward 33", "Respiratory"),
        ("Ward 41", "Trauma and orthopaedics"),
    ),
    "Leicester General Hospital": (
        ("Ward 3", "Orthopaedics"),
        ("Ward 6", "Older people's medicine"),
        ("Ward 18", "Renal"),
        ("Ward 22", "General surgery"),
    ),
    "Glenfield Hospital": (
        ("Ward 15", "Cardiology"),
        ("Ward 26", "Respiratory"),
        ("Ward 32", "Thoracic surgery"),
        ("Ward 33", "Vascular"),
    ),
    "Loughborough Community Hospital": (
        ("Charnwood Ward", "Rehabilitation"),
        ("Swithland Ward", "Rehabilitation"),
    ),
    "Coalville Community Hospital": (
        ("Ellistown Ward", "Rehabilitation"),
        ("Snibston Ward", "Rehabilitation"),
    ),
    "Hinckley and Bosworth Community Hospital": (("Sunflower Ward", "Rehabilitation"),),
    "Melton Mowbray Hospital": (("Dalgliesh Ward", "Rehabilitation"),),
    "St Luke's Hospital": (("Beechwood Ward", "Rehabilitation"), ("Ward 1", "Palliative")),
    "Feilding Palmer Community Hospital": (("Feilding Palmer Ward", "Rehabilitation"),),
    "Rutland Memorial Hospital": (("Rutland Ward", "Rehabilitation"),),
    "Bradgate Mental Health Unit": (
        ("Ashby Ward", "Adult mental health"),
        ("Aston Ward", "Older people's mental health"),
        ("Watermead Ward", "Adult mental health"),
    ),
}
GENERIC_WARDS: tuple[tuple[str, str | None], ...] = (("Ward A", None), ("Ward B", None))

# Share of admissions per kind of site (sites.csv ``kind``).
SITE_KIND_WEIGHT = {"acute": 10.0, "community": 1.6, "mental health": 2.0}

# (name, service types, place codes, capacity, unit)
PROVIDERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int, str], ...] = (
    ("City Reablement Team", ("reablement", "home_rehab"), ("E06000016",), 1400, "hours"),
    (
        "County Home First Reablement",
        ("reablement", "home_rehab"),
        ("E10000018", "E06000017"),
        2200,
        "hours",
    ),
    (
        "Rutland Community Support Team",
        ("reablement", "domiciliary", "crisis_response"),
        ("E06000017",),
        400,
        "hours",
    ),
    ("Soar Valley Home Care", ("domiciliary",), ("E06000016", "E10000018"), 900, "hours"),
    ("Fosse Way Care at Home", ("domiciliary",), ("E06000016",), 700, "hours"),
    ("Charnwood Homecare Partnership", ("domiciliary",), ("E10000018",), 800, "hours"),
    (
        "LLR Urgent Community Response",
        ("crisis_response",),
        ("E06000016", "E10000018", "E06000017"),
        300,
        "hours",
    ),
    ("Eyres Lane Intermediate Care Unit", ("ic_bed",), ("E06000016",), 30, "beds"),
    ("Greenhill Discharge to Assess Beds", ("ic_bed",), ("E10000018",), 24, "beds"),
    ("Catmose Assessment Beds", ("ic_bed",), ("E06000017",), 8, "beds"),
    (
        "Community Hospital Rehabilitation Beds",
        ("community_rehab",),
        ("E06000016", "E10000018", "E06000017"),
        120,
        "beds",
    ),
    ("Welland Valley Hospice", ("hospice",), ("E06000016", "E10000018", "E06000017"), 20, "beds"),
    ("Beaumont Lodge Residential Home", ("residential_home",), ("E06000016",), 42, "beds"),
    ("Braunstone Park Nursing Home", ("nursing_home",), ("E06000016",), 60, "beds"),
    ("Quorn Grange Care Home", ("residential_home", "nursing_home"), ("E10000018",), 55, "beds"),
    (
        "Wigston Fields Residential Home",
        ("residential_home",),
        ("E10000018", "E06000016"),
        38,
        "beds",
    ),
    ("Anstey Court Nursing Home", ("nursing_home",), ("E10000018",), 48, "beds"),
    (
        "Oakham Meadows Care Home",
        ("residential_home", "nursing_home"),
        ("E06000017", "E10000018"),
        34,
        "beds",
    ),
    (
        "Integrated Community Equipment Service",
        ("equipment",),
        ("E06000016", "E10000018", "E06000017"),
        500,
        "hours",
    ),
    ("Lightbulb Housing Support", ("housing",), ("E10000018", "E06000017"), 120, "hours"),
)


def provider_code(index: int) -> str:
    """A CQC-style location ID for the demo's index-th provider (invented, 9 digits)."""
    return f"1-{190_000_000 + 7_919 * index:09d}"


# Service types a pathway's placement is drawn from (weights).
SERVICES_BY_PATHWAY: dict[str, tuple[tuple[str, int], ...]] = {
    "P1": (("reablement", 50), ("home_rehab", 20), ("domiciliary", 25), ("crisis_response", 5)),
    "P2": (("ic_bed", 45), ("community_rehab", 45), ("hospice", 10)),
    "P3": (("residential_home", 50), ("nursing_home", 50)),
    "P3b": (("residential_home", 50), ("nursing_home", 50)),
}

DELAY_REASONS_BY_PATHWAY: dict[str, tuple[str, ...]] = {
    "P0": ("A01", "A04", "A05", "A07", "A08", "A11", "A12"),
    "P1": ("A13", "A13", "A03", "A06", "A02"),
    "P2": ("A14", "A14", "A03", "A16"),
    "P3": ("A15", "A15", "C01", "A18", "A11"),
    "P3b": ("A15", "A02", "A11"),
}

# (kind, description, owner)
BARRIERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "P0": (
        ("tto", "TTOs to be written and dispensed", "Ward pharmacist"),
        ("transport", "Book transport home (lives on second floor, needs two crew)", "Ward clerk"),
        ("therapy", "Stairs assessment by physiotherapy", "Ward physiotherapist"),
    ),
    "P1": (
        ("equipment", "Commode and perching stool to be delivered before discharge", "Ward OT"),
        ("family", "Confirm key safe code and who will be at home", "Discharge coordinator"),
        ("tto", "Blister pack requested from community pharmacy", "Ward pharmacist"),
    ),
    "P2": (
        ("therapy", "Therapy handover to the rehabilitation bed", "Ward physiotherapist"),
        ("capacity", "Mental capacity assessment for discharge destination", "Consultant"),
    ),
    "P3": (
        ("chc", "Continuing healthcare checklist to be completed", "Hub nurse assessor"),
        ("capacity", "Best-interests meeting about a care home placement", "Social worker"),
        ("family", "Family to visit shortlisted care homes", "Social worker"),
        ("safeguarding", "Safeguarding enquiry outcome awaited", "Adult social care"),
    ),
    "P3b": (
        ("equipment", "Care home needs a hoist and air mattress first", "Care home manager"),
        ("family", "Care home to reassess changed needs", "Care home manager"),
    ),
}

EDD_SLIP_REASONS = (
    "Awaiting echocardiogram",
    "Not yet medically optimised",
    "New oxygen requirement overnight",
    "Awaiting therapy assessment",
    "Placement not yet available",
    "Family meeting requested before discharge",
    "Bloods deteriorated, repeat tomorrow",
    "Awaiting CT result",
)

NEXT_ACTIONS = {
    "P0": (
        "Chase TTOs with pharmacy",
        "Book transport for tomorrow morning",
        "Confirm discharge with family",
    ),
    "P1": (
        "Chase reablement start date with provider",
        "Confirm package of care times",
        "Ring daughter about key safe",
    ),
    "P2": ("Chase bed availability at 10:00 huddle", "Send therapy notes to rehab unit"),
    "P3": (
        "Chase CHC checklist outcome",
        "Arrange best-interests meeting",
        "Family to confirm choice of home",
    ),
    "P3b": ("Confirm care home can meet changed needs", "Arrange equipment delivery"),
}

RED_REASONS = (
    "Awaiting placement",
    "Awaiting test result",
    "Awaiting senior review",
    "Awaiting therapy assessment",
    "Awaiting TTOs",
)

RELATIONSHIPS = ("Daughter", "Son", "Wife", "Husband", "Partner", "Niece", "Neighbour", "Friend")
CONTACT_TOPICS = (
    ("Discharge plan and likely date", "Family happy with the plan"),
    ("Reablement at home: what to expect", "Daughter will be at home on the first visit"),
    ("Care home options and funding", "Family to visit two homes this week"),
    ("Equipment needed at home", "Son to clear the front room for the bed"),
    ("Medicines on discharge", "Blister pack agreed"),
)
SURGERIES = (
    "Oak Tree",
    "Willow Bank",
    "Meadow View",
    "Station Road",
    "Church Lane",
    "Market Street",
    "Brookside",
    "Hill Top",
)
DECLINE_REASONS = (
    "No capacity in the patient's area this week",
    "Provider cannot meet assessed needs (two carers four times a day)",
    "Patient declined the home offered",
)
CANCEL_REASONS = (
    "Pathway changed after therapy review",
    "Family arranged private care",
)
POSTCODE_DISTRICTS = {
    "E06000016": ("LE1", "LE2", "LE3", "LE4", "LE5"),
    "E10000018": (
        "LE7",
        "LE8",
        "LE9",
        "LE10",
        "LE11",
        "LE12",
        "LE13",
        "LE16",
        "LE17",
        "LE18",
        "LE65",
        "LE67",
    ),
    "E06000017": ("LE15", "PE9"),
}
PLACE_WEIGHTS = {"E06000016": 40, "E10000018": 50, "E06000017": 10}
