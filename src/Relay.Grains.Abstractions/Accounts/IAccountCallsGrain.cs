using Orleans.Concurrency;

namespace Relay.Accounts;

/// <summary>The money part of an account that the edge's relay path uses: admitting, starting and settling calls.</summary>
public interface IAccountCallsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Admits a call: checks the device slot and available balance and reserves the estimate. Answers as soon as
    /// it has decided; the reservation is durable only once <see cref="ConfirmReservationAsync"/> says so.
    /// </summary>
    Task<Admission> AdmitAsync(AdmissionRequest request);

    /// <summary>
    /// Completes once an admitted call's reservation is committed: true, or false when it could not be (or the
    /// call holds no reservation). Nothing of the call's answer may reach its client before this is true.
    /// </summary>
    Task<bool> ConfirmReservationAsync(string callId);

    /// <summary>
    /// The admitted call's upstream has answered. Only a started call's reservation is charged if it expires;
    /// one whose edge died before the upstream answered is released (docs/accounts.md).
    /// </summary>
    [OneWay]
    Task MarkStartedAsync(string callId);

    /// <summary>Closes a call's reservation and books its charge exactly once.</summary>
    Task<PostingResult> SettleAsync(Settlement settlement);
}
