"""Text analysis for Chinese search: normalisation, standard numbers, segmentation with a domain
dictionary, stopwords, and synonym expansion.

Segmentation is jieba's algorithm through `rjieba` (the Rust port: the same dictionary and
tokens, ~20× faster than pure-Python jieba), in search mode (`cut_for_search`), which emits both
compound words and their parts ("化学物质" → 化学, 物质, 化学物质), so a document matches a
query whichever granularity either side used. Standard numbers are recognised before
segmentation ("GB/T 3903.6-2017" → one term "gbt3903.6", edition dropped so any edition
matches).
"""

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import rjieba

DATA_DIR = Path(__file__).resolve().parent / "data"

# Chinese and international standard families seen in shoe, leather, eyewear and apparel work.
_STANDARD_RE = re.compile(
    r"(?<![a-z])(gb/?t|gb/?z|gb|qb/?t|qb|fz/?t|fz|hg/?t|sn/?t|sb/?t|gh/?t|jjf|jjg|iso|iec|en|astm|aatcc|"
    r"satra\s*tm|bs\s*en|din\s*en|din|jis|as/nzs|cpsia|ansi)\s*(\d+(?:[.\-]\d+)*)",
    re.IGNORECASE,
)
# Cheap pre-check: a standard number needs a letter followed (maybe after a space) by a digit.
_STANDARD_HINT_RE = re.compile(r"[a-z]\s*\d")
_EDITION_RE = re.compile(r"[-:：—]((?:19|20)\d\d)$")
_KEEP_RE = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# The colloquial "又A又B" (又红又痒, 又闷又热, 又硬又重) names two qualities at once; the
# segmenter cuts it into single characters, which match nothing. Read it as the word "AB"
# (红痒, 闷热), the form dictionaries and thesauri list.
_BOTH_RE = re.compile(r"又([\u4e00-\u9fff])又([\u4e00-\u9fff])")


def _read_lines(name: str) -> list[str]:
    path = DATA_DIR / name
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(w for line in _read_lines("stopwords.txt") for w in line.split())


def default_synonym_groups() -> list[list[str]]:
    return [line.split() for line in _read_lines("synonyms.txt")]


def default_dictionary() -> list[str]:
    return [line.split()[0] for line in _read_lines("dictionary.txt")]


_segmenter_lock = threading.Lock()
_segmenter_words: set[str] = set()


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter domain words (idempotent; rjieba's dictionary is process-wide)."""
    with _segmenter_lock:
        for word in words:
            word = normalize(word).strip()
            if word and word not in _segmenter_words and _CJK_RE.search(word):
                rjieba.add_word(word, None, None)
                _segmenter_words.add(word)


def ensure_dictionary() -> None:
    if not _segmenter_words:
        add_words(default_dictionary())
        # Synonyms are domain words too: make sure the segmenter keeps them whole.
        add_words(w for group in default_synonym_groups() for w in group)


def normalize(text: str) -> str:
    """NFKC (full-width → half-width, compatibility forms) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def standard_term(family: str, number: str) -> str:
    family = re.sub(r"\s+", "", family.lower())
    number = _EDITION_RE.sub("", number)
    return f"{family}{number}".replace("/", "")


def tokenize(text: str) -> list[str]:
    """Index-side terms of `text`, in order, with repetitions (term frequency matters)."""
    ensure_dictionary()
    text = normalize(text)
    terms: list[str] = []

    def take_standard(m: re.Match) -> str:
        terms.append(standard_term(m.group(1), m.group(2)))
        return " "

    if _STANDARD_HINT_RE.search(text):
        text = _STANDARD_RE.sub(take_standard, text)
    if "又" in text:
        text = _BOTH_RE.sub(r" \1\2 ", text)
    stop = stopwords()
    keep = _keep_token
    terms.extend(t for t in rjieba.cut_for_search(text) if t not in stop and keep(t))
    return terms


@lru_cache(maxsize=200_000)
def _keep_token(token: str) -> bool:
    """Words and numbers, not punctuation, spaces or lone latin letters and digits."""
    if not token.strip() or not _KEEP_RE.search(token) or token != token.strip():
        return False
    return len(token) > 1 or bool(_CJK_RE.match(token))


def query_terms(text: str, limit: int = 32) -> list[str]:
    """Distinct terms of a query, in order of first appearance."""
    seen: dict[str, None] = {}
    for term in tokenize(text[:1000]):
        seen.setdefault(term, None)
        if len(seen) >= limit:
            break
    return list(seen)


class Synonyms:
    """Synonym groups. Every word of a group also indexes as the group's token ("~12"), so a
    query reaches all the group's words through one posting list: Lucene's SynonymQuery idea
    (the group behaves as one term with the union's frequencies), which keeps queries short."""

    def __init__(self, groups: Iterable[tuple[object, Iterable[str]]]):
        self.groups_of: dict[str, list[str]] = {}
        self.words_of: dict[str, list[str]] = {}
        for key, words in groups:
            token = f"~{key}"
            members = sorted({normalize(w) for w in words if w.strip()})
            self.words_of[token] = members
            for w in members:
                self.groups_of.setdefault(w, []).append(token)

    def group_tokens(self, term: str) -> list[str]:
        return self.groups_of.get(term, [])

    def display(self, terms: Iterable[str]) -> list[str]:
        """Matched terms as words: a group token stands for all of its words."""
        out: dict[str, None] = {}
        for t in terms:
            for w in self.words_of.get(t, [t]) if t.startswith("~") else [t]:
                out.setdefault(w, None)
        return list(out)

    def with_group_tokens(self, terms: list[str]) -> list[str]:
        out = list(terms)
        for t in terms:
            out.extend(self.groups_of.get(t, ()))
        return out
