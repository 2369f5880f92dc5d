"""Every page and action of the workbench, through its server (Starlette's test client)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from opsadvisor import api, clock
from opsadvisor.dialogue import jsonedit
from opsadvisor.dialogue.interview import ScriptedAsker, scenario_text
from opsadvisor.web import workspace as workspace_module
from opsadvisor.web.app import create_app

from .web_helpers import HR, LEDGER, MIXED, SCENARIOS, token, version


def decide(client: TestClient, name: str, **fields: str) -> object:
    data = {"csrf": token(client), "version": version(client, name), **fields}
    return client.post(f"/s/{name}/decide", data=data, headers={"X-Partial": "true"})


def test_the_scenario_list_shows_model_mode_and_counts_and_invalid_files(workspace: Path, client: TestClient) -> None:
    (workspace / "broken.json").write_text('{"service": {"id": "x"}}', encoding="utf-8")
    page = client.get("/")
    assert page.status_code == 200
    hr_row = page.text.split(f'href="/s/{HR}">')[1].split("</tr>")[0]
    # the list says what the report's headline says: decided otherwise, it is effectively C
    assert '<td class="model">effectively C (A recommended)</td><td>2</td>' in hr_row.replace("\n", "").replace(
        "  ", ""
    )
    pending = len(api.assess(workspace / HR).pending_risks)
    assert pending and f'<td class="num hot">{pending}</td>' in hr_row  # the risks to accept, as the report counts
    assert "broken.json" in page.text and "service.name" in page.text  # the invalid file, with its error


def test_the_scenario_list_filters_and_sorts(client: TestClient) -> None:
    only = client.get("/", params={"q": "payroll"}).text
    assert "payroll-it-operated.json" in only and HR not in only
    by_risks = client.get("/", params={"sort": "risks"}).text
    assert by_risks.index(HR) < by_risks.index(MIXED)


def test_the_service_page_is_the_report_with_explain_and_why_not(client: TestClient) -> None:
    page = client.get(f"/s/{HR}")
    assert page.status_code == 200 and page.headers["etag"] == f'"{version(client, HR)}"'
    text = page.text
    for part in (
        "Recommendation",
        "decided otherwise",
        "Conflicts",
        "Remedy:",
        "Risks to accept",
        "Must be accepted by",
        "Where IT can add value",
        "Open questions",
        "Next steps",
        "Accountability",
    ):
        assert part in text, part
    assert f'data-get="/s/{HR}/explain?rule=risk.continuity-with-business"' in text
    fired = client.get(f"/s/{HR}/explain", params={"rule": "risk.continuity-with-business"}).text
    assert "Fired." in fired and "criticality" in fired
    why_not = client.get(f"/s/{HR}/explain", params={"rule": "ambition.business-operated"}).text
    assert "Did not fire" in why_not and "failed" in why_not
    unknown = client.get(f"/s/{HR}/explain", params={"rule": "no.such-rule"})
    assert unknown.status_code == 422 and "no.such-rule" in unknown.text


def test_clicking_a_tbd_cell_and_deciding_writes_the_file_and_raises_the_risk(
    workspace: Path, client: TestClient
) -> None:
    board = client.get(f"/s/{LEDGER}/workshop").text
    assert 'data-cell="problem/application"' in board and "3 risks to accept" in board
    form = client.get(f"/s/{LEDGER}/cell", params={"process": "problem"}).text
    assert 'name="application"' in form and 'name="performed_by"' in form
    answer = decide(
        client, LEDGER, process="problem", application="business", interface="it_ops", performed_by="vendor"
    )
    assert answer.status_code == 200
    on_disk = json.loads((workspace / LEDGER).read_text(encoding="utf-8"))
    assert on_disk["decisions"]["problem"] == {
        "application": "business",
        "interface": "it_ops",
        "performed_by": "vendor",
    }
    assert "4 risks to accept" in answer.text and 'id="risk-business-operated-critical-service"' in answer.text
    assert "open decisions:" in answer.text  # the CLI's feedback, shown as a notice


def test_a_decision_without_javascript_redirects_to_the_workshop(client: TestClient) -> None:
    data = {"csrf": token(client), "version": version(client, MIXED), "process": "licence", "application": "it_ops"}
    answer = client.post(f"/s/{MIXED}/decide", data=data, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/s/{MIXED}/workshop"


def test_a_stale_save_is_refused_with_the_current_version_shown(workspace: Path, client: TestClient) -> None:
    old = version(client, MIXED)
    api.decide(workspace / MIXED, "licence", "business")  # meanwhile, another tab or the CLI
    before = (workspace / MIXED).read_bytes()
    data = {"csrf": token(client), "version": old, "process": "it_controls", "application": "business"}
    answer = client.post(f"/s/{MIXED}/decide", data=data, headers={"X-Partial": "true"})
    assert answer.status_code == 409 and "nothing was saved" in answer.text
    assert (workspace / MIXED).read_bytes() == before
    assert f'data-version="{version(client, MIXED)}"' in answer.text  # the current version, ready to use


def test_an_acceptance_by_a_role_that_may_not_accept_is_refused(workspace: Path, client: TestClient) -> None:
    before = (workspace / HR).read_bytes()
    data = {
        "csrf": token(client),
        "version": version(client, HR),
        "risk": "personal-data-outside-it",
        "role": "cio",
        "name": "Chris",
        "date": "2026-01-31",
    }
    answer = client.post(f"/s/{HR}/accept", data=data, headers={"X-Partial": "true"})
    assert answer.status_code == 422 and (workspace / HR).read_bytes() == before
    form = answer.text.split('id="risk-personal-data-outside-it"')[1].split("</form>")[0]
    said = form.split('<span class="field-error" id="accept-error-role">')[1].split("</span>")[0]
    assert said.startswith("the CIO may not accept personal-data-outside-it; it is accepted by: business_owner")
    assert 'value="Chris"' in form and 'value="2026-01-31"' in form  # what was typed is kept
    assert '<select name="role" aria-invalid="true" autofocus>' in form  # the page's script brings it into view
    assert 'id="problems"' not in answer.text  # not 4,000 pixels above, at the top of the board


def test_an_acceptance_is_recorded_and_the_risk_list_changes(
    workspace: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-06-30")  # within the acceptance's year: it counts
    data = {
        "csrf": token(client),
        "version": version(client, HR),
        "risk": "personal-data-outside-it",
        "role": "business_owner",
        "name": "Hanna",
        "date": "2026-01-31",
        "review_by": "",
    }
    pending = len(api.assess(workspace / HR).pending_risks)
    answer = client.post(f"/s/{HR}/accept", data=data, headers={"X-Partial": "true"})
    assert answer.status_code == 200 and f"{pending - 1} risks to accept" in answer.text
    accepted = json.loads((workspace / HR).read_text(encoding="utf-8"))["accepted_risks"]
    assert accepted[0]["name"] == "Hanna" and accepted[0]["role"] == "business_owner"


def test_the_workshop_pack_exports_as_the_cli_writes_it(workspace: Path, client: TestClient) -> None:
    for output_format in ("markdown", "html"):
        answer = client.get(f"/s/{MIXED}/pack.{output_format}")
        assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
        assert answer.text == api.workshop(workspace / MIXED, output_format=output_format, source=MIXED)
    assert client.get(f"/s/{MIXED}/pack.pdf").status_code == 404


ANSWERS = {
    "file": "expenses",
    "service.id": "expenses",
    "service.name": "Expense claims",
    "ambition": "Business operated",
    "expected_benefits": "Faster claims (validated by: claim time in May)",
    "vendor_run": "yes",
    "hosting": "SaaS",
    "integrations": "ERP, api, yes",
    "criticality": "2",
    "regulations": "gdpr",
    "users": "1,200",
}


def test_a_new_scenario_from_the_form_is_what_the_interview_writes(workspace: Path, client: TestClient) -> None:
    answer = client.post("/new", data={"csrf": token(client), **ANSWERS}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/s/expenses.json"
    typed = [
        "expenses",
        "Expense claims",
        "2",
        "Faster claims",
        "claim time in May",
        "",
        "?",
        "yes",
        "saas",
        "ERP",
        "api",
        "yes",
        "",
        "medium",
        "?",
        "?",
        "gdpr",
        "1200",
        "?",
        "?",
        "?",
        "?",
    ]
    pack = api.rule_pack()
    document = api.interview(ScriptedAsker(typed), rules=pack)
    assert (workspace / "expenses.json").read_text(encoding="utf-8") == scenario_text(
        document, api.assessor_for(pack).spec, jsonedit
    )
    assert "Model: B<" in client.get("/s/expenses.json/workshop").text


def test_a_refused_answer_gets_the_contracts_message_next_to_its_field(workspace: Path, client: TestClient) -> None:
    answer = client.post("/new", data={"csrf": token(client), **ANSWERS, "users": "many", "hosting": "mainframe"})
    assert answer.status_code == 422 and not (workspace / "expenses.json").exists()
    users = answer.text.split('id="e-users">')[1].split("</span>")[0]
    hosting = answer.text.split('id="e-hosting">')[1].split("</span>")[0]
    assert "whole number" in users and "mainframe" in hosting and "saas" in hosting
    assert 'value="many"' in answer.text  # what was typed is kept


def test_a_new_scenario_never_replaces_a_file_nor_leaves_the_workspace(workspace: Path, client: TestClient) -> None:
    for name, message in ((HR, "exists"), ("../outside", "inside the workspace"), ("/tmp/abs", "inside the workspace")):
        answer = client.post("/new", data={"csrf": token(client), **ANSWERS, "file": name})
        assert answer.status_code == 422 and message in answer.text, name
    assert not (workspace.parent / "outside.json").exists()


def test_the_preview_follows_the_answers(client: TestClient) -> None:
    answer = client.post("/preview", data={**ANSWERS, "users": "lots"}, headers={"X-CSRF-Token": token(client)})
    said = answer.json()
    assert "recommended model B" in said["preview"] and said["file"] == "expenses.json"
    assert "whole number" in said["fields"]["users"]["error"] and said["fields"]["hosting"]["error"] == ""


def test_editing_keeps_the_decisions_and_refuses_a_stale_save(workspace: Path, client: TestClient) -> None:
    page = client.get(f"/edit/{MIXED}").text
    assert 'value="Field service planning"' in page and "ERP, api, yes" in page
    form = {
        "csrf": token(client),
        "version": version(client, MIXED),
        "service.id": "ops-field",
        "service.name": "Field planning",
        "ambition": "mixed",
        "criticality": "high",
    }
    assert client.post(f"/edit/{MIXED}", data=form, follow_redirects=False).status_code == 303
    saved = json.loads((workspace / MIXED).read_text(encoding="utf-8"))
    assert saved["service"]["name"] == "Field planning" and saved["criticality"] == "high"
    assert saved["decisions"]["incident"] == {"application": "business", "interface": "it_ops"}
    assert "integrations" not in saved  # emptied in the form: now an open question
    stale = client.post(f"/edit/{MIXED}", data={**form, "service.name": "Other"})
    assert stale.status_code == 409 and 'value="Field planning"' in stale.text


def test_the_portfolio_is_the_batch_overview_cached_by_file_stamp(
    workspace: Path, client: TestClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    assessed: list[str] = []
    real = workspace_module.assess_entries

    def counting(entries, *args, **kwargs):  # type: ignore[no-untyped-def]
        assessed.extend(entry.location for entry in entries)
        return real(entries, *args, **kwargs)

    monkeypatch.setattr(workspace_module, "assess_entries", counting)
    page = client.get("/portfolio").text
    assert "Services per model and mode" in page and "Entries" in page and len(assessed) == 4
    api.decide(workspace / MIXED, "it_controls", "business")
    page = client.get("/portfolio", params={"findings": "1", "model": "C"}).text
    assert assessed[4:] == [MIXED]  # only the changed file is assessed again
    assert "Personal data under business-owned controls is a privacy risk" in page  # the risk, in words
    assert "payroll-it-operated.json" not in page.split('id="services"')[1]


def test_the_rules_page_lists_the_catalogue_with_provenance(client: TestClient) -> None:
    page = client.get("/rules", params={"q": "continuity"}).text
    assert "risk.continuity-with-business" in page and "seed" in page
    rule = client.get("/rules/risk.continuity-with-business")
    assert rule.status_code == 200 and "risk.continuity-with-business" in rule.text
    assert client.get("/rules/no.such-rule").status_code == 404


def test_the_pages_script_is_the_workbenchs_own_and_no_third_party_copy_is_shipped(client: TestClient) -> None:
    answer = client.get("/static/workbench.js")
    assert answer.status_code == 200 and answer.text.startswith("/* opsadvisor workbench: partial page updates")
    assert client.get("/static/htmx.min.js").status_code == 404
    static = Path(workspace_module.__file__).parent / "static"
    assert sorted(path.name for path in static.iterdir()) == ["workbench.css", "workbench.js"]
    for page in ("/", "/new", f"/s/{HR}", f"/s/{HR}/workshop"):
        assert '<script src="/static/workbench.js" defer></script>' in client.get(page).text, page


def test_a_new_scenario_without_a_file_name_is_saved_under_its_service_id(workspace: Path, client: TestClient) -> None:
    answers = {key: value for key, value in ANSWERS.items() if key != "file"}
    answer = client.post(
        "/new", data={"csrf": token(client), **answers, "service.id": "my-service"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/s/my-service.json"
    assert json.loads((workspace / "my-service.json").read_text(encoding="utf-8"))["service"]["id"] == "my-service"
    again = client.post("/new", data={"csrf": token(client), **answers, "service.id": "my-service"})
    assert again.status_code == 422 and "my-service.json exists" in again.text
    assert 'id="f-file" value="my-service.json"' in again.text  # the proposal, to change


def test_the_preview_follows_from_the_first_answer_with_no_error_for_what_is_not_answered_yet(
    client: TestClient,
) -> None:
    """Neither the service's id, its name nor the file name is needed before the preview works."""
    said = client.post("/preview", data={"ambition": "2"}, headers={"X-CSRF-Token": token(client)}).json()
    assert said["preview"].startswith("recommended model B") and said["file"] == ""
    assert all(field["error"] == "" for field in said["fields"].values())
    page = client.get("/new").text
    assert 'name="file"' in page and 'name="file" id="f-file" value="" required' not in page
    assert page.index('name="file"') > page.index('name="service.id"')  # asked when saving, at the button


