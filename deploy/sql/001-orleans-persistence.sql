-- Relay: grain state storage for Orleans' ADO.NET persistence provider on PostgreSQL.
--
-- Written for Microsoft.Orleans.Persistence.AdoNet 10.4.2 with invariant "Npgsql". The provider does not
-- know any table: at silo start it runs
--     SELECT QueryKey, QueryText FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey',
--         'ReadFromStorageKey', 'ClearStorageKey', 'DeleteStorageKey')
-- and from then on executes those query texts with named parameters. The first three keys are required
-- (start-up fails without them); DeleteStorageKey is needed only when DeleteStateOnClear = true, and we
-- ship it so either setting works.
--
-- Parameters the provider binds (ADO.NET DbType in brackets; Npgsql sends them typed):
--   @GrainIdHash [Int32]            hash of the grain key (and extension); an index helper, not unique
--   @GrainIdN0, @GrainIdN1 [Int64]  the two halves of a Guid key, or 0 and the integer key, or 0 and 0
--   @GrainIdExtensionString [String] the key extension, or the whole key of a string-keyed grain; NULL
--                                   for a plain Guid or integer key
--   @GrainTypeHash [Int32]          hash of @GrainTypeString
--   @GrainTypeString [String]       the grain type name
--   @ServiceId [String]             ClusterOptions.ServiceId: one database can serve several services
--   @GrainStateVersion [Int32]      the grain's ETag as an integer, NULL when the grain holds no version
--   @PayloadBinary [Binary]         (write only) the state as serialized by IGrainStorageSerializer
--
-- What the provider reads back, and how it decides that a write was stale:
--   read   zero or one row with columns "PayloadBinary" (bytea, NULL = no state) and "Version" (int).
--   write  exactly one row, column "NewGrainStateVersion": the new version, or NULL on a conflict.
--   clear / delete  exactly one row, first column: a version different from the one passed, or NULL on
--          a conflict.
-- The provider raises InconsistentStateException when the returned value is NULL, or equals the version
-- it sent. It does NOT raise when no row at all comes back and it sent no version, which is why every
-- write-side query here returns exactly one row, with NULL for "your version is stale".
--
-- Safe to apply any number of times, by several silos at once: everything is "if not exists",
-- "create or replace" or an upsert, inside one transaction serialised by an advisory lock. Changing a
-- function's signature or return type needs a new numbered script that drops the old one first.

begin;

-- Two silos starting together would otherwise race on "create table if not exists" (it is not atomic
-- against a concurrent creator). The number is arbitrary and only has to stay the same.
do $$ begin perform pg_advisory_xact_lock(7366736101); end $$;

-- The provider's catalogue of query texts. Unquoted names: the provider's own select is unquoted, so
-- PostgreSQL folds both to lower case.
create table if not exists orleansquery
(
    querykey  varchar(64) not null primary key,
    querytext text        not null
);

