"""Element ids on the form page, so that a problem or a saved answer can link to its place."""


def item_anchor(measure) -> str:
    return f"item-{measure.code}"


def indicator_anchor(indicator) -> str:
    return f"indicator-{indicator.code}"
