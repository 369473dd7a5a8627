"""Wall and look-up screens (pygame) and voice announcements; depends on :mod:`kiosk` only."""
