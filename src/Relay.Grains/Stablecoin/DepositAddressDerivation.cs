using NBitcoin;
using Nethereum.Util;

namespace Relay.Stablecoin;

/// <summary>
/// Derives Ethereum addresses from an extended public key (BIP32, non-hardened m/0/i), so the server can hand out
/// deposit addresses without ever holding a private key: the wallet that owns the xpub's private key sweeps them.
/// </summary>
public static class DepositAddressDerivation
{
    /// <summary>The lowercase 0x-hex address at m/0/<paramref name="index"/> below <paramref name="xpub"/>.</summary>
    public static string AddressAt(string xpub, int index)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(xpub);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var child = ParseXpub(xpub).Derive(0).Derive((uint)index);
        return AddressOf(child.PubKey);
    }

    /// <summary>The address of a public key: the last 20 bytes of Keccak-256 of its uncompressed X||Y.</summary>
    public static string AddressOf(PubKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var uncompressed = key.Decompress().ToBytes();
        var hash = Sha3Keccack.Current.CalculateHash(uncompressed.AsSpan(1).ToArray());
        return "0x" + Convert.ToHexStringLower(hash.AsSpan(12));
    }

    private static ExtPubKey ParseXpub(string xpub)
    {
        // An xpub carries its network in its version bytes; Ethereum wallets export the Bitcoin-mainnet form.
        foreach (var network in new[] { Network.Main, Network.TestNet })
        {
            try
            {
                return ExtPubKey.Parse(xpub, network);
            }
            catch (FormatException)
            {
            }
        }
        throw new FormatException("Relay:Payments:Stablecoin:Xpub is not an extended public key (xpub or tpub).");
    }
}
