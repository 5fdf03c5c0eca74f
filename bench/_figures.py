"""What the benchmark scripts share: their figures written to --out as JSON."""
import json


def write_figures(path, figures):
    """figures as indented JSON with sorted keys and a final newline at path; nothing when path is empty (no --out)."""
    if not path:
        return
    with open(path, 'w') as handle:
        json.dump(figures, handle, indent=2, sort_keys=True)
        handle.write('\n')
