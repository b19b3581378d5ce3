"""Before the day and check-in: the privacy notice and consent, the system check, the candidate's
check-in (photo, photo ID, room scan, rules), the queue where a person checks the ID, and the veto on
starting an invigilated exam until the check-in is approved or waived."""
