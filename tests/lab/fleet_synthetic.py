"""Synthetic fleet data for the fleet report: gotime_clock facts and go_env results shaped as the
modules' contracts (DESIGN.md), and the cached per-host records report.yml builds from them.

Deterministic for a given host count, so tests can assert exact contents.
"""
import datetime

CHECKED_AT = datetime.datetime(2026, 11, 27, 18, 0, 0, tzinfo=datetime.timezone.utc)
# Cycle of host kinds; every report state and go posture appears within the first len(KINDS) hosts.
KINDS = ('ok', 'skewed', 'tls_window', 'no_time_source', 'ok_insecure', 'unreachable', 'failed', 'ok_no_go',
         'ok_darwin', 'skewed_fast', 'falseticker', 'https_date')


def _iso(moment):
    return moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _server(host, port, offset, status='ok'):
    if status != 'ok':
        return {'host': host, 'port': port, 'address': '127.0.0.1', 'status': status, 'offset': None, 'delay': None,
                'stratum': None, 'leap': None, 'ref_id': None, 'root_delay': None, 'root_dispersion': None,
                'root_distance': None, 'samples': 0, 'error': '%s: no reply within 1.0 s' % status}
    return {'host': host, 'port': port, 'address': '127.0.0.1', 'status': 'ok', 'offset': offset, 'delay': 0.0003,
            'stratum': 8, 'leap': 0, 'ref_id': '7F7F0101', 'root_delay': 0.0, 'root_dispersion': 0.0001,
            'root_distance': 0.00025, 'samples': 3, 'error': None}


def _certificate(endpoint, host_now, true_now, window='valid'):
    if window == 'error':
        return {'endpoint': endpoint, 'error': 'connection refused', 'subject': None, 'issuer': None, 'sans': None,
                'not_before': None, 'not_after': None, 'valid_at_host_time': None, 'valid_at_true_time': None,
                'seconds_until_expiry': None}
    if window == 'not_yet_valid_at_host':
        not_before = host_now + datetime.timedelta(seconds=100)
    else:
        not_before = host_now - datetime.timedelta(days=1)
    not_after = not_before + datetime.timedelta(days=30)
    return {'endpoint': endpoint, 'subject': 'CN=%s' % endpoint.split(':')[0], 'issuer': 'O=cifleet gotime test CA',
            'sans': [endpoint.split(':')[0]], 'not_before': _iso(not_before), 'not_after': _iso(not_after),
            'valid_at_host_time': not_before <= host_now <= not_after,
            'valid_at_true_time': not_before <= true_now <= not_after,
            'seconds_until_expiry': round((not_after - true_now).total_seconds(), 3), 'error': None}


# Managed (MDM) time settings of the macOS hosts, cycling with each pass through KINDS, and the fleet's
# servers their records carry (time_servers): a profile pinning another server, the fleet's server,
# unreadable settings, no profile.
MDM_CASES = ('disagrees', 'agrees', 'unreadable', 'unmanaged')
FLEET_SERVER = 'ntp.corp.example'
MDM_UNREADABLE = ('managed time settings unreadable: osascript: rc 1: execution error: Error: Error: some object; '
                  '/Library/Managed Preferences/com.apple.MCX.plist: not present')


