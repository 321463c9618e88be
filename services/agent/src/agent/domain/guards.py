"""The guards: what a front desk must never answer itself, checked before any brain speaks.

`check_incoming` reads a patient's words and says when the conversation goes to
staff, why and how urgently; `unsafe_reply` reads what the agent is about to say
and refuses anything that sounds like medical advice. Both lean towards
stepping back: a needless handoff costs a minute of staff time, advice can
hurt someone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from agent.domain.text import normalize


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"  # a hot lead: before routine inquiries
    URGENT = "urgent"


class Reason(StrEnum):
    URGENT_SYMPTOMS = "urgent_symptoms"
    POST_TREATMENT_PROBLEM = "post_treatment_problem"
    CLINICAL_QUESTION = "clinical_question"
    BILLING_DISPUTE = "billing_dispute"
    UPSET = "upset"
    ASKED_FOR_PERSON = "asked_for_person"
    TREATMENT_PLANNING = "treatment_planning"
    HIGH_VALUE_PLAN = "high_value_plan"
    # Raised by the engine and brains rather than by the words themselves:
    UNANSWERED_QUESTION = "unanswered_question"
    INTAKE_REVIEW = "intake_review"
    APPOINTMENT_CHANGE = "appointment_change"
    APPOINTMENT_LOOKUP = "appointment_lookup"
    NO_OPENINGS = "no_openings"
    STAFF_HOURS = "staff_hours"
    UNSAFE_DRAFT = "unsafe_draft"
    CALENDAR_DOWN = "calendar_down"


CLINICAL_REASONS = frozenset(
    {
        Reason.URGENT_SYMPTOMS,
        Reason.POST_TREATMENT_PROBLEM,
        Reason.CLINICAL_QUESTION,
        Reason.INTAKE_REVIEW,
        Reason.UNSAFE_DRAFT,
    }
)


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    priority: Priority

    @property
    def urgent(self) -> bool:
        return self.priority is Priority.URGENT

    @property
    def clinical(self) -> bool:
        return self.reason in CLINICAL_REASONS


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts))


URGENT = _rx(
    r"\b(can'?t see|cannot see|blurr?y vision|blurred vision|double vision|vision (loss|changes?|problems?)|"
    r"losing (my )?(vision|sight)|lost (my )?(vision|sight)|seeing spots|can'?t open my eye)\b",
    r"\b(vision|eyesight|sight)\b.{0,30}\b(changed|changing|blurr\w*|dark|weird|off|gone)\b",
    r"\b(turn(ing|ed|s)?|went|going|gone|look(s|ing)?|is|are|got|getting)\s+(\w+\s+)?"
    r"(white|whitish|pale|blanch\w*|dusky|gr[ae]y|blue|bluish|purple|mottled|dark)\b",
    r"\b(blanch\w*|dusky|mottled|lacy (rash|pattern)|skin (is )?dying|necrosis)\b",
    r"\b(severe|extreme|excruciating|unbearable|intense|terrible|horrible|worst|really bad|awful)\s+"
    r"(pain|ache|aching|throbbing|burning)\b",
    r"\bhurts? (so bad|so much|really bad|like hell|a lot|more and more)\b",
    r"\bpain (is )?(getting worse|severe|unbearable|spreading)\b",
    r"\b(can'?t breathe|trouble breathing|difficulty (breathing|swallowing)|hard to breathe|"
    r"short(ness)? of breath|throat (is )?(closing|swelling|tight)|tongue (is )?swelling|"
    r"anaphyla\w*|face is swelling up|passing out|passed out|fainted)\b",
    r"\b(emergency|911)\b",
)
REACTION = _rx(
    r"\b(bruis\w*|swell\w*|swollen|lumps?|lumpy|bumps?|bumpy|nodules?|asymmetr\w*|uneven|"
    r"lopsided|droop\w*|heavy (brow|eyelids?)|pain|painful|sore(ness)?|hurts?|hurting|aching|"
    r"itch\w*|rash|redness|infect\w*|pus|blisters?|blistering|scabs?|scabbing|burn(ed|t|s)?|"
    r"numb(ness)?|tingl\w*|headaches?|migraines?|tender(ness)?|reaction|allergic|hives|"
    r"not healing|doesn'?t look right|looks? (weird|wrong|off)|migrat\w*|overfilled)\b",
)
FUTURE_QUESTION = re.compile(
    r"^\s*(will|would|does|do|is|are|can|could|should|how|what|when|am i going)\b|\?\s*$"
)
CLINICAL_ALWAYS = _rx(
    r"\b(side ?effects?|risks?|dangerous|complications?|contraindicat\w*|safe|safety|unsafe|"
    r"doses?|dosage|dosing|how many units|how much (botox|filler|product|tox)|"
    r"(units|syringes?) (do|will|would|should) i|interact\w*|downtime|recovery time|"
    r"does it hurt|will it hurt|is it painful|how painful|how long does (it|botox|filler) last|"
    r"good candidate|right for me|work for me|suit (me|my)|suitable for|is (it|this|that) normal|"
    r"should i (be worried|worry|take|stop|avoid|ice|use|put|massage|go to)|"
    r"how (do|should|can) i (treat|fix|get rid of the)|what (should|can) i (put|take|use)|"
    r"can i (drink|work ?out|exercise|fly|lie down|sleep on|wear makeup)|"
    r"ibuprofen|advil|tylenol|aspirin|arnica|antibiotic\w*|accutane|isotretinoin)\b",
)
CONDITION = _rx(
    r"\b(pregnan\w*|breast ?feed\w*|nursing|trying to conceive|ttc|medications?|medicine|meds|"
    r"prescription|blood thinners?|eliquis|warfarin|xarelto|plavix|allerg\w*|autoimmune|lupus|"
    r"diabet\w*|condition|disease|disorder|cancer|chemo|keloids?|cold sores?|herpes|"
    r"melasma|rosacea|acne|eczema|psoriasis|scar(s|ring)?)\b",
)
QUESTION = re.compile(
    r"\?|^\s*(can|could|should|is|are|will|would|does|do|am|may|what|how|which)\b|"
    r"\b(is (it|that|this) (ok|okay|fine|a problem|an issue)|can i still|will (that|it) (matter|be a problem)|"
    r"ok to|okay to|still get|still do|still have)\b"
)
BILLING = _rx(
    r"\b(refund\w*|charged (me )?(twice|double|wrong|too much|without)|double charged|"
    r"overcharged|dispute\w*|chargeback|charge ?back|unauthori[sz]ed charge|money back|"
    r"billing (issue|problem|error|mistake)|wrong amount|didn'?t authori[sz]e)\b",
)
UPSET = _rx(
    r"\b(angry|furious|pissed|livid|upset|unacceptable|ridiculous|terrible|horrible|awful|"
    r"worst|disgusting|rude|unprofessional|scam\w*|rip ?off|ripped off|complain\w*|lawyer|"
    r"attorney|sue you|sue the|i'?ll sue|going to sue|suing|lawsuit|report you|bbb|bad review|never coming back|disappointed|"
    r"frustrated|fed up|wtf|fuck\w*|shit\w*|bullshit|damn it|hate this|waste of (my )?(time|money))\b",
)
PERSON = _rx(
    r"\b(speak|talk|chat|connect me)\s+(to|with)\s+(a |an |the |your )?(real |actual |live )?"
    r"(person|human|someone|somebody|staff|manager|receptionist|front desk|people|nurse|doctor|"
    r"provider|owner|team|team member|representative|rep|agent|injector)\b",
    r"\b(want|need|get|give me)\s+(a |an )?(real |actual |live )?(person|human|manager|"
    r"representative|receptionist)\b",
    r"^\s*(human|person|agent|representative|operator|manager|receptionist)( please| pls)?\s*[.!]*$",
    r"\b(operator|representative)\b",
    r"\b(can|could) (someone|somebody|a person|a human|you guys|your team) (call|text|contact) me\b",
    r"\b(call me( back)?|have someone (call|text|contact) me)\b",
    r"\bstop (the )?(bot|robot|automated)\b",
)
PLANNING = _rx(
    r"\b(laser|microneedling|micro needling|peel|facial|botox|filler|ipl|hydrafacial|tox|"
    r"dysport|bbl)\s+or\s+(laser|microneedling|micro needling|a peel|peel|a facial|facial|"
    r"botox|filler|ipl|hydrafacial|tox|dysport|bbl)\b",
    r"\b(which (treatment|one (is|would be) better|is better|would you recommend|should i (get|do|choose))|"
    r"what (do|would) you recommend|what should i (get|do) for|treatment plan|a plan for|"
    r"best (treatment|option|thing) for|full face|liquid facelift|facelift|anti[- ]?aging plan|"
    r"makeover|combination of treatments|several treatments|multiple treatments|"
    r"not sure what i need|what would help|help me decide)\b",
)
HIGH_VALUE = _rx(
    r"\b(wedding|bridal|bride|bridesmaids?|honeymoon|engagement photos|reunion|bachelorette|"
    r"group booking|for my whole|vip package)\b",
)
AUTOMATED = _rx(
    r"\b(are you|is this|am i (talking|texting|speaking|chatting) (to|with)|is that|r u|you a)\s+"
    r"(a |an )?(real |actual |live )?(robot|bot|machine|computer|ai|a\.i\.|human|person|"
    r"automated|chat ?bot|recording|real|software|program)\b",
    r"\b(are you|r u) (real|human|a person|a bot|a robot|ai)\b",
    r"\bis this (automated|a bot|ai|a robot|a real person|a human)\b",
    r"\bam i talking to (a )?(real )?(person|human|robot|bot|computer|machine)\b",
)


def asks_if_automated(text: str) -> bool:
    return bool(AUTOMATED.search(normalize(text)))


def only_asks_if_automated(text: str) -> bool:
    """ "Am I talking to a robot?" with nothing else in the message to act on."""
    rest = AUTOMATED.sub(" ", normalize(text))
    return len(re.findall(r"[a-z0-9]+", rest)) <= 3


def check_incoming(text: str, *, answering_health_questions: bool = False) -> Verdict | None:
    """When the patient's words must go to staff: the reason and the priority, or None.

    While the patient answers the intake's health questions, stating a condition or a
    medication is an answer, not a question; asking about it still goes to staff.
    """
    t = normalize(text)
    if URGENT.search(t):
        return Verdict(Reason.URGENT_SYMPTOMS, Priority.URGENT)
    if REACTION.search(t) and not answering_health_questions:
        if FUTURE_QUESTION.search(t) and not re.search(r"\b(i have|i've|i got|i am|i'm|my)\b", t):
            return Verdict(Reason.CLINICAL_QUESTION, Priority.NORMAL)
        return Verdict(Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL)
    if CLINICAL_ALWAYS.search(t):
        return Verdict(Reason.CLINICAL_QUESTION, Priority.NORMAL)
    if CONDITION.search(t) and QUESTION.search(t):
        return Verdict(Reason.CLINICAL_QUESTION, Priority.NORMAL)
    if BILLING.search(t):
        return Verdict(Reason.BILLING_DISPUTE, Priority.NORMAL)
    if UPSET.search(t) or _shouting(text):
        return Verdict(Reason.UPSET, Priority.NORMAL)
    if PERSON.search(t) and not (AUTOMATED.search(t) and not _wants_person(t)):
        return Verdict(Reason.ASKED_FOR_PERSON, Priority.NORMAL)
    if HIGH_VALUE.search(t):
        return Verdict(Reason.HIGH_VALUE_PLAN, Priority.HIGH)
    if PLANNING.search(t):
        return Verdict(Reason.TREATMENT_PLANNING, Priority.HIGH)
    return None


def _wants_person(t: str) -> bool:
    return bool(re.search(r"\b(want|need|let me|can i|could i|get me|give me|connect)\b", t))


def _shouting(text: str) -> bool:
    """Several words in capitals with exclamation marks reads as anger."""
    capitals = re.findall(r"\b[A-Z]{3,}\b", text)
    return len(capitals) >= 3 and "!" in text


# What a front desk never says: reassurance about symptoms, medication or dosing
# advice, predictions about a body, diagnoses.
UNSAFE = _rx(
    r"\b(that'?s|it'?s|that is|it is|this is|should be|will be|totally|perfectly|completely|"
    r"you'?re|you are|you'll be|you will be)\s+(fine|ok|okay|safe|normal|nothing to worry)\b",
    r"\b(safe (to|for|during|while|with)|not safe|unsafe|no risks?|risk[- ]free|harmless|"
    r"won'?t hurt|doesn'?t hurt|painless|no side effects?|nothing to worry about)\b",
    r"\b(you should|you shouldn'?t|you can|you can'?t|i recommend|i'?d recommend|i suggest|"
    r"try|make sure to|be sure to)\s+(take|taking|stop|stopping|avoid|apply|applying|use|using|"
    r"ice|icing|massage|drink|wait|hold off|skip)\b",
    r"\b(ibuprofen|advil|tylenol|acetaminophen|aspirin|arnica|benadryl|antihistamines?|"
    r"hyaluronidase|steroids?|antibiotics?|warm compress|cold compress)\b",
    r"\b\d+\s*(units|syringes?|ml|cc)\b.{0,40}\b(you need|you'?ll need|for you|would be enough|is enough)\b",
    r"\b(you need|you'?ll need|you would need)\s+(about |around )?\d+\s*(units|syringes?)\b",
    r"\b(side effects? (are|is|include)|common to (see|have|get)|normal to (have|see|get|feel)|"
    r"will (go away|subside|resolve|settle|fade)|goes away|usually resolves?)\b",
    r"\b(it sounds like|sounds like you have|you (probably|might|may) have|could be an? "
    r"(infection|reaction|occlusion|allergy))\b",
    # Honesty: the assistant never claims to be a person.
    r"\bi('?m| am) (a |an )?(real |actual |live )?(person|human|staff member|receptionist)\b",
)


def unsafe_reply(text: str) -> bool:
    """True when a reply would give clinical advice or reassurance: it must not be sent."""
    return bool(UNSAFE.search(normalize(text)))
