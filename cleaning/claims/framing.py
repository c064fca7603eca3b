"""Stage 3b of claim extraction: which triggers of a sentence make claims, clause by clause.

`Trigger` and the decisions that depend on the clause a trigger sits in: whether a prohibition
marker rules a behaviour word, whether a practice word is only the condition or the object of
advice ("如果接到催收电话,可以投诉"), whether a word is mentioned rather than used (以“上门抓人”
相威胁), whether advice comes from the lender or from someone else's report. Words are data in
`lexicons/roles.yaml` and `lexicons/modality.yaml`; `cleaning.claims.triggers` finds the
triggers and calls `by_role`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from cleaning.claims.lexicon import (
    alternation,
    gazetteer,
    modality_lexicon,
    role_lexicon,
    trigger_lexicon,
)
from cleaning.claims.roles import (
    CONDITION,
    QUESTION,
    SentenceRoles,
    addresses_reader,
    collector_is_subject,
    is_advice_clause,
    main_clause_is_advice,
    opens_with_borrower,
)
from cleaning.claims.sentences import Sentence, Span
from cleaning.claims.topics import topic_of_denial

# Types whose triggers are dropped when they sit in a clause with a prohibited behaviour:
# "严禁冒充公检法威胁借款人会坐牢" prohibits a threat, it does not claim prison.
SUBSUMED_BY_PROHIBITION = ("CHANNEL", "CONSEQUENCE")


# Types that state practice: in the condition of advice or of a prohibition they claim nothing.
PRACTICE_TYPES = ("CHANNEL", "CONSEQUENCE", "TIMING")


# Types whose triggers in a question clause claim nothing.
ASKABLE_TYPES = ("CHANNEL", "CONSEQUENCE", "TIMING", "PROHIBITION")


class Trigger(NamedTuple):
    """A trigger word found in a sentence (a named tuple, like cleaning.claims.sentences.Span)."""

    type: str
    subtype: str
    term: str
    start: int
    end: int
    # filled for CITATION: the law as cited, without brackets, with 第N条 when given
    cited_law: str | None = None


def clause_of(sentence: Sentence, position: int) -> Span:
    for clause in sentence.clauses:
        if clause.start <= position < clause.end:
            return clause
    return Span(sentence.start, sentence.end, sentence.text)


@cache
def _marker_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(markers that always count, markers that need a collector subject)."""
    lexicon = trigger_lexicon("prohibition")
    subject = [str(m) for m in lexicon.extra.get("subject_markers", [])]
    plain = [str(m) for m in lexicon.extra.get("markers", []) if m not in subject]
    # words that hold a marker without being one (不准确 holds 不准)
    blocked = "|".join(re.escape(str(w)) for w in lexicon.extra.get("not_markers", []))
    plain_pattern = alternation(plain)
    if blocked:
        plain_pattern = re.compile(f"(?!{blocked})(?:{plain_pattern.pattern})")
    return plain_pattern, alternation(subject)


def has_prohibition_marker(sentence: Sentence) -> bool:
    plain, subject = _marker_patterns()
    if plain.search(sentence.text):
        return True
    return any(
        collector_is_subject(sentence, match.start() + sentence.start, match.group())
        for match in subject.finditer(sentence.text)
    )


# A marker clause that sums up the clauses before it (…,骚扰家人,都属于违法行为; …,侵犯了隐私权):
# it opens with its predicate, after fillers such as 都, 这些, 已经.
SUMMING_FILLERS = re.compile(
    r"^(?:(?:这种|这类|此类|这些|上述)(?:做法|行为)|这些|这都|这样|这|以上|上述|都|均|全都|也|还|已经|已|则|就)*"
)


SUMMING_PREDICATES = ("属于", "是", "均属", "构成", "超出")
CONTRAST_OPENERS = ("但", "而", "却", "不过", "可是")


def _sums_up(clause: Span) -> bool:
    plain, _ = _marker_patterns()
    body = clause.text[SUMMING_FILLERS.match(clause.text).end() :]  # type: ignore[union-attr]
    return bool(plain.match(body)) or body.startswith(SUMMING_PREDICATES)


