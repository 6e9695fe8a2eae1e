using Relay.Money;

namespace Relay.Accounts;

/// <summary>One account: the single writer of its money, reservations and device sessions.</summary>
public interface IAccountGrain : IGrainWithStringKey
{
    /// <summary>Opens the account for an email; opening it again with the same email changes nothing.</summary>
    Task<AccountView> OpenAsync(string email);

    /// <summary>The account's balance, reservations and devices now.</summary>
    Task<AccountView> GetAsync();

    /// <summary>Books a credit or debit exactly once per entry id.</summary>
    Task<PostingResult> PostAsync(LedgerPosting posting);

    /// <summary>Admits a call: checks the device slot and available balance and reserves the estimate.</summary>
    Task<Admission> AdmitAsync(AdmissionRequest request);

    /// <summary>Closes a call's reservation and books its charge exactly once.</summary>
    Task<PostingResult> SettleAsync(Settlement settlement);

    /// <summary>The newest ledger entries, newest first, before a sequence number (exclusive) when given.</summary>
    Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(long? beforeSequence, int limit);

    /// <summary>Frees a device's slot at once.</summary>
    Task<bool> RevokeDeviceAsync(string device);

    /// <summary>Disables or re-enables the account; a disabled account admits no call and books no debit but usage.</summary>
    Task SetDisabledAsync(bool disabled);
}
