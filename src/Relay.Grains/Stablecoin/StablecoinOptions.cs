namespace Relay.Stablecoin;

/// <summary>Stablecoin top-ups, from <c>Relay:Payments:Stablecoin</c>. The watcher runs only when RpcUrl and Xpub are set.</summary>
public sealed class StablecoinOptions
{
    public const string Section = "Relay:Payments:Stablecoin";

    /// <summary>The EVM node's JSON-RPC endpoint.</summary>
    public string? RpcUrl { get; set; }

    /// <summary>The extended public key deposit addresses are derived from (m/0/i); its private key never reaches the server.</summary>
    public string? Xpub { get; set; }

    /// <summary>
    /// How many blocks must hold a transfer before it is credited, counting its own block: with 12, a transfer
    /// mined in block b is credited once the head is b + 11.
    /// </summary>
    public int Confirmations { get; set; } = 12;

    /// <summary>How often the watcher asks the node for new blocks.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At most this many blocks per eth_getLogs request (public nodes cap the range).</summary>
    public int MaxBlockRange { get; set; } = 1000;

    /// <summary>
    /// The first block to scan when a chain has no checkpoint yet; unset means the newest confirmed block then,
    /// so a new deployment does not crawl the chain's history.
    /// </summary>
    public long? StartBlock { get; set; }

    /// <summary>When the checkpoint's block is no longer on the chain (a reorg deeper than the confirmations), rescan this many blocks before it.</summary>
    public int ReorgRescanBlocks { get; set; } = 128;

    /// <summary>The ERC-20 contracts whose transfers count as top-ups.</summary>
    public List<StablecoinToken> Tokens { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(RpcUrl) && !string.IsNullOrWhiteSpace(Xpub);
}

/// <summary>A dollar stablecoin (USDT, USDC): one token is one US dollar.</summary>
public sealed class StablecoinToken
{
    public string Symbol { get; set; } = "";

    public string Address { get; set; } = "";

    public int Decimals { get; set; } = 6;
}
