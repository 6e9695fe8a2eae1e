using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NBitcoin;
using Relay.Accounts;
using Relay.Money;
using Relay.Stablecoin;
using Relay.Tests.Support;

namespace Relay.Tests.Stablecoin;

/// <summary>
/// The watcher against a real anvil node and the shared silo. Each test has its own node (own chain id, so its own
/// checkpoint and entry ids) and its own xpub (so its own deposit address book). Confirmations are 2: a transfer
/// is credited once one more block sits on top of its own.
/// </summary>
[Collection(SharedSilo.Name)]
public sealed class StablecoinWatcherTests(InProcessSilo silo) : IAsyncLifetime
{
    private const int Confirmations = 2;

    private AnvilNode _node = null!;
    private string _token = null!;
    private readonly string _xpub = new ExtKey().Neuter().ToString(Network.Main);

    public async Task InitializeAsync()
    {
        _node = await AnvilNode.StartAsync();
        _token = await _node.DeployTokenAsync(BigInteger.Pow(10, 15));
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_transfer_is_credited_once_it_has_the_confirmations_and_not_before()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        var watcher = Watcher();
        var tx = await _node.TransferAsync(_token, address, 12_345_678);

        Assert.Equal(0, await watcher.PollOnceAsync());
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);

        await _node.MineAsync(1);
        Assert.Equal(1, await watcher.PollOnceAsync());
        Assert.Equal(0, await watcher.PollOnceAsync());

