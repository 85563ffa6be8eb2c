"""The process of `expectations.validation_in_background`: reads a pickled (edition, Data Docs folder) from the file
named on the command line, validates the edition with Great Expectations and writes the pickled validation to
standard output."""

import pickle
import sys

from ds_pipeline.lib.products.expectations import validate_edition


def main(request: str) -> None:
    with open(request, "rb") as handle:
        edition, docs_dir = pickle.load(handle)
    sys.stdout.buffer.write(pickle.dumps(validate_edition(edition, docs_dir)))


if __name__ == "__main__":
    main(sys.argv[1])
