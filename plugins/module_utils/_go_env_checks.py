# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's value and key checks: what go rejects or silently ignores, with the fix."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import base64
import binascii
import hashlib
import posixpath
import re
import struct

from urllib.parse import urlsplit

from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_glob import BadPattern, path_match
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_keys import (
    ABSOLUTE_PATH_KEYS, CHOICES, GLOB_LIST_KEYS, GODEBUG_OS_ONLY_SINCE, GOFLAGS_MOD, GO_FALSE, GO_TRUE, KEY_SINCE,
    KNOWN_SUMDB_KEYS, OS_ONLY_KEYS, PROXY_SCHEMES, READ_ONLY_KEYS, SUMDB_ALIASES, TELEMETRY_KEYS, TELEMETRY_LISTED_SINCE,
    TELEMETRY_READ_ONLY_SINCE, UNLISTED_KEYS, _KEY_RE, _LINE_BREAKS, version_text,
)
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_secrets import mask_value


def _bad(key, value, why):
    return ValueError('%s=%r: %s' % (key, mask_value(key, value), why))


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
    if key in TELEMETRY_KEYS and version is not None and version[:2] >= TELEMETRY_LISTED_SINCE:
        raise ValueError(telemetry_refusal(key, version, where))
    if known is None or key in OS_ONLY_KEYS:
        return
    since = UNLISTED_KEYS.get(key)
    if key in known or (since is not None and version is not None and version[:2] >= since):
        return
    hint = ' (%s needs Go %s or later)' % (key, KEY_SINCE[key]) if key in KEY_SINCE else ''
    raise ValueError('%s: %s is unknown to the installed %s; go env -w refuses it%s'
                     % (where, key, version_text(version) if version else 'Go', hint))


def telemetry_refusal(key, version, where):
    """GOTELEMETRY / GOTELEMETRYDIR on a Go that lists them: what that Go's go env -w says, and the way to set the mode."""
    if version[:2] >= TELEMETRY_READ_ONLY_SINCE:
        text = '%s: %s is computed by Go and cannot be modified with go env -w (%s says "go: %s cannot be modified"); %s'
    else:
        text = '%s: %s is reported by go env but go env -w refuses it (%s says "go: unknown go command variable %s"); %s'
    how = ('set the mode with go telemetry off, local or on' if key == 'GOTELEMETRY'
           else 'Go keeps it in the user config directory')
    return text % (where, key, version_text(version), key, how)


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
