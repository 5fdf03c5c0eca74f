"""The fleet report document as tests compare it: less what the render time decides."""
import copy


def without_render_time(doc, source=()):
    """A copy of doc less generated_at and what follows from it (the stale count, each record's age and
    stale flag), and the keys of source named in source (None: source as a whole)."""
    doc = copy.deepcopy(doc)
    doc.pop('generated_at')
    doc['summary'].pop('stale')
    if source is None:
        doc.pop('source')
    else:
        for key in source:
            doc['source'].pop(key, None)
    for entry in doc['hosts']:
        if entry['record']:
            entry['record'].pop('age')
            entry['record'].pop('stale')
    return doc
