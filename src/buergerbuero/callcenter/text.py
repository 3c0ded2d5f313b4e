"""German text helpers for the knowledge-base search (pure, no ORM).

The SQLite index stores a *stemmed shadow* of each article, produced here with the German Snowball
algorithm (the same algorithm PostgreSQL's `german` configuration uses), and drops the same stop words
as PostgreSQL's `german.stop`. That is what makes both databases answer the same query with the same
articles. Trigrams serve the typo fallback: an unknown query word is replaced by the closest words of the
knowledge base's vocabulary.
"""

from __future__ import annotations

import re

# PostgreSQL 15 tsearch_data/german.stop (Snowball's German stop-word list).
STOPWORDS = frozenset(
    [
        "aber",
        "alle",
        "allem",
        "allen",
        "aller",
        "alles",
        "als",
        "also",
        "am",
        "an",
        "ander",
        "andere",
        "anderem",
        "anderen",
        "anderer",
        "anderes",
        "anderm",
        "andern",
        "anderr",
        "anders",
        "auch",
        "auf",
        "aus",
        "bei",
        "bin",
        "bis",
        "bist",
        "da",
        "damit",
        "dann",
        "der",
        "den",
        "des",
        "dem",
        "die",
        "das",
        "daß",
        "derselbe",
        "derselben",
        "denselben",
        "desselben",
        "demselben",
        "dieselbe",
        "dieselben",
        "dasselbe",
        "dazu",
        "dein",
        "deine",
        "deinem",
        "deinen",
        "deiner",
        "deines",
        "denn",
        "derer",
        "dessen",
        "dich",
        "dir",
        "du",
        "dies",
        "diese",
        "diesem",
        "diesen",
        "dieser",
        "dieses",
        "doch",
        "dort",
        "durch",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "einig",
        "einige",
        "einigem",
        "einigen",
        "einiger",
        "einiges",
        "einmal",
        "er",
        "ihn",
        "ihm",
        "es",
        "etwas",
        "euer",
        "eure",
        "eurem",
        "euren",
        "eurer",
        "eures",
        "für",
        "gegen",
        "gewesen",
        "hab",
        "habe",
        "haben",
        "hat",
        "hatte",
        "hatten",
        "hier",
        "hin",
        "hinter",
        "ich",
        "mich",
        "mir",
        "ihr",
        "ihre",
        "ihrem",
        "ihren",
        "ihrer",
        "ihres",
        "euch",
        "im",
        "in",
        "indem",
        "ins",
        "ist",
        "jede",
        "jedem",
        "jeden",
        "jeder",
        "jedes",
        "jene",
        "jenem",
        "jenen",
        "jener",
        "jenes",
        "jetzt",
        "kann",
        "kein",
        "keine",
        "keinem",
        "keinen",
        "keiner",
        "keines",
        "können",
        "könnte",
        "machen",
        "man",
        "manche",
        "manchem",
        "manchen",
        "mancher",
        "manches",
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "meines",
        "mit",
        "muss",
        "musste",
        "nach",
        "nicht",
        "nichts",
        "noch",
        "nun",
        "nur",
        "ob",
        "oder",
        "ohne",
        "sehr",
        "sein",
        "seine",
        "seinem",
        "seinen",
        "seiner",
        "seines",
        "selbst",
        "sich",
        "sie",
        "ihnen",
        "sind",
        "so",
        "solche",
        "solchem",
        "solchen",
        "solcher",
        "solches",
        "soll",
        "sollte",
        "sondern",
        "sonst",
        "über",
        "um",
        "und",
        "uns",
        "unse",
        "unsem",
        "unsen",
        "unser",
        "unses",
        "unter",
        "viel",
        "vom",
        "von",
        "vor",
        "während",
        "war",
        "waren",
        "warst",
        "was",
        "weg",
        "weil",
        "weiter",
        "welche",
        "welchem",
        "welchen",
        "welcher",
        "welches",
        "wenn",
        "werde",
        "werden",
        "wie",
        "wieder",
        "will",
        "wir",
        "wird",
        "wirst",
        "wo",
        "wollen",
        "wollte",
        "würde",
        "würden",
        "zu",
        "zum",
        "zur",
        "zwar",
        "zwischen",
    ]
)

