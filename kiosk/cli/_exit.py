"""Exit statuses (sysexits.h where one fits), so systemd and scripts can tell failures apart."""

OK = 0
REFUSED = 1  # a queue rule said no (closed, cap reached, counter paused, ...)
USAGE = 2  # bad command line
SOFTWARE = 70  # EX_SOFTWARE: a bug; reported in one line, details with KIOSK_DEBUG=1
IOERR = 74  # EX_IOERR: the database cannot be opened or written
CONFIG = 78  # EX_CONFIG: systemd does not restart-loop on it
INTERRUPTED = 130
