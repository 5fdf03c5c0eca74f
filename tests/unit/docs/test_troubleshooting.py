"""docs/troubleshooting.md (and docs/facts.md) name only variables and playbooks that exist, and
quote this collection's own messages exactly."""
import ast
import subprocess
import glob
import os
import re

import pytest

from support import docgen

PAGES = ('docs/troubleshooting.md', docgen.FACTS_DOC)
# A public variable of the playbooks (gotime_) or of a role (its name as prefix); not an FQCN part.
VARIABLE = re.compile(r'(?<![\w.])((?:gotime|%s)_\w+)' % '|'.join(docgen.role_names()))
PLAYBOOK = re.compile(r'\bplaybooks/[\w.-]+\.yml\b')
# "(`plugins/.../file.py`):" then a ```text block: each line is a message of that file, `...` marking text filled in at run time.
QUOTES = re.compile(r'\(`((?:plugins|playbooks|roles)/[^`]+)`\):\n\n```text\n(.*?)\n```', re.S)


def read(path):
    with open(os.path.join(docgen.ROOT, path)) as handle:
        return handle.read()


def known_variables():
    """Role options and defaults, what the roles register or set, and the gotime_ names the playbooks use."""
    names = set()
    for role in docgen.role_names():
        for spec in docgen.argument_specs(role).values():
            names.update(spec.get('options') or {})
        names.update(docgen.role_defaults(role))
        for path in glob.glob(os.path.join(docgen.ROOT, 'roles', role, '*', '*.yml')):
            for task in docgen.read_yaml(path) or []:
                if isinstance(task, dict):
                    names.update([task['register']] if 'register' in task else [])
                    names.update(task.get('ansible.builtin.set_fact') or {})
    for path in glob.glob(os.path.join(docgen.ROOT, 'playbooks', '*.yml')):
        code = '\n'.join(line for line in read(path).splitlines() if not line.lstrip().startswith('#'))
        names.update(re.findall(r'\bgotime_\w+', code))
    return names


def literals(path):
    """The strings of a file of ours: Python constants (adjacent literals joined), YAML scalars, the
    lines of a shell script (its messages are written on one line, variables between the words)."""
    full = os.path.join(docgen.ROOT, path)
    with open(full) as handle:
        if handle.readline().startswith('#!/bin/sh'):
            return read(path).splitlines()
    if path.endswith('.py'):
        with open(full) as handle:
            tree = ast.parse(handle.read(), full)
        return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    strings = []
    for document in docgen.read_yaml(full) or []:
        strings.extend(docgen.yaml_strings(document, keys=True))
    return strings


def quoted(message, strings):
    """Whether one string holds the message's fixed parts, in order."""
    parts = [part for part in message.split('...') if part]
    for string in strings:
        position = 0
        for part in parts:
            position = string.find(part, position)
            if position < 0:
                break
            position += len(part)
        else:
            return True
    return False


def quotes():
    found = []
    for page in PAGES:
        for path, block in QUOTES.findall(read(page)):
            found.extend((page, path, line) for line in block.splitlines() if line.strip())
    return found


@pytest.mark.parametrize('page', PAGES)
def test_variables_exist(page):
    known = known_variables()
    named = set(VARIABLE.findall(read(page)))
    assert named, 'the pattern finds no variable at all'
    assert sorted(named - known) == [], 'not a variable of a role spec, role defaults, role results or a playbook'


@pytest.mark.parametrize('page', PAGES)
def test_playbooks_exist(page):
    for path in set(PLAYBOOK.findall(read(page))):
        assert os.path.isfile(os.path.join(docgen.ROOT, path)), path


def test_enough_quotes_are_checked():
    # Guards the pattern: a changed layout must not turn the check below into a check of nothing.
    assert len(quotes()) >= 25
    assert set(path for dummy, path, dummy in quotes()) >= {'plugins/module_utils/_go_env_checks.py', 'plugins/module_utils/_clock.py',
                                                            'plugins/module_utils/_ntp.py', 'playbooks/remediate.yml',
                                                            'roles/clock_tool/files/gotime-clock'}


