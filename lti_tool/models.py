"""Database tables (SQLAlchemy 2, the same on SQLite and PostgreSQL).

The schema is created only by the Alembic migrations in ``lti_tool/migrations``;
a test checks that these models and the migrations agree.

Everything a platform tells us is keyed by the platform that said it: users by
issuer + ``sub``, contexts and resource links by deployment (which belongs to one
registration), so two platforms using the same ids never collide.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Platform(Base):
    """One registration of the tool in a platform: an issuer and the client id it gave us."""

    __tablename__ = "platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_platforms_issuer_client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    auth_audience: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    key_set_url: Mapped[str] = mapped_column(String(1024))
    #: Space-separated origins allowed to frame the tool, beyond those of the issuer
    #: and the login URL (Canvas frames tools from the institution's own domain).
    frame_origins: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )


class Deployment(Base):
    """A deployment id the platform launches with; launches naming another are refused."""

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("platform_id", "deployment_id", name="uq_deployments_platform_deployment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class ToolKey(Base):
    """An RSA key pair of the tool. Published in the JWKS until ``retired_at``."""

    __tablename__ = "tool_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(255), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class User(Base):
    """A person as one issuer knows them (``sub`` is only unique within its issuer)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "sub", name="uq_users_issuer_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Context(Base):
    """A course (LTI context), unique within its deployment."""

    __tablename__ = "contexts"
    __table_args__ = (
        UniqueConstraint("deployment_id", "context_id", name="uq_contexts_deployment_context"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    #: LTI Names and Role Provisioning Services: the course's membership URL (latest launch).
    nrps_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: LTI Assignment and Grade Services: the course's line items URL and the scopes the
    #: platform granted (space-separated), as of the latest launch.
    ags_lineitems_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    ags_scopes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    deployment: Mapped[Deployment] = relationship()


class ResourceLink(Base):
    """An activity (LTI resource link), unique within its deployment."""

    __tablename__ = "resource_links"
    __table_args__ = (
        UniqueConstraint("deployment_id", "resource_link_id", name="uq_resource_links_deployment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    context_pk: Mapped[int | None] = mapped_column(
        ForeignKey("contexts.id", ondelete="CASCADE"), nullable=True
    )
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    #: The link's own AGS line item (``lineitem`` of the AGS claim), when the platform made one.
    ags_lineitem_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The link's custom parameters (JSON object) as of the latest launch; deep linking
    #: puts ``activity`` there (``scenario:<id>`` or ``assignment:<id>``).
    custom: Mapped[str] = mapped_column(Text, default="{}")
    #: The activity an instructor chose in the tool for a link placed without deep linking;
    #: the ``activity`` custom parameter, when the platform sends one, wins.
    activity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    context: Mapped[Context | None] = relationship()

    @property
    def activity_key(self) -> str | None:
        """``scenario:<id>`` or ``assignment:<id>``: what this link opens, if known."""
        import json

        try:
            custom = json.loads(self.custom or "{}")
        except ValueError:
            custom = {}
        chosen = custom.get("activity") if isinstance(custom, dict) else None
        return chosen if isinstance(chosen, str) and chosen else self.activity


class Membership(Base):
    """A user's role in a context, as of their latest launch."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "context_pk", name="uq_memberships_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    context_pk: Mapped[int] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    last_launch_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()
    context: Mapped[Context] = relationship()


class RegistrationToken(Base):
    """A one-time secret that lets a platform start dynamic registration; stored hashed."""

    __tablename__ = "registration_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Registrations tried with this token; a refused one releases it until the limit.
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class CacheEntry(Base):
    """The launch cache when no Redis is configured (see ``lti_tool.cache``)."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)


# Feature tables live with their features; importing them here registers them on
# ``Base.metadata``, which the migrations and their test compare against.
from .assignments import models as _assignment_models  # noqa: E402, F401
from .discussions import models as _discussion_models  # noqa: E402, F401
from .grades import models as _grades_models  # noqa: E402, F401
