"""Made-up names of people and places for the demo: key informants, POA focal points, DTM location names.

Every person here is fictitious: names are drawn at random from common first and family names, and phone numbers
use the "555" exchange so they do not reach anyone. The pipeline never reads these columns.
"""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Ahmed", "Ali", "Hussein", "Mustafa", "Omar", "Khalid", "Yousif", "Hassan", "Mahmoud", "Saad", "Salim",
    "Ibrahim", "Karim", "Nawaf", "Faris", "Dilshad", "Rawaz", "Shvan", "Hawkar", "Khalaf", "Murad", "Sabah",
    "Zainab", "Noor", "Sara", "Fatima", "Maryam", "Rana", "Huda", "Layla", "Shaima", "Nadia", "Sahar", "Bahar",
    "Shilan", "Avin", "Jihan", "Dunya", "Amal", "Rusul",
)
FAMILY_NAMES = (
    "Al-Jubouri", "Al-Dulaimi", "Al-Obaidi", "Al-Shammari", "Al-Tai", "Al-Hamdani", "Al-Azzawi", "Al-Rawi",
    "Al-Ani", "Al-Janabi", "Al-Samarrai", "Al-Tikriti", "Al-Bayati", "Khalil", "Haji", "Qasim", "Salih", "Hamad",
    "Ismail", "Rashid", "Abdullah", "Aziz", "Kareem", "Hamid", "Mahmood", "Ahmad", "Othman", "Rasool", "Sabri",
    "Barakat", "Nasser", "Sulaiman",
)
MOBILE_PREFIXES = ("750", "751", "770", "771", "772", "780", "781", "782")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"


def phone_number(rng: random.Random) -> str:
    return f"+964 {rng.choice(MOBILE_PREFIXES)} 555 {rng.randrange(10000):04d}"


# Parts of village and neighbourhood names (English, Arabic).
PLACE_PREFIXES = (
    ("Hay", "حي"), ("Qaryat", "قرية"), ("Tal", "تل"), ("Umm", "ام"), ("Ain", "عين"), ("Kharab", "خراب"),
    ("Bir", "بئر"), ("Mujamma", "مجمع"), ("Sheikh", "شيخ"), ("Jisr", "جسر"),
)
PLACE_ROOTS = (
    ("Al-Zahra", "الزهراء"), ("Al-Nour", "النور"), ("Al-Salam", "السلام"), ("Al-Jazair", "الجزائر"),
    ("Al-Askari", "العسكري"), ("Al-Tahrir", "التحرير"), ("Al-Shuhada", "الشهداء"), ("Al-Zira'a", "الزراعة"),
    ("Al-Muhandiseen", "المهندسين"), ("Al-Mualimeen", "المعلمين"), ("Al-Sinaa", "الصناعة"), ("Al-Wahda", "الوحدة"),
    ("Al-Karama", "الكرامة"), ("Al-Resala", "الرسالة"), ("Al-Qadisiya", "القادسية"), ("Al-Andalus", "الاندلس"),
    ("Al-Hurriya", "الحرية"), ("Al-Amin", "الامين"), ("Al-Rifai", "الرفاعي"), ("Al-Jamia", "الجامعة"),
    ("Ahmed", "احمد"), ("Hamad", "حمد"), ("Jasim", "جاسم"), ("Khudair", "خضير"), ("Saleh", "صالح"),
    ("Mahmoud", "محمود"), ("Abbas", "عباس"), ("Hussein", "حسين"), ("Dhiyab", "ذياب"), ("Awad", "عواد"),
    ("Al-Rabi", "الربيع"), ("Al-Khadra", "الخضراء"), ("Al-Hamra", "الحمراء"), ("Al-Baida", "البيضاء"),
    ("Al-Gharbi", "الغربي"), ("Al-Sharqi", "الشرقي"), ("Al-Shamali", "الشمالي"), ("Al-Janubi", "الجنوبي"),
    ("Kani", "كاني"), ("Bakhtiyari", "بختياري"), ("Azadi", "ازادي"), ("Shorsh", "شورش"), ("Raparin", "رابرين"),
)
PLACE_SUFFIXES = (("", ""), ("", ""), ("", ""), (" Al-Jadida", " الجديدة"), (" Al-Qadima", " القديمة"),
                  (" 1", " 1"), (" 2", " 2"))


def place_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A village or neighbourhood name (English, Arabic) not yet in `taken` (English names of the district)."""
    for _ in range(50):
        prefix_en, prefix_ar = rng.choice(PLACE_PREFIXES)
        root_en, root_ar = rng.choice(PLACE_ROOTS)
        suffix_en, suffix_ar = rng.choice(PLACE_SUFFIXES)
        name_en = f"{prefix_en} {root_en}{suffix_en}"
        if name_en not in taken:
            taken.add(name_en)
            return name_en, f"{prefix_ar} {root_ar}{suffix_ar}"
    number = len(taken) + 1
    name_en = f"Qaryat {number}"
    taken.add(name_en)
    return name_en, f"قرية {number}"