def test_a_question_that_applies_after_an_answer_is_active_in_the_preview_answer(client: TestClient) -> None:
    ask = {"X-CSRF-Token": token(client)}
    before = client.post("/preview", data={"ambition": "IT operated"}, headers=ask).json()["fields"]
    after = client.post("/preview", data={"ambition": "Business operated"}, headers=ask).json()["fields"]
    assert not before["expected_benefits"]["applies"] and after["expected_benefits"]["applies"]
    assert 'class="question not-asked" id="q-expected_benefits"' in client.get("/new").text


def test_a_list_entrys_error_names_its_line_and_field_in_words(client: TestClient) -> None:
    typed = {"service.id": "x", "integrations": "ERP, api, yes\nCRM, rest"}
    said = client.post("/preview", data=typed, headers={"X-CSRF-Token": token(client)}).json()
    error = said["fields"]["integrations"]["error"]
    assert error.startswith("line 2, type: expected one of api, file") and "integrations[1]" not in error


def test_one_line_answers_stop_at_the_contracts_length(client: TestClient) -> None:
    page = client.get("/new").text
    assert 'name="service.name" id="f-service-name" value="" maxlength="200" required' in page
    assert 'name="service.business_owner" id="f-service-business_owner" value="" maxlength="200">' in page


def test_business_facing_pages_say_words_not_ids(workspace: Path, client: TestClient) -> None:
    """Conflict kinds, risks, counts and the list's sort keys in words; each conflict once."""
    report = client.get(f"/s/{HR}").text
    assert "<h3>Ambition risk " in report and "ambition_risk" not in report
    assert report.count('<article class="conflict') == len(api.assess(workspace / HR).conflicts)
    assert report.count("<h2>Conflicts") == 1  # not a second time as a table
    assert "<h3>Personal data under business-owned controls is a privacy risk " in report
    assert ">personal-data-outside-it<" not in report and "<h3>personal-data-outside-it" not in report
    portfolio = client.get("/portfolio").text
    assert "<td>ambition risk</td>" in portfolio and "ambition_risk" not in portfolio
    assert "<td>The business answers for the recovery of a high or critical service</td>" in portfolio
    assert ">continuity-outside-it<" not in portfolio
    listed = client.get("/").text
    assert '<option value="location" selected>file</option>' in listed
    assert '<option value="risks">risks to accept</option>' in listed


