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

    /// <summary>
    /// The fewest confirmations the watcher accepts on a chain, by chain id (as a string: <c>MinConfirmations:137</c>),
    /// beside <see cref="DefaultMinimumConfirmations"/>; a configured value replaces the default for its chain.
    /// </summary>
    public Dictionary<string, int> MinConfirmations { get; set; } = [];

    /// <summary>
    /// Floors for the chains Relay knows, set by how deep each has been seen to reorganise: a configuration with
    /// fewer <see cref="Confirmations"/> is refused at start. Other chains have no floor but 1 unless configured.
    /// </summary>
    public static readonly IReadOnlyDictionary<long, int> DefaultMinimumConfirmations = new Dictionary<long, int>
    {
        [1] = 12, // Ethereum
        [56] = 15, // BNB Smart Chain
        [137] = 128, // Polygon PoS: reorganisations of dozens of blocks have happened
        [10] = 12, // OP Mainnet
        [8453] = 12, // Base
        [42161] = 12, // Arbitrum One
        [43114] = 12, // Avalanche C-Chain
    };

    /// <summary>The fewest confirmations accepted on <paramref name="chainId"/>.</summary>
    public int MinimumConfirmationsFor(long chainId) =>
        MinConfirmations.TryGetValue(chainId.ToString(System.Globalization.CultureInfo.InvariantCulture), out var configured)
            ? configured
            : DefaultMinimumConfirmations.GetValueOrDefault(chainId, 1);

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

    /// <summary>The token's <c>decimals()</c>; checked against the contract when the watcher starts.</summary>
    public int Decimals { get; set; } = 6;
}

/// <summary>The stablecoin configuration disagrees with the chain: the watcher refuses to run rather than credit wrong amounts.</summary>
public sealed class StablecoinConfigurationException(string message) : Exception(message);
