# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env logic: parse, validate and diff go env settings; module cache guards; the run flow."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import base64
import binascii
import fcntl
import hashlib
import json
import os
import posixpath
import pwd
import re
import shutil
import stat
import struct
import sys
import tempfile
import time

from urllib.parse import unquote, urlsplit

MASK = '***'
MIN_WRITE_VERSION = (1, 13)  # go env -w and -u
LOCK_POLL = 0.05

# Where go is looked for after PATH: Go's installer, Homebrew, MacPorts, Debian's golang-go.
GO_DIRS = ('/usr/local/go/bin', '/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin', '/usr/lib/go/bin')

# Keys `go env -w` refuses (cmd/go/internal/envcmd checkEnvWrite).
OS_ONLY_KEYS = frozenset(('GOENV', 'GODEBUG'))
READ_ONLY_KEYS = frozenset(('GOEXE', 'GOGCCFLAGS', 'GOHOSTARCH', 'GOHOSTOS', 'GOMOD', 'GOWORK', 'GOTOOLDIR',
                            'GOVERSION', 'GOTELEMETRY', 'GOTELEMETRYDIR'))
# Keys Go knows but `go env -json` lists only for some platforms: key -> first Go version knowing it.
UNLISTED_KEYS = dict(
    [(k, (1, 13)) for k in ('CGO_CFLAGS_ALLOW', 'CGO_CFLAGS_DISALLOW', 'CGO_CPPFLAGS_ALLOW', 'CGO_CPPFLAGS_DISALLOW',
                            'CGO_CXXFLAGS_ALLOW', 'CGO_CXXFLAGS_DISALLOW', 'CGO_FFLAGS_ALLOW', 'CGO_FFLAGS_DISALLOW',
                            'CGO_LDFLAGS_ALLOW', 'CGO_LDFLAGS_DISALLOW', 'FC', 'GO386', 'GOARM', 'GOMIPS', 'GOMIPS64',
                            'GOPPC64', 'GOWASM', 'GO_EXTLINK_ENABLED')]
    + [('GOARM64', (1, 23)), ('GORISCV64', (1, 23))])
# Keys whose default (or, for the GOARCH-specific keys, whether go env reports them at all) Go computes from
# other keys or from the environment: key -> (first Go version where it does, what it follows, where in Go).
# A declared value for them is written to the env file even when it is already in effect, so that it stays
# in effect when what it follows changes (plan_changes). Read-only and OS-only keys derive too (GOENV from
# $GOENV/$XDG_CONFIG_HOME/$HOME, GOEXE from GOOS, GOTOOLDIR from GOROOT, GOTELEMETRYDIR from
# $XDG_CONFIG_HOME/$HOME), but go env -w refuses them.
DERIVED_DEFAULTS = {
    'GONOPROXY': ((1, 13), 'GOPRIVATE', 'cmd/go/internal/cfg/cfg.go: envOr("GONOPROXY", GOPRIVATE)'),
    'GONOSUMDB': ((1, 13), 'GOPRIVATE', 'cmd/go/internal/cfg/cfg.go: envOr("GONOSUMDB", GOPRIVATE)'),
    'GOPATH': ((1, 13), '$HOME', 'cmd/go/internal/cfg/cfg.go gopath, go/build defaultGOPATH: $HOME/go'),
    'GOMODCACHE': ((1, 13), 'GOPATH', 'cmd/go/internal/cfg/cfg.go: gopathDir("pkg/mod"), the first GOPATH entry'),
    'GOCACHE': ((1, 13), '$XDG_CACHE_HOME or $HOME', 'cmd/go/internal/cache/default.go DefaultDir: os.UserCacheDir()'),
    'GOROOT': ((1, 13), 'the go binary\'s location', 'cmd/go/internal/cfg/cfg.go findGOROOT'),
    'CGO_ENABLED': ((1, 13), 'GOOS and GOARCH (0 when cross-compiling); since Go 1.20 also CC and $PATH (0 without a C compiler)',
                    'cmd/go/internal/cfg/cfg.go defaultContext'),
    'CC': ((1, 13), 'GOOS and GOARCH', 'cmd/go/internal/envcmd/env.go MkEnv: cfg.DefaultCC(cfg.Goos, cfg.Goarch)'),
    'CXX': ((1, 13), 'GOOS and GOARCH', 'cmd/go/internal/envcmd/env.go MkEnv: cfg.DefaultCXX(cfg.Goos, cfg.Goarch)'),
    'GOPROXY': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
    'GOSUMDB': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
    'GOTOOLCHAIN': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
}
_ARCH_KEYS = (('GO386', '386', (1, 13)), ('GOAMD64', 'amd64', (1, 18)), ('GOARM', 'arm', (1, 13)),
              ('GOARM64', 'arm64', (1, 23)), ('GOMIPS', 'mips', (1, 13)), ('GOMIPS64', 'mips64', (1, 13)),
              ('GOPPC64', 'ppc64', (1, 13)), ('GORISCV64', 'riscv64', (1, 23)), ('GOWASM', 'wasm', (1, 13)))
DERIVED_DEFAULTS.update((key, (since, 'GOARCH (go env reports %s only on %s)' % (key, arch),
                               'cmd/go/internal/cfg/cfg.go GetArchEnv')) for key, arch, since in _ARCH_KEYS)
DERIVED_DEFAULTS['GOARM'] = ((1, 13), 'GOARCH (reported only on arm) and GOOS (7 on android since Go 1.21)',
                             'cmd/go/internal/cfg/cfg.go GetArchEnv, internal/buildcfg goarm')
# GODEBUG: go env -w calls it an unknown variable before Go 1.23, which names it with GOENV in checkEnvWrite.
GODEBUG_OS_ONLY_SINCE = (1, 23)
# The -insecure flag of go get, removed in Go 1.17 (cmd/go/internal/modget/get.go); from then on go get fails with:
INSECURE_FLAG_REMOVED = (1, 17)
INSECURE_FLAG_ERROR = 'go: -insecure flag is no longer supported; use GOINSECURE instead'
# Newer keys, for a helpful message when the installed Go does not know them.
KEY_SINCE = {'GOTOOLCHAIN': '1.21', 'GOARM64': '1.23', 'GORISCV64': '1.23', 'GOAUTH': '1.24', 'GOFIPS140': '1.24'}

