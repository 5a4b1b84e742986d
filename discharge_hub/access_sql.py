"""The server-side functions of :mod:`discharge_hub.access` (PostgreSQL, PL/pgSQL).

* ``dh_actor()``: who is acting, as stored in every ``*_by`` column and audit row —
  the person's display name and login ("Jane Smith (jsmith)"), or the bare login of a
  member of a group role with no person record. NULL for roles outside the groups (the
  owner that migrates, a superuser): they may disable any trigger anyway, so their
  program's own account of the actor is kept.
* ``dh_stamp(columns…)``: a trigger that overwrites those columns with ``dh_actor()``.
* ``dh_refuse_change()``: the audit trail's trigger refusing UPDATE, DELETE, TRUNCATE.
* ``dh_my_place()``, ``dh_whoami()``: the caller's council, and who the caller is.
* ``dh_user_add``, ``dh_user_disable``, ``dh_user_enable``: people management for the
  admin group role.

The acting person is ``session_user``, the login the server authenticated: unlike
``current_user`` it stays the same inside these SECURITY DEFINER functions and after
``SET ROLE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

INSERT_ONLY = "the audit trail is insert-only: its rows are never changed or removed"
LOGIN_PATTERN = "^[a-z][a-z0-9_.-]{1,31}$"
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"


def create_roles(names: Iterable[str]) -> list[str]:
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
        f"CREATE ROLE {name} NOLOGIN; END IF; END $$"
        for name in names
    ]


def drop_functions() -> list[str]:
    return [
        "DROP FUNCTION IF EXISTS dh_user_add(text, text, text, text, text)",
        "DROP FUNCTION IF EXISTS dh_user_disable(text)",
        "DROP FUNCTION IF EXISTS dh_user_enable(text)",
        "DROP FUNCTION IF EXISTS dh_whoami()",
        "DROP FUNCTION IF EXISTS dh_stamp()",
        "DROP FUNCTION IF EXISTS dh_refuse_change()",
        "DROP FUNCTION IF EXISTS dh_keep_spell()",
        "DROP FUNCTION IF EXISTS dh_my_place()",
        "DROP FUNCTION IF EXISTS dh_actor()",
        "DROP FUNCTION IF EXISTS dh_is_member()",
        "DROP FUNCTION IF EXISTS dh_is_owner()",
    ]


def functions(roles: Mapping[str, str]) -> list[str]:
    groups = "ARRAY[" + ", ".join(f"'{name}'" for name in roles.values()) + "]"
    admin = roles["admin"]
    return [
        _IS_MEMBER.replace("{groups}", groups),
        _IS_OWNER,
        _ACTOR,
        _MY_PLACE,
        _WHOAMI.replace("{roles}", _role_cases(roles)),
        _STAMP,
        _REFUSE.replace("{message}", INSERT_ONLY),
        _KEEP_SPELL,
        _USER_ADD.replace("{admin}", admin)
        .replace("{pattern}", LOGIN_PATTERN)
        .replace("{group_of_role}", " ".join(f"WHEN '{r}' THEN '{n}'" for r, n in roles.items())),
        _USER_DISABLE.replace("{admin}", admin).replace("{groups}", groups),
        _USER_ENABLE.replace("{admin}", admin).replace(
            "{group_of_role}", " ".join(f"WHEN '{r}' THEN '{n}'" for r, n in roles.items())
        ),
        *[f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC" for f in _ALL_FUNCTIONS],
        *[f"GRANT EXECUTE ON FUNCTION {f} TO PUBLIC" for f in _EVERYONE],
        f"GRANT EXECUTE ON FUNCTION dh_user_add(text, text, text, text, text) TO {admin}",
        f"GRANT EXECUTE ON FUNCTION dh_user_disable(text) TO {admin}",
        f"GRANT EXECUTE ON FUNCTION dh_user_enable(text) TO {admin}",
    ]


_ALL_FUNCTIONS = (
    "dh_is_member()",
    "dh_is_owner()",
    "dh_actor()",
    "dh_my_place()",
    "dh_whoami()",
    "dh_stamp()",
    "dh_refuse_change()",
    "dh_keep_spell()",
    "dh_user_add(text, text, text, text, text)",
    "dh_user_disable(text)",
    "dh_user_enable(text)",
)
# Triggers run their functions with the rights of whoever fired them.
_EVERYONE = _ALL_FUNCTIONS[:8]


def _role_cases(roles: Mapping[str, str]) -> str:
    return " ".join(
        f"WHEN pg_has_role(session_user, '{name}', 'MEMBER') THEN '{short}'"
        for short, name in (
            ("admin", roles["admin"]),
            ("coordinator", roles["coordinator"]),
            ("social_care", roles["social_care"]),
            ("viewer", roles["viewer"]),
        )
    )


_IS_MEMBER = f"""
CREATE OR REPLACE FUNCTION dh_is_member() RETURNS boolean
LANGUAGE sql STABLE {_DEFINER} AS $$
  SELECT NOT r.rolsuper AND EXISTS (
    SELECT 1 FROM unnest({{groups}}::text[]) AS g(name)
    JOIN pg_roles gr ON gr.rolname = g.name
    WHERE pg_has_role(session_user, gr.oid, 'MEMBER'))
  FROM pg_roles r WHERE r.rolname = session_user
