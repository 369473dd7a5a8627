"""Exit statuses (sysexits.h where one fits), so systemd and scripts can tell failures apart."""

OK = 0
REFUSED = 1  # a queue rule said no (closed, cap reached, counter paused, ...)
USAGE = 2  # bad command line
DATAERR = 65  # EX_DATAERR: some input records were bad (the good ones were still used)
NOINPUT = 66  # EX_NOINPUT: an input file cannot be read
UNAVAILABLE = 69  # EX_UNAVAILABLE: a device (printer, GPIO) cannot be used now
SOFTWARE = 70  # EX_SOFTWARE: a bug; reported in one line, details with KIOSK_DEBUG=1
CANTCREAT = 73  # EX_CANTCREAT: an output file cannot be written
IOERR = 74  # EX_IOERR: the database cannot be opened or written
CONFIG = 78  # EX_CONFIG: systemd does not restart-loop on it
INTERRUPTED = 130


class CommandError(Exception):
    """A command failed in a way the user can act on: one line, and this exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