URL_KEYS = ('GOPROXY', 'GOSUMDB')
GLOB_LIST_KEYS = ('GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE')
ABSOLUTE_PATH_KEYS = ('GOBIN', 'GOCACHE', 'GOMODCACHE', 'GOROOT', 'GOTMPDIR')
CHOICES = {
    'GO111MODULE': ('on', 'off', 'auto'),
    'CGO_ENABLED': ('0', '1'),
    'GOAMD64': ('v1', 'v2', 'v3', 'v4'),
}
PROXY_SCHEMES = ('https', 'http', 'file')
GOFLAGS_MOD = ('readonly', 'vendor', 'mod')
GO_TRUE = ('1', 't', 'T', 'TRUE', 'true', 'True')
GO_FALSE = ('0', 'f', 'F', 'FALSE', 'false', 'False')
# cmd/go/internal/modfetch knownGOSUMDB, and the alias Go accepts as the whole value.
KNOWN_SUMDB_KEYS = {'sum.golang.org': 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'}
SUMDB_ALIASES = ('sum.golang.google.cn',)
# Public module paths: a glob list matching one of them covers public modules, not only private ones.
PUBLIC_MODULE_PROBES = ('github.com/golang/protobuf', 'golang.org/x/mod', 'google.golang.org/grpc', 'gopkg.in/yaml.v3',
                        'go.uber.org/zap', 'k8s.io/client-go', 'cloud.google.com/go', 'rsc.io/quote')

_KEY_RE = re.compile(r'^[A-Z][A-Z0-9_]*$')
_VERSION_RE = re.compile(r'\bgo(\d+)\.(\d+)(?:\.(\d+))?')
_SCHEME_USERINFO_RE = re.compile(r'(?P<pre>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s\'"]+)@')
_URL_TOKEN_SPLIT_RE = re.compile(r'([,|\s]+)')
_LINE_BREAKS = ('\n', '\r', '\v', '\x00')


# ---------------------------------------------------------------- credentials

def _userinfo(token):
    """The user:password part of a URL-like token (scheme optional), or None."""
    rest = token.split('://', 1)[1] if '://' in token else token
    authority = re.split(r'[/?#]', rest, maxsplit=1)[0]
    if '@' not in authority:
        return None
    return authority.rsplit('@', 1)[0]


def secrets_in(key, value):
    """Credentials carried by a setting's value: each userinfo and its password, plain and percent-decoded."""
    found = set()
    if not isinstance(value, str):
        return found
    tokens = _URL_TOKEN_SPLIT_RE.split(value) if key in URL_KEYS else []
    infos = [_userinfo(t) for t in tokens] + [m.group('userinfo') for m in _SCHEME_USERINFO_RE.finditer(value)]
    for info in infos:
        if not info:
            continue
        parts = [info]
        if ':' in info:
            parts.append(info.split(':', 1)[1])
        for part in parts:
            for form in (part, unquote(part)):
                if len(form) >= 3:
                    found.add(form)
    return found


def _replace_userinfo(key, value, replace):
    """The value with every URL's userinfo (the part before '@') replaced by replace(userinfo)."""
    if key in URL_KEYS:
        tokens = _URL_TOKEN_SPLIT_RE.split(value)
        for i, token in enumerate(tokens):
            info = _userinfo(token)
            if info:
                tokens[i] = token.replace(info + '@', replace(info) + '@', 1)
        value = ''.join(tokens)
    return _SCHEME_USERINFO_RE.sub(lambda m: m.group('pre') + replace(m.group('userinfo')) + '@', value)


def mask_value(key, value):
    """The value with every URL's userinfo replaced by ***."""
    if not isinstance(value, str):
        return value
    return _replace_userinfo(key, value, lambda info: MASK)


def hide_credentials(settings):
    """(settings with every URL's userinfo replaced by a random placeholder, {placeholder: userinfo}).

    go env -w gets the placeholders, so no credential is in its argument list, which other local users can read.
    """
    placeholders = {}

    def placeholder(info):
        if info in placeholders:
            return info
        token = 'gotime-credential-' + os.urandom(8).hex()
        placeholders[token] = info
        return token

    return dict((key, _replace_userinfo(key, value, placeholder)) for key, value in settings.items()), placeholders


def restore_credentials(path, placeholders):
    """Put the credentials back in place of their placeholders in the env file copy at path."""
    if not placeholders:
        return
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'surrogateescape')
    for token, info in placeholders.items():
        text = text.replace(token, info)
    with open(path, 'wb') as f:
        f.write(text.encode('utf-8', 'surrogateescape'))


def scrub(text, secrets):
    """Free text (go's stderr, messages) with known secrets and any scheme://userinfo@ masked."""
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _SCHEME_USERINFO_RE.sub(lambda m: m.group('pre') + MASK + '@', text)


def mask_env(env):
    return dict((k, mask_value(k, v)) for k, v in env.items())


def _bad(key, value, why):
    return ValueError('%s=%r: %s' % (key, mask_value(key, value), why))


# ---------------------------------------------------------------- go output and files

def parse_version(text):
    """(major, minor, patch) from `go version` output or GOVERSION: go1.19.8, go1.21rc2, devel go1.23-abc."""
    match = _VERSION_RE.search(text or '')
    if not match:
        raise ValueError('go version: no Go version such as go1.19.8 in %r' % (text or '').strip()[:200])
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def version_text(version):
    return 'go%d.%d.%d' % version


def parse_env_json(text):
    """`go env -json` output as a dict of str."""
    try:
        env = json.loads(text)
    except ValueError as e:
        raise ValueError('go env -json: output is not JSON (%s): %r' % (e, (text or '')[:200]))
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ValueError('go env -json: expected an object of strings, got %r' % (text or '')[:200])
    return env


def parse_env_file(text):
    """KEY=VALUE lines as Go reads them (cmd/go/internal/cfg initEnvCache): last one wins, others skipped."""
    values = {}
    for line in (text or '').split('\n'):
        key, sep, value = line.partition('=')
        if not sep or not line or not ('A' <= line[0] <= 'Z'):
            continue
        values[key] = value
    return values


