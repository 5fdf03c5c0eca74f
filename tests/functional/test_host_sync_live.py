# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather_host_sync() for real: on this machine as it is, and against live chronyd -x daemons of the
test's own (root: chronyd drops to _chrony). The recorded replays are in tests/unit."""

import json
import os
import platform
import shutil
import subprocess
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync as hs
from lab import other_user
from lab.ntp_lab import CHRONYD, LIBFAKETIME, ChronyServer, missing_tools


def run_for_real(argv):
    env = dict(os.environ, LANG='C', LC_ALL='C')
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60,
                          universal_newlines=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_gather_on_this_machine():
    result = hs.gather_host_sync(run_for_real, platform.system(), shutil.which)
    assert result['daemon'] in (None, 'timed', 'chronyd', 'systemd-timesyncd', 'ntpd')
    for key in ('network_time_enabled', 'synchronized'):
        assert result[key] in (None, True, False)
    assert result['offset'] is None or isinstance(result['offset'], float)
    assert isinstance(result['servers'], list) and all(isinstance(s, str) for s in result['servers'])
    assert result['source'] in (None, 'systemsetup', 'chronyc', 'timedatectl')
    assert result['needs_admin'] in (True, False)
    assert isinstance(result['errors'], list) and all(isinstance(e, str) for e in result['errors'])
    json.dumps(result)


@pytest.fixture
def chrony_clients():
    """chronyd -x clients with their own command socket: start(name, conf_lines, fake='+300s') -> socket."""
    reason = missing_tools() or (None if shutil.which('chronyc') else 'not installed: chronyc')
    if reason or os.geteuid() != 0:
        pytest.skip(reason or 'needs root (chronyd drops to _chrony)')
    top = other_user.shared_dir('hostsync-lab-')  # chronyd drops to _chrony
    shutil.chown(top, '_chrony', '_chrony')
    procs = []

    def start(name, lines, fake=None):
        path = os.path.join(top, name)
        os.mkdir(path, 0o770)
        shutil.chown(path, '_chrony', '_chrony')
        sock = os.path.join(path, 'chronyd.sock')
        conf = os.path.join(path, 'chrony.conf')
        with open(conf, 'w') as handle:
            handle.write('\n'.join(list(lines) + [
                'cmdport 0', 'bindcmdaddress %s' % sock,
                'driftfile %s/drift' % path, 'pidfile %s/chronyd.pid' % path]) + '\n')
        env = dict(os.environ)
        if fake:
            env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=fake)
        log = open(os.path.join(path, 'log'), 'w')
        procs.append(subprocess.Popen([CHRONYD, '-x', '-d', '-f', conf], stdout=log, stderr=subprocess.STDOUT, env=env))
        log.close()
        return sock

    start.top = top
    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(top, ignore_errors=True)


def chronyc_for(lab, sock):
    """A chronyc that talks to the lab daemon's own command socket."""
    wrapper = os.path.join(lab.top, 'chronyc-%d' % len(os.listdir(lab.top)))
    with open(wrapper, 'w') as handle:
        handle.write('#!/bin/sh\nexec %s -h %s "$@"\n' % (shutil.which('chronyc'), sock))
    os.chmod(wrapper, 0o755)
    return {'chronyc': wrapper}.get


def gather_until(which, done):
    """Poll gather_host_sync() until done(result) holds; chronyd needs a few polls (bounded)."""
    deadline = time.monotonic() + 30
    while True:
        result = hs.gather_host_sync(run_for_real, 'Linux', which)
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_gather_live_chronyd(chrony_clients):
    with ChronyServer() as server:
        server_line = 'server %s port %d iburst minpoll -2 maxpoll -2' % (server.address, server.port)
        right = chronyc_for(chrony_clients, chrony_clients('right', [server_line, 'port 0']))
        fast = chronyc_for(chrony_clients, chrony_clients('fast', [server_line, 'port 0'], fake='+300s'))

        result = gather_until(right, lambda r: r['synchronized'])
        assert (result['daemon'], result['source'], result['synchronized']) == ('chronyd', 'chronyc', True)
        assert result['network_time_enabled'] is True
        assert result['servers'] == [server.address]
        assert abs(result['offset']) < 0.01
        assert result['errors'] == []

        # the clock of this client runs 300 s fast: the daemon reports server - host = -300
        result = gather_until(fast, lambda r: r['offset'] is not None and abs(r['offset']) > 1)
        assert result['synchronized'] is True
        assert result['offset'] == pytest.approx(-300.0, abs=0.5)
