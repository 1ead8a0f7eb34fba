"""Write the Practicum sample data: invented NER news sentences and invented short reviews.

Run from the repository root:  python data/make_samples.py
Everything is generated from templates and invented name pieces with a fixed seed, so the
output is byte-identical on every run. Only the standard library is used.
"""
from __future__ import annotations

import csv
import random
import re
from collections import Counter
from pathlib import Path

SEED = 20240917
HERE = Path(__file__).resolve().parent
NER_SIZES = {"train": 500, "valid": 100, "test": 150}
DOCSTART = "-DOCSTART- -X- -X- O"
TARGET_SHARE = {"PER": 0.28, "ORG": 0.28, "LOC": 0.27, "MISC": 0.17}

# --------------------------------------------------------------------------------------
# Part-of-speech and chunk tags (from the templates; imperfect by design, not used by the kit)
# --------------------------------------------------------------------------------------

LEXICON_SRC = """
DT: the a an this these those every each no all both another some any
IN: in at on of for from with by after before against over under during near into between through despite about than as until since outside across behind amid without within among towards along around because if while although though
TO: to
CC: and but or nor &
PRP: he she it they we i them him us
PRP$: his her its their our my
MD: will would could should may might can must
VBZ: is has says plans expects remains does needs
VBP: are have say
VBD: was were had said did beat won lost rose fell grew took made drew held left told gave went came ran met struck sold bought began led hit cut saw fought found brought kept became threw wrote spoke shut
VB: be keep leave meet buy
VBN: been known shown given taken seen expected
RB: not n't also again still only just nearly almost overnight twice later ago already away soon back
CD: one two three four five six seven eight nine ten eleven twelve hundred thousand million billion
JJ: new big heavy strong local former national final last first second third annual top senior early late joint central official old high low several other next due open main public private free full major minor long short wet dry cold warm mild weak poor fresh own previous unchanged quarterly net more less
WP: who
POS: 's
"""
LEXICON = {w: tag for line in LEXICON_SRC.strip().splitlines()
           for tag, words in [line.split(": ", 1)] for w in words.split()}
PUNCT = {".": ".", ",": ",", ":": ":", ";": ":", "(": "(", ")": ")", '"': '"', "-": ":", "--": ":"}
NUMBER = re.compile(r"^[\d.,:-]+$")
NP_TAGS = {"DT", "JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "CD", "PRP", "PRP$", "POS", "WP"}
VP_TAGS = {"MD", "VB", "VBD", "VBZ", "VBP", "VBN", "VBG"}
ALL_TAGS = NP_TAGS | VP_TAGS | {"IN", "TO", "CC", "RB", "RP", "WDT"} | set(PUNCT.values())


def guess_pos(word: str, first: bool) -> str:
    """Tag a template word cheaply: punctuation, numbers, lexicon, capitals, then suffixes."""
    low = word.lower()
    if word in PUNCT:
        return PUNCT[word]
    if NUMBER.match(word) and any(c.isdigit() for c in word):
        return "CD"
    if low in LEXICON:
        return LEXICON[low]
    if word[0].isupper() and not first and not word.isupper():
        return "NNP"
    for suffix, tag in (("ing", "VBG"), ("ed", "VBD"), ("ly", "RB")):
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            return tag
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return "NNS"
    return "NN"


def chunk_type(pos: list[str], i: int) -> str:
    """Map one POS tag to a chunk type, looking at neighbours for TO and adverbs."""
    tag = pos[i]
    nxt = pos[i + 1] if i + 1 < len(pos) else ""
    prev = pos[i - 1] if i else ""
    if tag in NP_TAGS:
        return "NP"
    if tag in VP_TAGS or (tag == "TO" and nxt == "VB"):
        return "VP"
    if tag == "RB":
        return "VP" if prev in VP_TAGS and nxt in VP_TAGS else "ADVP"
    if tag in ("IN", "TO"):
        return "PP"
    return "O"


def chunk_tags(pos: list[str]) -> list[str]:
    """IOB2 chunk tags from POS tags with a tiny rule chunker (new NP at determiners, 's, PP)."""
    out, prev = [], "O"
    for i, tag in enumerate(pos):
        kind = chunk_type(pos, i)
        if kind == "O":
            out.append("O")
        else:
            starts_np = kind == "NP" and tag in ("DT", "PRP$", "POS", "PRP", "WP")
            begin = kind != prev or kind == "PP" or starts_np
            out.append(("B-" if begin else "I-") + kind)
        prev = kind
    return out

# --------------------------------------------------------------------------------------
# Invented names: syllable stems, split into disjoint pools for train / valid / test
# --------------------------------------------------------------------------------------

ONSETS = "b br c d dr f g gr h k kr l m n p pr r s st t tr v w z th sh j l n r m".split()
VOWELS = "a e i o u ai ea ou a e o i".split()
CODAS = ["", "", "n", "r", "l", "s", "th", "m", "nd", "rk", "x", "v", "ld"]
FIRST_NAMES = """Amara Bruno Celia Dmitri Elena Farid Greta Hugo Ingrid Jonas Kavya Lorenzo Mira
Nikolai Odette Pavel Quinn Rosa Samir Tove Ulrich Vera Wendell Ximena Yusuf Zofia Anneke Bastian
Chiara Desmond Eamon Florin Giulia Hamid Isolde Joaquin Katya Leandro Maren Nadia Oskar Priya
Rafael Signe Tobias Una Viktor Wanda Yara Aurelio Benedikt Corinna Dalia Emeric Fenna Gideon""".split()
SURNAME_ENDS = "son ova ez berg ski ani ell ford wick oro ard sen escu idis ler vic quist mann".split()
TOWN_ENDS = ["by", "ford", "ville", "burg", "haven", "stad", "mouth", "ton", "ovo", "ena", "", ""]
COUNTRY_ENDS = {"ia": "ian", "land": "ish", "ova": "ovan", "ar": "ari", "istan": "istani",
                "ica": "ican", "ea": "ean"}
SPLITS = ("train", "valid", "test", "shared")
STEM_SHARE = {"train": 0.55, "valid": 0.17, "test": 0.23, "shared": 0.05}


def make_stem(rng: random.Random, syllables: int) -> str:
    """One invented, pronounceable word stem: open syllables, a consonant only at the end."""
    parts = [rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)]
    return ("".join(parts) + rng.choice(CODAS)).capitalize()


