"""Waiting in the browser for a condition without eval. The portal's Content-Security-Policy forbids 'unsafe-eval',
and Playwright's `wait_for_function` re-evaluates its predicate with eval while it polls: an EvalError whenever the
condition is not already true at the first look. `page.evaluate` goes through the DevTools protocol, which the
policy does not govern."""

import time


def wait_for_js(page, expression: str, arg=None, *, timeout: float = 20.0) -> None:
    """Poll `expression` (a JS expression, or a function of `arg`) until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (page.evaluate(expression, arg) if arg is not None else page.evaluate(expression)):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:.0f} s: {expression}")
        page.wait_for_timeout(100)
