"""The answer check's data types: its weights and thresholds, the scored sentences, the sentences
chosen per programme, and the answerer's result (see _extractive)."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge._models import Answer, Chunk, SearchHit
from knowledge._question import QuestionAnalysis
from knowledge._sentences import Unit


@dataclass(frozen=True)
class RankingWeights:
    """Which sentence is shown first: the linear ranking score of a sentence among the hits', and of
    a programme's group among the groups (Candidate.score, GroupAnswer.score). Hand-set and used for
    ordering only: whether the chosen sentences answer is the fitted decision's (knowledge/_decision.py),
    which takes these scores as one feature among others."""

    rank_decay: float = 0.35  # a hit at 0-based rank r counts 1 / (1 + rank_decay * r)
    # A sentence: weighted key-term coverage (with surroundings), by itself, answer shape, its hit's
    # rank, its heading path's coverage...
    coverage: float = 0.55
    own_coverage: float = 0.15
    shape: float = 0.2
    rank: float = 0.1
    section: float = 0.1
    deadline: float = 0.05  # ...plus this for a deadline sentence when a deadline is asked
    whole_list: float = 0.15  # ...plus this for a whole list (a list question is best answered by it)
    list_heading: float = 0.1  # ...plus this times the key terms a list's heading covers (五、申报材料)
    announces: float = 0.1  # ...minus this for a line ending in "：" (it only announces what follows)
    heading: float = 0.1  # ...minus this for a heading that does not hold the answer itself
    too_short: float = 0.15  # ...minus this under 6 characters
    too_long: float = 0.05  # ...minus this over 300 characters
    # A group: coverage by its sentences (with surroundings), by themselves, shape, its best hit's rank.
    group_coverage: float = 0.6
    group_own_coverage: float = 0.15
    group_shape: float = 0.15
    group_rank: float = 0.1

    def rank_score(self, rank: int) -> float:
        return 1.0 / (1.0 + self.rank_decay * rank)


@dataclass(frozen=True)
class ExtractiveParams:
    """How sentences are found, scored and chosen (tuned on questions written for the purpose).
    Whether the chosen ones answer is not decided here: that is the fitted decision's
    (knowledge/_decision.py), over features these scores feed."""

    context_credit: float = 0.5  # a term found beside the sentence (section, neighbours) counts half
    # A term found elsewhere in the part of the document the sentence belongs to (the write-up that
    # names 热带森林公园 at its top): it says which passage is meant, not what the answer is.
    article_credit: float = 0.6
    article_rank_credit: float = 0.3  # ...and this much when ranking the sentences
    synonym_credit: float = 0.85
    fuzzy_credit: float = 0.75  # most of a long term's character pairs present (typos, word order)
    max_sentences: int = 3
    max_groups: int = 4  # programmes answered side by side
    # Another programme's answer is shown beside the best one when it passes too and is about as good.
    other_group_ratio: float = 0.7
    other_group_coverage_gap: float = 0.15
    min_extra_gain: float = 0.15  # a further sentence must cover a term of this share of the weight...
    min_extra_coverage: float = 0.25  # ...and this much of the question on its own...
    topic_share: float = 0.1  # ...and, from another passage, share a term of this weight share
    hits_considered: int = 30
    single_char_weight: float = 1.5  # a one-character term (纸, 字) never outweighs a real word
    # A term the notices never use weighs most (税收, 奖金: what the question is about), unless it is
    # an everyday verb (交给, 达到, 包含: how the applicant phrases it), which weighs this share.
    everyday_verb_share: float = 0.4
    everyday_rarity: float = 10.5  # general rarity (see TermSegmenter.rarity) below which a verb is everyday
    soft_weight: float = 0.5  # award names: half their idf, and only for ranking
    figure_bonus: float = 0.6  # ranking passages: the question's document number held
    phrase_bonus: float = 0.08  # key terms found side by side, as the question has them
    place_bonus: float = 0.05  # the sentence (or its surroundings) names the place asked about
    # The sentence is said by the body asked about: the city's forwarding letter for "常州…", not
    # the province's notice it carries.
    voice_bonus: float = 0.2
    # The sentence speaks of the level of body asked about (市质协, 省里的), see knowledge/_bodies.py.
    body_bonus: float = 0.15
    # Sample write-ups are not rules: a programme's passage that answers nearly as well comes first.
    examples_margin: float = 0.15
    ranking: RankingWeights = field(default_factory=RankingWeights)


@dataclass
class Candidate:
    hit: SearchHit
    rank: int  # 0-based position of the hit
    unit: Unit
    own: dict[str, float]  # term -> coverage by the sentence itself
    near: dict[str, float]  # term -> coverage by its surroundings (already discounted)
    shape_ok: bool
    deadline_ok: bool
    shape: float = 0.0  # share of the typed kinds asked for that it gives
    score: float = 0.0
    band: float = 0.0  # how its band or threshold fits the applicant's figure (< 0: does not apply)
    # Terms only its document part covers (the write-up's name): they place the sentence, so it
    # need not say them itself.
    placed: frozenset[str] = frozenset()
    section_cover: float = 0.0  # weighted share of the key terms its heading path says
    phrase_share: float = 0.0  # share of the question's key-term phrases it has side by side

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    def covers(self, term: str) -> float:
        return max(self.own.get(term, 0.0), self.near.get(term, 0.0))


@dataclass
class GroupAnswer:
    """The chosen sentences for one programme (None: the documents outside any programme)."""

    programme: str | None
    chosen: list[Candidate]
    coverage: float
    own_coverage: float
    heaviest: float
    shape_ok: bool
    mentions_ok: bool
    score: float
    focus: float = 0.0  # the best coverage one sentence achieves alone
    # The decision's view of it (knowledge/_decision.py): its features, and the calibrated
    # probability that these sentences answer the question.
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0


@dataclass
class ExtractiveResult:
    answer: Answer
    groups: list[GroupAnswer]  # the groups shown (answered) or the best one tried (refused)
    analysis: QuestionAnalysis