def read_env_file(path):
    """The env file's text, or None when it does not exist."""
    if not path:
        return None
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'surrogateescape')
    except (IOError, OSError) as e:
        if not os.path.exists(path):
            return None
        raise ValueError('go env file %s: cannot read it: %s' % (path, e))


def env_file_path(reported, environ, system=None):
    """The env file `go env -w` writes: GOENV as go reports it, else Go's rule (Go before 1.13 reports none)."""
    if reported:
        return reported
    goenv = environ.get('GOENV', '')
    if goenv == 'off':
        raise ValueError('GOENV=off is set in the OS environment: go has no env file to write')
    if goenv:
        return goenv
    home = environ.get('HOME', '')
    if (system or sys.platform) == 'darwin':
        base = posixpath.join(home, 'Library', 'Application Support') if home else ''
    else:
        base = environ.get('XDG_CONFIG_HOME', '')
        if base and not posixpath.isabs(base):
            raise ValueError('XDG_CONFIG_HOME=%r is relative: go has no env file to write' % base)
        if not base and home:
            base = posixpath.join(home, '.config')
    if not base:
        raise ValueError('HOME is not set: go has no env file to write (set HOME or GOENV)')
    return posixpath.join(base, 'go', 'env')


def managed_lines(file_values, keys):
    """The env file's lines for the managed keys, masked, for the diff."""
    return ''.join('%s=%s\n' % (k, mask_value(k, file_values[k])) for k in sorted(keys) if k in file_values)


# ---------------------------------------------------------------- path.Match (Go's path package)

class BadPattern(Exception):
    pass


def _scan_chunk(pattern, i):
    """Go's scanChunk by index: (star, chunk start, chunk end); the rest of the pattern starts at chunk end."""
    n = len(pattern)
    star = False
    while i < n and pattern[i] == '*':
        i += 1
        star = True
    start = i
    in_range = False
    while i < n:
        c = pattern[i]
        if c == '\\':
            if i + 1 < n:
                i += 1
        elif c == '[':
            in_range = True
        elif c == ']':
            in_range = False
        elif c == '*' and not in_range:
            break
        i += 1
    return star, start, i


def _get_esc(pattern, i, end):
    """Go's getEsc: (character, index after it) of a range bound in pattern[i:end]."""
    if i >= end or pattern[i] in '-]':
        raise BadPattern()
    if pattern[i] == '\\':
        i += 1
        if i >= end:
            raise BadPattern()
    i += 1
    if i >= end:
        raise BadPattern()
    return pattern[i - 1], i


def _match_chunk(pattern, i, end, s, j):
    """Go's matchChunk on pattern[i:end] against s[j:]: (index in s after the chunk, matched).

    Raise BadPattern for a malformed chunk even after a mismatch.
    """
    n = len(s)
    failed = False
    while i < end:
        if not failed and j >= n:
            failed = True
        c = pattern[i]
        if c == '[':
            r = None
            if not failed:
                r = s[j]
                j += 1
            i += 1
            negated = False
            if i < end and pattern[i] == '^':
                negated = True
                i += 1
            matched = False
            nrange = 0
            while True:
                if i < end and pattern[i] == ']' and nrange > 0:
                    i += 1
                    break
                lo, i = _get_esc(pattern, i, end)
                hi = lo
                if pattern[i] == '-':
                    hi, i = _get_esc(pattern, i + 1, end)
                if r is not None and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif c == '?':
            if not failed:
                if s[j] == '/':
                    failed = True
                j += 1
            i += 1
        else:
            if c == '\\':
                i += 1
                if i >= end:
                    raise BadPattern()
            if not failed:
                if pattern[i] != s[j]:
                    failed = True
                j += 1
            i += 1
    if failed:
        return n, False
    return j, True


def path_match(pattern, name):
    """Go's path.Match: * and ? do not cross '/'; raise BadPattern for a malformed pattern.

    Indexes into pattern and name like Go's string slices, so the cost is linear in the pattern.
    """
    p, end, j, n = 0, len(pattern), 0, len(name)
    while p < end:
        star, start, p = _scan_chunk(pattern, p)
        if star and start == p:
            return name.find('/', j) < 0
        k, ok = _match_chunk(pattern, start, p, name, j)
        if ok and (k == n or p < end):
            j = k
            continue
        if star:
            found = False
            i = j
            while i < n and name[i] != '/':
                k, ok = _match_chunk(pattern, start, p, name, i + 1)
                if ok and not (p == end and k < n):
                    j = k
                    found = True
                    break
                i += 1
            if found:
                continue
        while p < end:
            star, start, p = _scan_chunk(pattern, p)
            _match_chunk(pattern, start, p, '', 0)
        return False
    return j == n


def match_prefix_patterns(globs, target):
    """golang.org/x/mod/module.MatchPrefixPatterns: does a comma-separated glob list match a module path prefix."""
    for glob in globs.split(','):
        glob = glob[:-1] if glob.endswith('/') else glob
        if not glob:
            continue
        n = glob.count('/')
        parts = target.split('/')
        if len(parts) <= n:
            continue
        try:
            if path_match(glob, '/'.join(parts[:n + 1])):
                return True
        except BadPattern:
            continue
    return False


# ---------------------------------------------------------------- value checks

def parse_goproxy(value, key='GOPROXY'):
    """[(entry, fallback_on_any_error)] of a GOPROXY list; raise ValueError on what Go rejects or ignores."""
    parts = re.split(r'([,|])', value)
    entries = []
    for i in range(0, len(parts), 2):
        entry = parts[i]
        number = i // 2 + 1
        if entries and entries[-1][0] in ('direct', 'off'):
            raise _bad(key, value, "entries after '%s' are ignored by Go; put '%s' last" % (entries[-1][0], entries[-1][0]))
        if entry == '':
            raise _bad(key, value, 'entry %d is empty (two separators in a row, or one at an end)' % number)
        if entry.strip() != entry or any(c.isspace() for c in entry):
            raise _bad(key, value, 'entry %d contains spaces; separate entries with , or | only' % number)
        fallback = i + 1 < len(parts) and parts[i + 1] == '|'
        entries.append((entry, fallback))
        if entry in ('direct', 'off'):
            continue
        url = entry
        if any(c in entry for c in '.:/') and ':/' not in entry and not entry.startswith('/'):
            url = 'https://' + entry
        _check_proxy_url(key, value, number, entry, url)
    return entries


