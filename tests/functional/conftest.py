"""Shared fixtures: the local lab (real chronyd, TLS and HTTPS servers on 127.0.0.1)."""
import json
import os
import subprocess
import sys

import pytest

LABCTL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lab', 'labctl.py')


@pytest.fixture(scope='session')
def lab(tmp_path_factory):
    """The full lab, started once per session; a dict as written to its state file."""
    from lab import ntp_lab
    from support.lab_checks import require_lab
    require_lab(ntp_lab.missing_tools())
    state = str(tmp_path_factory.mktemp('lab') / 'lab.json')
    subprocess.run([sys.executable, LABCTL, 'start', '--state', state], check=True)
    try:
        with open(state) as handle:
            yield json.load(handle)
    finally:
        subprocess.run([sys.executable, LABCTL, 'stop', '--state', state], check=True)
