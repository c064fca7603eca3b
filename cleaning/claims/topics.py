"""Stage 3b of claim extraction, continued: a practice word that is the topic of what its
clause says of it (被起诉本身不等于失信, 律师函不是法院文书, 爆通讯录现在查得很严, …不算违规)
claims nothing; `cleaning.claims.framing.by_role` asks `topic_of_denial`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cleaning.claims.sentences import Sentence, Span

if TYPE_CHECKING:
    from cleaning.claims.framing import Trigger

# "X (本身)不等于 Y": X is the topic the sentence denies something of (被起诉本身不等于失信: no
# claim that anyone sues); the claim is Y.
NOT_EQUIVALENT = re.compile(r"(?:并|也)?不(?:等于|等同于|代表|意味着|就是)(?=.)")
# "X本身…" names X as the topic of what follows (律师函本身并没有法律强制力): no claim of X.
TOPIC_ITSELF = re.compile(r"^本身(?!就)")
# A practice said to be policed (爆通讯录现在查得很严, 上门催收被严查) is no claim that it
# happens (claims-2.5).
POLICED = re.compile(
    r"^[^，,。；]{0,4}?(?:现在|目前|已经|如今)?(?:查得|管得)(?:很|非常|特别|越来越)?严"
    r"|^[^，,。；]{0,4}?(?:被|遭到|正在)?(?:严查|严打|严厉打击|专项整治)"
)
# "X不是Y" right after X says what X is not (律师函不是法院文书): X is the topic (claims-2.5).
TOPIC_IS_NOT = re.compile(r"^(?:并|也)?(?:不是|并非|并不是)(?=.)")
TOPIC_TYPES = ("CHANNEL", "CONSEQUENCE")
# A practice said not to break a rule (晚上九点半接到催收电话不算违规; …调解,这种做法并不违法) is
# the topic of a ruling, not a claim that it happens (claims-2.7); with 本身 it stays one
# (联系紧急联系人本身不违法: TOPIC_ITSELF's convention).
NOT_A_BREACH = r"(?:并|也|都)?(?:不算|不属于|不|没有)(?:是)?(?:违规|违法|违反规定|犯法)"
RULED_LAWFUL = re.compile(rf"^(?!本身)[^，,。；]{{0,12}}?{NOT_A_BREACH}")
RULED_LAWFUL_AFTER = re.compile(
    rf"^(?:这种做法|这种行为|这样做|这么做|这|此举)(?:本身)?{NOT_A_BREACH}"
)


def _ruled_lawful(sentence: Sentence, clause: Span, after: str) -> bool:
    if RULED_LAWFUL.search(after):
        return True
    following = [c for c in sentence.clauses if c.start >= clause.end][:1]
    return any(RULED_LAWFUL_AFTER.search(c.text) for c in following)


def topic_of_denial(sentence: Sentence, clause: Span, trigger: Trigger) -> bool:
    """A practice or consequence word that is the topic of what its clause says of it (…不等于…,
    …本身…, …不是…, policed, ruled lawful): no claim that it happens."""
    after = sentence.text[trigger.end - sentence.start : clause.end - sentence.start]
    return trigger.type in TOPIC_TYPES and bool(
        NOT_EQUIVALENT.search(after)
        or TOPIC_ITSELF.search(after)
        or TOPIC_IS_NOT.search(after)
        or (trigger.type == "CHANNEL" and POLICED.search(after))
        or (trigger.type == "CHANNEL" and _ruled_lawful(sentence, clause, after))
    )