def stem_pools(rng: random.Random, total: int = 2400) -> dict[str, list[str]]:
    """Disjoint stem lists per split, so test names are mostly unseen in train."""
    seen, stems = set(), []
    while len(stems) < total:
        stem = make_stem(rng, rng.choice((2, 2, 2, 3)))
        if 4 <= len(stem) <= 11 and stem not in seen:
            seen.add(stem)
            stems.append(stem)
    pools, start = {}, 0
    for split in SPLITS:
        size = int(total * STEM_SHARE[split])
        pools[split] = stems[start:start + size]
        start += size
    return pools


class NameMaker:
    """Builds entity strings of every kind from one split's stems."""

    def __init__(self, rng: random.Random, stems: list[str]):
        self.rng, self.stems = rng, stems

    def stem(self) -> str:
        """A stem from this split's pool."""
        return self.rng.choice(self.stems)

    def long_stem(self) -> str:
        """A long, unusual name that WordPiece must split into many pieces."""
        return self.stem() + self.stem().lower() + self.rng.choice(["", "ovich", "heimer", "altz"])

    def surname(self) -> str:
        """An invented surname, now and then very long or double-barrelled."""
        roll = self.rng.random()
        if roll < 0.08:
            return self.long_stem()
        if roll < 0.14:
            return f"{self.stem()}-{self.stem()}{self.rng.choice(SURNAME_ENDS)}"
        return self.stem() + self.rng.choice(SURNAME_ENDS + ["", "", ""])

    def town(self) -> str:
        """An invented town, sometimes of two words."""
        roll = self.rng.random()
        if roll < 0.15:
            return self.rng.choice(["Port {}", "Upper {}", "{} Bay", "San {}", "{} Falls"]).format(self.stem())
        return (self.stem() + self.rng.choice(TOWN_ENDS)).capitalize()

    def country(self) -> tuple[str, str]:
        """An invented country and its nationality adjective."""
        stem, end = self.stem(), self.rng.choice(sorted(COUNTRY_ENDS))
        base = stem.rstrip("aeiouy") or stem
        return base + end, base + COUNTRY_ENDS[end]


def pick(rng: random.Random, *formats: str) -> str:
    """Choose one format string; a tiny helper that keeps the pool builders short."""
    return rng.choice(formats)


