import datetime as dt

import pytest

from tests.assessment.results.appeals.builders import RELEASED_AT, released_result
from tests.uploads_data import evidence_sealer


@pytest.fixture
def released(db, make_user, framework):
    return released_result(db, make_user)


@pytest.fixture
def upload_folder(tmp_path):
    return str(tmp_path / "uploads")


@pytest.fixture
def lodge(db, released, upload_folder):
    """Lodge an appeal for the released candidate (a day after release unless told)."""
    from assessment.results.appeals import services

    def do(*, actor=None, result_id=None, grounds=("marking_error",), statement="My answer to item 1 was misread.",
           files=(), now=RELEASED_AT + dt.timedelta(days=1), window_days=28):
        return services.lodge_appeal(db, actor=actor or released.candidate.actor,
                                     candidate_result_id=result_id or released.result.id, grounds=list(grounds),
                                     statement=statement, files=list(files), upload_folder=upload_folder, sealer=evidence_sealer(),
                                     scan_command=None, window_days=window_days, now=now)

    return do
