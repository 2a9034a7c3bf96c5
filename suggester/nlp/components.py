"""spaCy components for clinical PT text: segmentation, SOAP sections and ConText assertions.

Pipeline order (declared with ``requires``/``assigns`` so ``nlp.analyze_pipes()``
explains a mis-ordered pipeline)::

    suggester_segmenter -> suggester_sections -> suggester_context

All cue words, headers and section meanings come from JSON files in
``suggester/resources``; nothing clinical is hard-coded here.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDX, IS_SPACE, IS_TITLE, IS_UPPER, LENGTH, LIKE_NUM, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from .._memo import TextMemo
from ._extensions import register_extensions
from .line_status import apply_line_statuses
from .minutes import MINUTE_NUMBER_WORDS, find_minutes, may_hold_minutes
from .rules import (DASH_BEFORE, ContextRule, LiteralMatcher, Screen, SectionRule, compile_literals, line_bounds,
                    literals_pattern, load_context_rules, load_lexicon, load_nonvisit_rules, load_nonvisit_third_parties,
                    load_section_attributes, load_section_rules, tokenize_offsets)

SEGMENTS = "suggester_segments"
SECTIONS = "suggester_sections"
CLAUSES = "suggester_clauses"
MODIFIERS = "suggester_modifiers"

_BULLET_RE = re.compile(r"^[-*\u2022\u25aa\u25cf\u2013>]+$")
_STRIP = " \t\r\n-*\u2022|:;,.>"
# Assertion precedence when scopes overlap: the strongest "not performed" reason wins.
_PRIORITY = {"declined": 9, "refused": 9, "held": 8, "deferred": 8, "contraindicated": 8, "not_tolerated": 8,
             "unable": 8, "negated": 7, "goal": 6, "planned": 6, "historical": 5, "other_discipline": 5, "documented_elsewhere": 5, "home_program": 4,
             "reported": 3, "billing_summary": 3, "clinic_non_service": 3, "exam_finding": 2}
# A reason stated by a lead-in line that ends in a colon carries to the numbered or bulleted items under it
# ("Physical therapy has consisted of:" / "1. Pool therapy ..."); only the not-performed reasons do
# (home program and stronger), not a finding or a report.
_CARRY_FROM = _PRIORITY["home_program"]
_ASSERTED_MAX = 20_000
_LIST_ITEM = re.compile(r"\s*(?:\(?\d{1,2}[.)]|\(?[a-hA-H][.)]|[-*\u2022\u25aa\u25cf])\s")


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per Doc (spaCy rebuilds it from the tokens on every access)."""
    text = doc.user_data.get("suggester_text")
    if text is None:  # a Doc's text never changes, so the cached copy cannot go stale
        text = doc.user_data["suggester_text"] = doc.text
    return text


_NOT_START = np.uint64(2**64 - 1)  # SENT_START -1 as Doc.from_array reads it: not a sentence start


def _inside_parentheses(text: str, pos: int) -> bool:
    """A parenthesis opened earlier on the line is still open at ``pos``."""
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    return line.count("(") > line.count(")")


_LETTERED_ITEM = re.compile(r"[a-z][.)][ \t]")


_SENTENCE_LETTER = re.compile(r"[.!?][ \t]+([^\W\d_])")


def _lowercase_writer(text: str) -> bool:
    """The note's sentences after a full stop all begin in lowercase (at least two of them, none capitalised)."""
    if ". " not in text:
        return False
    firsts = _SENTENCE_LETTER.findall(text)
    return len(firsts) >= 2 and not any(c.isupper() for c in firsts)


def _wrapped_line(text: str, pos: int, min_chars: int) -> bool:
    """True when the line starting at ``pos`` continues the sentence of the line before it, hard-wrapped by a PDF,
    an e-mail or a dictation system: the line before is long (at least ``min_chars``) and ends in a word or a
    comma (not a full stop, colon, time or number), and this line starts with a lowercase letter ("Patient is
    able to" / "ambulate 200 feet ..."), unless both lines give a time of their own (two items); or the line before
    ends in a number and this line starts with its unit ("... stiff in the mornings, 20-30" / "min to loosen up")."""
    if not min_chars or not text[pos:pos + 1].islower() or _LETTERED_ITEM.match(text, pos):
        return False   # "b) Functional lifting practice ...": the next item of a lettered list, not a wrapped line
    nl = text.rfind("\n", 0, pos)
    if nl < 0 or text[nl + 1:pos].strip():
        return False
    before = text.rfind("\n", 0, nl)
    line = text[before + 1:nl].rstrip()
    if len(line) >= min_chars and line[-1:].isdigit() and _UNIT_AFTER_WRAP.match(text, pos):
        return True   # "Still stiff in the mornings, 20-30" / "min to loosen up": a number and its unit
    if not (len(line) >= min_chars and (line[-1:].isalpha() or line[-1:] == ",")):
        return False
    # each line with a time of its own is an item of its own, capitals or not ("self care trng 20 minutes - ... w/ min
    # cues" / "gate training 10 minutes w/ rw ...")
    end = text.find("\n", pos)
    return not (_timed(line) and _timed(text[pos:end if end >= 0 else len(text)]))


_UNIT_AFTER_WRAP = re.compile(r"(?:min(?:ute)?s?|hrs?|hours?)\b")


def _timed(line: str) -> bool:
    return may_hold_minutes(line) and any(m.minutes is not None for m in find_minutes(line))


