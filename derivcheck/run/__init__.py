"""The command line, batches and workers: the only stage that knows processes and files on disk."""
