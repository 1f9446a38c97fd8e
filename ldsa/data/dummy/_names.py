"""Fictional place names: whimsical compounds that no real authority carries."""

from __future__ import annotations

import numpy as np

# Food, animal and plant words give names an obviously invented flavour ("Crumpetwick").
_STEMS: tuple[str, ...] = (
    "Badger",
    "Biscuit",
    "Bramble",
    "Bumble",
    "Buttercup",
    "Cobble",
    "Crumpet",
    "Curlew",
    "Custard",
    "Dandelion",
    "Dormouse",
    "Dumpling",
    "Fennel",
    "Fiddle",
    "Foxglove",
    "Gooseberry",
    "Gingerbread",
    "Gloaming",
    "Hedgehog",
    "Hollyhock",
    "Honeypot",
    "Juniper",
    "Kestrel",
    "Kipper",
    "Lantern",
    "Lapwing",
    "Marigold",
    "Marmalade",
    "Marrow",
    "Meringue",
    "Muffin",
    "Nettle",
    "Nutmeg",
    "Otter",
    "Pancake",
    "Parsnip",
    "Pebble",
    "Pewter",
    "Pickle",
    "Plover",
    "Puffin",
    "Pudding",
    "Quill",
    "Rhubarb",
    "Saffron",
    "Scone",
    "Sorrel",
    "Sparrow",
    "Starling",
    "Strudel",
    "Tansy",
    "Teacake",
    "Teasel",
    "Thimble",
    "Thistle",
    "Toffee",
    "Treacle",
    "Trifle",
    "Truffle",
    "Tumble",
    "Turnip",
    "Velvet",
    "Waffle",
    "Walrus",
    "Whistle",
    "Wombat",
    "Wren",
    "Yarrow",
)
_SUFFIXES: tuple[str, ...] = (
    "bury",
    "wick",
    "combe",
    "ford",
    "ham",
    "ley",
    "stead",
    "thwaite",
    "mere",
    "by",
    "ton",
    "dale",
    "bridge",
    "field",
    "hurst",
    "worth",
)
_QUALIFIED: dict[str, tuple[str, ...]] = {
    "unitary": ("Vale", "Downs", "and District", "Wolds", "Moor"),
    "non_metropolitan_district": ("Vale", "Heath", "Fells", "Marsh", "Wolds", "Moor", "Downs"),
    "metropolitan_district": ("Central", "North", "South", "East", "West"),
    "london_borough": ("Green", "Common", "Fields", "Park", "Gate"),
}
#: Share of names that carry a qualifier word ("Thistlebury Vale").
_QUALIFIED_SHARE = 0.35


#: Share of coastal authorities named as seaside towns ("Puffinhurst-on-Sea").
_SEASIDE_SHARE = 0.35


def la_names(generator: np.random.Generator, la_types: list[str], coastal: list[bool]) -> list[str]:
    """Return one unique fictional name per authority, in the order of ``la_types``."""
    names: list[str] = []
    taken: set[str] = set()
    for la_type, by_sea in zip(la_types, coastal, strict=True):
        word = _new_word(generator, taken)
        taken.add(word)
        if by_sea and generator.random() < _SEASIDE_SHARE:
            names.append(f"{word}-on-Sea")
        elif generator.random() < _QUALIFIED_SHARE:
            qualifiers = _QUALIFIED[la_type]
            names.append(f"{word} {qualifiers[generator.integers(len(qualifiers))]}")
        else:
            names.append(word)
    return names


def _new_word(generator: np.random.Generator, taken: set[str]) -> str:
    """A stem-and-suffix compound not used yet (1,088 are possible; 309 are needed)."""
    while True:
        word = (
            _STEMS[generator.integers(len(_STEMS))] + _SUFFIXES[generator.integers(len(_SUFFIXES))]
        )
        if word not in taken:
            return word
