# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report document -> one self-contained HTML page (inline CSS and SVG, no script, no external asset)."""

import math

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_hosts import MDM_STATES, certificate_problems

STATE_COLOURS = {
    'tls_window': '#c2410c', 'skewed': '#dc2626', 'no_time_source': '#7c3aed', 'failed': '#4b5563',
    'unreachable': '#1f2937', 'missing': '#9ca3af', 'ok': '#16a34a',
}
# Managed (MDM) time settings: a profile pinning another server than the fleet's stands out (amber).
MDM_COLOURS = {'managed_disagrees': '#b45309', 'unreadable': '#6b7280', 'managed': '#2563eb', 'managed_agrees': '#0f766e',
               'unmanaged': '#9ca3af'}
MDM_LABELS = {'managed_disagrees': 'MDM: other server', 'unreadable': 'MDM: unreadable', 'managed': 'MDM managed',
              'managed_agrees': 'MDM: fleet server', 'unmanaged': 'no MDM'}
# The chart's x axis is symmetric-logarithmic: linear within one millisecond, logarithmic beyond,
# so 50 us and 300 s offsets share one readable axis.
LINEAR_SPAN = 0.001
CHART_WIDTH = 960
LABEL_WIDTH = 190
ROW_HEIGHT = 16
AXIS_HEIGHT = 34
RIGHT_MARGIN = 40

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#4b5563;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{border:1px solid #d1d5db;border-radius:6px;padding:6px 12px;min-width:92px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;margin:4px 0 12px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f6;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;white-space:nowrap}
.insecure{color:#b91c1c;font-weight:600}
.card.bad{border-color:#b45309;border-width:2px}
.bad{color:#b91c1c}.good{color:#15803d}.muted{color:#6b7280}
code{font-size:12px;word-break:break-all}
svg text{font:11px system-ui,-apple-system,Helvetica,Arial,sans-serif}
"""


def _e(value):
    """Every value on the page goes through here: agent text made safe and cut (_display_text), then escaped."""
    return _display_text.html(value)


def fmt_offset(value):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ''
    return ('%+.6f s' if abs(value) < 0.001 else '%+.3f s') % value


def fmt_seconds(value):
    """Seconds as a short duration: 45 s, 12 min, 5.2 h, 29 d (negative: ago)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ''
    sign = '-' if value < 0 else ''
    value = abs(value)
    for limit, unit, size in ((120, 's', 1), (7200, 'min', 60), (172800, 'h', 3600)):
        if value < limit:
            return '%s%.0f %s' % (sign, value / size, unit) if unit != 'h' else '%s%.1f h' % (sign, value / size)
    return '%s%.0f d' % (sign, value / 86400)


def _symlog(value):
    return math.copysign(math.log10(1 + abs(value) / LINEAR_SPAN), value)


def _badge(state):
    return '<span class="badge" style="background:%s">%s</span>' % (STATE_COLOURS[state], _e(state))


def _mdm_badge(mdm):
    """The host's managed-settings badge; none for hosts that report no MDM settings or no profile."""
    if not mdm or mdm['state'] == 'unmanaged':
        return ''
    return ' <span class="badge mdm" data-mdm="%s" style="background:%s">%s</span>' % (
        _e(mdm['state']), MDM_COLOURS[mdm['state']], _e(MDM_LABELS[mdm['state']]))


def _axis_limit(hosts):
    extent = 1.0
    for entry in hosts:
        for value in (entry.get('offset'), entry.get('max_offset')):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                extent = max(extent, abs(value) + (entry.get('error_bound') or 0))
    return 10 ** math.ceil(math.log10(extent))


def _tick_label(value):
    if value < 1:
        return '%g ms' % (value * 1000)
    return '%g s' % value


def chart(hosts):
    """Inline SVG: one row per host, bar = offset, whisker = error bound, green band = +/- max_offset."""
    limit = _axis_limit(hosts)
    half = (CHART_WIDTH - LABEL_WIDTH - RIGHT_MARGIN) / 2.0
    zero = LABEL_WIDTH + half
    scale = half / _symlog(limit)

    def x(value):
        return zero + _symlog(max(-limit, min(limit, value))) * scale

    height = AXIS_HEIGHT + ROW_HEIGHT * len(hosts) + 8
    out = ['<svg id="offset-chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
           'aria-label="Clock offset per host against the max_offset band">' % (CHART_WIDTH, height, CHART_WIDTH, height)]
    out.append('<title>Clock offset per host (true time minus host time; symmetric log axis)</title>')
    bottom = height - 8
    out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#6b7280">0</text>' % (zero, AXIS_HEIGHT - 10))
    decade = 10 * LINEAR_SPAN
    while decade <= limit * 1.0001:
        for value in (decade, -decade):
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e5e7eb"/>' % (x(value), AXIS_HEIGHT - 6, x(value), bottom))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#6b7280">%s%s</text>' % (
                x(value), AXIS_HEIGHT - 10, '+' if value > 0 else '-', _e(_tick_label(decade))))
        decade *= 10
    out.append('<text x="%d" y="12" fill="#374151">host clock fast</text>' % LABEL_WIDTH)
    out.append('<text x="%d" y="12" text-anchor="end" fill="#374151">host clock slow</text>' % (CHART_WIDTH - RIGHT_MARGIN))
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#111827"/>' % (zero, AXIS_HEIGHT - 6, zero, bottom))
    for index, entry in enumerate(hosts):
        top = AXIS_HEIGHT + index * ROW_HEIGHT
        mid = top + ROW_HEIGHT / 2.0
        offset, bound, threshold = entry.get('offset'), entry.get('error_bound') or 0.0, entry.get('max_offset')
        tip = '%s: %s' % (entry['host'], entry['state'])
        if offset is not None:
            tip += ', offset %s +/- %s, max_offset %s s' % (fmt_offset(offset), ('%.6f s' % bound), threshold)
        out.append('<g class="chart-row" data-host="%s" data-state="%s"><title>%s</title>' % (_e(entry['host']), _e(entry['state']), _e(tip)))
        out.append('<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>' % (
            LABEL_WIDTH - 6, mid, _e(entry['host'] if len(entry['host']) <= 30 else entry['host'][:29] + '...')))
        if isinstance(threshold, (int, float)):
            out.append('<rect class="band" x="%.1f" y="%d" width="%.1f" height="%d" fill="#dcfce7"/>' % (
                x(-threshold), top, x(threshold) - x(-threshold), ROW_HEIGHT))
        if offset is None:
            out.append('<text x="%.1f" y="%.1f" dominant-baseline="middle" fill="%s">no offset (%s)</text>' % (
                zero + 6, mid, STATE_COLOURS[entry['state']], _e(entry['state'])))
        else:
            left, right = sorted((x(0), x(offset)))
            out.append('<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"/>' % (
                left, top + 3, max(right - left, 1.0), ROW_HEIGHT - 6, STATE_COLOURS[entry['state']]))
            if bound:
                out.append('<line class="whisker" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#111827"/>' % (
                    x(offset - bound), mid, x(offset + bound), mid))
        out.append('</g>')
    out.append('</svg>')
    return ''.join(out)


def _cards(doc):
    summary = doc['summary']
    cards = ['<div class="card">hosts<b>%d</b></div>' % summary['hosts']]
    for state, count in summary['states'].items():
        if count:
            cards.append('<div class="card" data-state="%s">%s<b>%d</b></div>' % (_e(state), _badge(state), count))
    worst = summary.get('worst_offset')
    if worst:
        cards.append('<div class="card">worst offset<b>%s</b>%s</div>' % (_e(fmt_offset(worst['offset'])), _e(worst['host'])))
    cards.append('<div class="card">insecure go env<b>%d</b></div>' % len(summary['insecure_hosts']))
    mdm = summary.get('mdm') or {}
    if any(mdm.values()):
        managed = sum(count for state, count in mdm.items() if state.startswith('managed'))
        cards.append('<div class="card" data-mdm="managed">MDM managed<b>%d</b></div>' % managed)
        cards.append('<div class="card%s" data-mdm="managed_disagrees">MDM, other server than the fleet\'s<b>%d</b></div>' % (
            ' bad' if mdm.get('managed_disagrees') else '', mdm.get('managed_disagrees') or 0))
    soonest = summary.get('soonest_certificate_expiry')
    if soonest:
        cards.append('<div class="card">soonest certificate expiry<b>%s</b>%s</div>' % (
            _e(fmt_seconds(soonest['seconds_until_expiry'])), _e(soonest['endpoint'])))
    return '<div class="cards">%s</div>' % ''.join(cards)


def _sync_cell(entry):
    sync = entry.get('host_sync')
    if not sync:
        return '<span class="muted">-</span>'
    parts = ['%s' % _e(sync.get('daemon') or 'no daemon')]
    if sync.get('synchronized') is not None:
        parts.append('<span class="%s">%s</span>' % (
            'good' if sync['synchronized'] else 'bad', 'synchronized' if sync['synchronized'] else 'not synchronized'))
    if sync.get('network_time_enabled') is False:
        parts.append('<span class="bad">network time off</span>')
    last = sync.get('launchd_sync')
    if last:
        parts.append('last sync job %s: %s%s' % (
            _e(last.get('time')), _e(last.get('action')), (' <span class="bad">%s</span>' % _e(last['error'])) if last.get('error') else ''))
    return '<br>'.join(parts)


def _go_cell(go):
    if go is None:
        return '<span class="muted">-</span>'
    if go['status'] == 'not_installed':
        return '<span class="muted">go not installed</span>'
    if go['status'] != 'ok':
        return '<span class="bad">%s: %s</span>' % (_e(go['status']), _e(go.get('error')))
    env = go.get('env') or {}
    parts = ['<code>%s=%s</code>' % (_e(k), _e(env[k])) for k in ('GOPROXY', 'GOSUMDB') if k in env]
    for item in go.get('insecure') or []:
        parts.append('<span class="insecure" title="%s">insecure: %s=%s</span>' % (_e(item.get('why')), _e(item.get('key')), _e(item.get('value'))))
    for key in go.get('overridden') or []:
        parts.append('<span class="muted">%s set by the OS environment</span>' % _e(key))
    return '<br>'.join(parts)


def _hosts_table(hosts):
    rows = []
    for entry in hosts:
        expiry = entry.get('certificate_expiry')
        problems = certificate_problems(entry)
        cert_cell = ''
        if expiry:
            cert_cell = '%s <span class="muted">%s</span>' % (_e(fmt_seconds(expiry['seconds_until_expiry'])), _e(expiry['endpoint']))
        if problems:
            cert_cell += ''.join('<br><span class="bad">%s</span>' % _e(p) for p in problems)
        detail = entry.get('reason') if entry['status'] == 'ok' else entry.get('error')
        if entry.get('failed_task'):
            detail = '%s (task: %s)' % (detail, entry['failed_task'])
        rows.append(
            '<tr class="host-row" data-host="%s" data-state="%s"><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td>'
            '<td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                _e(entry['host']), _e(entry['state']), _e(entry['host']), _badge(entry['state']) + _mdm_badge(entry.get('mdm')) + _stale_mark(entry),
                _e(fmt_offset(entry.get('offset'))),
                _e('%.6f s' % entry['error_bound'] if isinstance(entry.get('error_bound'), (int, float)) else ''),
                _e('%g s' % entry['max_offset'] if isinstance(entry.get('max_offset'), (int, float)) else ''),
                _sync_cell(entry), cert_cell, _go_cell(entry.get('go')), _e(detail)))
    return ('<table id="hosts"><thead><tr><th>host</th><th>state</th><th>offset</th><th>error bound</th><th>max_offset</th>'
            '<th>host sync</th><th>certificate expiry</th><th>go env posture</th><th>reason or error</th></tr></thead>'
            '<tbody>%s</tbody></table>' % ''.join(rows))


