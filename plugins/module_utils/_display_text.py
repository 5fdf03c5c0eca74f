# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

# Text that an agent or a network peer controls, made safe for the people who read it: the one place
# used by the modules (messages, warnings, reasons) and by the fleet report (JSON strings, CSV cells,
# HTML text, Prometheus label values). A CI job can write anything into what we read on its agent
# (go env file, status files) and a TLS peer chooses its certificate's subject: such text must not
# move a terminal's cursor, reorder a line (bidi overrides), run as a spreadsheet formula or grow a
# report without bound. Pure functions, standard library only, Python 3.9+.

import math
import re
from html import escape as _html_escape

# Characters of one free-text value that a report shows; the rest is cut behind CUT_MARKER.
MAX_CHARS = 1000
# Appended to a cut value: the visible marker and the value's original length in characters.
CUT_MARKER = ' [cut: %d characters in all]'
# Invalid UTF-8 (bytes, or the lone surrogates that surrogateescape decoding leaves) becomes this.
REPLACEMENT = '\ufffd'

# Line breaks and tabs: a space in one-line output (a report value).
_BREAKS = '\t\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029'
# Invisible format characters that reorder or hide text: bidi embeddings, overrides and isolates
# (Trojan Source), marks, zero-width characters, the BOM; the line and paragraph separators.
_INVISIBLE = '\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff'
# Everything that never reaches an output as itself: C0, DEL, C1, the invisible characters above,
# and surrogates (only lone ones can exist in a str).
_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f%s\ud800-\udfff]' % _INVISIBLE)
_UNSAFE_KEEP_LINES = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f%s\ud800-\udfff]' % _INVISIBLE)
# What html() changes: the unsafe characters and those it escapes.
_HTML_CHANGES = re.compile('[&<>"\'\x00-\x1f\x7f-\x9f%s\ud800-\udfff]' % _INVISIBLE)
# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = '=+-@\t\r'
# A text cell starting with one of these takes csv_cell's full path (a space may hide a trigger behind it).
_CELL_CHECK_START = FORMULA_TRIGGERS + ' '
# A cell that is only a decimal number is read as that number, never as a formula.
_DECIMAL = re.compile(r'^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$')


def _visible(match):
    char = match.group(0)
    if char in _BREAKS:
        return ' '
    code = ord(char)
    if 0xd800 <= code <= 0xdfff:
        return REPLACEMENT
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def _visible_keep_lines(match):
    char = match.group(0)
    code = ord(char)
    if 0xd800 <= code <= 0xdfff:
        return REPLACEMENT
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def _as_text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else str(value)


def clean(value, keep_lines=False):
    """value as text without a control or invisible character: line breaks and tabs become a space
    (kept with keep_lines, for multi-line messages), the others a visible escape such as \\x1b or
    \\u202e, invalid UTF-8 the replacement character. Not cut: for module messages and facts."""
    text = _as_text(value)
    pattern = _UNSAFE_KEEP_LINES if keep_lines else _UNSAFE
    if not pattern.search(text):
        return text
    return pattern.sub(_visible_keep_lines if keep_lines else _visible, text)


def text(value, limit=MAX_CHARS):
    """One free-text value for a report: clean() on one line, cut to limit characters plus CUT_MARKER
    with the original length. Ordinary values come back unchanged."""
    if value.__class__ is str and len(value) <= limit and not _UNSAFE.search(value):
        return value  # the common case, first
    raw = _as_text(value)
    if len(raw) <= limit:
        return clean(raw)
    return clean(raw[:limit]) + CUT_MARKER % len(raw)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def csv_cell(value, limit=MAX_CHARS):
    """A CSV cell: numbers stay numbers, booleans true/false, None empty; text goes through text() and
    gets a leading quote when a spreadsheet would read it as a formula."""
    if value.__class__ is str and (not value or value[0] not in _CELL_CHECK_START) and len(value) <= limit \
            and not _UNSAFE.search(value):
        return value  # the common case, first: plain text that cannot start a formula
    if value is None:
        return ''
    if _is_number(value):
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else ''
        return str(value)
    cell = text(value, limit)
    first = (_as_text(value)[:1], cell.lstrip(' ')[:1])
    if any(char and char in FORMULA_TRIGGERS for char in first) and not _DECIMAL.match(cell):
        return "'" + cell
    return cell


def html(value, limit=MAX_CHARS):
    """HTML text or attribute value: text(), then &, <, >, " and ' escaped."""
    if value.__class__ is str and len(value) <= limit and not _HTML_CHANGES.search(value):
        return value  # the common case, first: nothing to clean, cut or escape
    return _html_escape(text(value, limit), quote=True)


def prometheus_label(value, limit=MAX_CHARS):
    """A Prometheus label value (text exposition format): text(), except that a line feed is kept as
    the format's \\n escape; backslash and double quote escaped as the format requires."""
    if value.__class__ is str and len(value) <= limit and '\\' not in value and '"' not in value and not _UNSAFE.search(value):
        return value  # the common case, first: nothing to escape, nothing to cut
    raw = _as_text(value)
    lines = [clean(line).replace('\\', '\\\\').replace('"', '\\"') for line in raw[:limit].split('\n')]
    return '\\n'.join(lines) + (CUT_MARKER % len(raw) if len(raw) > limit else '')


def message(value):
    """A module's msg, warning or reason: clean() keeping line feeds and tabs, not cut (Ansible prints it
    as it is; the fact cache keeps it)."""
    return clean(value, keep_lines=True)


def module_result(data):
    """A module's return data for exit_json / fail_json: every string, keys included, at any depth,
    through message(), so nothing a module prints or returns (at any verbosity, JSON or YAML output)
    carries an escape sequence, a bidi override or invalid UTF-8. Values are not cut."""
    return strings_in(data, message)


def strings_in(data, convert=text):
    """A copy of plain data (dict, list, scalars) with every string, keys included, passed through
    convert; numbers, booleans and None unchanged. The JSON report's hook (convert=text)."""
    if isinstance(data, (str, bytes)):
        return convert(data)
    if isinstance(data, dict):
        return dict((convert(key) if isinstance(key, (str, bytes)) else key, strings_in(value, convert))
                    for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return [strings_in(item, convert) for item in data]
    return data