$$"""

_IS_OWNER = f"""
CREATE OR REPLACE FUNCTION dh_is_owner() RETURNS boolean
LANGUAGE sql STABLE {_DEFINER} AS $$
  SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_tables t WHERE t.tablename = 'person'
    AND t.schemaname = current_schema() AND pg_has_role(session_user, t.tableowner, 'MEMBER'))
  FROM pg_roles r WHERE r.rolname = session_user
$$"""

# PL/pgSQL, not SQL: the ``dh_stamp`` trigger calls this once for every row written,
# and PostgreSQL (before 18) plans a SQL function's query again at every call (about
# 0.2 ms, the most of a row's cost in a bulk write such as the ADT feed's audit rows),
# where PL/pgSQL keeps its plan for the session. Same result as the SQL form:
#   SELECT CASE WHEN p.login IS NOT NULL AND p.display_name IS NOT NULL
#     THEN p.display_name || ' (' || p.login || ')'
#     WHEN p.login IS NOT NULL OR dh_is_member() THEN session_user::text END
#   FROM (SELECT 1) AS one LEFT JOIN person p ON p.login = session_user AND p.active
_ACTOR = f"""
CREATE OR REPLACE FUNCTION dh_actor() RETURNS text
LANGUAGE plpgsql STABLE {_DEFINER} AS $$
DECLARE
  who_login text;
  who_name text;
BEGIN
  SELECT p.login, p.display_name INTO who_login, who_name
    FROM person p WHERE p.login = session_user AND p.active;
  IF who_login IS NOT NULL AND who_name IS NOT NULL THEN
    RETURN who_name || ' (' || who_login || ')';
  ELSIF who_login IS NOT NULL OR dh_is_member() THEN
    RETURN session_user::text;
  END IF;
  RETURN NULL;
END
$$"""

_MY_PLACE = f"""
CREATE OR REPLACE FUNCTION dh_my_place() RETURNS text
LANGUAGE sql STABLE {_DEFINER} AS $$
  SELECT place_code FROM person WHERE login = session_user AND active
$$"""

_WHOAMI = f"""
CREATE OR REPLACE FUNCTION dh_whoami(
  OUT login text, OUT display_name text, OUT role text, OUT place_code text,
  OUT actor text, OUT owner boolean)
LANGUAGE sql STABLE {_DEFINER} AS $$
  SELECT session_user::text, p.display_name,
    CASE WHEN r.rolsuper THEN NULL {{roles}} END,
    p.place_code, dh_actor(),
    r.rolsuper OR EXISTS (SELECT 1 FROM pg_tables t WHERE t.tablename = 'alembic_version'
      AND t.schemaname = current_schema()
      AND pg_has_role(session_user, t.tableowner, 'MEMBER'))
  FROM pg_roles r LEFT JOIN person p ON p.login = r.rolname AND p.active
  WHERE r.rolname = session_user
$$"""

_STAMP = """
CREATE OR REPLACE FUNCTION dh_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  who text := dh_actor();
  new_row jsonb;
  old_row jsonb;
  patch jsonb := '{}';
  col text;
BEGIN
  -- Not when the write is one of our triggers' (the spell's board summaries, kept when
  -- a placement or barrier changes): that is no one's edit of the row.
  IF who IS NULL OR pg_trigger_depth() > 1 THEN
    RETURN NEW;
  END IF;
  new_row := to_jsonb(NEW);
  IF TG_OP = 'UPDATE' THEN
    old_row := to_jsonb(OLD);
  END IF;
  FOREACH col IN ARRAY TG_ARGV LOOP
    IF TG_OP = 'INSERT' THEN
      IF new_row ->> col IS NOT NULL THEN
        patch := patch || jsonb_build_object(col, who);
      END IF;
    ELSIF col = 'created_by' THEN
      patch := patch || jsonb_build_object(col, old_row -> col);
    ELSIF col = 'updated_by' OR (new_row ->> col IS NOT NULL
        AND new_row -> col IS DISTINCT FROM old_row -> col) THEN
      patch := patch || jsonb_build_object(col, who);
    END IF;
  END LOOP;
  IF patch <> '{}' THEN
    NEW := jsonb_populate_record(NEW, patch);
  END IF;
  RETURN NEW;