def build_kind_pools(rng: random.Random, stems: list[str], size: int) -> dict[str, list[str]]:
    """Entity strings of every kind for one split, drawn from that split's stems only."""
    m = NameMaker(rng, stems)
    countries = [m.country() for _ in range(size // 3 + 4)]
    towns = [m.town() for _ in range(size)]
    town, ctry, nat, st = (lambda: rng.choice(towns)), (lambda: rng.choice(countries)[0]), \
        (lambda: rng.choice(countries)[1]), m.stem
    makers = {
        "PER": lambda: f"{rng.choice(FIRST_NAMES)} {m.surname()}" if rng.random() > 0.08
        else f"{rng.choice(FIRST_NAMES)} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {m.surname()}",
        "SURNAME": m.surname,
        "TOWN": town,
        "COUNTRY": ctry,
        "REGION": lambda: pick(rng, "{} Province", "North {}", "{} Valley", "{} Highlands",
                               "{} Coast").format(st()),
        "RIVER": lambda: pick(rng, "River {}", "{} River").format(st()),
        "ROAD": lambda: pick(rng, "{} Road", "{} Bridge", "{} Tunnel", "{} Highway").format(st()),
        "VENUE": lambda: pick(rng, "{} Arena", "{} Hall", "{} Stadium", "{} Park").format(st()),
        "CO": lambda: pick(rng, "{} Holdings", "{} Group", "{} Motors", "{} Foods", "{} Energy",
                           "{} Telecom", "{} Systems", "{} Pharma", "{}", "{} Logistics",
                           "Bank of {}", "{} & {}").format(st(), st()),
        "TEAM": lambda: pick(rng, "{} United", "{} Rovers", "FC {}", "{} Athletic", "Sporting {}",
                             "{}", "{} City").format(town()),
        "UNI": lambda: pick(rng, "University of {}", "{} Institute of Technology",
                            "{} College").format(town()),
        "PARTY": lambda: pick(rng, "{} Party", "{} Alliance", "Democratic Union of {}",
                              "{} Greens").format(st()),
        "COURT": lambda: pick(rng, "{} District Court", "{} Court of Appeal").format(town()),
        "MINISTRY": lambda: pick(rng, "{} Ministry of Finance", "{} Ministry of Health",
                                 "{} Transport Ministry").format(ctry()),
        "WEATHER": lambda: pick(rng, "{} Weather Service", "{} Meteorological Office").format(ctry()),
        "AIRLINE": lambda: pick(rng, "{} Air", "{} Airways", "Air {}").format(st()),
        "AGENCY": lambda: pick(rng, "{} News", "{} Press", "{} Wire").format(st()),
        "COUNCIL": lambda: pick(rng, "{} City Council", "{} Town Council").format(town()),
        "MUSEUM": lambda: pick(rng, "{} Museum of Art", "{} Gallery", "{} Folk Museum").format(town()),
        "NAT": nat,
        "LANG": lambda: nat() if rng.random() < 0.6 else st() + "ese",
        "EVENT": lambda: pick(rng, "{} Marathon", "{} Cup", "{} Film Festival", "{} Open",
                              "{} Jazz Week", "{} Games", "{} Book Fair").format(town()),
        "PROD": lambda: pick(rng, "{} Pro", "{} Mini", "{} 300", "{} S2", "{} Air", "{} X",
                             "{}").format(st()),
        "AWARD": lambda: pick(rng, "{} Prize", "{} Medal", "{} Award").format(st()),
    }
    pools = {}
    for kind, make in makers.items():
        items = list(dict.fromkeys(make() for _ in range(size)))
        pools[kind] = items
    return pools


KIND_TYPE = {"PER": "PER", "SURNAME": "PER", "TOWN": "LOC", "COUNTRY": "LOC", "REGION": "LOC",
             "RIVER": "LOC", "ROAD": "LOC", "VENUE": "LOC", "CO": "ORG", "TEAM": "ORG",
             "UNI": "ORG", "PARTY": "ORG", "COURT": "ORG", "MINISTRY": "ORG", "WEATHER": "ORG",
             "AIRLINE": "ORG", "AGENCY": "ORG", "COUNCIL": "ORG", "MUSEUM": "ORG", "NAT": "MISC",
             "LANG": "MISC", "EVENT": "MISC", "PROD": "MISC", "AWARD": "MISC"}
POOL_SIZE = {"train": 90, "valid": 30, "test": 45, "shared": 5}


def entity_pools(rng: random.Random) -> dict[str, dict[str, list[str]]]:
    """All entity pools: one per split plus a small shared pool seen in every split."""
    stems = stem_pools(rng)
    return {split: build_kind_pools(rng, stems[split], POOL_SIZE[split]) for split in SPLITS}

# --------------------------------------------------------------------------------------
# Word-choice slots and sentence templates
# --------------------------------------------------------------------------------------

NUMBER_WORDS = "two three four five six seven eight nine ten".split()
MONTHS = ("January February March April May June July August September October November "
          "December").split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
ORDINALS = "second third fourth fifth sixth seventh eighth ninth tenth".split()


def number_slots(rng: random.Random) -> dict:
    """Slots whose values are made up on the spot: scores, sums, dates, counts."""
    return {
        "n": lambda: str(rng.randint(2, 40)) if rng.random() < 0.6 else rng.choice(NUMBER_WORDS),
        "big": lambda: f"{rng.randint(1, 89)},{rng.randint(0, 999):03d}",
        "pct": lambda: f"{rng.randint(0, 14)}.{rng.randint(1, 9)} percent/NN",
        "money": lambda: f"{rng.randint(2, 950)} million/CD {rng.choice(['crowns', 'dollars', 'euros', 'marks'])}",
        "score": lambda: f"{rng.randint(0, 5)}-{rng.randint(0, 4)}",
        "sets": lambda: " ".join(rng.choice(["6-3", "6-4", "7-5", "7-6", "6-2", "3-6", "6-1"])
                                 for _ in range(rng.randint(2, 3))),
        "year": lambda: str(rng.randint(1988, 2031)),
        "isodate": lambda: f"{rng.randint(1994, 2029)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "minute": lambda: str(rng.randint(2, 90)),
        "seconds": lambda: f"{rng.randint(0, 9)}.{rng.randint(10, 99)}",
        "day": lambda: rng.choice(DAYS),
        "month": lambda: rng.choice(MONTHS),
        "date": lambda: f"{rng.choice(MONTHS)} {rng.randint(1, 28)}",
        "ordinal": lambda: rng.choice(ORDINALS) + "/JJ",
        "few": lambda: rng.choice(NUMBER_WORDS),
        "nyear": lambda: rng.choice(NUMBER_WORDS[:4]) + "-year/JJ",
    }


WORD_SLOTS = {
    "said": ["said", "told/VBD reporters/NNS", "announced", "confirmed", "said/VBD in/IN a/DT statement/NN"],
    "beat": ["beat/VBD", "defeated", "edged/VBD", "thrashed", "overcame/VBD"],
    "rose": ["rose", "fell", "climbed/VBD", "slipped/VBD", "jumped"],
    "comp": ["final/NN", "semi-final/NN", "league/NN", "cup/NN tie/NN", "opening/JJ round/NN"],
    "quarter": ["first-quarter/JJ", "second-quarter/JJ", "half-year/JJ", "annual/JJ"],
    "crime": ["fraud/NN", "bribery/NN", "tax/NN evasion/NN", "theft/NN", "forgery/NN"],
    "weather": ["Heavy/JJ rain/NN", "Snow/NN", "Strong/JJ winds/NNS", "Thick/JJ fog/NN", "Hail/NN"],
    "topic": ["coral/NN reefs/NNS", "soil/NN bacteria/NNS", "battery/NN chemistry/NN",
              "bird/NN migration/NN", "early/JJ childhood/NN", "glacier/NN melt/NN"],
    "device": ["blood/NN test/NN", "sensor/NN", "low-cost/JJ scanner/NN", "water/NN filter/NN"],
    "illness": ["malaria/NN", "anaemia/NN", "crop/NN blight/NN", "ear/NN infections/NNS"],
    "art": ["paintings/NNS", "sculptures/NNS", "photographs/NNS", "drawings/NNS", "prints/NNS"],
    "ruling": ["ruling/NN", "verdict/NN", "decision/NN", "sentence/NN"],
    "reason": ["a/DT strike/NN", "bad/JJ weather/NN", "a/DT fuel/NN shortage/NN", "engine/NN checks/NNS"],
    "policy": ["budget/NN", "tax/NN plan/NN", "pension/NN reform/NN", "new/JJ border/NN law/NN"],
    "role": ["striker/NN", "goalkeeper/NN", "midfielder/NN", "defender/NN", "winger/NN"],
    "sprint": ["100/CD metres/NNS", "400/CD metres/NNS hurdles/NNS", "marathon/NN", "long/JJ jump/NN"],
}

# Templates: {KIND} is an entity slot, [name] a word slot, word/TAG a literal with a fixed POS.
# A leading "^" marks an upper-case headline (entities are upper-cased too).
TEMPLATES = {
    "sports": [
        "{TEAM} [beat] {TEAM} [score] in the [comp] on [day] .",
        "{PER} scored twice as {TEAM} won [score] away/RB at {TEAM} .",
        "{PER} ( {COUNTRY} ) beat/VBD {PER} ( {COUNTRY} ) [sets]",
        "{NAT} sprinter/NN {PER} won the [sprint] at the {EVENT} in {TOWN} .",
        "{PER} , who joined {TEAM} from {TEAM} last/JJ season/NN , has signed a [nyear] contract .",
        "The {EVENT} will be held in {TOWN} next/JJ [month] , organisers/NNS said .",
        "{TEAM} coach/NN {PER} said his players were tired after the long/JJ trip/NN to {TOWN} .",
        "Scorers/NNS : {SURNAME} ( [minute] ) , {SURNAME} ( [minute] )",
        "{PER} finished [ordinal] in the {EVENT} , [seconds] seconds behind {PER} of {COUNTRY} .",
        "The [role] was sent/VBN off/RP after [minute] minutes for a second/JJ yellow/JJ card/NN .",
        "Attendance/NN : [big] .",
        "{PER} replaced/VBD {PER} as captain/NN of {TEAM} on [day] .",
        "\" We deserved/VBD the win/NN , \" said {PER} .",
        "{SURNAME} said he was happy/JJ with the result/NN .",
        "Halftime/NN score/NN : [score] .",
        "^{TEAM} {TEAM} DERBY/NN POSTPONED/VBN",
        "^SOCCER - {TEAM} HOLD/VBP {TEAM} TO [score] DRAW/NN",
        "^TENNIS - {SURNAME} THROUGH/IN TO {EVENT} QUARTER-FINALS/NNS",
        "{TEAM} ended a run of [n] games without a win , beating/VBG {TEAM} [score] in front/NN of [big] fans at the {VENUE} on [day] night/NN , with {PER} scoring the winner/NN [minute] minutes/NNS from time/NN and {PER} saving a late/JJ penalty/NN from the {NAT} [role] {PER} .",
    ],
    "business": [
        "{CO} said on [day] its [quarter] net/JJ profit/NN [rose] [pct] to [money] .",
        "Shares/NNS in {CO} [rose] [pct] after the company cut/VBD its forecast/NN .",
        "{CO} has agreed/VBN to buy/VB {CO} for [money] , the two companies said in a joint/JJ statement/NN .",
        "{CO} chief/JJ executive/NN {PER} told reporters/NNS in {TOWN} that/IN demand/NN for the {PROD} remained/VBD strong/JJ .",
        "The {CO} {CO} merger/NN still needs/VBZ approval/NN from regulators/NNS in {COUNTRY} .",
        "{CO} will launch/VB the {PROD} in {COUNTRY} and {COUNTRY} later/RB this/DT year/NN .",
        "Analysts/NNS at {CO} expect/VBP the central/JJ bank/NN to keep/VB interest/NN rates/NNS unchanged/JJ .",
        "Trading/NN was thin/JJ ahead/RB of the holiday/NN .",
        "{PER} , a spokeswoman/NN for {CO} , declined/VBD to comment/VB .",
        "Oil/NN prices/NNS [rose] [pct] in early/JJ trade/NN .",
        "{PER} , who has led/VBN {CO} since [year] , said on [day] that/IN the company would close/VB its factory/NN in {TOWN} , move/VB [n] jobs/NNS to {TOWN} and invest/VB [money] in a new/JJ research/NN centre/NN near/IN {TOWN} over the next/JJ [few] years/NNS .",
        "^{CO} TO CUT/VB [n] JOBS/NNS IN {TOWN}",
        "{TOWN} ( {AGENCY} ) - {CO} [said] on [day] it would sell/VB its {NAT} unit/NN .",
    ],
    "politics": [
        "{NAT} Prime/NNP Minister/NNP {PER} arrived/VBD in {TOWN} on [day] for talks/NNS with {NAT} officials/NNS .",
        "The {PARTY} won/VBD [n] of the [few]00/CD seats/NNS in the election/NN , according/VBG to official/JJ results/NNS .",
        "Opposition/NN leader/NN {PER} accused/VBD the government/NN of ignoring/VBG voters/NNS in {REGION} .",
        "{COUNTRY} and {COUNTRY} signed/VBD a trade/NN agreement/NN in {TOWN} on [date] .",
        "Parliament/NN will debate/VB the bill/NN next/JJ week/NN , a spokesman/NN for the {MINISTRY} said .",
        "{PER} , a member/NN of the {PARTY} , said the [policy] was \" a mistake/NN \" .",
        "Talks/NNS between the two sides/NNS broke/VBD down/RP late/RB on [day] .",
        "The vote/NN was postponed/VBN .",
        "Thousands/NNS marched/VBD through {TOWN} to protest/VB against the [policy] , said {PER} .",
        "^{NAT} PRESIDENT/NN VISITS/VBZ {COUNTRY}",
    ],
    "courts": [
        "A court/NN in {TOWN} sentenced/VBD {PER} to [n] years/NNS in prison/NN for [crime] on [day] .",
        "The {COURT} rejected/VBD an appeal/NN by {CO} against a fine/NN of [money] .",
        "Lawyers/NNS for {PER} said they would appeal/VB the [ruling] .",
        "Police/NNS in {TOWN} arrested/VBD [n] people/NNS after clashes/NNS outside/IN the {VENUE} .",
        "The trial/NN of former/JJ {CO} director/NN {PER} opened/VBD in {TOWN} .",
        "The jury/NN is expected/VBN to retire/VB on [day] .",
        "{PER} denied/VBD all charges/NNS .",
        "Judge/NNP {PER} told {SURNAME} he had \" shown/VBN no remorse/NN \" .",
        "Prosecutors/NNS said the money/NN had been moved/VBN through accounts/NNS in {COUNTRY} and {REGION} .",
    ],
    "weather": [
        "[weather] is expected/VBN in {REGION} on [day] , the {WEATHER} said .",
        "Temperatures/NNS fell/VBD to minus/IN [n] degrees/NNS in {TOWN} overnight/RB .",
        "Snow/NN closed/VBD several/JJ roads/NNS in the north/NN .",
        "Strong/JJ winds/NNS are forecast/VBN for the weekend/NN .",
        "Flooding/NN forced/VBD [n] families/NNS from their homes/NNS along the {RIVER} .",
        "The {ROAD} was closed/VBN for [n] hours/NNS after a landslide/NN near/IN {TOWN} .",
    ],
    "science": [
        "Researchers/NNS at {UNI} have developed/VBN a [device] that/WDT can detect/VB [illness] in [n] minutes/NNS .",
        "The {NAT} space/NN agency/NN said its {PROD} probe/NN had reached/VBN orbit/NN .",
        "Dr/NNP {PER} of {UNI} said the results/NNS were encouraging/JJ .",
        "{PER} received/VBD the {AWARD} for her work/NN on [topic] .",
        "The study/NN , which/WDT followed/VBD [big] patients/NNS for [n] years/NNS , was published/VBN on [day] .",
        "Scientists/NNS found/VBD the samples/NNS had been contaminated/VBN .",
    ],
    "culture": [
        "{PER} 's new/JJ novel/NN , written/VBN in {LANG} , will be translated/VBN into [n] languages/NNS .",
        "The {EVENT} opened/VBD in {TOWN} on [day] with a film/NN by {NAT} director/NN {PER} .",
        "Tickets/NNS for {PER} 's concert/NN at the {VENUE} sold/VBD out/RP in [n] minutes/NNS .",
        "The {MUSEUM} will show/VB [n] [art] by {PER} from [month] .",
        "The {AWARD} went/VBD to {PER} .",
        "{PER} and {PER} will share/VB the {AWARD} .",
        "Critics/NNS praised/VBD the new/JJ {LANG} translation/NN .",
        "The show/NN runs/VBZ until the end/NN of [month] .",
    ],
    "transport": [
        "{AIRLINE} cancelled/VBD [n] flights/NNS between {TOWN} and {TOWN} because/IN of [reason] .",
        "The new/JJ rail/NN line/NN linking/VBG {TOWN} with {TOWN} will open/VB in [year] , {CO} [said] .",
        "Traffic/NN was delayed/VBN for [n] hours/NNS after a lorry/NN overturned/VBD on the {ROAD} .",
        "Bus/NN services/NNS will run/VB a reduced/JJ timetable/NN over the holiday/NN .",
        "{AIRLINE} and {AIRLINE} will share/VB routes/NNS to {COUNTRY} from [month] .",
        "The ferry/NN from {TOWN} to {TOWN} was cancelled/VBN .",
    ],
    "local": [
        "Residents/NNS of {TOWN} voted/VBD to keep/VB the old/JJ market/NN hall/NN open/JJ .",
        "Mayor/NNP {PER} opened/VBD the new/JJ library/NN in {TOWN} on [day] .",
        "The {COUNCIL} approved/VBD plans/NNS for [big] new/JJ homes/NNS .",
        "The fire/NN was put/VBN out/RP within an hour/NN and nobody/NN was hurt/VBN .",
        "A {NAT} bakery/NN in {TOWN} won/VBD the {AWARD} .",
        "Volunteers/NNS cleaned/VBD the banks/NNS of the {RIVER} on [day] morning/NN .",
        "It was the wettest/JJS summer/NN in [n] years/NNS .",
    ],
}
DATELINE = ["^{TOWN} [isodate]", "{TOWN} , [date] ."]
CATEGORIES = sorted(TEMPLATES)
TOKEN = re.compile(r"\{(\w+)\}|\[(\w+)\]")


def split_tagged(text: str) -> list[tuple[str, str | None]]:
    """Split 'word/TAG word' into (word, TAG or None) pairs."""
    pairs = []
    for piece in text.split():
        word, _, tag = piece.rpartition("/")
        pairs.append((word, tag) if word and tag in ALL_TAGS else (piece, None))
    return pairs


def entity_tokens(name: str, kind: str) -> list[tuple[str, str]]:
    """Tokens of an entity with POS: NNP, JJ for nationalities, function words from the lexicon."""
    out = []
    for word in name.split():
        tag = LEXICON.get(word, "CD" if word.isdigit() else "NNP")
        out.append((word, "JJ" if kind == "NAT" else tag))
    return out


class NerWriter:
    """Renders templates for one split, balancing entity types as it goes."""

    def __init__(self, rng: random.Random, pools: dict, split: str):
        self.rng, self.split = rng, split
        self.own, self.shared = pools[split], pools["shared"]
        self.numbers = number_slots(rng)
        self.counts = Counter()

    def entity(self, kind: str) -> str:
        """An entity string of a kind: usually from this split's pool, sometimes a shared one."""
        pool = self.shared if self.rng.random() < 0.08 else self.own
        return self.rng.choice(pool[kind])

    def word(self, slot: str) -> str:
        """A value for a word slot."""
        if slot in self.numbers:
            return self.numbers[slot]()
        return self.rng.choice(WORD_SLOTS[slot])

    def render(self, template: str) -> list[tuple[str, str, str]]:
        """Turn a template into (token, POS, NER) triples."""
        upper = template.startswith("^")
        rows: list[tuple[str, str, str]] = []
        for piece in template.lstrip("^").split():
            match = TOKEN.fullmatch(piece)
            if match and match.group(1):
                kind = match.group(1)
                toks = entity_tokens(self.entity(kind), kind)
                ner = KIND_TYPE[kind]
                rows += [(w.upper() if upper else w, p, ("B-" if i == 0 else "I-") + ner)
                         for i, (w, p) in enumerate(toks)]
                continue
            text = self.word(match.group(2)) if match else piece
            for word, tag in split_tagged(text):
                rows.append((word, tag or guess_pos(word, first=not rows), "O"))
        return rows

    def share_error(self, rows) -> float:
        """How far entity type shares would be from the target after adding these rows."""
        counts = self.counts + Counter(t[2:] for _, _, t in rows if t.startswith("B-"))
        total = sum(counts.values()) or 1
        return sum((counts[k] / total - v) ** 2 for k, v in TARGET_SHARE.items())

    def sentence(self, templates: list[str], used: set) -> list[tuple[str, str, str]]:
        """Render four unused candidates and keep the one that best keeps the type balance."""
        fresh = [t for t in templates if t not in used] or templates
        options = [(self.render(t), t) for t in self.rng.sample(fresh, min(4, len(fresh)))]
        best, template = min(options, key=lambda o: self.share_error(o[0]))
        used.add(template)
        self.counts.update(t[2:] for _, _, t in best if t.startswith("B-"))
        return best

    def document(self, size: int) -> list[list[tuple[str, str, str]]]:
        """One news 'document': optional headline-like dateline, then sentences on one topic."""
        topic = TEMPLATES[self.rng.choice(CATEGORIES)]
        with_ent = [t for t in topic if "{" in t]
        without = [t for ts in TEMPLATES.values() for t in ts if "{" not in t]
        used: set = set()
        sents = [self.sentence(DATELINE, used)] if self.rng.random() < 0.5 else []
        while len(sents) < size:
            if self.rng.random() < 0.12:
                sents.append(self.render(self.rng.choice(without)))
            else:
                pool = with_ent if self.rng.random() < 0.75 else [
                    t for ts in TEMPLATES.values() for t in ts if "{" in t]
                sents.append(self.sentence(pool, used))
        return sents


def document_sizes(rng: random.Random, total: int) -> list[int]:
    """Document lengths between 5 and 15 sentences that add up to total."""
    sizes = []
    while total:
        size = total if total <= 15 else rng.randint(5, min(15, total - 5))
        sizes.append(size)
        total -= size
    return sizes


def format_ner(docs) -> str:
    """CoNLL-2003 text: DOCSTART lines, one token per line, blank line after each sentence."""
    lines = []
    for doc in docs:
        lines += [DOCSTART, ""]
        for sent in doc:
            chunks = chunk_tags([p for _, p, _ in sent])
            lines += [f"{w} {p} {c} {n}" for (w, p, n), c in zip(sent, chunks)]
            lines.append("")
    return "\n".join(lines) + "\n"


def make_ner(rng: random.Random) -> dict[str, list]:
    """Generate and write the three NER splits; return their documents for the statistics."""
    pools = entity_pools(rng)
    out = {}
    for split, total in NER_SIZES.items():
        writer = NerWriter(rng, pools, split)
        docs = [writer.document(size) for size in document_sizes(rng, total)]
        (HERE / "ner").mkdir(exist_ok=True)
        (HERE / "ner" / f"{split}.txt").write_text(format_ner(docs), encoding="utf-8", newline="\n")
        out[split] = docs
    return out

# --------------------------------------------------------------------------------------
# Sentiment reviews: invented phrase pieces composed per domain, label and phenomenon
# --------------------------------------------------------------------------------------

ASPECTS = {
    "films": ["plot", "acting", "soundtrack", "ending", "camera work", "dialogue", "pacing",
              "lead performance", "special effects", "script", "costume design", "final act"],
    "restaurants": ["service", "pasta", "dessert", "wine list", "staff", "atmosphere", "soup",
                    "portion size", "terrace", "crème brûlée", "bread", "café au lait"],
    "gadgets": ["battery", "screen", "camera", "speaker", "charger", "keyboard", "build quality",
                "touchpad", "fan", "hinge", "companion app", "microphone"],
    "books": ["prose", "plot", "main character", "ending", "translation", "first chapter",
              "dialogue", "pacing", "world-building", "narrator", "middle section", "epilogue"],
    "hotels": ["room", "breakfast", "bed", "reception staff", "pool", "view", "shower",
               "location", "wifi", "lobby", "spa", "room service"],
    "apps": ["interface", "onboarding", "sync", "notification system", "search", "dark mode",
             "login flow", "latest update", "widget", "offline mode", "settings menu", "export feature"],
    "games": ["control scheme", "story", "level design", "soundtrack", "multiplayer mode", "boss design",
              "art style", "save system", "tutorial", "crafting system", "map", "co-op mode"],
    "music": ["singing", "production", "songwriting", "opening track", "bass line", "chorus", "mix",
              "album", "guitar work", "closing song", "drumming", "string arrangement"],
}
AGAIN = {"films": "watch it again", "restaurants": "eat there again", "gadgets": "buy it again",
         "books": "read it again", "hotels": "stay there again", "apps": "keep using it",
         "games": "play it again", "music": "listen to it again"}
OPENERS = {
    "films": ["Saw it on opening night.", "Watched this with my brother at the weekend.",
              "Caught a late screening on {day}."],
    "restaurants": ["We went for a birthday dinner.", "Lunch for two on a {day}.",
                    "Booked a table at Café {name} after a friend's tip."],
    "gadgets": ["I have had the {name} for {n} weeks.", "Bought this as a gift for myself.",
                "Picked up the {name} in a sale."],
    "books": ["Read it on holiday.", "Our book club chose this one.",
              "Finished {name} in {n} evenings."],
    "hotels": ["Stayed {n} nights at Hotel {name}.", "Booked last minute for a work trip.",
               "We stayed here over a long weekend."],
    "apps": ["Been using {name} daily for {n} weeks.", "Switched to {name} from a rival app.",
             "Installed it on my phone and tablet."],
    "games": ["Played about {n} hours of {name} so far.", "Picked this up on a {day} evening.",
              "Finished the main campaign last night."],
    "music": ["Had {name} on repeat all week.", "Heard it first on the radio.",
              "Bought the record after their {day} gig."],
}
POS_ADJ = ["excellent", "superb", "delightful", "charming", "gorgeous", "reliable", "smooth",
           "generous", "thoughtful", "crisp", "warm", "clever", "polished", "lovely", "fantastic",
           "impressive", "wonderful", "solid", "refreshing", "elegant", "inventive"]
NEG_ADJ = ["awful", "dull", "sluggish", "flimsy", "bland", "clumsy", "disappointing", "tedious",
           "cramped", "noisy", "overpriced", "lifeless", "shoddy", "messy", "forgettable",
           "frustrating", "stale", "mediocre", "naïve", "underwhelming", "confusing"]
NEVER_ADJ = ["dull", "boring", "tedious", "disappointing", "frustrating", "sluggish", "bland"]
INTENS = ["really", "truly", "genuinely", "seriously", "remarkably", "surprisingly", "quite"]
SOFTEN = ["a bit", "rather", "somewhat", "a little", "slightly"]
POS_CLOSE = ["Highly recommended.", "Worth every penny.", "Five stars from me.", "Loved it 🙂",
             "I would {again} tomorrow.", "Already planning to {again}.", "A lovely surprise 👍",
             "Easily the best of the year.", "My new favourite."]
NEG_CLOSE = ["What a waste of money.", "Avoid.", "Two stars, and that is generous.",
             "Such a letdown 😞", "I want my money back.", "A real shame.",
             "Save yourself the trouble.", "Hugely disappointing overall."]
FAIL = ["ruins the whole thing", "spoils everything", "lets it down badly", "drags it all down",
        "is a constant annoyance", "undoes all the good work"]

REVIEW_TEMPLATES = {
    ("positive", "plain"): ["The {a} is {ip} {p}.", "I loved the {a}.", "{IP} {p} {a}.",
                            "The {a} was {p} and the {b} was {ip} {p2}.",
                            "{name} gets the {a} exactly right.", "Loved how {p2nn} the {a} was."],
    ("negative", "plain"): ["The {a} is {ip} {n}.", "I hated the {a}.", "{IP} {n} {a}.",
                            "The {a} was {n} and the {b} was {ip} {n2}.",
                            "{name} gets the {a} completely wrong.", "The {a} felt {n} from start to finish."],
    ("positive", "negation"): ["The {a} is not {n} at all.", "The {a} was never {nv}.",
                               "I have no complaints about the {a}.", "I can't fault the {a}.",
                               "Nothing about the {a} felt {n}.",
                               "I did not expect the {a} to be this {p}.",
                               "Not {nv} for a second, and the {a} is {ip} {p}."],
    ("negative", "negation"): ["I did not enjoy the {a}.", "The {a} is not {p} at all.",
                               "The {a} never feels {p}.", "I would not recommend {name}.",
                               "There is nothing {p} about the {a}.",
                               "The {a} isn't {p}, and the {b} isn't much better.",
                               "Nobody seemed to care about the {a}."],
    ("positive", "contrast"): ["The {a} is {s} {n}, but the {b} is {ip} {p}.",
                               "Although the {a} is {s} {n}, the {b} more than makes up for it.",
                               "The {a} could be better, yet overall {name} is {p}.",
                               "{S} {n} {a} aside, the {b} is {ip} {p}.",
                               "The {a} takes some getting used to, but the {b} is {p}."],
    ("negative", "contrast"): ["The {a} is {p}, but the {b} is {ip} {n}.",
                               "The {a} is {ip} {p} but the {b} {fail}.",
                               "Although the {a} looks {p}, the {b} is too {n} to ignore.",
                               "{IP} {p} {a}, shame about the {b} being so {n}.",
                               "The {a} started out {p}, however the {b} {fail}."],
}


def fill_review(rng: random.Random, template: str, domain: str, name: str) -> str:
    """Fill one review template with aspects and adjectives of a domain."""
    a, b = rng.sample(ASPECTS[domain], 2)
    p, p2 = rng.sample(POS_ADJ, 2)
    n, n2 = rng.sample(NEG_ADJ, 2)
    ip = rng.choice(INTENS)
    p2nn = rng.choice([x for x in POS_ADJ if x not in (p, p2)])
    text = template.format(a=a, b=b, p=p, p2=p2, n=n, n2=n2, ip=ip, IP=ip.capitalize(),
                           nv=rng.choice(NEVER_ADJ), s=rng.choice(SOFTEN), name=name,
                           S=rng.choice(SOFTEN).capitalize(), fail=rng.choice(FAIL), p2nn=p2nn)
    return text[0].upper() + text[1:]


def product_name(rng: random.Random, domain: str) -> str:
    """An invented title or brand name; model suffixes only where products have models."""
    models = ["", "", " Pro", " II", " 5"] if domain in ("gadgets", "apps", "games") else [""]
    return make_stem(rng, rng.choice((2, 3))) + rng.choice(models)


def make_review(rng: random.Random, label: str, phenomenon: str, domain: str) -> str:
    """One to three sentences: optional opener, the core sentence, optional closer."""
    name = product_name(rng, domain)
    core = fill_review(rng, rng.choice(REVIEW_TEMPLATES[(label, phenomenon)]), domain, name)
    parts = [core]
    if rng.random() < 0.45:
        opener = rng.choice(OPENERS[domain]).format(name=name, n=rng.choice(NUMBER_WORDS),
                                                    day=rng.choice(DAYS))
        parts.insert(0, opener)
    if rng.random() < 0.45:
        close = rng.choice(POS_CLOSE if label == "positive" else NEG_CLOSE)
        parts.append(close.format(again=AGAIN[domain]))
    return " ".join(parts)


REVIEW_QUOTA = {  # split -> {phenomenon: reviews per label}
    "train": {"plain": 120, "negation": 60, "contrast": 60},
    "valid": {"plain": 25, "negation": 13, "contrast": 12},
    "test": {"plain": 38, "negation": 19, "contrast": 18},
}


def make_sentiment(rng: random.Random) -> dict[str, list[dict]]:
    """Generate and write the three sentiment splits with no duplicate texts anywhere."""
    seen, out = set(), {}
    domains = sorted(ASPECTS)
    for split, quota in REVIEW_QUOTA.items():
        rows = []
        for phenomenon, per_label in quota.items():
            for label in ("negative", "positive"):
                made = 0
                while made < per_label:
                    domain = rng.choice(domains)
                    text = make_review(rng, label, phenomenon, domain)
                    if text not in seen:
                        seen.add(text)
                        rows.append({"text": text, "label": label, "domain": domain,
                                     "phenomenon": phenomenon})
                        made += 1
        rng.shuffle(rows)
        write_csv(HERE / "sentiment" / f"{split}.csv", rows)
        out[split] = rows
    return out


def write_csv(path: Path, rows: list[dict]) -> None:
    """CSV with a header, csv-module quoting, UTF-8 without BOM, Unix newlines."""
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "label", "domain", "phenomenon"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

# --------------------------------------------------------------------------------------
# Statistics for the datasheet
# --------------------------------------------------------------------------------------


def entity_strings(docs) -> list[tuple[str, str]]:
    """All (type, surface string) entity mentions in a split."""
    found = []
    for doc in docs:
        for sent in doc:
            current = None
            for word, _, tag in sent:
                if tag.startswith("B-"):
                    if current:
                        found.append(current)
                    current = (tag[2:], word)
                elif tag.startswith("I-"):
                    current = (current[0], current[1] + " " + word)
                else:
                    if current:
                        found.append(current)
                    current = None
            if current:
                found.append(current)
    return found


def ner_stats(ner: dict) -> None:
    """Print a markdown table of NER counts and the unseen-entity fraction."""
    print("| split | documents | sentences | tokens | no-entity sentences | PER | ORG | LOC | MISC |")
    print("|---|---|---|---|---|---|---|---|---|")
    for split, docs in ner.items():
        sents = [s for d in docs for s in d]
        types = Counter(t for t, _ in entity_strings(docs))
        empty = sum(1 for s in sents if all(t == "O" for _, _, t in s))
        print(f"| {split} | {len(docs)} | {len(sents)} | {sum(map(len, sents))} | {empty} | "
              + " | ".join(str(types[k]) for k in TARGET_SHARE) + " |")
    every = Counter(t for docs in ner.values() for t, _ in entity_strings(docs))
    total = sum(every.values())
    print("\nentity type shares: " + ", ".join(f"{k} {every[k] / total:.1%}" for k in TARGET_SHARE))
    train = {s for _, s in entity_strings(ner["train"])}
    test = {s for _, s in entity_strings(ner["test"])}
    print(f"distinct test entity strings: {len(test)}, unseen in train: {len(test - train)} "
          f"({len(test - train) / len(test):.1%})")
    lengths = [len(s) for docs in ner.values() for d in docs for s in d]
    print(f"sentence length: min {min(lengths)}, max {max(lengths)}, "
          f"mean {sum(lengths) / len(lengths):.1f}; templates: "
          f"{sum(map(len, TEMPLATES.values())) + len(DATELINE)}\n")


def sentiment_stats(reviews: dict) -> None:
    """Print a markdown table of review counts per label and phenomenon."""
    print("| split | reviews | negative | positive | plain | negation | contrast |")
    print("|---|---|---|---|---|---|---|")
    for split, rows in reviews.items():
        c = Counter(r["label"] for r in rows) + Counter(r["phenomenon"] for r in rows)
        print(f"| {split} | {len(rows)} | {c['negative']} | {c['positive']} | {c['plain']} | "
              f"{c['negation']} | {c['contrast']} |")
    domains = Counter(r["domain"] for rows in reviews.values() for r in rows)
    print("\ndomains: " + ", ".join(f"{d} {n}" for d, n in sorted(domains.items())))


def main() -> None:
    """Generate everything from one seeded generator and print the datasheet numbers."""
    rng = random.Random(SEED)
    ner = make_ner(rng)
    reviews = make_sentiment(rng)
    ner_stats(ner)
    sentiment_stats(reviews)


if __name__ == "__main__":
    main()
