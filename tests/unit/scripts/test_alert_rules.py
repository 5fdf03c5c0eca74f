"""extras/prometheus/gotime_alerts.yml: promtool checks the rules, runs their unit tests
(tests/prometheus/gotime_alerts_test.yml), and checks the textfiles gotime-clock writes; every host
metric the rules use is one the script writes."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RULES = os.path.join(ROOT, 'extras', 'prometheus', 'gotime_alerts.yml')
RULE_TESTS = os.path.join(ROOT, 'tests', 'prometheus', 'gotime_alerts_test.yml')
SCRIPT = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')


@pytest.fixture(scope='module')
def promtool():
    path = shutil.which('promtool')
    assert path, 'promtool is not installed: make setup-test (Debian package prometheus, tests/apt-packages.txt)'
    return path


def run(argv, data=None):
    return subprocess.run(argv, input=data, capture_output=True, text=True, timeout=60, check=False)


def textfile(kind, tmp_path):
    """What the script writes for one run (KIND clock or guard), through its own functions."""
    snippet = ('. "$0" && R_ACTION=stepped R_TRIGGER=job R_DECISION=stepped R_AGREED="a, b" R_FALSETICKERS=c '
               'R_FINAL_OFFSET=0.0012 THRESHOLD=1 && %s_textfile "$1"' % kind)
    proc = run(['/bin/sh', '-c', snippet, SCRIPT, str(tmp_path / 'none.prom')])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_rules_are_valid(promtool):
    proc = run([promtool, 'check', 'rules', RULES])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'SUCCESS: 6 rules found' in proc.stdout


def test_rules_fire_as_their_tests_say(promtool):
    proc = run([promtool, 'test', 'rules', RULE_TESTS])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize('kind', ['clock', 'guard'])
def test_textfiles_are_valid_exposition(promtool, kind, tmp_path, monkeypatch):
    monkeypatch.setenv('GOTIME_CLOCK_LIB', '1')
    text = textfile(kind, tmp_path)
    proc = run([promtool, 'check', 'metrics'], text)
    assert proc.returncode == 0, proc.stdout + proc.stderr + text


def test_rules_use_only_metrics_the_script_writes(tmp_path, monkeypatch):
    monkeypatch.setenv('GOTIME_CLOCK_LIB', '1')
    written = set(re.findall(r'^# TYPE (\w+) ', textfile('clock', tmp_path) + textfile('guard', tmp_path), re.M))
    with open(RULES) as handle:
        used = set(re.findall(r'\b(gotime_(?:sync|guard)_\w+)', handle.read()))
    assert used and used <= written, sorted(used - written)