def test_a_bidi_control_in_a_name_is_refused_next_to_its_field(client: TestClient) -> None:
    said = client.post(
        "/preview", data={"service.name": "evil \u202ename"}, headers={"X-CSRF-Token": token(client)}
    ).json()
    error = said["fields"]["service.name"]["error"]
    assert error.startswith("expected text without bidirectional controls") and "U+202E at character 6" in error


def test_the_accept_form_offers_only_the_roles_that_accept_that_risk(workspace: Path, client: TestClient) -> None:
    board = client.get(f"/s/{HR}/workshop").text
    form = board.split('id="risk-personal-data-outside-it"')[1].split('<form class="accept"')[1].split("</form>")[0]
    assert '<option value="business_owner">business owner</option>' in form
    for role in ("accountable_executive", "cio", "ciso", "dpo", "compliance_officer", "risk_manager"):
        assert f'value="{role}"' not in form  # the rule names the business owner alone; second line never


def test_a_mitigation_is_recorded_and_shown_with_its_risk_and_the_policy_in_force(
    workspace: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-11-30")
    data = {
        "csrf": token(client),
        "version": version(client, HR),
        "risk": "personal-data-outside-it",
        "action": "Connect the portal to single sign-on",
        "owner": "IT security",
        "due": "2026-10-31",
    }
    pending = len(api.assess(workspace / HR).pending_risks)
    answer = client.post(f"/s/{HR}/mitigate", data=data, headers={"X-Partial": "true"})
    assert answer.status_code == 200 and f"{pending} risks to accept" in answer.text  # a mitigation accepts nothing
    shown = (
        "mitigation: Connect the portal to single sign-on, owner IT security, due 2026-10-31, OVERDUE since 2026-10-31"
    )
    assert f'<li class="overdue">{shown}</li>' in answer.text
    page = client.get(f"/s/{HR}").text
    assert shown in page and "Acceptance policy in force: high risks: review within 6 months" in page
    assert "Policy for medium risks: review within 12 months, an acceptor of authority 1 or more" in page
    recorded = json.loads((workspace / HR).read_text(encoding="utf-8"))["mitigations"]
    assert recorded == [{k: data[k] for k in ("risk", "action", "owner", "due")}]
    data["version"], data["risk"] = version(client, HR), "dora-exit-strategy"
    refused = client.post(f"/s/{HR}/mitigate", data=data, headers={"X-Partial": "true"})
    assert refused.status_code == 422 and "it cannot be mitigated, only fixed" in refused.text


def test_the_risk_view_answers_who_accepted_when_until_when_under_which_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-11-30")  # the ledger's acceptances hold on this day
    (tmp_path / "ledger.json").write_bytes((SCENARIOS / "trading-ledger-critical-sox.json").read_bytes())
    page = TestClient(create_app(tmp_path), base_url="http://127.0.0.1").get("/s/ledger.json").text
    risk = page.split('id="risk-restricted-data-outside-it"')[1].split("</article>")[0]
    assert "accepted until 2027-04-14" in risk
    row = "<td>business owner</td><td>CFO</td><td>2026-10-14</td><td>2027-04-14</td><td>accepted</td>"
    assert row + "<td>accepted_risks[0]</td>" in risk
    where = html.escape(str(api.rule_pack().acceptance["high"].location))
    assert f"Policy for high risks: review within 6 months, an acceptor of authority 2 or more ({where})." in risk


def test_a_refused_mitigation_says_why_at_its_form_and_keeps_what_was_typed(
    workspace: Path, client: TestClient
) -> None:
    data = {
        "csrf": token(client),
        "version": version(client, HR),
        "risk": "personal-data-outside-it",
        "action": "Connect the portal to single sign-on",
        "owner": "IT security",
        "due": "31/12/2026",
    }
    answer = client.post(f"/s/{HR}/mitigate", data=data, headers={"X-Partial": "true"})
    assert answer.status_code == 422
    form = (
        answer.text.split('id="risk-personal-data-outside-it"')[1]
        .split('<form class="mitigate"')[1]
        .split("</form>")[0]
    )
    assert 'id="mitigate-error"' in form and "31/12/2026" in form.split('id="mitigate-error">')[1]
    assert 'value="Connect the portal to single sign-on"' in form and 'value="IT security"' in form