def _check_proxy_url(key, value, number, entry, url):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise _bad(key, value, 'entry %d is not a valid URL (%s)' % (number, e))
    scheme = parts.scheme.lower()
    if not scheme or '://' not in url:
        raise _bad(key, value, 'entry %d (%s) is neither a URL nor a keyword: write https://HOST[/PATH], file:///PATH, '
                   'direct or off' % (number, mask_value(key, entry)))
    if scheme not in PROXY_SCHEMES:
        raise _bad(key, value, 'entry %d has scheme %r; Go accepts https, http and file' % (number, parts.scheme))
    if scheme == 'file':
        if parts.netloc or parts.query or parts.fragment or not parts.path.startswith('/'):
            raise _bad(key, value, 'entry %d: a file proxy must be file:///absolute/path, with no host, query or fragment' % number)
    elif not parts.hostname:
        raise _bad(key, value, 'entry %d has no host' % number)
    elif port == 0:
        raise _bad(key, value, 'entry %d has port 0' % number)


def parse_gosumdb(value, key='GOSUMDB'):
    """{'name', 'key', 'url'} of a GOSUMDB value (None for off); raise ValueError for what Go rejects."""
    if value == 'off':
        return None
    if value in SUMDB_ALIASES:
        return {'name': 'sum.golang.org', 'key': KNOWN_SUMDB_KEYS['sum.golang.org'], 'url': 'https://' + value}
    fields = value.split()
    if len(fields) > 2:
        raise _bad(key, value, 'has %d fields; Go accepts NAME or NAME+HASH+KEY, optionally followed by one URL' % len(fields))
    vkey = KNOWN_SUMDB_KEYS.get(fields[0], fields[0])
    if '+' not in vkey:
        raise _bad(key, value, '%r is not a known checksum database (sum.golang.org) nor a NAME+HASH+KEY verifier key' % fields[0])
    name = _check_verifier_key(key, value, vkey)
    url = fields[1] if len(fields) == 2 else None
    if url is not None:
        try:
            parts = urlsplit(url)
            usable = parts.scheme.lower() in ('https', 'http') and parts.hostname and parts.port != 0
        except ValueError as e:
            raise _bad(key, value, 'the URL field is not a valid URL (%s)' % e)
        if not usable:
            raise _bad(key, value, 'the URL field must be an https:// (or http://) URL with a host')
    return {'name': name, 'key': vkey, 'url': url}


def _check_verifier_key(key, value, vkey):
    """golang.org/x/mod/sumdb/note NewVerifier plus cmd/go's database name rule; return the name."""
    name, _sep, rest = vkey.partition('+')
    hash16, _sep, key64 = rest.partition('+')
    if not name or '+' in name or any(c.isspace() for c in name):
        raise _bad(key, value, 'the verifier key has no valid name before the first +')
    if len(hash16) != 8 or not re.match(r'^[0-9a-fA-F]{8}$', hash16):
        raise _bad(key, value, 'the verifier key hash %r is not 8 hex digits (NAME+HASH+KEY)' % hash16)
    try:
        keydata = base64.b64decode(key64.encode('ascii'), validate=True) if key64 else b''
    except (binascii.Error, ValueError, UnicodeError):
        raise _bad(key, value, 'the verifier key data is not standard base64')
    if not keydata:
        raise _bad(key, value, 'the verifier key has no key data after NAME+HASH+')
    if struct.unpack('>I', hashlib.sha256(name.encode('utf-8') + b'\n' + keydata).digest()[:4])[0] != int(hash16, 16):
        raise _bad(key, value, 'the verifier key hash does not match its name and key (copy the key exactly)')
    if keydata[0:1] != b'\x01' or len(keydata) != 33:
        raise _bad(key, value, 'the verifier key is not an Ed25519 key (algorithm 1, 32 bytes)')
    parts = urlsplit('https://' + name)
    if (name.endswith('/') or not parts.netloc or parts.query or parts.fragment or '?' in name or '#' in name
            or '@' in parts.netloc or '%' in name):
        raise _bad(key, value, 'the database name %r must be host[/path]' % name)
    return name


def check_goflags(value, key='GOFLAGS'):
    """Each whitespace-separated word must be -flag or -flag=value (cmd/go/internal/base InitGOFLAGS)."""
    for token in value.split():
        if (not token.startswith('-') or token in ('-', '--') or token.startswith('---')
                or token.startswith('-=') or token.startswith('--=')):
            raise _bad(key, value, '%r is not a flag: each word must be -flag or -flag=value '
                       '(write -tags=a,b, not -tags a,b)' % token)
        name, eq, arg = token.lstrip('-').partition('=')
        if name == 'mod' and arg not in GOFLAGS_MOD:
            raise _bad(key, value, '-mod needs one of %s, as -mod=mod' % ', '.join(GOFLAGS_MOD) if not eq else
                       '-mod=%s is not one of %s' % (arg, ', '.join(GOFLAGS_MOD)))
        if eq and name != 'mod' and name in ('insecure', 'modcacherw', 'trimpath', 'race') and arg not in GO_TRUE + GO_FALSE:
            raise _bad(key, value, '-%s=%s is not a boolean' % (name, arg))


def check_glob_list(key, value):
    """Comma-separated path.Match globs: Go trims no spaces and silently ignores malformed patterns."""
    for number, item in enumerate(value.split(','), 1):
        if item == '':
            raise _bad(key, value, 'item %d is empty (two commas in a row, or one at an end)' % number)
        if any(c.isspace() for c in item):
            raise _bad(key, value, 'item %d (%r) contains spaces; Go does not trim them, so it never matches' % (number, item))
        try:
            path_match(item.rstrip('/') or item, '')
        except BadPattern:
            raise _bad(key, value, 'item %d (%r) is a malformed pattern; Go ignores it silently' % (number, item))