def ruled_by_marker(sentence: Sentence, trigger: Trigger) -> bool:
    """A behaviour word is prohibited by a marker in its own clause, in the clause right after
    it, in an earlier clause (the rule goes on: 不得…,不得…), or in a later clause that sums up
    (…都属于违法); not by a marker two clauses away (催收公司给紧急联系人打电话,只能请其转告
    借款人,不能透露欠款金额: the call is no prohibited behaviour)."""
    clauses = list(sentence.clauses)
    markers = {c.start for c in marker_clauses(sentence)}
    index = next((i for i, c in enumerate(clauses) if c.start <= trigger.start < c.end), 0)
    if any(c.start in markers for c in clauses[: index + 1]):
        return True
    following = clauses[index + 1] if index + 1 < len(clauses) else None
    if following is not None and following.start in markers:
        # a contrast (可以联系家人,但向家人透露欠款属于违规) rules its own behaviour (claims-2.4)
        return not following.text.startswith(CONTRAST_OPENERS) or _sums_up(following)
    return any(_sums_up(c) for c in clauses[index + 2 :] if c.start in markers)


def marker_clauses(sentence: Sentence) -> list[Span]:
    """The clauses that hold a prohibition marker."""
    plain, subject = _marker_patterns()
    return [c for c in sentence.clauses if plain.search(c.text) or subject.search(c.text)]


LABEL_CHARS = 10


def in_label(sentence: Sentence, position: int) -> bool:
    """In a short first clause that ends in a colon (上门拜访:…, 协商还款:…): it names the topic;
    the claim is in what follows."""
    first = sentence.clauses[0] if sentence.clauses else None
    return (
        first is not None
        and first.start <= position < first.end
        and first.text.endswith((":", "："))
        and len(first.text) <= LABEL_CHARS
    )


def in_quotes(sentence: Sentence, position: int) -> bool:
    before = sentence.text[: position - sentence.start]
    return before.count("“") > before.count("”")


# Quoted words named as words (以“上门抓人”相威胁, “立即逮捕”这类字眼) are mentioned, not used.
MENTION_AFTER = re.compile(
    r"^[^”]*”(?:“[^”]*”)*[、]?(?:相威胁|这类|这样的|之类|等字|字眼|字样|等词)"
)


# ... and quoted words a text or a name is said to hold (短信写着“已立案”, 所谓的“代理协商”).
# Several quotes in a row are all held (写着“已立案”“即将上门”的短信; claims-2.5).
MENTION_BEFORE = re.compile(
    r"(?:所谓的?|写着|写有|写的是|号称|标注着?)(?:[“\"][^”\"]*[”\"][、]?)*[“\"][^”\"]*$"
)


def _mentioned(sentence: Sentence, trigger: Trigger) -> bool:
    if not in_quotes(sentence, trigger.start):
        return False
    if MENTION_BEFORE.search(sentence.text[: trigger.start - sentence.start]):
        return True
    return bool(MENTION_AFTER.search(sentence.text[trigger.end - sentence.start :]))


# What someone fears or mistakes (担心被起诉后…, 误认为催收短信) is no claim that it happens;
# a reassurance (不用担心坐牢) is: it says the thing does not happen. Quoted words feared
# (最担心的是“外访人员明天就到你家”) are someone's threat, not the worry's own content.
WORRY = re.compile(
    r"(?<!不用)(?<!不必)(?<!无需)(?<!别)(?<!不要)(?:担心|害怕|生怕|唯恐|误认为|误以为|以为)"
)


def _worried(sentence: Sentence, trigger: Trigger) -> bool:
    clause = clause_of(sentence, trigger.start)
    before = sentence.text[clause.start - sentence.start : trigger.start - sentence.start]
    if trigger.type not in PRACTICE_TYPES or in_quotes(sentence, trigger.start):
        return False
    return bool(WORRY.search(before))


# Right after a plain prohibition marker a consequence or channel word is what is forbidden
# (不得收取任何额外费用), not a claim.
FORBIDDING = re.compile(r"不得|严禁|禁止|不准|不允许")


# An advice word followed by 了 or 过 tells what someone did (我向银保监会投诉了): no advice.
NARRATED = re.compile(r"^(?:了|过)|^[^，,。；]{0,3}?(?:投诉|举报|报警|报案)(?:了|过)")
# ... or after a completed verb (打了12378投诉之后, 报了警)
NARRATED_BEFORE = re.compile(
    r"(?:打了|拨打了|报了|去了|找了)[^，,。；]{0,6}$"
    # ... or the narrator's own act with 把 (后来我把所有的通话录音整理好)
    r"|(?:^|[，,：:])(?:后来|然后|当时|之前|于是|最后)?我们?(?:就|也)?(?:把|将)[^，,。；]{0,10}$"
    # ... or what some borrowers do (一些借款人会委托律所代为协商; claims-2.5)
    r"|(?:^|[，,：:])(?:一些|有些|有的|很多|不少|部分|许多)(?:借款人|持卡人|用户|网友|人)(?:都|也|往往|常常)?会[^，,。；]{0,14}$"
)


