# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table tests of go_env's pure logic: validation, masking, GOPROXY/GOSUMDB parsing, downgrades, versions."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_checks
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_glob
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_keys
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_modcache
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_plan
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_secrets

SECRET = 's3cr3t-Tok3n'
SUMDB_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'
# `go env -json` of Debian's Go 1.19.8 on linux/amd64 (recorded), reduced to the keys.
GO119_KEYS = set(json.loads('''{"AR": "", "CC": "", "CGO_CFLAGS": "", "CGO_CPPFLAGS": "", "CGO_CXXFLAGS": "",
 "CGO_ENABLED": "", "CGO_FFLAGS": "", "CGO_LDFLAGS": "", "CXX": "", "GCCGO": "", "GO111MODULE": "", "GOAMD64": "",
 "GOARCH": "", "GOBIN": "", "GOCACHE": "", "GOENV": "", "GOEXE": "", "GOEXPERIMENT": "", "GOFLAGS": "", "GOGCCFLAGS": "",
 "GOHOSTARCH": "", "GOHOSTOS": "", "GOINSECURE": "", "GOMOD": "", "GOMODCACHE": "", "GONOPROXY": "", "GONOSUMDB": "",
 "GOOS": "", "GOPATH": "", "GOPRIVATE": "", "GOPROXY": "", "GOROOT": "", "GOSUMDB": "", "GOTMPDIR": "", "GOTOOLDIR": "",
 "GOVCS": "", "GOVERSION": "", "GOWORK": "", "PKG_CONFIG": ""}'''))

# (key, value, words the message must contain besides the key)
BAD_VALUES = [
    ('GOPROXY', 'https://proxy.golang.org,,direct', 'entry 2 is empty'),
    ('GOPROXY', 'https://proxy.golang.org,', 'entry 2 is empty'),
    ('GOPROXY', 'direct,https://proxy.golang.org', "entries after 'direct' are ignored"),
    ('GOPROXY', 'off|https://proxy.golang.org', "entries after 'off' are ignored"),
    ('GOPROXY', 'ftp://proxy.example.com', "scheme 'ftp'"),
    ('GOPROXY', 'bogus', 'neither a URL nor a keyword'),
    ('GOPROXY', 'DIRECT', 'neither a URL nor a keyword'),
    ('GOPROXY', '/srv/goproxy', 'neither a URL nor a keyword'),
    ('GOPROXY', 'https://proxy.example.com, direct', 'entry 2 contains spaces'),
    ('GOPROXY', 'file://host/srv/goproxy', 'file:///absolute/path'),
    ('GOPROXY', 'https://', 'has no host'),
    ('GOPROXY', 'https://proxy.example.com:99999', 'not a valid URL'),
    ('GOSUMDB', 'sum.corp.example', 'not a known checksum database'),
    ('GOSUMDB', 'sum.golang.org https://a.example https://b.example', 'has 3 fields'),
    ('GOSUMDB', SUMDB_KEY.replace('033de0ae', '033de0af'), 'hash does not match'),
    ('GOSUMDB', 'sum.golang.org+033de0ae+!!notbase64', 'not standard base64'),
    ('GOSUMDB', 'sum.golang.org+33de0ae+Ac4z', 'not 8 hex digits'),
    ('GOSUMDB', 'sum.golang.org ftp://mirror.example', 'URL field'),
    ('GOFLAGS', '-tags foo', "'foo' is not a flag"),
    ('GOFLAGS', '-mod=bogus', '-mod=bogus is not one of'),
    ('GOFLAGS', '-mod', '-mod needs one of'),
    ('GOFLAGS', '---x', 'is not a flag'),
    ('GOPRIVATE', 'corp.example, other.example', 'contains spaces'),
    ('GOPRIVATE', 'corp.example,,other.example', 'item 2 is empty'),
    ('GONOPROXY', 'corp.example/[', 'malformed pattern'),
    ('GONOSUMDB', 'corp.example/x\\', 'malformed pattern'),
    ('GOINSECURE', 'a[-z].example', 'malformed pattern'),
    ('GOPATH', 'relative/go', 'relative path'),
    ('GOPATH', '/abs/go::/other', 'empty entry'),
    ('GOMODCACHE', '~/go/pkg/mod', 'Go does not expand'),
    ('GOBIN', 'bin', 'relative path'),
    ('GOCACHE', 'off', 'not supported since Go 1.12'),
    ('GO111MODULE', True, 'boolean'),
    ('GO111MODULE', 'yes', 'must be one of on, off, auto'),
    ('CGO_ENABLED', '2', 'must be one of 0, 1'),
    ('GOFLAGS', '', 'empty value'),
    ('GOFLAGS', None, 'empty value'),
    ('GOPRIVATE', 'corp.example\nGOSUMDB=off', 'newline'),
    ('GOPRIVATE', 'corp.example\x00', 'NUL'),
    ('GOPROXY', ' https://proxy.golang.org', 'leading or trailing spaces'),
    ('GOFLAGS', ['-mod=mod'], 'must be a string'),
]


