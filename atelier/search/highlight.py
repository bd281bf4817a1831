"""Highlighted snippets: the passage of a text where the matched terms are densest, HTML-escaped,
with each occurrence wrapped in <mark>."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .analysis import normalize


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    folded = normalize(text)
    if len(folded) != len(text):  # NFKC changed the length: fall back to case folding only
        folded = text.lower()
    spans = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        for m in re.finditer(re.escape(term), folded):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def highlight(text: str, terms: list[str], length: int | None = None) -> SafeString:
    """`text` escaped, with matches of `terms` in <mark>; cut to a window of `length`
    characters around the densest run of matches when `length` is given."""
    text = text or ""
    spans = _spans(text, terms)
    start, end = 0, len(text)
    if length and len(text) > length:
        best, best_count = 0, -1
        for s, _ in spans or [(0, 0)]:
            lo = max(0, s - length // 4)
            count = sum(1 for a, b in spans if a >= lo and b <= lo + length)
            if count > best_count:
                best, best_count = lo, count
        start, end = best, min(len(text), best + length)
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece is escaped
