# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's credential masking: userinfo in proxy URLs and GOAUTH, hidden and restored around go calls."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import os
import re

from urllib.parse import unquote

from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_keys import (
    MASK, URL_KEYS, _SCHEME_USERINFO_RE, _URL_TOKEN_SPLIT_RE,
)


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


def managed_lines(file_values, keys):
    """The env file's lines for the managed keys, masked, for the diff."""
    return ''.join('%s=%s\n' % (k, mask_value(k, file_values[k])) for k in sorted(keys) if k in file_values)