@pytest.mark.parametrize('key,value,why', BAD_VALUES)
def test_bad_values_name_key_and_reason(key, value, why):
    with pytest.raises(ValueError) as e:
        _go_env_checks.check_request({key: value}, [])
    assert key in str(e.value)
    assert why in str(e.value)


def test_enough_bad_values():
    assert len(BAD_VALUES) >= 25


@pytest.mark.parametrize('key,value', [
    ('GOPROXY', 'https://ci:%s@proxy.corp.example,,direct' % SECRET),
    ('GOPROXY', 'ci:%s@proxy.corp.example|ftp://x' % SECRET),
    ('GOPROXY', 'https://%s@proxy.corp.example,bogus' % SECRET),
    ('GOSUMDB', 'sum.golang.org https://ci:%s@sum.corp.example https://x' % SECRET),
])
def test_bad_values_mask_credentials(key, value):
    with pytest.raises(ValueError) as e:
        _go_env_checks.check_request({key: value}, [])
    assert key in str(e.value)
    assert SECRET not in str(e.value)
    assert '***@' in str(e.value)


@pytest.mark.parametrize('key,value', [
    ('GOPROXY', 'https://proxy.golang.org,direct'),
    ('GOPROXY', 'https://goproxy.corp.example|https://proxy.golang.org,direct'),
    ('GOPROXY', 'proxy.corp.example,localhost:3000,direct'),
    ('GOPROXY', 'file:///srv/goproxy,off'),
    ('GOPROXY', 'HTTPS://proxy.example.com'),
    ('GOPROXY', 'off'),
    ('GOPROXY', 'http://[::1]:8080/mod'),
    ('GOSUMDB', 'sum.golang.org'),
    ('GOSUMDB', 'sum.golang.google.cn'),
    ('GOSUMDB', 'off'),
    ('GOSUMDB', SUMDB_KEY),
    ('GOSUMDB', 'sum.golang.org https://sum.corp.example/sumdb'),
    ('GOFLAGS', '-mod=mod -trimpath --tags=a,b -modcacherw'),
    ('GOPRIVATE', '*.corp.example,github.com/corp/*'),
    ('GONOSUMDB', 'corp.example/'),
    ('GOPATH', '/home/ci/go:/opt/go'),
    ('GO111MODULE', 'on'),
    ('CGO_ENABLED', 0),
    ('GOTOOLCHAIN', 'local'),
])
def test_good_values(key, value):
    assert _go_env_checks.check_request({key: value}, []) == {key: str(value)}


@pytest.mark.parametrize('key,version,said', [
    ('GODEBUG', (1, 19, 8), '(go1.19.8 says "go: unknown go command variable GODEBUG")'),
    ('GODEBUG', (1, 22, 12), '(go1.22.12 says "go: unknown go command variable GODEBUG")'),
    ('GODEBUG', (1, 23, 5), '(go1.23.5 says "go: GODEBUG can only be set using the OS environment")'),
    ('GOENV', (1, 13, 0), '(go1.13.0 says "go: GOENV can only be set using the OS environment")'),
])
def test_os_only_keys_quote_the_target_go(key, version, said):
    with pytest.raises(ValueError) as e:
        _go_env_checks.check_key(key, GO119_KEYS, version)
    assert str(e.value) == 'settings: %s can only be set in the OS environment; go env -w refuses it %s' % (key, said)


