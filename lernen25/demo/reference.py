"""The Duisburg-like reference lists the demo plan draws from: places, streets, school names and
sizes per type, first and last names, subjects. Data only; ``plan.py`` decides with them."""

from __future__ import annotations

from lernen25.models import District, SchoolType

# Ortsteile per Stadtbezirk: (place used in school names, postal code). Duisburg: 47051–47279.
PLACES: dict[District, tuple[tuple[str, str], ...]] = {
    District.WALSUM: (
        ("Walsum", "47179"),
        ("Vierlinden", "47178"),
        ("Overbruch", "47178"),
        ("Aldenrade", "47179"),
        ("Wehofen", "47179"),
        ("Fahrn", "47179"),
    ),
    District.HAMBORN: (
        ("Hamborn", "47166"),
        ("Marxloh", "47169"),
        ("Obermarxloh", "47166"),
        ("Röttgersbach", "47167"),
        ("Neumühl", "47167"),
    ),
    District.MEIDERICH_BEECK: (
        ("Meiderich", "47137"),
        ("Obermeiderich", "47138"),
        ("Untermeiderich", "47137"),
        ("Beeck", "47139"),
        ("Beeckerwerth", "47139"),
        ("Laar", "47119"),
        ("Bruckhausen", "47166"),
    ),
    District.HOMBERG_RUHRORT_BAERL: (
        ("Homberg", "47198"),
        ("Hochheide", "47198"),
        ("Ruhrort", "47119"),
        ("Baerl", "47199"),
    ),
    District.MITTE: (
        ("Duisburg-Mitte", "47051"),
        ("Dellviertel", "47053"),
        ("Hochfeld", "47053"),
        ("Wanheimerort", "47055"),
        ("Neudorf", "47057"),
        ("Duissern", "47058"),
        ("Kaßlerfeld", "47059"),
        ("Neuenkamp", "47059"),
    ),
    District.RHEINHAUSEN: (
        ("Rheinhausen", "47226"),
        ("Hochemmerich", "47226"),
        ("Bergheim", "47228"),
        ("Friemersheim", "47229"),
        ("Rumeln-Kaldenhausen", "47239"),
    ),
    District.SUED: (
        ("Huckingen", "47259"),
        ("Buchholz", "47249"),
        ("Wanheim-Angerhausen", "47249"),
        ("Großenbaum", "47269"),
        ("Rahm", "47269"),
        ("Wedau", "47279"),
        ("Bissingheim", "47279"),
        ("Hüttenheim", "47259"),
        ("Ungelsheim", "47259"),
        ("Mündelheim", "47259"),
    ),
}

# Relative size of the districts when more schools are drawn (roughly by population).
DISTRICT_WEIGHTS: dict[District, int] = {
    District.WALSUM: 9,
    District.HAMBORN: 14,
    District.MEIDERICH_BEECK: 12,
    District.HOMBERG_RUHRORT_BAERL: 9,
    District.MITTE: 20,
    District.RHEINHAUSEN: 13,
    District.SUED: 14,
}

STREETS = (
    "Am Hagelkreuz",
    "Am Mühlenberg",
    "Am Sportplatz",
    "Am Park",
    "Am Rheindeich",
    "Am Förderturm",
    "Im Heidekamp",
    "Auf dem Damm",
    "An der Kaiserlinde",
    "Zoppenbrück",
    "Sandmüllersweg",
    "Schulstraße",
    "Kirchstraße",
    "Lindenallee",
    "Ahornstraße",
    "Buchenweg",
    "Eichendorffstraße",
    "Goethestraße",
    "Schillerstraße",
    "Uhlandstraße",
    "Mozartstraße",
    "Beethovenstraße",
    "Rosenstraße",
    "Gartenstraße",
    "Waldstraße",
    "Wiesenstraße",
    "Feldstraße",
    "Deichstraße",
    "Hafenstraße",
    "Kanalstraße",
    "Brückenstraße",
    "Zechenstraße",
    "Hüttenstraße",
    "Glückaufstraße",
    "Mercatorstraße",
    "Friedrich-Ebert-Straße",
    "Kaiser-Wilhelm-Straße",
    "Düsseldorfer Straße",
    "Krefelder Straße",
    "Moerser Straße",
    "Weseler Straße",
    "Mülheimer Straße",
    "Dr.-Wilhelm-Roelen-Straße",
    "Erzstraße",
)

# Name patterns per school type (GGS/KGS/EGS: community, Catholic, Protestant primary school).
NAME_PATTERNS: dict[SchoolType, tuple[str, ...]] = {
    SchoolType.GRUNDSCHULE: (
        "GGS {street}",
        "GGS {street}",
        "GGS {street}",
        "KGS {street}",
        "KGS {street}",
        "EGS {street}",
        "GGS {place}",
        "Grundschule {place}",
    ),
    SchoolType.HAUPTSCHULE: ("Hauptschule {place}", "Städtische Hauptschule {place}"),
    SchoolType.REALSCHULE: ("Realschule {place}", "Städtische Realschule {place}"),
    SchoolType.SEKUNDARSCHULE: ("Sekundarschule {place}",),
    SchoolType.GESAMTSCHULE: ("Gesamtschule {place}", "Städtische Gesamtschule {place}"),
    SchoolType.GYMNASIUM: ("Städtisches Gymnasium {place}", "Gymnasium {place}"),
    SchoolType.FOERDERSCHULE: (
        "Förderschule {place}, Förderschwerpunkt Lernen",
        "Förderschule {place}, Förderschwerpunkt Sprache",
        "Förderschule {place}, Förderschwerpunkt Emotionale und soziale Entwicklung",
        "Förderschule {place}, Förderschwerpunkt Geistige Entwicklung",
    ),
    SchoolType.BERUFSKOLLEG: (
        "Berufskolleg {place}",
        "Kaufmännisches Berufskolleg {place}",
        "Technisches Berufskolleg {place}",
    ),
    SchoolType.WEITERBILDUNGSKOLLEG: (
        "Weiterbildungskolleg {place} (Abendgymnasium)",
        "Weiterbildungskolleg {place} (Abendrealschule)",
    ),
}

