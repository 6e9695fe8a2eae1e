using Relay.Accounts;
using Relay.Identity;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Accounts;

[Collection(SharedSilo.Name)]
public sealed class SignUpAndTransferTests(InProcessSilo silo)
{
    [Fact]
    public async Task Signing_up_credits_fifty_cents_and_an_invite_code_fifty_more()
    {
        var inviter = await SignUpAsync(null);
        var inviterView = await inviter.GetAsync();
        var invitee = await SignUpAsync(inviterView.InviteCode);

        var view = await invitee.GetAsync();
        Assert.Equal(Usd.FromDecimal(0.50m), inviterView.Balance);
        Assert.Equal(Usd.FromDecimal(1.00m), view.Balance);
        Assert.Equal(inviter.GetPrimaryKeyString(), view.InvitedBy);
        Assert.Matches("^[A-HJ-NP-Z2-9]{8}$", view.InviteCode);
        Assert.NotEqual(inviterView.InviteCode, view.InviteCode);
        Assert.Equal([LedgerEntryKind.InviteBonus, LedgerEntryKind.SignUpBonus], (await invitee.GetLedgerAsync(null, 10)).Select(e => e.Kind));
    }

    [Fact]
    public async Task Signing_up_twice_books_the_bonuses_once()
    {
        var inviterCode = (await (await SignUpAsync(null)).GetAsync()).InviteCode;
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());

        await account.SignUpAsync("twice@example.com", inviterCode);
        await account.SignUpAsync("twice@example.com", inviterCode);