@pytest.mark.parametrize('key,known,version,why', [
    ('GOENV', None, None, 'can only be set in the OS environment'),
    ('GODEBUG', None, None, 'can only be set in the OS environment'),
    ('GOVERSION', None, None, 'cannot be modified'),
    ('GOWORK', None, None, 'cannot be modified'),
    ('GOMOD', None, None, 'cannot be modified'),
    ('goproxy', None, None, 'is not a go env key'),
    ('GO PROXY', None, None, 'is not a go env key'),
    ('GOTOOLCHAIN', GO119_KEYS, (1, 19, 8), 'unknown to the installed go1.19.8; go env -w refuses it (GOTOOLCHAIN needs Go 1.21'),
    ('NOT_A_GO_KEY', GO119_KEYS, (1, 19, 8), 'unknown to the installed go1.19.8'),
    ('GOARM64', GO119_KEYS, (1, 19, 8), 'needs Go 1.23'),
    # the telemetry keys, as each Go's go env -w refuses them (recorded in tests/fixtures/go_env/run_cases.yaml)
    ('GOTELEMETRY', GO119_KEYS, (1, 19, 8), 'GOTELEMETRY is unknown to the installed go1.19.8; go env -w refuses it'),
    ('GOTELEMETRY', GO119_KEYS | {'GOTELEMETRY'}, (1, 23, 5), 'GOTELEMETRY is reported by go env but go env -w refuses it '
     '(go1.23.5 says "go: unknown go command variable GOTELEMETRY"); set the mode with go telemetry off, local or on'),
    ('GOTELEMETRYDIR', GO119_KEYS | {'GOTELEMETRYDIR'}, (1, 24, 4), 'GOTELEMETRYDIR is computed by Go and cannot be '
     'modified with go env -w (go1.24.4 says "go: GOTELEMETRYDIR cannot be modified")'),
])
def test_keys_go_refuses(key, known, version, why):
    with pytest.raises(ValueError) as e:
        _go_env_checks.check_key(key, known, version)
    assert key in str(e.value)
    assert why in str(e.value)


@pytest.mark.parametrize('key', ['GOPROXY', 'GOARM', 'GO386', 'CGO_LDFLAGS_ALLOW', 'GO_EXTLINK_ENABLED'])
def test_keys_known_to_go119(key):
    _go_env_checks.check_key(key, GO119_KEYS, (1, 19, 8))


def test_unset_checks():
    # OS-only keys are refused once the Go version is known, so that the message quotes that Go's words
    assert _go_env_checks.check_request({}, ['GOENV']) == {}
    # so are the telemetry keys: Go 1.23 and 1.24 refuse them in different words, older Go does not know them
    assert _go_env_checks.check_request({'GOTELEMETRY': 'off'}, ['GOTELEMETRYDIR']) == {'GOTELEMETRY': 'off'}
    with pytest.raises(ValueError, match='unset: GOENV can only be set in the OS environment'):
        _go_env_checks.check_key('GOENV', GO119_KEYS, (1, 19, 8), where='unset')
    with pytest.raises(ValueError, match='unset: GOPROXY is also in settings'):
        _go_env_checks.check_request({'GOPROXY': 'off'}, ['GOPROXY'])
    with pytest.raises(ValueError, match='unset: lists a key twice'):
        _go_env_checks.check_request({}, ['GOSUMDB', 'GOSUMDB'])


# ------------------------------------------------------------------ masking

@pytest.mark.parametrize('key,value,masked', [
    ('GOPROXY', 'https://ci:%s@proxy.corp.example,direct' % SECRET, 'https://***@proxy.corp.example,direct'),
    ('GOPROXY', 'https://%s@proxy.corp.example/p|off' % SECRET, 'https://***@proxy.corp.example/p|off'),
    ('GOPROXY', 'ci:%s@proxy.corp.example,direct' % SECRET, '***@proxy.corp.example,direct'),
    ('GOPROXY', 'https://a:%s@one.example,https://b:%s@two.example' % (SECRET, SECRET),
     'https://***@one.example,https://***@two.example'),
    ('GOPROXY', 'https://proxy.golang.org,direct', 'https://proxy.golang.org,direct'),
    ('GOSUMDB', 'sum.golang.org https://ci:%s@sum.corp.example' % SECRET, 'sum.golang.org https://***@sum.corp.example'),
    ('GOFLAGS', '-ldflags=-X=main.url=https://ci:%s@x.example' % SECRET, '-ldflags=-X=main.url=https://***@x.example'),
    ('GOPRIVATE', 'corp.example', 'corp.example'),
])
def test_mask_value(key, value, masked):
    assert _go_env_secrets.mask_value(key, value) == masked


def test_secrets_in_and_scrub():
    value = 'https://ci:%s@proxy.corp.example,https://tok%%2Fen-%s@other.example' % (SECRET, SECRET)
    secrets = _go_env_secrets.secrets_in('GOPROXY', value)
    assert SECRET in secrets and 'ci:' + SECRET in secrets
    assert 'tok/en-' + SECRET in secrets  # percent-decoded form too
    text = 'go: GET proxy.corp.example (ci:%s) failed; token tok/en-%s; url http://u:p4ss@h' % (SECRET, SECRET)
    scrubbed = _go_env_secrets.scrub(text, secrets)
    assert SECRET not in scrubbed and 'p4ss' not in scrubbed
    assert _go_env_secrets.secrets_in('GOPROXY', 'https://proxy.golang.org,direct') == set()
    assert _go_env_secrets.secrets_in('GOPROXY', 12) == set()