def _forbidden(sentence: Sentence, trigger: Trigger) -> bool:
    clause = clause_of(sentence, trigger.start)
    return bool(
        FORBIDDING.search(
            sentence.text[clause.start - sentence.start : trigger.start - sentence.start]
        )
    )


def _narrated(sentence: Sentence, trigger: Trigger) -> bool:
    before = sentence.text[: trigger.start - sentence.start]
    after = sentence.text[trigger.end - sentence.start :]
    return bool(NARRATED.search(after) or NARRATED_BEFORE.search(before))


# What follows a collector or lender that makes it the agent of what comes next:
# "发卡银行可以与持卡人协商", "客服一般会提供分期方案" report what the lender does; they
# advise nothing.
AGENT_FOLLOWER = re.compile(
    r"^[^，,。；向和与跟给对找]{0,8}?(?:可以|会|将|可能|一般|通常|往往|有权|提供)"
)


OTHER_AGENTS = re.compile(r"客服|他们|对方")


def _agent_before(text: str, start: int, end: int) -> bool:
    """A collector, lender or 客服 in text[start:end] followed by a modal or 提供."""
    actors = [modality_lexicon().collector_pattern, gazetteer().pattern, OTHER_AGENTS]
    for pattern in actors:
        for found in pattern.finditer(text, start, end):
            if found.group() == "催收":  # the activity (催收问题), not an actor
                continue
            if text[found.end() : found.end() + 1] == "的":  # a possessor (平台的问题; claims-2.5)
                continue
            if AGENT_FOLLOWER.search(text[found.end() : end]):
                return True
    return False


def _advice_by_collector(sentence: Sentence, trigger: Trigger) -> bool:
    """A collector is the agent in the trigger's clause, or in an earlier clause with no advice
    word in between ("平台一般会评估…,困难真实的,更容易获得延期")."""
    own = clause_of(sentence, trigger.start)
    at = trigger.start - sentence.start
    if _agent_before(sentence.text, own.start - sentence.start, at):
        return True
    for clause in reversed([c for c in sentence.clauses if c.start <= own.start]):
        end = min(clause.end, trigger.start) - sentence.start
        # the agent first: "发卡银行可以与持卡人协商," holds an advice word but advises nothing
        if clause.start != own.start and _agent_before(
            sentence.text, clause.start - sentence.start, end
        ):
            return True
        if role_lexicon().advice.search(clause.text):
            return False
    return False


def _reported_not_advised(sentence: Sentence, trigger: Trigger, roles: SentenceRoles) -> bool:
    """Someone else's report (不少用户投诉…, 有借款人反映催收把截图发到群里) advises nothing,
    unless its clause tells the reader what to do. A report inside a condition (接到自称法院的
    电话时,要先核实) frames the advice that follows."""
    if roles.hearsay_marker is None or not roles.in_hearsay(trigger.start):
        return False
    if roles.role_at(roles.hearsay_marker) == CONDITION:
        return False
    between = [
        c for c in sentence.clauses if roles.hearsay_marker < c.end and c.start <= trigger.start
    ]
    return not any(is_advice_clause(c.text) for c in between)


def _advice_positions(triggers: list[Trigger], roles: SentenceRoles) -> list[int]:
    return [t.start for t in triggers if t.type == "ADVICE" and roles.role_at(t.start) != CONDITION]


def _frames_practice(triggers: list[Trigger], roles: SentenceRoles) -> bool:
    """Whether the condition clauses of the sentence frame a prohibition or advice."""
    advice = _advice_positions(triggers, roles)
    return any(t.type == "PROHIBITION" for t in triggers) or main_clause_is_advice(roles, advice)


# The reader asking the lender to do something (要求平台通过短信…, 让平台以APP消息形式确认).
REQUEST_OF_LENDER = re.compile(r"(?:要求|让|请)(?:平台|银行|对方|客服|贷款机构|发卡行)")