# ---------------------------------------------------------------------------------------------
# Segmenter
# ---------------------------------------------------------------------------------------------
class ClinicalSegmenter:
    """Sentence boundaries fit for clinical notes.

    Splits on newlines, semicolons, sentence-final punctuation (not after known
    abbreviations such as ``pt.`` or ``min.``), inline numbered items ``2)`` and
    inline SOAP headers (``... P: continue POC``). Flowsheet rows stay whole.
    """

    def __init__(self, nlp: Language, name: str, lexicon: str = "default") -> None:
        self.name = name
        data = load_lexicon(lexicon)
        self.abbreviations = frozenset(a.lower().rstrip(".") for a in data.get("sentence_abbreviations", []))
        sentence_only = set(_sections_list("sentence_start_only_categories"))
        line_only = set(_sections_list("line_start_only_categories")) | sentence_only
        rules = load_section_rules()
        literals = [r.literal for r in rules if r.category not in line_only]
        # a discipline's header splits a line only after a separator ("PT/OT daily 4/2 - PT: TE 15, ...")
        self._separated_header = re.compile(r"(?:%s)\s*:" % literals_pattern(
            [r.literal for r in rules if r.category in sentence_only]), re.IGNORECASE) if sentence_only else None
        self.wrap_min_chars = int(data.get("wrapped_line_min_chars", 0))
        self.spoken_breaks: dict[str, set] = {}   # "new paragraph", "next line": first word -> second words
        for phrase in data.get("spoken_breaks", []):
            first, second = phrase.lower().split()
            self.spoken_breaks.setdefault(first, set()).add(second)
        self._inline_header = re.compile(r"(?:%s)\s*:" % literals_pattern(literals), re.IGNORECASE)
        self._all_headers = [r.literal for r in rules]

    @functools.cached_property
    def _line_header(self) -> re.Pattern:
        """A header that opens its line ("Time Summary:", "Discharge Summary:") is one header, not two. Compiled on
        first use: only a line with a header inside it needs it, and a fresh process (the CLI) starts faster."""
        return re.compile(r"[ \t\-*\u2022]*(?:%s)\s*:" % literals_pattern(self._all_headers), re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        n = len(doc)
        abbreviations = self.abbreviations
        before = ""
        flags = np.full((n, 1), _NOT_START, dtype=np.uint64)  # set in one call below (a setter per token is slow)
        item_starts = _timed_item_starts(text) if "," in text else ()
        # a writer who never capitalises ("ha. consent reviewed again today. dry needling to l upper trap ...") starts
        # sentences in lowercase: then a lowercase word after a full stop starts one too
        lowercase_writer = _lowercase_writer(text)
        # the tokens' attributes read as columns once (a Token object per look is slow)
        cols = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE, LIKE_NUM, IS_TITLE, IS_UPPER]).T.tolist() if n else [[]] * 7
        idx, length, spaced, is_space, like_num, is_title, is_upper = cols
        words = [text[a:a + k] for a, k in zip(idx, length)]
        if n:
            flags[0, 0] = 1
        header_end = -1   # the end of the last header found inside a line: its own words start nothing ("Next Rx:")
        for i in range(1, n):
            ptext, ttext, at = words[i - 1], words[i], idx[i]
            start = False
            header, tried = None, False   # the inline header at this token, once the branch below has looked for it
            if is_space[i - 1] and "\n" in ptext:
                # a lowercase line that opens with a header ("obj: lumbar flex 50% ...") starts a part, wrapped or not
                start = not is_space[i] and (not _wrapped_line(text, at, self.wrap_min_chars)
                                             or self._line_header.match(text, at) is not None)
            elif ptext == "," and at in item_starts:
                start = True   # "Recliner transfers 15 min, bathing & dressing practice 12 min, walking 10 min"
            elif ptext == ";":
                start = not _inside_table_cell(text, at)   # "| NuStep 8 min; quad sets ... | 23": one row
            elif i >= 2 and ptext.lower() in self.spoken_breaks.get(words[i - 2].lower(), ()):
                start = True   # dictation's spoken break: "... cues for breathing new paragraph manual therapy twelve minutes"
            elif ptext in {".", "!", "?"} and (ttext[:1].isupper() or like_num[i] or _BULLET_RE.match(ttext)
                                               or lowercase_writer and ttext[:1].islower() and spaced[i - 1]):
                b = before.lower()
                # "... continued skilled PT. Manual 12 min": capital "PT." is physical therapy ending a sentence;
                # "Pt." (patient) and "pt." stay abbreviations
                start = (b not in abbreviations or before == "PT" and not is_upper[i]) and not (len(b) == 1 and b.isalpha()) \
                    and not (b.isdigit() and len(b) <= 2 and flags[i - 2, 0] == 1)  # "1. Aquatic therapy" is one item
            elif len(ptext) > 1 and ptext.endswith(".") and ptext[:-1].isalpha() and is_title[i] \
                    and ptext[:-1].lower() not in abbreviations:
                start = True
            elif like_num[i] and i + 1 < n and words[i + 1] == ")" and ptext not in {"(", "x", "X"} \
                    and spaced[i - 1] and not _inside_parentheses(text, at):
                start = True   # "... tolerated well 2) Gait ...", not "(TE 20, manual 8, gait 12)"
            elif (is_title[i] or is_upper[i]) and spaced[i - 1] and ptext not in {"(", "/"} \
                    and ptext.lower() not in {"or", "and", "nor"}:   # "label each line S, O, A, or P:" is a list
                two = self._inline_header.match(text, idx[i - 1]) if (is_title[i - 1] or is_upper[i - 1]) \
                    and ptext.isalpha() and at >= header_end else None
                if two is not None and two.end() > at and flags[i - 1, 0] != 1:
                    # a two-word header whose first word starts no sentence of its own ("... at home b.i.d. Next Rx:
                    # cont. same"): the header starts at its first word
                    flags[i - 1, 0] = 1
                    header_end = two.end()
                if at >= header_end:
                    header, tried = self._inline_header.match(text, at), True
                start = at >= header_end and (header is not None or ptext in _SEPARATORS
                                              and self._separated_header is not None
                                              and bool(self._separated_header.match(text, at)))
                if start:
                    whole = self._line_header.match(text, text.rfind("\n", 0, at) + 1)
                    start = whole is None or whole.end() <= at
            if start:
                flags[i, 0] = 1
                if ttext[:1].isalpha():
                    if not tried:
                        header = self._inline_header.match(text, at)
                    if header is not None:
                        header_end = header.end()
            before = ptext
        if n:
            doc.from_array([SENT_START], flags)
        return doc


