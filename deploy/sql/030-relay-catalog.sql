-- The catalog held by the cluster: models, prices and upstream channels, one row per Orleans service id and catalog grain key, written
-- only by the catalog grain; every change also writes its audit row, in the same transaction. And the ASP.NET Core
-- Data Protection key ring that encrypts the channels' upstream keys. Safe to apply twice.

create table if not exists relay_catalog (
    service_id text        not null,
    catalog    text        not null,
    version    bigint      not null,
    -- Models and channels as JSON; each channel's upstream key only as Data Protection ciphertext.
    document   jsonb       not null,
    updated_at timestamptz not null,
    constraint relay_catalog_pk primary key (service_id, catalog),
    constraint relay_catalog_version_positive check (version > 0)
);

-- One row per change (the catalog version it produced): who, when, and the model or channel before and after,
-- with keys replaced by their fingerprints. Append-only.
create table if not exists relay_catalog_audit (
    service_id text        not null,
    catalog    text        not null,
    version    bigint      not null,
    at         timestamptz not null,
    actor      text        not null,
    action     text        not null,
    subject    text        not null,
    before     jsonb,
    after      jsonb,
    constraint relay_catalog_audit_pk primary key (service_id, catalog, version)
);

-- The Data Protection key ring (XML elements as Data Protection writes them), shared by every silo.
create table if not exists relay_data_protection_keys (
    friendly_name text        not null,
    xml           text        not null,
    created_at    timestamptz not null default now(),
    constraint relay_data_protection_keys_pk primary key (friendly_name)
);
