using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Relay.Accounts;
using Relay.Money;

namespace Relay.Stablecoin;

/// <summary>
/// Credits ERC-20 stablecoin transfers to deposit addresses. Each poll scans, from the chain's checkpoint, the blocks
/// that have enough confirmations, books each transfer as a top-up under the entry id
/// <c>chain:&lt;chain id&gt;:&lt;tx hash&gt;:&lt;log index&gt;</c> and then moves the checkpoint (block number and hash).
/// Exactly once comes from the entry id, not from the checkpoint: any number of watchers may scan the same blocks,
/// and a watcher that dies between crediting and moving the checkpoint only rescans.
/// </summary>
/// <remarks>
/// There is no minimum deposit: the $0.99 minimum of card and Alipay orders exists to keep fees in proportion, but a
/// transfer on chain has already arrived and cannot be refused, so any amount is credited (one USDT unit is $0.000001).
/// A reorg deeper than the confirmations after a transfer was credited is not undone: the credit stays and a person
/// must adjust it; the watcher only logs that it found the checkpoint's block gone and rescans.
/// </remarks>
public sealed partial class StablecoinWatcher
{
    /// <summary>Keccak-256 of <c>Transfer(address,address,uint256)</c>.</summary>
    public const string TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

    // Nodes limit how many topics one filter may carry; ask for the recipients in slices of this many.
    private const int AddressesPerRequest = 500;

    private readonly IGrainFactory _grains;
    private readonly StablecoinOptions _options;
    private readonly ILogger<StablecoinWatcher> _logger;
    private readonly Web3 _web3;
    private readonly Dictionary<string, StablecoinToken> _tokens;
    private string? _chainId;
    private bool _verified;

    public StablecoinWatcher(IGrainFactory grains, IOptions<StablecoinOptions> options, ILogger<StablecoinWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _options = options.Value;
        _logger = logger;
        _web3 = new Web3(_options.RpcUrl ?? throw new InvalidOperationException($"{StablecoinOptions.Section}:RpcUrl is not set."));
        _tokens = _options.Tokens.ToDictionary(t => t.Address.ToLowerInvariant(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Checks the configuration against the chain, once: enough confirmations for the chain's id, and each token's
    /// <c>decimals()</c> as configured (a token read with the wrong decimals would credit a thousand or a millionth of
    /// what arrived). Throws <see cref="StablecoinConfigurationException"/> naming what disagrees.
    /// </summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        var chainId = (long)(BigInteger)(await _web3.Eth.ChainId.SendRequestAsync()).Value;
        var minimum = _options.MinimumConfirmationsFor(chainId);
        if (_options.Confirmations < minimum)
        {
            throw new StablecoinConfigurationException(
                $"{StablecoinOptions.Section}:Confirmations is {_options.Confirmations}, fewer than the {minimum} chain {chainId} needs before a transfer is final enough to credit. "
                + $"Raise it, or set {StablecoinOptions.Section}:MinConfirmations:{chainId} if you know better.");
        }
        foreach (var token in _options.Tokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var decimals = await DecimalsOfAsync(token.Address);
            if (decimals != token.Decimals)
            {
                throw new StablecoinConfigurationException(decimals is null
                    ? $"{StablecoinOptions.Section}: the token {token.Symbol} at {token.Address} does not answer decimals() on chain {chainId}; is it an ERC-20 contract on this chain?"
                    : $"{StablecoinOptions.Section}: the token {token.Symbol} at {token.Address} has {decimals} decimals on chain {chainId}, but {token.Decimals} are configured. Set its Decimals to {decimals}.");
            }
        }
        _chainId = chainId.ToString(CultureInfo.InvariantCulture);
        _verified = true;
    }

    /// <summary>Scans and credits every confirmed block past the checkpoint; returns how many transfers this call booked.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        var xpub = _options.Xpub ?? throw new InvalidOperationException($"{StablecoinOptions.Section}:Xpub is not set.");
        if (!_verified)
        {
            await VerifyAsync(cancellationToken);
        }
        var checkpoints = _grains.GetGrain<IChainCheckpointGrain>(_chainId!);
        var booked = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var head = (long)(await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
            var safe = head - (_options.Confirmations - 1);
            var checkpoint = await checkpoints.GetAsync();
            var from = await FirstBlockToScanAsync(checkpoint, safe);
            if (from > safe)
            {
                return booked;
            }
            var to = Math.Min(safe, from + _options.MaxBlockRange - 1);

            // The addresses are read after the head: an address handed out before a transfer to it was sent is known.
            var owners = await _grains.GetGrain<IDepositAddressesGrain>(xpub).ListAsync();
            foreach (var log in await TransfersToAsync(owners.Keys, from, to))
            {
                booked += await CreditAsync(log, owners) ? 1 : 0;
            }

            var block = await BlockAsync(to) ?? throw new InvalidOperationException($"The node has no block {to} below its head {head}.");
            await checkpoints.AdvanceAsync(checkpoint, new ChainCheckpoint(to, block.BlockHash));
        }
    }

    private async Task<long> FirstBlockToScanAsync(ChainCheckpoint? checkpoint, long safe)
    {
        if (checkpoint is null)
        {
            return _options.StartBlock ?? Math.Max(safe, 0);
        }
        var block = await BlockAsync(checkpoint.BlockNumber);
        if (block is not null && string.Equals(block.BlockHash, checkpoint.BlockHash, StringComparison.OrdinalIgnoreCase))
        {
            return checkpoint.BlockNumber + 1;
        }
        var rescanFrom = Math.Max(checkpoint.BlockNumber - _options.ReorgRescanBlocks + 1, _options.StartBlock ?? 0);
        LogReorg(_chainId!, checkpoint.BlockNumber, checkpoint.BlockHash, rescanFrom);
        return rescanFrom;
    }

    /// <summary>The token's <c>decimals()</c> (selector 0x313ce567), or null when the address does not answer it.</summary>
    private async Task<int?> DecimalsOfAsync(string token)
    {
        string answer;
        try
        {
            answer = await _web3.Eth.Transactions.Call.SendRequestAsync(new CallInput("0x313ce567", token), BlockParameter.CreateLatest());
        }
        catch (Nethereum.JsonRpc.Client.RpcResponseException)
        {
            return null;
        }
        if (string.IsNullOrEmpty(answer) || answer == "0x")
        {
            return null;
        }
        var value = new HexBigInteger(answer).Value;
        return value >= 0 && value <= 255 ? (int)value : null;
    }

    private async Task<BlockWithTransactionHashes?> BlockAsync(long number) =>
        await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
            new BlockParameter(new HexBigInteger(number)));