@Language.factory("suggester_segmenter", assigns=["token.is_sent_start"], default_config={"lexicon": "default"})
def make_segmenter(nlp: Language, name: str, lexicon: str) -> ClinicalSegmenter:
    register_extensions()
    return ClinicalSegmenter(nlp, name, lexicon)


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------
class SectionDetector:
    """Find SOAP / EMR section headers and tag every segment with its section category."""

    def __init__(self, nlp: Language, name: str, rules: str = "default", attributes: str = "default",
                 extra: dict | None = None) -> None:
        self.name = name
        # ``extra``: a clinic's own headers learned from its corrections (literal -> category), see suggester.learning
        self.rules = load_section_rules(rules) + [SectionRule(str(lit).lower(), str(cat))
                                                  for lit, cat in (extra or {}).items()]
        self.attributes = load_section_attributes(attributes)
        self._by_literal = {r.literal: r.category for r in self.rules}
        single = sorted({r.literal for r in self.rules if len(r.literal) == 1})
        multi = [r.literal for r in self.rules if len(r.literal) > 1]
        # bullets and list numbers before a header ("- ", "2) ", "10. "), not a clock range ("1310-1332 ex: ...")
        lead = r"^[\s\-*\u2022#>]*?(?:\d{1,2}[.)]+[\s\-*\u2022#>]*?)?(?:\*\*|__)?"
        multi_pattern = literals_pattern(multi)
        capitals = "|".join(re.escape(x.upper()) for x in single) or "(?!x)x"   # the one-letter headers as capitals
        # another discipline's part headed by its clock time: "OT 1:00-1:45 - R UE task practice, FES to wrist ext"
        disciplines = [r.literal for r in self.rules if r.category == "other_discipline"]
        self._timed_discipline = re.compile(
            lead + r"(?P<lit>%s)[ \t]+\d{1,2}:\d{2}(?:[ \t]*[ap]\.?m\.?)?(?:[ \t]*[-\u2013][ \t]*\d{1,2}:\d{2}"
            r"(?:[ \t]*[ap]\.?m\.?)?)?[ \t]*(?:[:\u2013\u2014=]|-(?![A-Za-z]))" % literals_pattern(disciplines),
            re.IGNORECASE) if disciplines else None
        self._header = re.compile(
            # a date may stamp the header: "Flowsheet 5/14", "Treatment 05/14/2025:"
            lead + r"(?:(?P<multi>%s)(?:\*\*|__)?(?:[ \t]+\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?)?"
            # (a hyphen between two letters joins a word - "Sub-threshold aerobic", "Pain-free" - and ends no header)
            r"(?:[ \t]*\([^()\n]{1,30}\))?\s*(?:[:\u2013\u2014=]|-(?![A-Za-z])|$|\s*\n)"
            # a one-letter header takes a colon or "=", or a parenthesis or a spaced dash only as a capital ("A)",
            # "S - pain 5/10 after work"): "a) ...", "b) ..." are the items of a lettered list
            r"|(?P<single>%s)(?:[ \t]*\([^()\n]{1,30}\))?\s*[:=]|(?P<single_paren>(?-i:%s))\s*\)"
            r"|(?P<single_dash>(?-i:%s))[ \t]+[-\u2013\u2014][ \t]"
            # or in parentheses or brackets ("(S) pt reports ...", "[O] AROM ..."); and an abbreviated header with its
            # full stop ("Subj. pt reports ...", "Obj. AROM ..."; sections.json abbreviated_with_period)
            r"|[(\[](?P<single_box>(?-i:%s))[)\]]|(?P<abbr>%s)\.[ \t])"
            % (multi_pattern, "|".join(map(re.escape, single)) or "(?!x)x", capitals, capitals, capitals,
               literals_pattern(_sections_list("abbreviated_with_period")) or "(?!x)x"),
            re.IGNORECASE,
        )
        # an addendum or late entry stamped with its date, time or reason: "ADDENDUM 3/6 08:15 (late entry for 3/5 visit):"
        stamped = [r.literal for r in self.rules if r.category == "addendum"]
        self._stamped = re.compile(lead + r"(?P<lit>%s)(?:[ \t]+\d[\d/.:\-]*){0,3}(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*[:\-\u2013\u2014]"
                                   % literals_pattern(stamped), re.IGNORECASE) if stamped else None
        # a banner line that opens or closes text copied from an earlier note ("*** carried forward from 3/11 ***")
        copied = [r.literal for r in self.rules if r.category == "carried_forward"]
        self._copied = compile_literals(copied) if copied else None
        self._banner_end = re.compile(r"(?:%s)\b" % literals_pattern(_sections_list("banner_end_words")), re.IGNORECASE)
        self._plan_words = compile_literals(_sections_list("plan_words"))
        self._time_labels = frozenset(x.lower() for x in _sections_list("session_time_labels"))
        self._plan_subfields = frozenset(x.lower() for x in _sections_list("plan_subfields"))
        self._titles = frozenset(x.lower() for x in _sections_list("note_title_literals"))
        self._line_only = frozenset(_sections_list("line_start_only_categories"))
        self._sentence_only = frozenset(_sections_list("sentence_start_only_categories"))
        self._total_line = _sections_pattern("total_time_line_pattern")
        self._time_list = _sections_pattern("time_list_line_pattern")
        self._after_eval = _sections_pattern("treatment_after_eval_pattern")
        self._resumed = _sections_pattern("treatment_resumed_pattern")
        self._treatment_header = _sections_pattern("treatment_header_pattern")
        self._this_visit = _sections_pattern("this_visit_pattern")
        self._same_visit_head = _sections_pattern("same_visit_heading_pattern")
        # sections made of rows of one shape (section_attributes.json row_pattern): a line of another shape ends them
        self._row_patterns = {cat: re.compile(a["row_pattern"], re.IGNORECASE)
                              for cat, a in self.attributes.items() if a.get("row_pattern")}
        self._performed_in_plan = _sections_pattern("performed_in_plan_pattern")
        self._wrap_min_chars = int(load_lexicon().get("wrapped_line_min_chars", 0))
        self._wordy = re.compile(r"^[\s\-*\u2022#>]*(?P<lit>%s)\b[^:\n.;]{1,30}:\s*$" % multi_pattern,
                                 re.IGNORECASE)
        self._wordy_caps = re.compile(r"^[\s\-*\u2022#>]*(?P<lit>%s)\b[^:\n.;]{1,30}$" % multi_pattern,
                                      re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({r.category for r in self.rules}))

    _COMPOSITE = re.compile(r"^[\s\-*\u2022#>]*([A-Za-z][A-Za-z' ]{0,30}(?:\s*[/&+]\s*[A-Za-z][A-Za-z' ]{0,30})+)\s*(?:[:\-\u2013]|$)")

    def match_header(self, text: str):
        """Return (category, end_offset) when ``text`` starts with a section header, else None.

        Composite headers such as ``Obj/Tx:`` take the category of a part that implies
        performed services when there is one, else the last known part.
        """
        body = _banner_body(text)
        if body and self._copied is not None and self._copied.search(body):
            return ("none" if self._banner_end.match(body) else "carried_forward"), len(text)
        key = _JSON_KEY.match(text)
        if key:   # an EMR export's field: '"TreatmentPlan": "...', '"short_term_goals": [' read as its header
            lit = " ".join(_CAMEL.sub(" ", key.group(1)).replace("_", " ").lower().split())
            category = self._by_literal.get(lit)
            if category is not None:
                return category, key.end()
        m = self._header.match(text)
        if not m and self._timed_discipline is not None:
            disc = self._timed_discipline.match(text)
            if disc:
                return self._by_literal[re.sub(r"\s+", " ", disc.group("lit").lower())], disc.end()
        if not m and self._stamped is not None:
            stamp = self._stamped.match(text)
            if stamp:
                return self._by_literal[re.sub(r"\s+", " ", stamp.group("lit").lower())], stamp.end()
        if not m and self._treatment_header is not None:
            # "Today's tx: ther ex 30 min", "Tx initiated today: quad sets, SLR": this visit's treatment, on its line
            t = self._treatment_header.match(text)
            if t:
                return "treatment", t.end()
        if not m:
            # A header line with a few extra words before its colon: "Tx after re-eval:", "Treatment today (45 min):"
            w = self._wordy.match(text)
            if not w and text.isupper():  # an all-caps title line such as "TREATMENT THIS DATE"
                w = self._wordy_caps.match(text)
            if w and self._by_literal.get(re.sub(r"\s+", " ", w.group("lit").lower())):
                if self._plan_words.search(text[w.end("lit"):w.end()]):
                    return "plan", w.end()   # "INTERVENTIONS INCLUDE:", "Treatment will consist of:"
                return self._by_literal[re.sub(r"\s+", " ", w.group("lit").lower())], w.end()
            c = self._COMPOSITE.match(text)
            if not c:
                return None
            cats = [self._by_literal.get(part.strip().lower()) for part in re.split(r"[/&+]", c.group(1))]
            if not cats or not all(cats):   # every part a header ("Obj/Tx"), not "s/p R ACLR" (status post)
                return None
            performed = [x for x in cats if self.attributes.get(x, {}).get("assertion") is None]
            return (performed or cats)[-1], c.end()
        lit = (m.group("multi") or m.group("single") or m.group("single_paren") or m.group("single_dash")
               or m.group("single_box") or m.group("abbr") or "").lower()
        lit = re.sub(r"\s+", " ", lit)
        category = self._by_literal.get(lit)
        if lit in self._time_labels and _SESSION_MINUTES.match(text, m.end()):
            return None   # "Duration: 60 min": how long this session took, not a plan's duration ("Duration: 6 wks")
        if category is None or category in self._line_only and _ONLY_TIME.match(text, m.end()):
            return None   # "  Time: 17'" under a service's block: that block's time, not a time log
        end = m.end()
        # A header chain such as "O: Tx: TherEx ..." takes the innermost header.
        inner = self.match_header(text[end:]) if end < len(text) else None
        if inner:
            return inner[0], end + inner[1]
        return category, end

    def _closed_later(self, text: str, pos: int) -> bool:
        """A later line is a banner closing copied text ("--- end carried forward ---", "[End copied section]"): the
        banner above opened a block of copied text, not a note copied whole and edited ("**COPIED FORWARD FROM 6/11 -
        REVIEW & EDIT**")."""
        for line in text[pos:].split("\n"):
            body = _banner_body(line)
            if body and self._copied.search(body) and self._banner_end.match(body):
                return True
        return False

    def _plan_field(self, text: str, start: int, end: int) -> bool:
        """The header at ``start`` is a plan-of-care field ("Interventions:") and its line gives no time or dose, and
        the header does not say it is this visit's ("Treatment (same visit):")."""
        line_end = text.find("\n", start)
        line = text[start:len(text) if line_end < 0 else line_end]
        if line_end >= 0 and not line[end:].strip(" \t:-"):
            # a field alone on its line ("Tx:") heads the lines below it: its block is this visit's when the first of
            # them (the block up to a blank line) gives a time or dose ("TE - 2 units (24 min): quad sets, SLR ...",
            # "[1603] NM re-ed - rhythmic stabilization ... BOSU" / "  push-up hold ... 15 min")
            below = text[line_end + 1:line_end + 400].lstrip("\n")
            blank = _BLANK_LINE.search(below)
            line = below[:blank.start()] if blank else below
        return _label(text[start:start + end]) in self._plan_subfields and not _DOSE_OR_TIME.search(line) \
            and not (self._this_visit is not None and self._this_visit.search(text, start, start + end))

    def __call__(self, doc: Doc) -> Doc:
        section = "none"
        segments, headers = [], []
        text_of = doc_text(doc)
        inline = None  # (category, end of its line): a line-scoped header ("Dx: ...") covers the rest of its line
        title_section = own_treatment = copied = False
        field_opened = False   # the section in force was opened by a header with its text on its own line ("Goal: ...")
        body_seen = False      # a header of the note's body (S:, O:, A:, Tx:) came already: past the header block
        last_end = 0
        for sent in doc.sents:
            span = _strip_span(doc, sent.start, sent.end)
            if span is None:
                continue
            prev_end, last_end = last_end, span.end_char
            hit = self.match_header(text_of[span.start_char:span.end_char])
            if field_opened and not hit and _BLANK_LINE.search(text_of, prev_end, span.start_char) \
                    and not _LIST_ITEM_LINE.match(text_of, span.start_char):
                # "Goal: centralize LE sx; sit 60 min at work" in a header block, then a blank line and the visit's
                # paragraph: the field ended with its paragraph
                section, field_opened = "none", False
            if hit and hit[0] == "physical_therapy" and "other_discipline" not in (section, inline and inline[0]):
                hit = None   # "PT:" ends another discipline's part of a shared document; elsewhere "Pt: 77M" is no header
            if hit and hit[0] in self._sentence_only \
                    and text_of[line_bounds(text_of, span.start_char)[0]:span.start_char].strip() \
                    and not _SENTENCE_END.search(text_of, 0, span.start_char):
                hit = None   # a discipline named inside a sentence ("Co-treat w/ OT: ...") heads nothing
            if hit and section == "carried_forward" and copied:
                # inside a banner-opened copy of an earlier note its own headers ("A: Flexion 98 deg. Manual therapy 12
                # min ...") are the earlier note's; the closing banner or a header naming this visit ("O (today):") ends it
                if hit[0] == "none" or self._this_visit is not None \
                        and self._this_visit.search(text_of, span.start_char, span.start_char + hit[1]):
                    copied = False
                else:
                    hit = ("carried_forward", hit[1])
            elif hit and hit[0] == "carried_forward":
                copied = _BANNER.match(text_of[span.start_char:span.end_char]) is not None \
                    and self._closed_later(text_of, span.end_char)
            elif hit and section == "carried_forward":
                section = "none"   # a copy banner no banner closes ends at the next header, a line's own ("Dx: ...") too
            if inline and (span.start_char >= inline[1] or _char_before(text_of, span.start_char) == ";"
                           and not self.attributes.get(inline[0], {}).get("semicolon_items")
                           or self.attributes.get(inline[0], {}).get("ends_at_timed_sentence")
                           and _TIMED_SENTENCE.match(text_of, span.start_char, span.end_char)
                           or inline[0] == "other_discipline" and _PT_LEAD.match(text_of, span.start_char)):
                # the line ended, a new ";"-separated item starts, "Dx: ... . Manual 10 min: ...", or "OT: grooming at
                # sink; PT provided standing balance ..." goes back to this therapist
                inline = None
            rows = self._row_patterns.get(section)
            if not hit and rows is not None and not inline and _line_start(text_of, span.start_char) \
                    and not rows.match(text_of, span.start_char):
                section = "none"   # "Charge capture:" rows end at a line that is no charge row ("Activity log: bike 5'")
            current = inline[0] if inline else section
            if not hit and self.attributes.get(current, {}).get("assertion") in ("reported", "exam_finding") \
                    and (_timed_block_head(text_of, span.start_char)
                         or _line_start(text_of, span.start_char) and _TIMED_HEAD_COLON.match(text_of, span.start_char)):
                # "Testing - 35 min face-to-face:" or "Ther ex 15 min: rows, ER/IR ..." under "S:": a timed block's own
                # heading ends what the patient said
                section = current = "treatment"
                inline = None
            if not hit and self._this_visit is not None \
                    and self.attributes.get(current, {}).get("assertion") in ("planned", "goal") \
                    and _line_start(text_of, span.start_char) \
                    and ((head := _TIMED_HEAD_COLON.match(text_of, span.start_char)) is not None
                         and self._this_visit.search(text_of, span.start_char, head.end())
                         or self._same_visit_head is not None
                         and (head := self._same_visit_head.match(text_of, span.start_char)) is not None
                         and _DOSE_OR_TIME.search(text_of, head.end(), line_bounds(text_of, span.start_char)[1])):
                # "Exercise instruction today (12 min): isometrics ..." after the plan: a timed block of this visit (or its
                # time after the heading: "Aquatic therapy (4 ft pool) same day: water walking, ... - 25 minutes")
                section = current = "treatment"
                inline = None
            if not hit and self._after_eval is not None \
                    and self.attributes.get(current, {}).get("assertion") in ("planned", "goal") \
                    and self._after_eval.match(text_of, span.start_char):
                # "Following the evaluation, the patient was instructed in ..." after a dictated evaluation's plan (on
                # its own line or in the plan's paragraph)
                section = current = "treatment"
                inline = None
            if not hit and self._resumed is not None \
                    and self.attributes.get(current, {}).get("assertion") in ("planned", "goal") \
                    and _line_start(text_of, span.start_char) and self._resumed.match(text_of, span.start_char):
                # "Updated goals: walk to the mailbox ...\nThen practised getting up off the floor ..., 12 min": the
                # line after the goals goes back to the session's treatment
                section = current = "treatment"
                inline = None
            if not hit and (self._total_line is not None
                            and self.attributes.get(current, {}).get("assertion") in ("planned", "goal")
                            and self._total_line.match(text_of, span.start_char)
                            or self._time_list is not None and current not in ("time_log", "other_discipline")
                            and self._time_list.match(text_of, span.start_char)):
                line_start, line_end = line_bounds(text_of, span.start_char)
                if not text_of[line_start:span.start_char].strip(" \t-*\u2022"):
                    # a line of its own that is the visit's time log: "Total NMR time 14 min." under "Plan:" (not the
                    # plan), or "TE 15' / NMR 10' / GT 13'" wherever it stands
                    current = "time_log"
                    inline = (current, line_end)
            if hit and section == "plan" and hit[0] == "treatment" and self._plan_field(text_of, span.start_char, hit[1]):
                hit = ("plan", hit[1])   # "Interventions: ther ex, manual, gait" under a plan of care lists the plan
            if hit:
                current, end = hit
                body_seen = body_seen or current in _BODY_SECTIONS
                # "Daily Note" above S:/O: is the note's title, not a treatment section of its own
                label = _DATE_AFTER.sub("", _label(text_of[span.start_char:span.start_char + end]))   # "DAILY NOTE 03/14/2024"
                titled = not headers and current == "treatment" and (label in self._titles or _NOTE_TITLE.search(label))
                headers.append(Span(doc, span.start, span.end, label=current))
                head_start = span.start_char
                body = doc.char_span(span.start_char + end, span.end_char, alignment_mode="contract")
                span = _strip_span(doc, body.start, body.end) if body is not None and len(body) else None
                inline_only = self.attributes.get(current, {}).get("inline_scope") == "line" or (
                    self.attributes.get(current, {}).get("line_scope_after_timed_head")
                    and _TIMED_HEAD_BEFORE.fullmatch(text_of, line_bounds(text_of, head_start)[0], head_start)
                    is not None)   # "Therapeutic activities - 15 min. Goals: lifting mechanics ...": that line only
                if span is None or not inline_only or "\n" in text_of[head_start:span.start_char]:
                    section = current
                    inline = None
                    title_section = titled
                    ends = self.attributes.get(current, {}).get("field_ends_at_paragraph", False)
                    field_opened = span is not None and "\n" not in text_of[head_start:span.start_char] and bool(ends) \
                        and (ends is True or not body_seen)   # "header_block": before the note's body
                else:
                    line_end = text_of.find("\n", span.end_char)
                    while line_end >= 0 and _wrapped_line(text_of, line_end + 1, self._wrap_min_chars):
                        # "S - L shoulder 5/10 after a day of teaching. Sleeping" / "better, only wakes ...": the field
                        # goes on over the lines its paragraph was hard-wrapped onto
                        line_end = text_of.find("\n", line_end + 1)
                    inline = (current, len(text_of) if line_end < 0 else line_end)
                    if self.attributes.get(current, {}).get("ends_plan_or_goals") and _line_start(text_of, head_start) \
                            and self.attributes.get(section, {}).get("assertion") in ("planned", "goal"):
                        # "Goal: return to volleyball." then "Subjective: no instability ...": a new part of the note
                        # began, so the lines after it are no longer the goals'
                        section = "none"
                if span is None:
                    continue
            if current == "plan" and self._performed_in_plan is not None \
                    and self._performed_in_plan.match(text_of, span.start_char, span.end_char):
                current = "treatment"   # "PLAN: Left Epley maneuver performed with symptomatic improvement": this one
            seg = Span(doc, span.start, span.end, label=current)
            if not (title_section and current == section and not inline):
                own_treatment = own_treatment or current in ("treatment", "flowsheet")
            seg._.pt_section = current
            seg._.pt_assertion = self.attributes.get(current, {}).get("assertion")
            segments.append(seg)
        # When the note has its own treatment section, sections such as Objective hold exam findings.
        if own_treatment:
            for seg in segments:
                alt = self.attributes.get(seg._.pt_section, {}).get("assertion_with_treatment_section")
                if alt and seg._.pt_assertion is None:
                    seg._.pt_assertion = alt
        doc.spans[SEGMENTS] = segments
        doc.spans[SECTIONS] = headers
        return doc


