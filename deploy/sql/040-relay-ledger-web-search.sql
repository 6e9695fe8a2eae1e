-- Web searches a settled call ran upstream, each charged per search in cost_nanos beside the tokens
-- (docs/configuration.md, "Billable features"); null on other kinds and on calls booked before it existed.
-- Safe to apply twice.

alter table relay_ledger add column if not exists web_search_requests bigint;