def _stale_mark(entry):
    """A stale record is never shown as current: its state cell says stale and how old."""
    record = entry.get('record') or {}
    if not record.get('stale'):
        return ''
    age = record.get('age')
    return ' <span class="bad stale">stale: %s</span>' % _e('measured %s ago' % fmt_seconds(age) if age is not None else 'undated record')


def _records(doc):
    """Where the records came from and which are stale (older than the report's max_age)."""
    summary = doc['summary']
    source = doc.get('source') or {}
    origins = summary.get('origins') or {}
    parts = ['%d %s' % (count, _e(origin.replace('_', ' '))) for origin, count in origins.items() if count]
    recorders = ', '.join('%s: %d' % (_e(name), count) for name, count in (summary.get('recorders') or {}).items())
    where = _e(source.get('kind') or 'play')
    if source.get('plugin'):
        where += ' %s' % _e(source['plugin'])
        if source.get('cache_hosts') is not None:
            where += ' (%d hosts in the cache, %d more in the inventory only)' % (source['cache_hosts'], source.get('inventory_only_hosts') or 0)
    out = ['<p id="record-origins">Records from %s: %s. Recorded by %s. Stale after %s.</p>' % (
        where, ', '.join(parts) or 'none', recorders or 'nobody', _e(fmt_seconds(doc.get('max_age'))))]
    stale = summary.get('stale') or []
    if stale:
        rows = ['<tr class="stale-row" data-host="%s"><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            _e(s['host']), _e(s['host']), _e(fmt_seconds(s['age']) if s['age'] is not None else 'unknown'), _e(s['measured_at']))
            for s in stale]
        out.append('<table id="stale-records"><thead><tr><th>host</th><th>age</th><th>measured at</th></tr></thead>'
                   '<tbody>%s</tbody></table>' % ''.join(rows))
    else:
        out.append('<p id="stale-records">No stale record.</p>')
    return ''.join(out)