-- One row per grain state. A row whose payload is NULL is a cleared state: it keeps its version so that
-- an activation holding the ETag from before the clear still gets a conflict instead of overwriting.
create table if not exists grain_state
(
    service_id         text        not null,
    grain_type_hash    integer     not null,
    grain_type         text        not null,
    grain_id_hash      integer     not null,
    grain_id_n0        bigint      not null,
    grain_id_n1        bigint      not null,
    grain_id_extension text        null,
    payload            bytea       null,
    version            integer     not null,
    modified_on        timestamptz not null default now(),
    -- The hashes are 32 bits and collide, so the identity is the full natural key. They lead the index
    -- because they are what makes a lookup narrow. NULLS NOT DISTINCT (PostgreSQL 15+) makes a NULL
    -- extension one value, so a second "first write" of the same grain conflicts instead of inserting a
    -- duplicate.
    constraint grain_state_natural_key unique nulls not distinct
        (grain_id_hash, grain_type_hash, service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- The next version after v. Wraps to 1 instead of overflowing an int after 2^31 - 1 writes: an ETag only
-- has to differ from the current one, and a long-lived account grain may well write that often.
create or replace function relay_grain_state_next_version(v integer)
    returns integer
    language sql
    immutable
as $$
    select case when v >= 2147483647 then 1 else v + 1 end
$$;

create or replace function relay_grain_state_read(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
    p_grain_type_hash integer, p_grain_type text, p_grain_id_extension text, p_service_id text)
    returns table (state_payload bytea, state_version integer)
    language sql
    stable
as $$
    select s.payload, s.version
    from grain_state s
    where s.grain_id_hash = p_grain_id_hash
      and s.grain_type_hash = p_grain_type_hash
      and s.service_id = p_service_id
      and s.grain_type = p_grain_type
      and s.grain_id_n0 = p_grain_id_n0
      and s.grain_id_n1 = p_grain_id_n1
      and s.grain_id_extension is not distinct from p_grain_id_extension
$$;

-- Optimistic concurrency in one statement each way, so it holds under READ COMMITTED:
--   no expected version: insert version 1; if the row already exists (another activation wrote first,
--     or the grain lost its ETag) nothing is inserted and the answer is NULL;
--   an expected version: update only the row still at that version. A concurrent writer holding the same
--     version blocks on the row lock, then re-checks the version, finds it moved, updates nothing: NULL.
create or replace function relay_grain_state_write(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
    p_grain_type_hash integer, p_grain_type text, p_grain_id_extension text, p_service_id text,
    p_expected_version integer, p_payload bytea)
    returns integer
    language plpgsql
as $$
declare
    new_version integer;
begin
    if p_expected_version is null then
        insert into grain_state as s
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_id_extension, payload, version)
        values
            (p_service_id, p_grain_type_hash, p_grain_type, p_grain_id_hash, p_grain_id_n0, p_grain_id_n1,
             p_grain_id_extension, p_payload, 1)
        on conflict on constraint grain_state_natural_key do nothing
        returning s.version into new_version;
    else
        update grain_state s
        set payload = p_payload,
            version = relay_grain_state_next_version(s.version),
            modified_on = now()
        where s.grain_id_hash = p_grain_id_hash
          and s.grain_type_hash = p_grain_type_hash
          and s.service_id = p_service_id
          and s.grain_type = p_grain_type
          and s.grain_id_n0 = p_grain_id_n0
          and s.grain_id_n1 = p_grain_id_n1
          and s.grain_id_extension is not distinct from p_grain_id_extension
          and s.version = p_expected_version
        returning s.version into new_version;
    end if;
    return new_version;
end;
$$;

-- Clear keeps the row, drops the payload and moves the version on (see grain_state above). The provider
-- only calls it with a version: a grain that has never read a row returns early without a query.
create or replace function relay_grain_state_clear(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
    p_grain_type_hash integer, p_grain_type text, p_grain_id_extension text, p_service_id text,
    p_expected_version integer)
    returns integer
    language sql
as $$
    with cleared as (
        update grain_state s
        set payload = null,
            version = relay_grain_state_next_version(s.version),
            modified_on = now()
        where s.grain_id_hash = p_grain_id_hash
          and s.grain_type_hash = p_grain_type_hash
          and s.service_id = p_service_id
          and s.grain_type = p_grain_type
          and s.grain_id_n0 = p_grain_id_n0
          and s.grain_id_n1 = p_grain_id_n1
          and s.grain_id_extension is not distinct from p_grain_id_extension
          and s.version = p_expected_version
        returning s.version
    )
    select (select version from cleared)
$$;

-- Delete (DeleteStateOnClear = true) removes the row. The provider wants a value different from the
-- version it sent as proof of success, so we answer with the version the row would have had next. It
-- then forgets the ETag, and the grain's next write inserts version 1 again. Relay keeps the default
-- (clear, not delete) because a deleted row loses the version that fences off stale activations.
create or replace function relay_grain_state_delete(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
    p_grain_type_hash integer, p_grain_type text, p_grain_id_extension text, p_service_id text,
    p_expected_version integer)
    returns integer
    language sql
as $$
    with deleted as (
        delete from grain_state s
        where s.grain_id_hash = p_grain_id_hash
          and s.grain_type_hash = p_grain_type_hash
          and s.service_id = p_service_id
          and s.grain_type = p_grain_type
          and s.grain_id_n0 = p_grain_id_n0
          and s.grain_id_n1 = p_grain_id_n1
          and s.grain_id_extension is not distinct from p_grain_id_extension
          and s.version = p_expected_version
        returning s.version
    )
    select (select relay_grain_state_next_version(version) from deleted)
$$;

-- The query texts the provider loads. They only adapt Orleans' parameter and column names to the
-- functions above, so the logic is versioned with this script and replaced by re-applying it.
insert into orleansquery (querykey, querytext)
values
    ('ReadFromStorageKey',
     'select state_payload as "PayloadBinary", state_version as "Version"
      from relay_grain_state_read(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                  @GrainIdExtensionString, @ServiceId)'),
    ('WriteToStorageKey',
     'select relay_grain_state_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                     @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
             as "NewGrainStateVersion"'),
    ('ClearStorageKey',
     'select relay_grain_state_clear(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                     @GrainIdExtensionString, @ServiceId, @GrainStateVersion)
             as "NewGrainStateVersion"'),
    ('DeleteStorageKey',
     'select relay_grain_state_delete(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                      @GrainIdExtensionString, @ServiceId, @GrainStateVersion)
             as "NewGrainStateVersion"')
on conflict (querykey) do update
    set querytext = excluded.querytext;

commit;