def _check_absolute(key, value, path):
    if path.startswith('~'):
        raise _bad(key, value, 'starts with ~, which Go does not expand; write the full path')
    if not posixpath.isabs(path):
        raise _bad(key, value, 'is a relative path; Go needs an absolute path')


def check_value(key, value):
    """Checks of one setting that need no go binary; return the value as a string."""
    if isinstance(value, bool):
        raise _bad(key, value, 'is a boolean (YAML reads on/off/yes/no as booleans); quote the value, as %s: "on"' % key)
    if isinstance(value, int):
        value = str(value)
    if value is None or value == '':
        raise _bad(key, '', 'empty value: a %s= line hides Go\'s default; list the key under unset instead' % key)
    if not isinstance(value, str):
        raise _bad(key, value, 'must be a string, not %s' % type(value).__name__)
    for char, name in zip(_LINE_BREAKS, ('a newline', 'a carriage return', 'a vertical tab', 'a NUL byte')):
        if char in value:
            raise _bad(key, value, 'contains %s; the env file holds one KEY=VALUE per line' % name)
    if value.strip() != value:
        raise _bad(key, value, 'has leading or trailing spaces, which Go keeps as part of the value')
    if key == 'GOPROXY':
        parse_goproxy(value)
    elif key == 'GOSUMDB':
        parse_gosumdb(value)
    elif key == 'GOFLAGS':
        check_goflags(value)
    elif key in GLOB_LIST_KEYS:
        check_glob_list(key, value)
    elif key == 'GOPATH':
        for entry in value.split(':'):
            if not entry:
                raise _bad(key, value, 'has an empty entry (a : at an end or two in a row)')
            _check_absolute(key, value, entry)
    elif key == 'GOCACHE' and value == 'off':
        raise _bad(key, value, 'GOCACHE=off is not supported since Go 1.12; the build cache is required')
    elif key in ABSOLUTE_PATH_KEYS:
        _check_absolute(key, value, value)
    elif key in CHOICES and value not in CHOICES[key]:
        raise _bad(key, value, 'must be one of %s' % ', '.join(CHOICES[key]))
    return value


def check_key(key, known=None, version=None, where='settings', os_only=True):
    """Refuse keys go env -w/-u refuses; with the installed Go's keys, refuse keys it does not know.

    os_only=False leaves OS-only keys to the check with the version, whose message quotes that Go's refusal.
    """
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ValueError('%s: %r is not a go env key (upper case letters, digits and _, such as GOPROXY)' % (where, key))
    if key in OS_ONLY_KEYS and os_only:
        raise ValueError('%s: %s can only be set in the OS environment; go env -w refuses it%s'
                         % (where, key, go_refusal(key, version)))
    if key in READ_ONLY_KEYS:
        raise ValueError('%s: %s is computed by Go and cannot be modified with go env -w' % (where, key))
    if known is None or key in OS_ONLY_KEYS:
        return
    since = UNLISTED_KEYS.get(key)
    if key in known or (since is not None and version is not None and version[:2] >= since):
        return
    hint = ' (%s needs Go %s or later)' % (key, KEY_SINCE[key]) if key in KEY_SINCE else ''
    raise ValueError('%s: %s is unknown to the installed %s; go env -w refuses it%s'
                     % (where, key, version_text(version) if version else 'Go', hint))


def go_refusal(key, version):
    """What the target's go env -w says when it refuses an OS-only key (empty while the version is unknown)."""
    if version is None:
        return ''
    if key == 'GODEBUG' and version[:2] < GODEBUG_OS_ONLY_SINCE:
        said = 'unknown go command variable GODEBUG'
    else:
        said = '%s can only be set using the OS environment' % key
    return ' (%s says "go: %s")' % (version_text(version), said)


def check_request(settings, unset):
    """Checks of the options that need no go binary; return settings with string values."""
    if not isinstance(settings, dict):
        raise ValueError('settings: must be a dictionary of KEY: value')
    clean = {}
    for key, value in settings.items():
        check_key(key, os_only=False)
        clean[key] = check_value(key, value)
    for key in unset:
        check_key(key, where='unset', os_only=False)
        if key in clean:
            raise ValueError('unset: %s is also in settings; name it in one of them' % key)
    if len(set(unset)) != len(unset):
        raise ValueError('unset: lists a key twice')
    return clean


# ---------------------------------------------------------------- downgrades

def _public_match(globs):
    for probe in PUBLIC_MODULE_PROBES:
        if match_prefix_patterns(globs, probe):
            return probe
    return None


def insecure_flag_reason(version):
    """What GOFLAGS=-insecure does on this Go version (None: unknown, both)."""
    removed = ('Go 1.17 removed it: go get fails with "%s" (other commands ignore it), so it weakens nothing; '
               'use GOINSECURE for the module paths that need it' % INSECURE_FLAG_ERROR)
    before = 'it lets go get fetch modules over plain HTTP and skips the checksum database'
    if version is None:
        return '-insecure: before Go 1.17 %s; %s' % (before, removed)
    if version[:2] >= INSECURE_FLAG_REMOVED:
        return '-insecure on %s: %s' % (version_text(version), removed)
    return '-insecure on %s (before Go 1.17): %s' % (version_text(version), before)


def downgrades(env, version=None):
    """[{key, value, why}] for values the fleet's policy refuses as security downgrades (values masked).

    Each why says what the value really does (on this Go version where that matters).
    """
    found = []

    def add(key, why):
        found.append({'key': key, 'value': mask_value(key, env[key]), 'why': why})

    if env.get('GOSUMDB', '').strip() == 'off':
        add('GOSUMDB', 'the checksum database is off: go.sum entries for new modules are trusted on first download')
    for key, why in (('GONOSUMDB', 'the checksum database is skipped for them'),
                     ('GOPRIVATE', 'they bypass the proxy and, unless GONOSUMDB says otherwise, the checksum database')):
        probe = _public_match(env.get(key, ''))
        if probe:
            add(key, 'matches public modules such as %s: %s' % (probe, why))
    if env.get('GOINSECURE', '').strip():
        add('GOINSECURE', 'direct fetches of matching modules may use plain HTTP or skip certificate checks; it applies to '
            'direct fetches only, and the checksum database still verifies those modules')
    for token in env.get('GOFLAGS', '').split():
        name, eq, arg = token.lstrip('-').partition('=')
        if name == 'insecure' and (not eq or arg in GO_TRUE):
            add('GOFLAGS', insecure_flag_reason(version))
            break
    first = re.split(r'[,|]', env.get('GOPROXY', ''))[0].strip()
    if first == 'direct':
        add('GOPROXY', "only direct: go.sum and the checksum database still verify every module, but there is no proxy's "
            'immutable cache (a retag or deletion at the origin reaches you) and go runs git or other version-control '
            "tools against each module's origin")
    return found


