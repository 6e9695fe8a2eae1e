namespace Relay.Accounts;

/// <summary>What a ledger entry records. Credits add to the balance, debits take from it.</summary>
public enum LedgerEntryKind
{
    SignUpBonus = 1,
    InviteBonus = 2,
    TopUp = 3,
    ReferralReward = 4,
    TransferOut = 5,
    TransferIn = 6,
    UsageCharge = 7,
    AdminAdjustment = 8,
    ReservationExpiry = 9,
}

public static class LedgerEntryKinds
{
    /// <summary>True for kinds that take money from the account.</summary>
    public static bool IsDebit(this LedgerEntryKind kind) =>
        kind is LedgerEntryKind.TransferOut or LedgerEntryKind.UsageCharge or LedgerEntryKind.ReservationExpiry;
}