@pytest.mark.parametrize('page,path,message', quotes(), ids=lambda value: value[:60])
def test_quoted_message_is_ours(page, path, message):
    assert quoted(message, literals(path)), '%s quotes %r, which %s does not hold' % (page, message, path)


def test_quote_check_rejects_a_changed_message():
    strings = ['%s: %s can only be set in the OS environment; go env -w refuses it']
    assert quoted('...: ... can only be set in the OS environment; go env -w refuses it', strings)
    assert not quoted('...: ... can only be set in the OS environment; go env -w ignores it', strings)
    assert not quoted('go env -w refuses it ... can only be set', strings)


def sections(page='docs/troubleshooting.md'):
    """{heading: body} of the page's `## ` entries."""
    parts = re.split(r'^## (.+)$', read(page), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def bullet(body, name):
    """The text of the `- **Name**...` bullet of an entry, up to the next bullet or paragraph."""
    match = re.search(r'^- \*\*%s\b.*?(?=^- \*\*|^\S|\Z)' % re.escape(name), body, re.M | re.S)
    return match.group(0) if match else ''


def shipped(path):
    """Whether a repository path ends up in the release tarball (galaxy.yml's build_ignore)."""
    ignored = docgen.read_yaml(os.path.join(docgen.ROOT, 'galaxy.yml'))['build_ignore']
    top = path.split('/')[0]
    return top not in ignored and path not in ignored


@pytest.mark.parametrize('page', PAGES)
def test_pages_send_readers_only_to_shipped_files(page):
    # Ops read these pages in the installed collection: a path outside the tarball leads nowhere there.
    named = set(re.findall(r'`((?:[\w.-]+/)+[\w.-]*)`', read(page)))
    assert 'plugins/module_utils/_go_env_checks.py' in named or page != 'docs/troubleshooting.md'
    assert sorted(path for path in named if not shipped(path)) == []


def test_shipped_check_knows_the_tarball():
    assert not shipped('tests/darwin/README.md') and not shipped('tests/fixtures/host_sync')
    assert shipped('plugins/module_utils/_ntp.py') and shipped('docs/facts.md')


# The entries issue 11 asked for: heading text that identifies each, and the words its cause must name.
REQUIRED_ENTRIES = {
    'x509: certificate signed by unknown authority': ('proxy', 'CA', 'never the clock'),
    'reading https://sum.golang.org/lookup/': ('private', 'GOSUMDB=off'),
    'go: -insecure flag is no longer supported': ('Go 1.17', 'go get'),
    'Bootstrap failed: 119: Service is disabled': ('launchctl disable',),
    'Clock select failed': ('five', 'Kiss'),
    'Bootstrap failed: 5: Input/output error': ('already loaded', 'booted out', 'ownership', 'disabled'),
}


@pytest.mark.parametrize('heading,words', sorted(REQUIRED_ENTRIES.items()))
def test_entry_has_message_cause_confirmation_and_fix(heading, words):
    found = [body for title, body in sections().items() if heading in title]
    assert len(found) == 1, heading
    body = found[0]
    assert '```text' in body or '<code>' in body, 'the real message, quoted'
    cause, confirm, fix = bullet(body, 'Cause'), bullet(body, 'Confirm'), bullet(body, 'Fix')
    assert cause and confirm and fix
    assert [word for word in words if word not in cause] == []
    # The fact that confirms it: a gotime_clock key or a go_env result key.
    assert re.search(r'gotime_clock\.|`env`|`overridden`|env\.GO|`go_version`', confirm) or 'launchctl' in confirm


def test_go_1_20_wording_is_quoted_next_to_go_1_19():
    body = [body for title, body in sections().items() if title.startswith('TLS: `x509: certificate has expired')][0]
    assert 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid' in body
    assert 'x509: certificate has expired or is not yet valid: current time ... is before ...' in body


def test_sntp_timeout_cause_is_not_dns():
    # A name that does not resolve is sntp's own `Exchange failed: DNS lookup failure` (tests/darwin/recorded), not a timeout.
    body = sections()['sntp: `sntp: Exchange failed: Timeout`']
    cause = bullet(body, 'Cause')
    assert 'UDP port 123' in cause
    assert not re.search(r'resolv|dns|lookup|name', cause, re.I)


# Public servers that smear leap seconds (Google Public NTP, Amazon Time Sync); pool.ntp.org members must not.
SMEARING = re.compile(r'(^|\.)(google\.com|aws\.com)$|^169\.254\.169\.123$|^fd00:ec2::123$')


def test_timesync_defaults_follow_the_troubleshooting_advice():
    # The chrony entry advises three or more sources with one leap-second handling; the defaults give that.
    advice = sections()['chrony and NTP selection: no majority, not synchronised']
    assert 'three or more' in bullet(advice, 'Fix')
    defaults = docgen.role_defaults('timesync')
    sources = defaults['timesync_servers'] + defaults['timesync_pools']
    # chrony takes up to four sources from a pool (maxsources 4), one from a server line.
    assert len(defaults['timesync_servers']) + 4 * len(defaults['timesync_pools']) >= 3
    assert len({bool(SMEARING.search(source)) for source in sources}) == 1, 'smearing and non-smearing servers mixed'
    # macOS's timed uses the first source only: it must be one a Mac can use on its own.
    assert sources[0] == 'time.apple.com'
    # The spec documents the same defaults (docs/roles.md is generated from it).
    options = docgen.argument_specs('timesync')['main']['options']
    assert options['timesync_pools']['default'] == defaults['timesync_pools']
    assert options['timesync_servers']['default'] == defaults['timesync_servers']


# Go's own messages that docs/troubleshooting.md quotes: the line as quoted, the file of Go's source that
# words it, and the pieces of that file's string literals (Go's %s/%v verbs included) the line is made of.
# Checked against the source of the Go installed here (Debian's golang-go brings golang-*-src).
GO_QUOTES = [
    ('x509: certificate has expired or is not yet valid: current time ... is before ...', 'crypto/x509/verify.go',
     ['x509: certificate has expired or is not yet valid: ', 'current time %s is before %s']),
    ('x509: certificate has expired or is not yet valid: current time ... is after ...', 'crypto/x509/verify.go',
     ['x509: certificate has expired or is not yet valid: ', 'current time %s is after %s']),
    ('x509: certificate signed by unknown authority', 'crypto/x509/verify.go', ['x509: certificate signed by unknown authority']),
    ('x509: certificate signed by unknown authority (possibly because of ... while trying to verify candidate authority '
     'certificate ...)', 'crypto/x509/verify.go',
     ['x509: certificate signed by unknown authority', ' (possibly because of %q while trying to verify candidate authority certificate %q)']),
    ('verifying ...@...: checksum mismatch', 'cmd/go/internal/modfetch/fetch.go', ['verifying %s@%s: checksum mismatch\n']),
    ('This download does NOT match an earlier download recorded in go.sum.', 'cmd/go/internal/modfetch/fetch.go',
     ['This download does NOT match an earlier download recorded in go.sum.']),
    ('...@...: verifying module: checksum mismatch', 'cmd/go/internal/modfetch/fetch.go', ['verifying %s: checksum mismatch\n']),
    ('This download does NOT match the one reported by the checksum server.', 'cmd/go/internal/modfetch/fetch.go',
     ['This download does NOT match the one reported by the checksum server.']),
    ('...@...: verifying module: ...@...: reading https://sum.golang.org/lookup/...@...: 410 Gone', 'cmd/go/internal/modfetch/fetch.go',
     ['verifying %s: %v']),
    ('...@...: verifying module: ...@...: reading https://sum.golang.org/lookup/...@...: 410 Gone', 'cmd/go/internal/web/api.go',
     ['reading %s: %v']),
    ('go: -insecure flag is no longer supported; use GOINSECURE instead', 'cmd/go/internal/modget/get.go',
     ['go: -insecure flag is no longer supported; use GOINSECURE instead']),
    ('module lookup disabled by GOPROXY=off', 'cmd/go/internal/modfetch/repo.go', ['module lookup disabled by GOPROXY=off']),
    ('warning: go env -w GOPROXY=... does not override conflicting OS environment variable', 'cmd/go/internal/envcmd/env.go',
     ['warning: go env -w %s=... does not override conflicting OS environment variable\n']),
]
# A Go string literal: "..." with escapes, or a raw `...` string.
GO_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`')
GO_ESCAPES = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', "'": "'"}
GO_VERB = re.compile(r'%[-+# 0-9.]*[a-zA-Z]')


def go_source_strings(path):
    """The string literals of one file of the installed Go's source, escapes decoded."""
    goroot = subprocess.run(['go', 'env', 'GOROOT'], capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(goroot, 'src', path)) as handle:
        return [raw or re.sub(r'\\(.)', lambda match: GO_ESCAPES.get(match.group(1), match.group(0)), quoted_)
                for quoted_, raw in GO_STRING.findall(handle.read())]


def pieces_make_line(line, pieces):
    """Whether the quoted line holds the pieces in order, each verb standing for a value (`...` or a word)."""
    pattern = '.*'.join(GO_VERB.sub('.+', re.escape(piece.rstrip('\n'))) for piece in pieces)
    return re.search(pattern, line) is not None


@pytest.mark.parametrize('line,path,pieces', GO_QUOTES, ids=['%s %s' % (quote[1], quote[0][:50]) for quote in GO_QUOTES])
def test_quoted_go_message_is_gos(line, path, pieces):
    assert line in read('docs/troubleshooting.md')
    strings = go_source_strings(path)
    assert [piece for piece in pieces if not any(piece in string for string in strings)] == [], 'Go words it otherwise'
    assert pieces_make_line(line, pieces)


def test_go_message_check_rejects_a_changed_message():
    strings = go_source_strings('cmd/go/internal/modget/get.go')
    assert not any('go: -insecure flag is not supported' in string for string in strings)
    assert not pieces_make_line('warning: go env -w GOPROXY=... does not override the OS environment',
                                ['warning: go env -w %s=... does not override conflicting OS environment variable\n'])


def go(args, home, env_extra=None, cwd=None):
    env = {'PATH': os.environ['PATH'], 'HOME': home, 'GOENV': os.path.join(home, 'go.env'), 'GOFLAGS': '',
           'GOPROXY': 'off', 'GOCACHE': os.path.join(home, 'cache'), 'GOPATH': os.path.join(home, 'gopath'), 'LANG': 'C'}
    env.update(env_extra or {})
    return subprocess.run(['go'] + args, capture_output=True, text=True, env=env, cwd=cwd or home, timeout=120, check=False)


def test_measured_go_1_19_behaviour_holds(tmp_path):
    # The go_env entry states what `go env -w` does on Go 1.19 "measured here"; this is that measurement, on Debian's Go.
    home = str(tmp_path)
    assert go(['env', 'GOVERSION'], home).stdout.startswith('go1.19'), 'the page names Go 1.19: measure again and update it'
    body = sections()['go_env: refusals and errors']
    godebug = go(['env', '-w', 'GODEBUG=x=1'], home)
    assert godebug.returncode != 0 and 'go: unknown go command variable GODEBUG' in godebug.stderr
    assert '`go env -w GODEBUG=...` fails with `go: unknown go command variable GODEBUG`' in ' '.join(body.split())
    # go env -w GOROOT=DIR succeeds. DIR missing: every later command fails, go env -u GOROOT too, until the real
    # root in the OS environment undoes it. DIR there but without Go: builds miss the standard library.
    with open(os.path.join(home, 'main.go'), 'w') as handle:
        handle.write('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println() }\n')
    with open(os.path.join(home, 'go.mod'), 'w') as handle:
        handle.write('module example.com/m\n\ngo 1.19\n')
    real_root = go(['env', 'GOROOT'], home).stdout.strip()
    missing = os.path.join(home, 'missing')
    assert go(['env', '-w', 'GOROOT=' + missing], home).returncode == 0
    for args in (['build', '-o', os.devnull, '.'], ['version'], ['env', '-u', 'GOROOT']):
        failed = go(args, home)
        assert failed.returncode != 0 and 'go: cannot find GOROOT directory: %s' % missing in failed.stderr, args
    assert go(['env', '-u', 'GOROOT'], home, {'GOROOT': real_root}).returncode == 0
    assert go(['build', '-o', os.devnull, '.'], home).returncode == 0
    empty = os.path.join(home, 'empty')
    os.mkdir(empty)
    assert go(['env', '-w', 'GOROOT=' + empty], home).returncode == 0
    build = go(['build', '-o', os.devnull, '.'], home)
    assert build.returncode != 0 and 'package fmt is not in GOROOT (%s/src/fmt)' % empty in build.stderr
    text = ' '.join(body.split())
    assert ('if DIR does not exist, every later go command, `go env -u GOROOT` included, fails with '
            '`go: cannot find GOROOT directory: DIR`') in text
    assert 'builds fail with `package fmt is not in GOROOT (DIR/src/fmt)`' in text
    # GOFLAGS=-insecure: only go get knows the flag, so only go get fails (the -insecure entry).
    listing = go(['list', '.'], home, {'GOFLAGS': '-insecure'})
    getting = go(['get', 'example.com/x'], home, {'GOFLAGS': '-insecure'})
    assert listing.returncode == 0, listing.stderr
    assert getting.returncode != 0 and 'go: -insecure flag is no longer supported; use GOINSECURE instead' in getting.stderr


def test_launchd_sync_status_wording_is_gotime_clocks():
    # The sntp timeout entry quotes the status error of the launchd job: gotime-clock's own words.
    body = ' '.join(sections()['sntp: `sntp: Exchange failed: Timeout`'].split())
    assert '`no agreed time: no server answered; no answer: SERVER: Exchange failed: Timeout`' in body
    script = read('roles/clock_tool/files/gotime-clock')
    for piece in ('R_REASON="no agreed time: $rest"', 'print "none no server answered"', '${failed:+; no answer: $failed}',
                  'failed = failed (failed == "" ? "" : "; ") $1 ": " r', 'sub(/^[^:]*: /, "", m)'):
        assert piece in script, piece


def test_no_example_mixes_smearing_and_non_smearing_servers():
    # The chrony entry's advice ("never mix leap-smearing servers ... with others") holds for every list of servers
    # the docs show, such as `clock_tool_servers: [...]` in a role README.
    docs = sorted(glob.glob(os.path.join(docgen.ROOT, 'docs', '*.md')) + glob.glob(os.path.join(docgen.ROOT, 'roles', '*', 'README.md'))
                  + [os.path.join(docgen.ROOT, 'README.md')])
    mixed = []
    for path in docs:
        with open(path) as handle:
            for listed in re.findall(r'\[([^\[\]\n]+)\]', handle.read()):
                hosts = [item.strip(' `\'"') for item in listed.split(',')]
                hosts = [host for host in hosts if re.match(r'^[\w-]+(\.[\w-]+)+$', host)]
                if len({bool(SMEARING.search(host)) for host in hosts}) > 1:
                    mixed.append((os.path.relpath(path, docgen.ROOT), listed))
    assert mixed == []
    assert SMEARING.search('time.google.com') and not SMEARING.search('time.apple.com')
