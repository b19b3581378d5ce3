"""Rasch model: CML calibration (free or anchored), person abilities (ML, WLE), item fit, linking;
and Masters' partial credit model (``pcm``) for items marked 0..m.

Orientation everywhere: candidates × items, 0/1 (0..m for the PCM), NaN = not presented.
"""

from .categories import CollapsedCategories, collapse_empty_categories
from .cml import RaschCalibration, ResponseGroup, rasch_cml, sufficient_statistics
from .esf import conditional_terms, elementary_symmetric_functions
from .fit import ItemFit, item_fit
from .linking import (
    CarriedCut, Link, carry_cut_score, carry_cut_score_pcm, mean_mean_link, pcm_locations, pcm_tcc,
    pcm_theta_for_score,
)
from .pcm import (
    PCMAbilityTable, PCMCalibration, PCMItemFit, PCMPersonAbilities, category_probabilities, pcm_ability_table, pcm_cml,
    pcm_expected_score, pcm_generating_polynomial, pcm_item_fit, pcm_person_abilities,
)
from .persons import AbilityTable, PersonAbilities, ability_table, expected_score, person_abilities, theta_for_score

__all__ = [
    "CollapsedCategories", "collapse_empty_categories",
    "RaschCalibration", "ResponseGroup", "rasch_cml", "sufficient_statistics",
    "conditional_terms", "elementary_symmetric_functions",
    "ItemFit", "item_fit",
    "PCMAbilityTable", "PCMCalibration", "PCMItemFit", "PCMPersonAbilities", "category_probabilities",
    "pcm_ability_table", "pcm_cml", "pcm_expected_score", "pcm_generating_polynomial", "pcm_item_fit",
    "pcm_person_abilities",
    "CarriedCut", "Link", "carry_cut_score", "mean_mean_link", "carry_cut_score_pcm", "pcm_locations", "pcm_tcc",
    "pcm_theta_for_score",
    "AbilityTable", "PersonAbilities", "ability_table", "expected_score", "person_abilities", "theta_for_score",
]
