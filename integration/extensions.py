"""Extension objects, created once and bound to the app in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Column, ForeignKey, MetaData, Table
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def link_table(name: str, left: tuple[str, str], right: tuple[str, str], *, index_right: bool = True) -> Table:
    """A many-to-many table of (left id, right id), e.g. link_table("insight_goal", ("insight_id",
    "insight.id"), ("goal_id", "goal.id")). The primary key serves lookups from the left; the
    right column gets its own index unless index_right is False."""
    return Table(name, db.metadata,
                 Column(left[0], ForeignKey(left[1]), primary_key=True),
                 Column(right[0], ForeignKey(right[1]), primary_key=True, index=index_right))
