"""Where the demo DTM Master Lists put IDPs and returnees: governorate weights, camps, origins, districts of
return and their shares of critical shelter (the shape DTM Iraq publishes, in the demo's own numbers)."""

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