    private async Task<List<FilterLog>> TransfersToAsync(IEnumerable<string> addresses, long from, long to)
    {
        var logs = new List<FilterLog>();
        foreach (var slice in addresses.Chunk(AddressesPerRequest))
        {
            var filter = new NewFilterInput
            {
                FromBlock = new BlockParameter(new HexBigInteger(from)),
                ToBlock = new BlockParameter(new HexBigInteger(to)),
                Address = [.. _tokens.Keys],
                Topics = [TransferTopic, null, slice.Select(a => "0x" + new string('0', 24) + a[2..]).ToArray()],
            };
            logs.AddRange(await _web3.Eth.Filters.GetLogs.SendRequestAsync(filter));
        }
        return logs;
    }

    private async Task<bool> CreditAsync(FilterLog log, IReadOnlyDictionary<string, string> owners)
    {
        var entryId = $"chain:{_chainId}:{log.TransactionHash.ToLowerInvariant()}:{(long)log.LogIndex.Value}";
        if (log.Removed || log.Topics is not { Length: 3 } || !_tokens.TryGetValue(log.Address.ToLowerInvariant(), out var token))
        {
            return false;
        }
        var to = "0x" + log.Topics[2].ToString()![^40..].ToLowerInvariant();
        if (!owners.TryGetValue(to, out var accountId))
        {
            return false;
        }
        var units = new HexBigInteger(log.Data).Value;
        if (StablecoinAmount.ToUsd(units, token.Decimals) is not { } amount)
        {
            // Dust below a nano-dollar or an absurd amount: left for a person to book by hand, never rounded.
            LogUncreditable(entryId, token.Symbol, units.ToString(CultureInfo.InvariantCulture), accountId);
            return false;
        }
        var reference = $"{token.Symbol} {to} tx {log.TransactionHash} block {(long)log.BlockNumber.Value}";
        var result = await _grains.GetGrain<IAccountGrain>(accountId)
            .PostAsync(new LedgerPosting(entryId, LedgerEntryKind.TopUp, amount, reference));
        if (result.Outcome == PostingOutcome.Booked)
        {
            LogCredited(entryId, accountId, amount, token.Symbol);
            return true;
        }
        if (result.Outcome != PostingOutcome.AlreadyBooked)
        {
            LogNotBooked(entryId, accountId, result.Outcome);
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credited {EntryId} to {AccountId}: {Amount} USD in {Symbol}")]
    private partial void LogCredited(string entryId, string accountId, Usd amount, string symbol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {EntryId} of {Units} {Symbol} units to {AccountId} is not a whole nano-dollar amount; not credited")]
    private partial void LogUncreditable(string entryId, string symbol, string units, string accountId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Transfer {EntryId} to {AccountId} was not booked: {Outcome}")]
    private partial void LogNotBooked(string entryId, string accountId, PostingOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chain {ChainId} no longer holds checkpoint block {BlockNumber} ({BlockHash}); rescanning from {RescanFrom}")]
    private partial void LogReorg(string chainId, long blockNumber, string blockHash, long rescanFrom);
}
