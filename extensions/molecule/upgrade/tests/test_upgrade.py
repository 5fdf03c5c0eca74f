"""Verify the upgrade from the old runbook on the emulated Mac (tests/darwin, a macOS command emulator).

Molecule's idempotence step has already proved that a second converge changes nothing. The
emulated launchd runs the job in the background, as launchd does: the checks wait for its run.
"""
import json
import re
import time

LEGACY = 'local.ntp.force-sync'


def test_the_legacy_job_is_gone(host):
    gone = host.run('launchctl print system/%s' % LEGACY)
    assert gone.rc == 113
    # The pessimistic profile's print: `Bad request.` before the not-found line (tests/darwin/README.md).
    assert gone.stderr.splitlines() == ['Bad request.', 'Could not find service "%s" in domain for system' % LEGACY]
    assert not host.file('/Library/LaunchDaemons/%s.plist' % LEGACY).exists
    assert not host.file('/usr/local/bin/ntp-verify.sh').exists


def test_the_new_job_is_loaded(host):
    deadline = time.monotonic() + 60
    while True:  # RunAtLoad started the job in the background: wait until a run has finished
        printed = host.run('launchctl print system/org.cifleet.gotime.clock-sync')
        assert printed.rc == 0
        if '\tstate = not running' in printed.stdout and re.search(r'\truns = [1-9]', printed.stdout):
            break
        assert time.monotonic() < deadline, 'the run at load did not finish in 60 s'
        time.sleep(0.2)
    status = json.loads(host.file('/var/db/cifleet.gotime/launchd_sync.json').content_string)
    assert status['action'] == 'none'
    assert status['server'] == '127.0.0.2'


def test_the_hand_edited_ntp_conf_is_replaced_by_systemsetup(host):
    assert host.file('/etc/ntp.conf').content_string == 'server 127.0.0.2\n'
    assert host.check_output('systemsetup -getusingnetworktime') == 'Network Time: On'


def test_the_go_env_policy_is_restored(host):
    env = json.loads(host.check_output("su - ci -c 'go env -json GOPROXY GOSUMDB GOENV'"))
    assert env['GOPROXY'] == 'https://proxy.golang.org,direct'
    assert env['GOSUMDB'] == 'sum.golang.org'
    env_file = host.file(env['GOENV'])
    assert env_file.user == 'ci'
    lines = env_file.content_string.splitlines()
    assert 'GOSUMDB=off' not in lines
    assert 'GOPROXY=direct' not in lines
