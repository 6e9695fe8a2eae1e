using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;
using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Accounts;

[Collection(SharedSilo.Name)]
public sealed class AccountGrainTests(InProcessSilo silo)
{
    private static readonly Usd Dollar = Usd.FromDecimal(1m);

    [Fact]
    public async Task Crediting_the_same_top_up_id_twice_credits_once()
    {
        var account = await OpenAsync();
        var topUp = new LedgerPosting("topup-1", LedgerEntryKind.TopUp, Usd.FromDecimal(5m), "alipay 2026112722001");

        var first = await account.PostAsync(topUp);
        var second = await account.PostAsync(topUp);

        Assert.Equal(PostingOutcome.Booked, first.Outcome);
        Assert.Equal(PostingOutcome.AlreadyBooked, second.Outcome);
        Assert.Equal(first.Entry, second.Entry);
        Assert.Equal(Usd.FromDecimal(5m), (await account.GetAsync()).Balance);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 1);
    }

    [Fact]
    public async Task Settling_the_same_call_twice_charges_once()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(2m));
        Assert.True((await account.AdmitAsync(new AdmissionRequest("call-1", "laptop", Usd.FromDecimal(0.10m)))).Admitted);
        var settlement = new Settlement("call-1", Usage(Usd.FromDecimal(0.0375m)));

        var first = await account.SettleAsync(settlement);
        var second = await account.SettleAsync(settlement);

        Assert.Equal(PostingOutcome.Booked, first.Outcome);
        Assert.Equal(PostingOutcome.AlreadyBooked, second.Outcome);
        Assert.Equal(first.Entry, second.Entry);
        var view = await account.GetAsync();
        Assert.Equal(Usd.FromDecimal(1.9625m), view.Balance);
        Assert.Equal(Usd.Zero, view.Reserved);
        Assert.Equal(0, view.OpenReservations);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 2);
    }

    [Fact]
    public async Task A_settled_call_records_its_usage_with_its_charge()
    {
        var account = await OpenWithAsync(Dollar);
        await account.AdmitAsync(new AdmissionRequest("call-u", "laptop", Usd.FromDecimal(0.01m)));
        var usage = new UsageRecord("claude-sonnet-4-6", "anthropic-main", new TokenUsage(100, 20, 3, 4, 5, 6),
            Usd.FromDecimal(0.000612m), Estimated: true, UpstreamId: "msg_01");

        await account.SettleAsync(new Settlement("call-u", usage));

        var entry = Assert.Single(await account.GetLedgerAsync(null, 1));
        Assert.Equal(LedgerEntryKind.UsageCharge, entry.Kind);
        Assert.Equal(-Usd.FromDecimal(0.000612m), entry.Delta);
        Assert.Equal(usage, entry.Usage);
    }

    [Fact]
    public async Task A_call_that_cost_nothing_releases_its_reservation_and_books_nothing()
    {
        var account = await OpenWithAsync(Dollar);
        await account.AdmitAsync(new AdmissionRequest("call-0", "laptop", Usd.FromDecimal(0.5m)));

        var result = await account.SettleAsync(new Settlement("call-0", Usage(Usd.Zero)));

        Assert.Equal(PostingOutcome.Released, result.Outcome);
        var view = await account.GetAsync();
        Assert.Equal(Dollar, view.Balance);
        Assert.Equal(Usd.Zero, view.Reserved);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 1);
    }

    [Fact]
    public async Task An_admission_overtaken_by_its_release_reserves_nothing_and_can_never_expire_into_a_charge()
    {
        // The edge lost the admission's answer and released the call; the admission itself arrives afterwards.
        var account = await OpenWithAsync(Dollar);
        var release = await account.SettleAsync(new Settlement("late", Usage(Usd.Zero)));

        var admission = await account.AdmitAsync(new AdmissionRequest("late", "laptop", Usd.FromDecimal(0.3m)));

        Assert.Equal(PostingOutcome.Released, release.Outcome);
        Assert.Equal(AdmissionOutcome.AlreadyReleased, admission.Outcome);
        var view = await account.GetAsync();
        Assert.Equal(0, view.OpenReservations);
        Assert.Equal(0, await ReservationRowsAsync(account));
        silo.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True((await account.AdmitAsync(new AdmissionRequest("next", "laptop", Usd.Zero))).Admitted);
        Assert.Equal(Dollar, (await account.GetAsync()).Balance);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 1);
    }

    [Fact]
    public async Task Concurrent_admissions_overdraw_by_less_than_one_reservation_and_the_ledger_sums_to_the_balance()
    {
        // A balance that covers ten and a half calls; 200 calls arrive at once.
        var cost = Usd.FromDecimal(0.10m);
        var account = await OpenWithAsync(Usd.FromDecimal(1.05m));

        var admissions = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            account.AdmitAsync(new AdmissionRequest($"c{i}", "laptop", cost))));
        var admitted = Enumerable.Range(0, 200).Where(i => admissions[i].Admitted).ToList();

        // Admitted while anything was available: ceil(1.05 / 0.10) = 11 calls, no more.
        Assert.Equal(11, admitted.Count);
        Assert.All(admissions.Where(a => !a.Admitted), a => Assert.Equal(AdmissionOutcome.InsufficientBalance, a.Outcome));

        await Task.WhenAll(admitted.Select(i => account.SettleAsync(new Settlement($"c{i}", Usage(cost)))));

        var view = await account.GetAsync();
        Assert.Equal(Usd.FromDecimal(-0.05m), view.Balance);
        Assert.True(-view.Balance < cost, "the overdraft stays below one reservation");
        Assert.Equal(Usd.Zero, view.Reserved);
        Assert.Equal(AdmissionOutcome.InsufficientBalance, (await account.AdmitAsync(new AdmissionRequest("late", "laptop", cost))).Outcome);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 12);
    }

    [Fact]
    public async Task Settlements_arriving_together_share_commits_and_each_is_booked_once_in_sequence()
    {
        var meters = silo.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var commits = new MetricCollector<int>(meters, AccountMetrics.MeterName, "relay.ledger.commit.size");
        var account = await OpenWithAsync(Usd.FromDecimal(10m));
        var calls = Enumerable.Range(0, 100).Select(i => $"g{i}").ToList();
        await Task.WhenAll(calls.Select(c => AdmitDurablyAsync(account, c, Usd.FromDecimal(0.01m))));
        Assert.Equal(100, await ReservationRowsAsync(account));
        commits.Clear();

        var results = await Task.WhenAll(calls.Select(c => account.SettleAsync(new Settlement(c, Usage(Usd.FromDecimal(0.002m))))));

        Assert.All(results, r => Assert.Equal(PostingOutcome.Booked, r.Outcome));
        Assert.Equal(Enumerable.Range(2, 100).Select(i => (long)i), results.Select(r => r.Entry!.Sequence).Order());
        var sizes = commits.GetMeasurementSnapshot().Select(m => m.Value).ToList();
        Assert.Equal(100, sizes.Sum());
        Assert.True(sizes.Count < 100, $"100 settlements took {sizes.Count} commits");
        var view = await account.GetAsync();
        Assert.Equal(Usd.FromDecimal(9.8m), view.Balance);
        Assert.Equal(Usd.Zero, view.Reserved);
        Assert.Equal(0, await ReservationRowsAsync(account));
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 101);
    }

    [Fact]
    public async Task Settlements_of_many_accounts_arriving_together_share_transactions_and_each_is_booked_once()
    {
        var meters = silo.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var transactions = new MetricCollector<int>(meters, AccountMetrics.MeterName, "relay.ledger.transaction.accounts");
        var accounts = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => OpenWithAsync(Dollar)));
        await Task.WhenAll(accounts.Select(a => AdmitDurablyAsync(a, "one", Usd.FromDecimal(0.01m))));
        transactions.Clear();

        var results = await Task.WhenAll(accounts.Select(a => a.SettleAsync(new Settlement("one", Usage(Usd.FromDecimal(0.004m))))));

        Assert.All(results, r => Assert.Equal(PostingOutcome.Booked, r.Outcome));
        var together = transactions.GetMeasurementSnapshot().Select(m => m.Value).ToList();
        Assert.Equal(50, together.Sum());
        Assert.True(together.Count < 50, $"50 accounts' settlements took {together.Count} transactions");
        foreach (var account in accounts)
        {
            Assert.Equal(Usd.FromDecimal(0.996m), (await account.GetAsync()).Balance);
            await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 2);
        }
    }

    [Fact]
    public async Task A_repeated_settlement_committed_beside_new_ones_charges_once_and_the_others_are_booked()
    {
        var account = await OpenWithAsync(Dollar);
        await SettleCallAsync(account, "old", "laptop", Usd.FromDecimal(0.05m));
        var calls = Enumerable.Range(0, 20).Select(i => $"n{i}").ToList();
        foreach (var call in calls)
        {
            await account.AdmitAsync(new AdmissionRequest(call, "laptop", Usd.FromDecimal(0.01m)));
        }

        var results = await Task.WhenAll(
            calls.Select(c => account.SettleAsync(new Settlement(c, Usage(Usd.FromDecimal(0.01m)))))
                .Prepend(account.SettleAsync(new Settlement("old", Usage(Usd.FromDecimal(0.05m)))))
                .Append(account.SettleAsync(new Settlement("n0", Usage(Usd.FromDecimal(0.01m))))));

        Assert.Equal(PostingOutcome.AlreadyBooked, results[0].Outcome);
        Assert.Equal(2, results[0].Entry!.Sequence);
        Assert.Equal(20, results.Count(r => r.Outcome == PostingOutcome.Booked));
        Assert.Equal([PostingOutcome.Booked, PostingOutcome.AlreadyBooked], new[] { results[1].Outcome, results[^1].Outcome }.Order());
        Assert.Equal(results[1].Entry, results[^1].Entry);
        Assert.Equal(Usd.FromDecimal(0.75m), (await account.GetAsync()).Balance);
        Assert.Equal(0, await ReservationRowsAsync(account));
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 22);
    }

    [Fact]
    public async Task An_admitted_call_holds_one_stored_reservation_until_it_is_settled_or_released()
    {
        var account = await OpenWithAsync(Dollar);

        await AdmitDurablyAsync(account, "paid", Usd.FromDecimal(0.1m));
        await AdmitDurablyAsync(account, "free", Usd.FromDecimal(0.1m));
        Assert.Equal(2, await ReservationRowsAsync(account));

        await account.SettleAsync(new Settlement("paid", Usage(Usd.FromDecimal(0.02m))));
        Assert.Equal(1, await ReservationRowsAsync(account));
        await account.SettleAsync(new Settlement("free", Usage(Usd.Zero)));
        Assert.Equal(0, await ReservationRowsAsync(account));
    }

    [Fact]
    public async Task A_third_device_is_refused_while_two_are_active_and_admitted_after_one_idles_out()
    {
        var account = await OpenWithAsync(Dollar);
        await SettleCallAsync(account, "a1", "laptop");
        silo.Clock.Advance(TimeSpan.FromMinutes(4));
        await SettleCallAsync(account, "b1", "phone");
        var phoneLastActive = silo.Clock.GetUtcNow();

        silo.Clock.Advance(TimeSpan.FromMinutes(1));
        var refused = await account.AdmitAsync(new AdmissionRequest("c1", "desktop", Usd.FromDecimal(0.01m)));

        Assert.Equal(AdmissionOutcome.DeviceLimit, refused.Outcome);
        Assert.Equal(["laptop", "phone"], refused.ActiveDevices.Select(d => d.Device));
        Assert.Equal(phoneLastActive, refused.ActiveDevices[1].LastActive);

        // The laptop's last call was 10 minutes ago now: its slot is free.
        silo.Clock.Advance(TimeSpan.FromMinutes(5));
        var admitted = await account.AdmitAsync(new AdmissionRequest("c2", "desktop", Usd.FromDecimal(0.01m)));

        Assert.Equal(AdmissionOutcome.Admitted, admitted.Outcome);
        Assert.Equal(["phone", "desktop"], admitted.ActiveDevices.Select(d => d.Device));
    }

    [Fact]
    public async Task A_device_with_a_call_still_open_stays_active_past_the_idle_window()
    {
        var account = await OpenWithAsync(Dollar);
        await account.AdmitAsync(new AdmissionRequest("long", "laptop", Usd.FromDecimal(0.01m)));
        await SettleCallAsync(account, "p1", "phone");
        silo.Clock.Advance(TimeSpan.FromMinutes(11));
        await SettleCallAsync(account, "p2", "phone");

        var refused = await account.AdmitAsync(new AdmissionRequest("t1", "tablet", Usd.FromDecimal(0.01m)));

        Assert.Equal(AdmissionOutcome.DeviceLimit, refused.Outcome);
    }

    [Fact]
    public async Task Revoking_a_device_frees_its_slot_at_once()
    {
        var account = await OpenWithAsync(Dollar);
        await SettleCallAsync(account, "a", "laptop");
        await SettleCallAsync(account, "b", "phone");

        Assert.True(await account.RevokeDeviceAsync("laptop"));
        var admitted = await account.AdmitAsync(new AdmissionRequest("c", "desktop", Usd.FromDecimal(0.01m)));

        Assert.True(admitted.Admitted);
        Assert.False(await account.RevokeDeviceAsync("laptop"));
    }

    [Fact]
    public async Task An_unsettled_reservation_expires_into_one_charge_and_a_late_settlement_does_not_charge_again()
    {
        var account = await OpenWithAsync(Dollar);
        await account.AdmitAsync(new AdmissionRequest("lost", "laptop", Usd.FromDecimal(0.25m)));
        await account.MarkStartedAsync("lost");

        silo.Clock.Advance(TimeSpan.FromMinutes(31));
        var view = await account.GetAsync();
        Assert.Equal(1, view.OpenReservations);
        // Any call into the grain applies the expiry rule first.
        await account.AdmitAsync(new AdmissionRequest("next", "laptop", Usd.Zero));
        await account.SettleAsync(new Settlement("next", Usage(Usd.Zero)));
        var late = await account.SettleAsync(new Settlement("lost", Usage(Usd.FromDecimal(0.05m))));

        Assert.Equal(PostingOutcome.AlreadyBooked, late.Outcome);
        Assert.Equal(LedgerEntryKind.ReservationExpiry, late.Entry!.Kind);
        view = await account.GetAsync();
        Assert.Equal(Usd.FromDecimal(0.75m), view.Balance);
        Assert.Equal(0, view.OpenReservations);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 2);
    }

    [Fact]
    public async Task A_call_whose_upstream_never_answered_is_released_free_when_its_reservation_expires()
    {
        var account = await OpenWithAsync(Dollar);
        await account.AdmitAsync(new AdmissionRequest("edge-died-early", "laptop", Usd.FromDecimal(0.25m)));

        silo.Clock.Advance(TimeSpan.FromMinutes(31));
        await account.AdmitAsync(new AdmissionRequest("next", "laptop", Usd.Zero));
        await account.SettleAsync(new Settlement("next", Usage(Usd.Zero)));

        var view = await account.GetAsync();
        Assert.Equal(Dollar, view.Balance);
        Assert.Equal(0, view.OpenReservations);
        Assert.Equal(0, await ReservationRowsAsync(account));
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 1);
    }

    [Fact]
    public async Task Negative_zero_and_reserved_postings_are_refused_and_change_nothing()
    {
        var account = await OpenWithAsync(Dollar);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            account.PostAsync(new LedgerPosting("neg", LedgerEntryKind.TopUp, Usd.FromDecimal(-1m), "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            account.PostAsync(new LedgerPosting("zero", LedgerEntryKind.TopUp, Usd.Zero, "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            account.PostAsync(new LedgerPosting("adj0", LedgerEntryKind.AdminAdjustment, Usd.Zero, "")));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            account.PostAsync(new LedgerPosting("u", LedgerEntryKind.UsageCharge, Dollar, "")));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            account.PostAsync(new LedgerPosting("t", LedgerEntryKind.TransferOut, Dollar, "")));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            account.PostAsync(new LedgerPosting("call:x", LedgerEntryKind.TopUp, Dollar, "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            account.AdmitAsync(new AdmissionRequest("neg", "laptop", Usd.FromDecimal(-0.01m))));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            account.SettleAsync(new Settlement("neg", Usage(Usd.FromDecimal(-0.01m)))));

        Assert.Equal(Dollar, (await account.GetAsync()).Balance);
        await AssertLedgerAgreesWithBalanceAsync(account, expectedEntries: 1);
    }

    [Fact]
    public async Task A_disabled_account_admits_nothing_until_enabled_again()
    {
        var account = await OpenWithAsync(Dollar);
        await account.SetDisabledAsync(true);

        Assert.Equal(AdmissionOutcome.AccountDisabled, (await account.AdmitAsync(new AdmissionRequest("x", "laptop", Dollar))).Outcome);

        await account.SetDisabledAsync(false);
        Assert.True((await account.AdmitAsync(new AdmissionRequest("y", "laptop", Dollar))).Admitted);
    }

    [Fact]
    public async Task Refusals_money_booked_and_open_reservations_are_measured()
    {
        var meters = silo.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var refusals = new MetricCollector<long>(meters, AccountMetrics.MeterName, "relay.admission.refusals");
        using var booked = new MetricCollector<long>(meters, AccountMetrics.MeterName, "relay.ledger.booked");
        using var open = new MetricCollector<long>(meters, AccountMetrics.MeterName, "relay.reservations.open");
        var account = await OpenWithAsync(Usd.FromDecimal(0.01m));

        await account.AdmitAsync(new AdmissionRequest("m1", "laptop", Usd.FromDecimal(0.02m)));
        await account.AdmitAsync(new AdmissionRequest("m2", "laptop", Usd.FromDecimal(0.02m)));
        await account.SettleAsync(new Settlement("m1", Usage(Usd.FromDecimal(0.015m))));

        var refusal = Assert.Single(refusals.GetMeasurementSnapshot());
        Assert.Equal(1, refusal.Value);
        Assert.Equal(nameof(AdmissionOutcome.InsufficientBalance), refusal.Tags["reason"]);
        Assert.Equal([10_000_000L, 15_000_000L], booked.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal([1L, -1L], open.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task An_account_never_opened_admits_nothing_and_books_nothing()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());

        Assert.Equal(AdmissionOutcome.UnknownAccount, (await account.AdmitAsync(new AdmissionRequest("x", "laptop", Dollar))).Outcome);
        Assert.Equal(PostingOutcome.UnknownAccount, (await account.PostAsync(new LedgerPosting("t", LedgerEntryKind.TopUp, Dollar, ""))).Outcome);
    }

    [Fact]
    public async Task A_reactivated_account_reads_its_balance_back_from_the_ledger()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(3m));
        await SettleCallAsync(account, "r1", "laptop", Usd.FromDecimal(0.123456789m));

        await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var view = await account.GetAsync();
        Assert.Equal(Usd.FromDecimal(2.876543211m), view.Balance);
        Assert.Equal(2, view.LedgerSequence);
        Assert.Equal("someone@example.com", view.Email);
    }

    [Fact]
    public async Task A_reservation_outlives_its_activation_and_expires_into_one_charge_if_started_and_never_settled()
    {
        var account = await OpenWithAsync(Dollar);
        await AdmitDurablyAsync(account, "in-flight", Usd.FromDecimal(0.30m));
        await account.MarkStartedAsync("in-flight");
        await AdmitDurablyAsync(account, "never-started", Usd.FromDecimal(0.40m));
        await AdmitDurablyAsync(account, "free", Usd.FromDecimal(0.20m));
        await AdmitDurablyAsync(account, "settled", Usd.FromDecimal(0.10m));
        await account.SettleAsync(new Settlement("free", Usage(Usd.Zero)));
        await account.SettleAsync(new Settlement("settled", Usage(Usd.FromDecimal(0.05m))));

        // The silo forgets the activation (as a crash would); the reservations of the calls in flight come back,
        // each knowing whether its upstream answered.
        await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var view = await account.GetAsync();

        Assert.Equal(2, view.OpenReservations);
        Assert.Equal(Usd.FromDecimal(0.70m), view.Reserved);
        Assert.Equal(Usd.FromDecimal(0.95m), view.Balance);
        silo.Clock.Advance(TimeSpan.FromMinutes(31));
        await account.AdmitAsync(new AdmissionRequest("later", "laptop", Usd.Zero));
        view = await account.GetAsync();
        // The started call is charged its reservation; the one whose upstream never answered is released free.
        Assert.Equal(Usd.FromDecimal(0.65m), view.Balance);
        Assert.Equal(1, view.OpenReservations);
        Assert.Equal("call:in-flight", Assert.Single(await account.GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.ReservationExpiry).EntryId);
        Assert.Equal(1, await ReservationRowsAsync(account));
    }

    [Fact]
    public async Task The_stored_state_does_not_grow_with_the_calls_settled()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(100m));
        for (var i = 0; i < 5; i++)
        {
            await SettleCallAsync(account, $"s{i:D3}", "laptop");
        }
        var after5 = await StoredStateBytesAsync(account.GetPrimaryKeyString());

        for (var i = 5; i < 205; i++)
        {
            await SettleCallAsync(account, $"s{i:D3}", "laptop");
        }
        var after205 = await StoredStateBytesAsync(account.GetPrimaryKeyString());

        Assert.True(after5 > 0);
        Assert.Equal(after5, after205);
        Assert.Equal(206, (await account.GetAsync()).LedgerSequence);
    }

    [Fact]
    public async Task Usage_is_listed_by_time_and_model_and_added_up_per_day()
    {
        var account = await OpenWithAsync(Dollar);
        var day1 = silo.Clock.GetUtcNow();
        await SettleAsync(account, "u1", "claude-opus-4-6", new TokenUsage(100, 10, 1, 2, 3, 4), Usd.FromDecimal(0.01m));
        await SettleAsync(account, "u2", "gpt-5.4", new TokenUsage(200, 20), Usd.FromDecimal(0.02m));
        silo.Clock.Advance(TimeSpan.FromDays(1));
        await SettleAsync(account, "u3", "claude-opus-4-6", new TokenUsage(300, 30), Usd.FromDecimal(0.03m));
        await SettleAsync(account, "u4", "claude-opus-4-6", new TokenUsage(400, 40), Usd.FromDecimal(0.04m));

        var opus = await account.GetUsageAsync(new UsageQuery(day1.AddHours(-1), day1.AddDays(2), "claude-opus-4-6"));
        var page = await account.GetUsageAsync(new UsageQuery(day1.AddHours(-1), day1.AddDays(2), Limit: 2));
        var next = await account.GetUsageAsync(new UsageQuery(day1.AddHours(-1), day1.AddDays(2), BeforeSequence: page[^1].Sequence, Limit: 2));
        var daily = await account.GetDailyUsageAsync(day1.AddHours(-1), day1.AddDays(2));

        Assert.Equal(["call:u4", "call:u3", "call:u1"], opus.Select(e => e.EntryId));
        Assert.Equal(["call:u4", "call:u3"], page.Select(e => e.EntryId));
        Assert.Equal(["call:u2", "call:u1"], next.Select(e => e.EntryId));
        Assert.Equal(
            [
                new DailyUsage(DateOnly.FromDateTime(day1.UtcDateTime), "claude-opus-4-6", 1, new TokenUsage(100, 10, 1, 2, 3, 4), Usd.FromDecimal(0.01m)),
                new DailyUsage(DateOnly.FromDateTime(day1.UtcDateTime), "gpt-5.4", 1, new TokenUsage(200, 20), Usd.FromDecimal(0.02m)),
                new DailyUsage(DateOnly.FromDateTime(day1.UtcDateTime.AddDays(1)), "claude-opus-4-6", 2, new TokenUsage(700, 70), Usd.FromDecimal(0.07m)),
            ],
            daily);
    }

    [Fact]
    public async Task An_account_lists_its_keys_and_holds_no_more_than_the_limit()
    {
        var account = await OpenAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(await account.AddKeyAsync(new AccountKey($"k{i}", $"key {i}", silo.Clock.GetUtcNow().AddSeconds(i))));
        }

        Assert.False(await account.AddKeyAsync(new AccountKey("k20", "one too many", silo.Clock.GetUtcNow())));
        Assert.True(await account.AddKeyAsync(new AccountKey("k3", "key 3", silo.Clock.GetUtcNow())));
        var keys = await account.ListKeysAsync();
        Assert.Equal(20, keys.Count);
        Assert.Equal("k19", keys[0].KeyId);
    }

    private static async Task SettleAsync(IAccountGrain account, string callId, string model, TokenUsage tokens, Usd cost)
    {
        await account.AdmitAsync(new AdmissionRequest(callId, "laptop", cost));
        await account.SettleAsync(new Settlement(callId, new UsageRecord(model, "test", tokens, cost, Estimated: false)));
    }

    private async Task<IAccountGrain> OpenAsync()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("someone@example.com");
        return account;
    }

    private async Task<IAccountGrain> OpenWithAsync(Usd credit)
    {
        var account = await OpenAsync();
        await account.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, credit, "test credit"));
        return account;
    }

    private static async Task SettleCallAsync(IAccountGrain account, string callId, string device, Usd? cost = null)
    {
        var admission = await account.AdmitAsync(new AdmissionRequest(callId, device, Usd.FromDecimal(0.01m)));
        Assert.True(admission.Admitted, $"{callId} from {device} was refused: {admission.Outcome}");
        await account.SettleAsync(new Settlement(callId, Usage(cost ?? Usd.FromDecimal(0.001m))));
    }

    /// <summary>Admits a call and waits until its reservation is durable, as the edge does before answering.</summary>
    private static async Task AdmitDurablyAsync(IAccountGrain account, string callId, Usd estimate)
    {
        Assert.True((await account.AdmitAsync(new AdmissionRequest(callId, "laptop", estimate))).Admitted);
        Assert.True(await account.ConfirmReservationAsync(callId));
    }

    private static UsageRecord Usage(Usd cost) =>
        new("claude-sonnet-4-6", "test", new TokenUsage(10, 5), cost, Estimated: false);

    /// <summary>The ledger in PostgreSQL sums to the grain's balance, entry by entry.</summary>
    private static async Task AssertLedgerAgreesWithBalanceAsync(IAccountGrain account, int expectedEntries)
    {
        var view = await account.GetAsync();
        var entries = await account.GetLedgerAsync(null, 1000);
        Assert.Equal(expectedEntries, entries.Count);
        Assert.Equal(view.Balance, entries.Aggregate(Usd.Zero, (sum, e) => sum + e.Delta));
        var running = Usd.Zero;
        foreach (var entry in entries.OrderBy(e => e.Sequence))
        {
            running += entry.Delta;
            Assert.Equal(running, entry.BalanceAfter);
        }
    }

    private static async Task<long> ReservationRowsAsync(IAccountGrain account)
    {
        await using var db = NpgsqlDataSource.Create(TestServices.Postgres);
        await using var command = db.CreateCommand("select count(*) from relay_reservations where account_id = $1");
        command.Parameters.AddWithValue(account.GetPrimaryKeyString());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> StoredStateBytesAsync(string accountId)
    {
        await using var db = NpgsqlDataSource.Create(TestServices.Postgres);
        await using var command = db.CreateCommand(
            "select length(payload) from grain_state where grain_id_extension = $1 and service_id = 'relay-tests' and grain_type like '%account%'");
        command.Parameters.AddWithValue(accountId);
        var bytes = await command.ExecuteScalarAsync();
        Assert.NotNull(bytes);
        return Convert.ToInt64(bytes, System.Globalization.CultureInfo.InvariantCulture);
    }
}