def test_mask_env_masks_only_credentials():
    env = {'GOPROXY': 'https://ci:%s@p.example,direct' % SECRET, 'GOPATH': '/home/ci/go'}
    assert _go_env_secrets.mask_env(env) == {'GOPROXY': 'https://***@p.example,direct', 'GOPATH': '/home/ci/go'}


# ------------------------------------------------------------------ GOPROXY / GOSUMDB parsing

@pytest.mark.parametrize('value,entries', [
    ('https://proxy.golang.org,direct', [('https://proxy.golang.org', False), ('direct', False)]),
    ('https://a.example|https://b.example,direct', [('https://a.example', True), ('https://b.example', False), ('direct', False)]),
    ('off', [('off', False)]),
    ('proxy.example.com', [('proxy.example.com', False)]),
])
def test_parse_goproxy(value, entries):
    assert _go_env_checks.parse_goproxy(value) == entries


@pytest.mark.parametrize('value,name,url', [
    ('sum.golang.org', 'sum.golang.org', None),
    ('sum.golang.google.cn', 'sum.golang.org', 'https://sum.golang.google.cn'),
    (SUMDB_KEY, 'sum.golang.org', None),
    (SUMDB_KEY + ' https://sum.corp.example', 'sum.golang.org', 'https://sum.corp.example'),
])
def test_parse_gosumdb(value, name, url):
    parsed = _go_env_checks.parse_gosumdb(value)
    assert (parsed['name'], parsed['url']) == (name, url)
    assert parsed['key'] == SUMDB_KEY


def test_parse_gosumdb_off():
    assert _go_env_checks.parse_gosumdb('off') is None


def test_gosumdb_rejects_non_ed25519_key():
    import base64
    import hashlib
    import struct
    key = b'\x02' + b'k' * 32
    digest = struct.unpack('>I', hashlib.sha256(b'sum.corp.example\n' + key).digest()[:4])[0]
    value = 'sum.corp.example+%08x+%s' % (digest, base64.b64encode(key).decode())
    with pytest.raises(ValueError, match='not an Ed25519 key'):
        _go_env_checks.parse_gosumdb(value)
    good = b'\x01' + b'k' * 32
    digest = struct.unpack('>I', hashlib.sha256(b'sum.corp.example/db\n' + good).digest()[:4])[0]
    assert _go_env_checks.parse_gosumdb('sum.corp.example/db+%08x+%s' % (digest, base64.b64encode(good).decode()))['name'] == 'sum.corp.example/db'


# ------------------------------------------------------------------ downgrades

@pytest.mark.parametrize('env,keys', [
    ({'GOSUMDB': 'off'}, ['GOSUMDB']),
    ({'GONOSUMDB': '*'}, ['GONOSUMDB']),
    ({'GONOSUMDB': 'github.com'}, ['GONOSUMDB']),
    ({'GOPRIVATE': '*.org,*.com'}, ['GOPRIVATE']),
    ({'GOINSECURE': 'corp.example'}, ['GOINSECURE']),
    ({'GOFLAGS': '-mod=mod -insecure'}, ['GOFLAGS']),
    ({'GOFLAGS': '--insecure=true'}, ['GOFLAGS']),
    ({'GOPROXY': 'direct'}, ['GOPROXY']),
    ({'GOPROXY': ' direct '}, ['GOPROXY']),
    ({'GOSUMDB': 'off', 'GOPROXY': 'direct', 'GONOSUMDB': '*', 'GOPRIVATE': '*'}, ['GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GOPROXY']),
    # not downgrades
    ({'GOSUMDB': 'sum.golang.org', 'GOPROXY': 'https://proxy.golang.org,direct'}, []),
    ({'GOPRIVATE': '*.corp.example,github.com/corp', 'GONOSUMDB': 'corp.example'}, []),
    ({'GOFLAGS': '-insecure=false -mod=mod', 'GOINSECURE': ''}, []),
    ({'GOPROXY': 'off'}, []),
    ({'GOPROXY': 'https://proxy.golang.org,direct'}, []),
])
def test_downgrades(env, keys):
    assert [f['key'] for f in _go_env_plan.downgrades(env)] == keys


@pytest.mark.parametrize('version,says,not_says', [
    ((1, 16, 15), ['go1.16.15 (before Go 1.17)', 'plain HTTP', 'skips the checksum database'], ['no longer supported']),
    ((1, 19, 8), ['go1.19.8', 'Go 1.17 removed it', _go_env_keys.INSECURE_FLAG_ERROR, 'weakens nothing', 'GOINSECURE'],
     ['plain HTTP']),
    ((1, 23, 5), ['go1.23.5', _go_env_keys.INSECURE_FLAG_ERROR], ['plain HTTP']),
    (None, ['before Go 1.17', 'plain HTTP', _go_env_keys.INSECURE_FLAG_ERROR], []),
])
def test_insecure_flag_reason_follows_the_go_version(version, says, not_says):
    why = [f['why'] for f in _go_env_plan.downgrades({'GOFLAGS': '-mod=mod -insecure'}, version)]
    assert len(why) == 1
    assert all(text in why[0] for text in says), why
    assert not any(text in why[0] for text in not_says), why


