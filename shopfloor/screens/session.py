"""Who is at the terminal, in which role, and which screens that role may open."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Permission, Role, UserView, allows

# Screen name -> the permission its role needs (None: everyone who is logged in).
SCREEN_PERMISSIONS: dict[str, Permission | None] = {
    "intake": Permission.CREATE_TICKET,
    "assign": Permission.ASSIGN,
    "my_work": Permission.WORK,
    "qc": Permission.QC,
    "tickets": None,
    "dashboard": Permission.VIEW_ANALYTICS,
}

HOME_SCREEN: dict[Role | None, str] = {
    Role.SUPER_ADMIN: "dashboard",
    Role.OPS_MANAGER: "dashboard",
    Role.MASTER: "intake",
    Role.TECHNICIAN: "my_work",
    Role.QC_INSPECTOR: "qc",
    None: "tickets",
}

# The role a user with several starts in: the one whose home they most likely want.
ROLE_PREFERENCE: tuple[Role, ...] = (
    Role.SUPER_ADMIN,
    Role.OPS_MANAGER,
    Role.MASTER,
    Role.QC_INSPECTOR,
    Role.TECHNICIAN,
)


@dataclass(frozen=True)
class Session:
    """The logged-in user and the role they are working in right now."""

    user: UserView
    role: Role | None

    @classmethod
    def start(cls, user: UserView) -> Session:
        """A fresh session in the user's main role."""
        held = {Role(slug) for slug in user.role_slugs}
        role = next((r for r in ROLE_PREFERENCE if r in held), None)
        return cls(user, role)

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(Role(slug) for slug in user_roles(self.user))

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else "no role"

    @property
    def home(self) -> str:
        return HOME_SCREEN[self.role]

    def may_open(self, screen: str) -> bool:
        """Whether the current role offers ``screen`` (the domain still checks every action)."""
        permission = SCREEN_PERMISSIONS[screen]
        if permission is None:
            return True
        return self.role is not None and allows([self.role], permission)

    def acting_roles(self) -> tuple[str, ...]:
        """Roles used to decide which keys to offer: the one being worked in."""
        return (self.role.value,) if self.role else ()


def user_roles(user: UserView) -> tuple[str, ...]:
    """The user's role slugs in preference order."""
    held = set(user.role_slugs)
    return tuple(r.value for r in ROLE_PREFERENCE if r.value in held)
