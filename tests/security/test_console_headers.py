"""Response headers: no caching of any console answer, and the security headers on every
answer, redirects and errors included."""

from aiohttp.test_utils import TestClient

from dossiers.repository import NewPreDossier

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def assert_protected(response, cached_never: bool = True) -> None:
    for header in SECURITY_HEADERS:
        assert header in response.headers, (response.url, response.status, header)
    csp = response.headers["Content-Security-Policy"]
    assert "base-uri 'none'" in csp and "form-action 'self'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if cached_never:
        assert response.headers.get("Cache-Control") == "no-store", (response.url, response.status)


def test_redirects_and_errors_carry_the_security_headers(console):
    async def scenario(client: TestClient) -> None:
        redirect = await client.get("/console", allow_redirects=False)
        assert redirect.status == 302
        assert_protected(redirect)
        assert_protected(await client.get("/console/nowhere"))  # 404 of the router
        assert_protected(await client.get("/nowhere"), cached_never=False)
        refused = await client.post("/console/login", data={"login": "lille1"})  # no CSRF token
        assert refused.status == 403
        assert_protected(refused)
        await console.log_in(client, "lille1")
        missing = await client.get("/console/d/CLEA-2026-ZZZZ")
        assert missing.status == 404
        assert_protected(missing)
        assert_protected(await client.get("/console/staff"))  # 404: not an admin

    console.run(scenario)


def test_every_console_page_and_the_export_are_never_cached(console):
    reference = console.store.create_pre_dossier(
        NewPreDossier(
            request_key="k1",
            sender_id="s1",
            antenne_id="lille",
            first_name="Léa",
            last_name="Martin",
        )
    )[0]

    async def scenario(client: TestClient) -> None:
        assert_protected(await client.get("/console/login"))
        login = await console.log_in(client, "admin")
        assert login.status == 302
        assert_protected(login)
        for path in (
            "/console",
            f"/console/d/{reference}",
            "/console/password",
            "/console/staff",
            "/console/audit",
            "/console/export.csv",
        ):
            response = await client.get(path)
            assert response.status == 200, path
            assert_protected(response)
        reset = await console.post_form(client, f"/console/staff/{console.user_id('lille1')}/reset")
        assert "à transmettre une seule fois" in await reset.text()
        assert_protected(reset)

    console.run(scenario)


def test_the_public_page_keeps_the_security_headers(console):
    async def scenario(client: TestClient) -> None:
        assert_protected(await client.get("/"), cached_never=False)

    console.run(scenario)
