#!/usr/bin/env python3
"""Synthetic people for record linkage (issue 18): a UK city's communities with skewed name frequencies,
households sharing surname, address and phone, twins and junior/senior pairs, and each person recorded one or
more times with the mistakes records systems make: typos, nicknames, transliterations, swapped names, missing
fields, moves and new numbers.

    make_people.py RECORDS OUT.csv TRUTH.csv [--seed N]

OUT.csv has record_id,given_name,family_name,date_of_birth,postcode,phone,email; TRUTH.csv has record_id,person_id
(kept apart so no tool can read the labels by accident)."""
import csv, random, sys, argparse

COMMUNITIES = {
    # weight, given (female), given (male), family names (most common first)
    "white_british": (0.45,
        "olivia amelia emily isla ava jessica sophie charlotte lily grace elizabeth margaret katherine susan sarah emma hannah rebecca victoria jennifer patricia deborah samantha abigail natalie jacqueline dorothy pamela ruth".split(),
        "oliver george harry jack jacob noah charlie thomas william james john michael david richard robert joseph daniel matthew christopher andrew peter stephen edward benjamin samuel nicholas anthony timothy philip kenneth".split(),
        "smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson wright walker white edwards hughes green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris moore clark lee king baker harrison morgan allen james scott phillips watson davis parker price bennett young griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller cox richards khan marshall anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray mason ali hunt hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens jenkins murray dixon harvey".split()),
    "south_asian_muslim": (0.18,
        "fatima aisha khadija zainab mariam nasreen sultana ayesha amina hafsa ruksana shahnaz yasmin salma rubina".split(),
        "muhammad ahmed ali hussain hassan omar ibrahim yusuf abdullah mustafa imran shahid rashid tariq kamran".split(),
        "khan begum ahmed hussain ali rahman islam chowdhury miah uddin shah akhtar iqbal mahmood malik bibi aziz hassan".split()),
    "south_asian_other": (0.10,
        "priya lakshmi anita sunita deepa kavita pooja neha harpreet manjit gurpreet jaspreet".split(),
        "rajesh sanjay deepak vijay amit rahul arjun harjit gurdeep jaswinder ravi suresh".split(),
        "patel singh kaur sharma gupta shah mistry parmar kumar sandhu gill dhillon".split()),
    "west_african": (0.09,
        "ngozi chioma adaeze funmilayo folake oluwaseun titilayo blessing grace esther".split(),
        "chukwuemeka oluwatobi adebayo olusegun oluwafemi emeka kwame kofi samuel daniel".split(),
        "okafor adeyemi okonkwo adebayo mensah owusu boateng eze nwosu oladipo".split()),
    "polish": (0.08,
        "katarzyna malgorzata agnieszka anna magdalena joanna ewa monika".split(),
        "krzysztof wojciech piotr tomasz pawel michal aleksander marek".split(),
        "nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski zielinski".split()),
    "chinese": (0.05,
        "wei li mei xiu ying jing hui yan".split(),
        "wei ming jun hao lei jian xiaoming tao".split(),
        "wang li zhang liu chen yang huang zhao wu zhou".split()),
    "somali": (0.05,
        "hodan amina fadumo hawa ifrah sahra".split(),
        "abdi mohamed ahmed hassan abdullahi omar".split(),
        "mohamed ahmed hassan ali abdi farah warsame jama".split()),
}
NICKNAMES = {
    "william": ["bill", "will", "liam"], "robert": ["bob", "rob", "bobby"], "elizabeth": ["liz", "beth", "lizzie"],
    "margaret": ["maggie", "peggy", "meg"], "katherine": ["kate", "katie", "cathy"], "james": ["jim", "jamie"],
    "john": ["jack", "johnny"], "michael": ["mike", "mick"], "richard": ["rick", "richie"], "thomas": ["tom", "tommy"],
    "anthony": ["tony"], "christopher": ["chris"], "joseph": ["joe"], "daniel": ["dan", "danny"], "david": ["dave"],
    "edward": ["ed", "ted"], "benjamin": ["ben"], "samuel": ["sam"], "matthew": ["matt"], "nicholas": ["nick"],
    "jennifer": ["jen", "jenny"], "rebecca": ["becky"], "susan": ["sue"], "patricia": ["pat", "trish"],
    "victoria": ["vicky"], "samantha": ["sam"], "deborah": ["debbie"], "jacqueline": ["jackie"], "peter": ["pete"],
    "stephen": ["steve"], "andrew": ["andy"], "timothy": ["tim"], "philip": ["phil"], "kenneth": ["ken"],
    "oluwaseun": ["seun"], "chukwuemeka": ["emeka"], "adebayo": ["bayo"], "oluwatobi": ["tobi"], "oluwafemi": ["femi"],
    "krzysztof": ["chris"], "wojciech": ["wojtek"], "katarzyna": ["kasia"], "malgorzata": ["gosia"],
    "aleksander": ["alex"], "natalie": ["nat"], "abigail": ["abbie"], "pamela": ["pam"], "dorothy": ["dot"],
}
TRANSLIT = {
    "muhammad": ["mohammed", "mohammad", "mohamed", "muhammed", "mohd"], "fatima": ["fatma", "fatimah"],
    "aisha": ["ayesha", "aysha"], "khadija": ["khadijah"], "ahmed": ["ahmad"], "hussain": ["hussein", "husain", "hossain"],
    "yusuf": ["yousef", "yousuf"], "ibrahim": ["ebrahim"], "mustafa": ["mostafa"], "hassan": ["hasan"], "omar": ["umar"],
    "zainab": ["zaynab"], "mariam": ["maryam"], "nasreen": ["nasrin"], "rashid": ["rasheed"], "shahid": ["shaheed"],
    "chowdhury": ["choudhury", "chaudhry"], "rahman": ["rehman"], "begum": ["bibi"], "mohamed": ["mohammed", "muhammad"],
    "abdullahi": ["abdulahi"], "fadumo": ["faduma"], "lakshmi": ["laxmi"],
}
AREAS = ["E1", "E2", "E3", "E6", "E7", "E8", "E13", "E14", "E15", "E17", "N1", "N4", "N7", "N15", "N17", "N18", "NW1",
         "NW2", "NW6", "NW10", "SE1", "SE5", "SE6", "SE8", "SE10", "SE13", "SE15", "SE18", "SE28", "SW2", "SW4", "SW8",
         "SW9", "SW11", "SW16", "SW17", "W2", "W3", "W9", "W10", "W11", "W12", "IG1", "IG3", "RM8", "CR0", "HA0", "UB1"]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def zipf_choice(rng, items, s=1.07):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def postcode(rng, district=None):
    d = district or rng.choice(AREAS)
    return f"{d} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"