def _mdm(hosts):
    """Managed (MDM) time settings of the hosts that report them, profile against the fleet's servers, worst first."""
    rows = []
    managed = [entry for entry in hosts if entry.get('mdm')]
    managed.sort(key=lambda entry: MDM_STATES.index(entry['mdm']['state']))  # stable: report order within a state
    for entry in managed:
        mdm = entry['mdm']
        fleet = ', '.join(mdm['fleet_servers'])
        if fleet and mdm['fleet_servers_source'] == 'measured':
            fleet += ' (measured against)'
        rows.append('<tr class="mdm-row" data-host="%s" data-mdm="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            _e(entry['host']), _e(mdm['state']), _e(entry['host']),
            '<span class="badge" style="background:%s">%s</span>' % (MDM_COLOURS[mdm['state']], _e(MDM_LABELS[mdm['state']])),
            _e(mdm['time_server']), _e(mdm['time_zone']), _e(fleet), _e(mdm['source'] or mdm['reason'])))
    if not rows:
        return '<p id="mdm">No host reports managed time settings (macOS hosts do).</p>'
    return ('<table id="mdm"><thead><tr><th>host</th><th>managed</th><th>profile time server</th><th>profile time zone</th>'
            '<th>fleet\'s servers</th><th>read from, or why unreadable</th></tr></thead><tbody>%s</tbody></table>' % ''.join(rows))


