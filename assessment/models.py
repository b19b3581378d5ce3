"""Every package's tables, imported in one place so Alembic and the tests see the whole schema."""
from core.audit import AuditEntry  # noqa: F401
from core.db import Base
from assessment.accounts.models import LoginAttempt, PasswordResetToken, RoleGrant, User  # noqa: F401
from assessment.accounts.monitoring.models import (  # noqa: F401
    MonitoringAnswer, MonitoringConsent, MonitoringOption, MonitoringQuestion)
from assessment.delivery.models import (  # noqa: F401
    AdjustmentRequest, Attempt, AttemptEvent, AttemptSlot, Booking, ResponseStep, Sitting, SittingPaper)
from core.notifications import Notification  # noqa: F401
from core.mail import MailMessage  # noqa: F401
from core.alerts.models import AlertCounter, AlertWebhook, SecurityAlert  # noqa: F401
from scoring.marking.models import Mark, MarkingAllocation, MarkingSetting, RemarkRequest, Script  # noqa: F401
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore  # noqa: F401
from item_bank.framework.models import FrameworkVersion, Standard, Substandard, Theme  # noqa: F401
from item_bank.models import (  # noqa: F401
    Attachment, CaseStudy, CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec, Item, ItemMapping,
    ItemVersion, ReviewEvent)
from item_bank.statistics.models import ItemStatistic  # noqa: F401
from scoring.standard_setting.models import (  # noqa: F401
    StandardSettingEvent, StandardSettingExercise, StandardSettingGrade, StandardSettingJudge, StandardSettingRating)
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision  # noqa: F401
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease  # noqa: F401
from assessment.results.certificates.models import Certificate, CertificateDocument, CertificateEvent  # noqa: F401
from assessment.results.appeals.models import (  # noqa: F401
    Appeal, AppealEvidence, AppealOutcome, AppealPanel, AppealPanellist, AppealPanelResponse, AppealRemark,
    ResitEntitlement)
from assessment.results.appeals.models import AppealWithdrawal  # noqa: F401

from assessment.eligibility.models import (  # noqa: F401
    Application, ApplicationEvent, ApplicationSubmission, Registration, RegistrationEvent)
from assessment.eligibility.register.models import CpdDeclaration  # noqa: F401
from assessment.eligibility.applications.models import ApplicationDocument, ApplicationDocumentRemoval  # noqa: F401
from assessment.eligibility.decisions.models import (  # noqa: F401
    AssessorJudgement, DiscussionNote, RegistrationAppeal, RegistrationAppealOutcome, RegistrationAppealPanel,
    RegistrationAppealPanellist, RegistrationAppealResponse)
from proctoring.models import (  # noqa: F401
    FlagReview, Invigilation, InvigilationEvent, InvigilationFlag, InvigilationOutcome, InvigilatorAllocation)

metadata = Base.metadata
