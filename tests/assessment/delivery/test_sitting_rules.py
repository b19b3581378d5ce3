"""The pure rule for a sitting's papers: parallel, or every reason they are not."""
from assessment.delivery.sittings.rules import PaperFacts, parallel_problems


def paper(title, spec=1, minutes=60, marks=30, spec_title="Spec 2027"):
    return PaperFacts(title, spec, spec_title, minutes, marks)


def test_parallel_papers_and_a_single_paper_have_no_problems():
    assert parallel_problems([paper("A"), paper("B"), paper("C")]) == []
    assert parallel_problems([paper("A")]) == []


def test_each_difference_is_one_reason_naming_the_papers():
    problems = parallel_problems([paper("A"), paper("B", marks=29), paper("C", spec=2, spec_title="Spec 2026",
                                                                           minutes=90)])
    assert problems == [
        "The papers must follow the same exam specification: “A” and “B” follow “Spec 2027”; “C” follows “Spec 2026”",
        "The papers must have the same total marks: “A” and “C” have 30; “B” has 29",
        "The papers must allow the same time: “A” and “B” allow 60 minutes; “C” allows 90 minutes",
    ]
