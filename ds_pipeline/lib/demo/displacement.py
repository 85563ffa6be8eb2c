"""Demo IOM DTM Master Lists (IDP and returnee locations per round) and the Return Index of the return locations.

The shape follows what DTM Iraq publishes: IDPs in about 3,000 locations in all 18 governorates, most of them
out of camp and the camps concentrated in Duhok, Ninewa, Erbil and Sulaymaniyah; returnees in about 2,000
locations of 39 districts in the 8 governorates of return. Rounds are quarterly. Returns grow from round to
round, camps shrink, and one camp (Jeddah 5) closes half-way through, which moves part of its population to the
return areas south of Mosul. The Return Index scores every return location on 16 indicators; districts keep a
severity profile (destruction, insecurity or services) and a trend, so Sinjar and Al-Ba'aj stay high, Balad
medium to high, Ramadi improves from medium to low, and a few districts worsen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from ds_pipeline.lib.demo.geography import AdminUnit, Geography
from ds_pipeline.lib.demo.name_mismatch import plant_dtm_name_mismatches
from ds_pipeline.lib.demo.people import person_name, phone_number, place_name
from ds_pipeline.lib.demo.planted_dtm import plant_displacement, plant_return_index
from ds_pipeline.lib.demo.tables import (
    DemoFile,
    add_months,
    clamp,
    fmt_float,
    month_end,
    scaled,
    seeded_random,
)

FIRST_ROUND_NUMBER = 132
FIRST_RI_ROUND_NUMBER = 20
LAST_ROUND_MONTH = (2026, 10)
CAMP_HOUSEHOLD_SIZE = 5
HOUSEHOLD_SIZE = 6

IDP_LOCATIONS_AT_FULL_SCALE = 3000
RETURN_LOCATIONS_AT_FULL_SCALE = 2000

# The districts of the POA areas: always present, never planted, so every area shows in every file.
POA_DISTRICTS = (("Ninewa", "Sinjar"), ("Ninewa", "Al-Baaj"), ("Salah Al-Din", "Balad"), ("Al-Anbar", "Al-Ramadi"))


@dataclass(frozen=True)
class Round:
    """One DTM round: its number, position in the demo and reporting date."""

    number: int
    index: int
    reporting_date: date
    ri_round: int

    @property
    def round_id(self) -> str:
        return f"R{self.number}"


def demo_rounds(rounds: int) -> list[Round]:
    """`rounds` quarterly rounds numbered from R132, the last one reporting on 2026-10-31."""
    result = []
    for index in range(rounds):
        year, month = add_months(*LAST_ROUND_MONTH, -3 * (rounds - 1 - index))
        result.append(Round(FIRST_ROUND_NUMBER + index, index, month_end(year, month), FIRST_RI_ROUND_NUMBER + index))
    return result


@dataclass
class Location:
    """A DTM location (village or neighbourhood)."""

    place_id: str
    governorate: AdminUnit
    district: AdminUnit
    subdistrict: AdminUnit
    name_en: str
    name_ar: str
    latitude: float
    longitude: float
    informant_name: str
    informant_phone: str
    anchor: bool = False  # keeps a governorate or POA area present at every scale: never planted


@dataclass
class Site:
    """The IDP or returnee population of one location, round by round (0 families = not listed that round)."""

    location: Location
    camp: bool
    families: list[int]
    critical_share: float
    unknown_share: float
    origin: AdminUnit  # IDPs: governorate of origin; returnees: governorate of last displacement
    severity_offset: float = 0.0

    def shelters(self, index: int) -> tuple[int, int, int, int]:
        """Families in camp, critical shelter, private settings and unknown shelter in round `index`."""
        families = self.families[index]
        if self.camp:
            return families, 0, 0, 0
        critical = min(families, int(round(families * self.critical_share)))
        unknown = min(families - critical, int(round(families * self.unknown_share)))
        return 0, critical, families - critical - unknown, unknown


# --- IDPs -------------------------------------------------------------------------------------------------

# Share of out-of-camp IDP locations per governorate (DTM: most in Ninewa and the Kurdistan Region).
IDP_GOVERNORATE_WEIGHTS = {
    "Ninewa": 20, "Duhok": 12, "Erbil": 11, "Al-Sulaymaniyah": 10, "Kirkuk": 8, "Baghdad": 7, "Salah Al-Din": 7,
    "Al-Anbar": 6, "Diyala": 5, "Babil": 2, "Kerbala": 2, "Al-Najaf": 2, "Wassit": 1.5, "Al-Qadissiya": 1.5,
    "Al-Basrah": 1.5, "Thi Qar": 1, "Maysan": 1, "Al-Muthanna": 0.5,
}
# Districts hosting more IDP locations than the others of their governorate.
IDP_DISTRICT_BOOST = {
    "Al-Mosul": 5, "Sinjar": 3, "Al-Hamdaniya": 2, "Al-Shikhan": 2, "Erbil": 5, "Al-Sulaymaniyah": 4, "Duhok": 3,
    "Sumail": 3, "Zakho": 3, "Kirkuk": 4, "Al-Karkh": 2, "Al-Risafa": 2, "Tikrit": 2, "Samarra": 2, "Al-Ramadi": 2,
    "Al-Falluja": 2, "Baquba": 2, "Kalar": 2, "Al-Najaf": 2, "Kerbela": 2, "Al-Hilla": 2, "Al-Basrah": 2,
}
# Typical share of families in critical shelter among out-of-camp IDPs.
CRITICAL_SHELTER_SHARE = {
    "Ninewa": 0.22, "Salah Al-Din": 0.18, "Al-Anbar": 0.15, "Kirkuk": 0.14, "Duhok": 0.12, "Diyala": 0.12,
    "Baghdad": 0.10, "Erbil": 0.07, "Al-Sulaymaniyah": 0.06,
}
KURDISTAN_REGION = ("Duhok", "Erbil", "Al-Sulaymaniyah")
# Governorate of origin of out-of-camp IDPs, by governorate of displacement.
IDP_ORIGINS = {
    "kurdistan": (("Ninewa", 50), ("Salah Al-Din", 15), ("Al-Anbar", 12), ("Diyala", 10), ("Kirkuk", 8),
                  ("Baghdad", 5)),
    "Ninewa": (("Ninewa", 95), ("Salah Al-Din", 5)),
    "Kirkuk": (("Kirkuk", 40), ("Salah Al-Din", 35), ("Ninewa", 15), ("Diyala", 10)),
    "Salah Al-Din": (("Salah Al-Din", 85), ("Al-Anbar", 5), ("Kirkuk", 5), ("Ninewa", 5)),
    "Al-Anbar": (("Al-Anbar", 90), ("Salah Al-Din", 5), ("Baghdad", 5)),
    "Baghdad": (("Al-Anbar", 35), ("Salah Al-Din", 20), ("Diyala", 15), ("Baghdad", 15), ("Ninewa", 15)),
    "Diyala": (("Diyala", 80), ("Salah Al-Din", 10), ("Baghdad", 10)),
    "south": (("Ninewa", 45), ("Salah Al-Din", 20), ("Al-Anbar", 15), ("Diyala", 10), ("Kirkuk", 10)),
}

# Camps: (name, Arabic name, governorate, district, sub-district, families in the first round, origins).
CAMPS = (
    ("Bajet Kandala", "باجد كندالا", "Duhok", "Sumail", "Faida", 1400, (("Ninewa", 1),)),
    ("Kabarto 1", "كبرتو 1", "Duhok", "Sumail", "Markaz Sumel", 1900, (("Ninewa", 1),)),
    ("Kabarto 2", "كبرتو 2", "Duhok", "Sumail", "Markaz Sumel", 1800, (("Ninewa", 1),)),
    ("Khanke", "خانكي", "Duhok", "Sumail", "Khanke", 2900, (("Ninewa", 1),)),
    ("Shariya", "شاريا", "Duhok", "Sumail", "Markaz Sumel", 2600, (("Ninewa", 1),)),
    ("Rwanga Community", "روانكا", "Duhok", "Zakho", "Darkar", 2300, (("Ninewa", 1),)),
    ("Chamishku", "جمشكو", "Duhok", "Zakho", "Markaz Zakho", 3900, (("Ninewa", 1),)),
    ("Berseve 1", "بيرسفي 1", "Duhok", "Zakho", "Batifa", 1300, (("Ninewa", 1),)),
    ("Berseve 2", "بيرسفي 2", "Duhok", "Zakho", "Batifa", 1400, (("Ninewa", 1),)),
    ("Dawadia", "داوودية", "Duhok", "Al-Amadiya", "Markaz Amedi", 500, (("Ninewa", 1),)),
    ("Essian", "ايسيان", "Ninewa", "Al-Shikhan", "Markaz Al-Shikhan", 2300, (("Ninewa", 1),)),
    ("Mamrashan", "ممرشان", "Ninewa", "Al-Shikhan", "Atrush", 1500, (("Ninewa", 1),)),
    ("Sheikhan", "شيخان", "Ninewa", "Al-Shikhan", "Markaz Al-Shikhan", 1000, (("Ninewa", 1),)),
    ("Hasansham U2", "حسن شام 2", "Ninewa", "Al-Hamdaniya", "Bartella", 1200, (("Ninewa", 1),)),
    ("Hasansham U3", "حسن شام 3", "Ninewa", "Al-Hamdaniya", "Bartella", 1500, (("Ninewa", 1),)),
    ("Khazer M1", "خازر 1", "Ninewa", "Al-Hamdaniya", "Markaz Al-Hamdaniya", 900, (("Ninewa", 1),)),
    ("Jeddah 5", "الجدعة 5", "Ninewa", "Al-Mosul", "Al-Qayyara", 1800, (("Ninewa", 1),)),
    ("Sardashti", "سردشتي", "Ninewa", "Sinjar", "Markaz Sinjar", 420, (("Ninewa", 1),)),
    ("Debaga 1", "ديبكة 1", "Erbil", "Makhmour", "Dibaga", 800, (("Ninewa", 6), ("Salah Al-Din", 4))),
    ("Harshm", "هرشم", "Erbil", "Erbil", "Markaz Erbil", 300, (("Al-Anbar", 1),)),
    ("Baharka", "بحركة", "Erbil", "Erbil", "Kasnazan", 900, (("Ninewa", 7), ("Al-Anbar", 3))),
    ("Ashti", "آشتي", "Al-Sulaymaniyah", "Al-Sulaymaniyah", "Tanjaro", 700, (("Salah Al-Din", 5), ("Diyala", 5))),
    ("Arbat IDP", "مخيم عربت", "Al-Sulaymaniyah", "Al-Sulaymaniyah", "Arbat", 350,
     (("Salah Al-Din", 6), ("Al-Anbar", 4))),
    ("Habbaniya Tourist City", "مدينة الحبانية السياحية", "Al-Anbar", "Al-Ramadi", "Al-Habbaniya", 600,
     (("Al-Anbar", 1),)),
    ("Amriyat Al-Falluja", "عامرية الفلوجة", "Al-Anbar", "Al-Falluja", "Al-Amiriya", 400, (("Al-Anbar", 1),)),
    ("Yahyawa", "يحياوة", "Kirkuk", "Kirkuk", "Laylan", 450, (("Kirkuk", 5), ("Salah Al-Din", 5))),
    ("Al-Karama", "الكرامة", "Salah Al-Din", "Tikrit", "Markaz Tikrit", 300, (("Salah Al-Din", 1),)),
)
CLOSING_CAMP = "Jeddah 5"

# --- Returns ----------------------------------------------------------------------------------------------

# (governorate, district, share of return locations, median families per location, growth per round)
RETURN_DISTRICTS = (
    ("Ninewa", "Al-Mosul", 14, 470, 0.010), ("Ninewa", "Sinjar", 6, 190, 0.035),
    ("Ninewa", "Al-Baaj", 4, 160, 0.025), ("Ninewa", "Telafar", 6, 300, 0.010),
    ("Ninewa", "Al-Hamdaniya", 4, 270, 0.012), ("Ninewa", "Tilkaef", 3, 220, 0.010),
    ("Ninewa", "Al-Hatra", 2, 160, 0.006), ("Ninewa", "Al-Shikhan", 1, 140, 0.008),
    ("Ninewa", "Aqra", 0.5, 110, 0.005), ("Salah Al-Din", "Tikrit", 5, 320, 0.008),
    ("Salah Al-Din", "Beygee", 4, 240, 0.012), ("Salah Al-Din", "Al-Shirqat", 4, 220, 0.010),
    ("Salah Al-Din", "Balad", 5, 210, 0.010), ("Salah Al-Din", "Samarra", 3, 230, 0.006),
    ("Salah Al-Din", "Al-Daur", 2, 200, 0.006), ("Salah Al-Din", "Tooz Khurmato", 3, 210, 0.004),
    ("Al-Anbar", "Al-Ramadi", 7, 390, 0.005),
    ("Al-Anbar", "Al-Falluja", 6, 430, 0.004), ("Al-Anbar", "Heet", 3, 270, 0.006),
    ("Al-Anbar", "Haditha", 2, 210, 0.004), ("Al-Anbar", "Al-Kaim", 2, 260, 0.008),
    ("Al-Anbar", "Ana", 1, 140, 0.005),
    ("Al-Anbar", "Al-Rutba", 1, 160, 0.005), ("Kirkuk", "Al-Hawiga", 3, 270, 0.010),
    ("Kirkuk", "Kirkuk", 2, 250, 0.006), ("Kirkuk", "Dibis", 1, 160, 0.006),
    ("Kirkuk", "Daquq", 1, 140, 0.006), ("Diyala", "Al-Muqdadiya", 2, 200, 0.006),
    ("Diyala", "Khanaqin", 2, 210, 0.004), ("Diyala", "Al-Khalis", 2, 200, 0.006),
    ("Diyala", "Baquba", 1, 230, 0.005), ("Diyala", "Kifri", 0.5, 140, 0.004),
    ("Baghdad", "Al-Kadhmiyah", 1, 210, 0.005), ("Baghdad", "Al-Mahmoudiya", 1, 210, 0.005),
    ("Erbil", "Makhmour", 1.5, 160, 0.008),
    ("Duhok", "Sumail", 0.5, 110, 0.004),
)
# Governorate of last displacement of returnees, by district or governorate of return.
LAST_DISPLACEMENT = {
    "Sinjar": (("Duhok", 85), ("Ninewa", 10), ("Erbil", 5)),
    "Al-Baaj": (("Duhok", 50), ("Ninewa", 40), ("Erbil", 10)),
    "Ninewa": (("Ninewa", 45), ("Duhok", 30), ("Erbil", 20), ("Kirkuk", 5)),
    "Salah Al-Din": (("Salah Al-Din", 40), ("Kirkuk", 25), ("Erbil", 15), ("Al-Sulaymaniyah", 15), ("Baghdad", 5)),
    "Al-Anbar": (("Al-Anbar", 45), ("Baghdad", 20), ("Erbil", 15), ("Al-Sulaymaniyah", 10), ("Kerbala", 10)),
    "Kirkuk": (("Kirkuk", 60), ("Erbil", 20), ("Salah Al-Din", 20)),
    "Diyala": (("Diyala", 60), ("Al-Sulaymaniyah", 30), ("Baghdad", 10)),
    "Baghdad": (("Baghdad", 60), ("Al-Anbar", 30), ("Babil", 10)),
    "Erbil": (("Erbil", 70), ("Ninewa", 30)),
    "Duhok": (("Duhok", 80), ("Ninewa", 20)),
}
RETURN_CRITICAL_SHARE = {"Sinjar": 0.15, "Al-Baaj": 0.12, "Beygee": 0.10, "Al-Mosul": 0.06, "Al-Hatra": 0.08}

# --- Return Index -----------------------------------------------------------------------------------------

# The 16 indicators (header, weight, scale). Weights are the demo's own, fixed; IOM derives its weights from a
# regression on where returns happen.
RETURN_INDEX_INDICATORS = (
    ("Employment access", 1.4, 1),
    ("Recovery of agriculture", 0.8, 1),
    ("Recovery of businesses", 0.8, 1),
    ("Electricity sufficiency", 1.0, 1),
    ("Water sufficiency", 1.0, 1),
    ("Government services", 0.8, 1),
    ("Residential destruction", 1.6, 1),
    ("Community reconciliation", 1.2, 2),
    ("Blocked returns", 1.5, 2),
    ("Fear of ISIL attacks", 1.3, 2),
    ("Fear of other violence", 1.0, 2),
    ("Multiple security actors", 1.2, 2),
    ("Checkpoints controlled by other actors", 0.8, 2),
    ("Illegal occupation of homes", 0.9, 2),
    ("Explosive hazards", 1.0, 2),
    ("Restrictions on daily public life", 0.7, 2),
)
# The source's own cut-offs of the overall score (the first round still used "very high").
SOURCE_MEDIUM_FROM = 30.0
SOURCE_HIGH_FROM = 55.0
SOURCE_VERY_HIGH_FROM = 80.0

# Which indicators weigh most in a district, by 1-based indicator number.
PROFILES = {
    "destruction": {7: 1.6, 15: 1.5, 2: 1.2, 3: 1.2, 14: 1.2},
    "insecurity": {9: 1.4, 10: 1.5, 11: 1.3, 12: 1.6, 13: 1.4, 8: 1.3, 16: 1.3, 1: 0.8, 4: 0.7, 5: 0.7, 6: 0.8},
    "services": {1: 1.4, 4: 1.5, 5: 1.5, 6: 1.4, 8: 0.6, 9: 0.5, 10: 0.6, 12: 0.6, 13: 0.6, 15: 0.6},
    "mixed": {},
}
# District overall score in the first and last round, and its profile. Others: drawn at random, mixed profile.
DISTRICT_SEVERITY = {
    "Sinjar": (66, 71, "destruction", {9: 1.5, 12: 1.6, 8: 1.3}),
    "Al-Baaj": (63, 62, "destruction", {10: 1.6, 1: 1.3}),
    "Balad": (50, 54, "insecurity", {9: 1.8}),
    "Al-Ramadi": (43, 19, "services", {}),
    "Al-Mosul": (37, 27, "destruction", {}),
    "Al-Falluja": (35, 22, "services", {}),
    "Tikrit": (33, 24, "services", {}),
    "Heet": (31, 23, "services", {}),
    "Al-Hawiga": (46, 36, "insecurity", {}),
    "Beygee": (50, 40, "destruction", {}),
    "Telafar": (44, 40, "destruction", {}),
    "Al-Hatra": (45, 59, "insecurity", {}),
    "Tooz Khurmato": (40, 55, "insecurity", {}),
    "Khanaqin": (36, 49, "insecurity", {}),
    "Al-Muqdadiya": (38, 47, "insecurity", {}),
    "Al-Kadhmiyah": (37, 46, "insecurity", {}),
    "Al-Shirqat": (42, 34, "mixed", {}),
    "Samarra": (38, 33, "insecurity", {}),
    "Al-Kaim": (35, 28, "services", {}),
}

DTM_HEADER_START = [
    "Round", "Reporting date", "Place id", "Governorate", "Governorate Pcode", "District", "District Pcode",
    "Sub-district", "Sub-district Pcode", "Location name in English", "Location name in Arabic", "Latitude",
    "Longitude", "Families", "Individuals", "Families in camp", "Families in critical shelter",
    "Families in private settings", "Families in unknown shelter",
]
KEY_INFORMANT_COLUMNS = ["Key informant name", "Key informant phone"]
IDP_ORIGIN_COLUMNS = ["Governorate of origin", "Governorate of origin Pcode"]
RETURNEE_ORIGIN_COLUMNS = ["Governorate of last displacement", "Governorate of last displacement Pcode"]
RETURN_INDEX_HEADER = [
    "Return Index round", "Reporting date", "Location ID", "Location name", "Governorate", "Governorate Pcode",
    "District", "District Pcode", "Sub-district", "Sub-district Pcode", "Returnee individuals",
    *[name for name, _, _ in RETURN_INDEX_INDICATORS],
    "Scale 1 score", "Scale 2 score", "Overall score", "Severity category",
]


@dataclass
class DisplacementDemo:
    """Everything the displacement part of the demo produced."""

    rounds: list[Round]
    idp_files: list[DemoFile] = field(default_factory=list)
    returnee_files: list[DemoFile] = field(default_factory=list)
    return_index_files: list[DemoFile] = field(default_factory=list)


def _weighted_choice(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(names, weights=weights, k=1)[0]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders, ties by position)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _LocationFactory:
    """Makes locations with unique place ids and names that do not repeat within a district."""

    def __init__(self, rng: random.Random, geography: Geography, capacity: int) -> None:
        self.rng = rng
        self.geography = geography
        self.names: dict[str, set[str]] = {}
        self.ids = iter(rng.sample(range(100000, 100000 + max(900000, 20 * capacity)), capacity))

    def subdistrict(self, district: AdminUnit) -> AdminUnit:
        subs = self.geography.subdistricts(district.pcode)
        weights = [2.0 if s.name_en.startswith("Markaz") else 1.0 for s in subs]
        return self.rng.choices(subs, weights=weights, k=1)[0]

    def make(self, district: AdminUnit, subdistrict: AdminUnit | None = None, name: tuple[str, str] | None = None,
             anchor: bool = False) -> Location:
        rng = self.rng
        subdistrict = subdistrict or self.subdistrict(district)
        taken = self.names.setdefault(district.pcode, set())
        if name is None:
            name = place_name(rng, taken)
        else:
            taken.add(name[0])
        return Location(
            place_id=str(next(self.ids)),
            governorate=self.geography.parent(district),
            district=district,
            subdistrict=subdistrict,
            name_en=name[0],
            name_ar=name[1],
            latitude=round(subdistrict.latitude + rng.uniform(-0.06, 0.06), 5),
            longitude=round(subdistrict.longitude + rng.uniform(-0.06, 0.06), 5),
            informant_name=person_name(rng),
            informant_phone=phone_number(rng),
            anchor=anchor,
        )


def _governorate(geography: Geography, name: str) -> AdminUnit:
    return next(u for u in geography.governorates if u.name_en == name)


def _idp_sites(rng: random.Random, geography: Geography, factory: _LocationFactory, rounds: list[Round],
               scale: float) -> list[Site]:
    count = len(rounds)
    closing = count // 2 if count >= 2 else None
    sites: list[Site] = []
    for name_en, name_ar, gov, dist, sub, families, origins in CAMPS:
        district = geography.district(gov, dist)
        location = factory.make(district, geography.subdistrict(district, sub), (name_en, name_ar), anchor=True)
        decline = rng.uniform(0.01, 0.045)
        series = [max(1, int(round(families * (1 - decline) ** i * rng.uniform(0.98, 1.02)))) for i in range(count)]
        if name_en == CLOSING_CAMP and closing is not None:
            series = [f if i < closing else 0 for i, f in enumerate(series)]
        origin = _governorate(geography, _weighted_choice(rng, origins))
        sites.append(Site(location, True, series, 0.0, 0.0, origin))

    total = scaled(IDP_LOCATIONS_AT_FULL_SCALE, scale, len(CAMPS) + 2 * len(IDP_GOVERNORATE_WEIGHTS))
    out_of_camp = total - len(CAMPS)
    governorates = list(geography.governorates)
    weights = [IDP_GOVERNORATE_WEIGHTS[g.name_en] for g in governorates]
    counts = [1 + c for c in _allocate(out_of_camp - len(governorates), weights)]
    poa = {geography.district(g, d).pcode for g, d in POA_DISTRICTS}
    for governorate, n in zip(governorates, counts, strict=True):
        districts = list(geography.districts(governorate.pcode))
        boosts = [IDP_DISTRICT_BOOST.get(d.name_en, 1.0) for d in districts]
        chosen: list[tuple[AdminUnit, bool]] = [(max(districts, key=lambda d: (IDP_DISTRICT_BOOST.get(d.name_en, 1),
                                                                              d.pcode)), True)]
        chosen += [(d, True) for d in districts if d.pcode in poa]
        chosen += [(d, False) for d in rng.choices(districts, weights=boosts, k=max(0, n - len(chosen)))]
        region = "kurdistan" if governorate.name_en in KURDISTAN_REGION else governorate.name_en
        origins = IDP_ORIGINS.get(region, IDP_ORIGINS["south"])
        base_critical = CRITICAL_SHELTER_SHARE.get(governorate.name_en, 0.05)
        for district, anchor in chosen:
            location = factory.make(district, anchor=anchor)
            median = 35 if governorate.name_en in KURDISTAN_REGION else 22
            first = min(2500, max(1, int(round(rng.lognormvariate(0, 1.1) * median))))
            decline = rng.uniform(-0.01, 0.05)
            start = 0 if anchor or count == 1 or rng.random() > 0.04 else rng.randrange(1, count)
            end = count if anchor or count == 1 or rng.random() > 0.12 else rng.randrange(max(start, 1), count)
            series = [
                max(1, int(round(first * (1 - decline) ** i * rng.uniform(0.97, 1.03)))) if start <= i < end else 0
                for i in range(count)
            ]
            if rng.random() < 0.06:
                critical = rng.uniform(0.7, 1.0)  # an informal settlement or collective centre
            else:
                critical = min(0.9, base_critical * rng.uniform(0.0, 2.0))
            unknown = rng.uniform(0.0, 0.1) if rng.random() < 0.2 else 0.0
            origin_name = "Ninewa" if district.name_en == "Sinjar" else _weighted_choice(rng, origins)
            sites.append(Site(location, False, series, critical, unknown, _governorate(geography, origin_name)))
    return sites


def _return_sites(rng: random.Random, geography: Geography, factory: _LocationFactory, rounds: list[Round],
                  scale: float, jeddah_families: list[int]) -> list[Site]:
    count = len(rounds)
    total = scaled(RETURN_LOCATIONS_AT_FULL_SCALE, scale, 4 * len(RETURN_DISTRICTS) // 3)
    weights = [w for _, _, w, _, _ in RETURN_DISTRICTS]
    counts = _allocate(total, weights)
    poa = set(POA_DISTRICTS)
    sites: list[Site] = []
    for (gov, dist, _, median, growth), n in zip(RETURN_DISTRICTS, counts, strict=True):
        district = geography.district(gov, dist)
        n = max(n, 4) if (gov, dist) in poa else n
        new_share = 0.2 if dist in ("Sinjar", "Al-Baaj") else 0.1
        critical_base = RETURN_CRITICAL_SHARE.get(dist, 0.04)
        origins = LAST_DISPLACEMENT.get(dist, LAST_DISPLACEMENT[gov])
        for k in range(n):
            anchor = (gov, dist) in poa and k < 2
            location = factory.make(district, anchor=anchor)
            first = max(5, int(round(rng.lognormvariate(0, 0.8) * median)))
            pace = growth * rng.uniform(0.3, 1.7)
            start = rng.randrange(1, count) if count > 1 and not anchor and rng.random() < new_share else 0
            series: list[int] = []
            for i in range(count):
                if i < start:
                    series.append(0)
                    continue
                grown = int(round(first * (1 + pace) ** (i - start) * rng.uniform(0.995, 1.01)))
                series.append(max(grown, series[-1] if series else 0))
            critical = min(0.6, critical_base * rng.uniform(0.0, 2.0))
            unknown = rng.uniform(0.0, 0.03) if rng.random() < 0.1 else 0.0
            origin = _governorate(geography, _weighted_choice(rng, origins))
            offset = rng.gauss(0, 9)
            sites.append(Site(location, False, series, critical, unknown, origin, offset))

    # The camp closure: part of Jeddah 5 goes home to the south of Mosul, Al-Hatra and Al-Ba'aj.
    closing = next((i for i, f in enumerate(jeddah_families) if f == 0), None)
    if closing is not None:
        moving = int(round(0.6 * jeddah_families[closing - 1]))
        receiving = [
            s for s in sites
            if s.families[closing] > 0
            and (s.location.subdistrict.name_en in ("Al-Qayyara", "Hamam Al-Aleel")
                 or s.location.district.name_en in ("Al-Hatra", "Al-Baaj"))
        ][:6]
        for j, site in enumerate(receiving):
            share = moving // len(receiving) + (1 if j < moving % len(receiving) else 0)
            for i in range(closing, count):
                site.families[i] += share
    return sites


def _displacement_row(rnd: Round, site: Site, origin_columns: list[str]) -> dict[str, str]:
    location = site.location
    camp, critical, private, unknown = site.shelters(rnd.index)
    families = site.families[rnd.index]
    individuals = CAMP_HOUSEHOLD_SIZE * camp + HOUSEHOLD_SIZE * (families - camp)
    return {
        "Round": str(rnd.number),
        "Reporting date": rnd.reporting_date.isoformat(),
        "Place id": location.place_id,
        "Governorate": location.governorate.name_en,
        "Governorate Pcode": location.governorate.pcode,
        "District": location.district.name_en,
        "District Pcode": location.district.pcode,
        "Sub-district": location.subdistrict.name_en,
        "Sub-district Pcode": location.subdistrict.pcode,
        "Location name in English": location.name_en,
        "Location name in Arabic": location.name_ar,
        "Latitude": fmt_float(location.latitude, 5),
        "Longitude": fmt_float(location.longitude, 5),
        "Families": str(families),
        "Individuals": str(individuals),
        "Families in camp": str(camp),
        "Families in critical shelter": str(critical),
        "Families in private settings": str(private),
        "Families in unknown shelter": str(unknown),
        origin_columns[0]: site.origin.name_en,
        origin_columns[1]: site.origin.pcode,
        "Key informant name": location.informant_name,
        "Key informant phone": location.informant_phone,
    }


def _severity_profile(rng: random.Random, district: AdminUnit) -> tuple[float, float, list[float]]:
    """First- and last-round target score of a district and its indicator multipliers (mean 1, weighted)."""
    if district.name_en in DISTRICT_SEVERITY:
        first, last, profile, extra = DISTRICT_SEVERITY[district.name_en]
    else:
        first = rng.uniform(24, 44)
        last = first + rng.uniform(-8, 4)
        profile, extra = "mixed", {}
    raw = [extra.get(k, PROFILES[profile].get(k, 1.0)) for k in range(1, 17)]
    weights = [w for _, w, _ in RETURN_INDEX_INDICATORS]
    mean = sum(w * m for w, m in zip(weights, raw, strict=True)) / sum(weights)
    return first, last, [m / mean for m in raw]


def _scores(values: list[float]) -> tuple[float, float, float]:
    """Scale 1, scale 2 and overall score (0..100) of the 16 indicator values, with the fixed weights."""
    def weighted(selected: list[int]) -> float:
        total = sum(RETURN_INDEX_INDICATORS[k][1] for k in selected)
        return 100.0 * sum(RETURN_INDEX_INDICATORS[k][1] * values[k] for k in selected) / total

    scale1 = [k for k, (_, _, s) in enumerate(RETURN_INDEX_INDICATORS) if s == 1]
    scale2 = [k for k, (_, _, s) in enumerate(RETURN_INDEX_INDICATORS) if s == 2]
    return weighted(scale1), weighted(scale2), weighted(list(range(16)))


def source_category(overall: float, first_round: bool) -> str:
    """The Return Index's own category of an overall score (its first round also had "very high")."""
    if first_round and overall >= SOURCE_VERY_HIGH_FROM:
        return "very high"
    if overall >= SOURCE_HIGH_FROM:
        return "high"
    if overall >= SOURCE_MEDIUM_FROM:
        return "medium"
    return "low"


