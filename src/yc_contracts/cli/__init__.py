"""The yc-contracts command: run(argv, stdout, stderr) and one module per command, reports and file reading."""