def _not_measured(hosts):
    rows = ['<tr data-host="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
        _e(e['host']), _e(e['host']), _badge(e['state']), _e(e.get('failed_task') or ''), _e(e.get('error')))
        for e in hosts if e['status'] != 'ok']
    if not rows:
        return '<p id="not-measured">Every host was measured.</p>'
    return ('<table id="not-measured"><thead><tr><th>host</th><th>status</th><th>task</th><th>error</th></tr></thead>'
            '<tbody>%s</tbody></table>' % ''.join(rows))


def _bool_cell(value):
    if value is None:
        return '<span class="muted">-</span>'
    return '<span class="good">yes</span>' if value else '<span class="bad">no</span>'


def _certificates(hosts):
    rows = []
    for entry in hosts:
        for cert in entry.get('certificates') or []:
            rows.append('<tr data-host="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td>%s</td></tr>' % (
                _e(entry['host']), _e(entry['host']), _e(cert.get('endpoint')), _e(cert.get('subject')), _e(cert.get('not_before')),
                _e(cert.get('not_after')), '%s / %s' % (_bool_cell(cert.get('valid_at_host_time')), _bool_cell(cert.get('valid_at_true_time'))),
                _e(fmt_seconds(cert.get('seconds_until_expiry'))), _e(cert.get('error'))))
    if not rows:
        return '<p id="certificates">No certificates were checked.</p>'
    return ('<table id="certificates"><thead><tr><th>host</th><th>endpoint</th><th>subject</th><th>not before</th><th>not after</th>'
            '<th>valid at host / true time</th><th>expires in</th><th>error</th></tr></thead><tbody>%s</tbody></table>' % ''.join(rows))