def _return_index_row(rng: random.Random, rnd: Round, site: Site, count: int,
                      profile: tuple[float, float, list[float]]) -> dict[str, str]:
    first, last, multipliers = profile
    progress = rnd.index / (count - 1) if count > 1 else 1.0
    target = clamp(first + (last - first) * progress + site.severity_offset + rng.gauss(0, 2.5), 2, 98)
    values = []
    for multiplier in multipliers:
        value = clamp(target / 100.0 * multiplier + rng.gauss(0, 0.15), 0.0, 1.0)
        values.append(round(value * 2) / 2)  # none / some / all of the condition unmet
    scale1, scale2, overall = _scores(values)
    location = site.location
    row = {
        "Return Index round": str(rnd.ri_round),
        "Reporting date": rnd.reporting_date.isoformat(),
        "Location ID": location.place_id,
        "Location name": location.name_en,
        "Governorate": location.governorate.name_en,
        "Governorate Pcode": location.governorate.pcode,
        "District": location.district.name_en,
        "District Pcode": location.district.pcode,
        "Sub-district": location.subdistrict.name_en,
        "Sub-district Pcode": location.subdistrict.pcode,
        "Returnee individuals": str(HOUSEHOLD_SIZE * site.families[rnd.index]),
        "Scale 1 score": fmt_float(scale1),
        "Scale 2 score": fmt_float(scale2),
        "Overall score": fmt_float(overall),
        "Severity category": source_category(round(overall, 2), rnd.index == 0),
    }
    for (name, _, _), value in zip(RETURN_INDEX_INDICATORS, values, strict=True):
        row[name] = f"{value:g}"
    return row