def _object_of_advice(sentence: Sentence, trigger: Trigger, triggers: list[Trigger]) -> bool:
    """A channel in a clause that advises the reader (请亲友保留录音), or a consequence after an
    advice trigger in its clause (申请减免罚息): the object of advice, not a claim."""
    clause = clause_of(sentence, trigger.start)
    if trigger.type == "CHANNEL":
        # or what the borrower may do (借款人可以申请线上开庭), or asks the lender to do
        # (要求平台通过短信发送确认)
        before = sentence.text[clause.start - sentence.start : trigger.start - sentence.start]
        return (
            addresses_reader(clause.text)
            or (_tells_reader(clause.text) and opens_with_borrower(clause.text))
            or bool(REQUEST_OF_LENDER.search(before))
            # the borrower's contact addressed by the advice (紧急联系人可以向平台投诉; claims-2.5)
            or (trigger.subtype == "contacts" and len(before) <= 2 and _advises(sentence, trigger))
            or _kept_as_evidence(sentence, trigger, triggers)
        )
    if trigger.type == "CONSEQUENCE":
        return any(t.type == "ADVICE" and clause.start <= t.start < trigger.start for t in triggers)
    return False


def _verified(sentence: Sentence, trigger: Trigger, triggers: list[Trigger]) -> bool:
    """A channel after advice to verify in its clause is what to check, not a claim
    (核实是否真的被起诉; claims-2.5)."""
    clause = clause_of(sentence, trigger.start)
    return trigger.type == "CHANNEL" and any(
        t.type == "ADVICE" and t.subtype == "verify" and clause.start <= t.start < trigger.start
        for t in triggers
    )


# Words that tell the reader what to do, not what must happen (需要/应当 also describe duties:
# 借款人被起诉后需要出庭 states the process).
READER_ADVICE = re.compile(r"可以|建议|务必|一定要|千万|记得|最好|(?<!申)请|不妨|尽快|直接报警")


def _kept_as_evidence(sentence: Sentence, trigger: Trigger, triggers: list[Trigger]) -> bool:
    """A channel that the advice of its clause keeps as evidence (晚上十点后的催收电话一律录音;
    claims-2.5), with no collector in the clause."""
    clause = clause_of(sentence, trigger.start)
    return not _has_collector_before(sentence, clause, trigger) and any(
        t.type == "ADVICE" and t.subtype == "evidence" and trigger.end <= t.start < clause.end
        for t in triggers
    )


def _has_collector_before(sentence: Sentence, clause: Span, trigger: Trigger) -> bool:
    text = sentence.text[clause.start - sentence.start : trigger.start - sentence.start]
    return bool(
        modality_lexicon().collector_pattern.search(text) or gazetteer().pattern.search(text)
    )


def _advises(sentence: Sentence, trigger: Trigger) -> bool:
    """The rest of the trigger's clause tells its subject what to do (…可以向平台投诉)."""
    clause = clause_of(sentence, trigger.start)
    return bool(
        READER_ADVICE.search(
            sentence.text[trigger.end - sentence.start : clause.end - sentence.start]
        )
    )


def _tells_reader(text: str) -> bool:
    return bool(READER_ADVICE.search(text)) and is_advice_clause(text)


# Inside one clause: "上门的时候一定要录像", "收到传票后一定要按时出庭" (a condition and advice
# with no comma between), "遇到上门堵门的直接报警" (a clause opening on what one meets).
INNER_CONDITION = re.compile(r"(?:的时候|时|之后|以后|后)(?=.{2,})")


AFTER_CONDITION = re.compile(r"(?:之后|以后|后)(?=.{2,})")


def _advice_in_inner_condition(sentence: Sentence, trigger: Trigger) -> bool:
    """An advice word before …以后 in a clause that advises nothing, neither before it nor in
    its main part, tells what happened after it (投诉以后他们就只在白天打了), not what to do
    (可以收集证据后报警 advises both)."""
    clause = clause_of(sentence, trigger.start)
    inner = AFTER_CONDITION.search(clause.text, trigger.end - clause.start)
    if inner is None:
        return False
    main = clause.text[inner.end() :]
    before = clause.text[: trigger.start - clause.start]
    advice = role_lexicon().advice
    return not any(READER_ADVICE.search(t) or advice.search(t) for t in (main, before)) and not (
        trigger_lexicon("advice").any_pattern.search(main)
    )


