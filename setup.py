"""Packaging hook: compile the Danish catalogue into the wheel.

The compiled `.mo` files are build products, not kept in git (`make translations` makes them
for a checkout); a wheel built from a clean checkout gets them here, so that `pip install .`
serves Danish pages. Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTranslations(build_py):
    """`build_py` that first compiles journal/translations/*/LC_MESSAGES/messages.po."""

    def run(self):
        for po in Path(__file__).parent.glob("journal/translations/*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalogue = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue)
        super().run()


setup(cmdclass={"build_py": BuildWithTranslations})
