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

from ds_pipeline.lib.demo.displacement_places import (
    CAMPS,
    CLOSING_CAMP,
    CRITICAL_SHELTER_SHARE,
    IDP_DISTRICT_BOOST,
    IDP_GOVERNORATE_WEIGHTS,
    IDP_ORIGINS,
    KURDISTAN_REGION,
    LAST_DISPLACEMENT,
    RETURN_CRITICAL_SHARE,
    RETURN_DISTRICTS,
)
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
