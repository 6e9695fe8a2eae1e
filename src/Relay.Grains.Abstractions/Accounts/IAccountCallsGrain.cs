using Orleans.Concurrency;

namespace Relay.Accounts;

/// <summary>The money part of an account that the edge's relay path uses: admitting, starting and settling calls.</summary>
public interface IAccountCallsGrain : IGrainWithStringKey
{
    /// <summary>Admits a call: checks the device slot and available balance and reserves the estimate.</summary>
    Task<Admission> AdmitAsync(AdmissionRequest request);

    /// <summary>
    /// The admitted call's upstream has answered. Only a started call's reservation is charged if it expires;
    /// one whose edge died before the upstream answered is released (docs/accounts.md).
    /// </summary>
    [OneWay]
    Task MarkStartedAsync(string callId);

    /// <summary>Closes a call's reservation and books its charge exactly once.</summary>
    Task<PostingResult> SettleAsync(Settlement settlement);
}
