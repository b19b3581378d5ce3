"""Standard setting: Angoff, Ebel, Hofstee, Beuk, borderline regression / group, contrasting groups,
and the pass-mark policy (cut + k × SEM, rounding)."""

from .angoff import AngoffResult, IntraclassCorrelations, angoff, intraclass_correlations, ratings_matrix
from .borderline import (
    BorderlineGroupResult, BorderlineRegressionResult, ContrastingGroupsResult,
    borderline_group, borderline_regression, contrasting_groups,
)
from .bootstrap import BootstrapResult, beuk_bootstrap, hofstee_bootstrap
from .compromise import BeukResult, HofsteeResult, beuk, fail_rate, hofstee
from .ebel import EbelCell, EbelResult, ebel
from .policy import PassMark, Rounding, pass_mark

__all__ = [
    "AngoffResult", "IntraclassCorrelations", "angoff", "intraclass_correlations", "ratings_matrix",
    "BorderlineGroupResult", "BorderlineRegressionResult", "ContrastingGroupsResult",
    "borderline_group", "borderline_regression", "contrasting_groups",
    "BeukResult", "HofsteeResult", "beuk", "fail_rate", "hofstee",
    "EbelCell", "EbelResult", "ebel",
    "PassMark", "Rounding", "pass_mark",
    "BootstrapResult", "beuk_bootstrap", "hofstee_bootstrap",
]