def _go_posture(hosts):
    rows = []
    for entry in hosts:
        go = entry.get('go')
        if go is None:
            continue
        env = go.get('env') or {}
        settings = ' '.join('<code>%s=%s</code>' % (_e(k), _e(v)) for k, v in sorted(env.items()) if v != '')
        insecure = '<br>'.join('<span class="insecure">%s=%s</span> %s' % (_e(i.get('key')), _e(i.get('value')), _e(i.get('why')))
                               for i in go.get('insecure') or [])
        notes = '<br>'.join(_e(w) for w in (go.get('warnings') or []) + (['%s overridden by the OS environment' % k for k in go.get('overridden') or []]))
        rows.append('<tr data-host="%s"%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            _e(entry['host']), ' class="insecure-row"' if go.get('insecure') else '', _e(entry['host']), _e(go['status']),
            settings or _e(go.get('error')), insecure, notes))
    if not rows:
        return '<p id="go-posture">No go env posture was collected.</p>'
    return ('<table id="go-posture"><thead><tr><th>host</th><th>go</th><th>settings</th><th>insecure settings</th><th>warnings</th></tr></thead>'
            '<tbody>%s</tbody></table>' % ''.join(rows))


def render_html(doc):
    hosts = doc['hosts']
    return ''.join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>%s</title><style>%s</style></head><body>' % (_e(doc['title']), CSS),
        '<h1>%s</h1>' % _e(doc['title']),
        '<p class="meta">Generated %s &middot; %d hosts &middot; %s %s &middot; offset = true time minus host time '
        '(positive: host clock slow)</p>' % (_e(doc['generated_at']), len(hosts), _e(doc['format']), _e(doc['schema_version'])),
        _cards(doc),
        '<h2>Offsets against max_offset</h2>',
        '<p class="meta">Hosts worst first. Bars: offset; whiskers: error bound; green band: plus or minus max_offset.</p>',
        chart(hosts),
        '<h2>Hosts</h2>', _hosts_table(hosts),
        '<h2>Records and freshness</h2>', _records(doc),
        '<h2>Managed time settings (MDM)</h2>', _mdm(hosts),
        '<h2>Unreachable and failed hosts</h2>', _not_measured(hosts),
        '<h2>Go env posture</h2>', _go_posture(hosts),
        '<h2>Certificates</h2>', _certificates(hosts),
        '</body></html>\n',
    ])
