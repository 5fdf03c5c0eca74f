# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report document -> fleet-report.json.

The text is exactly json.dumps(_display_text.strings_in(doc), indent=2, sort_keys=True, ensure_ascii=False,
allow_nan=False) plus a line feed: every string (keys included) made safe and cut by _display_text.text.
Written out here because the standard library encodes with indentation only in pure Python, in a generator per
level (three times slower at 10,000 hosts); one walk both converts and encodes, with no copy of the document.
"""

import math
from json.encoder import encode_basestring
from itertools import repeat
from operator import itemgetter

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text

_FIRST = itemgetter(0)
_NO_LABEL = repeat('')  # an array's entries carry no label


def render_json(doc):
    text = _display_text.text
    keys = {}  # key -> its safe text: a report has few distinct keys
    labels = {}  # safe key -> '"key": '
    chunks = []
    append = chunks.append
    breaks = ['\n' + '  ' * depth for depth in range(8)]

    def members(value):
        """An object's entries, sorted by safe key: ('"key": ', value) each."""
        items = []
        renamed = False
        for key, item in value.items():
            safe = keys.get(key)
            if safe is None:
                if key.__class__ is not str:
                    raise TypeError('fleet report JSON: key %r is not text' % (key,))
                safe = keys[key] = text(key)
                labels[safe] = encode_basestring(safe) + ': '
            renamed = renamed or safe is not key
            items.append((safe, item))
        if renamed:  # two keys that read the same once made safe: the last one wins, as in a dict
            items = list(dict(items).items())
        items.sort(key=_FIRST)
        return [(labels[safe], item) for safe, item in items]

    def block(value, depth):
        """An object or an array, an entry a line: ('"key": ' or no label, value) each."""
        if value.__class__ is dict:
            opening, closing, entries = '{', '}', members(value)
        else:
            opening, closing, entries = '[', ']', zip(_NO_LABEL, value)
        if not value:
            append(opening + closing)
            return
        while len(breaks) <= depth + 1:
            breaks.append('\n' + '  ' * len(breaks))
        inner = breaks[depth + 1]
        separator = opening + inner
        for label, item in entries:
            append(separator + label)
            separator = ',' + inner
            encode(item, depth + 1)
        append(breaks[depth] + closing)

    def encode(value, depth):
        kind = value.__class__
        if kind is str:
            append(encode_basestring(text(value)))
        elif kind is dict or kind is list:
            block(value, depth)
        elif value is None:
            append('null')
        elif value is True:
            append('true')
        elif value is False:
            append('false')
        elif kind is int:
            append(int.__repr__(value))
        elif kind is float:
            if not math.isfinite(value):
                raise ValueError('Out of range float values are not JSON compliant: %r' % (value,))
            append(float.__repr__(value))
        else:
            raise TypeError('fleet report JSON: %s is not plain data' % type(value).__name__)

    encode(doc, 0)
    append('\n')
    return ''.join(chunks)
