# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The timesync role's macOS wait reads sntp's answer the way gotime-clock does.

sntp's output has one parser, gotime-clock's parse_reply (roles/clock_tool/files/gotime-clock: it
runs on the Mac from launchd, where none of this collection's Python is). The timesync role's wait
runs sntp through Ansible and only picks the offset (`__timesync_sntp_offset`) and the error line
(`__timesync_sntp_error`) out of it, in roles/timesync/vars/main.yml. Here both read every recorded
sntp and ntpdig output, and the role's picks must be what parse_reply found.
"""
import glob
import os
import subprocess

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template  # ansible-core 2.19+: variables are templated only when trusted
except ImportError:  # older ansible-core templates every string
    def trust_as_template(value):
        return value

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
RECORDED = sorted(glob.glob(os.path.join(ROOT, 'tests', 'fixtures', 'host_sync', 'sntp_*.txt'))
                  + glob.glob(os.path.join(ROOT, 'tests', 'fixtures', 'host_sync', 'ntpdig_*.txt'))
                  + glob.glob(os.path.join(ROOT, 'tests', 'darwin', 'recorded', 'sntp_*')))

with open(os.path.join(ROOT, 'roles', 'timesync', 'vars', 'main.yml')) as _handle:
    ROLE_VARS = yaml.safe_load(_handle)


def parse_reply(path):
    """gotime-clock's verdict on the file: ('ok', offset, error) or ('fail', [messages])."""
    proc = subprocess.run(['/bin/sh', '-c', '. "$0" && parse_reply "$1" 1', SCRIPT, path], env={
        'PATH': '/usr/bin:/bin', 'GOTIME_CLOCK_LIB': '1'}, capture_output=True, text=True, timeout=30, check=True)
    word, rest = proc.stdout.strip().split(' ', 1)
    if word == 'ok':
        offset, error = rest.split()
        return word, float(offset), float(error)
    return word, rest.split('; ')


def role_reads(text):
    """(offset, error) as the role's vars pick them from sntp's stdout (errors come on stderr or stdout)."""
    variables = dict((key, trust_as_template(value) if isinstance(value, str) else value) for key, value in ROLE_VARS.items())
    variables['__timesync_sntp_result'] = {'stdout': text, 'stdout_lines': text.splitlines(), 'stderr': '', 'stderr_lines': []}
    templar = Templar(loader=DataLoader(), variables=variables)
    return tuple(templar.template(trust_as_template('{{ %s }}' % name)) for name in ('__timesync_sntp_offset', '__timesync_sntp_error'))


def test_every_recorded_output_is_read():
    assert len(RECORDED) >= 12


@pytest.mark.parametrize('path', RECORDED, ids=os.path.basename)
def test_the_role_picks_what_gotime_clock_parses(path):
    with open(path) as handle:
        text = handle.read()
    offset, error = role_reads(text)
    verdict = parse_reply(path)
    if verdict[0] == 'ok':
        assert float(offset) == verdict[1]
    else:
        assert offset == ''
        if error:
            # Apple's sntp: its last error other than `Clock select failed`, one of gotime-clock's reasons
            assert error.startswith('sntp: ') and error[len('sntp: '):] in verdict[1]
            assert error != 'sntp: Clock select failed' or verdict[1] == ['Clock select failed']
        else:
            assert os.path.basename(path).startswith('ntpdig_')  # ntpdig's lines: the role only runs Apple's sntp