# ---------------------------------------------------------------- plan

def default_follows(key, version):
    """What the key's default follows on this Go version (DERIVED_DEFAULTS), or None for a fixed default."""
    entry = DERIVED_DEFAULTS.get(key)
    if entry and (version is None or version[:2] >= entry[0]):
        return entry[1]
    return None


def declared_holds(key, value, file_values, effective, environ, version):
    """Is the declared value in effect independently of every other key: in the env file, or Go's fixed default?"""
    if key in file_values:
        return file_values[key] == value
    if environ.get(key) or default_follows(key, version):
        return False
    return effective.get(key) == value


def plan_changes(settings, unset, file_values, effective, environ, version=None):
    """(keys to write with values, keys to remove) so that one run reaches the declared state.

    Declared: each key of settings has its value whatever the order of keys, whatever else changes; each unset key
    has no env file line. A value equal to a default that follows other keys or the environment is written anyway:
    otherwise a change of GOPRIVATE (GONOPROXY's source) in this run or a later one would move it.
    """
    to_set = dict((k, v) for k, v in settings.items()
                  if not declared_holds(k, v, file_values, effective, environ, version))
    to_unset = sorted(k for k in unset if k in file_values)
    return to_set, to_unset


def overridden_keys(keys, environ):
    """Managed keys set in the OS environment: Go prefers those over the env file."""
    return sorted(k for k in keys if environ.get(k))


# ---------------------------------------------------------------- module cache

def _is_within(path, parent):
    return path == parent or path.startswith(parent.rstrip('/') + '/')


def _forms(path):
    """The path as written (normalised) and with symlinks resolved: a guard must hold for both."""
    return set((posixpath.normpath(path), os.path.realpath(path)))


def modcache_guard(path, home_dirs=(), goroot='', gopath='', env_file='', key='GOMODCACHE'):
    """Refuse a GOMODCACHE that go clean -modcache must not remove; return its real path."""
    if not path:
        raise ValueError('%s is empty (Go sets none when HOME and GOPATH are unset): there is no module cache to clean' % key)
    if not posixpath.isabs(path):
        raise ValueError('%s=%r is relative: refusing to clean a path that depends on the working directory' % (key, path))
    forms = _forms(path)
    if any(form.count('/') < 2 for form in forms):
        raise ValueError('%s=%r is / or a top-level directory: refusing to clean it' % (key, path))
    protected = [('home directory', h) for h in home_dirs if h]
    protected += [('GOPATH entry', p) for p in gopath.split(':') if p]
    protected += [('GOROOT', goroot)] if goroot else []
    protected += [('env file directory', posixpath.dirname(env_file))] if env_file else []
    for what, other in protected:
        if any(_is_within(o, form) for o in _forms(other) for form in forms):
            raise ValueError('%s=%r is or contains the %s %s: refusing to clean it' % (key, path, what, other))
    if goroot and any(_is_within(form, g) for g in _forms(goroot) for form in forms):
        raise ValueError('%s=%r is inside GOROOT %s: refusing to clean part of the Go installation' % (key, path, goroot))
    real = os.path.realpath(path)
    if os.path.lexists(real) and not os.path.isdir(real):
        raise ValueError('%s=%r is not a directory: refusing to clean it' % (key, path))
    return real


def modcache_state(path):
    """(exists, holds anything) from the first directory entry only: no walk, constant time."""
    try:
        with os.scandir(path) as entries:
            for _entry in entries:
                return True, True
        return True, False
    except FileNotFoundError:
        return False, False
    except NotADirectoryError:
        return True, True
    except PermissionError as e:
        raise ValueError('module cache %s: cannot list it: %s' % (path, e))


