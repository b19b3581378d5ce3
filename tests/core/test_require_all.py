"""Under COP_REQUIRE_ALL=1 (CI) no test may skip, whatever the reason; elsewhere skips stay skips."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = '''
import pytest


def test_runs():
    pass


def test_skips_by_call():
    pytest.skip("no widget on this machine")


@pytest.mark.skipif(True, reason="never on this machine")
def test_skips_by_mark():
    pass
'''

MODULE_PROBE = '''
import pytest

pytest.importorskip("no_such_module_for_cop_tests")


def test_never_collected():
    pass
'''


def run_probe(tmp_path: Path, require_all: bool, *files: str) -> subprocess.CompletedProcess:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    (tmp_path / "test_module_probe.py").write_text(MODULE_PROBE, encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if key != "COP_REQUIRE_ALL" and not key.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(REPO)
    if require_all:
        env["COP_REQUIRE_ALL"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.cop_testing", "-p", "no:cacheprovider",
                           "-q", "-rA", *(files or [str(tmp_path)])], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_every_skip_fails_under_require_all(tmp_path):
    result = run_probe(tmp_path, True, "test_probe.py")
    assert result.returncode == 1, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    # A skip in the call fails the test; a skipif (decided at setup) makes it an error.
    assert "1 failed" in summary and "1 error" in summary and "1 passed" in summary, summary
    assert "skipped" not in summary, summary
    assert "no widget on this machine" in result.stdout
    assert "never on this machine" in result.stdout
    assert "COP_REQUIRE_ALL=1: no test may skip" in result.stdout


def test_a_skipped_module_fails_the_run_under_require_all(tmp_path):
    result = run_probe(tmp_path, True, "test_probe.py", "test_module_probe.py")
    assert result.returncode not in (0, 5), result.stdout + result.stderr  # 2: interrupted by a collection error
    summary = result.stdout.strip().splitlines()[-1]
    assert "1 error" in summary and "skipped" not in summary, summary
    assert "no_such_module_for_cop_tests" in result.stdout
    assert "COP_REQUIRE_ALL=1: no test may skip" in result.stdout


def test_skips_stay_skips_for_a_developer(tmp_path):
    result = run_probe(tmp_path, require_all=False)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "1 passed" in summary and "3 skipped" in summary, summary


def test_the_suite_loads_the_hooks(request):
    from tests import cop_testing

    for hook, function in ((request.config.hook.pytest_runtest_makereport, cop_testing.pytest_runtest_makereport),
                           (request.config.hook.pytest_make_collect_report, cop_testing.pytest_make_collect_report)):
        assert any(impl.function is function for impl in hook.get_hookimpls())