def test_direct_and_goinsecure_reasons_keep_integrity_checks():
    why = dict((f['key'], f['why']) for f in _go_env_plan.downgrades({'GOPROXY': 'direct', 'GOINSECURE': 'legacy.corp.example'}))
    assert 'go.sum and the checksum database still verify every module' in why['GOPROXY']
    assert "no proxy's immutable cache" in why['GOPROXY'] and 'version-control tools' in why['GOPROXY']
    assert 'direct fetches only' in why['GOINSECURE'] and 'checksum database still verifies' in why['GOINSECURE']
    for text in why.values():
        assert 'integrity' not in text and 'skips checksum' not in text


def test_downgrade_values_are_masked():
    found = _go_env_plan.downgrades({'GOPROXY': 'direct', 'GOSUMDB': 'off', 'GONOSUMDB': '*'})
    assert {f['key']: f['value'] for f in found} == {'GOPROXY': 'direct', 'GOSUMDB': 'off', 'GONOSUMDB': '*'}
    assert all(f['why'] for f in found)


# ------------------------------------------------------------------ versions

@pytest.mark.parametrize('text,version', [
    ('go version go1.19.8 linux/amd64\n', (1, 19, 8)),
    ('go version go1.12.17 linux/amd64', (1, 12, 17)),
    ('go version go1.21rc2 darwin/arm64', (1, 21, 0)),
    ('go version go1.22.0 X:nocoverageredesign darwin/arm64', (1, 22, 0)),
    ('go version devel go1.23-1f0c044d60 Tue Feb 6 21:46:45 2024 +0000 linux/amd64', (1, 23, 0)),
    ('go version go1.18 gccgo (GCC) 12.2.0 linux/amd64', (1, 18, 0)),
    ('go1.19.8', (1, 19, 8)),
])
def test_parse_version(text, version):
    assert _go_env_keys.parse_version(text) == version


@pytest.mark.parametrize('text', ['', 'go version devel +b7a0d4e Tue', 'gcc (Debian 12.2.0-14) 12.2.0'])
def test_parse_version_fails_clearly(text):
    with pytest.raises(ValueError, match='no Go version'):
        _go_env_keys.parse_version(text)


# ------------------------------------------------------------------ path.Match (cases from Go's path/match_test.go)

@pytest.mark.parametrize('pattern,name,matched', [
    ('abc', 'abc', True), ('*', 'abc', True), ('*c', 'abc', True), ('a*', 'a', True), ('a*', 'abc', True),
    ('a*', 'ab/c', False), ('a*/b', 'abc/b', True), ('a*/b', 'a/c/b', False),
    ('a*b*c*d*e*/f', 'axbxcxdxe/f', True), ('a*b*c*d*e*/f', 'axbxcxdxexxx/f', True),
    ('a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', False), ('a*b*c*d*e*/f', 'axbxcxdxexxx/fff', False),
    ('a*b?c*x', 'abxbbxdbxebxczzx', True), ('a*b?c*x', 'abxbbxdbxebxczzy', False),
    ('ab[c]', 'abc', True), ('ab[b-d]', 'abc', True), ('ab[e-g]', 'abc', False), ('ab[^c]', 'abc', False),
    ('ab[^b-d]', 'abc', False), ('ab[^e-g]', 'abc', True), ('a\\*b', 'a*b', True), ('a\\*b', 'ab', False),
    ('a?b', 'a\u263ab', True), ('a[^a]b', 'a\u263ab', True), ('a???b', 'a\u263ab', False),
    ('a?b', 'a/b', False), ('a*b', 'a/b', False), ('[\\]a]', ']', True), ('[\\-]', '-', True),
    ('[x\\-]', 'x', True), ('[x\\-]', 'z', False), ('*x', 'xxx', True),
])
def test_path_match(pattern, name, matched):
    assert _go_env_glob.path_match(pattern, name) is matched


@pytest.mark.parametrize('pattern,name', [
    ('[]a]', ']'), ('[-]', '-'), ('[x-]', 'x'), ('[-x]', 'x'), ('\\', 'a'), ('[a-b-c]', 'a'), ('[', 'a'),
    ('[^', 'a'), ('[^bc', 'a'), ('a[', 'a'), ('a[', 'ab'), ('a[', 'x'), ('a/b[', 'x'),
])
def test_path_match_bad_pattern(pattern, name):
    with pytest.raises(_go_env_glob.BadPattern):
        _go_env_glob.path_match(pattern, name)


