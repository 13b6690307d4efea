"""What a second review of issue 16 found, kept as a regression: one admin cannot publish
a flow alone."""

from __future__ import annotations

from sqlalchemy import select

from assistant.records.models import FlowVersion
from tests.conftest import PASSWORD, create_app, csrf_token, signed_in_client
from tests.test_flow_signoff import EDITED


def test_one_admin_cannot_publish_alone_through_an_admin_account_they_create(services) -> None:
    ada = signed_in_client(services, "ada", role="admin")
    token = csrf_token(ada, "/admin/flows/general")
    proposed = ada.post("/admin/flows/general", data={
        "source": EDITED, "action": "propose", "note": "mine", "csrf_token": token})
    assert proposed.status_code == 200
    # ada makes herself a second admin account with a password she chooses...
    made = ada.post("/admin/users", data={
        "username": "ada2", "name": "Ada Two", "role": "admin", "password": PASSWORD,
        "csrf_token": csrf_token(ada, "/admin/users")})
    assert made.status_code == 302
    alt = create_app(services).test_client()
    alt.environ_base["wsgi.url_scheme"] = "https"
    assert alt.post("/login", data={"username": "ada2", "password": PASSWORD,
                                    "csrf_token": csrf_token(alt)}).status_code == 302
    # ...and signs off her own change with it.
    from assistant.records.care_records import FlowProposal
    with services.sessions() as session:
        proposal_id = session.scalars(select(FlowProposal.id)).one()
    alt.post(f"/admin/flows/general/proposals/{proposal_id}/sign-off",
             data={"csrf_token": csrf_token(alt, "/admin/flows/general")})
    with services.sessions() as session:
        published = session.scalars(select(FlowVersion.published_by)).all()
    assert published == [], f"published by one person: {published}"
