"""Performance measurements of the pipeline: the floor (the pure library code alone) and the benchmark's steps."""
