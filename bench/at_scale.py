"""`make bench`'s practice at scale: built once per database (bench/scale.py), then its pages and
search (bench/scale.py) and the lists that grow with a record, with the audit export (bench/bounded.py).
Each module runs alone too: `python -m bench.scale`, `python -m bench.bounded`."""
import sys

from bench import bounded, scale


def main() -> int:
    return scale.main(then=bounded.report)


if __name__ == "__main__":
    sys.exit(main())
