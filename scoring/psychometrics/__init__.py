"""Psychometrics engine: scoring rules, classical item analysis, reliability, standard setting and
the Rasch model. Pure numpy/scipy; imports nothing else of ours (a bottom layer, see DESIGN.md).

Orientation: score and response matrices are candidates × items. In the classical statistics an
empty cell (NaN) is an omitted response and scores 0; in the Rasch model NaN means "not presented".
Results are frozen dataclasses; bad input raises ValueError. See docs/psychometrics.md.
"""

from .distractors import OptionAnalysis, OptionStatistics, distractor_analysis, score_choices
from .item_analysis import (
    FlagThresholds, ItemAnalysis, ItemStatistics, ScoreSummary, biserial, facility, item_analysis,
    item_analysis_from_choices, item_correlations, upper_lower_discrimination,
)
from .rasch import (
    AbilityTable, ItemFit, Link, PersonAbilities, RaschCalibration, ability_table, carry_cut_score,
    expected_score, item_fit, mean_mean_link, person_abilities, rasch_cml, theta_for_score,
)
from .reliability import (
    Reliability, ScoreDistribution, alpha_if_item_deleted, cronbach_alpha, item_covariance, kr20, kr21,
    reliability, score_distribution, standard_error_of_measurement,
)
from .scoring_rules import AgreedMark, AgreementRule, MarkResult, agreed_mark, mark_response, max_mark
from .simulate import simulate_choices, simulate_rasch
from .standard_setting import (
    angoff, beuk, borderline_group, borderline_regression, contrasting_groups, ebel, hofstee, pass_mark,
)

__all__ = [
    "OptionAnalysis", "OptionStatistics", "distractor_analysis", "score_choices",
    "FlagThresholds", "ItemAnalysis", "ItemStatistics", "ScoreSummary", "biserial", "facility", "item_analysis",
    "item_analysis_from_choices", "item_correlations", "upper_lower_discrimination",
    "AbilityTable", "ItemFit", "Link", "PersonAbilities", "RaschCalibration", "ability_table", "carry_cut_score",
    "expected_score", "item_fit", "mean_mean_link", "person_abilities", "rasch_cml", "theta_for_score",
    "Reliability", "ScoreDistribution", "alpha_if_item_deleted", "cronbach_alpha", "item_covariance", "kr20", "kr21",
    "reliability", "score_distribution", "standard_error_of_measurement",
    "AgreedMark", "AgreementRule", "MarkResult", "agreed_mark", "mark_response", "max_mark",
    "simulate_choices", "simulate_rasch",
    "angoff", "beuk", "borderline_group", "borderline_regression", "contrasting_groups", "ebel", "hofstee", "pass_mark",
]