ENCOUNTER = re.compile(r"^(?:但|而且|另外)?(?:遇到|碰到|接到|收到|如遇|面对|遭遇)")
# A complaint named as the occasion of advice on how to make it (投诉时应当说明催收的时间, 投诉时
# 要说清楚来电号码) advises how, not whether, to complain (claims-2.7).
OCCASION = re.compile(
    r"^(?:的时候|时候|时)[,，]?(?:一定)?(?:要|应当|应该|需要|必须|务必|记得|最好|注意|可以)"
)


def _occasion_of_advice(sentence: Sentence, trigger: Trigger) -> bool:
    clause = clause_of(sentence, trigger.start)
    after = sentence.text[trigger.end - sentence.start : clause.end - sentence.start]
    return trigger.subtype == "complain" and bool(OCCASION.search(after))


def _framed_in_clause(sentence: Sentence, trigger: Trigger, triggers: list[Trigger]) -> bool:
    """A practice word in the condition part of a clause whose main part advises the reader, or
    in the advice part itself; or in a clause that opens on meeting it, followed by advice."""
    clause = clause_of(sentence, trigger.start)
    at = trigger.start - clause.start
    inner = INNER_CONDITION.search(clause.text)
    if inner is not None:
        main = clause.text[inner.end() :]
        if at < inner.start() and (_tells_reader(main) or addresses_reader(main)):
            return True
        if at >= inner.end() and addresses_reader(main):
            return True
    if not ENCOUNTER.search(clause.text):
        return False
    advice_after = any(
        t.type == "ADVICE" and clause.start <= t.start < clause.end and t.start > trigger.start
        for t in triggers
    )
    following = [c for c in sentence.clauses if c.start >= clause.end][:1]
    return advice_after or any(_tells_reader(c.text) for c in following)


def _void_advice(sentence: Sentence, triggers: list[Trigger], roles: SentenceRoles) -> set[int]:
    """Advice given by a collector (银行就可以报警) or only reported advises nothing, and has no
    object: the consequence after it stays a claim (有人说…银行就可以报警抓人)."""
    return {
        id(t)
        for t in triggers
        if t.type == "ADVICE"
        and (_advice_by_collector(sentence, t) or _reported_not_advised(sentence, t, roles))
    }


def by_role(sentence: Sentence, triggers: list[Trigger], roles: SentenceRoles) -> list[Trigger]:
    """Drop triggers in question clauses, practice claims in the condition of advice or of a
    prohibition, advice in the condition of a claim ("如果协商不成,银行可能起诉"), and the
    objects of advice."""
    framed = _frames_practice(triggers, roles)
    advised = any(t.type == "PROHIBITION" and roles.role_at(t.start) == CONDITION for t in triggers)
    if advised:  # only then: a prohibition in the condition of advice, ruled only in the advice
        advised = main_clause_is_advice(roles, _advice_positions(triggers, roles)) and all(
            is_advice_clause(c.text) for c in marker_clauses(sentence)
        )
    void = _void_advice(sentence, triggers, roles)
    live = [t for t in triggers if id(t) not in void]
    kept: list[Trigger] = []
    for trigger in triggers:
        role = roles.role_at(trigger.start)
        if roles.is_definition or id(trigger) in void:
            continue
        if role == QUESTION and trigger.type in ASKABLE_TYPES:
            continue
        if role == CONDITION and trigger.type in PRACTICE_TYPES and framed:
            continue
        if role == CONDITION and trigger.type == "PROHIBITION" and advised:
            continue  # 如果在晚上十点以后接到电话,可以告知对方已违反规定: the hour frames advice
        if role == CONDITION and trigger.type == "ADVICE" and not framed:
            continue
        if role != CONDITION and _object_of_advice(sentence, trigger, live):
            continue
        if _verified(sentence, trigger, live):
            continue
        if trigger.type in PRACTICE_TYPES and _framed_in_clause(sentence, trigger, triggers):
            continue
        if _mentioned(sentence, trigger) and trigger.type != "CITATION":
            continue
        if trigger.type in SUBSUMED_BY_PROHIBITION and _forbidden(sentence, trigger):
            continue
        if topic_of_denial(sentence, clause_of(sentence, trigger.start), trigger):
            continue
        if _worried(sentence, trigger):
            continue
        if trigger.type == "ADVICE" and (
            _narrated(sentence, trigger)
            or _advice_in_inner_condition(sentence, trigger)
            or _occasion_of_advice(sentence, trigger)
        ):
            continue
        kept.append(trigger)
    return kept
