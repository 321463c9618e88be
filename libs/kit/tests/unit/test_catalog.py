import pytest

from medspa_kit.catalog import Catalog, CatalogError


def test_missing_key_and_placeholder_fail_loudly() -> None:
    catalog = Catalog({"hello": "Hi {name}"}, "en-US")
    assert catalog.say("hello", name="there") == "Hi there"
    assert catalog.placeholders("hello") == {"name"}
    with pytest.raises(CatalogError, match="needs"):
        catalog.say("hello")
    with pytest.raises(CatalogError, match="no catalog entry"):
        catalog.say("bye")
