"""Stage 4 of claim extraction: the fields of a claim from its trigger and sentence.

Lender, modality, polarity (with negation scope over the clause), days overdue, amount,
severity and the condition clause. Each function takes the sentence (offsets into the article)
and the trigger; numbers are bound to their role by cleaning.claims.numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cleaning.claims.framing import Trigger, clause_of, marker_clauses
from cleaning.claims.lexicon import gazetteer, modality_lexicon
from cleaning.claims.numbers import amount_in, days_in
from cleaning.claims.roles import CONDITION, SentenceRoles, clause_role, collector_is_subject
from cleaning.claims.segment import Token, segment
from cleaning.claims.sentences import Sentence, Span

SEVERE = re.compile(r"严重逾期|长期逾期|恶意逾期|严重的逾期|长期不还|长期拖欠")
DENIED_PROHIBITION = re.compile(r"(?:不|并不|并非|不算|不属于|不构成)(?:违法|违规|犯法|犯罪)")
# A law said not to exist: "国家没有出台《催收管理条例》", "《催收法》并不存在".
DENIED_LAW_BEFORE = re.compile(
    r"(?:没有|并没有|并无|尚无|尚未|还没有|从未|不存在|没|无)(?:出台|颁布|制定|发布|所谓的?)?[^，,。]{0,8}$"
)
DENIED_LAW_AFTER = re.compile(
    # also after a comma and an adverb of fact (…《催收管理条例》,其实并不存在; claims-2.6)
    r"^(?:[,，](?:其实|实际上|事实上|但)?)?[^，,。]{0,6}(?:并不存在|不存在|根本不存在|是不存在的|是假的|是虚构的)"
)
NEGATION_HINTS = ("不", "没", "未", "无", "别", "非")
# A quoted saying denied as a saying: 网上流传的“逾期记录终身保留”的说法并不准确.
DENIED_SAYING = re.compile(
    r"^[^”]*”(?:的|[,，](?:这种|这样的|这类|此类)?)?(?:说法|言论|传言|谣言)[^，,。]{0,4}"
    r"(?:并?不准确|并?不可信|不对|不正确|不实|是错误的|是谣言|是假的|站不住|没有依据|毫无依据)"
)
# A claim (often reported) denied in a later clause: 有人说,…会永久保留,这不是真的.
# claims-2.4: also 这是不对的, 那是骗局, 这是误区 (是 before, 的 after the denying word).
DENIED_AFTER = re.compile(
    r"[,，](?:但)?(?:这|那|这种说法|此说法|这个说法|那种说法)(?:并|其实|根本|完全)?(?:是)?"
    r"(?:不是真的|假的|谣言|谣传|错误的|错的|不对的?|不准确|不可信|没有依据|骗局|误区|误解"
    # … or outdated (那是十几年前的老标准, 这早就过时了)
    r"|[^，,。]{0,10}的?(?:老|旧)(?:标准|规定|说法|黄历)|(?:早就|早已|已经)?过时了?)[。！!]?$"
)
# A sentence labelled as a myth (误区一:…, 谣言:…) denies what the label introduces.
DENIED_LABEL = re.compile(r"^(?:常见)?(?:误区|谣言|谣传|误解)[一二三四五六七八九十0-9]*[:：]")
# The trigger said to have nothing to do with the case (跟坐牢没关系, 与刑事责任无关).
DENIED_RELATION = re.compile(r"^(?:没有?(?:任何)?关系|无关|扯不上关系|不沾边)")
# The same saying without quotes, in the trigger's own clause: 逾期三天就上门的说法并不可信.
DENIED_BARE_SAYING = re.compile(
    r"^[^，,。“”]{0,12}的(?:说法|言论|传言|谣言)[^，,。]{0,4}"
    r"(?:并?不准确|并?不可信|不对|不正确|不实|是错误的|是谣言|是假的|站不住|没有依据|毫无依据)"
)
SENTENCE_WIDE = ("conditional", "habitual")
REPORTED = "reported"


@dataclass(frozen=True)
class LenderMention:
    start: int
    end: int
    raw: str
    operator: str


def lender_mentions(text: str, span: Span) -> list[LenderMention]:
    """Gazetteer hits in a span (a paragraph); blocked names (中国银行业协会) are skipped."""
    found = gazetteer()
    mentions: list[LenderMention] = []
    for match in found.pattern.finditer(span.text):
        operator = found.operator_by_alias[match.group()]
        if operator is not None:
            start = span.start + match.start()
            mentions.append(
                LenderMention(start, start + len(match.group()), match.group(), operator)
            )
    return mentions


def choose_lender(
    mentions: list[LenderMention],
    sentence: Sentence,
    trigger: Trigger,
    title_lender: LenderMention | None = None,
) -> LenderMention | None:
    """In the sentence: the last mention before the trigger, else the first after it.
    Without one: the nearest mention before the sentence in the same paragraph. Without one
    either: the title's lender when the sentence refers to the lender only as 平台, 官方 ..."""
    inside = [m for m in mentions if sentence.start <= m.start < sentence.end]
    before = [m for m in inside if m.start < trigger.start]
    if before:
        return before[-1]
    if inside:
        return inside[0]
    earlier = [m for m in mentions if m.end <= sentence.start]
    if earlier:
        return earlier[-1]
    if title_lender is not None and gazetteer().generic_reference.search(sentence.text):
        return title_lender
    return None


