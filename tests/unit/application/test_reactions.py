"""Mail jobs gathered per reaction step: fewer queued jobs, the same mails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from application.reactions import (
    SECONDS_PER_MAIL,
    SEND_MAIL,
    SEND_MAILS,
    Job,
    gather_mails,
    mail_job,
)


def mails(count: int) -> list[Job]:
    return [
        replace(mail_job("order.confirmation", {"order_id": f"o{i}"}, f"k{i}"), job_id=f"r-{i}-0")
        for i in range(count)
    ]


def test_mails_of_a_step_become_one_job_holding_each_mail() -> None:
    other = Job("workers.pdf.render", ("i1",), "r-9-1")
    gathered = gather_mails([*mails(3), other])
    assert gathered[0] == other
    assert [(job.func, job.job_id) for job in gathered[1:]] == [(SEND_MAILS, "r-0-0-3")]
    assert gathered[1].timeout == 3 * SECONDS_PER_MAIL  # the job's time grows with its mails
    assert gathered[1].args == (
        [
            ["order.confirmation", {"order_id": "o0"}, "k0"],
            ["order.confirmation", {"order_id": "o1"}, "k1"],
            ["order.confirmation", {"order_id": "o2"}, "k2"],
        ],
    )


def test_a_long_step_is_cut_into_jobs_of_at_most_per_job_mails() -> None:
    gathered = gather_mails(mails(7), per_job=3)
    assert [job.job_id for job in gathered] == ["r-0-0-3", "r-3-0-3", "r-6-0"]
    assert [job.func for job in gathered] == [SEND_MAILS, SEND_MAILS, SEND_MAIL]
    sent = [mail[2] for job in gathered[:2] for mail in job.args[0]] + [gathered[2].args[2]]
    assert sent == [f"k{i}" for i in range(7)]


def test_a_lone_mail_stays_as_it_is() -> None:
    one = mails(1)
    assert gather_mails(one) == one
    assert gather_mails([]) == []


def test_gathered_jobs_need_their_ids() -> None:
    with pytest.raises(ValueError, match="ids"):
        gather_mails([replace(job, job_id=None) for job in mails(2)])
