"""Demo OCHA 4W (who does what, where, when): one HXL-tagged CSV of monthly activity reports, January-October 2026.

About 60 organisations (UN agencies, international and national NGOs, government, Red Cross/Red Crescent) report
activities by district and month. Districts are written by name only, in the spellings partners use (aliases,
other casing, the "Al-" article dropped); governorates by p-code. Some high-severity districts deliberately have
no active service on some criteria (Sinjar: housing, land and property, and later livelihoods; Al-Ba'aj:
livelihoods, HLP and documentation; Balad: safety and justice; Al-Hatra: nothing on criteria 1-4; Tooz Khurmato:
HLP), so the service-gap view has something true to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ds_pipeline.lib.demo.geography import AdminUnit, Geography
from ds_pipeline.lib.demo.name_mismatch import plant_name_mismatch
from ds_pipeline.lib.demo.tables import (
    STAGE_CONFORMED,
    STAGE_VALIDATED,
    DemoFile,
    month_end,
    scaled,
    seeded_random,
)

SOURCE_ID = "ocha_4w"
RELATIVE_PATH = "files/4w/iraq_4w_2026.csv"
ROWS_AT_FULL_SCALE = 1500
MONTHS = [(2026, m) for m in range(1, 11)]

# Header text and HXL hashtag (written with spaces, as real files do).
COLUMNS = (
    ("Governorate", "#adm1 +name"),
    ("Governorate Pcode", "#adm1 +code"),
    ("District", "#adm2 +name"),
    ("Organisation acronym", "#org +acronym"),
    ("Organisation", "#org +name"),
    ("Organisation type", "#org +type"),
    ("Cluster", "#sector +cluster"),
    ("Activity", "#activity +name"),
    ("IASC criterion", "#indicator +criterion"),
    ("Status", "#status"),
    ("People targeted", "#targeted +ind"),
    ("People reached", "#reached +ind"),
    ("Start date", "#date +start"),
    ("End date", "#date +end"),
)

UN = "UN"
INGO = "international NGO"
NNGO = "national NGO"
GOVERNMENT = "government"
RCRC = "Red Cross/Red Crescent"


@dataclass(frozen=True)
class Organisation:
    acronym: str
    name: str
    org_type: str
    sectors: tuple[str, ...]
    governorates: tuple[str, ...] = ()  # governorate names it works in; () = anywhere


ORGANISATIONS = (
    Organisation("UNHCR", "United Nations High Commissioner for Refugees", UN, ("PRO", "SHL", "CCM", "PRO-HLP")),
    Organisation("IOM", "International Organization for Migration", UN, ("CCM", "SHL", "ERY", "PRO", "HEA")),
    Organisation("UNDP", "United Nations Development Programme", UN, ("ERY", "PRO-HLP")),
    Organisation("UNICEF", "United Nations Children's Fund", UN, ("WSH", "EDU", "PRO-CP", "NUT", "HEA")),
    Organisation("WFP", "World Food Programme", UN, ("FSC",)),
    Organisation("WHO", "World Health Organization", UN, ("HEA",)),
    Organisation("UN-Habitat", "United Nations Human Settlements Programme", UN, ("SHL", "PRO-HLP")),
    Organisation("UNFPA", "United Nations Population Fund", UN, ("PRO-GBV", "HEA")),
    Organisation("UNMAS", "United Nations Mine Action Service", UN, ("PRO-MA",)),
    Organisation("FAO", "Food and Agriculture Organization of the United Nations", UN, ("FSC", "ERY")),
    Organisation("ILO", "International Labour Organization", UN, ("ERY",)),
    Organisation("UNOPS", "United Nations Office for Project Services", UN, ("ERY", "SHL", "LOG")),
    Organisation("NRC", "Norwegian Refugee Council", INGO, ("SHL", "EDU", "PRO-HLP", "WSH", "ERY", "PRO")),
    Organisation("DRC", "Danish Refugee Council", INGO, ("PRO", "ERY", "PRO-MA")),
    Organisation("IRC", "International Rescue Committee", INGO, ("PRO", "HEA", "PRO-GBV", "ERY")),
    Organisation("MC", "Mercy Corps", INGO, ("ERY", "FSC")),
    Organisation("SCI", "Save the Children International", INGO, ("EDU", "PRO-CP", "FSC")),
    Organisation("ACTED", "Agency for Technical Cooperation and Development", INGO, ("CCM", "WSH", "ERY", "SHL")),
    Organisation("OXFAM", "Oxfam", INGO, ("WSH", "ERY", "FSC")),
    Organisation("CARE", "CARE International", INGO, ("PRO-GBV", "ERY", "WSH")),
    Organisation("WVI", "World Vision International", INGO, ("EDU", "PRO-CP", "ERY")),
    Organisation("PUI", "Premiere Urgence Internationale", INGO, ("HEA", "WSH", "SHL")),
    Organisation("INTERSOS", "INTERSOS", INGO, ("PRO", "PRO-CP", "HEA")),
    Organisation("RI", "Relief International", INGO, ("HEA", "NUT")),
    Organisation("TDH", "Terre des hommes", INGO, ("PRO-CP",)),
    Organisation("HI", "Humanity & Inclusion", INGO, ("PRO-MA", "HEA")),
    Organisation("MAG", "Mines Advisory Group", INGO, ("PRO-MA",)),
    Organisation("NPA", "Norwegian People's Aid", INGO, ("PRO-MA",)),
    Organisation("ZOA", "ZOA", INGO, ("ERY", "SHL")),
    Organisation("WHH", "Welthungerhilfe", INGO, ("FSC", "ERY")),
    Organisation("SI", "Solidarites International", INGO, ("WSH",)),
    Organisation("PIN", "People in Need", INGO, ("ERY", "WSH")),
    Organisation("ACF", "Action Contre la Faim", INGO, ("FSC", "NUT", "WSH")),
    Organisation("IMC", "International Medical Corps", INGO, ("HEA", "PRO-GBV")),
    Organisation("HAI", "HelpAge International", INGO, ("HEA", "PRO")),
    Organisation("MEDAIR", "Medair", INGO, ("HEA", "SHL")),
    Organisation("SP", "Samaritan's Purse", INGO, ("SHL", "WSH")),
    Organisation("TGH", "Triangle Generation Humanitaire", INGO, ("WSH", "ERY")),
    Organisation("CRS", "Catholic Relief Services", INGO, ("SHL", "ERY")),
    Organisation("AL-MESALLA", "Al-Mesalla Organization for Human Resources Development", NNGO, ("ERY", "PRO-HLP"),
                 ("Ninewa", "Kirkuk", "Salah Al-Din", "Al-Anbar")),
    Organisation("HARIKAR", "Harikar NGO", NNGO, ("PRO", "PRO-CP"), ("Duhok", "Ninewa")),
    Organisation("EMMA", "EMMA Organization for Human Development", NNGO, ("PRO-GBV",), ("Erbil", "Ninewa")),
    Organisation("PAO", "Public Aid Organization", NNGO, ("PRO", "HEA"), ("Erbil", "Ninewa", "Salah Al-Din")),
    Organisation("ISHO", "Iraqi Salvation Humanitarian Organization", NNGO, ("PRO", "WSH"),
                 ("Al-Anbar", "Baghdad", "Salah Al-Din")),
    Organisation("IAA", "Iraqi Al-Amal Association", NNGO, ("PRO", "PRO-GBV", "HEA")),
    Organisation("LCN", "Legal Clinic Network", NNGO, ("PRO", "PRO-HLP")),
    Organisation("ZSVP", "Zakho Small Villages Project", NNGO, ("SHL", "ERY"), ("Duhok", "Ninewa")),
    Organisation("REACH-IQ", "Rehabilitation, Education and Community Health", NNGO, ("WSH", "ERY", "HEA"),
                 ("Erbil", "Ninewa", "Kirkuk", "Salah Al-Din")),
    Organisation("CDO", "Civil Development Organization", NNGO, ("PRO", "ERY"),
                 ("Al-Sulaymaniyah", "Kirkuk", "Diyala")),
    Organisation("BROB", "Bent Al-Rafedain Organization", NNGO, ("PRO-GBV",), ("Babil", "Baghdad", "Al-Anbar")),
    Organisation("KSC", "Kurdistan Save the Children", NNGO, ("EDU", "PRO-CP"), ("Duhok", "Erbil", "Al-Sulaymaniyah")),
    Organisation("MH", "Mercy Hands for Humanitarian Aid", NNGO, ("FSC", "WSH", "ERY"),
                 ("Baghdad", "Al-Anbar", "Salah Al-Din", "Diyala", "Ninewa")),
    Organisation("YAZDA", "Yazda", NNGO, ("PRO", "ERY"), ("Ninewa", "Duhok")),
    Organisation("NI", "Nadia's Initiative", NNGO, ("ERY", "HEA", "SHL"), ("Ninewa",)),
    Organisation("IHSCO", "Iraqi Health and Social Care Organization", NNGO, ("HEA", "PRO-GBV")),
    Organisation("MOMD", "Ministry of Migration and Displaced", GOVERNMENT, ("CCM", "PRO")),
    Organisation("JCC", "Joint Crisis Coordination Centre", GOVERNMENT, ("CCM",),
                 ("Duhok", "Erbil", "Al-Sulaymaniyah")),
    Organisation("MOI-CA", "Ministry of Interior, Directorate of Nationality and Civil Affairs", GOVERNMENT, ("PRO",)),
    Organisation("DOH-NIN", "Directorate of Health, Ninewa", GOVERNMENT, ("HEA",), ("Ninewa",)),
    Organisation("DOE-NIN", "Directorate of Education, Ninewa", GOVERNMENT, ("EDU",), ("Ninewa",)),
    Organisation("DOW-ANB", "Directorate of Water, Al-Anbar", GOVERNMENT, ("WSH",), ("Al-Anbar",)),
    Organisation("CCC", "Central Compensation Committee", GOVERNMENT, ("PRO-HLP",)),
    Organisation("DMA", "Directorate of Mine Action", GOVERNMENT, ("PRO-MA",)),
    Organisation("IRCS", "Iraqi Red Crescent Society", RCRC, ("FSC", "HEA", "SHL")),
    Organisation("ICRC", "International Committee of the Red Cross", RCRC, ("PRO", "WSH", "HEA", "ERY")),
)
ORGANISATION_TYPE_WEIGHT = {UN: 1.0, INGO: 0.55, NNGO: 0.5, GOVERNMENT: 0.45, RCRC: 0.6}

# Activities per sector: (activity, IASC criterion served, median people targeted per month).
ACTIVITIES = {
    "SHL": (("Shelter repair for returnee houses", 2, 250), ("Sealing-off kits for unfinished buildings", 2, 180),
            ("Rental subsidies for out-of-camp IDPs", 2, 150), ("Reconstruction of war-damaged houses", 4, 90)),
    "CCM": (("Camp management and site coordination", 2, 2500), ("Go-and-see visits to areas of origin", 1, 80),
            ("Camp community committees", 7, 120)),
    "FSC": (("Food baskets and cash for food", 2, 1800), ("Agricultural inputs and irrigation repair", 3, 300)),
    "WSH": (("Water network rehabilitation", 2, 4000), ("Water trucking", 2, 1500), ("Hygiene promotion", 2, 900)),
    "PRO": (("Civil documentation legal assistance", 5, 300), ("Protection monitoring and case management", 1, 400),
            ("Legal aid for access to justice", 8, 150), ("Community-based protection committees", 7, 120),
            ("Family tracing and reunification", 6, 40)),
    "PRO-CP": (("Child protection case management", 1, 150),
               ("Tracing and reunification of separated children", 6, 30)),
    "PRO-GBV": (("GBV case management and women's safe spaces", 1, 200),),
    "PRO-HLP": (("HLP legal counselling and property claims", 4, 200), ("Compensation claims support (Law 20)", 8, 150),
                ("Property documentation recovery", 4, 120)),
    "PRO-MA": (("Explosive ordnance clearance", 1, 1200), ("Explosive ordnance risk education", 1, 600)),
    "EDU": (("School rehabilitation", 2, 800), ("Accelerated learning programme", 2, 250)),
    "NUT": (("Nutrition screening and treatment", 2, 500),),
    "HEA": (("Primary health care services", 2, 2500), ("Mental health and psychosocial support", 2, 300)),
    "ERY": (("Cash for work", 3, 200), ("Small business grants", 3, 80), ("Vocational training", 3, 120),
            ("Rehabilitation of public infrastructure", 2, 3000),
            ("Local peace committees and social cohesion", 7, 150),
            ("Support to participation in local governance", 7, 100)),
    "LOG": (("Common logistics services", 2, 0),),
    "TEL": (("Emergency telecommunications support", 2, 0),),
}

# Districts covered by the 4W (governorate, district, weight).
DISTRICTS = (
    ("Ninewa", "Al-Mosul", 10), ("Ninewa", "Sinjar", 8), ("Ninewa", "Al-Baaj", 3), ("Ninewa", "Telafar", 4),
    ("Ninewa", "Al-Hamdaniya", 4), ("Ninewa", "Tilkaef", 2), ("Ninewa", "Al-Hatra", 1),
    ("Ninewa", "Al-Shikhan", 3), ("Ninewa", "Aqra", 1), ("Salah Al-Din", "Tikrit", 3),
    ("Salah Al-Din", "Beygee", 3), ("Salah Al-Din", "Al-Shirqat", 3), ("Salah Al-Din", "Balad", 4),
    ("Salah Al-Din", "Samarra", 2), ("Salah Al-Din", "Tooz Khurmato", 2), ("Salah Al-Din", "Al-Daur", 1),
    ("Al-Anbar", "Al-Ramadi", 6), ("Al-Anbar", "Al-Falluja", 5), ("Al-Anbar", "Heet", 2),
    ("Al-Anbar", "Haditha", 1), ("Al-Anbar", "Al-Kaim", 2), ("Kirkuk", "Al-Hawiga", 3),
    ("Kirkuk", "Kirkuk", 3), ("Kirkuk", "Dibis", 1), ("Diyala", "Al-Muqdadiya", 2), ("Diyala", "Khanaqin", 2),
    ("Diyala", "Baquba", 1), ("Baghdad", "Al-Kadhmiyah", 1), ("Baghdad", "Al-Mahmoudiya", 1),
    ("Duhok", "Sumail", 5), ("Duhok", "Zakho", 4), ("Duhok", "Al-Amadiya", 1),
    ("Erbil", "Erbil", 3), ("Erbil", "Makhmour", 2), ("Al-Sulaymaniyah", "Al-Sulaymaniyah", 2),
    ("Babil", "Al-Mussyab", 1),
)
# Deliberate gaps: (district, criterion, first month index, last month index) without any activity.
NO_SERVICE = (
    ("Sinjar", 4, 0, 9), ("Sinjar", 3, 6, 9),
    ("Al-Baaj", 3, 0, 9), ("Al-Baaj", 4, 0, 9), ("Al-Baaj", 5, 0, 9), ("Al-Baaj", 1, 7, 9),
    ("Balad", 1, 0, 9), ("Balad", 8, 0, 9),
    ("Al-Hatra", 1, 0, 9), ("Al-Hatra", 2, 0, 9), ("Al-Hatra", 3, 0, 9), ("Al-Hatra", 4, 0, 9),
    ("Tooz Khurmato", 4, 0, 9),
)
# Names that match no district of the governorate, not even by alias: sub-districts or towns written as districts.
UNMATCHED_DISTRICT_NAMES = {
    "Ninewa": ("Qayyarah town", "Hammam al-Alil", "Zummar", "Bartella"),
    "Salah Al-Din": ("Yathrib", "Amerli"),
    "Al-Anbar": ("Khalidiya", "Habbaniyah", "Kubaisa"),
    "Kirkuk": ("Riyadh", "Laylan"),
    "Diyala": ("Jalawla", "Saadiya"),
    "Baghdad": ("Yusufiya", "Latifiya"),
    "Duhok": ("Khanke", "Faida"),
    "Erbil": ("Gwer", "Qaraj"),
    "Al-Sulaymaniyah": ("Arbat", "Tanjaro"),
    "Babil": ("Jurf Al-Sakhar", "Iskandariya"),
}


def _no_service(district: str, criterion: int, month: int) -> bool:
    return any(d == district and c == criterion and first <= month <= last for d, c, first, last in NO_SERVICE)


def district_spelling(rng: random.Random, district: AdminUnit) -> str:
    """How a partner writes the district: the gazetteer name, an alias, other casing, or without "Al-"."""
    roll = rng.random()
    if roll < 0.15 and district.aliases:
        return rng.choice(district.aliases)
    if roll < 0.25:
        return district.name_en.upper() if rng.random() < 0.5 else district.name_en.lower()
    if roll < 0.45 and district.name_en.startswith("Al-") and len(district.name_en) - 3 >= 6:
        return district.name_en[3:]
    return district.name_en


def _period(month_index: int) -> tuple[date, date]:
    year, month = MONTHS[month_index]
    return date(year, month, 1), month_end(year, month)


def build_service_mapping(seed: int, scale: float, geography: Geography) -> DemoFile:
    """The 4W file: projects by organisation, sector and district, reported month by month."""
    rng = seeded_random(seed, "service-mapping")
    target_rows = scaled(ROWS_AT_FULL_SCALE, scale, 60)
    districts = [(geography.district(g, d), g, w) for g, d, w in DISTRICTS]
    rows: list[dict[str, str]] = []

    def add_project(org: Organisation, sector: str, district: AdminUnit, first: int, length: int,
                    planned: bool) -> None:
        activity, criterion, median = rng.choice(ACTIVITIES[sector])
        months = [m for m in range(first, min(first + length, len(MONTHS)))
                  if not _no_service(district.name_en, criterion, m)]
        governorate = geography.parent(district)
        targeted = max(10, int(round(rng.lognormvariate(0, 0.6) * max(median, 40))))
        for position, month in enumerate(months):
            start, end = _period(month)
            last_month = position == len(months) - 1
            if planned:
                status, reached = "planned", 0
            elif last_month and month < len(MONTHS) - 1:
                status, reached = "completed", int(round(targeted * rng.uniform(0.85, 1.1)))
            else:
                status, reached = "ongoing", int(round(targeted * rng.uniform(0.5, 1.05)))
            rows.append({
                "Governorate": governorate.name_en if rng.random() < 0.8 else rng.choice(governorate.aliases),
                "Governorate Pcode": governorate.pcode,
                "District": district_spelling(rng, district),
                "Organisation acronym": org.acronym,
                "Organisation": org.name,
                "Organisation type": org.org_type,
                "Cluster": sector,
                "Activity": activity,
                "IASC criterion": str(criterion),
                "Status": status,
                "People targeted": str(targeted),
                "People reached": str(reached),
                "Start date": start.isoformat(),
                "End date": end.isoformat(),
                "_district_pcode": district.pcode,
                "_governorate": governorate.name_en,
            })

    # Every POA district has partners at every scale.
    anchors = (("Sinjar", "NRC", "SHL"), ("Sinjar", "IOM", "CCM"), ("Al-Baaj", "UNICEF", "WSH"),
               ("Balad", "UNDP", "ERY"), ("Al-Ramadi", "DOW-ANB", "WSH"), ("Al-Ramadi", "LCN", "PRO-HLP"))
    by_acronym = {o.acronym: o for o in ORGANISATIONS}
    by_name = {d.name_en: d for d, _, _ in districts}
    for district_name, acronym, sector in anchors:
        add_project(by_acronym[acronym], sector, by_name[district_name], 0, len(MONTHS), False)

    org_weights = [ORGANISATION_TYPE_WEIGHT[o.org_type] for o in ORGANISATIONS]
    while len(rows) < target_rows:
        org = rng.choices(ORGANISATIONS, weights=org_weights, k=1)[0]
        allowed = [(d, w) for d, g, w in districts if not org.governorates or g in org.governorates]
        if not allowed:
            continue
        district = rng.choices([d for d, _ in allowed], weights=[w for _, w in allowed], k=1)[0]
        first = rng.randrange(len(MONTHS))
        planned = first >= len(MONTHS) - 2 and rng.random() < 0.4
        add_project(org, rng.choice(org.sectors), district, first, rng.randint(1, 6), planned)

    rows.sort(key=lambda r: (r["Start date"], r["Governorate Pcode"], r["_district_pcode"],
                             r["Organisation acronym"], r["Cluster"], r["Activity"], r["District"], r["Status"]))
    demo_file = DemoFile(SOURCE_ID, RELATIVE_PATH, [name for name, _ in COLUMNS], rows, first_data_row=3)
    poa_districts = {by_name[name].pcode for name in ("Sinjar", "Al-Baaj", "Balad", "Al-Ramadi")}
    _plant(seeded_random(seed, "planted-service-mapping"), demo_file, poa_districts)
    plant_name_mismatch(seeded_random(seed, "planted-name-mismatch-4w"), demo_file,
                        ("Governorate", "Governorate Pcode"), geography,
                        lambda row: row["_district_pcode"] not in poa_districts)
    for row in demo_file.rows:
        row.pop("_district_pcode", None)
        row.pop("_governorate", None)
    return demo_file


def hxl_tags() -> list[str]:
    return [tag for _, tag in COLUMNS]


def _plant(rng: random.Random, demo_file: DemoFile, never_districts: set[str]) -> None:
    """About 1% bad rows, one problem each; rows of the POA districts are left alone."""
    problems = ("unknown sector code", "criterion out of range", "negative value", "end before start",
                "missing p-code", "unmatched district name", "p-code not in gazetteer", "legacy p-code")
    count = max(len(problems), int(round(0.01 * len(demo_file.rows))))
    candidates = [r for r in demo_file.rows if r["_district_pcode"] not in never_districts]
    for k, row in enumerate(rng.sample(candidates, min(count, len(candidates)))):  # a tiny scale has fewer rows
        problem = problems[k % len(problems)]
        if problem == "unknown sector code":
            # labels no value map knows (common ones such as WASH or Protection are mapped to their codes)
            row["Cluster"] = rng.choice(("Helth", "Livelihoods", "Cash Working Group", "Protecton Monitoring"))
            demo_file.plant(row, "Cluster", problem, STAGE_VALIDATED)
        elif problem == "criterion out of range":
            row["IASC criterion"] = "9"
            demo_file.plant(row, "IASC criterion", problem, STAGE_VALIDATED)
        elif problem == "negative value":
            row["People reached"] = str(-rng.randint(5, 400))
            demo_file.plant(row, "People reached", problem, STAGE_VALIDATED)
        elif problem == "end before start":
            start = date.fromisoformat(row["Start date"])
            row["End date"] = (start - timedelta(days=rng.randint(1, 40))).isoformat()
            demo_file.plant(row, "End date", problem, STAGE_VALIDATED)
        elif problem == "missing p-code":  # and no name either: a governorate name alone would resolve it
            row["Governorate Pcode"] = ""
            row["Governorate"] = ""
            demo_file.plant(row, "Governorate Pcode", problem, STAGE_VALIDATED)
        elif problem == "unmatched district name":
            row["District"] = rng.choice(UNMATCHED_DISTRICT_NAMES[row["_governorate"]])
            demo_file.plant(row, "District", problem, STAGE_CONFORMED)
        elif problem == "p-code not in gazetteer":
            row["Governorate Pcode"] = rng.choice(("IQG19", "IQG20", "IQG00"))
            demo_file.plant(row, "Governorate Pcode", problem, STAGE_CONFORMED)
        else:
            row["Governorate Pcode"] = f"IQ-G{rng.randrange(1, 19):02d}"
            demo_file.plant(row, "Governorate Pcode", problem, STAGE_CONFORMED)