@lru_cache(maxsize=4096)
def _modality_hits(clause: Span) -> tuple[tuple[int, int, str], ...]:
    """(start, end, modality) of modality words in a clause; longest match wins an overlap;
    words inside discourse phrases (需要说明的是) do not count."""
    words = modality_lexicon()
    discourse = [m.span() for m in words.discourse.finditer(clause.text)]
    hits = [
        (clause.start + m.start(), clause.start + m.end(), name)
        for name, pattern in words.patterns
        for m in pattern.finditer(clause.text)
        if not any(start <= m.start() < end for start, end in discourse)
    ]
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[tuple[int, int, str]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
        elif hit[1] - hit[0] > kept[-1][1] - kept[-1][0]:
            kept[-1] = hit
    return tuple(kept)


def _counts(sentence: Sentence, text: str, hit: tuple[int, int, str]) -> bool:
    """Subject-dependent prohibition words (不能 ...) count only with a collector subject."""
    word = text[hit[0] : hit[1]]
    if hit[2] == "prohibition" and word in modality_lexicon().subject_dependent:
        return collector_is_subject(sentence, hit[0], word)
    return True


def _clause_modalities(
    text: str, sentence: Sentence, clause: Span, trigger: Trigger | None = None
) -> set[str]:
    """The modalities of a clause's words; a word the trigger opens with is part of what is
    claimed (不能坐飞机 is the sanction), not its modality."""
    return {
        hit[2]
        for hit in _modality_hits(clause)
        if _counts(sentence, text, hit)
        and not (trigger is not None and hit[0] == trigger.start and hit[1] <= trigger.end)
    }


def _found_modalities(text: str, sentence: Sentence, trigger: Trigger) -> set[str]:
    """Words of the trigger's clause (TIMING: and the later clauses of its event), plus those
    an earlier clause lends when the own clause has none; conditions and habits always."""
    own = clause_of(sentence, trigger.start)
    earlier = [c for c in sentence.clauses if c.start < own.start]
    later = [c for c in sentence.clauses if c.start > own.start] if trigger.type == "TIMING" else []
    found = _clause_modalities(text, sentence, own, trigger)
    for clause in later:
        if not (found - set(SENTENCE_WIDE)):
            found |= _clause_modalities(text, sentence, clause)
    lent: set[str] = set()
    for clause in reversed(earlier):
        words = _clause_modalities(text, sentence, clause)
        found |= words & set(SENTENCE_WIDE)
        if not lent and not (found - set(SENTENCE_WIDE)):
            lent = words - set(SENTENCE_WIDE)
    return found | (lent if not (found - set(SENTENCE_WIDE)) else set())


def modality_of(
    text: str, sentence: Sentence, trigger: Trigger, roles: SentenceRoles
) -> str | None:
    """`reported` after hearsay; else the first modality in priority order among the words
    that reach the trigger. PROHIBITION claims are prohibitions unless hedged."""
    if trigger.type not in ("CITATION", "ADVICE") and roles.is_reported(trigger.start):
        return REPORTED
    if trigger.type == "PROHIBITION":
        return _prohibition_modality(text, sentence, trigger)
    found = _found_modalities(text, sentence, trigger)
    if trigger.type == "ADVICE":
        found.discard("prohibition")  # advice speaks to the borrower; prohibitions bind collectors
    return next((name for name in modality_lexicon().priority if name in found), None)


LEGAL_CONDITION = re.compile(r"的[,，]$")


def _prohibition_modality(text: str, sentence: Sentence, trigger: Trigger) -> str:
    """`prohibition`, unless the clause of the nearest marker hedges it (一般不得, 可能涉嫌)."""
    own = clause_of(sentence, trigger.start)
    clauses = marker_clauses(sentence) or [own]
    nearest = min(clauses, key=lambda c: (c.start != own.start, abs(c.start - own.start)))
    # the act defined in a legal 「…的,」 clause is ruled by the clause after it (…滋扰等方式催收
    # 合法债务的,可能构成寻衅滋事罪; claims-2.5)
    after = [c for c in clauses if c.start == own.end]
    if LEGAL_CONDITION.search(own.text) and after:
        nearest = after[0]
    hedges = _clause_modalities(text, sentence, nearest) & {"possible", "habitual"}
    return next((m for m in modality_lexicon().priority if m in hedges), "prohibition")


def _is_a_not_a(clause: Span, token: Token) -> bool:
    """The 不 of 会不会 / 有没有 asks; it does not negate."""
    at, after = token.start - clause.start, token.end - clause.start
    return at > 0 and after < len(clause.text) and clause.text[at - 1] == clause.text[after]


def _past_reason(gap: tuple[Token, ...]) -> tuple[Token, ...]:
    """不会因为欠几千块钱就判你坐牢: after a reason phrase the negation resumes past its 就/才."""
    words = modality_lexicon()
    lead = 0
    while lead < len(gap) and gap[lead].text in words.transparent:
        lead += 1  # 不会因为…: the 会 lets the negation through to the reason
    if lead == len(gap) or gap[lead].text not in words.reason_openers:
        return gap
    closers = [i for i, token in enumerate(gap) if token.text in ("就", "才", "而", "便")]
    return gap[closers[0] + 1 :] if closers else gap


AFFECTING = ("影响", "波及", "连累")


def _affects_possessed(rest: tuple[Token, ...]) -> bool:
    """The rest of the gap is 影响 and a possessor of the trigger (影响配偶和父母的)."""
    return len(rest) <= 7 and rest[0].text in AFFECTING and rest[-1].text == "的"


def _gap_polarity(gap: tuple[Token, ...]) -> str:
    """How a negation reaches over the words between it and the trigger: through transparent
    words (negative), narrowed by a limiter (partial), stopped by a closer or a content word."""
    words = modality_lexicon()
    if gap and gap[0].text in ("还", "还款", "还钱"):
        return "positive"  # 不还 / 没还款: the negation is of repaying
    gap = _past_reason(gap)
    limited = False
    for at, token in enumerate(gap):
        if _affects_possessed(gap[at:]):
            break  # 不会影响配偶和父母的征信: what is not affected is the trigger (claims-2.5)
        if token.text in words.scope_closers:
            return "partial" if limited else "positive"
        if token.text in words.scope_limiters:
            limited = True
        elif token.text not in words.transparent:
            return "positive"
    return "partial" if limited else "negative"


def _citation_polarity(sentence: Sentence, trigger: Trigger) -> str:
    before = sentence.text[: trigger.start - sentence.start]
    after = sentence.text[trigger.end - sentence.start :]
    denied = DENIED_LAW_BEFORE.search(before) or DENIED_LAW_AFTER.search(after)
    return "negative" if denied else "positive"


def _negator_before(clause: Span, trigger: Trigger) -> bool:
    """Whether the clause holds a negation character before the trigger: every negator word
    holds one (a test pins it), so without one no token before the trigger is a negator and
    the clause need not be segmented."""
    before = clause.text[: trigger.start - clause.start]
    return any(hint in before for hint in NEGATION_HINTS)


def polarity_of(sentence: Sentence, trigger: Trigger) -> str:
    """negative when a negator reaches the trigger; partial when an adverb in between takes the
    negation (不会直接判刑); positive otherwise."""
    clause = clause_of(sentence, trigger.start)
    if trigger.type == "PROHIBITION":
        return "negative" if DENIED_PROHIBITION.search(clause.text) else "positive"
    if trigger.type == "CITATION":
        return _citation_polarity(sentence, trigger)
    after = sentence.text[trigger.end - sentence.start :]
    if DENIED_SAYING.search(after) or DENIED_BARE_SAYING.search(after):
        return "negative"
    if DENIED_AFTER.search(after) or DENIED_RELATION.search(after):
        return "negative"
    if DENIED_LABEL.search(sentence.text):
        return "negative"
    if not _negator_before(clause, trigger):
        return "positive"  # no negator word before the trigger: no token can be one
    tokens = segment(clause.text, clause.start)
    before = [t for t in tokens if t.end <= trigger.start]
    negators = [
        i
        for i, t in enumerate(before)
        if t.text in modality_lexicon().negators and not _is_a_not_a(clause, t)
    ]
    if not negators:
        return "positive"
    polarity = _gap_polarity(tuple(before[negators[-1] + 1 :]))
    partial = before[negators[-1]].text in modality_lexicon().partial_negators
    return "partial" if partial and polarity == "negative" else polarity


def conditions_of(sentence: Sentence, trigger: Trigger) -> dict[str, Any]:
    """Days overdue, amount, severity and the conditional clause that frames the claim."""
    days, days_max = days_in(sentence.text)
    conditions: dict[str, Any] = {}
    if days is not None:
        conditions["days_overdue"] = days
    if days_max is not None:
        conditions["days_max"] = days_max
    amount = amount_in(sentence.text)
    if amount is not None:
        conditions["amount"] = amount
    if SEVERE.search(sentence.text):
        conditions["severe"] = True
    clause = conditional_clause(sentence, trigger)
    if clause is not None:
        conditions["if"] = clause
    return conditions


def conditional_clause(sentence: Sentence, trigger: Trigger) -> str | None:
    """The first clause up to the trigger's that frames it as a condition."""
    return conditional_up_to(sentence, clause_of(sentence, trigger.start))


@lru_cache(maxsize=4096)
def conditional_up_to(sentence: Sentence, own: Span) -> str | None:
    for clause in sentence.clauses:
        if clause.start > own.start:
            break
        conditional = any(hit[2] == "conditional" for hit in _modality_hits(clause))
        if conditional or (clause.start < own.start and clause_role(clause.text) == CONDITION):
            return clause.text
    return None