# 200 kB patterns as a CI job may write them: linear index walk, same results as short ones.
BIG = 200000


@pytest.mark.parametrize('pattern,name,matched', [
    ('a' * BIG, 'a' * BIG, True),
    ('a' * BIG, 'a' * (BIG - 1) + 'b', False),
    ('*' * BIG + 'x', 'xxx', True),
    ('?' * BIG, 'a' * BIG, True),
    ('?' * BIG, 'a' * (BIG - 1), False),
    ('[a-z]' * (BIG // 5), 'q' * (BIG // 5), True),
    ('a*' + 'b' * BIG, 'a' + 'b' * BIG, True),
    ('corp.example/' + 'x' * BIG, 'corp.example/repo', False),
])
def test_path_match_long_pattern(pattern, name, matched):
    assert _go_env_glob.path_match(pattern, name) is matched


def test_path_match_long_malformed_pattern():
    with pytest.raises(_go_env_glob.BadPattern):
        _go_env_glob.path_match('x' * BIG + '[', 'y')


def test_long_glob_values():
    value = 'corp.example/' + 'x' * BIG
    _go_env_checks.check_glob_list('GOPRIVATE', value)
    assert _go_env_plan.downgrades({'GOPRIVATE': value, 'GONOSUMDB': value}) == []
    public = ','.join(['corp%d.example/%s' % (n, 'x' * 100) for n in range(2000)] + ['golang.org/*'])
    assert len(public) > BIG
    assert [d['key'] for d in _go_env_plan.downgrades({'GOPRIVATE': public})] == ['GOPRIVATE']
    with pytest.raises(ValueError, match='item 2 .* malformed'):
        _go_env_checks.check_glob_list('GONOPROXY', 'corp.example,' + 'y' * BIG + '[')


@pytest.mark.parametrize('globs,target,matched', [
    ('*.corp.example', 'git.corp.example/team/repo', True),
    ('corp.example', 'corp.example/x/y', True),
    ('corp.example/', 'corp.example/x', True),
    ('github.com/corp', 'github.com/corp/repo', True),
    ('github.com/corp', 'github.com/corpx/repo', False),
    ('github.com/corp/*/sub', 'github.com/corp/repo', False),
    (' corp.example', 'corp.example/x', False),
    ('a[,corp.example', 'corp.example/x', True),
    ('', 'corp.example/x', False),
])
def test_match_prefix_patterns(globs, target, matched):
    assert _go_env_glob.match_prefix_patterns(globs, target) is matched


# ------------------------------------------------------------------ env file, plan

def test_parse_env_file_reads_like_go():
    text = '# comment\nGOPROXY=https://a.example\nlower=x\n=novalue\nGOFLAGS=-mod=mod\nGOPROXY=off\nNOEQUALS\nGOPRIVATE=a=b'
    assert _go_env_keys.parse_env_file(text) == {'GOPROXY': 'off', 'GOFLAGS': '-mod=mod', 'GOPRIVATE': 'a=b'}
    assert _go_env_keys.parse_env_file(None) == {}


@pytest.mark.parametrize('reported,environ,system,path', [
    ('/x/env', {}, 'linux', '/x/env'),
    ('', {'GOENV': '/y/env'}, 'linux', '/y/env'),
    ('', {'HOME': '/home/ci'}, 'linux', '/home/ci/.config/go/env'),
    ('', {'HOME': '/home/ci', 'XDG_CONFIG_HOME': '/cfg'}, 'linux', '/cfg/go/env'),
    ('', {'HOME': '/Users/ci'}, 'darwin', '/Users/ci/Library/Application Support/go/env'),
])
def test_env_file_path(reported, environ, system, path):
    assert _go_env_keys.env_file_path(reported, environ, system) == path


@pytest.mark.parametrize('environ,why', [
    ({'GOENV': 'off'}, 'GOENV=off'),
    ({}, 'HOME is not set'),
    ({'HOME': '/h', 'XDG_CONFIG_HOME': 'rel'}, 'XDG_CONFIG_HOME'),
])
def test_env_file_path_errors(environ, why):
    with pytest.raises(ValueError, match=why):
        _go_env_keys.env_file_path('', environ, 'linux')


def test_plan_changes_compares_values_not_bytes():
    effective = {'GOPROXY': 'https://proxy.golang.org,direct', 'GOSUMDB': 'sum.golang.org', 'GOFLAGS': '-mod=mod',
                 'GONOSUMDB': ''}
    file_values = {'GOFLAGS': '-mod=mod', 'GOINSECURE': 'x.example'}
    settings = {'GOPROXY': 'https://proxy.golang.org,direct',  # equals the default: not written
                'GOSUMDB': 'sum.golang.org',                   # default, but the OS environment hides it
                'GOFLAGS': '-mod=mod',                         # in the file already
                'GONOSUMDB': 'corp.example'}                   # differs
    to_set, to_unset = _go_env_plan.plan_changes(settings, ['GOINSECURE', 'GOPRIVATE'], file_values, effective,
                                                 {'GOSUMDB': 'off', 'GOPRIVATE': ''}, (1, 19, 8))
    assert to_set == {'GOSUMDB': 'sum.golang.org', 'GONOSUMDB': 'corp.example'}
    assert to_unset == ['GOINSECURE']
    assert _go_env_plan.overridden_keys(['GOSUMDB', 'GOPRIVATE', 'GOPROXY'], {'GOSUMDB': 'off', 'GOPRIVATE': ''}) == ['GOSUMDB']


def test_plan_writes_a_declared_value_that_equals_a_derived_default():
    # issue 16: GONOPROXY equal to the default it gets from GOPRIVATE is written, so GOPRIVATE's change cannot move it
    effective = {'GOPRIVATE': 'corp.example', 'GONOPROXY': 'corp.example', 'GONOSUMDB': 'corp.example',
                 'GOPATH': '/home/ci/go', 'GOMODCACHE': '/home/ci/go/pkg/mod', 'GOFLAGS': '',
                 'GOPROXY': 'https://proxy.golang.org,direct'}
    file_values = {'GOPRIVATE': 'corp.example', 'GONOSUMDB': 'corp.example'}
    settings = {'GOPRIVATE': 'new.example', 'GONOPROXY': 'corp.example', 'GONOSUMDB': 'corp.example',
                'GOMODCACHE': '/home/ci/go/pkg/mod', 'GOPROXY': 'https://proxy.golang.org,direct'}
    to_set, to_unset = _go_env_plan.plan_changes(settings, [], file_values, effective, {}, (1, 19, 8))
    # GONOSUMDB is in the file already; GOPROXY's default is fixed on Go 1.19
    assert to_set == {'GOPRIVATE': 'new.example', 'GONOPROXY': 'corp.example', 'GOMODCACHE': '/home/ci/go/pkg/mod'}
    assert to_unset == []
    # the order of keys does not matter
    assert _go_env_plan.plan_changes(dict(reversed(list(settings.items()))), [], file_values, effective, {}, (1, 19, 8))[0] == to_set
    # since Go 1.21 GOPROXY's default comes from $GOROOT/go.env, so it follows GOROOT and is written too
    assert 'GOPROXY' in _go_env_plan.plan_changes(settings, [], file_values, effective, {}, (1, 21, 0))[0]
    # settled: all in the file, nothing to write
    settled = dict(file_values, **to_set)
    settled['GOPROXY'] = settings['GOPROXY']
    assert _go_env_plan.plan_changes(settings, [], settled, effective, {}, (1, 23, 5)) == ({}, [])


@pytest.mark.parametrize('key,version,follows', [
    ('GONOPROXY', (1, 13, 0), 'GOPRIVATE'),
    ('GONOSUMDB', (1, 19, 8), 'GOPRIVATE'),
    ('GOMODCACHE', (1, 19, 8), 'GOPATH'),
    ('GOPATH', (1, 19, 8), '$HOME'),
    ('GOPROXY', (1, 20, 14), None),
    ('GOPROXY', (1, 21, 0), 'GOROOT'),
    ('GOTOOLCHAIN', (1, 23, 5), 'GOROOT'),
    ('GOAMD64', (1, 19, 8), 'GOARCH'),
    ('GOFLAGS', (1, 23, 5), None),
    ('GOPRIVATE', (1, 23, 5), None),
    ('GOPROXY', None, 'GOROOT'),  # version unknown: assume the newer rule
])
def test_default_follows(key, version, follows):
    found = _go_env_plan.default_follows(key, version)
    assert (found is None) if follows is None else found.startswith(follows)


def test_derived_defaults_table_names_its_source_in_go():
    assert len(_go_env_keys.DERIVED_DEFAULTS) >= 20
    for key, (since, follows, where) in _go_env_keys.DERIVED_DEFAULTS.items():
        assert _go_env_keys._KEY_RE.match(key) and key not in _go_env_keys.READ_ONLY_KEYS | _go_env_keys.OS_ONLY_KEYS | _go_env_keys.TELEMETRY_KEYS, key
        assert len(since) == 2 and since >= _go_env_keys.MIN_WRITE_VERSION, key
        assert follows and ('cmd/go/internal/' in where or where.startswith('$GOROOT/go.env')), key


def test_managed_lines_masks():
    lines = _go_env_secrets.managed_lines({'GOPROXY': 'https://ci:%s@p.example' % SECRET, 'OTHER': 'x'}, ['GOPROXY', 'GOSUMDB'])
    assert lines == 'GOPROXY=https://***@p.example\n'


# ------------------------------------------------------------------ module cache guards

def test_modcache_guard_refuses(tmp_path):
    home = str(tmp_path / 'home')
    goroot = str(tmp_path / 'goroot')
    os.makedirs(os.path.join(goroot, 'src'))
    os.makedirs(home)
    (tmp_path / 'file').write_text('x')
    cases = [
        ('', 'is empty'), ('rel/mod', 'is relative'), ('/', 'top-level'), ('/usr', 'top-level'),
        (home, 'home directory'), (str(tmp_path), 'home directory'), (goroot, 'GOROOT'),
        (os.path.join(goroot, 'src'), 'inside GOROOT'), (os.path.join(home, 'go'), 'GOPATH entry'),
        (os.path.join(home, '.config'), 'env file directory'), (str(tmp_path / 'file'), 'not a directory'),
    ]
    for path, why in cases:
        with pytest.raises(ValueError) as e:
            _go_env_modcache.modcache_guard(path, [home], goroot, os.path.join(home, 'go'), os.path.join(home, '.config', 'go', 'env'))
        assert 'GOMODCACHE' in str(e.value) and why in str(e.value), (path, str(e.value))
    link = tmp_path / 'link'
    link.symlink_to(home)
    with pytest.raises(ValueError, match='home directory'):
        _go_env_modcache.modcache_guard(str(link), [home], goroot, '', '')
    # Debian's GOROOT/src is a symlink out of GOROOT: refused as written, not only as resolved
    shared_src = tmp_path / 'share' / 'src'
    shared_src.mkdir(parents=True)
    (tmp_path / 'goroot2').mkdir()
    (tmp_path / 'goroot2' / 'src').symlink_to(shared_src)
    with pytest.raises(ValueError, match='inside GOROOT'):
        _go_env_modcache.modcache_guard(str(tmp_path / 'goroot2' / 'src'), [home], str(tmp_path / 'goroot2'), '', '')
    good = os.path.join(home, 'go', 'pkg', 'mod')
    assert _go_env_modcache.modcache_guard(good, [home], goroot, os.path.join(home, 'go'), '') == os.path.realpath(good)


def test_modcache_state_reads_one_entry(tmp_path):
    assert _go_env_modcache.modcache_state(str(tmp_path / 'missing')) == (False, False)
    (tmp_path / 'empty').mkdir()
    assert _go_env_modcache.modcache_state(str(tmp_path / 'empty')) == (True, False)
    (tmp_path / 'full' / 'cache').mkdir(parents=True)
    assert _go_env_modcache.modcache_state(str(tmp_path / 'full')) == (True, True)


def test_removal_blocker_owner_of_read_only_dirs(tmp_path):
    # Go makes the owner's read-only directories writable first; the non-root case runs in the functional test.
    cache = tmp_path / 'mod' / 'a' / 'b'
    cache.mkdir(parents=True)
    os.chmod(str(cache), 0o555)
    try:
        assert _go_env_modcache.removal_blocker(str(tmp_path / 'mod'), os.geteuid()) is None
    finally:
        os.chmod(str(cache), 0o755)


@pytest.mark.parametrize('settings', [
    {'GOPROXY': 'https://ci:s3cret-token@goproxy.corp.example,https://u2:p%40ss@mirror.corp.example|direct'},
    {'GOSUMDB': 'sum.golang.org https://ci:s3cret-token@sum.corp.example', 'GOFLAGS': '-mod=readonly'},
    {'GOPROXY': 'https://proxy.golang.org,direct'},
])
def test_hidden_credentials_round_trip(tmp_path, settings):
    hidden, placeholders = _go_env_secrets.hide_credentials(settings)
    secrets = set()
    for key, value in settings.items():
        secrets |= _go_env_secrets.secrets_in(key, value)
    assert ' '.join(hidden.values()).count('gotime-credential-') == len(placeholders)
    assert not any(secret in value for secret in secrets for value in hidden.values())
    path = tmp_path / 'env'
    path.write_text(''.join('%s=%s\n' % item for item in sorted(hidden.items())))
    _go_env_secrets.restore_credentials(str(path), placeholders)
    assert path.read_text() == ''.join('%s=%s\n' % item for item in sorted(settings.items()))
