"""Languages: complete catalogs, the user's choice, Chinese pages without stray English."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from ccops.enums import Language, Role
from ccops.web.i18n import LOCALE_DIR, Formats, negotiate
from tests.factories.web import World, csrf_of, sign_in

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "src" / "ccops",
        method_map=method_map,
        options_map=options,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_every_message_is_translated_into_both_chinese_scripts() -> None:
    messages = _source_messages()
    assert len(messages) > 250
    for language in ("zh_Hans", "zh_Hant"):
        path = LOCALE_DIR / language / "LC_MESSAGES" / "ccops.po"
        with path.open("rb") as handle:
            catalog = read_po(handle)
        translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
        missing = sorted(m for m in messages if not translated.get(m))
        assert not missing, f"{language}: untranslated (run `make i18n`, then translate): {missing}"
        for message, text in translated.items():
            assert isinstance(message, str) and isinstance(text, str)
            assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(text)), message
            if "%%" in message or PLACEHOLDER.search(message):
                bare = PLACEHOLDER.sub("", text).replace("%%", "")
                assert "%" not in bare, f"{language}: a lone % in the translation of {message!r}"
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "ccops.po").open("rb") as handle:
        english = {m.id for m in read_po(handle) if m.id}
    assert messages <= english


def test_simplified_and_traditional_differ_where_the_scripts_do() -> None:
    with (LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "ccops.po").open("rb") as handle:
        hans = {m.id: m.string for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "ccops.po").open("rb") as handle:
        hant = {m.id: m.string for m in read_po(handle) if m.id}
    assert hans["Sign in"] == "登录" and hant["Sign in"] == "登入"
    assert hans["Service level"] == "服务水平" and hant["Service level"] == "服務水準"
    # many short phrases are written alike in both scripts (原因分析, 返回列表); a catalog copied
    # from the other script would have nearly all of them alike
    long = [m for m in hans if re.search(r"[\u4e00-\u9fff]{4}", str(hans[m]))]
    same = [m for m in long if hans[m] == hant[m]]
    assert len(same) < 0.06 * len(long), same


def test_the_browser_language_is_followed_until_the_user_chooses(world: World) -> None:
    assert negotiate("zh-TW,zh;q=0.9,en;q=0.8") == Language.zh_Hant
    assert negotiate("zh-CN,zh;q=0.9") == Language.zh_Hans
    assert negotiate("fr-FR, en;q=0.5") == Language.en
    assert negotiate("de-DE") is None
    client = world.client()
    page = client.get("/login", headers={"Accept-Language": "zh-HK,zh;q=0.8"})
    assert '<html lang="zh-Hant">' in page.text and "登入 ccops" in page.text
    chosen = client.post(
        "/language",
        data={"lang": "zh_Hans", "next": "/login", "csrf_token": csrf_of(page.text)},
        headers={"Accept-Language": "zh-HK"},
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/login"
    again = client.get("/login", headers={"Accept-Language": "zh-HK"})
    assert '<html lang="zh-Hans">' in again.text and "登录 ccops" in again.text
    refused = client.post("/language", data={"lang": "en", "next": "/login"})
    assert refused.status_code == 403


def test_the_choice_is_saved_on_the_user_and_follows_them(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-planner")
    client.post("/language", data={"lang": "zh_Hant", "next": "/", "csrf_token": csrf})
    assert "人力配置計算器" in client.get("/").text
    elsewhere = world.client()
    sign_in(elsewhere, "u-planner")
    assert '<html lang="zh-Hant">' in elsewhere.get("/").text
    token_user = TestClient(
        elsewhere.app, headers={"Authorization": f"Bearer {world.tokens[Role.planner]}"}
    )
    assert "人力配置計算器" in token_user.get("/").text


def test_numbers_and_dates_follow_the_locale() -> None:
    from datetime import date

    english, chinese = Formats(Language.en), Formats(Language.zh_Hans)
    assert english.num(12345) == "12,345" and english.pct(0.8883) == "88.8%"
    assert english.day(date(2026, 11, 22)) == "22 Nov 2026"
    assert chinese.day(date(2026, 11, 22)) == "2026年11月22日"
    assert chinese.secs(20) == "20 秒" and english.secs(None) == "—"
    assert Formats(Language.zh_Hant).weekday_date(date(2026, 11, 16)).startswith("週一")


def test_a_contact_time_is_shown_in_its_sites_zone_with_the_zone_named() -> None:
    from datetime import UTC, datetime

    call = datetime(2026, 12, 3, 4, 14, 5, tzinfo=UTC)  # a 12:14 call in Shanghai
    english = Formats(Language.en)
    assert english.local(call, "Asia/Shanghai") == "3 Dec 2026, 12:14:05 (Asia/Shanghai, UTC+8)"
    assert english.local(call, "Europe/London") == "3 Dec 2026, 04:14:05 (Europe/London, UTC)"
    assert english.local(call, "Asia/Kolkata") == "3 Dec 2026, 09:44:05 (Asia/Kolkata, UTC+5:30)"
    assert english.local(call, None).endswith(" (UTC)")  # never a bare time without its zone
    assert english.moment(call) == "3 Dec 2026, 04:14:05 (UTC)"
    assert "12:14:05" in Formats(Language.zh_Hans).local(call, "Asia/Shanghai")


ALLOWED_LATIN = {
    # names and codes that stay as they are in every language
    "ccops", "wMAPE", "KPI", "KPIs", "API", "ASA", "ACD", "CSV", "Parquet", "TOML", "Technion",
    "Asterisk", "queue_log", "Erlang", "Authorization", "Bearer", "TOKEN", "IANA", "YYYY", "MM",
    "DD", "csv", "parquet", "technion", "asterisk", "queue", "log", "acd", "export", "English",
    "FCR", "UTC", "Europe", "London", "Asia", "Shanghai", "Taipei", "GB", "CN", "TW",
    "Billing:", "Sales:", "Authorization:", "Excel", "UTF",
    # the column names of a people file and Asterisk's interface names, typed as they are
    "login", "name", "site", "team", "position", "skills", "hire_date", "alias", "Agent", "agent",
    "contract", "sign_in", "sign_in_scope", "own", "teams", "sites", "all",
    "Local", "callback", "amazon", "connect", "ctr",
    "genesys", "cloud", "conversations", "twilio", "taskrouter", "events",
    "JSON", "Amazon", "Connect", "Genesys", "Cloud", "Twilio", "TaskRouter",
    # the test organisation's own names (data, not interface)
    "Main", "Other", "Sales", "Support",
}  # fmt: skip


def _stray_english(html: str) -> list[str]:
    body = re.split(r"<body[^>]*>", html, maxsplit=1)[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<code.*?</code>", " ", body, flags=re.S)
    body = re.sub(r"<option[^>]*>.*?</option>", " ", body, flags=re.S)
    # data cells (names, logins, numbers) are data, not interface text
    body = re.sub(r"<td[^>]*>.*?</td>", " ", body, flags=re.S)
    body = re.sub(r'<th scope="row">.*?</th>', " ", body, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    text = re.sub(r"\bu-\w+", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z_:]{2,}", text)
    return sorted({w for w in words if w not in ALLOWED_LATIN and not w.startswith("u-")})


def test_chinese_pages_have_no_untranslated_interface_text(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    client.post("/language", data={"lang": "zh_Hans", "next": "/", "csrf_token": csrf})
    pages = [
        "/",
        "/kpi?queue=Sales",
        "/kpi/definitions",
        "/staffing",
        "/import",
        "/admin/sites",
        "/admin/queues",
        "/admin/people",
        "/admin/users",
        "/account",
    ]
    stray = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        found = _stray_english(response.text)
        if path == "/kpi/definitions":
            found = [w for w in found if not re.fullmatch(r"[a-z_]+", w)]
        if found:
            stray[path] = found
    assert not stray, stray
