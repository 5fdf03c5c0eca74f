"""Cost of making agent text safe in the fleet report (module_utils/_display_text), side by side.

    .venv/bin/python bench/display_text_bench.py [--hosts 1000] [--rounds 5]

Renders the same synthetic fleet (tests/lab/fleet_synthetic.py: ordinary values) into JSON, CSV, HTML and
Prometheus text twice per round: with the one place as shipped, and with its functions swapped for the
plain conversions the renderers used before (str, html.escape, the old label escape). Prints the median
time of each and the ratio; the outputs of both are identical for these ordinary values, which the
script checks, so the ratio is the pure cost of the checks.
"""
import argparse
import contextlib
import html
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, 'tests'), os.path.join(ROOT, '.cache', 'collections')]

from lab import fleet_synthetic  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report, _fleet_report_html, _fleet_report_record  # noqa: E402  pylint: disable=wrong-import-position


def _plain(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float):
        return repr(value)
    return str(value)


# The conversions the renderers did before issue 17.
PLAIN = {
    'csv_cell': _plain,
    'html': lambda value: html.escape('' if value is None else str(value), quote=True),
    'prometheus_label': lambda value: str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n'),
    'strings_in': lambda data, convert=None: data,
}


@contextlib.contextmanager
def plain_conversions():
    saved = dict((name, getattr(_display_text, name)) for name in PLAIN)
    for name, function in PLAIN.items():
        setattr(_display_text, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(_display_text, name, function)


def render_all(doc):
    return [_fleet_report.RENDERERS['json'](doc), _fleet_report.RENDERERS['csv'](doc), _fleet_report.RENDERERS['prometheus'](doc),
            _fleet_report_html.render_html(doc)]


def timed(doc):
    started = time.perf_counter()
    texts = render_all(doc)
    return time.perf_counter() - started, texts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--hosts', type=int, default=1000)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args(argv)
    doc = _fleet_report.build(fleet_synthetic.records(args.hosts, _fleet_report_record.make_record), generated_at='2026-12-01T00:00:00Z')
    safe_times, plain_times = [], []
    for dummy in range(args.rounds):
        elapsed, safe_texts = timed(doc)
        safe_times.append(elapsed)
        with plain_conversions():
            elapsed, plain_texts = timed(doc)
        plain_times.append(elapsed)
        if safe_texts != plain_texts:
            sys.exit('display_text_bench: the outputs differ for ordinary values')
    safe, plain = statistics.median(safe_times), statistics.median(plain_times)
    size = sum(len(text) for text in safe_texts)
    print('render of %d hosts (JSON, CSV, Prometheus, HTML; %d characters), median of %d rounds:' % (args.hosts, size, args.rounds))
    print('  plain conversions (before issue 17): %.3f s' % plain)
    print('  _display_text (safe per output):     %.3f s' % safe)
    print('  ratio safe / plain: %.2f' % (safe / plain))
    return 0


if __name__ == '__main__':
    sys.exit(main())
