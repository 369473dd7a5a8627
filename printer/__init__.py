"""ESC/POS ticket printing (python-escpos); depends on :mod:`kiosk` only."""
