"""Writes a records-system extract in VictimCare's import layout (docs/import-layout.md) with ROWS data rows:
each crime has a victim (one in eight a person already seen: repeat victims), half a suspect, a third an
arrest event. Deterministic for a seed.   python3 bench/make_import.py ROWS FILE [SEED] [TAG]"""
import datetime
import random
import sys

rows, path = int(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
tag = sys.argv[4] if len(sys.argv) > 4 else "B"
rng = random.Random(seed)
units = ["AW", "CE", "CN", "AS", "EA", "NA", "NE", "NW", "SN", "SE", "SW", "WA"]
offences = ["049/00", "046/00", "045/00", "048/00", "044/00", "105/01", "008/01", "058/03", "039/00", "028/01"]
given = ["Ada", "Ben", "Chloe", "Dev", "Ena", "Femi", "Grace", "Hugo", "Isla", "Jon", "Kemi", "Liam", "Maya"]
family = ["Okafor", "Shah", "Jones", "Nowak", "Smith", "Khan", "Brown", "Taylor", "Ali", "Murphy", "Patel"]
header = ("record,source_id,crime_source_id,reference,offence_code,flags,command_unit,occurred_at,reported_at,"
          "channel,role,given_name,family_name,date_of_birth,phone,email,preferred_contact,language,vulnerable,"
          "referral_consent,type,at")
start = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=datetime.timezone.utc)


def iso(dt):
    return dt.isoformat(timespec="seconds")


written = 0
crime = 0
people = 0
victims = []
with open(path, "w", newline="") as f:
    f.write(header + "\n")
    while written < rows:
        crime += 1
        reported = start + datetime.timedelta(minutes=7 * crime % (600 * 24 * 60))
        occurred = reported - datetime.timedelta(hours=rng.randint(1, 48))
        code = rng.choice(offences)
        flags = "domestic_abuse" if code in ("105/01", "008/01") and rng.random() < 0.3 else ""
        f.write(f"crime,{tag}C{crime},,{tag}/{crime:07d}/25,{code},{flags},{rng.choice(units)},{iso(occurred)},"
                f"{iso(reported)},telephone" + "," * 12 + "\n")
        written += 1
        if written >= rows:
            break
        if len(victims) > 10 and rng.random() < 0.125:
            pid = rng.choice(victims)
        else:
            people += 1
            pid = people
            victims.append(pid)
        r = random.Random(pid)
        f.write(f"person,{tag}P{pid},{tag}C{crime},,,,,,,,victim,{r.choice(given)},{r.choice(family)}{pid % 997},"
                f"{1950 + pid % 55}-{1 + pid % 12:02d}-{1 + pid % 28:02d},07700 9{pid % 100000:05d},"
                f"p{pid}@example.org,{r.choice(['phone', 'email', 'sms'])},en,{'yes' if pid % 9 == 0 else 'no'},"
                f"{r.choice(['yes', 'no', 'not_asked'])},,\n")
        written += 1
        if written < rows and rng.random() < 0.5:
            people += 1
            f.write(f"person,{tag}P{people},{tag}C{crime},,,,,,,,suspect,{rng.choice(given)},{rng.choice(family)},"
                    ",,,,en,,,,\n")
            written += 1
        if written < rows and rng.random() < 0.33:
            at = reported + datetime.timedelta(hours=rng.randint(2, 72))
            f.write(f"event,{tag}E{crime},{tag}C{crime},,,,,,,,,,,,,,,,,,suspect_arrested,{iso(at)}\n")
            written += 1
print(f"rows={written} crimes={crime} people={people}")
