using System.Numerics;
using NBitcoin;
using Nethereum.Signer;
using Relay.Money;
using Relay.Stablecoin;
using Relay.Tests.Support;

namespace Relay.Tests.Stablecoin;

[Collection(SharedSilo.Name)]
public sealed class DepositAddressTests(InProcessSilo silo)
{
    [Fact]
    public async Task Each_account_gets_the_address_at_m_0_i_of_the_xpub_once_and_for_good()
    {
        var root = new ExtKey();
        var xpub = root.Neuter().ToString(Network.Main);
        var book = silo.Grains.GetGrain<IDepositAddressesGrain>(xpub);

        var first = await book.AssignAsync("acct-a");
        var second = await book.AssignAsync("acct-b");
        var again = await book.AssignAsync("acct-a");

        Assert.Equal(0, first.Index);
        Assert.Equal(1, second.Index);
        Assert.Equal(first, again);
        // The address the wallet holding the private key controls at m/0/i.
        Assert.Equal(AddressOfPrivateKey(root, 0), first.Address);
        Assert.Equal(AddressOfPrivateKey(root, 1), second.Address);
        var owners = await book.ListAsync();
        Assert.Equal(2, owners.Count);
        Assert.Equal("acct-a", owners[first.Address]);
        Assert.Equal("acct-b", owners[second.Address]);
    }

    [Fact]
    public void A_known_xpub_derives_the_known_address()
    {
        // BIP32 test vector 1's master key; its m/0/0 address computed from the private key with Nethereum's signer.
        var root = ExtKey.Parse(
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
            Network.Main);

        Assert.Equal(AddressOfPrivateKey(root, 0), DepositAddressDerivation.AddressAt(root.Neuter().ToString(Network.Main), 0));
        Assert.Equal(AddressOfPrivateKey(root, 7), DepositAddressDerivation.AddressAt(root.Neuter().ToString(Network.Main), 7));
    }

    [Theory]
    [InlineData(1, 6, 1_000L)]
    [InlineData(12_345_678, 6, 12_345_678_000L)]
    [InlineData(990_000, 6, 990_000_000L)]
    [InlineData(1_000_000_000, 9, 1_000_000_000L)]
    public void Token_units_convert_to_dollars_one_to_one_exactly(long units, int decimals, long nanos)
    {
        Assert.Equal(new Usd(nanos), StablecoinAmount.ToUsd(units, decimals));
    }

    [Fact]
    public void Eighteen_decimal_amounts_convert_only_when_they_are_whole_nano_dollars()
    {
        Assert.Equal(Usd.FromDecimal(2.5m), StablecoinAmount.ToUsd(BigInteger.Parse("2500000000000000000"), 18));
        Assert.Null(StablecoinAmount.ToUsd(BigInteger.Parse("2500000000000000001"), 18));
        Assert.Null(StablecoinAmount.ToUsd(BigInteger.Zero, 6));
        Assert.Null(StablecoinAmount.ToUsd(BigInteger.Pow(10, 30), 6));
    }

    private static string AddressOfPrivateKey(ExtKey root, int index) =>
        new EthECKey(root.Derive(0).Derive((uint)index).PrivateKey.ToBytes(), true).GetPublicAddress().ToLowerInvariant();
}