def mdm_case(index):
    return MDM_CASES[(index // len(KINDS)) % len(MDM_CASES)] if kind_of(index) == 'ok_darwin' else None


def mdm_fact(case):
    """host_sync.mdm as clock_facts reports it (docs/facts.md) for an MDM_CASES case."""
    server = {'disagrees': 'time.apple.com', 'agrees': FLEET_SERVER}.get(case)
    if case == 'unreadable':
        return {'managed': None, 'time_server': None, 'servers': [], 'time_zone': None, 'source': None, 'reason': MDM_UNREADABLE}
    return {'managed': server is not None, 'time_server': server, 'servers': [server] if server else [],
            'time_zone': 'Europe/Berlin' if server else None, 'source': 'osascript', 'reason': None}


def time_servers(index):
    """The record's time_servers (timesync_servers + timesync_pools) of host number index; None: not set."""
    case = mdm_case(index)
    if case == 'disagrees':
        return [FLEET_SERVER, 'time.apple.com']
    return [FLEET_SERVER] if case == 'agrees' else None


def clock_fact(index, kind, max_offset=1.0):
    """A gotime_clock fact of the given kind for host number index."""
    host_now = CHECKED_AT + datetime.timedelta(seconds=index)
    offset = 0.0001 * ((index % 7) - 3)
    servers = [_server('ntp%d.lab' % n, 123, offset) for n in range(3)]
    verdict, reason, source = 'ok', 'host clock within max_offset', 'ntp'
    certificate_window = 'valid'
    falsetickers = []
    https = {'results': [], 'estimate': None}
    if kind in ('skewed', 'tls_window'):
        offset = 300.0 + index * 0.01
        servers = [_server('ntp%d.lab' % n, 123, offset) for n in range(3)]
        verdict = kind
        certificate_window = 'not_yet_valid_at_host' if kind == 'tls_window' else 'valid'
        reason = 'host clock %.3f s slow' % offset
    elif kind == 'skewed_fast':
        offset = -45.5 - index * 0.01
        servers = [_server('ntp%d.lab' % n, 123, offset) for n in range(3)]
        verdict, reason = 'skewed', 'host clock %.3f s fast' % -offset
    elif kind == 'no_time_source':
        offset = None
        servers = [_server('ntp%d.lab' % n, 123, None, 'timeout') for n in range(3)]
        verdict, reason, source = 'no_time_source', 'no NTP server gave a usable answer', None
        certificate_window = 'error'
    elif kind == 'falseticker':
        servers[2] = _server('ntp2.lab', 123, 120.0)
        falsetickers = ['ntp2.lab:123']
        reason = 'within max_offset; falsetickers ignored: ntp2.lab:123'
    elif kind == 'https_date':
        offset = 1.0
        servers = [_server('ntp%d.lab' % n, 123, None, 'timeout') for n in range(3)]
        https = {'results': [{'url': 'https://date.lab/', 'status': 'ok', 'offset': 1.0, 'round_trip': 0.01, 'resolution': 1.0,
                              'date': 'Fri, 27 Nov 2026 18:00:01 GMT', 'error': None, 'note': 'one-second resolution'}],
                 'estimate': {'source': 'https_date', 'offset': 1.0, 'error_bound': 1.005, 'resolution': 1.0, 'spread': 0.0, 'count': 1}}
        source = 'https_date'
        max_offset = 5.0
    true_now = host_now + datetime.timedelta(seconds=offset or 0.0)
    truechimers = []
    if offset is not None and source == 'ntp':
        truechimers = ['%s:%s' % (s['host'], s['port']) for s in servers if s['status'] == 'ok' and s['host'] + ':123' not in falsetickers]
    darwin = kind == 'ok_darwin'
    launchd = None
    if darwin:
        launchd = {'time': _iso(host_now - datetime.timedelta(minutes=30)), 'offset': 0.02, 'action': 'none',
                   'server': 'time.apple.com', 'error': None, 'threshold': 1.0}
    fact = {
        'checked_at': _iso(host_now),
        'platform': 'Darwin' if darwin else 'Linux',
        'offset': offset,
        'error_bound': None if offset is None else (1.005 if source == 'https_date' else 0.00025),
        'offset_source': source,
        'max_offset': max_offset,
        'ntp': {'servers': servers, 'selection': {
            'offset': offset if source == 'ntp' else None, 'error_bound': 0.00025 if source == 'ntp' else None,
            'truechimers': truechimers, 'falsetickers': falsetickers, 'majority': source == 'ntp',
            'candidates': len(truechimers) + len(falsetickers), 'reason': None if source == 'ntp' else 'no server answered'}},
        'https_date': https,
        'host_sync': {'daemon': 'timed' if darwin else 'chronyd', 'network_time_enabled': True,
                      'servers': ['time.apple.com'] if darwin else ['ntp0.lab'], 'synchronized': None if darwin else kind == 'ok',
                      'offset': None, 'source': 'systemsetup' if darwin else 'chronyc', 'needs_admin': False,
                      'launchd_sync': launchd, 'errors': [], 'mdm': mdm_fact(mdm_case(index)) if darwin else None},
        'certificates': [_certificate('proxy.golang.org:443', host_now, true_now, certificate_window),
                         _certificate('sum.golang.org:443', host_now, true_now)],
        'verdict': verdict,
        'reason': reason,
    }
    return fact


def go_result(kind):
    """A registered go_env result (check mode, no settings) for the host kind."""
    if kind == 'ok_no_go':
        return {'failed': True, 'changed': False, 'go_missing': True,
                'msg': 'go: no go binary on PATH or in /usr/local/go/bin, /opt/homebrew/bin; install Go 1.13 or later or set the go option'}
    env = {'GOPROXY': 'https://proxy.golang.org,direct', 'GOSUMDB': 'sum.golang.org', 'GOPRIVATE': '', 'GOFLAGS': '',
           'GOINSECURE': '', 'GONOSUMDB': '', 'GONOPROXY': '', 'GOVERSION': 'go1.19.8', 'GOMODCACHE': '/home/ci/go/pkg/mod',
           'GOROOT': '/usr/lib/go-1.19'}
    insecure = []
    if kind == 'ok_insecure':
        env.update(GOSUMDB='off', GOPROXY='https://ci:****@goproxy.corp.example')
        insecure = [{'key': 'GOSUMDB', 'value': 'off', 'why': 'disables checksum database verification'}]
    return {'changed': False, 'go': '/usr/bin/go', 'go_version': 'go1.19.8', 'env': env, 'insecure': insecure, 'overridden': [], 'warnings': []}


def clock_result(index, kind):
    if kind == 'unreachable':
        return {'unreachable': True, 'changed': False,
                'msg': 'Task failed: Failed to connect to the host via ssh: ssh: connect to host 10.0.0.%d port 22: '
                       'Connection timed out' % (index % 250)}
    if kind == 'failed':
        return {'failed': True, 'changed': False, 'msg': 'Failed to import the required Python library (ntplib)'}
    return {'changed': False, 'ansible_facts': {'gotime_clock': clock_fact(index, kind)}}


def tampered_clock_result():
    """clock_facts' result as a job that owns the agent's Python could forge it: raw escapes, formulas, HTML,
    long text, wrong types, in the clock, host_sync, MDM and certificate values."""
    esc = '\x1b'
    result = clock_result(8, 'ok_darwin')
    clock = result['ansible_facts']['gotime_clock']
    clock.update(reason='=HYPERLINK("http://x/")' + esc + '[2J\u202e' + 'R' * 3000, platform='Darwin' + esc + ']0;t\x07',
                 offset='1 2\ninjected_metric 1', max_offset=float('nan'))
    clock['host_sync'].update(daemon='@evil\u009b"\n# TYPE x gauge')
    clock['host_sync']['launchd_sync'].update(error='-cmd|' + esc + '[31m', action='none"} 1\ninjected 1 #')
    clock['host_sync']['mdm'] = {'managed': True, 'time_server': '+cmd|"/c calc"!A1<b>' + esc, 'servers': ['+cmd|"/c calc"!A1<b>' + esc],
                                 'time_zone': '<script>alert(1)</script>', 'source': '@osascript\u202e', 'reason': None}
    clock['certificates'][0].update(subject='<script>alert(1)</script>' + esc, seconds_until_expiry='soon')
    return result


def host_name(index):
    return 'agent-%04d' % index


def kind_of(index):
    return KINDS[index % len(KINDS)]


RECORDER = 'controller-1.lab'


def origin_of(index):
    """Every third host records itself (ansible-pull), the others are measured by a controller."""
    return 'pull' if index % 3 == 2 else 'controller'


def records(count, make_record, measured_at=None):
    """{host: record} for count hosts; make_record is _fleet_report_record.make_record (the code under test).

    Each record is measured at CHECKED_AT plus its index in seconds (or at measured_at(index), an ISO
    8601 string), by RECORDER or, for pull hosts, by the host itself.
    """
    out = {}
    for index in range(count):
        kind = kind_of(index)
        clock = clock_result(index, kind)
        failed_task = 'Measure clock offset, host sync and certificate windows' if kind in ('unreachable', 'failed') else None
        go = None if failed_task else go_result(kind)
        origin = origin_of(index)
        when = measured_at(index) if measured_at else _iso(CHECKED_AT + datetime.timedelta(seconds=index))
        out[host_name(index)] = make_record(clock, go, failed_task, origin=origin,
                                            recorder=host_name(index) if origin == 'pull' else RECORDER, now=when,
                                            time_servers=time_servers(index))
    return out