def phone(rng):
    return "07" + "".join(str(rng.randint(0, 9)) for _ in range(9))


def typo(rng, s):
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s))
    kind = rng.random()
    if kind < 0.3:
        return s[:i] + s[i + 1:]
    if kind < 0.6 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if kind < 0.8:
        return s[:i] + rng.choice("aeiourstnl") + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def fmt_dob(rng, y, m, d):
    r = rng.random()
    if r < 0.75:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if r < 0.95:
        return f"{d:02d}/{m:02d}/{y:04d}"
    return f"{y:04d}{m:02d}{d:02d}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("records", type=int)
    ap.add_argument("out")
    ap.add_argument("truth")
    ap.add_argument("--seed", type=int, default=17)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    names = list(COMMUNITIES)
    weights = [COMMUNITIES[c][0] for c in names]
    people = []  # (person_id, given, family, y, m, d, postcode, phone, email)
    target_people = int(a.records / 1.6)
    pid = 0
    while len(people) < target_people:
        c = rng.choices(names, weights)[0]
        _, female, male, family = COMMUNITIES[c]
        fam = zipf_choice(rng, family)
        district = rng.choice(AREAS)
        pc = postcode(rng, district)
        ph = phone(rng)
        size = rng.choices([1, 2, 3, 4, 5, 6], [30, 25, 18, 15, 8, 4])[0]
        base_year = rng.randint(1945, 2000)
        for k in range(size):
            sex = rng.random() < 0.5
            given = zipf_choice(rng, female if sex else male)
            if k == 0:
                y = base_year
            elif k == 1 and rng.random() < 0.6:
                y = base_year + rng.randint(-3, 3)  # partner
            else:
                y = rng.randint(base_year + 18, min(base_year + 40, 2024))  # child
            m, d = rng.randint(1, 12), rng.randint(1, 28)
            if k > 0 and rng.random() < 0.03:  # twins: same date of birth, other given name
                y, m, d = people[-1][3], people[-1][4], people[-1][5]
            if k > 0 and rng.random() < 0.03:  # junior: same name as a parent
                given = people[-1][1]
            if rng.random() < 0.05:  # two unrelated people of the same name living nearby
                pass
            # Addresses are made from names, but a mailbox is one person's.
            email = f"{given}.{fam}{pid % 100000}@example.com" if rng.random() < 0.6 else ""
            people.append((pid, given, fam, y, m, d, pc, ph if rng.random() < 0.7 else phone(rng), email))
            pid += 1
    rows = []
    for (p, given, fam, y, m, d, pc, ph, email) in people:
        copies = rng.choices([1, 2, 3, 4, 5], [55, 22, 12, 7, 4])[0]
        for c in range(copies):
            g, f, yy, mm, dd, post, tel, mail = given, fam, y, m, d, pc, ph, email
            if c > 0:
                r = rng.random
                if r() < 0.15 and g in NICKNAMES: g = rng.choice(NICKNAMES[g])
                if r() < 0.25 and g in TRANSLIT: g = rng.choice(TRANSLIT[g])
                if r() < 0.2 and f in TRANSLIT: f = rng.choice(TRANSLIT[f])
                if r() < 0.08: g = typo(rng, g)
                if r() < 0.08: f = typo(rng, f)
                if r() < 0.03: g = g[0]  # an initial only
                if r() < 0.03: g, f = f, g  # swapped
                if r() < 0.04: mm, dd = (dd, mm) if dd <= 12 else (mm, dd)
                if r() < 0.04:
                    digits = list(f"{yy:04d}{mm:02d}{dd:02d}")
                    i = rng.randrange(2, 8)
                    digits[i] = str(rng.randint(0, 9))
                    s = "".join(digits)
                    yy, mm, dd = int(s[:4]), min(12, max(1, int(s[4:6]))), min(28, max(1, int(s[6:])))
                if r() < 0.2: post = postcode(rng)  # moved
                if r() < 0.05: post = post.split(" ")[0]  # partial postcode
                if r() < 0.25: tel = phone(rng)  # new number
                if r() < 0.3: mail = ""
                if r() < 0.1: mail = f"{g}{p}@example.org"
            if rng.random() < 0.05: post = ""
            if rng.random() < 0.15: tel = ""
            if rng.random() < 0.04: yy = 0
            dob = "" if yy == 0 else fmt_dob(rng, yy, mm, dd)
            # Written down however the officer or the system wrote it.
            fr = rng.random()
            if tel and fr < 0.15:
                tel = f"+44 {tel[1:5]} {tel[5:]}"
            elif tel and fr < 0.35:
                tel = f"{tel[:5]} {tel[5:]}"
            fr = rng.random()
            if fr < 0.1:
                post = post.replace(" ", "")
            elif fr < 0.15:
                post = post.lower()
            cap = lambda s: " ".join(w.capitalize() for w in s.split(" "))
            rows.append([cap(g), cap(f), dob, post if fr < 0.15 else post.upper(), tel, mail, p])
            if len(rows) >= a.records:
                break
        if len(rows) >= a.records:
            break
    rng.shuffle(rows)
    with open(a.out, "w", newline="") as out, open(a.truth, "w", newline="") as truth:
        w = csv.writer(out)
        t = csv.writer(truth)
        w.writerow(["record_id", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email"])
        t.writerow(["record_id", "person_id"])
        for i, (g, f, dob, post, tel, mail, p) in enumerate(rows):
            rid = f"r{i:07d}"
            w.writerow([rid, g, f, dob, post, tel, mail])
            t.writerow([rid, p])
    print(f"records={len(rows)} people={len({r[6] for r in rows})}")


if __name__ == "__main__":
    main()