END
$$"""

_REFUSE = """
CREATE OR REPLACE FUNCTION dh_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
END
$$"""

_KEEP_SPELL = """
CREATE OR REPLACE FUNCTION dh_keep_spell() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.spell_id IS DISTINCT FROM OLD.spell_id THEN
    RAISE EXCEPTION 'a % never moves to another spell', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$"""

_USER_ADD = f"""
CREATE OR REPLACE FUNCTION dh_user_add(
  p_login text, p_role text, p_place text, p_name text, p_verifier text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $$
DECLARE
  grp text;
BEGIN
  IF NOT (pg_has_role(session_user, '{{admin}}', 'MEMBER') OR dh_is_owner()) THEN
    RAISE EXCEPTION 'only the admin group may add people'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_login !~ '{{pattern}}' THEN
    RAISE EXCEPTION 'login %: use 2 to 32 lower-case letters, digits, dot, dash or _, '
      'starting with a letter', p_login
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  grp := CASE p_role {{group_of_role}} END;
  IF grp IS NULL THEN
    RAISE EXCEPTION 'role %: must be coordinator, social_care, viewer or admin', p_role
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (p_role = 'social_care') <> (p_place IS NOT NULL) THEN
    RAISE EXCEPTION 'place: a social care login needs its council (--place), other roles none'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
    RAISE EXCEPTION 'login %: a database login of that name already exists', p_login
      USING ERRCODE = 'duplicate_object';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN', p_login);
  IF p_verifier IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
  END IF;
  EXECUTE format('GRANT %I TO %I', grp, p_login);
  DELETE FROM person WHERE login = p_login AND NOT active;
  INSERT INTO person (login, display_name, role, place_code, active, created_at, created_by)
  VALUES (p_login, p_name, p_role, p_place, true, now() AT TIME ZONE 'UTC',
          coalesce(dh_actor(), session_user::text));
  INSERT INTO audit_entry (at, actor, action, entity, field, old_value, new_value)
  SELECT now() AT TIME ZONE 'UTC', coalesce(dh_actor(), session_user::text), 'insert',
         'person', f, NULL, v
  FROM (VALUES ('login', p_login), ('role', p_role), ('place_code', p_place),
               ('display_name', p_name)) AS x(f, v) WHERE v IS NOT NULL;
END
$$"""

_USER_DISABLE = f"""
CREATE OR REPLACE FUNCTION dh_user_disable(p_login text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $$
DECLARE
  grp text;
BEGIN
  IF NOT (pg_has_role(session_user, '{{admin}}', 'MEMBER') OR dh_is_owner()) THEN
    RAISE EXCEPTION 'only the admin group may disable people'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_login = session_user THEN
    RAISE EXCEPTION 'login %: you cannot disable your own login', p_login
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT FROM person WHERE login = p_login AND active) THEN
    RAISE EXCEPTION 'login %: no active Discharge Hub person of that name', p_login
      USING ERRCODE = 'undefined_object';
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
  FOREACH grp IN ARRAY {{groups}}::text[] LOOP
    IF pg_has_role(p_login, grp, 'MEMBER') THEN
      EXECUTE format('REVOKE %I FROM %I', grp, p_login);
    END IF;
  END LOOP;
  UPDATE person SET active = false, disabled_at = now() AT TIME ZONE 'UTC',
    disabled_by = coalesce(dh_actor(), session_user::text)
  WHERE login = p_login;
  INSERT INTO audit_entry (at, actor, action, entity, field, old_value, new_value)
  VALUES (now() AT TIME ZONE 'UTC', coalesce(dh_actor(), session_user::text), 'update',
          'person', 'active', p_login || ': active', p_login || ': disabled');
END
$$"""

_USER_ENABLE = f"""
CREATE OR REPLACE FUNCTION dh_user_enable(p_login text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $$
DECLARE
  who person%ROWTYPE;
  grp text;
BEGIN
  IF NOT (pg_has_role(session_user, '{{admin}}', 'MEMBER') OR dh_is_owner()) THEN
    RAISE EXCEPTION 'only the admin group may enable people'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO who FROM person WHERE login = p_login;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'login %: no Discharge Hub person of that name', p_login
      USING ERRCODE = 'undefined_object';
  END IF;
  IF who.active THEN
    RAISE EXCEPTION 'login %: already active', p_login
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
    RAISE EXCEPTION 'login %: its database login was removed; add the person again', p_login
      USING ERRCODE = 'undefined_object';
  END IF;
  grp := CASE who.role {{group_of_role}} END;
  EXECUTE format('ALTER ROLE %I LOGIN', p_login);
  EXECUTE format('GRANT %I TO %I', grp, p_login);
  UPDATE person SET active = true, disabled_at = NULL, disabled_by = NULL
  WHERE login = p_login;
  INSERT INTO audit_entry (at, actor, action, entity, field, old_value, new_value)
  VALUES (now() AT TIME ZONE 'UTC', coalesce(dh_actor(), session_user::text), 'update',
          'person', 'active', p_login || ': disabled', p_login || ': active');
END
$$"""
