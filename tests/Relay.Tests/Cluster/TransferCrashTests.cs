using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Accounts;
using Relay.Tests.Support;

namespace Relay.Tests.Cluster;

/// <summary>A silo process dies between a transfer's debit and its credit (a real crash, by configuration).</summary>
public sealed class TransferCrashTests : IAsyncLifetime
{
    private ProcessCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(silos: 2,
        new Dictionary<string, string> { ["Relay__Accounts__CrashAfterTransferDebit"] = "true" });

    public async Task DisposeAsync() => await _cluster!.DisposeAsync();

    [Fact]
    public async Task A_transfer_interrupted_by_a_silo_crash_completes_exactly_once()
    {
        var grains = _cluster!.Client;
        var sender = grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        var recipient = grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await sender.OpenAsync("sender@example.com");
        await recipient.OpenAsync("recipient@example.com");
        await sender.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, Usd.FromDecimal(2m), "test"));
        var transfer = new TransferRequest("gift", recipient.GetPrimaryKeyString(), Usd.FromDecimal(0.75m));

        // The sender's silo dies right after the debit is booked: the first attempt gets no answer.
        var senderSilo = await _cluster.HostOfAsync(sender);
        await Assert.ThrowsAnyAsync<Exception>(() => sender.TransferAsync(transfer));
        Assert.True(senderSilo.HasExited || await ExitsAsync(senderSilo));

        // The client retries the same transfer; the sender reactivates on the other silo and finishes it.
        var retried = await ProcessCluster.UntilAnsweredAsync(() => sender.TransferAsync(transfer));

        Assert.Equal(TransferOutcome.Sent, retried.Outcome);
        await SignUpAndTransferTests.UntilAsync(async () => (await recipient.GetAsync()).Balance == Usd.FromDecimal(0.75m));
        Assert.Equal(Usd.FromDecimal(1.25m), (await sender.GetAsync()).Balance);
        Assert.Single(await sender.GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.TransferOut);
        Assert.Single(await recipient.GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.TransferIn);
    }

    private static async Task<bool> ExitsAsync(SiloProcess silo)
    {
        await SignUpAndTransferTests.UntilAsync(() => Task.FromResult(silo.HasExited));
        return true;
    }
}
