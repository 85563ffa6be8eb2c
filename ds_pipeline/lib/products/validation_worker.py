"""The process of `expectations.validation_in_background`: imports Great Expectations at once, then reads the path of
a pickled (edition, folder for the Data Docs) from its standard input (one line), validates the edition and
writes the pickled validation to standard output. Started ahead of time, it waits for that line with its imports
done."""

import pickle
import sys

from ds_pipeline.lib.products.expectations import validate_into


def main() -> None:
    import great_expectations  # noqa: F401 - imported before the request arrives: the wait is spent importing

    request = sys.stdin.readline().strip()
    if not request:
        return  # closed without a request: the process started ahead was not needed
    with open(request, "rb") as handle:
        edition, site = pickle.load(handle)
    sys.stdout.buffer.write(pickle.dumps(validate_into(edition, site)))


if __name__ == "__main__":
    main()
