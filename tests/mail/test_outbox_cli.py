"""`attendance-desktop outbox send|list`: what IT runs from a scheduled task."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.__main__ import main
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.services.letters import letter_plans
from attendance_desktop.services.mail import batch, outbox
from tests.conftest import OFFICE
from tests.mail.mail_fixtures import SmtpServer
from tests.mail.test_outbox import TODAY, configure, run, school_with_emails


def test_outbox_send_and_list(engine: Engine, paths: object, smtp: SmtpServer,
                              file_keyring: object, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    ids = school_with_emails(engine)
    configure(engine, smtp.inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["dan"]], today=TODAY)
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken()))
    data = ["--data-dir", str(paths.data_dir)]  # type: ignore[attr-defined]
    # The command line binds the wall clock: the queued message is due.
    assert main(["outbox", "send", *data]) == 1  # server down
    out = capsys.readouterr().out
    assert "0 sent, 1 to try again later" in out
    assert "refused the connection" in out
    assert main(["outbox", "list", "--status", "queued", *data]) == 0
    line = capsys.readouterr().out.strip()
    assert "\tWaiting\t" in line
    assert "al@split.example" in line
    assert "\t1\t" in line
    inbox = smtp.start()
    (waiting,) = outbox.list_messages(engine, ["queued"])
    outbox.retry(engine, OFFICE, waiting.id)  # "Retry" in the Outbox: due at once
    assert main(["outbox", "send", *data]) == 0
    assert capsys.readouterr().out.strip() == "1 sent"
    assert main(["outbox", "send", *data]) == 0  # nothing more to send
    assert len(inbox.messages) == 1
    assert main(["outbox", "list", "--status", "sent", *data]) == 0
    assert "al@split.example" in capsys.readouterr().out
