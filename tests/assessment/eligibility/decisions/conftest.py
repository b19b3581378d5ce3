import pytest

from core.roles import Role


@pytest.fixture
def people(make_user):
    class People:
        applicant = make_user(Role.CANDIDATE, name="Ada Applicant")
        first = make_user(Role.ASSESSOR, name="Fay First")
        second = make_user(Role.ASSESSOR, name="Sam Second")
        third = make_user(Role.ASSESSOR, name="Tom Third")
        admin = make_user(Role.ADMIN, name="Alex Admin")

    return People