        Assert.Equal(Usd.FromDecimal(1.00m), (await account.GetAsync()).Balance);
        Assert.Equal(2, (await account.GetLedgerAsync(null, 10)).Count);
    }

    [Fact]
    public async Task An_unknown_invite_code_refuses_the_sign_up_and_opens_nothing()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());

        await Assert.ThrowsAsync<ArgumentException>(() => account.SignUpAsync("x@example.com", "NOSUCH22"));

        Assert.Null((await account.GetAsync()).CreatedAt);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task The_inviter_earns_five_percent_of_the_first_top_up_once_even_when_first_top_ups_race()
    {
        var inviter = await SignUpAsync(null);
        var invitee = await SignUpAsync((await inviter.GetAsync()).InviteCode);

        // Ten top-ups arrive at once; whichever is booked first is "the first".
        var amounts = Enumerable.Range(1, 10).Select(i => Usd.FromDecimal(i * 1.10m)).ToList();
        await Task.WhenAll(amounts.Select((amount, i) =>
            invitee.PostAsync(new LedgerPosting($"topup-{i}", LedgerEntryKind.TopUp, amount, "alipay"))));

        var first = (await invitee.GetLedgerAsync(null, 100)).Where(e => e.Kind == LedgerEntryKind.TopUp).MinBy(e => e.Sequence)!;
        var rewards = (await inviter.GetLedgerAsync(null, 100)).Where(e => e.Kind == LedgerEntryKind.ReferralReward).ToList();
        var reward = Assert.Single(rewards);
        Assert.Equal(new Usd(first.Delta.Nanos / 20), reward.Delta);
        Assert.Equal(Usd.FromDecimal(0.50m) + reward.Delta, (await inviter.GetAsync()).Balance);
        Assert.True((await invitee.GetAsync()).ReferralRewardPaid);
    }

    [Fact]
    public async Task A_transfer_moves_money_once_on_both_sides_however_often_it_is_retried()
    {
        var sender = await FundedAsync(Usd.FromDecimal(3m));
        var recipient = await FundedAsync(Usd.FromDecimal(1m));
        var transfer = new TransferRequest("gift-1", recipient.GetPrimaryKeyString(), Usd.FromDecimal(1.25m), "for lunch");

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => sender.TransferAsync(transfer)));

        Assert.All(results, r => Assert.Equal(TransferOutcome.Sent, r.Outcome));
        await UntilAsync(async () => (await recipient.GetAsync()).Balance == Usd.FromDecimal(2.25m));
        Assert.Equal(Usd.FromDecimal(1.75m), (await sender.GetAsync()).Balance);
        Assert.Single(await sender.GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.TransferOut);
        Assert.Single(await recipient.GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.TransferIn);
    }

    [Fact]
    public async Task Two_accounts_sending_to_each_other_at_once_both_complete()
    {
        var a = await FundedAsync(Usd.FromDecimal(5m));
        var b = await FundedAsync(Usd.FromDecimal(5m));

        await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(i => new[]
        {
            a.TransferAsync(new TransferRequest($"ab{i}", b.GetPrimaryKeyString(), Usd.FromDecimal(0.10m))),
            b.TransferAsync(new TransferRequest($"ba{i}", a.GetPrimaryKeyString(), Usd.FromDecimal(0.30m))),
        }));

        await UntilAsync(async () => (await a.GetAsync()).Balance == Usd.FromDecimal(7m) && (await b.GetAsync()).Balance == Usd.FromDecimal(3m));
    }

    [Fact]
    public async Task A_transfer_beyond_the_available_balance_to_oneself_or_to_nobody_is_refused_and_moves_nothing()
    {
        var sender = await FundedAsync(Usd.FromDecimal(1m));
        var recipient = await FundedAsync(Usd.FromDecimal(1m));
        await sender.AdmitAsync(new AdmissionRequest("inflight", "laptop", Usd.FromDecimal(0.50m)));

        Assert.Equal(TransferOutcome.InsufficientBalance,
            (await sender.TransferAsync(new TransferRequest("t1", recipient.GetPrimaryKeyString(), Usd.FromDecimal(0.60m)))).Outcome);
        Assert.Equal(TransferOutcome.ToSelf,
            (await sender.TransferAsync(new TransferRequest("t2", sender.GetPrimaryKeyString(), Usd.FromDecimal(0.10m)))).Outcome);
        Assert.Equal(TransferOutcome.UnknownRecipient,
            (await sender.TransferAsync(new TransferRequest("t3", TestServices.NewAccountId(), Usd.FromDecimal(0.10m)))).Outcome);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            sender.TransferAsync(new TransferRequest("t4", recipient.GetPrimaryKeyString(), Usd.FromDecimal(-0.10m))));

        Assert.Equal(Usd.FromDecimal(1m), (await sender.GetAsync()).Balance);
        Assert.Equal(Usd.FromDecimal(1m), (await recipient.GetAsync()).Balance);
    }

    [Fact]
    public async Task Five_failed_sign_ins_lock_the_email_for_fifteen_minutes()
    {
        var email = silo.Grains.GetGrain<IEmailGrain>($"lock-{Guid.NewGuid():N}@example.com");
        await email.RegisterAsync("acct_x", "hash");

        for (var i = 0; i < 4; i++)
        {
            Assert.Null((await email.RecordSignInAsync(false))!.LockedUntil);
        }
        var locked = await email.RecordSignInAsync(false);

        Assert.Equal(silo.Clock.GetUtcNow() + TimeSpan.FromMinutes(15), locked!.LockedUntil);
        silo.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null((await email.GetAsync())!.LockedUntil);
        Assert.Equal("acct_x", (await email.RegisterAsync("acct_y", "other")).AccountId);
    }

    private async Task<IAccountGrain> SignUpAsync(string? inviteCode)
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.SignUpAsync($"{Guid.NewGuid():N}@example.com", inviteCode);
        return account;
    }

    private async Task<IAccountGrain> FundedAsync(Usd amount)
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("funded@example.com");
        await account.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, amount, "test"));
        return account;
    }

    /// <summary>Transfers credit the recipient one-way, moments after the sender's answer; wait for it (bounded).</summary>
    internal static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(50);
        }
    }
}
