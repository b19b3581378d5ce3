"""The application a case manager fills in: a draft saved and checked against the eligibility
engine as it grows, supporting documents, submission (frozen facts and the engine's decision),
answers to requests for information, withdrawal, and the applicant's view of where it stands."""