WORD = re.compile(r"[^\W_]+", re.UNICODE)
VOWELS = "aeiouyäöü"
S_ENDING = "bdfghklmnrt"
ST_ENDING = "bdfghklmnt"


def words(text: str) -> list[str]:
    """Lower-case words (letters and digits) in order."""
    return [w.lower() for w in WORD.findall(text or "")]


def _regions(word: str) -> tuple[int, int]:
    def after_vc(start: int) -> int:
        for i in range(start + 1, len(word)):
            if word[i] not in VOWELS and word[i - 1] in VOWELS:
                return i + 1
        return len(word)

    r1 = after_vc(0)
    r2 = after_vc(r1)
    return max(r1, 3), r2


def stem(word: str) -> str:
    """German Snowball stemmer (snowballstem.org/algorithms/german/stemmer.html)."""
    word = word.lower().replace("ß", "ss")
    # u and y between vowels are consonants: mark them upper case while stemming.
    chars = list(word)
    for i in range(1, len(chars) - 1):
        if chars[i] in "uy" and chars[i - 1] in VOWELS and chars[i + 1] in VOWELS:
            chars[i] = chars[i].upper()
    word = "".join(chars)
    r1, r2 = _regions(word)

    # Step 1
    for suffix in ("ern", "em", "er", "en", "es", "e", "s"):
        if word.endswith(suffix):
            if len(word) - len(suffix) >= r1:
                if suffix == "s":
                    if len(word) >= 2 and word[-2] in S_ENDING:
                        word = word[:-1]
                else:
                    word = word[: -len(suffix)]
                    if suffix in ("en", "es", "e") and word.endswith("niss"):
                        word = word[:-1]
            break
    # Step 2
    for suffix in ("est", "en", "er", "st"):
        if word.endswith(suffix):
            if len(word) - len(suffix) >= r1:
                if suffix == "st":
                    stem_len = len(word) - 2
                    if stem_len >= 4 and word[stem_len - 1] in ST_ENDING:
                        word = word[:-2]
                else:
                    word = word[: -len(suffix)]
            break
    # Step 3 (d-suffixes, in R2)
    for suffix in ("end", "ung", "isch", "ig", "ik", "lich", "heit", "keit"):
        if not word.endswith(suffix):
            continue
        start = len(word) - len(suffix)
        if start < r2:
            break
        if suffix in ("end", "ung"):
            word = word[:start]
            if word.endswith("ig") and len(word) - 2 >= r2 and not word[:-2].endswith("e"):
                word = word[:-2]
        elif suffix in ("ig", "ik", "isch"):
            if not word[:start].endswith("e"):
                word = word[:start]
        elif suffix in ("lich", "heit"):
            word = word[:start]
            if (word.endswith("er") or word.endswith("en")) and len(word) - 2 >= r1:
                word = word[:-2]
        else:  # keit
            word = word[:start]
            if word.endswith("lich") and len(word) - 4 >= r2:
                word = word[:-4]
            elif word.endswith("ig") and len(word) - 2 >= r2:
                word = word[:-2]
        break
    return word.lower().replace("ä", "a").replace("ö", "o").replace("ü", "u")


def terms(text: str) -> list[str]:
    """Search terms of a text: words without stop words."""
    return [w for w in words(text) if w not in STOPWORDS]


def stemmed(text: str) -> str:
    """The shadow text the SQLite index stores: stems of all non-stop words, space separated."""
    return " ".join(stem(w) for w in terms(text))


def fold(word: str) -> str:
    return word.lower().replace("ß", "ss").replace("ä", "a").replace("ö", "o").replace("ü", "u")


def trigrams(word: str) -> set[str]:
    """Trigrams of a word padded like pg_trgm (two spaces in front, one behind)."""
    padded = f"  {fold(word)} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity (shared / union), the measure pg_trgm's similarity() uses."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
