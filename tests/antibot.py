"""Solve the real ALTCHA proof-of-work in tests, the way the browser widget does."""

import altcha


def solve(client) -> str:
    """Fetch a challenge, find the counter, send back the base64 payload."""
    response = client.get("/api/antibot/challenge")
    assert response.status_code == 200, response.content
    challenge = altcha.Challenge.from_dict(response.json())
    solution = altcha.solve_challenge(challenge, timeout=30)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()
