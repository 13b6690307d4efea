"""The benchmark command runs and prints one JSON object (its figures are not asserted:
performance is measured by `python -m bench`, never by timed tests)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, Response, request
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from assistant.foundation.config import PROJECT_ROOT
from bench.common import Options
from bench.peer import PEER_FILES, PeerError, SurveyPhone, find_peer
from bench.report import report_speed


def test_python_m_bench_quick_prints_one_json_object_with_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", "--postgres", "none"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "CARECALL_BENCH_CACHE": str(tmp_path)})
    figures = json.loads(result.stdout)
    assert set(figures) == {"quick", "postgresql", "interpret", "dispatch", "sms_turn",
                            "memory", "import", "report"}
    assert figures["report"]["sqlite"]["4000"]["year_page_ms"] > 0
    assert figures["import"]["sqlite"]["rows_per_second"] > 0
    assert figures["postgresql"] is False
    assert figures["interpret"]["replies_per_second"] > 0
    assert figures["dispatch"]["sqlite"]["sent"] == figures["dispatch"]["due"]
    assert figures["dispatch"]["sqlite"]["tick_ratio"] > 0
    for clients in ("1_clients", "32_clients"):
        turn = figures["sms_turn"]["sqlite"][clients]
        assert turn["median_ratio"] > 0 and turn["p99_ms"] >= turn["median_ms"]
        assert turn["cpu_ms_per_turn"] > 0 and turn["bare_cpu_ms_per_turn"] >= 0
    assert "peer" not in figures["sms_turn"]  # timed only when --peer names its folder
    assert figures["memory"]["database"] == "sqlite"
    assert figures["memory"]["worker_end_mb"] > 0 and figures["memory"]["web_end_mb"] > 0


def test_the_report_benchmark_times_two_sizes_on_years_it_seeds_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny sizes: the figures are there and consistent, the seeded years are cached (the
    second run seeds nothing) and never written to by a run (it works on a copy)."""
    monkeypatch.setenv("CARECALL_BENCH_CACHE", str(tmp_path))
    options = Options(quick=True, postgres_admin_url=None)
    first = report_speed(options, sizes=(150, 300))["sqlite"]
    assert first["150"]["seeded_in_this_run"] and first["300"]["seeded_in_this_run"]
    assert first["300"]["seeding_seconds"] > 0
    for size in ("150", "300"):
        assert first[size]["quarter_report_ms"] > 0 and first[size]["year_page_ms"] > 0
        assert first[size]["year_page_ratio_to_empty_page"] > 0
    # The same statements whatever the size: no query per discharge.
    assert first["150"]["year_report_statements"] == first["300"]["year_report_statements"]
    assert first["ratio_300_to_150"]["year_report_ms"] > 0
    again = report_speed(options, sizes=(150, 300))["sqlite"]
    assert not again["150"]["seeded_in_this_run"] and not again["300"]["seeded_in_this_run"]
    assert again["300"]["seeding_seconds"] == first["300"]["seeding_seconds"]
    cached = sorted(tmp_path.glob("*.db"))
    assert len(cached) == 2
    engine = create_engine(f"sqlite:///{cached[0]}")
    with engine.connect() as connection:  # the runs signed in and viewed pages on copies
        assert connection.scalar(text("SELECT count(*) FROM app_user")) == 0
        assert connection.scalar(text("SELECT count(*) FROM episode")) in (150, 300)
    engine.dispose()


def test_the_peer_option_refuses_a_folder_without_twilios_sample(tmp_path: Path) -> None:
    """Refused before anything runs, saying what is missing and where the sample comes from."""
    (tmp_path / "manage.py").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--postgres", "none", "--peer",
         str(tmp_path)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert "does not hold Twilio's survey sample" in result.stderr
    assert "automated_survey_flask/survey_view.py" in result.stderr
    assert "github.com/TwilioDevEd/automated-survey-flask" in result.stderr


def test_the_peer_runs_with_a_venv_beside_it_or_the_interpreter_named(tmp_path: Path) -> None:
    folder = tmp_path / "automated-survey-flask"
    for name in PEER_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("")
    with pytest.raises(PeerError, match=r"no venv for the peer.*--peer-python"):
        find_peer(folder)
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert find_peer(folder).python == python  # a venv's python is not followed to its link
    with pytest.raises(PeerError, match="no such interpreter"):
        find_peer(folder, tmp_path / "elsewhere" / "python")


@pytest.fixture
def survey_server() -> Iterator[tuple[int, list[tuple[str, str, str]]]]:
    """A stand-in for the sample's SMS flow: /message redirects to the answer (POST) when
    the conversation's cookie names a question, else to the first question (GET)."""
    app, answers = Flask("survey"), []

    def twiml(body: str) -> Response:
        return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>')

    @app.get("/message")
    def message() -> Response:
        question = request.cookies.get("question")
        if question:
            return twiml(f"<Redirect>/answer/{question}</Redirect>")
        return twiml('<Message>Welcome</Message><Redirect method="GET">/question/1</Redirect>')

    @app.post("/answer/<int:number>")
    def answer(number: int) -> Response:
        answers.append((request.form["From"], str(number), request.form["Body"]))
        return twiml(f'<Redirect method="GET">/question/{number + 1}</Redirect>')

    @app.get("/question/<int:number>")
    def question(number: int) -> Response:
        response = twiml(f"<Message>Question {number}</Message>")
        response.set_cookie("question", str(number))
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server.server_port, answers
    server.shutdown()
    thread.join()


def test_the_peer_is_driven_as_twilio_drives_it(
        survey_server: tuple[int, list[tuple[str, str, str]]]) -> None:
    """Redirects followed with the verb's method, the message's parameters on every hop and
    the conversation's cookies kept: an answer is three requests, and lands on its question."""
    port, answers = survey_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    phone = SurveyPhone("+12015550001", "+12015550100")
    assert "Question 1" in phone.send(connection, "Hello")
    assert "Question 2" in phone.send(connection, "Pat Smith")
    assert "Question 3" in phone.send(connection, "yes")
    connection.close()
    assert phone.hops == [2, 3, 3]
    assert answers == [("+12015550001", "1", "Pat Smith"), ("+12015550001", "2", "yes")]
