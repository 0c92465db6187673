"""Identity e-mails: team invitations and password resets.

A reaction follows the log and queues a ``send_mail`` job holding ids only; the composer below
runs in the worker, opens the recipient's sealed address and derives the single-use link from
the ids (the link's token is a MAC of them, never stored anywhere). A mail for an invitation
that was accepted or revoked, a reset that was used or superseded, or a person since erased is
not sent.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.identity.customers import CustomerService
from application.identity.teams import TeamService
from application.identity.users import UserService
from application.mail import MailComposer, MailMessage
from application.reactions import Job, Reaction, mail_job
from domain.identity.aggregates import Customer, Team, User
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store

INVITATION = "identity.invitation"
CUSTOMER_RESET = "identity.customer_reset"
USER_RESET = "identity.user_reset"


def identity_mail_reaction() -> Reaction:
    def react(position: int, event: Any) -> list[Job]:
        del position
        if isinstance(event, Team.InvitationSent):
            return [
                mail_job(
                    INVITATION,
                    {
                        "team_id": str(event.originator_id),
                        "invitation_id": str(event.invitation_id),
                    },
                    dedupe_key=f"invitation:{event.invitation_id}",
                )
            ]
        if isinstance(event, Customer.PasswordResetRequested):
            kind, key = CUSTOMER_RESET, "customer_id"
        elif isinstance(event, User.PasswordResetRequested):
            kind, key = USER_RESET, "user_id"
        else:
            return []
        return [
            mail_job(
                kind,
                {key: str(event.originator_id), "reset_id": str(event.reset_id)},
                dedupe_key=f"reset:{event.reset_id}",
            )
        ]

    return Reaction(
        "identity-mails",
        topics_of(
            Team.InvitationSent, Customer.PasswordResetRequested, User.PasswordResetRequested
        ),
        react,
    )


class IdentityMails:
    def __init__(
        self,
        users: UserService,
        customers: CustomerService,
        teams: TeamService,
        public_url: str,
    ) -> None:
        self.users = users
        self.customers = customers
        self.teams = teams
        self.platform = users.platform
        self.public_url = public_url.rstrip("/")

    def register(self, composers: MailComposer) -> None:
        composers.register(INVITATION, self.invitation)
        composers.register(CUSTOMER_RESET, self.customer_reset)
        composers.register(USER_RESET, self.user_reset)

    def _store(self, store_id: UUID) -> Store | None:
        return self.platform.find(Store, store_id)

    def invitation(self, ref: dict[str, Any]) -> MailMessage | None:
        team = self.platform.find(Team, UUID(ref["team_id"]))
        invitation_id = UUID(ref["invitation_id"])
        invitation = team.invitations.get(invitation_id) if team else None
        if team is None or invitation is None or invitation["status"] != "pending":
            return None
        email = self.teams.invitation_email(invitation_id, invitation["sealed_email"])
        store = self._store(team.store_id)
        if email is None or store is None:
            return None
        token = self.teams.invitation_token(team.store_id, invitation_id)
        link = f"{self.public_url}/accept-invitation?token={token}"
        return MailMessage(
            to=email,
            subject=f"You are invited to join {store.name} on Orion",
            text=(
                f"You have been invited to join the team of {store.name} as "
                f"{invitation['role']}.\n\nAccept the invitation (valid until "
                f"{invitation['expires_at']:%Y-%m-%d %H:%M} UTC):\n{link}\n\n"
                "If you did not expect this, ignore this e-mail.\n"
            ),
        )

    def customer_reset(self, ref: dict[str, Any]) -> MailMessage | None:
        customer = self.customers.find(UUID(ref["customer_id"]))
        if customer is None:
            return None
        store = self._store(customer.store_id)
        if store is None:
            return None
        path = f"/shop/{store.code}/reset-password"
        return self._reset(self.customers, customer, UUID(ref["reset_id"]), store.name, path)

    def user_reset(self, ref: dict[str, Any]) -> MailMessage | None:
        user = self.users.find(UUID(ref["user_id"]))
        if user is None:
            return None
        return self._reset(self.users, user, UUID(ref["reset_id"]), "Orion", "/reset-password")

    def _reset(
        self, service: Any, account: Any, reset_id: UUID, sender: str, path: str
    ) -> MailMessage | None:
        pending = account.pending_reset
        if not account.is_active or pending is None or pending["reset_id"] != reset_id:
            return None  # used, superseded or erased since: the link would not work
        profile = service.profile(account)
        if not profile or not profile.get("email"):
            return None
        token = service.reset_token(account.id, reset_id)
        return MailMessage(
            to=profile["email"],
            subject=f"Reset your {sender} password",
            text=(
                f"Someone asked to reset the password of your {sender} account.\n\n"
                f"Choose a new password (the link works once, for one hour):\n"
                f"{self.public_url}{path}?token={token}\n\n"
                "If it was not you, ignore this e-mail: your password stays as it is.\n"
            ),
        )
