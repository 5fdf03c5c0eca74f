"""roles/clock_tool/files/gotime-clock: its decisions, one function at a time, in /bin/sh (dash here).

The script is sourced with GOTIME_CLOCK_LIB=1 (functions only) and each function is called on real
recorded tool output (tests/fixtures/host_sync: Apple's sntp from public sources, ntpdig recorded
here against chronyd). The whole script's runs against real NTP servers are in
tests/functional/test_gotime_guard.py.
"""
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FILES = os.path.join(ROOT, 'roles', 'clock_tool', 'files')
SCRIPT = os.path.join(FILES, 'gotime-clock')
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'host_sync')
SH = '/bin/sh'


def call(snippet, *args, env=None):
    """Run snippet in sh after sourcing the script's functions; (rc, stdout, stderr)."""
    full_env = {'PATH': '/usr/bin:/bin', 'GOTIME_CLOCK_LIB': '1'}
    full_env.update(env or {})
    proc = subprocess.run([SH, '-c', '. "$0" && ' + snippet, SCRIPT] + list(args), env=full_env,
                          capture_output=True, text=True, timeout=30, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def parse(name, rc=0):
    status, out, err = call('parse_reply "$1" "$2"', os.path.join(FIXTURES, name), str(rc))
    assert status == 0 and err == ''
    return out.strip()


@pytest.mark.parametrize('name, expected', [
    ('sntp_modern_ipv4.txt', 'ok 0.171773 0.105399'),
    ('sntp_modern_ipv6.txt', 'ok 0.000480 0.029337'),
    ('sntp_legacy_mojave.txt', 'ok 1087.742403 725.183462'),
    ('ntpdig_legacy_ip.txt', 'ok 0.000048 0.000100'),
    ('ntpdig_legacy_ipv6_behind.txt', 'ok -299.999951 0.000105'),
])
def test_result_lines_of_each_format(name, expected):
    # the numbers pass through as printed: awk's default %.6g would cut -299.999951 to -300
    assert parse(name) == expected


@pytest.mark.parametrize('name, rc, reason', [
    ('sntp_timeout.txt', 69, 'Exchange failed: Timeout; Clock select failed'),
    # Apple's dump after the failure: the error is the sntp: line, never the dump's closing brace
    ('sntp_kod_dump.txt', 69, 'Exchange failed: Kiss of death'),
    ('ntpdig_no_reply.txt', 1, 'no eligible servers'),
    ('ntpdig_lookup_failure.txt', 1, 'lookup of ip6-localhost failed, errno -2 = Name or service not known; no eligible servers'),
    ('ntpdig_lookup_failure_loopback.txt', 1,
     'lookup of no-such-host.invalid failed, errno -3 = Temporary failure in name resolution; no eligible servers'),
    # recorded Apple sntp output kept by the macOS command emulator (tests/darwin/recorded, sources in its README)
    ('../../darwin/recorded/sntp_dead_server.stderr', 69, 'Exchange failed: Timeout; Clock select failed'),
    ('../../darwin/recorded/sntp_timeout_dump.txt', 69, 'Exchange failed: Timeout; Clock select failed'),
    ('../../darwin/recorded/sntp_dns_failure_dump.txt', 69, 'Exchange failed: DNS lookup failure'),
    ('../../darwin/recorded/sntp_unsynchronized_dump.txt', 69, 'Exchange failed: Server not synchronized'),
])
def test_errors_come_from_the_tools_own_error_lines(name, rc, reason):
    assert parse(name, rc) == 'fail ' + reason


@pytest.mark.parametrize('failed, answered, expected', [
    ('sntp_kod_dump.txt', 'sntp_modern_ipv4.txt', 'ok 0.171773 0.105399'),
    # Apple's sntp reports a timed-out address and still answers from the next one
    ('sntp_timeout.txt', 'sntp_modern_ipv6.txt', 'ok 0.000480 0.029337'),
])
def test_a_result_after_failed_tries_wins(tmp_path, failed, answered, expected):
    sample = tmp_path / 'retry.txt'
    with open(os.path.join(FIXTURES, failed)) as dump, open(os.path.join(FIXTURES, answered)) as ok:
        sample.write_text(dump.read() + ok.read())
    status, out, dummy = call('parse_reply "$1" 0', str(sample))
    assert out.strip() == expected


@pytest.mark.parametrize('text, said', [
    ('', 'fail no result (exit 0)'),
    ('Network Time: On\n', 'fail no result (exit 0): Network Time: On'),
    # no error bound: not a result line
    ('+0.1 time.apple.com 17.253.60.45\n', 'fail no result (exit 0): +0.1 time.apple.com 17.253.60.45'),
])
def test_other_output_is_a_failure_naming_its_first_line(tmp_path, text, said):
    sample = tmp_path / 'other.out'
    sample.write_text(text)
    status, out, dummy = call('parse_reply "$1" 0', str(sample))
    assert out.strip() == said


@pytest.mark.parametrize('name, rc, said', [
    # a step that exited non-zero: its own error lines, never a result line printed before the failure
    ('sntp_timeout.txt', 69, 'fail Exchange failed: Timeout; Clock select failed'),
    ('sntp_modern_ipv4.txt', 1, 'fail exit 1: +0.171773 +/- 0.105399 time.apple.com 17.253.60.45'),
])
def test_a_failed_step_is_read_from_its_error_lines(name, rc, said):
    status, out, err = call('parse_reply "$1" "$2" errors', os.path.join(FIXTURES, name), str(rc))
    assert (status, err, out.strip()) == (0, '', said)


def test_a_killed_tool_with_no_words_is_a_timeout(tmp_path):
    empty = tmp_path / 'empty.out'
    empty.write_text('')
    status, out, dummy = call('parse_reply "$1" 143', str(empty))
    assert out.strip() == 'fail no reply within the timeout'
    status, out, dummy = call('parse_reply "$1" 3', str(empty))
    assert out.strip() == 'fail no result (exit 3)'


def select(tmp_path, replies, configured):
    path = tmp_path / 'replies'
    path.write_text(''.join(line + '\n' for line in replies))
    status, out, err = call('select_time "$1" "$2"', str(path), str(configured))
    assert status == 0 and err == ''
    return out.splitlines()


def test_three_agree_and_one_falseticker_is_named(tmp_path):
    lines = select(tmp_path, ['a ok 0.0001 0.0002', 'b ok -0.0001 0.0002', 'c ok 0.00005 0.0001',
                              'd ok 300.0001 0.0002'], 4)
    verdict = lines[0].split()
    assert verdict[0] == 'agreed' and verdict[3:] == ['3', '4']
    assert abs(float(verdict[1])) < 0.0002
    assert sorted(lines[1:]) == ['falseticker d 300.000100', 'truechimer a 0.000100',
                                 'truechimer b -0.000100', 'truechimer c 0.000050']


def test_one_good_one_bad_is_no_majority(tmp_path):
    assert select(tmp_path, ['a ok 0.0 0.001', 'b ok 300.0 0.001'], 2) == \
        ['none no majority: 1 of 2 answering servers agree']


def test_never_on_one_servers_word_when_more_are_configured(tmp_path):
    lines = select(tmp_path, ['a ok 300.0 0.001', 'b fail no eligible servers', 'c fail no reply within the timeout'], 3)
    assert lines == ['none only one server answered of 3 configured: never trusted alone']


def test_one_configured_server_may_decide_alone(tmp_path):
    lines = select(tmp_path, ['a ok -300.0 0.001'], 1)
    assert lines[0].split()[:2] == ['agreed', '-300.000000'] and lines[1] == 'truechimer a -300.000000'


def test_nothing_answered(tmp_path):
    assert select(tmp_path, ['a fail no eligible servers'], 1) == ['none no server answered']


def test_all_skewed_alike_agree_on_the_skew(tmp_path):
    lines = select(tmp_path, ['a ok 300.0001 0.001', 'b ok 299.9999 0.001', 'c ok 300.0 0.001'], 3)
    assert lines[0].startswith('agreed 300.0')


@pytest.mark.parametrize('offset, threshold, beyond', [
    ('1.5', '1', True), ('-1.5', '1', True), ('0.999', '1', False), ('-1', '1', False), ('300', '270', True)])
def test_exceeds(offset, threshold, beyond):
    assert (call('exceeds "$1" "$2"', offset, threshold)[0] == 0) is beyond


def test_describe_offset_says_slow_or_fast():
    assert call('describe_offset -300.25')[1] == '300.250 s fast'
    assert call('describe_offset 2')[1] == '2.000 s slow'


def test_config_is_parsed_never_sourced(tmp_path):
    marker = tmp_path / 'ran'
    conf = tmp_path / 'clock.conf'
    conf.write_text('# comment\n servers = a.example,b.example \nthreshold=2\n'
                    'status=/var/x $(touch %s)\n' % marker)
    status, out, err = call('load_config "$1" && printf "%s|%s|%s" "$SERVERS" "$THRESHOLD" "$STATUS"', str(conf))
    assert (status, err) == (0, '')
    assert out == 'a.example,b.example|2|/var/x $(touch %s)' % marker
    assert not marker.exists()


def test_config_with_an_unknown_key_is_refused_by_line(tmp_path):
    conf = tmp_path / 'clock.conf'
    conf.write_text('servers=a\nthreshhold=2\n')
    status, out, err = call('load_config "$1"', str(conf))
    assert status == 64
    assert 'line 2: threshhold=2' in err and 'KEY one of: servers threshold' in err


@pytest.mark.parametrize('servers', ['-S', 'a,b;rm', 'a b,$(x)', ''])
def test_servers_that_are_not_hosts_are_refused(servers):
    status, out, err = call('check_servers --servers "$1"', servers)
    assert status == 64 and '--servers' in err


def test_servers_split_and_deduplicated():
    assert call('split_servers "a,b, c,,a"')[1].split() == ['a', 'b', 'c']


def test_json_status_holds_the_new_keys(tmp_path):
    snippet = ('R_TIME=2026-12-01T00:00:00Z R_OFFSET=-300.1 R_ACTION=stepped R_SERVER=a R_ERROR= '
               'R_AGREED="a, b" R_FALSETICKERS=c R_TRIGGER=job R_BOUND=0.001 R_DECISION=stepped '
               'SERVERS=a,b,c THRESHOLD=1 && status_json')
    data = json.loads(call(snippet)[1])
    assert data == {'time': '2026-12-01T00:00:00Z', 'offset': -300.1, 'action': 'stepped', 'server': 'a',
                    'error': None, 'threshold': 1, 'servers': ['a', 'b', 'c'], 'agreed': ['a', 'b'],
                    'falsetickers': ['c'], 'trigger': 'job', 'error_bound': 0.001, 'decision': 'stepped'}


# gotime-step's own lines (step_mode's say), as the guard reads them back
STEP_LINE = '2026-12-01T00:00:00Z trigger=job action=%s offset=-300.1 server=%s agreed=a, b, c falsetickers=none'


@pytest.mark.parametrize('line, words', [
    (STEP_LINE % ('stepped', 'a'), 'stepped a 1'),
    (STEP_LINE % ('stepped_unverified', 'a') + ' error=stepped by -300.100 s from a, not verified: no agreed time: x',
     'stepped_unverified a 1'),
    (STEP_LINE % ('failed', 'a') + ' error=step from a did not bring the clock within 1 s (stepped by -200.000 s; after: y)',
     'failed a 1'),
    (STEP_LINE % ('failed', 'a') + ' error=step from a failed: Exchange failed: Timeout', 'failed a 0'),
    (STEP_LINE % ('failed', 'none') + ' error=no agreed time: no server answered', 'failed - 0'),
    (STEP_LINE % ('none', 'a'), 'none a 0'),
    # sudo's refusal, and gotime-step without a client: no line of the form, so no step
    ('sudo: a password is required', '- - 0'),
    ('2026-12-01T00:00:00Z action=failed error=no NTP client found (sntp or ntpdig)', '- - 0'),
])
def test_step_words_say_whether_gotime_step_stepped(tmp_path, line, words):
    said = tmp_path / 'step.out'
    said.write_text('gotime-step: could not write the textfile /x (directory missing or not writable)\n' + line + '\n')
    assert call('step_words "$1"', str(said))[1].strip() == words


def test_stopped_runs_say_whether_the_budget_or_a_signal_stopped_them(tmp_path):
    snippet = 'WORK="$1" BUDGET=10 STOPPED=%s && budget_note'
    assert call(snippet % 0, str(tmp_path))[1] == ''
    # a TERM from outside (the guard stops gotime-step when its own budget ends)
    assert call(snippet % 1, str(tmp_path))[1] == '; stopped by a TERM signal (its budget of 10 s was not spent)'
    (tmp_path / 'budget-spent').write_text('')  # the watchdog's mark
    assert call(snippet % 1, str(tmp_path))[1] == '; budget of 10 s spent'


def test_the_watchdog_marks_the_budget_it_ends(tmp_path):
    snippet = 'WORK="$1" && start_watchdog 0.2 && sleep 1; printf "%s" "$STOPPED"'
    status, out, err = call(snippet, str(tmp_path))
    assert (status, out) == (0, '1') and (tmp_path / 'budget-spent').exists()


def test_clock_actions_are_the_ones_clock_facts_accepts():
    from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_launchd import LAUNCHD_ACTIONS
    assert call('printf %s "$CLOCK_ACTIONS"')[1].split() == list(LAUNCHD_ACTIONS)


@pytest.mark.parametrize('action, stepped, checks', [
    ('stepped_unverified', '1', 'stepped_unverified'),
    # a step that did not bring the clock within the threshold still counts as a step
    ('failed', '1', 'failed'),
    ('failed', '0', 'failed'),
])
def test_clock_textfile_counts_every_step_and_each_action(tmp_path, action, stepped, checks):
    previous = tmp_path / 'old.prom'
    previous.write_text('gotime_sync_steps_total{trigger="job"} 4\ngotime_sync_checks_total{action="%s"} 2\n' % checks)
    snippet = 'R_ACTION=%s R_STEPPED=%s R_TRIGGER=job R_AGREED=a R_FALSETICKERS= THRESHOLD=1 && clock_textfile "$1"' % (action, stepped)
    out = call(snippet, str(previous))[1]
    assert 'gotime_sync_steps_total{trigger="job"} %d' % (4 + int(stepped)) in out
    assert 'gotime_sync_checks_total{action="%s"} 3' % checks in out
    assert sum(1 for line in out.splitlines() if line.startswith('gotime_sync_checks_total{')) == 4


def test_textfile_counters_carry_over(tmp_path):
    previous = tmp_path / 'old.prom'
    previous.write_text('gotime_guard_decisions_total{result="in_sync"} 41\n')
    snippet = 'R_DECISION=in_sync R_FINAL_OFFSET=0.001 && guard_textfile "$1"'
    out = call(snippet, str(previous))[1]
    assert 'gotime_guard_decisions_total{result="in_sync"} 42' in out
    assert 'gotime_guard_decisions_total{result="refused_skewed"} 0' in out


def test_usage_errors_name_the_option():
    for argv, word in ((['guard', '--threshold', 'soon'], '--threshold'),
                       (['guard', '--on-no-source', 'maybe'], '--on-no-source'),
                       (['guard', '--bogus'], '--bogus'),
                       (['guard', '--timeout'], '--timeout'),
                       (['step', '--servers', 'a', 'extra'], 'extra'),
                       (['frobnicate'], 'frobnicate')):
        proc = subprocess.run([SCRIPT] + argv, capture_output=True,
                              text=True, timeout=30, check=False)
        assert proc.returncode == 64, (argv, proc.stderr)
        assert word in proc.stderr and proc.stdout == ''


def test_gotime_step_refuses_any_argument():
    proc = subprocess.run([os.path.join(FILES, 'gotime-step'), '--trigger', 'manual'], capture_output=True,
                          text=True, timeout=30, check=False)
    assert proc.returncode == 64 and 'takes no arguments' in proc.stderr


def test_shellcheck_clean():
    assert shutil.which('shellcheck'), 'shellcheck is not installed: make setup-test (tests/apt-packages.txt)'
    scripts = [os.path.join(FILES, name) for name in ('gotime-clock', 'gotime-guard', 'gotime-step')]
    proc = subprocess.run(['shellcheck', '-s', 'sh'] + scripts, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


def test_jitter_under_a_millisecond_is_no_disagreement(tmp_path):
    # ntpdig reports errors of about 0.1 ms on loopback; two truthful servers 0.5 ms apart still agree
    lines = select(tmp_path, ['a ok 0.0000 0.0001', 'b ok 0.0005 0.0001', 'c ok 300.0 0.0001'], 3)
    assert lines[0].split()[3:] == ['2', '3'] and 'falseticker c 300.000000' in lines
