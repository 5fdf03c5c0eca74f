# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""Action of cifleet.gotime.fleet_report (documented in plugins/modules/fleet_report.py): runs on the controller.

Reads the records (a fact cache in bulk, or the play's hostvars), builds the document once and writes each file
directly: the texts never pass through Ansible variables, templating or the copy module.
"""

import functools
import gc

from ansible.errors import AnsibleActionFail

from ansible_collections.cifleet.gotime.plugins.module_utils import _fleet_report_spec
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache
from ansible_collections.cifleet.gotime.plugins.plugin_utils._controller_action import ControllerAction
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_files
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_html


class ActionModule(ControllerAction):

    ARGUMENT_SPEC = _fleet_report_spec.ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        collecting = gc.isenabled()
        # Reading and building make millions of objects and no cycles: the cycle collector would only rescan them.
        gc.disable()
        try:
            doc, files, changed = self._write(args, task_vars)
        except _fact_cache.CacheError as exc:
            raise AnsibleActionFail('fleet_report: %s' % exc)
        except (ValueError, OSError) as exc:
            raise AnsibleActionFail(str(exc) if str(exc).startswith('fleet_report') else 'fleet_report: %s' % exc)
        finally:
            if collecting:
                gc.enable()
        summary = doc['summary']
        result.update(changed=bool(changed), files=files, written=changed, hosts=summary['hosts'], states=summary['states'],
                      stale=len(summary['stale']), source=doc['source'])
        return result

    def _write(self, args, task_vars):
        mode = _fleet_report_files.file_mode(args['mode'])
        directory_mode = _fleet_report_files.file_mode(args['directory_mode'])
        records = source = None
        if args['cache'] is not None:
            options = dict((k, v) for k, v in args['cache'].items() if v is not None)
            records, source = _fact_cache.read_cache(options, args['fact'])
        records, source = _fleet_report.gather_records(task_vars.get('hostvars') or {}, args['hosts'], args['fact'], records, source)
        doc = _fleet_report.build(records, args['failed_hosts'], args['generated_at'] or None, args['title'],
                                  max_age=args['max_age'], source=source)
        del records
        # One text at a time, written and dropped: the peak holds the document and the largest text only.
        texts = dict((name, functools.partial(_render, name, doc)) for name in args['formats'])
        schema = args['schema'] if 'json' in args['formats'] else None
        files, changed = _fleet_report_files.write_report(args['dest'], args['basename'], texts, mode, self._task.check_mode,
                                                          schema, directory_mode)
        return doc, files, changed


def _render(name, doc):
    return _fleet_report_html.render_html(doc) if name == 'html' else _fleet_report.RENDERERS[name](doc)
