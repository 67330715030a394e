#!/usr/bin/env python3
"""Writes a deterministic contacts CSV for benchmarks.

usage: make_contacts.py ROWS OUT.csv [SEED]

Columns: id,email,first_name,last_name,phone,street,city,postcode,country,company,
membership_level,amount,joined_at,updated_at,notes. RFC 4180 quoting only where
needed, LF line ends; some fields hold commas, doubled quotes, line breaks and
non-ASCII text, as real exports do. The same ROWS and SEED give the same bytes.
"""
import csv
import datetime
import random
import sys

GIVEN = ["Anna", "Ben", "Carla", "Dev", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kaito", "Lena", "Marek", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven",
         "Tariq", "Ulla", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia",
         "Åsa", "Brídín", "Çağla", "Dóra", "Émilie", "Frédéric", "Gülşen", "Håkon",
         "Ivana", "Jiří", "Ксения", "Лев", "美咲", "翔太"]
FAMILY = ["Adams", "Becker", "Costa", "Dubois", "Evans", "Fischer", "Gallo", "Hansen",
          "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "O'Connor",
          "Peña", "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Vargas", "Weiß",
          "Yilmaz", "Zając", "van Dijk", "de Souza", "Mac Giolla", "Соколов", "鈴木"]
ROMAN = {"Ксения": "ksenia", "Лев": "lev", "美咲": "misaki", "翔太": "shota",
         "Соколов": "sokolov", "鈴木": "suzuki"}
FOLD = str.maketrans({"Å": "A", "í": "i", "Ç": "C", "ğ": "g", "ó": "o", "É": "E", "é": "e",
                      "ü": "u", "ş": "s", "å": "a", "ř": "r", "ñ": "n", "ß": "ss", "ą": "a",
                      "'": "", " ": ""})
HOSTS = ["example.com", "example.net", "members.example.org", "mail.example.co.uk",
         "example.de", "example.fr"]
ROADS = ["Market Street", "Mill Lane", "Bahnhofstraße", "Rue Victor Hugo", "Calle Real",
         "Long Row", "Ørnevej", "Church Road", "King's Parade"]
TOWNS = [("Bristol", "GB"), ("York", "GB"), ("Cork", "IE"), ("Nantes", "FR"),
         ("Lille", "FR"), ("Hamburg", "DE"), ("Düsseldorf", "DE"), ("Valencia", "ES"),
         ("Gdańsk", "PL"), ("Aarhus", "DK"), ("Boston", "US"), ("Denver", "US"),
         ("Ottawa", "CA"), ("Genève", "CH")]
FIRMS = ["Northwind Traders", "Contoso, Ltd", "Fabrikam Inc", "Tailspin Toys",
         "Wide World \"Importers\"", "Gräf & Partner KG", "Coho Winery", "Litware, Inc.",
         "Blue Yonder Airlines", "Proseware", ""]
TIERS = ["none"] * 6 + ["bronze"] * 7 + ["silver"] * 4 + ["gold"] * 2 + ["platinum"]
NOTES = ["", "", "", "", "", "", "", "", "",
         "Renewal reminder sent", "Prefers phone calls", "Board member",
         "Paid late, twice, then on time", "Met at the AGM, Leeds, table 3",
         'Asked for "no more letters"', 'Signs as "Dr. J"',
         "First line\nSecond line", "Moved:\nold address kept\nfor gift aid",
         "Grüße aus Köln ✓", "会費は支払い済み", "Перезвонить в среду"]
START = datetime.date(2012, 1, 1)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) == 4 else 7)
    with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "email", "first_name", "last_name", "phone", "street", "city",
                         "postcode", "country", "company", "membership_level", "amount",
                         "joined_at", "updated_at", "notes"])
        for n in range(1, count + 1):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            local = (ROMAN.get(given, given.translate(FOLD)) + "." +
                     ROMAN.get(family, family.translate(FOLD)) + str(n))
            email = local + "@" + rng.choice(HOSTS)
            if rng.random() < 0.3:
                email = email.title() if rng.random() < 0.7 else email.upper()
            kind = rng.random()
            if kind < 0.45:
                phone = "+44 7%d %04d %04d" % (rng.randint(400, 999), rng.randint(0, 9999),
                                               rng.randint(0, 9999))
            elif kind < 0.75:
                phone = "(%d) %d-%04d" % (rng.randint(201, 989), rng.randint(200, 999),
                                          rng.randint(0, 9999))
            elif kind < 0.96:
                phone = "+49 %d %d" % (rng.randint(30, 899), rng.randint(100000, 9999999))
            else:
                phone = ""
            street = "%d %s" % (rng.randint(1, 300), rng.choice(ROADS))
            if rng.random() < 0.12:
                street = "Apt %d, %s" % (rng.randint(1, 60), street)
            town, country = rng.choice(TOWNS)
            postcode = ("%s%d %d%s%s" % (rng.choice("BSLYM"), rng.randint(1, 30), rng.randint(1, 9),
                                         rng.choice("ABDEFGHJ"), rng.choice("LNPQRSTUW"))
                        if country == "GB" else "%05d" % rng.randint(1000, 99999))
            joined = START + datetime.timedelta(days=rng.randint(0, 4700))
            updated = datetime.datetime(joined.year, joined.month, joined.day) + \
                datetime.timedelta(seconds=rng.randint(0, 400_000_000))
            writer.writerow([n, email, given, family, phone, street, town, postcode, country,
                             rng.choice(FIRMS), rng.choice(TIERS),
                             "%.2f" % (rng.randint(0, 3_000_000) / 100), joined.isoformat(),
                             updated.isoformat() + "Z", rng.choice(NOTES)])


if __name__ == "__main__":
    main()