def _label(header: str) -> str:
    """A header's words, lower-case, without the colon or dash after them and a note in parentheses ("Daily Note:",
    "Daily note (PTA)" -> "daily note")."""
    words = re.sub(r"[\s:\-\u2013\u2014=*#>\u2022]+$", "", header.strip())
    return re.sub(r"\s+", " ", re.sub(r"\s*\([^()]*\)$", "", words)).lower()


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) holding ``text[start:end]``."""
    lo = max(text.rfind(ch, 0, start) for ch in ".!?;\n") + 1
    his = [i for i in (text.find(ch, end) for ch in ".!?;\n") if i >= 0]
    return text[lo:min(his) if his else len(text)]


_THEN_NEXT = re.compile(r"\s*(?:and\s+)?(?:then|followed\s+by|after\s+that|afterwards?|next)\b", re.IGNORECASE)
_TIME_TAIL = re.compile(r"[\s).]*(?:\([^()]*\)[\s.]*)?$")   # the time ends its item, maybe before an aside in parentheses
_WORD = re.compile(r"[A-Za-z]{2,}")
_TIME_LIST_CHUNK = re.compile(r"(?:[^\n;:]|:(?=\S))+?(?:[.!?](?=\s)|(?=[\n;]|:\s)|$)")   # a sentence on one line


def _timed_item_starts(text: str) -> set[int]:
    """Where the items of a sentence that lists activities each with its own time begin, after the comma that ends
    the item before ("Recliner transfers 15 min, bathing & dressing practice 12 min, walking 10 min"): each item is a
    clause of its own. A comma is a cut when the part before it ends with its time (or has one and the part after
    opens with "then": "Bike 6 min warm-up, then gait on the treadmill w/ cues 10 min") and the part after it (to
    the next comma or the sentence's end) has a time and a word of its own; commas inside parentheses and table rows
    do not count, nor the items after a heading with its own time and a colon."""
    out: set[int] = set()
    pos = 0
    chunks = []
    for whole in text.split("\n"):   # sentences end at line ends: only lines with a comma and two times can hold one
        if "," in whole and "|" not in whole and may_hold_minutes(whole, 2) and len(find_minutes(whole)) >= 2:
            chunks.extend((pos + c.start(), c.group(0), c.group(0) == whole) for c in _TIME_LIST_CHUNK.finditer(whole))
        pos += len(whole) + 1
    for chunk_start, line, whole_line in chunks:
        # (a sentence that is its whole line has had its times counted already)
        if "," not in line or not whole_line and (not may_hold_minutes(line, 2) or len(find_minutes(line)) < 2):
            continue
        head = text[text.rfind("\n", 0, chunk_start) + 1:chunk_start].rstrip()
        if head.endswith(":") and find_minutes(head):
            continue   # "Pool session 40 min: marching 8 min, side stepping 10 min": the items of a timed heading
        commas = _commas_outside_parentheses(line)
        bounds = [0] + [c + 1 for c in commas] + [len(line) + 1]
        timed = []
        for a, b in zip(bounds, bounds[1:]):
            part = line[a:b - 1]
            ms = find_minutes(part)
            timed.append((bool(ms), bool(ms) and _TIME_TAIL.match(part, ms[-1].end) is not None,
                          bool(_WORD.search(part[:ms[0].start] if ms else part))))
        for k, c in enumerate(commas):
            if (timed[k][1] or timed[k][0] and _THEN_NEXT.match(line, c + 1)) and timed[k][2] \
                    and timed[k + 1][0] and timed[k + 1][2]:
                rest = line[c + 1:]
                out.add(chunk_start + c + 1 + len(rest) - len(rest.lstrip()))
    return out


def _inside_table_cell(text: str, pos: int) -> bool:
    """``pos`` lies in a cell of a flowsheet row: a line with two or more pipes, one of them after ``pos``."""
    start, end = line_bounds(text, pos)
    return "|" in text[pos:end] and text.count("|", start, end) >= 2


def _sections_pattern(key: str) -> re.Pattern | None:
    """A regular expression of ``sections.json`` ("total_time_line_pattern"), compiled; None when the file has none."""
    from .._resources import packaged_json

    source = packaged_json("sections.json").get(key)
    return re.compile(source, re.IGNORECASE) if source else None


def _sections_list(key: str) -> list[str]:
    """A word list of ``sections.json`` ("plan_words", "session_time_labels")."""
    from .._resources import packaged_json

    return packaged_json("sections.json").get(key, [])


# the rest of a header line that is only a session's minutes: " 60 min", ": 45 minutes."
# A time or a dose on a line ("20 min", "15'", "3x10", "2 sets")
_DOSE_OR_TIME = re.compile(r"\b\d{1,3}\s*(?:min(?:ute)?s?\b|mins\b|'|x\s*\d)|\b\d+\s*(?:sets?|reps?)\b", re.IGNORECASE)
# A sentence that opens as a timed block ("Manual 10 min: ...", "TherEx today 20 min - ...")
_TIMED_SENTENCE = re.compile(r"[A-Za-z][A-Za-z/&.\- ]{1,30}?\s(?:x\s*)?\d{1,3}\s*(?:min(?:ute)?s?|mins|')\s*[:(\-\u2013]",
                             re.IGNORECASE)
# A line that names a block, gives its minutes and ends in a colon ("Testing - 35 min face-to-face (report sent):")
_TIMED_BLOCK_HEAD = re.compile(r"[^\n]{1,40}?\b\d{1,3}\s*(?:min(?:ute)?s?|mins|')(?![^\n]*\b(?:ago|daily|a day|per day|/day|at home)\b)"
                               r"[^\n:]{0,60}:\s*$", re.IGNORECASE)
# what ends the text before a header that starts a sentence (or a separator before it: "PT/OT daily - PT: ...")
_SENTENCE_END = re.compile(r"(?:[.!?;]|\s[-\u2013\u2014|])[\s\"')]*$")
_SEPARATORS = frozenset({"-", "\u2013", "\u2014", "|"})
# an item or sentence that opens with the physical therapist's discipline (capitals: "Pt" is the patient)
_PT_LEAD = re.compile(r"[ \t\-*\u2022]*(?:PTA?\b|[Pp]hysical [Tt]herap)")
# a service's name and its minutes opening a line, before a header on the same line ("Ther ex - 20 min. Goals: ...")
_TIMED_HEAD_BEFORE = re.compile(r"[ \t\-*\u2022>]*[A-Za-z][^\n:.]{0,40}?\b\d{1,3}\s*(?:min(?:ute)?s?|mins|')\.?[ \t]*",
                                re.IGNORECASE)
# a line opening with a block's name and minutes before a colon ("Exercise instruction today (12 min): ...")
_TIMED_HEAD_COLON = re.compile(r"[^\n:]{1,40}?\b\d{1,3}\s*(?:min(?:ute)?s?|mins|')\)?[ \t]*:", re.IGNORECASE)
_NOTE_TITLE = re.compile(r"\bnotes?$")   # "Progress/Daily Note": a document's name
_DATE_AFTER = re.compile(r"\s+(?:(?:dos|date(?:\s+of\s+service)?)\s*:?\s*)?\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?$")   # "... DOS 03/26/2025"
_ONLY_TIME = re.compile(r"[\s:\-=]*(?:~|about|approx\.?)?\s*\d{1,3}\s*(?:min(?:ute)?s?\b|mins\b|'|\u2032|\u2019)?\.?[ \t]*(?:\n|$)",
                        re.IGNORECASE)
_SESSION_MINUTES = re.compile(r"[\s:\-]*\d{1,3}\s*(?:min(?:ute)?s?|mins)\.?[ \t]*(?:\n|$)", re.IGNORECASE)


# a decorated banner line ("*** ... ***", "=== ... ===", "--- ..."); the segment may have lost its leading decoration
_SENTENCE_OPENS = re.compile(r"(?:^|[.;:!?\n\-\u2013\u2014])[ \t*\u2022]*$")   # what may come right before a sentence's first word
# a banner line: text between rules of stars, dashes ... ("*** carried forward from 3/11 ***") or a whole line in
# square brackets ("[Copied forward from weekly summary 3/7 - unchanged]", "[End copied section]")
_BANNER = re.compile(r"^\s*(?:(?:[*=#~]{2,}|-{3,})\s*(?P<body>[^\n]*?)\s*(?:[*=#~]{2,}|-{3,})?|(?P<body2>[^\n]*?)\s*(?:[*=#~]{2,}|-{3,})"
                     r"|\[\s*(?P<body3>[^\[\]\n]*?)\s*\])\s*$")


def _banner_body(line: str) -> str | None:
    """The words of a banner line (``_BANNER``), or None when the line is no banner."""
    banner = _BANNER.match(line)
    return banner and next((b for b in banner.group("body", "body2", "body3") if b is not None), None)


_JSON_KEY = re.compile(r'^\s*"([A-Za-z][A-Za-z_ ]{1,40})"\s*:\s*')
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _timed_block_head(text: str, pos: int) -> bool:
    """The line starting at ``pos`` (nothing but spaces before it) names a block, its minutes and ends in a colon."""
    if not _line_start(text, pos):
        return False
    end = text.find("\n", pos)
    return _TIMED_BLOCK_HEAD.fullmatch(text, pos, len(text) if end < 0 else end) is not None


_PAREN_LEAD_IN = re.compile(r"\)[ \t]*:")   # a header's note in parentheses right before its colon
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")   # a paragraph's end
_BODY_SECTIONS = frozenset({"subjective", "objective", "assessment", "treatment", "flowsheet"})
# a list item continuing a list: "2. ...", "b) ...", "- ...", "LTG ..." (not a capital letter's SOAP header: "S) Leg sx ...")
_LIST_ITEM_LINE = re.compile(r"[ \t]*(?:\d{1,2}[.)]|[a-h][.)][ \t]|[-*\u2022>]|(?i:stg|ltg)s?\b)")


def _line_start(text: str, pos: int) -> bool:
    """``pos`` is the first non-space character of its line."""
    return not text[text.rfind("\n", 0, pos) + 1:pos].strip()


def _char_before(text: str, pos: int) -> str:
    """The last non-space character before ``pos`` ('' at the start)."""
    i = pos - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return text[i] if i >= 0 else ""


def _strip_span(doc: Doc, start: int, end: int) -> Span | None:
    while start < end and (doc[start].is_space or doc[start].text in {"-", "*", "\u2022", "|"}):
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return Span(doc, start, end) if end > start else None


@Language.factory("suggester_sections", requires=["token.is_sent_start"],
                  assigns=["doc.spans", "span._.pt_section"],
                  default_config={"rules": "default", "attributes": "default", "extra": {}})
def make_sections(nlp: Language, name: str, rules: str, attributes: str, extra: dict) -> SectionDetector:
    register_extensions()
    return SectionDetector(nlp, name, rules, attributes, extra)


# ---------------------------------------------------------------------------------------------
# ConText assertions
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    rules: tuple[ContextRule, ...]


def _commas_outside_parentheses(text: str) -> list[int]:
    """Offsets of the commas of ``text`` that are not inside parentheses: "Balance (tandem, SLS) deferred" is one
    item whose backward scope runs to its start."""
    if "(" not in text:
        return [m.start() for m in _COMMA.finditer(text)]
    out, depth = [], 0
    for m in _PAREN_OR_COMMA.finditer(text):
        ch = m.group()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(m.start())
    return out


_COMMA, _PAREN_OR_COMMA, _PAREN = re.compile(","), re.compile(r"[(),]"), re.compile(r"[()]")


def _back_scope_start(text: str, words: list[int], cue_start: int, max_scope: int) -> int:
    """Where a backward scope of ``max_scope`` tokens (the cue's first one included) starts. A parenthetical aside
    closed before the cue counts as one token: "LE strengthening (seated marches, LAQ, ankle pumps w/ 2# wts)
    planned for today" puts the strengthening in the cue's scope, however long the list in parentheses."""
    n = bisect_right(words, cue_start)
    if n - max_scope <= 0:
        return 0
    closed, opened = [], []
    if "(" in text[:cue_start]:
        for m in _PAREN.finditer(text, 0, cue_start):
            if m.group() == "(":
                opened.append(m.start())
            elif opened:
                closed.append((opened.pop(), m.start()))
    inner = set()   # the words of each closed aside after its first
    for a, b in closed:
        inner.update([k for k in range(n) if a < words[k] < b][1:])
    counted = [k for k in range(n) if k not in inner]
    k = len(counted) - max_scope
    return words[counted[k]] if k > 0 else 0


# a number of minutes in digits or words ("15", "fifteen", "twenty-two")
_END_NUMBER = r"(?:\d{1,3}|" + MINUTE_NUMBER_WORDS + r"(?=\s+min))"
# a time set apart by a comma at the end of the text, with nothing after it: the whole sentence's time
_COMMA_TIME_AT_END = re.compile(r",\s*(?:~|about|approx\.?)?\s*" + _END_NUMBER + r"\s*(?:min(?:ute)?s?|mins|')\.?\s*$",
                                re.IGNORECASE)
_DASH_TIME_AT_END = re.compile(r"\s(?:-{1,2}|\u2013|\u2014)\s*(?:~|about|approx\.?)?\s*" + _END_NUMBER
                               + r"\s*(?:min(?:ute)?s?|mins|')\.?\s*$", re.IGNORECASE)
# a time in parentheses after a sentence's last word, at the end of the text: the whole line's time, outside the last
# sentence's scopes
_PAREN_TIME_AT_END = re.compile(r"(?<=[.;!?])\s*\(\s*(?:~|about|approx\.?)?\s*(?:\d{1,2}:?\d{2}\s*(?:-|\u2013|to)\s*"
                                r"\d{1,2}:?\d{2}|\d{1,3}\s*(?:min(?:ute)?s?|mins|'))\s*\)\s*$", re.IGNORECASE)
_LEAD_IN_CHARS = 30   # how far after a forward cue a colon makes it a lead-in to the list after the colon


class ContextAsserter:
    """ConText-style assertion: split each segment into clauses that are performed or not.

    A clause inside a cue's scope gets the cue's status (``declined``, ``planned``,
    ``historical``, ``home_program`` ...). Scopes run forward or backward from the
    cue, stop at terminators and at ``max_scope`` tokens; PSEUDO cues block the
    cues they overlap. A segment in a section whose meaning is "not performed"
    (plan, goals, history, HEP, subjective) takes that status whole.
    """

    def __init__(self, nlp: Language, name: str, rules: str = "default", nonvisit: str = "default") -> None:
        self.name = name
        self._rules: list[ContextRule] = load_context_rules(rules)
        self._nonvisit = load_nonvisit_rules(nonvisit)
        self._third_party = load_nonvisit_third_parties(nonvisit)
        self._compile()

    def _compile(self) -> None:
        self._by_literal: dict[str, list[ContextRule]] = {}
        for r in self._rules:
            self._by_literal.setdefault(r.literal, []).append(r)
        self._cue_matcher = LiteralMatcher([lit for lit, rs in self._by_literal.items() if not rs[0].pattern])
        self._cue_patterns = [(re.compile(rs[0].pattern, re.IGNORECASE), lit) for lit, rs in self._by_literal.items()
                              if rs[0].pattern]
        # which of them can match: most segments hold the words of none, and one scan says so (rules.Screen)
        self._cue_screen = Screen([rx for rx, _ in self._cue_patterns])
        self._nonvisit_matcher = LiteralMatcher(self._nonvisit)
        # segment text -> its pieces (template lines repeat across notes); new rules read every text afresh
        self._asserted = TextMemo(self._asserted.limit if hasattr(self, "_asserted") else _ASSERTED_MAX)

    # container manners
    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> list[ContextRule]:
        return list(self._rules)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({r.category for r in self._rules}))

    def add(self, rules: list[ContextRule]) -> None:
        self._rules.extend(rules)
        self._compile()

    def _cues(self, text: str, tokens=None) -> list[_Cue]:
        cues = [_Cue(a, b, tuple(self._by_literal[lit])) for a, b, lit in self._cue_matcher.finditer(text, tokens)]
        maybe = self._cue_screen.candidates(text)
        if not maybe:
            return cues
        pseudo = []
        for regex, lit in (self._cue_patterns[i] for i in maybe):
            found = [_Cue(m.start(), m.end(), tuple(self._by_literal[lit])) for m in regex.finditer(text)]
            (pseudo if self._by_literal[lit][0].category == "PSEUDO" else cues).extend(found)
        if pseudo:  # a PSEUDO pattern blocks the cues inside it, as a longer PSEUDO literal does ("held 30 s")
            cues = [c for c in cues if not any(p.start <= c.start and c.end <= p.end for p in pseudo)] + pseudo
        return sorted(cues, key=lambda c: c.start)

    def assert_text(self, text: str) -> list[tuple[int, int, str | None, str | None]]:
        """Split ``text`` into ``(start, end, status, cue)`` pieces; status None = performed."""
        return list(self._asserted.get(text, self._assert_text))

    def _assert_text(self, text: str) -> list[tuple[int, int, str | None, str | None]]:
        tokens = tokenize_offsets(text.lower())
        cues = self._cues(text, tokens)
        if not cues:
            return [(0, len(text), None, None)]
        words = [a for _, a, _ in tokens]
        word_ends = [b for _, _, b in tokens]
        terms = [c for c in cues if c.rules[0].category == "TERMINATE"]
        commas = _commas_outside_parentheses(text)
        # a time set apart at the end, after a dash or in parentheses after the last sentence, is outside forward scopes
        end_time = _DASH_TIME_AT_END.search(text) if "-" in text or "\u2013" in text or "\u2014" in text else None
        if end_time is None and text.rstrip().endswith(")"):
            end_time = _PAREN_TIME_AT_END.search(text)   # "Night-light placement discussed. (10:30-10:45)"
        if end_time is None and "," in text:
            end_time = _COMMA_TIME_AT_END.search(text)   # "... worked on turning and not shuffling, about 15 min."
        status = [None] * len(text)
        cue_of = [None] * len(text)

        def paint(a: int, b: int, st: str, lit: str) -> None:
            for k in range(a, b):
                if status[k] is None or _PRIORITY.get(st, 0) > _PRIORITY.get(status[k], 0):
                    status[k] = st
                    cue_of[k] = lit

        for cue in cues:
            for rule in cue.rules:
                if rule.category in {"TERMINATE", "PSEUDO"}:
                    continue
                if rule.direction in {"FORWARD", "BIDIRECTIONAL"}:
                    end = len(text)
                    for t in terms:
                        if t.start >= cue.end:
                            end = min(end, t.start)
                            break
                    if end_time is not None and end_time.start() >= cue.end:
                        end = min(end, end_time.start())   # "... while OT worked on grooming -- 15 min": not in scope
                    # a lead-in ending in a colon ("Interventions planned for today (per POC): A, B, C"): the list after
                    # it is in scope up to the next terminator, however long
                    colon = text.find(":", cue.end, cue.end + _LEAD_IN_CHARS)
                    lead_in = 0 <= colon < end and "\n" not in text[cue.end:colon]
                    if rule.max_scope and not lead_in:
                        k = bisect_left(words, cue.end) + rule.max_scope - 1
                        if k < len(word_ends):
                            end = min(end, word_ends[k])
                    opened = text.rfind("(", 0, cue.start)
                    if opened >= 0 and text.rfind(")", opened, cue.start) < 0:
                        closed = text.find(")", cue.end)  # a cue inside parentheses: "(no stim)" scopes to ")"
                        if closed >= 0 and not (lead_in and _PAREN_LEAD_IN.match(text, closed)
                                                and not text[opened + 1:cue.start].strip()
                                                and len(text[cue.end:closed].split()) <= 2):
                            end = min(end, closed)   # (but "Scheduled interventions (not performed): A; B" covers A, B)
                    paint(cue.start, end, rule.status, rule.literal)
                if rule.direction in {"BACKWARD", "BIDIRECTIONAL"}:
                    start = 0
                    for t in terms:
                        if t.end <= cue.start:
                            start = max(start, t.end)
                    i = bisect_left(commas, cue.start) - 1
                    if i >= 0 and not rule.past_commas:
                        start = max(start, commas[i] + 1)
                    if rule.max_scope and not DASH_BEFORE.search(text, max(0, cue.start - 8), cue.start):
                        # (a status set apart by a dash, "US 1 MHz 1.5 W/cm2 L hip 8 min -- DC'd", is the whole item's)
                        start = max(start, _back_scope_start(text, words, cue.start, rule.max_scope))
                    paint(start, cue.end, rule.status, rule.literal)
        pieces: list[tuple[int, int, str | None, str | None]] = []
        i = 0
        while i < len(text):
            j = i
            while j < len(text) and status[j] == status[i]:
                j += 1
            pieces.append((i, j, status[i], cue_of[i]))
            i = j
        return pieces

    def _non_visit(self, text: str, clauses: list, statuses: list) -> tuple[str, list[int]] | None:
        """The first non-visit cue ("no-show", "cancelled", "no tx provided today") in a performed or reported clause,
        or one whose own first word negates its clause ("No treatment rendered today": the negation is the cue's); a
        cue may run across a clause boundary ("pt did | NOT attend")."""
        starts = [c.start_char for c in clauses]
        for a, b, lit in self._nonvisit_matcher.finditer(text):
            status = self._nonvisit[lit]
            if status is None:
                continue  # a blocker such as "VOR cancellation"
            k = bisect_right(starts, a) - 1
            if k < 0 or a >= clauses[k].end_char:
                continue  # not in a clause (a header)
            if statuses[k] not in (None, "reported") and not (
                    statuses[k] == "negated" and not text[clauses[k].start_char:a].strip()
                    and _SENTENCE_OPENS.search(text, 0, a)):   # not "... vitals (not billed)"
                continue
            if status == "phone" and self._third_party is not None and self._third_party.search(_sentence_around(text, a, b)):
                continue  # "Called adjuster afterward (12 min phone call)": coordination beside the visit
            return status, [a, b]
        return None

    def __call__(self, doc: Doc) -> Doc:
        clauses, modifiers, statuses = [], [], []
        text_of = doc_text(doc)
        carry = None  # (status, cue, section) of a lead-in line ending in a colon: "Treatment has consisted of:"
        semi = None   # (status, cue, section, end) of a lead-in's list item ending in ";" on the same line
        for seg_index, seg in enumerate(doc.spans[SEGMENTS] if SEGMENTS in doc.spans else []):
            base = seg.start_char
            text = text_of[seg.start_char:seg.end_char]
            seg_ext = seg._
            section_status, section = seg_ext.pt_assertion, seg_ext.pt_section
            pieces = self.assert_text(text)
            continued = None
            if semi and "\n" not in text_of[semi[3]:base] and all(st is None for _, _, st, _ in pieces):
                # "Scheduled interventions (not performed): 97116 gait training; 97112 balance training": the list
                # after a lead-in goes on past its semicolons on the same line
                pieces = [(0, len(text), semi[0], semi[1])]
                continued = semi
            semi = (*continued[:3], seg.end_char) if continued and text.rstrip().endswith(";") else None
            if carry and (carry[2] != section or not _LIST_ITEM.match(text)
                          or "\n" not in text_of[max(0, base - 3):base + 1]):
                carry = None
            if carry:  # a numbered or bulleted item under the lead-in takes its reason, unless its own is stronger
                floor = _PRIORITY[carry[0]]
                pieces = [(a, b, st, cue) if st is not None and _PRIORITY.get(st, 0) >= floor else (a, b, *carry[:2])
                          for a, b, st, cue in pieces]
            else:
                last = pieces[-1]
                lead_in = text.rstrip().endswith(":") and last[2] is not None and last[3]
                carry = (last[2], last[3], section) if lead_in and _PRIORITY.get(last[2], 0) >= _CARRY_FROM else None
                colon = text.find(":")
                item = next((p for p in reversed(pieces) if text[p[0]:p[1]].strip(" \t;")), last)
                if not continued and item[2] is not None and item[3] and text.rstrip().endswith(";") \
                        and item[0] <= colon < item[1] and _PRIORITY.get(item[2], 0) >= _CARRY_FROM:
                    semi = (item[2], item[3], section, seg.end_char)
            for a, b, st, cue in pieces:
                piece = text[a:b]
                lead = len(piece) - len(piece.lstrip(_STRIP))
                trail = len(piece.rstrip(_STRIP))
                if trail <= lead:
                    continue
                clause = doc.char_span(base + a + lead, base + a + trail, label=st or section_status or "performed",
                                       alignment_mode="expand")
                if clause is None or not len(clause):
                    continue
                assertion = section_status if section_status and (st is None or _PRIORITY.get(section_status, 0) >= _PRIORITY.get(st, 0)) else st
                ext = clause._
                ext.pt_section, ext.pt_assertion, ext.pt_cue, ext.pt_segment = section, assertion, cue, seg_index
                clauses.append(clause)
                statuses.append(assertion)
                if st is not None and cue:
                    modifiers.append(Span(doc, clause.start, clause.end, label=st))
        non_visit = self._non_visit(text_of, clauses, statuses)
        # statuses a clause passes to its neighbour ("Hot Pack (97010):" / "- pt declined"; "...; not billed")
        given = list(statuses)
        bounds = [(c.start_char, c.end_char) for c in clauses]
        apply_line_statuses(text_of, bounds, [text_of[a:b] for a, b in bounds], statuses)
        for clause, status, before in zip(clauses, statuses, given):
            if status != before:
                clause._.pt_assertion = status
        doc.spans[CLAUSES] = clauses
        doc.spans[MODIFIERS] = modifiers
        doc._.pt_non_visit = non_visit[0] if non_visit else None
        doc._.pt_non_visit_cue = non_visit[1] if non_visit else None
        return doc


@Language.factory("suggester_context", requires=["doc.spans", "span._.pt_section"],
                  assigns=["doc.spans", "span._.pt_assertion", "doc._.pt_non_visit"],
                  default_config={"rules": "default", "nonvisit": "default"})
def make_context(nlp: Language, name: str, rules: str, nonvisit: str) -> ContextAsserter:
    register_extensions()
    return ContextAsserter(nlp, name, rules, nonvisit)
