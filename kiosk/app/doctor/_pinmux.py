"""GPIO pins the Raspberry Pi has given to an interface (UART, I2C, SPI, I2S, 1-Wire, an
overlay's button or IR receiver), before the doctor or a daemon claims them.

Claiming such a pin for a button succeeds, switches it back to a plain GPIO and breaks the
interface without a word (a serial printer on the Pi's own UART stops printing, and the
button reads the UART's signal). Two sources say which pins are taken: the boot
configuration (``config.txt``: ``enable_uart``, ``dtparam``, ``dtoverlay`` lines, with each
overlay's default pins or the pin its parameters name) and, where Raspberry Pi OS has it,
``pinctrl`` (or the older ``raspi-gpio``), which tells what each pin is switched to now.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

BOOT_CONFIGS = (Path("/boot/firmware/config.txt"), Path("/boot/config.txt"))

_I2S = {18: "I2S PCM_CLK", 19: "I2S PCM_FS", 20: "I2S PCM_DIN", 21: "I2S PCM_DOUT"}
_SPI0 = {7: "SPI0 CE1", 8: "SPI0 CE0", 9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"}
# dtparam=NAME=on: the pins it takes.
_PARAMS: dict[str, dict[int, str]] = {
    "i2c_arm": {2: "I2C1 SDA", 3: "I2C1 SCL"},
    "i2c": {2: "I2C1 SDA", 3: "I2C1 SCL"},
    "spi": _SPI0,
    "i2s": _I2S,
}
# dtoverlay=NAME: its pins by default, and the parameters that move one of them.
# fmt: off
_OVERLAYS: dict[str, tuple[dict[int, str], dict[str, str]]] = {
    "w1-gpio": ({4: "1-Wire"}, {"gpiopin": "1-Wire"}),
    "w1-gpio-pullup": ({4: "1-Wire"}, {"gpiopin": "1-Wire"}),
    "gpio-shutdown": ({3: "shutdown button"}, {"gpio_pin": "shutdown button"}),
    "gpio-poweroff": ({26: "power-off signal"}, {"gpiopin": "power-off signal"}),
    "gpio-ir": ({18: "IR receiver"}, {"gpio_pin": "IR receiver"}),
    "gpio-ir-tx": ({18: "IR transmitter"}, {"gpio_pin": "IR transmitter"}),
    "pwm": ({18: "PWM0"}, {"pin": "PWM0"}),
    "pwm-2chan": ({18: "PWM0", 19: "PWM1"}, {"pin": "PWM0", "pin2": "PWM1"}),
    "uart0": ({14: "UART0 TXD", 15: "UART0 RXD"},
              {"txd0_pin": "UART0 TXD", "rxd0_pin": "UART0 RXD"}),
    "uart1": ({14: "UART1 TXD", 15: "UART1 RXD"},
              {"txd1_pin": "UART1 TXD", "rxd1_pin": "UART1 RXD"}),
    "uart2": ({0: "UART2 TXD", 1: "UART2 RXD"}, {}),
    "uart3": ({4: "UART3 TXD", 5: "UART3 RXD"}, {}),
    "uart4": ({8: "UART4 TXD", 9: "UART4 RXD"}, {}),
    "uart5": ({12: "UART5 TXD", 13: "UART5 RXD"}, {}),
    "i2c-gpio": ({23: "I2C SDA (i2c-gpio)", 24: "I2C SCL (i2c-gpio)"},
                 {"i2c_gpio_sda": "I2C SDA (i2c-gpio)", "i2c_gpio_scl": "I2C SCL (i2c-gpio)"}),
    "i2c3": ({4: "I2C3 SDA", 5: "I2C3 SCL"}, {}),
    "i2c4": ({6: "I2C4 SDA", 7: "I2C4 SCL"}, {}),
    "i2c5": ({10: "I2C5 SDA", 11: "I2C5 SCL"}, {}),
    "i2c6": ({22: "I2C6 SDA", 23: "I2C6 SCL"}, {}),
    "spi0-1cs": ({8: "SPI0 CE0", 9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"},
                 {"cs0_pin": "SPI0 CE0"}),
    "spi0-2cs": (_SPI0, {"cs0_pin": "SPI0 CE0", "cs1_pin": "SPI0 CE1"}),
    "spi1-1cs": ({18: "SPI1 CE0", 19: "SPI1 MISO", 20: "SPI1 MOSI", 21: "SPI1 SCLK"},
                 {"cs0_pin": "SPI1 CE0"}),
    "spi1-2cs": ({17: "SPI1 CE1", 18: "SPI1 CE0", 19: "SPI1 MISO", 20: "SPI1 MOSI",
                  21: "SPI1 SCLK"}, {"cs0_pin": "SPI1 CE0", "cs1_pin": "SPI1 CE1"}),
    "spi1-3cs": ({16: "SPI1 CE2", 17: "SPI1 CE1", 18: "SPI1 CE0", 19: "SPI1 MISO",
                  20: "SPI1 MOSI", 21: "SPI1 SCLK"}, {}),
}
# fmt: on
# Sound cards on the header (HiFiBerry, IQaudIO, any "dac" overlay) take the I2S pins.
_I2S_OVERLAY = re.compile(r"hifiberry|iqaudio|dac|i2s|audioinjector|justboom|allo-", re.I)
_ON = {"", "on", "true", "yes", "1", "okay"}

# pinctrl:    "14: a0    pn | hi // GPIO14 = TXD0"        (a0-a8: an alternate function)
# raspi-gpio: "GPIO 14: level=1 fsel=4 alt=0 func=TXD0 pull=NONE"
_PINCTRL = re.compile(r"^\s*(\d+):\s+(\w+)\b.*?//\s*\S+\s*=\s*(\S+)")
_RASPI_GPIO = re.compile(r"^GPIO (\d+):.*\bfunc=(\S+)")
_PLAIN = {"ip", "op", "no", "none", "input", "output"}


def from_boot_config(text: str, source: str) -> dict[int, str]:
    """BCM pin -> what the boot configuration ``text`` gives it to (and where it says so).
    A ``dtparam`` after a ``dtoverlay`` sets that overlay's parameter (until an empty
    ``dtoverlay=``), as the firmware reads it. Every conditional section counts except
    ``[none]``: the doctor cannot tell which model a filter such as ``[pi4]`` will match
    on, and a pin named anywhere is best left alone."""
    taken: dict[int, str] = {}
    overlays: list[tuple[str, list[str], str]] = []  # name, parameters, where it is set
    current: tuple[str, list[str], str] | None = None
    section = "all"
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            continue
        if section == "none" or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        said = f"{line} in {source}"
        if key == "enable_uart" and value == "1":
            taken |= {14: f"UART TXD ({said})", 15: f"UART RXD ({said})"}
        elif key == "dtoverlay":
            name, *rest = value.split(",")
            current = (name.strip(), rest, said) if name.strip() else None
            if current is not None:
                overlays.append(current)
        elif key == "dtparam" and current is not None:
            current[1].append(value)
        elif key == "dtparam":
            for name, setting in _params(value):
                if name in _PARAMS and setting.lower() in _ON:
                    taken |= {pin: f"{what} ({said})" for pin, what in _PARAMS[name].items()}
    for name, params, said in overlays:
        taken |= {pin: f"{what} ({said})" for pin, what in _overlay(name, params)}
    return taken


def _params(value: str) -> list[tuple[str, str]]:
    out = []
    for part in value.split(","):
        name, _, setting = part.partition("=")
        out.append((name.strip().lower(), setting.strip()))
    return out


def _overlay(name: str, params: list[str]) -> Iterable[tuple[int, str]]:
    if name in _OVERLAYS:
        defaults, movable = _OVERLAYS[name]
        pins = dict(defaults)
        for param, setting in _params(",".join(params)):
            if param in movable and setting.isdigit():
                what = movable[param]
                pins = {pin: w for pin, w in pins.items() if w != what}
                pins[int(setting)] = what
        return pins.items()
    if _I2S_OVERLAY.search(name):
        return _I2S.items()
    return ()


def from_pin_functions(text: str) -> dict[int, str]:
    """BCM pin -> the alternate function ``pinctrl get`` or ``raspi-gpio get`` reports it
    switched to now (pins that are plain inputs or outputs are left out)."""
    taken: dict[int, str] = {}
    for line in text.splitlines():
        if found := _PINCTRL.match(line):
            pin, mode, function = int(found[1]), found[2].lower(), found[3]
            if mode not in _PLAIN:
                taken[pin] = f"{function} (pinctrl: switched to {mode})"
        elif found := _RASPI_GPIO.match(line):
            pin, function = int(found[1]), found[2]
            if function.lower() not in _PLAIN:
                taken[pin] = f"{function} (raspi-gpio: switched to it)"
    return taken


def taken_pins(
    boot: Iterable[Path] = BOOT_CONFIGS, tools: Iterable[str] = ("pinctrl", "raspi-gpio")
) -> dict[int, str]:
    """Every pin an interface holds, by the first boot configuration found and the first
    pin tool that answers (on a PC: neither, and nothing is taken)."""
    taken: dict[int, str] = {}
    for path in boot:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        taken |= from_boot_config(text, str(path))
        break
    for tool in tools:
        if not shutil.which(tool):
            continue
        try:
            done = subprocess.run(
                [tool, "get"], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            live = from_pin_functions(done.stdout)
            taken = live | taken  # the boot file's reason is the one to fix
            break
    return taken