def build_displacement(seed: int, scale: float, rounds: list[Round], geography: Geography) -> DisplacementDemo:
    """The DTM IDP and returnee master lists and the Return Index, one file per round each."""
    rng = seeded_random(seed, "displacement")
    capacity = len(CAMPS) + 200 + int(1.2 * (IDP_LOCATIONS_AT_FULL_SCALE + RETURN_LOCATIONS_AT_FULL_SCALE) * scale)
    factory = _LocationFactory(seeded_random(seed, "locations"), geography, capacity)
    idp_sites = _idp_sites(rng, geography, factory, rounds, scale)
    jeddah = next(s for s in idp_sites if s.location.name_en == CLOSING_CAMP)
    return_sites = _return_sites(rng, geography, factory, rounds, scale, jeddah.families)
    severity_rng = seeded_random(seed, "return-index")
    profiles = {
        pcode: _severity_profile(severity_rng, geography.by_pcode[pcode])
        for pcode in sorted({s.location.district.pcode for s in return_sites})
    }
    demo = DisplacementDemo(rounds)
    ordered_idps = sorted(idp_sites, key=lambda s: int(s.location.place_id))
    ordered_returns = sorted(return_sites, key=lambda s: int(s.location.place_id))
    for rnd in rounds:
        idp_file = DemoFile("dtm_idp_master_list", f"files/dtm/idp_master_list_R{rnd.number}.csv",
                            DTM_HEADER_START + IDP_ORIGIN_COLUMNS + KEY_INFORMANT_COLUMNS)
        returnee_file = DemoFile("dtm_returnee_master_list", f"files/dtm/returnee_master_list_R{rnd.number}.csv",
                                 DTM_HEADER_START + RETURNEE_ORIGIN_COLUMNS + KEY_INFORMANT_COLUMNS)
        index_file = DemoFile("iom_return_index", f"files/return_index/return_index_R{rnd.number}.csv",
                              list(RETURN_INDEX_HEADER))
        for site in ordered_idps:
            if site.families[rnd.index] > 0:
                idp_file.rows.append(_displacement_row(rnd, site, IDP_ORIGIN_COLUMNS))
        for site in ordered_returns:
            if site.families[rnd.index] > 0:
                returnee_file.rows.append(_displacement_row(rnd, site, RETURNEE_ORIGIN_COLUMNS))
                profile = profiles[site.location.district.pcode]
                index_file.rows.append(_return_index_row(severity_rng, rnd, site, len(rounds), profile))
        demo.idp_files.append(idp_file)
        demo.returnee_files.append(returnee_file)
        demo.return_index_files.append(index_file)

    never_planted = {s.location.place_id for s in idp_sites + return_sites if s.location.anchor or s.camp}
    plant_rng = seeded_random(seed, "planted-displacement")
    plant_displacement(plant_rng, demo.idp_files, never_planted, geography)
    plant_displacement(plant_rng, demo.returnee_files, never_planted, geography)
    plant_return_index(plant_rng, demo.return_index_files, never_planted, geography,
                       [name for name, _, _ in RETURN_INDEX_INDICATORS])
    mismatch_rng = seeded_random(seed, "planted-name-mismatch")
    for files, id_column in ((demo.idp_files, "Place id"), (demo.returnee_files, "Place id"),
                             (demo.return_index_files, "Location ID")):
        plant_dtm_name_mismatches(mismatch_rng, files, id_column, never_planted, geography)
    return demo
