-- Reservations of calls in flight: one row per admitted call until it is settled or expires.
-- Safe to apply twice.
--
-- The account grain writes a row when it admits a call and deletes it in the same transaction that books
-- the call's charge (or releases a call that cost nothing), so the table holds only the calls in flight.
-- A grain activated after a crash reads its rows back: each is settled later, or expires into its charge.
-- Rows and ledger entries of one account are committed together in batches (group commit), so neither
-- admission nor settlement costs a commit of its own when an account is busy.

create table if not exists relay_reservations (
    account_id   text        not null,
    call_id      text        not null,
    amount_nanos bigint      not null,
    device       text        not null,
    opened_at    timestamptz not null,
    -- Set once the call's upstream has answered: only a started call's reservation is charged if it expires.
    started      boolean     not null default false,
    constraint relay_reservations_pk primary key (account_id, call_id),
    constraint relay_reservations_amount_not_negative check (amount_nanos >= 0)
);

alter table relay_reservations add column if not exists started boolean not null default false;