        Assert.Equal(Usd.FromDecimal(12.345678m), (await account.GetAsync()).Balance);
        var entry = Assert.Single(await account.GetLedgerAsync(null, 10));
        Assert.Equal(LedgerEntryKind.TopUp, entry.Kind);
        Assert.Equal($"chain:{_node.ChainId}:{tx}:0", entry.EntryId);
        Assert.Equal(Usd.FromDecimal(12.345678m), entry.Delta);
    }

    [Fact]
    public async Task Two_watchers_scanning_the_same_blocks_credit_each_transfer_once()
    {
        var (first, firstAddress) = await OpenWithDepositAddressAsync();
        var (second, secondAddress) = await OpenWithDepositAddressAsync();
        await _node.TransferAsync(_token, firstAddress, 1_000_000);
        await _node.TransferAsync(_token, secondAddress, 990_000);
        await _node.TransferAsync(_token, firstAddress, 1);
        await _node.MineAsync(Confirmations);

        var booked = await Task.WhenAll(Watcher().PollOnceAsync(), Watcher().PollOnceAsync());

        Assert.Equal(3, booked.Sum());
        Assert.Equal(Usd.FromDecimal(1.000001m), (await first.GetAsync()).Balance);
        Assert.Equal(Usd.FromDecimal(0.99m), (await second.GetAsync()).Balance);
        Assert.Equal(2, (await first.GetLedgerAsync(null, 10)).Count);
    }

    [Fact]
    public async Task A_restarted_watcher_resumes_from_the_checkpoint_without_doubling_or_losing_a_transfer()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        await _node.TransferAsync(_token, address, 5_000_000);
        await _node.MineAsync(Confirmations);
        Assert.Equal(1, await Watcher().PollOnceAsync());
        var checkpoint = await silo.Grains.GetGrain<IChainCheckpointGrain>(ChainKey).GetAsync();
        Assert.Equal(await _node.HeadAsync() - (Confirmations - 1), checkpoint!.BlockNumber);

        // A transfer arrives while no watcher runs; a new one (a restarted silo) picks up from the checkpoint.
        await _node.TransferAsync(_token, address, 250_000);
        await _node.MineAsync(Confirmations);
        var restarted = Watcher();

        Assert.Equal(1, await restarted.PollOnceAsync());
        Assert.Equal(Usd.FromDecimal(5.25m), (await account.GetAsync()).Balance);
        Assert.Equal(2, (await account.GetLedgerAsync(null, 10)).Count);
    }

    [Fact]
    public async Task A_transfer_undone_by_a_reorg_before_its_confirmations_is_never_credited()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        var watcher = Watcher();
        var beforeTransfer = await _node.SnapshotAsync();
        await _node.TransferAsync(_token, address, 7_000_000);
        Assert.Equal(0, await watcher.PollOnceAsync());

        // The chain reorganises: the block with the transfer is replaced by another one carrying a different transfer.
        await _node.RevertAsync(beforeTransfer);
        var replacement = await _node.TransferAsync(_token, address, 3_000_000);
        await _node.MineAsync(Confirmations + 3);

        Assert.Equal(1, await watcher.PollOnceAsync());
        var entry = Assert.Single(await account.GetLedgerAsync(null, 10));
        Assert.Equal($"chain:{_node.ChainId}:{replacement}:0", entry.EntryId);
        Assert.Equal(Usd.FromDecimal(3m), (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task A_reorg_that_replaces_the_checkpoint_block_rescans_the_new_chain()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        var watcher = Watcher();
        var fork = await _node.SnapshotAsync();
        await _node.MineAsync(4);
        Assert.Equal(0, await watcher.PollOnceAsync());
        var stale = await silo.Grains.GetGrain<IChainCheckpointGrain>(ChainKey).GetAsync();

        // Deeper than the confirmations: the checkpoint's block itself is gone, and the new chain holds a transfer below it.
        await _node.RevertAsync(fork);
        await _node.TransferAsync(_token, address, 2_500_000);
        await _node.MineAsync(5);

        Assert.Equal(1, await watcher.PollOnceAsync());
        Assert.Equal(Usd.FromDecimal(2.5m), (await account.GetAsync()).Balance);
        var moved = await silo.Grains.GetGrain<IChainCheckpointGrain>(ChainKey).GetAsync();
        Assert.NotEqual(stale!.BlockHash, moved!.BlockHash);
        Assert.Equal(await _node.HeadAsync() - (Confirmations - 1), moved.BlockNumber);
    }

    [Fact]
    public async Task Transfers_to_addresses_that_are_not_deposit_addresses_credit_nobody()
    {
        var (account, _) = await OpenWithDepositAddressAsync();
        await _node.TransferAsync(_token, "0x000000000000000000000000000000000000dead", 4_000_000);
        await _node.MineAsync(Confirmations);

        Assert.Equal(0, await Watcher().PollOnceAsync());
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
    }

    private string ChainKey => _node.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_token_whose_contract_has_other_decimals_than_configured_is_refused_and_nothing_is_credited()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        await _node.TransferAsync(_token, address, 5_000_000);
        await _node.MineAsync(Confirmations);
        var watcher = Watcher(options => options.Tokens = [new StablecoinToken { Symbol = "USDT", Address = _token, Decimals = 18 }]);

        var refused = await Assert.ThrowsAsync<StablecoinConfigurationException>(() => watcher.PollOnceAsync());

        Assert.Contains($"USDT at {_token} has 6 decimals on chain {_node.ChainId}, but 18 are configured", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
        Assert.Null(await silo.Grains.GetGrain<IChainCheckpointGrain>(ChainKey).GetAsync());
    }

    [Fact]
    public async Task An_address_that_is_not_a_token_contract_is_refused()
    {
        var watcher = Watcher(options => options.Tokens = [new StablecoinToken { Symbol = "USDC", Address = "0x000000000000000000000000000000000000dEaD", Decimals = 6 }]);

        var refused = await Assert.ThrowsAsync<StablecoinConfigurationException>(() => watcher.PollOnceAsync());

        Assert.Contains("does not answer decimals()", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fewer_confirmations_than_the_chain_needs_are_refused_naming_the_floor()
    {
        var (account, address) = await OpenWithDepositAddressAsync();
        await _node.TransferAsync(_token, address, 5_000_000);
        await _node.MineAsync(Confirmations);
        var watcher = Watcher(options => options.MinConfirmations[ChainKey] = 5);

        var refused = await Assert.ThrowsAsync<StablecoinConfigurationException>(() => watcher.PollOnceAsync());

        Assert.Contains($"Confirmations is 2, fewer than the 5 chain {_node.ChainId} needs", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
        // With as many as the chain needs, the same transfer is credited.
        await _node.MineAsync(5);
        Assert.Equal(1, await Watcher(options => { options.MinConfirmations[ChainKey] = 5; options.Confirmations = 5; }).PollOnceAsync());
        Assert.Equal(Usd.FromDecimal(5m), (await account.GetAsync()).Balance);
    }

    private StablecoinWatcher Watcher(Action<StablecoinOptions>? configure = null)
    {
        var options = new StablecoinOptions
        {
            RpcUrl = _node.RpcUrl,
            Xpub = _xpub,
            Confirmations = Confirmations,
            StartBlock = 0,
            Tokens = [new StablecoinToken { Symbol = "USDT", Address = _token, Decimals = 6 }],
        };
        configure?.Invoke(options);
        return new(silo.Grains, Options.Create(options), NullLogger<StablecoinWatcher>.Instance);
    }

    private async Task<(IAccountGrain Account, string Address)> OpenWithDepositAddressAsync()
    {
        var id = TestServices.NewAccountId();
        var account = silo.Grains.GetGrain<IAccountGrain>(id);
        await account.OpenAsync("holder@example.com");
        var deposit = await silo.Grains.GetGrain<IDepositAddressesGrain>(_xpub).AssignAsync(id);
        return (account, deposit.Address);
    }
}
