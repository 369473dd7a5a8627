"""What the citizen sees and hears at the kiosk besides the ticket: LEDs and a buzzer."""

from __future__ import annotations

from typing import Any

from kiosk.config import KioskConfig
from kiosk.desk import PAPER_LOW, PAPER_OUT, PrinterStatus


class Feedback:
    """Optional gpiozero outputs from ``[kiosk]``; a missing one is simply not driven.

    - busy LED: lit while a ticket is being issued and printed;
    - error LED: blinks when a press gave no ticket, stays lit while the printer is unusable;
    - paper LED: lit when paper is low, blinks when it is out;
    - buzzer: one short beep for a ticket, three for no ticket.
    """

    def __init__(self, config: KioskConfig, *, pin_factory: Any = None) -> None:
        from kiosk.keys.gpio_lib import LED, Buzzer, factory

        self.devices: list[Any] = []

        def make(cls: Any, pin: str | None) -> Any:
            if pin is None:
                return None
            device = cls(pin, pin_factory=factory(pin_factory))
            self.devices.append(device)
            return device

        try:
            self.busy_led = make(LED, config.busy_led)
            self.error_led = make(LED, config.error_led)
            self.paper_led = make(LED, config.paper_led)
            self.buzzer = make(Buzzer, config.buzzer)
        except BaseException:
            self.close()
            raise
        self._printer_ok = True

    def busy(self, on: bool) -> None:
        if self.busy_led is not None:
            self.busy_led.value = on

    def ticket(self) -> None:
        if self.buzzer is not None:
            self.buzzer.beep(on_time=0.08, off_time=0.05, n=1)

    def refused(self) -> None:
        if self.error_led is not None:
            self.error_led.blink(on_time=0.2, off_time=0.2, n=5)
        if self.buzzer is not None:
            self.buzzer.beep(on_time=0.12, off_time=0.08, n=3)

    def armed(self) -> None:
        """The priority key was pressed: waiting for a service button."""
        if self.busy_led is not None:
            self.busy_led.blink(on_time=0.1, off_time=0.1, n=3)

    def printer(self, status: PrinterStatus) -> None:
        if self.paper_led is not None:
            if status.state == PAPER_OUT:
                self.paper_led.blink(on_time=0.5, off_time=0.5)
            elif status.state == PAPER_LOW:
                self.paper_led.on()
            else:
                self.paper_led.off()
        if self.error_led is not None:
            if status.printable:
                if not self._printer_ok:
                    self.error_led.off()
            else:
                self.error_led.on()
        self._printer_ok = status.printable

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()