def _owner(uid):
    try:
        return '%s (uid %d)' % (pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return 'uid %d' % uid


def removal_blocker(path, euid):
    """Why this user cannot remove the whole cache (go clean would leave it half deleted), or None.

    Go makes read-only directories writable first, which needs ownership; root may remove anything.
    """
    if euid == 0:
        return None
    parent = posixpath.dirname(path.rstrip('/')) or '/'
    top = os.lstat(path)
    pst = os.stat(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return 'its parent %s is not writable by %s' % (parent, _owner(euid))
    if pst.st_mode & stat.S_ISVTX and euid not in (pst.st_uid, top.st_uid):
        return 'its parent %s is sticky and the cache is owned by %s' % (parent, _owner(top.st_uid))
    stack = [path]
    while stack:
        directory = stack.pop()
        st = os.lstat(directory)
        if st.st_uid != euid and not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
            return '%s is owned by %s, not by %s' % (directory, _owner(st.st_uid), _owner(euid))
        try:
            with os.scandir(directory) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        except OSError as e:
            return 'cannot list %s: %s' % (directory, e.strerror)
    return None


def count_entries(path, limit=100000):
    total = 0
    for _root, dirs, files in os.walk(path):
        total += len(dirs) + len(files)
        if total >= limit:
            break
    return total


# ---------------------------------------------------------------- the run

class EnvFileLock(object):
    """Serialises go_env runs on one env file: flock on its directory (each run reads, edits a copy, renames)."""

    def __init__(self, env_file, timeout):
        self.directory = posixpath.dirname(env_file)
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        try:
            os.makedirs(self.directory, 0o777, exist_ok=True)
            self.fd = os.open(self.directory, os.O_RDONLY)
        except OSError as e:
            raise ValueError('go env file directory %s: %s' % (self.directory, e.strerror))
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except (IOError, OSError):
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise ValueError('another go_env run has held the lock on %s for more than %s s (lock_timeout)'
                                     % (self.directory, self.timeout))
                time.sleep(LOCK_POLL)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


class GoMissing(ValueError):
    """No go binary on the host: a posture for reports (go_missing in the result), not a broken setting."""


def find_go(module, option):
    """The go binary: the go option (path or name), else PATH and GO_DIRS."""
    if option and '/' in option:
        path = os.path.expanduser(option)
        if not os.path.isfile(path):
            raise GoMissing('go: %s does not exist; install Go 1.13 or later or point the go option at it' % option)
        if not os.access(path, os.X_OK):
            raise ValueError('go: %s is not executable' % option)
        return path
    path = (module.get_bin_path(option or 'go', required=False)
            or module.get_bin_path(option or 'go', required=False, opt_dirs=list(GO_DIRS)))
    if not path:
        raise GoMissing('go: no %s binary on PATH or in %s; install Go 1.13 or later or set the go option'
                        % (option or 'go', ', '.join(GO_DIRS)))
    return path


class Go(object):
    """The one seam to the go binary: argv lists, C locale, from /, so no go.mod or go.work applies."""

    def __init__(self, module, path, secrets):
        self.module = module
        self.path = path
        self.secrets = secrets

    def run(self, args, goenv=None):
        env = {'LANG': 'C', 'LC_ALL': 'C', 'LC_MESSAGES': 'C'}
        if goenv:
            env['GOENV'] = goenv
        rc, out, err = self.module.run_command([self.path] + args, environ_update=env, cwd='/',
                                               expand_user_and_vars=False)
        return rc, out, err

    def fail(self, args, rc, err):
        return ValueError('%s %s failed (rc %d): %s' % (self.path, ' '.join(args[:2]), rc, scrub((err or '').strip(), self.secrets)))

    def read(self, goenv=None):
        """(effective env, version) from one go env -json call (plus go version before Go 1.16)."""
        rc, out, err = self.run(['env', '-json'], goenv)
        env = None
        if rc == 0:
            try:
                env = parse_env_json(out)
            except ValueError:
                env = None
        if env is not None and env.get('GOVERSION'):
            return env, parse_version(env['GOVERSION'])
        vrc, vout, verr = self.run(['version'])
        if vrc != 0:
            raise self.fail(['version'], vrc, verr)
        version = parse_version(vout)
        if env is None:
            if version < MIN_WRITE_VERSION:
                raise ValueError('%s is %s, too old: go_env needs Go %d.%d or later (go env -w)'
                                 % (self.path, version_text(version), MIN_WRITE_VERSION[0], MIN_WRITE_VERSION[1]))
            raise self.fail(['env', '-json'], rc, err) if rc else ValueError(
                'go env -json: output is not a JSON object: %r' % scrub(out[:200], self.secrets))
        return env, version

    def write(self, to_set, to_unset, goenv=None):
        warnings = []
        for args in ((['env', '-w'] + ['%s=%s' % (k, to_set[k]) for k in sorted(to_set)]) if to_set else None,
                     (['env', '-u'] + list(to_unset)) if to_unset else None):
            if not args:
                continue
            rc, _out, err = self.run(args, goenv)
            if rc != 0:
                raise self.fail(args, rc, err)
            warnings += [scrub(line, self.secrets) for line in (err or '').splitlines()
                         if line.strip() and 'does not override conflicting OS environment variable' not in line]
        return warnings


class Run(object):
    """One go_env task: read, validate, plan, write or simulate, clean the module cache, report."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.environ = dict(os.environ)
        self.secrets = set()
        self.warnings = []

    def protect(self, key, value):
        found = secrets_in(key, value)
        self.secrets.update(found)
        self.module.no_log_values.update(found)

    def warn(self, text):
        self.warnings.append(scrub(text, self.secrets))

    def state(self, go, goenv=None):
        env, version = go.read(goenv)
        for key in URL_KEYS:
            self.protect(key, env.get(key, ''))
        path = env.get('GOENV') if 'GOENV' in env else None
        text = read_env_file(path) if path else None
        file_values = parse_env_file(text)
        for key, value in file_values.items():
            self.protect(key, value)
        return {'env': env, 'version': version, 'env_file': path, 'text': text, 'file_values': file_values}

    @staticmethod
    def edited_copy(go, state, to_set, to_unset, directory):
        """(copy, warnings): go env -w / -u on a private (0600) copy of the env file in directory;
        go sees placeholders for credentials, put back in the copy after it wrote."""
        fd, copy = tempfile.mkstemp(prefix='.go_env-', dir=directory)
        os.close(fd)
        try:
            if state['text'] is not None:
                shutil.copyfile(state['env_file'], copy)
            hidden, placeholders = hide_credentials(to_set)
            warnings = go.write(hidden, to_unset, goenv=copy)
            restore_credentials(copy, placeholders)
            return copy, warnings
        except BaseException:
            os.unlink(copy)
            raise

    def replace_env_file(self, go, state, to_set, to_unset):
        """Go edits a copy beside the env file and one rename puts it in place: go env -w rewrites the file
        in place, so a run cut short there would leave it truncated. A linked env file stays linked."""
        target = os.path.realpath(state['env_file'])
        copy, warnings = self.edited_copy(go, state, to_set, to_unset, os.path.dirname(target))
        try:
            self.module.atomic_move(copy, target)
        finally:
            if os.path.lexists(copy):
                os.unlink(copy)
        return warnings

    def simulate(self, go, state, to_set, to_unset):
        """Check mode: the same go env -w / -u on a private copy of the env file, then go env -json on it."""
        tmp = tempfile.mkdtemp(prefix='go_env-')
        try:
            copy, warnings = self.edited_copy(go, state, to_set, to_unset, tmp)
            after = self.state(go, goenv=copy)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        after['env']['GOENV'] = state['env_file']
        after['env_file'] = state['env_file']
        return after, warnings

    def main(self):
        p = self.params
        settings, unset = p['settings'] or {}, list(p['unset'] or [])
        for key, value in settings.items():
            self.protect(key, value)
        settings = check_request(settings, unset)
        if not 1 <= p['lock_timeout'] <= 3600:
            raise ValueError('lock_timeout: %s is out of range; use 1 to 3600 seconds' % p['lock_timeout'])
        writing = bool(settings or unset)

        go = Go(self.module, find_go(self.module, p['go']), self.secrets)
        before = self.state(go)
        if writing:
            self.check_against(go, before, settings, unset)
            # the reasons depend on the Go version (GOFLAGS=-insecure), so the refusal comes after reading it
            refused = downgrades(settings, before['version'])
            if refused and not p['allow_insecure']:
                raise ValueError('refusing security downgrades (set allow_insecure: true to accept them): '
                                 + '; '.join('%s=%r: %s' % (f['key'], f['value'], f['why']) for f in refused))
            for f in refused:
                self.warn('insecure setting allowed by allow_insecure: %s=%s: %s' % (f['key'], f['value'], f['why']))
        managed = sorted(set(settings) | set(unset))
        for key in overridden_keys(managed, self.environ):
            self.warn('%s is set in the OS environment (%s=%s), which Go prefers over the env file: the env file value '
                      'has no effect while it is' % (key, key, mask_value(key, self.environ[key])))

        to_set, to_unset = plan_changes(settings, unset, before['file_values'], before['env'], self.environ,
                                        before['version'])
        after = before
        if (to_set or to_unset) and self.module.check_mode:
            after, go_warnings = self.simulate(go, before, to_set, to_unset)
            self.warnings += go_warnings
        elif to_set or to_unset:
            with EnvFileLock(before['env_file'], p['lock_timeout']):
                before = self.state(go)
                self.check_against(go, before, settings, unset)
                to_set, to_unset = plan_changes(settings, unset, before['file_values'], before['env'], self.environ,
                                                before['version'])
                if to_set or to_unset:
                    self.warnings += self.replace_env_file(go, before, to_set, to_unset)
                    after = self.state(go)
                else:
                    after = before
            self.check_file_mode(after['env_file'], to_set)

        modcache = self.modcache(go, after['env'], p['modcache'])
        result = {
            'changed': bool(to_set or to_unset or modcache['removed']),
            'go': go.path,
            'go_version': after['env'].get('GOVERSION') or version_text(after['version']),
            'env_file': after['env_file'],
            'env': mask_env(after['env']),
            'changed_keys': sorted(set(to_set) | set(to_unset)),
            'overridden': overridden_keys(managed, self.environ),
            'insecure': downgrades(after['env'], after['version']),
            'modcache': modcache,
        }
        if self.module._diff:
            result['diff'] = {
                'before_header': '%s (managed keys)' % before['env_file'],
                'after_header': '%s (managed keys)' % after['env_file'],
                'before': managed_lines(before['file_values'], managed),
                'after': managed_lines(after['file_values'], managed),
            }
        return result

    def check_against(self, go, state, settings, unset):
        """Checks that need the installed Go: version, known keys, env file, GOMODCACHE safety."""
        version = state['version']
        if version < MIN_WRITE_VERSION:
            raise ValueError('%s is %s, too old: go env -w needs Go %d.%d or later'
                             % (go.path, version_text(version), MIN_WRITE_VERSION[0], MIN_WRITE_VERSION[1]))
        known = set(state['env'])
        for key in settings:
            check_key(key, known, version)
        for key in unset:
            check_key(key, known, version, where='unset')
        if not state['env_file']:
            env_file_path(state['env_file'], self.environ)
        if 'GOMODCACHE' in settings:
            modcache_guard(settings['GOMODCACHE'], self.home_dirs(), state['env'].get('GOROOT', ''),
                           state['env'].get('GOPATH', ''), state['env_file'] or '', key='settings: GOMODCACHE')

    def home_dirs(self):
        dirs = [self.environ.get('HOME', '')]
        try:
            dirs.append(pwd.getpwuid(os.geteuid()).pw_dir)
        except KeyError:
            pass
        return [d for d in dirs if d]

    def check_file_mode(self, env_file, written):
        if not any(secrets_in(k, v) for k, v in written.items()):
            return
        try:
            mode = stat.S_IMODE(os.stat(env_file).st_mode)
        except OSError:
            return
        if mode & 0o077:
            self.warn('%s holds proxy credentials and is readable by other users (mode %04o): chmod 600 it, '
                      'or keep credentials in ~/.netrc' % (env_file, mode))

    def modcache(self, go, env, wanted):
        path = env.get('GOMODCACHE', '')
        facts = {'path': path, 'existed': False, 'removed': False}
        if wanted != 'absent':
            facts['existed'] = bool(path) and posixpath.isabs(path) and os.path.isdir(path)
            return facts
        real = modcache_guard(path, self.home_dirs(), env.get('GOROOT', ''), env.get('GOPATH', ''), env.get('GOENV', ''))
        exists, held = modcache_state(real)
        facts['existed'] = exists
        if not held:
            return facts
        facts['removed'] = True
        if self.module.check_mode:
            return facts
        blocker = removal_blocker(real, os.geteuid())
        if blocker:
            raise ValueError('cannot clean the module cache %s: %s; nothing was removed. Run as the cache owner '
                             '(become_user) or fix its ownership' % (path, blocker))
        rc, _out, err = go.run(['clean', '-modcache'])
        if rc != 0:
            left = count_entries(real) if os.path.isdir(real) else 0
            raise ValueError('go clean -modcache failed (rc %d), %d entries remain in %s: %s'
                             % (rc, left, path, scrub((err or '').strip(), self.secrets)))
        if os.path.lexists(real):
            raise ValueError('go clean -modcache exited 0 but %s still exists with %d entries' % (path, count_entries(real)))
        return facts


def run_module(module):
    """Run one go_env task; return (result, warnings). Raises ValueError (GoMissing: no go) with a masked message."""
    run = Run(module)
    try:
        result = run.main()
    except (OSError, ValueError) as e:
        raise (GoMissing if isinstance(e, GoMissing) else ValueError)(scrub(str(e), run.secrets))
    return result, run.warnings
