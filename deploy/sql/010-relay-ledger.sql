-- Relay's ledger: every credit and debit of every account, append-only.
-- Safe to apply twice.
--
-- The account grain is the only writer of an account's rows. It gives each entry the next sequence
-- number of its account and the balance after it, so the newest row of an account IS its balance, and
-- balance = sum(delta) over the account's rows at any moment. An entry id is the caller's idempotency
-- key: (account_id, entry_id) is unique, so a retried posting inserts nothing. (account_id, seq) is the
-- primary key, so two activations of one account that disagree (a split brain) cannot both write.

create table if not exists relay_ledger (
    account_id            text        not null,
    seq                   bigint      not null,
    entry_id              text        not null,
    kind                  smallint    not null,
    delta_nanos           bigint      not null,
    balance_after_nanos   bigint      not null,
    at                    timestamptz not null,
    reference             text        not null default '',
    -- Usage of a settled call; null on other kinds.
    model                 text,
    channel               text,
    input_tokens          bigint,
    output_tokens         bigint,
    cache_read_tokens     bigint,
    cache_write_5m_tokens bigint,
    cache_write_1h_tokens bigint,
    reasoning_tokens      bigint,
    cost_nanos            bigint,
    estimated             boolean,
    upstream_id           text,
    constraint relay_ledger_pk primary key (account_id, seq),
    constraint relay_ledger_entry_once unique (account_id, entry_id),
    constraint relay_ledger_delta_nonzero check (delta_nanos <> 0),
    constraint relay_ledger_seq_positive check (seq > 0)
);

-- Usage queries page by time per account.
create index if not exists relay_ledger_account_at on relay_ledger (account_id, at);

-- Append-only: the ledger is corrected by new entries, never by edits.
create or replace function relay_ledger_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'relay_ledger is append-only (% refused)', tg_op;
end;
$$;

drop trigger if exists relay_ledger_append_only on relay_ledger;
create trigger relay_ledger_append_only
    before update or delete on relay_ledger
    for each row execute function relay_ledger_refuse_change();
