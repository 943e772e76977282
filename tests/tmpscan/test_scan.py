import re
from ccops.enums import Role
from ccops.web import domains
from tests.factories.web import World, sign_in

def test_scan(world: World) -> None:
    client = world.client(Role.admin)
    page = world.client()
    sign_in(page, "u-admin")
    bad = []
    for router in domains.routers():
        for r in router.routes:
            if "GET" not in getattr(r, "methods", set()):
                continue
            qs = [p for p in r.dependant.query_params]
            names = [p.name for p in qs if re.search(r"date|day|first|last|as_of|week|start|end|month|since|until|at$", p.name)]
            if not names:
                continue
            path = re.sub(r"\{[^}]+\}", "1", r.path)
            for v in ("0001-01-01", "9999-12-31", "9999-12-31T23:00:00", "2026-13-45"):
                for n in names:
                    c = client if path.startswith("/api") else page
                    params = {p.name: "Sales" for p in qs if p.field_info.is_required()}
                    params[n] = v
                    try:
                        resp = c.get(path, params=params)
                        if resp.status_code >= 500:
                            bad.append((path, n, v, resp.status_code))
                    except Exception as e:
                        bad.append((path, n, v, repr(e)[:80]))
    # pages with date params read manually
    for path in ("/", "/my-week", "/me/week", "/week"):
        for v in ("0001-01-01", "9999-12-31"):
            for n in ("date", "day", "week", "start"):
                try:
                    resp = page.get(path, params={n: v})
                    if resp.status_code >= 500:
                        bad.append((path, n, v, resp.status_code))
                except Exception as e:
                    bad.append((path, n, v, repr(e)[:80]))
    print("\nBAD", *bad, sep="\n")