# Pupils (low, high) and pupils per teacher, per school type (NRW orders of magnitude).
SIZES: dict[SchoolType, tuple[int, int, int]] = {
    SchoolType.GRUNDSCHULE: (150, 450, 20),
    SchoolType.HAUPTSCHULE: (200, 500, 14),
    SchoolType.REALSCHULE: (400, 900, 18),
    SchoolType.SEKUNDARSCHULE: (300, 700, 16),
    SchoolType.GESAMTSCHULE: (800, 1500, 13),
    SchoolType.GYMNASIUM: (600, 1200, 16),
    SchoolType.FOERDERSCHULE: (80, 250, 6),
    SchoolType.BERUFSKOLLEG: (1500, 4000, 30),
    SchoolType.WEITERBILDUNGSKOLLEG: (200, 600, 20),
}

# How often each type occurs once every type has one school (Duisburg-like shares).
TYPE_WEIGHTS: dict[SchoolType, int] = {
    SchoolType.GRUNDSCHULE: 75,
    SchoolType.HAUPTSCHULE: 5,
    SchoolType.REALSCHULE: 8,
    SchoolType.SEKUNDARSCHULE: 2,
    SchoolType.GESAMTSCHULE: 13,
    SchoolType.GYMNASIUM: 13,
    SchoolType.FOERDERSCHULE: 12,
    SchoolType.BERUFSKOLLEG: 9,
    SchoolType.WEITERBILDUNGSKOLLEG: 1,
}

# The first schools, in this order, give every type; the demo school (first) is a Gesamtschule.
FIRST_TYPES = (
    SchoolType.GESAMTSCHULE,
    SchoolType.GRUNDSCHULE,
    SchoolType.GYMNASIUM,
    SchoolType.REALSCHULE,
    SchoolType.HAUPTSCHULE,
    SchoolType.FOERDERSCHULE,
    SchoolType.BERUFSKOLLEG,
    SchoolType.SEKUNDARSCHULE,
    SchoolType.WEITERBILDUNGSKOLLEG,
)
FIRST_DISTRICTS = (
    District.MEIDERICH_BEECK,
    District.WALSUM,
    District.HAMBORN,
    District.HOMBERG_RUHRORT_BAERL,
    District.MITTE,
    District.RHEINHAUSEN,
    District.SUED,
)

FIRST_NAMES = (
    "Anna", "Lena", "Laura", "Julia", "Sarah", "Katharina", "Christina", "Sabine", "Petra", "Andrea",
    "Claudia", "Stefanie", "Nicole", "Melanie", "Sandra", "Birgit", "Jana", "Miriam", "Johanna", "Hannah",
    "Lea", "Marie", "Sophie", "Charlotte", "Ayşe", "Elif", "Zeynep", "Fatma", "Agnieszka", "Natalia",
    "Ines", "Ulrike", "Jörg", "Jürgen", "Thomas", "Michael", "Andreas", "Stefan", "Markus", "Christian",
    "Daniel", "Tobias", "Sebastian", "Jan", "Lukas", "Felix", "Jonas", "Maximilian", "Matthias", "Frank",
    "Ralf", "Uwe", "Dirk", "Björn", "Sören", "Mehmet", "Emre", "Can", "Piotr", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel",
    "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann",
    "Brinkmann", "Terhorst", "Kowalski", "Nowak", "Wiśniewski", "Yılmaz", "Kaya", "Demir", "Şahin", "Öztürk",
    "Aydın", "Çelik", "Rossi", "Papadopoulos", "Janssen", "van der Berg", "Heinrichs", "Ter Haar", "Dahlmann",
    "Overbeck",
)  # fmt: skip

SUBJECT_POOLS: dict[str, tuple[str, ...]] = {
    "primary": (
        "Deutsch", "Mathematik", "Sachunterricht", "Englisch", "Kunst", "Musik", "Sport",
        "Evangelische Religionslehre", "Katholische Religionslehre", "Deutsch als Zweitsprache",
    ),
    "secondary": (
        "Deutsch", "Mathematik", "Englisch", "Französisch", "Spanisch", "Latein", "Türkisch", "Biologie",
        "Chemie", "Physik", "Informatik", "Technik", "Geschichte", "Erdkunde", "Politik/Wirtschaft",
        "Sozialwissenschaften", "Philosophie", "Praktische Philosophie", "Evangelische Religionslehre",
        "Katholische Religionslehre", "Islamischer Religionsunterricht", "Kunst", "Musik", "Sport",
        "Textilgestaltung", "Hauswirtschaft", "Arbeitslehre",
    ),
    "vocational": (
        "Deutsch", "Englisch", "Mathematik", "Politik/Wirtschaft", "Informatik", "Technik", "Sport",
        "Biologie", "Chemie", "Physik", "Sozialwissenschaften", "Philosophie", "Evangelische Religionslehre",
    ),
}  # fmt: skip
SUBJECT_POOL_OF_TYPE = {
    SchoolType.GRUNDSCHULE: "primary",
    SchoolType.FOERDERSCHULE: "primary",
    SchoolType.BERUFSKOLLEG: "vocational",
    SchoolType.WEITERBILDUNGSKOLLEG: "vocational",
}
SECOND_SCHOOL_SHARE = 0.04  # teachers delegated to a second school of their district (Abordnung)
