"""gotime-clock's checks that need root: what root trusts (root-owned, no group/world write) and step's
refusal of a config others could write. Its other functions, which any user can call, are unit tests
(tests/unit/scripts/test_gotime_clock.py)."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='root-owned files and step need root')


def call(snippet, *args):
    """Run snippet in sh after sourcing the script's functions; (rc, stdout, stderr)."""
    proc = subprocess.run(['/bin/sh', '-c', '. "$0" && ' + snippet, SCRIPT] + list(args),
                          env={'PATH': '/usr/bin:/bin', 'GOTIME_CLOCK_LIB': '1'},
                          capture_output=True, text=True, timeout=30, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_trusted_path_wants_root_and_no_group_or_world_write(tmp_path):
    path = tmp_path / 'clock.conf'
    path.write_text('servers=a\n')
    for mode, trusted in ((0o644, True), (0o664, False), (0o646, False), (0o600, True)):
        os.chmod(str(path), mode)
        assert (call('trusted_path "$1"', str(path))[0] == 0) is trusted, oct(mode)
    os.chown(str(path), 65534, 65534)
    os.chmod(str(path), 0o644)
    assert call('trusted_path "$1"', str(path))[0] == 1


def test_step_refuses_a_config_others_could_write(tmp_path):
    conf = tmp_path / 'clock.conf'
    conf.write_text('servers=127.0.0.1\ntool=/bin/false\n')
    os.chmod(str(conf), 0o666)
    proc = subprocess.run([SCRIPT, 'step', '--config', str(conf)], capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 77
    assert 'is not root-owned or is group/world writable' in proc.stderr and proc.stdout == ''
