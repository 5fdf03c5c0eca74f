"""scripts/find-python picks an interpreter ansible-core can run on, from stand-in interpreters.

Each stand-in is a tiny script that answers the version query as that Python would, so the
search order and the refusal can be tried here for a Mac whose python3 is Apple's 3.9.
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIND_PYTHON = os.path.join(ROOT, 'scripts', 'find-python')


class Machine(object):
    """A PATH of stand-in interpreters plus the tools the script uses, and a fake Homebrew dir."""

    def __init__(self, tmp_path):
        self.bin = tmp_path / 'bin'
        self.brew = tmp_path / 'opt-homebrew-bin'
        self.bin.mkdir()
        self.brew.mkdir()
        for tool in ('bash',):
            os.symlink(shutil.which(tool), str(self.bin / tool))

    def python(self, name, version, where=None):
        path = (where or self.bin) / name
        if version is None:
            path.write_text('#!/bin/sh\nexit 127\n')
        else:
            path.write_text('#!/bin/sh\necho %s\n' % version)
        path.chmod(0o755)
        return str(path)

    def find(self, python=None):
        env = {'PATH': str(self.bin), 'GOTIME_PYTHON_DIRS': str(self.brew)}
        if python:
            env['PYTHON'] = python
        return subprocess.run([shutil.which('bash'), FIND_PYTHON], env=env, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


@pytest.fixture
def mac(tmp_path):
    return Machine(tmp_path)


def test_apple_python_is_passed_over_for_a_versioned_one(mac):
    mac.python('python3', '3.9')
    wanted = mac.python('python3.12', '3.12')
    result = mac.find()
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, wanted, '')


def test_python3_on_path_comes_first_when_it_fits(mac):
    wanted = mac.python('python3', '3.11')
    mac.python('python3.13', '3.13')
    assert mac.find().stdout.strip() == wanted


def test_homebrew_python_found_outside_path(mac):
    mac.python('python3', '3.9')
    wanted = mac.python('python3.13', '3.13', where=mac.brew)
    assert mac.find().stdout.strip() == wanted


def test_too_new_and_broken_interpreters_are_skipped(mac):
    mac.python('python3', '3.14')
    mac.python('python3.13', None)
    wanted = mac.python('python3.11', '3.11')
    assert mac.find().stdout.strip() == wanted


def test_only_apple_python_stops_with_one_line_naming_the_fix(mac):
    apple = mac.python('python3', '3.9')
    result = mac.find()
    assert result.returncode == 1 and result.stdout == ''
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert '%s (3.9)' % apple in lines[0]
    assert 'Python 3.11 to 3.13' in lines[0] and 'brew install python@3.13' in lines[0]


def test_no_python_at_all_says_nothing_was_found(mac):
    result = mac.find()
    assert result.returncode == 1
    assert 'found nothing' in result.stderr


def test_python_variable_is_used_or_refused_never_searched_past(mac):
    mac.python('python3.12', '3.12')
    chosen = mac.python('custom-python', '3.13', where=mac.brew)
    assert mac.find(python=chosen).stdout.strip() == chosen
    old = mac.python('old-python', '3.9', where=mac.brew)
    result = mac.find(python=old)
    assert result.returncode == 1 and result.stdout == ''
    assert 'PYTHON=%s is 3.9' % old in result.stderr
